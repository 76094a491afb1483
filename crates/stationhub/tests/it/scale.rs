//! `stationhub demo --scale 1`: the bulk generator fills a fresh database with at least the
//! scale-1 minimums, its audit chain verifies, and a server on it answers the lists.

use std::io::BufRead;
use std::process::{Command, Stdio};

use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};

use crate::helpers::fresh_database;

const TODAY: &str = "2026-11-25";

fn stationhub(db_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_stationhub"))
        .arg("--database")
        .arg(db_url)
        .args(args)
        .env("STATIONHUB_TODAY", TODAY)
        .env("STATIONHUB_LOG", "warn")
        .output()
        .unwrap()
}

async fn count(db_url: &str, table: &str) -> i64 {
    let db = Database::connect(db_url).await.unwrap();
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT COUNT(*) FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// A `stationhub serve` process on the database, killed on drop.
struct Server(std::process::Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(db_url: &str, data_dir: &std::path::Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stationhub"))
        .args(["--database", db_url, "serve", "--bind", "127.0.0.1:0"])
        .env("STATIONHUB_DATA_DIR", data_dir)
        .env("STATIONHUB_TODAY", TODAY)
        .env("STATIONHUB_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .trim_start_matches("stationhub: ")
        .trim_end_matches('/')
        .to_string();
    assert!(base.starts_with("http://"), "server said {line:?}");
    Server(child, base)
}

#[tokio::test]
async fn scale_one_fills_a_fresh_database_that_verifies_and_serves() {
    let (db_url, dir) = fresh_database().await;
    let out = stationhub(&db_url, &["demo", "--scale", "1", "--no-serve"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("audit_log"), "prints the counts: {stdout}");
    for (table, min) in [
        ("stations", 50),
        ("applications", 200),
        ("experts", 500),
        ("activities", 20_000),
        ("audit_log", 10_000),
        ("assessments", 1),
        ("ledger_entries", 1),
    ] {
        let n = count(&db_url, table).await;
        assert!(n >= min, "{table}: {n} rows, at least {min} expected");
    }

    let verify = stationhub(&db_url, &["audit", "verify"]);
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );

    // Once is enough: a second run is refused.
    let again = stationhub(&db_url, &["demo", "--scale", "1", "--no-serve"]);
    assert_eq!(again.status.code(), Some(1));

    let server = serve(&db_url, &dir.path().join("files"));
    let client = reqwest::Client::new();
    let signed: Value = client
        .post(format!("{}/api/v1/session", server.1))
        .json(&json!({"username": "city-cast", "password": "Demo#2023yy"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = signed["token"].as_str().unwrap().to_string();
    let get = |path: String| {
        let client = client.clone();
        let token = token.clone();
        let base = server.1.clone();
        async move {
            let r = client
                .get(format!("{base}{path}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            let status = r.status();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            (status, body)
        }
    };
    let (st, apps) = get("/api/v1/applications?state=awarded&page=2&per_page=20".into()).await;
    assert_eq!(st, 200, "{apps}");
    assert!(apps["total"].as_u64().unwrap() >= 50, "{}", apps["total"]);
    assert_eq!(apps["items"].as_array().unwrap().len(), 20);

    let (st, stations) = get("/api/v1/stations?per_page=100".into()).await;
    assert_eq!(st, 200, "{stations}");
    let items = stations["items"].as_array().unwrap();
    assert!(!items.is_empty());
    let id = items[0]["id"].as_i64().unwrap();
    let (st, ind) = get(format!("/api/v1/stations/{id}/indicators")).await;
    assert_eq!(st, 200, "{ind}");
    let (st, all) = get("/api/v1/indicators".into()).await;
    assert_eq!(st, 200, "{all}");

    // The public list, without signing in.
    let public = client
        .get(format!("{}/api/v1/stations", server.1))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), 200);
}
