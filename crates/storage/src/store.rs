use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use stationhub_domain::DomainError;
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::memo::Memo;
use crate::migration::Migrator;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    /// The uploaded-file store (local folder or S3) failed; see [`crate::files`].
    #[error("file store error: {0}")]
    Files(String),
}

impl StoreError {
    /// True when the database refused a duplicate key (unique constraint).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Db(e) => matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ),
            StoreError::Domain(_) | StoreError::Files(_) => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Who does something, as the audit log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: Option<i64>,
    pub username: String,
    pub role: String,
}

impl Actor {
    /// The command line, run by the operator of the machine.
    pub fn system(what: &str) -> Actor {
        Actor {
            id: None,
            username: format!("system:{what}"),
            role: "system".into(),
        }
    }

    /// Someone not signed in (a sign-in attempt, a public objection).
    pub fn anonymous(addr: &str) -> Actor {
        Actor {
            id: None,
            username: format!("anonymous@{addr}"),
            role: "anonymous".into(),
        }
    }
}

/// One page of a list (SPEC §5.2: `{items, total, page, per_page}`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl<T> Page<T> {
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page.max(1)).max(1)
    }
}

#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
    backend: Backend,
    /// SQLite allows one writer; taking this lock before each write transaction keeps writers of
    /// this process in line instead of failing with SQLITE_BUSY. PostgreSQL needs no such lock.
    sqlite_writer: Arc<Mutex<()>>,
    /// Reads answered from memory while the audit chain's head stays put ([`crate::memo`]).
    pub(crate) memo: Arc<Memo>,
}

/// How many megabytes of answers [`Store::memo`] keeps unless told otherwise.
pub const MEMO_MB: u64 = 32;

fn megabytes(mb: u64) -> usize {
    usize::try_from(mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX)
}

impl Store {
    /// Opens `sqlite://PATH` (created when missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(DbErr::Custom(format!(
                "unsupported database URL {url:?}: use sqlite://FILE or postgres://…"
            ))
            .into());
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_string(),
        };
        let mut opts = ConnectOptions::new(url);
        opts.max_connections(match backend {
            // SQLite does its work in the server's own process, one thread per connection,
            // each with its page cache and prepared statements (a few MB once warm): four
            // keep two cores busy while a long read runs; eight only held more memory
            // (bench/RESULTS.md).
            Backend::Sqlite => 4,
            Backend::Postgres => 16,
        })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false);
        durable_sqlite(&mut opts);
        let db = Database::connect(opts).await?;
        if backend == Backend::Sqlite {
            // WAL lets readers go on while one writer writes; it is a property of the file.
            db.execute_unprepared("PRAGMA journal_mode=WAL").await?;
        }
        Ok(Store {
            db,
            backend,
            sqlite_writer: Arc::new(Mutex::new(())),
            memo: Arc::new(Memo::new(megabytes(MEMO_MB))),
        })
    }

    /// The same store keeping at most `mb` megabytes of answers in its memo (0: none).
    pub fn with_memo_mb(mut self, mb: u64) -> Store {
        self.memo = Arc::new(Memo::new(megabytes(mb)));
        self
    }

    /// After a bulk load (the scale generator, a restore): statistics for the query planner
    /// and, on PostgreSQL, the visibility map that lets a count be answered from its index.
    /// Without it a freshly loaded PostgreSQL reads every row a count matches.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        let sql = match self.backend {
            Backend::Sqlite => "ANALYZE",
            Backend::Postgres => "VACUUM ANALYZE",
        };
        self.db.execute_unprepared(sql).await?;
        Ok(())
    }

    /// Applies the pending migrations, all in one transaction taken in turn (see
    /// [`begin_migration`]): a start-up killed half-way leaves the schema as it was, and two
    /// servers starting together on a new database migrate one after the other.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let txn = begin_migration(&self.db, self.backend).await?;
        Migrator::up(&txn, None).await?;
        txn.commit().await?;
        Ok(())
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The connection pool: (open connections, idle ones), for /metrics.
    pub fn pool_stats(&self) -> (u32, usize) {
        match self.backend {
            Backend::Sqlite => {
                let p = self.db.get_sqlite_connection_pool();
                (p.size(), p.num_idle())
            }
            Backend::Postgres => {
                let p = self.db.get_postgres_connection_pool();
                (p.size(), p.num_idle())
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// `SELECT 1`: the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.execute_unprepared("SELECT 1").await?;
        Ok(())
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let guard = match self.backend {
            Backend::Sqlite => Some(self.sqlite_writer.clone().lock_owned().await),
            Backend::Postgres => None,
        };
        let txn = begin_write(&self.db, self.backend).await?;
        Ok(Tx {
            txn,
            backend: self.backend,
            memo: self.memo.clone(),
            audited: AtomicI64::new(0),
            _guard: guard,
        })
    }
}

/// A write transaction. Dropped without [`Tx::commit`], it rolls back.
pub struct Tx {
    pub(crate) txn: DatabaseTransaction,
    pub(crate) backend: Backend,
    memo: Arc<Memo>,
    /// The last audit entry this transaction appended (0: none).
    pub(crate) audited: AtomicI64,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl Tx {
    pub fn conn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Serialises this transaction with every other one taking the same key, across servers
    /// (PostgreSQL advisory lock, released at commit). SQLite transactions are serial already.
    pub async fn lock(&self, key: i64) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            self.txn
                .execute_unprepared(&format!("SELECT pg_advisory_xact_lock({key})"))
                .await?;
        }
        Ok(())
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        self.txn.commit().await?;
        let seq = self.audited.load(Ordering::Acquire);
        if seq > 0 {
            self.memo.wrote(seq);
        }
        Ok(())
    }
}

/// SQLite commits that survive a crash of the machine, not only of the process: every
/// connection syncs the WAL at each commit (`synchronous=FULL`; NORMAL would sync only at
/// checkpoints and could lose the last commits at a power cut). Set here rather than left to
/// the library's compile-time default. (WAL itself is set once, on the file, in `connect`.)
fn durable_sqlite(opts: &mut ConnectOptions) {
    opts.map_sqlx_sqlite_opts(|o| o.synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full));
}

/// A write transaction. On SQLite it is `BEGIN IMMEDIATE`: it takes the write lock at once
/// (waiting its turn, up to the busy timeout) instead of reading first and failing with
/// SQLITE_BUSY when another connection (the job loop, another process) wrote in between.
async fn begin_write(
    db: &DatabaseConnection,
    backend: Backend,
) -> Result<DatabaseTransaction, DbErr> {
    match backend {
        Backend::Sqlite => {
            db.begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
        }
        Backend::Postgres => db.begin().await,
    }
}

/// The transaction the migrations run in, taken in turn by every server: on PostgreSQL under
/// an advisory lock (held to its commit), on SQLite as a write transaction. Both databases
/// roll back schema changes with the transaction.
async fn begin_migration(
    db: &DatabaseConnection,
    backend: Backend,
) -> Result<DatabaseTransaction, DbErr> {
    let txn = begin_write(db, backend).await?;
    if backend == Backend::Postgres {
        txn.execute_unprepared(&format!(
            "SELECT pg_advisory_xact_lock({})",
            crate::locks::MIGRATE
        ))
        .await?;
    }
    Ok(txn)
}
