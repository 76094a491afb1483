//! Background jobs in the database: each runs once however many servers look for work, the
//! daily ones do their work (term expiry, quarterly warnings), a failing one is retried with
//! back-off and left for the admin after its last attempt.

use std::collections::HashSet;

use chrono::Utc;
use reqwest::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use stationhub_storage::entity::job;
use stationhub_web::jobs::tick;

use crate::helpers::{TestApp, open};
use crate::stations::awarded;

#[tokio::test]
async fn two_servers_never_run_the_same_job() {
    let app = TestApp::spawn().await;
    let a = open(&app.db_url).await;
    let b = open(&app.db_url).await;
    for i in 0..30 {
        assert!(
            a.schedule_job("test", &format!("test:{i}"), json!({}), Utc::now())
                .await
                .unwrap()
        );
    }
    // Scheduled again by the other server: still one job per key.
    assert!(
        !b.schedule_job("test", "test:0", json!({}), Utc::now())
            .await
            .unwrap()
    );
    let claim_all = |store: stationhub_storage::Store, worker: &'static str| async move {
        let mut got = Vec::new();
        while let Some(j) = store.claim_job(worker).await.unwrap() {
            assert_eq!(j.locked_by, worker);
            store.finish_job(j.id, worker).await.unwrap();
            got.push(j.id);
        }
        got
    };
    let (x, y) = tokio::join!(claim_all(a.clone(), "server-a"), claim_all(b, "server-b"));
    let xs: HashSet<i64> = x.iter().copied().collect();
    let ys: HashSet<i64> = y.iter().copied().collect();
    assert!(xs.is_disjoint(&ys), "a job ran on both servers");
    assert_eq!(xs.len() + ys.len(), 30, "every job ran once");
    assert_eq!(x.len() + y.len(), 30);
    assert_eq!(a.job_counts().await.unwrap().done, 30);
}

#[tokio::test]
async fn daily_jobs_warn_once_per_quarter_and_expire_terms() {
    // Term year 1 starts 2026-03-18; its first quarter closes 2027-06-17 … two weeks before
    // the close of the first quarter, with no expert days logged.
    let (mut s, _r, station) = awarded("provincial", "2026-06-10").await;
    let store = open(&s.app.db_url).await;
    for worker in ["server-a", "server-b", "server-a"] {
        tick(&s.app.state(), worker).await.unwrap();
    }
    let (_, inbox) = s.app.get("/api/v1/me/inbox", &s.host).await;
    let warnings: Vec<&Value> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| {
            n["title"]
                .as_str()
                .unwrap_or("")
                .contains("季度考核指标预警")
        })
        .collect();
    assert_eq!(warnings.len(), 1, "one warning, however many runs: {inbox}");
    assert!(
        warnings[0]["body"].as_str().unwrap_or("").contains("10"),
        "{inbox}"
    );
    // Past the term's end: expired by the job, once.
    s.app.travel_to("2028-03-20").await;
    for worker in ["server-a", "server-b"] {
        tick(&s.app.state(), worker).await.unwrap();
    }
    let (_, one) = s
        .app
        .get(&format!("/api/v1/stations/{station}"), &s.host)
        .await;
    assert_eq!(one["status"], "expired");
    let expiries = job::Entity::find()
        .filter(job::Column::Kind.eq("expire_stations"))
        .filter(job::Column::UniqueKey.eq("expire_stations:2028-03-20"))
        .all(store.db())
        .await
        .unwrap();
    assert_eq!(expiries.len(), 1);
    assert_eq!(expiries[0].state, "done");
    assert_eq!(expiries[0].attempts, 1, "ran once");
}

#[tokio::test]
async fn a_failing_job_is_retried_with_backoff_then_shown_to_the_admin() {
    let app = TestApp::spawn().await;
    let store = open(&app.db_url).await;
    store
        .schedule_job("no_such_kind", "bad:1", json!({}), Utc::now())
        .await
        .unwrap();
    tick(&app.state(), "server-a").await.unwrap();
    let j = job::Entity::find()
        .filter(job::Column::UniqueKey.eq("bad:1"))
        .one(store.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(j.state, "queued", "retried");
    assert_eq!(j.attempts, 1);
    assert!(
        j.last_error.contains("unknown job kind"),
        "{}",
        j.last_error
    );
    assert!(
        j.run_at > Utc::now() + chrono::Duration::seconds(20),
        "back-off"
    );
    // Not yet due: another run leaves it alone.
    tick(&app.state(), "server-b").await.unwrap();
    let again = job::Entity::find_by_id(j.id)
        .one(store.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.attempts, 1);
    // Its last attempt, now due: failed for good.
    job::Entity::update_many()
        .col_expr(job::Column::Attempts, Expr::value(4))
        .col_expr(job::Column::RunAt, Expr::value(Utc::now()))
        .filter(job::Column::Id.eq(j.id))
        .exec(store.db())
        .await
        .unwrap();
    tick(&app.state(), "server-a").await.unwrap();
    let admin = app.admin().await;
    let (st, list) = app.get("/api/v1/jobs?state=failed", &admin).await;
    assert_eq!(st, StatusCode::OK, "{list}");
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["attempts"], 5);
    assert_eq!(list["counts"]["failed"], 1);
    // The admin retries it; nobody else may look.
    let (st, _) = app
        .post(&format!("/api/v1/jobs/{}/retry", j.id), &admin, json!({}))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, list) = app.get("/api/v1/jobs?state=queued", &admin).await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == j.id),
        "{list}"
    );
    app.user(
        "auditor2",
        stationhub_domain::account::Role::Supervisor,
        crate::helpers::Link::None,
    )
    .await;
    let sup = app.token("auditor2", crate::helpers::PASSWORD).await;
    let (st, _) = app.get("/api/v1/jobs", &sup).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_report_jobs_and_the_pool() {
    let app = TestApp::spawn().await;
    for path in [
        "/healthz",
        "/livez",
        "/readyz",
        "/api/v1/stations/12345",
        "/api/v1/stations/678",
    ] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert!(
            res.status().is_success() || res.status() == StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let res = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = res.text().await.unwrap();
    // The figures are the process's: other tests of this binary count in them too, so each
    // is at least what this test asked.
    let count = |series: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
            .unwrap_or(0)
    };
    assert!(
        count(r#"stationhub_http_requests_total{route="/healthz",method="GET",status="200"}"#) >= 1,
        "{text}"
    );
    // Ids do not make new series: both stations count under the route's pattern.
    assert!(
        count(
            r#"stationhub_http_requests_total{route="/api/v1/stations/{id}",method="GET",status="404"}"#
        ) >= 2,
        "{text}"
    );
    assert!(!text.contains("/api/v1/stations/12345"), "{text}");
    assert!(
        text.contains("stationhub_http_request_duration_seconds_bucket{"),
        "{text}"
    );
    assert!(
        text.contains("stationhub_jobs{state=\"failed\"} 0"),
        "{text}"
    );
    assert!(
        text.contains("stationhub_db_pool_connections{state=\"open\"}"),
        "{text}"
    );
    assert!(text.contains("stationhub_database_up 1"), "{text}");
}

#[test]
fn the_settings_reference_is_the_commands_own() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stationhub"))
        .arg("config-reference")
        .output()
        .unwrap();
    assert!(out.status.success());
    let generated = String::from_utf8(out.stdout).unwrap();
    let committed = include_str!("../../../../docs/config.md");
    assert_eq!(
        generated, committed,
        "docs/config.md is stale: run `stationhub config-reference > docs/config.md`"
    );
    assert!(committed.contains("`STATIONHUB_DATABASE_URL`"));
}
