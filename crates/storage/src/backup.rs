//! `stationhub backup` and `stationhub restore`: the whole database and every stored file as one
//! .zip archive, written while servers run, and read back into an empty installation.
//!
//! The archive (zip: random access, so the manifest is read and checked before anything else;
//! each member carries its own CRC; and the `zip` crate is already in the tree) holds
//!
//! - `manifest.json`: [`Manifest`] — format version, stationhub version, the applied migrations,
//!   when it was made, each table with its row count, each file with its size and sha256;
//! - `tables/<table>.jsonl`: one JSON object per row, keyed by column name, values typed by the
//!   SeaORM entity (dates `YYYY-MM-DD`, instants RFC 3339 UTC), so that an archive made on SQLite
//!   restores into PostgreSQL and the other way round;
//! - `files/<storage key>`: the bytes of every row of `files`.
//!
//! The rows are read in ONE read transaction (REPEATABLE READ, read only, on PostgreSQL; a
//! deferred transaction on SQLite, whose WAL snapshot holds from its first read), so they are
//! consistent with each other. Stored files are written once under random keys, so reading them
//! after the rows gives the bytes those rows name.
//!
//! Every table is covered: [`TABLES`] lists the entities in dependency order (each table after
//! the tables its foreign keys point to), and a test compares it with the tables the migrations
//! make.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Seek, Write};

use bytes::Bytes;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{
    AccessMode, ActiveModelTrait, ActiveValue, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityName, EntityTrait, IdenStatic, IsolationLevel, Iterable, ModelTrait, PrimaryKeyToColumn,
    QueryOrder, QuerySelect, TransactionTrait, Value,
};
use sea_orm_migration::MigratorTrait;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::entity;
use crate::files::FileStore;
use crate::migration::Migrator;
use crate::{Backend, Store, StoreError};

/// The archive format this code writes and reads.
pub const FORMAT_VERSION: u32 = 1;
const FORMAT_NAME: &str = "stationhub-backup";
const MANIFEST: &str = "manifest.json";
/// Rows read per query, and inserted per statement.
const PAGE: u64 = 1000;
const INSERT_CHUNK: usize = 200;

/// Dispatches on a table name to the generic code for its entity. The list is in dependency
/// order: the order in which the migrations create the tables (a foreign key can only name a
/// table made before it).
macro_rules! tables {
    ($($m:ident),+ $(,)?) => {
        /// Every table of the schema, in dependency order (see the module's documentation).
        pub fn tables() -> Vec<&'static str> {
            vec![$(entity::$m::Entity.table_name()),+]
        }

        async fn dump_table(
            txn: &DatabaseTransaction,
            table: &str,
            out: &mut Vec<u8>,
        ) -> Result<u64, BackupError> {
            $(if table == entity::$m::Entity.table_name() {
                return dump::<entity::$m::Entity>(txn, out).await;
            })+
            Err(bad(format!("unknown table {table}")))
        }

        async fn restore_table(
            txn: &DatabaseTransaction,
            table: &str,
            rows: Vec<serde_json::Map<String, serde_json::Value>>,
        ) -> Result<u64, BackupError> {
            $(if table == entity::$m::Entity.table_name() {
                return restore_rows::<entity::$m::Entity>(txn, rows).await;
            })+
            Err(bad(format!("unknown table {table}")))
        }
    };
}

tables!(
    county,
    office,
    unit,
    society,
    user,
    session,
    signin_throttle,
    audit_log,
    audit_head,
    expert,
    round,
    application,
    application_expert,
    application_staff,
    file,
    application_event,
    opinion,
    site_inspection,
    seal,
    calendar_year,
    calendar_day,
    notice,
    notice_item,
    objection,
    doc_sequence,
    station,
    notification,
    activity,
    assessment,
    ledger_entry,
    station_report,
    station_request,
    job,
    export,
);

/// A backup or restore that failed: the database or file store, or the archive.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Archive(String),
}

impl From<sea_orm::DbErr> for BackupError {
    fn from(e: sea_orm::DbErr) -> Self {
        BackupError::Store(e.into())
    }
}

impl From<sea_orm::TryGetError> for BackupError {
    fn from(e: sea_orm::TryGetError) -> Self {
        BackupError::Store(sea_orm::DbErr::from(e).into())
    }
}

/// What `manifest.json` says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub stationhub_version: String,
    /// The backend the archive was made from: `sqlite` or `postgres`.
    pub source_backend: String,
    pub created_at: String,
    /// The applied migrations, oldest first.
    pub migrations: Vec<String>,
    /// In dependency order.
    pub tables: Vec<TableEntry>,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableEntry {
    pub name: String,
    pub rows: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub key: String,
    pub size: u64,
    pub sha256: String,
}

impl Manifest {
    pub fn total_rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

fn bad(msg: impl Into<String>) -> BackupError {
    BackupError::Archive(msg.into())
}

fn io(what: &str) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |e| bad(format!("{what}: {e}"))
}

fn zip_err(what: &str) -> impl FnOnce(zip::result::ZipError) -> BackupError + '_ {
    move |e| bad(format!("{what}: {e}"))
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// The migrations this build knows, oldest first.
fn known_migrations() -> Vec<String> {
    Migrator::migrations()
        .iter()
        .map(|m| m.name().to_string())
        .collect()
}

async fn applied_migrations<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, BackupError> {
    let q = Query::select()
        .column(Alias::new("version"))
        .from(Alias::new("seaql_migrations"))
        .order_by(Alias::new("version"), sea_orm::Order::Asc)
        .to_owned();
    let rows = db.query_all(&q).await?;
    rows.iter()
        .map(|r| {
            r.try_get::<String>("", "version")
                .map_err(BackupError::from)
        })
        .collect()
}

impl Store {
    /// Writes the whole database and every stored file to `out` (a .zip archive), reading the
    /// rows in one read transaction. Returns the manifest written.
    pub async fn backup<W: Write + Seek>(
        &self,
        files: &FileStore,
        out: W,
    ) -> Result<Manifest, BackupError> {
        let txn = match self.backend() {
            Backend::Postgres => {
                self.db()
                    .begin_with_config(
                        Some(IsolationLevel::RepeatableRead),
                        Some(AccessMode::ReadOnly),
                    )
                    .await?
            }
            // Deferred: the first read takes the WAL snapshot, kept until the end; writers go on.
            Backend::Sqlite => self.db().begin().await?,
        };
        let migrations = applied_migrations(&txn).await?;
        let known = known_migrations();
        if migrations != known {
            return Err(bad(format!(
                "the database's migrations ({} applied, last {:?}) are not this program's ({}, last {:?}): \
                 back up with the stationhub version that matches the database",
                migrations.len(),
                migrations.last(),
                known.len(),
                known.last()
            )));
        }
        let mut zip = zip::ZipWriter::new(out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        let mut tables_done = Vec::new();
        let mut file_rows = Vec::new();
        for table in tables() {
            let mut buf = Vec::new();
            let rows = dump_table(&txn, table, &mut buf).await?;
            zip.start_file(format!("tables/{table}.jsonl"), opts)
                .map_err(zip_err("writing the archive"))?;
            zip.write_all(&buf).map_err(io("writing the archive"))?;
            tables_done.push(TableEntry {
                name: table.to_string(),
                rows,
            });
        }
        // The keys the snapshot names (including removed files: kept for the record).
        let mut after = 0i64;
        loop {
            let batch = entity::file::Entity::find()
                .filter_id_after(after)
                .limit(PAGE)
                .all(&txn)
                .await?;
            let Some(last) = batch.last() else { break };
            after = last.id;
            file_rows.extend(batch.into_iter().map(|f| (f.storage_key, f.sha256)));
        }
        txn.commit().await?;

        let mut file_entries = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for (key, recorded) in file_rows {
            if !seen.insert(key.clone()) {
                continue;
            }
            let bytes = files.get(&key).await.map_err(|e| {
                bad(format!(
                    "stored file {key} (named in table files) cannot be read: {e}"
                ))
            })?;
            let sha = hex::encode(Sha256::digest(&bytes));
            if !recorded.is_empty() && sha != recorded {
                return Err(bad(format!(
                    "stored file {key} does not match its recorded sha256 ({recorded}, found {sha})"
                )));
            }
            zip.start_file(format!("files/{key}"), opts)
                .map_err(zip_err("writing the archive"))?;
            zip.write_all(&bytes).map_err(io("writing the archive"))?;
            file_entries.push(FileEntry {
                key,
                size: bytes.len() as u64,
                sha256: sha,
            });
        }
        let manifest = Manifest {
            format: FORMAT_NAME.into(),
            format_version: FORMAT_VERSION,
            stationhub_version: env!("CARGO_PKG_VERSION").into(),
            source_backend: backend_name(self.backend()).into(),
            created_at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
            migrations,
            tables: tables_done,
            files: file_entries,
        };
        let json =
            serde_json::to_vec_pretty(&manifest).map_err(|e| bad(format!("manifest: {e}")))?;
        zip.start_file(MANIFEST, opts)
            .map_err(zip_err("writing the archive"))?;
        zip.write_all(&json).map_err(io("writing the archive"))?;
        zip.finish().map_err(zip_err("writing the archive"))?;
        Ok(manifest)
    }

    /// True when no table holds a row (after the migrations).
    pub async fn is_empty(&self) -> Result<Option<(&'static str, u64)>, BackupError> {
        for table in tables() {
            let n = count(self.db(), table).await?;
            if n > 0 {
                return Ok(Some((table, n)));
            }
        }
        Ok(None)
    }

    /// Reads an archive made by [`Store::backup`] into this database, which must hold no row:
    /// migrates, checks the archive, inserts every table in one transaction, resets PostgreSQL's
    /// sequences, puts the files back into `files` (checking each sha256) and commits. The audit
    /// chain is for the caller to verify afterwards ([`Store::audit_verify`]).
    pub async fn restore<R: Read + Seek>(
        &self,
        files: &FileStore,
        archive: R,
    ) -> Result<Manifest, BackupError> {
        let mut zip = zip::ZipArchive::new(archive).map_err(zip_err("reading the archive"))?;
        let manifest: Manifest = {
            let mut f = zip
                .by_name(MANIFEST)
                .map_err(zip_err("no manifest.json in the archive"))?;
            let mut s = String::new();
            f.read_to_string(&mut s)
                .map_err(io("reading manifest.json"))?;
            serde_json::from_str(&s).map_err(|e| bad(format!("manifest.json: {e}")))?
        };
        if manifest.format != FORMAT_NAME || manifest.format_version != FORMAT_VERSION {
            return Err(bad(format!(
                "not a stationhub backup this version reads (format {:?} version {}; expected {FORMAT_NAME:?} version {FORMAT_VERSION})",
                manifest.format, manifest.format_version
            )));
        }
        let known = known_migrations();
        if !known.starts_with(&manifest.migrations) {
            return Err(bad(format!(
                "the archive's migrations (last {:?}) are not a prefix of this program's (last {:?}): \
                 restore with the stationhub version that made it or a newer one",
                manifest.migrations.last(),
                known.last()
            )));
        }
        let ours = tables();
        for t in &manifest.tables {
            if !ours.contains(&t.name.as_str()) {
                return Err(bad(format!(
                    "the archive holds table {} which this program does not know",
                    t.name
                )));
            }
        }

        self.migrate().await?;
        if let Some((table, n)) = self.is_empty().await? {
            return Err(bad(format!(
                "the database is not empty (table {table} holds {n} rows): restore only into a new, empty database"
            )));
        }

        // Files first, each checked; all taken back if anything fails later.
        let mut written = Vec::new();
        let result = self
            .restore_inner(files, &mut zip, &manifest, &ours, &mut written)
            .await;
        if result.is_err() {
            for key in &written {
                let _ = files.delete(key).await;
            }
        }
        result.map(|()| manifest)
    }

    async fn restore_inner<R: Read + Seek>(
        &self,
        files: &FileStore,
        zip: &mut zip::ZipArchive<R>,
        manifest: &Manifest,
        ours: &[&'static str],
        written: &mut Vec<String>,
    ) -> Result<(), BackupError> {
        for f in &manifest.files {
            let bytes = read_member(zip, &format!("files/{}", f.key))?;
            let sha = hex::encode(Sha256::digest(&bytes));
            if sha != f.sha256 || bytes.len() as u64 != f.size {
                return Err(bad(format!(
                    "file {} in the archive is damaged (sha256 {sha}, manifest says {})",
                    f.key, f.sha256
                )));
            }
            if let Ok(existing) = files.get(&f.key).await {
                if hex::encode(Sha256::digest(&existing)) != f.sha256 {
                    return Err(bad(format!(
                        "the file store already holds other bytes under {}: restore only into an empty data folder",
                        f.key
                    )));
                }
                continue;
            }
            files.put(&f.key, Bytes::from(bytes)).await?;
            written.push(f.key.clone());
            // Read back: what the store keeps is what the archive held.
            let back = files.get(&f.key).await?;
            if hex::encode(Sha256::digest(&back)) != f.sha256 {
                return Err(bad(format!(
                    "file {} reads back different from what was written",
                    f.key
                )));
            }
        }

        let guard = self.begin().await?;
        let txn = guard.conn();
        for table in ours {
            let Some(entry) = manifest.tables.iter().find(|t| t.name == *table) else {
                // A table newer than the archive: stays empty.
                continue;
            };
            let member = format!("tables/{table}.jsonl");
            let data = read_member(zip, &member)?;
            let mut rows = Vec::new();
            let mut n = 0u64;
            for (i, line) in BufReader::new(data.as_slice()).lines().enumerate() {
                let line = line.map_err(io(&member))?;
                if line.trim().is_empty() {
                    continue;
                }
                let row: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(&line)
                        .map_err(|e| bad(format!("{member} line {}: {e}", i + 1)))?;
                rows.push(row);
                if rows.len() == INSERT_CHUNK {
                    n += restore_table(txn, table, std::mem::take(&mut rows)).await?;
                }
            }
            if !rows.is_empty() {
                n += restore_table(txn, table, rows).await?;
            }
            if n != entry.rows {
                return Err(bad(format!(
                    "{member}: {n} rows read, the manifest says {}",
                    entry.rows
                )));
            }
        }
        if self.backend() == Backend::Postgres {
            reset_id_sequences(txn, ours).await?;
        }
        guard.commit().await?;
        Ok(())
    }
}

fn read_member<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
) -> Result<Vec<u8>, BackupError> {
    let mut f = zip
        .by_name(name)
        .map_err(|e| bad(format!("{name} is missing from the archive: {e}")))?;
    let mut buf = Vec::with_capacity(usize::try_from(f.size()).unwrap_or(0).min(1 << 30));
    f.read_to_end(&mut buf)
        .map_err(|e| bad(format!("{name} in the archive cannot be read: {e}")))?;
    Ok(buf)
}

/// Whether PostgreSQL has a sequence behind `table.id`.
/// PostgreSQL: moves each table's id sequence past its largest id, after rows were written
/// with their ids (a restore, a bulk load), so that the next insert does not collide.
async fn reset_id_sequences(txn: &DatabaseTransaction, tables: &[&str]) -> Result<(), StoreError> {
    for table in tables {
        if has_serial_id(txn, table).await? {
            txn.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), \
                 COALESCE((SELECT MAX(id) FROM \"{table}\"), 0) + 1, false)"
            ))
            .await?;
        }
    }
    Ok(())
}

impl crate::Tx {
    /// [`reset_id_sequences`] for every table of the schema (PostgreSQL; nothing to do on
    /// SQLite), e.g. after `stationhub demo --scale` wrote rows with their ids.
    pub async fn reset_id_sequences(&self) -> Result<(), StoreError> {
        if self.backend() == Backend::Postgres {
            reset_id_sequences(self.conn(), &tables()).await?;
        }
        Ok(())
    }
}

async fn has_serial_id(txn: &DatabaseTransaction, table: &str) -> Result<bool, StoreError> {
    let row = txn
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT pg_get_serial_sequence($1, 'id') IS NOT NULL AS has \
             FROM information_schema.columns WHERE table_name = $2 AND column_name = 'id' \
             AND table_schema = current_schema()",
            [format!("\"{table}\"").into(), table.into()],
        ))
        .await?;
    match row {
        Some(r) => Ok(r.try_get::<bool>("", "has")?),
        None => Ok(false),
    }
}

async fn count<C: ConnectionTrait>(db: &C, table: &str) -> Result<u64, BackupError> {
    let q = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from(Alias::new(table))
        .to_owned();
    let n = match db.query_one(&q).await? {
        Some(r) => r.try_get::<i64>("", "n")?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Small helper: `files` paged by id.
trait FileIdAfter {
    fn filter_id_after(self, after: i64) -> Self;
}

impl FileIdAfter for sea_orm::Select<entity::file::Entity> {
    fn filter_id_after(self, after: i64) -> Self {
        use sea_orm::QueryFilter;
        self.filter(entity::file::Column::Id.gt(after))
            .order_by_asc(entity::file::Column::Id)
    }
}

/// Writes every row of `E` as JSON lines, ordered by the primary key, a page at a time.
async fn dump<E>(txn: &DatabaseTransaction, out: &mut Vec<u8>) -> Result<u64, BackupError>
where
    E: EntityTrait,
{
    let mut n = 0u64;
    let mut page = 0u64;
    loop {
        let mut q = E::find();
        for pk in E::PrimaryKey::iter() {
            q = q.order_by_asc(pk.into_column());
        }
        let batch = q.offset(page * PAGE).limit(PAGE).all(txn).await?;
        let len = batch.len() as u64;
        for model in batch {
            let mut row = serde_json::Map::new();
            for col in E::Column::iter() {
                row.insert(col.as_str().to_string(), value_to_json(model.get(col))?);
            }
            serde_json::to_writer(&mut *out, &row)
                .map_err(|e| bad(format!("{}: {e}", E::default().table_name())))?;
            out.push(b'\n');
        }
        n += len;
        if len < PAGE {
            break;
        }
        page += 1;
    }
    Ok(n)
}

/// Inserts rows (JSON objects from [`dump`]) into `E`, typing each value by the entity.
async fn restore_rows<E>(
    txn: &DatabaseTransaction,
    rows: Vec<serde_json::Map<String, serde_json::Value>>,
) -> Result<u64, BackupError>
where
    E: EntityTrait,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    let table = E::default().table_name();
    let template = <E::ActiveModel as ActiveModelTrait>::default_values();
    let columns: BTreeMap<&'static str, (E::Column, Value)> = E::Column::iter()
        .map(|c| {
            let v = match template.get(c) {
                ActiveValue::Set(v) | ActiveValue::Unchanged(v) => Ok(v),
                ActiveValue::NotSet => Err(bad(format!(
                    "{table}.{}: a column type backup does not handle",
                    c.as_str()
                ))),
            }?;
            Ok((c.as_str(), (c, v)))
        })
        .collect::<Result<_, BackupError>>()?;
    let mut models = Vec::with_capacity(rows.len());
    for row in rows {
        let mut am = <E::ActiveModel as ActiveModelTrait>::default();
        for (key, json) in row {
            let Some((col, typed)) = columns.get(key.as_str()) else {
                return Err(bad(format!("{table}: unknown column {key} in the archive")));
            };
            let v = json_to_value(typed, &json)
                .map_err(|e| bad(format!("{table}.{key}: {e} (value {json})")))?;
            am.try_set(*col, v)?;
        }
        models.push(am);
    }
    let n = models.len() as u64;
    if n > 0 {
        E::insert_many(models).exec_without_returning(txn).await?;
    }
    Ok(n)
}

/// A column's value as JSON: numbers and booleans as such, text as strings, dates as
/// `YYYY-MM-DD`, instants as RFC 3339 in UTC (to the nanosecond), bytes as hex.
fn value_to_json(v: Value) -> Result<serde_json::Value, BackupError> {
    use serde_json::Value as J;
    fn opt<T>(o: Option<T>, f: impl FnOnce(T) -> J) -> J {
        o.map(f).unwrap_or(J::Null)
    }
    Ok(match v {
        Value::Bool(b) => opt(b, J::Bool),
        Value::TinyInt(n) => opt(n, J::from),
        Value::SmallInt(n) => opt(n, J::from),
        Value::Int(n) => opt(n, J::from),
        Value::BigInt(n) => opt(n, J::from),
        Value::TinyUnsigned(n) => opt(n, J::from),
        Value::SmallUnsigned(n) => opt(n, J::from),
        Value::Unsigned(n) => opt(n, J::from),
        Value::BigUnsigned(n) => opt(n, J::from),
        Value::Double(n) => opt(n, J::from),
        Value::String(s) => opt(s, J::String),
        Value::Bytes(b) => opt(b, |b| J::String(hex::encode(b))),
        Value::Json(j) => opt(j, |j| *j),
        Value::ChronoDate(d) => opt(d, |d| J::String(d.format("%Y-%m-%d").to_string())),
        Value::ChronoDateTimeUtc(t) => opt(t, |t| {
            J::String(t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        }),
        other => {
            return Err(bad(format!(
                "a column type backup does not handle: {other:?}"
            )));
        }
    })
}

/// The JSON of [`value_to_json`] back as the entity's value (`typed` gives the type).
fn json_to_value(typed: &Value, json: &serde_json::Value) -> Result<Value, String> {
    if json.is_null() {
        return Ok(typed.as_null());
    }
    let int = || json.as_i64().ok_or_else(|| "not an integer".to_string());
    let text = || json.as_str().ok_or_else(|| "not a string".to_string());
    Ok(match typed {
        Value::Bool(_) => Value::Bool(Some(json.as_bool().ok_or("not a boolean")?)),
        Value::TinyInt(_) => Value::TinyInt(Some(i8::try_from(int()?).map_err(|e| e.to_string())?)),
        Value::SmallInt(_) => {
            Value::SmallInt(Some(i16::try_from(int()?).map_err(|e| e.to_string())?))
        }
        Value::Int(_) => Value::Int(Some(i32::try_from(int()?).map_err(|e| e.to_string())?)),
        Value::BigInt(_) => Value::BigInt(Some(int()?)),
        Value::TinyUnsigned(_) => {
            Value::TinyUnsigned(Some(u8::try_from(int()?).map_err(|e| e.to_string())?))
        }
        Value::SmallUnsigned(_) => {
            Value::SmallUnsigned(Some(u16::try_from(int()?).map_err(|e| e.to_string())?))
        }
        Value::Unsigned(_) => {
            Value::Unsigned(Some(u32::try_from(int()?).map_err(|e| e.to_string())?))
        }
        Value::BigUnsigned(_) => {
            Value::BigUnsigned(Some(json.as_u64().ok_or("not an unsigned integer")?))
        }
        Value::Double(_) => Value::Double(Some(json.as_f64().ok_or("not a number")?)),
        Value::String(_) => Value::String(Some(text()?.to_string())),
        Value::Bytes(_) => Value::Bytes(Some(hex::decode(text()?).map_err(|e| e.to_string())?)),
        Value::Json(_) => Value::Json(Some(Box::new(json.clone()))),
        Value::ChronoDate(_) => Value::ChronoDate(Some(
            NaiveDate::parse_from_str(text()?, "%Y-%m-%d").map_err(|e| e.to_string())?,
        )),
        Value::ChronoDateTimeUtc(_) => Value::ChronoDateTimeUtc(Some(
            DateTime::parse_from_rfc3339(text()?)
                .map_err(|e| e.to_string())?
                .with_timezone(&Utc),
        )),
        other => return Err(format!("a column type backup does not handle: {other:?}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table the migrations make is in [`tables`], and every column of each is a column
    /// of its entity: a new table or column cannot be left out of backups unnoticed.
    #[tokio::test]
    async fn every_table_and_column_is_covered() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        let rows = store
            .db()
            .query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Sqlite,
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations' ORDER BY name",
            ))
            .await
            .unwrap();
        let mut in_db: Vec<String> = rows
            .iter()
            .map(|r| r.try_get::<String>("", "name").unwrap())
            .collect();
        in_db.sort();
        let mut listed: Vec<String> = tables().iter().map(|s| s.to_string()).collect();
        listed.sort();
        assert_eq!(listed, in_db, "backup::tables() and the migrations differ");

        // Columns: the database's against the dump of an empty row set's entity columns.
        for table in tables() {
            let cols = store
                .db()
                .query_all_raw(sea_orm::Statement::from_string(
                    sea_orm::DatabaseBackend::Sqlite,
                    format!("SELECT name FROM pragma_table_info('{table}') ORDER BY name"),
                ))
                .await
                .unwrap();
            let mut in_db: Vec<String> = cols
                .iter()
                .map(|r| r.try_get::<String>("", "name").unwrap())
                .collect();
            in_db.sort();
            let mut known = entity_columns(table);
            known.sort();
            assert_eq!(known, in_db, "columns of {table}");
        }
    }

    fn entity_columns(table: &str) -> Vec<String> {
        macro_rules! cols {
            ($($m:ident),+) => {
                $(if table == entity::$m::Entity.table_name() {
                    return entity::$m::Column::iter().map(|c| c.as_str().to_string()).collect();
                })+
            };
        }
        cols!(
            county,
            office,
            unit,
            society,
            user,
            session,
            signin_throttle,
            audit_log,
            audit_head,
            expert,
            round,
            application,
            application_expert,
            application_staff,
            file,
            application_event,
            opinion,
            site_inspection,
            seal,
            calendar_year,
            calendar_day,
            notice,
            notice_item,
            objection,
            doc_sequence,
            station,
            notification,
            activity,
            assessment,
            ledger_entry,
            station_report,
            station_request,
            job,
            export
        );
        panic!("no entity for {table}");
    }

    #[test]
    fn values_round_trip_through_json() {
        let t = DateTime::parse_from_rfc3339("2026-03-18T01:02:03.123456789Z")
            .unwrap()
            .with_timezone(&Utc);
        for v in [
            Value::Bool(Some(true)),
            Value::Int(Some(-7)),
            Value::BigInt(Some(1 << 40)),
            Value::BigInt(None),
            Value::String(Some("申报书 \"引号\"\n".into())),
            Value::String(None),
            Value::ChronoDate(Some(NaiveDate::from_ymd_opt(2026, 2, 28).unwrap())),
            Value::ChronoDateTimeUtc(Some(t)),
            Value::ChronoDateTimeUtc(None),
        ] {
            let j = value_to_json(v.clone()).unwrap();
            assert_eq!(json_to_value(&v, &j).unwrap(), v, "{j}");
        }
        assert!(json_to_value(&Value::Int(None), &serde_json::json!("x")).is_err());
        assert!(json_to_value(&Value::Int(None), &serde_json::json!(1i64 << 40)).is_err());
    }
}
