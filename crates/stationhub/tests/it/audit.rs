//! The audit trail: every change recorded with who, role, what, before → after; a changed or
//! removed row is found by `stationhub audit verify`.

use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::json;
use stationhub_domain::account::Role;

use crate::helpers::{Link, PASSWORD, TestApp};

async fn exec(app: &TestApp, sql: &str) {
    let db = app.store.db();
    db.execute_unprepared(sql).await.unwrap();
}

#[tokio::test]
async fn changes_and_sign_ins_are_recorded_with_who_and_what() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.post(
        "/api/v1/users",
        &admin,
        json!({"username": "talent1", "password": "Strong#2023", "role": "talent_office", "display_name": "黄晓峰"}),
    )
    .await;
    app.sign_in("talent1", "Wrong#2023yy").await;

    let (s, page) = app.get("/api/v1/audit?action=user.create", &admin).await;
    assert_eq!(s, StatusCode::OK);
    let created = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["after"].as_str().unwrap().contains("talent1"))
        .expect("the creation of talent1 is in the log");
    assert_eq!(created["actor_username"], "admin");
    assert_eq!(created["actor_role"], "admin");
    assert_eq!(created["entity"], "user");
    assert!(!created["after"].as_str().unwrap().contains("password_hash"));

    let (_, failed) = app
        .get("/api/v1/audit?action=session.sign_in_failed", &admin)
        .await;
    assert_eq!(failed["items"][0]["actor_username"], "talent1");
    assert_eq!(failed["total"], 1);
}

#[tokio::test]
async fn only_admins_and_supervisors_read_the_log() {
    let app = TestApp::spawn().await;
    app.user("auditor", Role::Supervisor, Link::None).await;
    app.user("cityofficer", Role::CityCast, Link::None).await;
    let t = app.token("auditor", PASSWORD).await;
    assert_eq!(app.get("/api/v1/audit", &t).await.0, StatusCode::OK);
    let t = app.token("cityofficer", PASSWORD).await;
    assert_eq!(app.get("/api/v1/audit", &t).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn audit_verify_passes_on_an_intact_chain() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.get("/api/v1/me", &admin).await;
    let out = app.cli(&["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("intact"));
}

#[tokio::test]
async fn audit_verify_names_an_altered_row() {
    let app = TestApp::spawn().await;
    app.admin().await;
    exec(
        &app,
        "UPDATE audit_log SET actor_username = 'mallory' WHERE seq = 3",
    )
    .await;
    let out = app.cli(&["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("第 3 条"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("entry 3"));
}

#[tokio::test]
async fn audit_verify_names_a_removed_row() {
    let app = TestApp::spawn().await;
    app.admin().await;
    exec(&app, "DELETE FROM audit_log WHERE seq = 5").await;
    let out = app.cli(&["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("第 5 条"));
}

#[tokio::test]
async fn audit_verify_notices_the_newest_row_removed() {
    let app = TestApp::spawn().await;
    app.admin().await;
    exec(
        &app,
        "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)",
    )
    .await;
    let out = app.cli(&["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
}

#[tokio::test]
async fn the_audit_page_verifies_the_chain() {
    let app = TestApp::spawn().await;
    app.user("auditor", Role::Supervisor, Link::None).await;
    let browser = app.browser();
    crate::pages::sign_in_page(&app, &browser, "auditor", PASSWORD).await;
    let html = browser
        .get(app.url("/audit"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("session.sign_in"));
    let csrf = crate::helpers::csrf_of(&html);
    let html = browser
        .post(app.url("/audit/verify"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("审计链完整"), "{html}");
    exec(&app, "UPDATE audit_log SET after = '{}' WHERE seq = 2").await;
    let html = browser
        .post(app.url("/audit/verify"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("审计日志第 2 条异常"), "{html}");
}
