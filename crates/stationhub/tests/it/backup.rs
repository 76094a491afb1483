//! `stationhub backup` and `stationhub restore` (SPEC §5.2 Operations): a filled installation is
//! backed up with the real binary while its server runs and writes, restored into new databases
//! (SQLite, and PostgreSQL when STATIONHUB_TEST_DATABASE_URL is set, including SQLite →
//! PostgreSQL), and every table's rows, every file's bytes and the audit chain are compared.

use std::path::Path;

use reqwest::StatusCode;
use sea_orm::{EntityName, EntityTrait, Iterable, PrimaryKeyToColumn, QueryOrder};
use serde_json::json;
use stationhub_storage::Store;
use stationhub_storage::backup::tables;
use stationhub_storage::entity;

use crate::helpers::{PG_ENV, fresh_database};
use crate::stations::awarded;

/// Every entity's rows, ordered by primary key, as `Debug` text per table (the models compare
/// all columns; their `Debug` shows every field).
macro_rules! all_rows {
    ($db:expr, $($m:ident),+ $(,)?) => {{
        let mut out: Vec<(&'static str, Vec<String>)> = Vec::new();
        $({
            let mut q = entity::$m::Entity::find();
            for pk in entity::$m::PrimaryKey::iter() {
                q = q.order_by_asc(pk.into_column());
            }
            let rows = q.all($db).await.unwrap();
            out.push((
                entity::$m::Entity.table_name(),
                rows.iter().map(|r| format!("{r:?}")).collect(),
            ));
        })+
        out
    }};
}

async fn rows_of(store: &Store) -> Vec<(&'static str, Vec<String>)> {
    all_rows!(
        store.db(),
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
    )
}

fn run(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_stationhub"))
        .args(args)
        .env("STATIONHUB_LOG", "warn")
        .output()
        .unwrap()
}

fn ok(out: &std::process::Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "status {:?}\nstdout: {stdout}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Restores `archive` into `db_url` with the files in `data`, then checks rows, files and the
/// audit chain against `source`.
async fn restore_and_compare(
    source: &Store,
    source_files: &Path,
    archive: &Path,
    db_url: &str,
    data: &Path,
) {
    let out = run(&[
        "--database",
        db_url,
        "--data-dir",
        s(data),
        "restore",
        "--from",
        s(archive),
    ]);
    let said = ok(&out);
    assert!(said.contains("审计链完整"), "{said}");
    let restored = Store::connect(db_url).await.unwrap();

    let (a, b) = (rows_of(source).await, rows_of(&restored).await);
    let names: Vec<&str> = a.iter().map(|(t, _)| *t).collect();
    assert_eq!(
        names,
        tables(),
        "the test's entity list and backup::tables()"
    );
    for ((table, before), (_, after)) in a.iter().zip(&b) {
        assert_eq!(before.len(), after.len(), "rows of {table} ({db_url})");
        for (x, y) in before.iter().zip(after) {
            assert_eq!(x, y, "a row of {table} ({db_url})");
        }
    }
    let files = entity::file::Entity::find().all(source.db()).await.unwrap();
    assert!(files.len() >= 5, "the scenario stores files");
    for f in &files {
        let want = std::fs::read(source_files.join(&f.storage_key)).unwrap();
        let got = std::fs::read(data.join(&f.storage_key)).unwrap();
        assert_eq!(want, got, "bytes of {}", f.storage_key);
    }
    let out = run(&["--database", db_url, "audit", "verify"]);
    assert!(ok(&out).contains("audit chain intact"));

    // New rows get fresh ids (the sequences follow the restored rows).
    let max = restored
        .db()
        .query_one_raw(sea_orm::Statement::from_string(
            restored.db().get_database_backend(),
            "SELECT MAX(id) AS m FROM counties",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "m")
        .unwrap();
    use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
    let county = entity::county::ActiveModel {
        name: Set(format!("测试新县{max}")),
        sort_order: Set(99),
        ..Default::default()
    }
    .insert(restored.db())
    .await
    .unwrap();
    assert!(county.id > max, "{} after {max} ({db_url})", county.id);

    // Into a database that holds data: refused, nothing changed.
    let again = tempfile::tempdir().unwrap();
    let out = run(&[
        "--database",
        db_url,
        "--data-dir",
        s(again.path()),
        "restore",
        "--from",
        s(archive),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not empty"), "{err}");
}

async fn build() -> (crate::applications::Scenario, i64) {
    let (s, r, station) = awarded("provincial", "2027-02-20").await;
    for body in [
        json!({"kind": "survey", "date": "2026-04-01", "title": "装备制造产业调研"}),
        json!({"kind": "training", "date": "2026-07-01", "attendance": 60}),
        json!({"kind": "expert_service", "date": "2026-06-20", "expert_id": s.experts[0], "days": 10}),
    ] {
        let (st, b) = s
            .app
            .post(
                &format!("/api/v1/stations/{station}/activities"),
                &s.host,
                body,
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
    }
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/assessments"),
            &r.city,
            json!({"year": 1, "score": 90, "opinion": "优秀"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let grant = b["grant_id"].as_i64().unwrap();
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/grants/{grant}/payment"),
            &r.city,
            json!({"paid_on": "2027-02-20"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/expenses"),
            &s.host,
            json!({"category": "咨询费", "amount_fen": 100_000, "spent_on": "2027-02-20"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let expense = b["id"].as_i64().unwrap();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(crate::applications::PDF.to_vec()).file_name("发票.pdf"),
    );
    let res = s
        .app
        .client
        .post(s.app.url(&format!(
            "/api/v1/stations/{station}/expenses/{expense}/files"
        )))
        .bearer_auth(&s.host)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    (s, station)
}

#[tokio::test]
async fn backup_while_serving_then_restore_gives_every_row_and_file_back() {
    let (sc, station) = build().await;
    let app = &sc.app;
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("stationhub-backup.zip");

    // The backup runs while the server takes new activities.
    let writer = {
        let client = app.client.clone();
        let url = app.url(&format!("/api/v1/stations/{station}/activities"));
        let host = sc.host.clone();
        tokio::spawn(async move {
            for i in 0..20 {
                let res = client
                    .post(&url)
                    .bearer_auth(&host)
                    .json(&json!({"kind": "survey", "date": "2026-05-01", "title": format!("调研 {i}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), StatusCode::CREATED);
            }
        })
    };
    let args: Vec<String> = [
        "--database",
        &app.db_url,
        "--data-dir",
        s(&app.files_dir()),
        "backup",
        "--out",
        s(&archive),
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    let started = std::time::Instant::now();
    let out = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&args)
    })
    .await
    .unwrap();
    let said = ok(&out);
    eprintln!(
        "backup: {} bytes in {:?}: {said}",
        std::fs::metadata(&archive).unwrap().len(),
        started.elapsed()
    );
    writer.await.unwrap();
    assert!(said.contains("备份完成"), "{said}");

    // Restore what the archive holds as of its snapshot: an inconsistent snapshot would break
    // the audit chain (audit_head against audit_log) or the rows' references. Then compare
    // against the source as it is now, after one more backup with the server idle.
    let first = dir.path().join("restored-first.db");
    let out = run(&[
        "--database",
        &format!("sqlite://{}", first.display()),
        "--data-dir",
        s(&dir.path().join("first-files")),
        "restore",
        "--from",
        s(&archive),
    ]);
    assert!(ok(&out).contains("审计链完整"));

    let out = run(&[
        "--database",
        &app.db_url,
        "--data-dir",
        s(&app.files_dir()),
        "backup",
        "--out",
        s(&archive),
    ]);
    ok(&out);
    let source = &app.store;

    // Into SQLite.
    let sqlite = format!("sqlite://{}", dir.path().join("restored.db").display());
    let sqlite_files = dir.path().join("restored-files");
    restore_and_compare(source, &app.files_dir(), &archive, &sqlite, &sqlite_files).await;

    if std::env::var(PG_ENV).is_ok_and(|v| !v.is_empty()) {
        // Into PostgreSQL (from this backend's archive).
        let (pg, _keep) = fresh_database().await;
        let pg_files = dir.path().join("pg-files");
        restore_and_compare(source, &app.files_dir(), &archive, &pg, &pg_files).await;
        // SQLite → PostgreSQL: the SQLite copy's own backup, into another new database.
        let from_sqlite = dir.path().join("from-sqlite.zip");
        ok(&run(&[
            "--database",
            &sqlite,
            "--data-dir",
            s(&sqlite_files),
            "backup",
            "--out",
            s(&from_sqlite),
        ]));
        let (pg2, _keep2) = fresh_database().await;
        let pg2_files = dir.path().join("pg2-files");
        let restored_sqlite = Store::connect(&sqlite).await.unwrap();
        restore_and_compare(
            &restored_sqlite,
            &sqlite_files,
            &from_sqlite,
            &pg2,
            &pg2_files,
        )
        .await;
    }

    // A data folder that holds files: refused.
    let busy = dir.path().join("busy");
    std::fs::create_dir_all(busy.join("x")).unwrap();
    std::fs::write(busy.join("x/old"), b"old").unwrap();
    let empty_db = format!("sqlite://{}", dir.path().join("empty.db").display());
    let out = run(&[
        "--database",
        &empty_db,
        "--data-dir",
        s(&busy),
        "restore",
        "--from",
        s(&archive),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
}
