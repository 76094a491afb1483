//! Running as several servers (issue 7): two `stationhub serve` processes of the real binary on
//! one PostgreSQL draw document numbers and run background jobs without collisions, and a
//! server that is told to stop lets the requests under way finish.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use stationhub_storage::entity::job;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{PASSWORD, PG_ENV, TestApp};
use crate::review::{decide, seven_at_approval};
use crate::stations::awarded;

fn on_postgres() -> bool {
    if std::env::var(PG_ENV).is_err() {
        eprintln!(
            "two server processes share one database on PostgreSQL only (SQLite is one process)"
        );
        return false;
    }
    true
}

async fn json_of(res: reqwest::Response) -> (StatusCode, Value) {
    let st = res.status();
    (st, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn awards_on_two_server_processes_draw_distinct_document_numbers() {
    if !on_postgres() {
        return;
    }
    let (mut s, r, ids) = seven_at_approval().await;
    // Five approved (the quota of 第十二条), in one notice that ends before 2026-03-18.
    let approved: Vec<i64> = ids[..5].to_vec();
    for id in &approved {
        let (st, b) = decide(&s.app, &r.office, *id, "approve").await;
        assert_eq!(st, StatusCode::OK, "{b}");
    }
    let (st, b) = s
        .app
        .post(
            "/api/v1/notices",
            &r.city,
            json!({"application_ids": approved, "starts_on": "2026-03-11"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    s.app.travel_to("2026-03-18").await;
    let (one, two) = (s.app.server_process(), s.app.server_process());
    // The talent office awards all five at once, alternately on the two servers.
    let awards = approved.iter().enumerate().map(|(i, id)| {
        let base = if i % 2 == 0 { &one.base } else { &two.base };
        let req = s
            .app
            .client
            .post(format!("{base}/api/v1/applications/{id}/award"))
            .bearer_auth(&r.office)
            .json(&json!({}));
        async move { json_of(req.send().await.unwrap()).await }
    });
    let answers = futures::future::join_all(awards).await;
    let mut numbers = HashSet::new();
    for (st, b) in &answers {
        assert_eq!(*st, StatusCode::CREATED, "{b}");
        let station = b["station_id"].as_i64().unwrap();
        let (_, v) = s
            .app
            .get(&format!("/api/v1/stations/{station}"), &r.office)
            .await;
        numbers.insert(v["document_number"].as_str().unwrap().to_string());
    }
    // Five numbers, none twice, and no gap: 1 … 5 of the year's sequence.
    assert_eq!(numbers.len(), 5, "{numbers:?}");
    for n in 1..=5 {
        assert!(
            numbers
                .iter()
                .any(|d| d.contains(&format!("〔2026〕{n}号"))),
            "number {n} of 2026 drawn: {numbers:?}"
        );
    }
}

#[tokio::test]
async fn background_jobs_run_once_across_two_server_processes() {
    if !on_postgres() {
        return;
    }
    // A station short of its first quarter's expert days (one warning due), and six exports
    // asked for before the servers start.
    let (s, r, _station) = awarded("provincial", "2026-06-10").await;
    let mut exports = Vec::new();
    for list in [
        "applications",
        "stations",
        "indicators",
        "assessments",
        "funds",
        "applications",
    ] {
        let (st, b) = s
            .app
            .post("/api/v1/exports", &r.city, json!({"list": list}))
            .await;
        assert_eq!(st, StatusCode::ACCEPTED, "{b}");
        exports.push(b["id"].as_i64().unwrap());
    }
    let envs = [("STATIONHUB_JOBS_INTERVAL_SECS", "1")];
    let one = s.app.server_process_with(&[], &envs);
    let two = s.app.server_process_with(&[], &envs);
    // Both look for work every second until every export is made.
    let until = Instant::now() + Duration::from_secs(90);
    loop {
        let (_, mine) = json_of(
            s.app
                .client
                .get(format!("{}/api/v1/exports", one.base))
                .bearer_auth(&r.city)
                .send()
                .await
                .unwrap(),
        )
        .await;
        let items = mine["items"].as_array().cloned().unwrap_or_default();
        if items.len() == 6 && items.iter().all(|e| e["state"] == "done") {
            break;
        }
        assert!(Instant::now() < until, "exports not done: {mine}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Another tick on each so that the daily scans have surely run on both.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let jobs = job::Entity::find().all(s.app.store.db()).await.unwrap();
    for j in &jobs {
        assert_eq!(j.state, "done", "{j:?}");
        assert_eq!(j.attempts, 1, "each job ran once: {j:?}");
    }
    let export_jobs: Vec<&job::Model> = jobs.iter().filter(|j| j.kind == "export").collect();
    assert_eq!(export_jobs.len(), 6);
    let workers: HashSet<&str> = jobs.iter().map(|j| j.locked_by.as_str()).collect();
    eprintln!("jobs: {} run by {workers:?}", jobs.len());
    // The daily jobs were scheduled once, though both servers scheduled them.
    let scans = job::Entity::find()
        .filter(job::Column::Kind.eq("scan_quarter_warnings"))
        .all(s.app.store.db())
        .await
        .unwrap();
    assert_eq!(scans.len(), 1, "{scans:?}");
    // One quarterly warning reached the host unit.
    let (_, inbox) = s.app.get("/api/v1/me/inbox", &s.host).await;
    let warnings = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| {
            n["title"]
                .as_str()
                .unwrap_or("")
                .contains("季度考核指标预警")
        })
        .count();
    assert_eq!(warnings, 1, "{inbox}");
    // Each export is downloaded from the other server than the one that made it.
    for id in exports {
        let res = s
            .app
            .client
            .get(format!("{}/api/v1/exports/{id}/file", two.base))
            .bearer_auth(&r.city)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let bytes = res.bytes().await.unwrap();
        assert!(bytes.starts_with(b"PK"), "an .xlsx (zip) file");
    }
}

/// Told to stop (SIGTERM) while a request is under way, the server finishes it, then exits
/// cleanly and takes no new connections.
#[tokio::test]
async fn a_server_told_to_stop_finishes_the_requests_under_way() {
    let app = TestApp::spawn().await;
    app.user(
        "shutdown-user",
        stationhub_domain::account::Role::CityCast,
        crate::helpers::Link::None,
    )
    .await;
    let mut server = app.server_process();
    let addr = server.base.trim_start_matches("http://").to_string();
    // A sign-in whose body arrives slowly: the headers and half the body, then the stop.
    let body = json!({"username": "shutdown-user", "password": PASSWORD}).to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/v1/session HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(first.as_bytes()).await.unwrap();
    conn.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.terminate();
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Still running: it waits for this request.
    conn.write_all(rest.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), conn.read_to_end(&mut answer))
        .await
        .expect("the answer comes, and the connection closes")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 201"),
        "the request under way was answered: {answer}"
    );
    assert!(answer.contains("\"token\""), "{answer}");
    let st = server.wait_exit(Duration::from_secs(40));
    assert!(st.success(), "a clean exit: {st:?}");
    assert!(
        tokio::net::TcpStream::connect(&addr).await.is_err(),
        "no new connections after the stop"
    );
}
