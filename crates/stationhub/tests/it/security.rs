//! The 等保 2.0 level 3 baseline of the application, where the other modules do not already
//! show it (docs/security.md lists every requirement with its test): headers on every kind of
//! answer, HSTS behind HTTPS, the hourly objection limit shared by servers, lock-out counted
//! across the pages and the API, the audit log kept and exported, the administrator kept out
//! of decisions and the officials out of accounts, and no secret in the server's log.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use stationhub_domain::account::Role;

use crate::applications::{PDF, scenario};
use crate::helpers::{Link, PASSWORD, TestApp, csrf_of};
use crate::pages::sign_in_page;
use crate::review::{decide, reviewers};

fn header<'a>(res: &'a reqwest::Response, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

fn assert_security_headers(res: &reqwest::Response, what: &str, cacheable: bool) {
    let csp = header(res, "content-security-policy");
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ] {
        assert!(
            csp.contains(directive),
            "{what}: CSP {csp:?} lacks {directive}"
        );
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{what}: {csp}"
    );
    assert_eq!(header(res, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(res, "x-frame-options"), "DENY", "{what}");
    assert_eq!(header(res, "referrer-policy"), "same-origin", "{what}");
    if !cacheable {
        assert_eq!(header(res, "cache-control"), "no-store", "{what}");
    }
}

#[tokio::test]
async fn every_kind_of_answer_carries_the_security_headers() {
    let s = scenario().await;
    let id = s.draft().await;
    let (st, b) = s.upload(id, "agreement", "协议.pdf", PDF.to_vec()).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let file = b["id"].as_i64().unwrap();
    let browser = s.app.browser();
    sign_in_page(&s.app, &browser, "host", PASSWORD).await;
    let anon = &s.app.client;
    let cases: Vec<(&str, reqwest::RequestBuilder, StatusCode, bool)> = vec![
        (
            "sign-in page",
            anon.get(s.app.url("/login")),
            StatusCode::OK,
            false,
        ),
        (
            "a page",
            browser.get(s.app.url(&format!("/applications/{id}"))),
            StatusCode::OK,
            false,
        ),
        (
            "a missing page",
            browser.get(s.app.url("/no-such-page")),
            StatusCode::NOT_FOUND,
            false,
        ),
        (
            "a refused page",
            browser.get(s.app.url("/admin/users")),
            StatusCode::FORBIDDEN,
            false,
        ),
        (
            "the public list",
            anon.get(s.app.url("/stations")),
            StatusCode::OK,
            false,
        ),
        (
            "API JSON",
            anon.get(s.app.url("/api/v1/openapi.json")),
            StatusCode::OK,
            false,
        ),
        (
            "API 401",
            anon.get(s.app.url("/api/v1/me")),
            StatusCode::UNAUTHORIZED,
            false,
        ),
        (
            "API 404",
            anon.get(s.app.url("/api/v1/nothing")),
            StatusCode::NOT_FOUND,
            false,
        ),
        (
            "API file",
            anon.get(s.app.url(&format!("/api/v1/files/{file}")))
                .bearer_auth(&s.host),
            StatusCode::OK,
            false,
        ),
        (
            "page file",
            browser.get(s.app.url(&format!("/applications/{id}/files/{file}"))),
            StatusCode::OK,
            false,
        ),
        (
            "a document",
            anon.get(s.app.url(&format!("/api/v1/applications/{id}/form.docx")))
                .bearer_auth(&s.host),
            StatusCode::OK,
            false,
        ),
        (
            "health",
            anon.get(s.app.url("/healthz")),
            StatusCode::OK,
            false,
        ),
        (
            "the style sheet",
            anon.get(s.app.url("/static/app.css")),
            StatusCode::OK,
            true,
        ),
    ];
    for (what, req, status, cacheable) in cases {
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), status, "{what}");
        assert_security_headers(&res, what, cacheable);
        // Plain HTTP here: no HSTS (it would lock browsers out of a site without TLS).
        assert!(
            res.headers().get("strict-transport-security").is_none(),
            "{what}"
        );
    }
}

#[tokio::test]
async fn uploads_are_served_as_attachments_with_nosniff() {
    let s = scenario().await;
    let id = s.draft().await;
    // A PNG, which a browser would show inline if let.
    let png =
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00";
    let (st, b) = s.upload(id, "agreement", "扫描件.png", png.to_vec()).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let file = b["id"].as_i64().unwrap();
    let browser = s.app.browser();
    sign_in_page(&s.app, &browser, "host", PASSWORD).await;
    for (what, req) in [
        (
            "API",
            s.app
                .client
                .get(s.app.url(&format!("/api/v1/files/{file}")))
                .bearer_auth(&s.host),
        ),
        (
            "page",
            browser.get(s.app.url(&format!("/applications/{id}/files/{file}"))),
        ),
    ] {
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{what}");
        let cd = header(&res, "content-disposition");
        assert!(cd.starts_with("attachment;"), "{what}: {cd}");
        assert!(cd.contains("filename*=UTF-8''"), "{what}: {cd}");
        assert_eq!(header(&res, "x-content-type-options"), "nosniff", "{what}");
        assert_eq!(header(&res, "content-type"), "image/png", "{what}");
    }
}

#[tokio::test]
async fn hsts_and_secure_cookies_when_served_over_https() {
    let app = TestApp::builder().secure_cookies().spawn().await;
    app.user("officer", Role::CityCast, Link::None).await;
    for path in ["/login", "/api/v1/openapi.json", "/no-such-page"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        let hsts = header(&res, "strict-transport-security");
        let age: u64 = hsts
            .strip_prefix("max-age=")
            .and_then(|v| v.split(';').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{path}: HSTS {hsts:?}"));
        assert!(
            age >= 31_536_000,
            "{path}: HSTS for at least a year: {hsts}"
        );
    }
    let browser = app.browser();
    let res = sign_in_page(&app, &browser, "officer", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("sh_session="))
        .expect("a session cookie");
    for flag in ["Secure", "HttpOnly", "SameSite="] {
        assert!(cookie.contains(flag), "{cookie}");
    }
}

/// A notice that runs from today, with one application on it; its id.
async fn running_notice() -> (crate::applications::Scenario, i64) {
    let s = scenario().await;
    let r = reviewers(&s.app).await;
    let id = s.ready().await;
    let (st, b) = s.submit(id, json!({"route": "direct"})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    for (t, action) in [(&r.city, "propose"), (&r.office, "approve")] {
        let (st, b) = decide(&s.app, t, id, action).await;
        assert_eq!(st, StatusCode::OK, "{b}");
    }
    let (st, n) = s
        .app
        .post(
            "/api/v1/notices",
            &r.city,
            json!({"application_ids": [id], "starts_on": s.app.clock.today().to_string()}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{n}");
    (s, n["id"].as_i64().unwrap())
}

/// A client whose requests come from `ip` (any 127.x address is this machine).
fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<std::net::IpAddr>().unwrap())
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn object(c: &reqwest::Client, base: &str, notice: i64, n: u32) -> (StatusCode, Value) {
    let res = c
        .post(format!("{base}/api/v1/notices/{notice}/objections"))
        .json(&json!({"name": format!("异议人{n}"), "contact": "13800000000", "text": "申报材料与实际不符"}))
        .send()
        .await
        .unwrap();
    let st = res.status();
    (st, res.json().await.unwrap_or(Value::Null))
}

/// The public objection form through the page (with its CSRF token).
async fn object_on_page(c: &reqwest::Client, base: &str, notice: i64) -> reqwest::Response {
    let html = c
        .get(format!("{base}/notices/{notice}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    c.post(format!("{base}/notices/{notice}/objections"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "页面异议人"),
            ("contact", "13800000001"),
            ("text", "合作协议未载明目标"),
        ])
        .send()
        .await
        .unwrap()
}

fn hour_now() -> i64 {
    chrono::Utc::now().timestamp().div_euclid(3600)
}

#[tokio::test]
async fn objections_are_limited_per_address_and_hour_across_servers() {
    let (s, notice) = running_notice().await;
    // Two servers on one database, each told the limit through the environment.
    let env = [("STATIONHUB_OBJECTIONS_PER_HOUR", "2")];
    let one = s.app.server_process_with(&[], &env);
    let two = s.app.server_process_with(&[], &env);
    // The counters are per clock hour: should the hour turn during a round, the round is run
    // again from another address (the outcome, not the timing, is what is checked).
    let mut checked = false;
    let mut kept = 0;
    let counts =
        |st: StatusCode| u32::from(st == StatusCode::CREATED || st == StatusCode::SEE_OTHER);
    for ip in ["127.0.0.2", "127.0.0.3"] {
        let hour = hour_now();
        let c = client_from(ip);
        let first = object(&c, &one.base, notice, 1).await;
        let second = object_on_page(&c, &two.base, notice).await.status();
        let third = object(&c, &one.base, notice, 3).await;
        let fourth = object_on_page(&c, &two.base, notice).await;
        kept += counts(first.0) + counts(second) + counts(third.0) + counts(fourth.status());
        if hour_now() != hour {
            continue;
        }
        assert_eq!(first.0, StatusCode::CREATED, "{}", first.1);
        assert_eq!(second, StatusCode::SEE_OTHER, "the page form counts too");
        assert_eq!(third.0, StatusCode::TOO_MANY_REQUESTS, "{}", third.1);
        assert_eq!(third.1["error"]["code"], "too_many_requests");
        assert!(
            third.1["error"]["message"]
                .as_str()
                .unwrap()
                .contains("频繁")
        );
        assert_eq!(fourth.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(fourth.text().await.unwrap().contains("提交过于频繁"));
        // Another address is not held up.
        let other = client_from("127.0.0.4");
        let (st, b) = object(&other, &two.base, notice, 9).await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        kept += 1;
        checked = true;
        break;
    }
    assert!(checked, "the hour turned twice");
    // Nothing refused was kept.
    let city = s.app.token("city", PASSWORD).await;
    let (_, list) = s
        .app
        .get(&format!("/api/v1/notices/{notice}/objections"), &city)
        .await;
    assert_eq!(
        list["items"].as_array().map(Vec::len),
        Some(kept as usize),
        "{list}"
    );
}

#[tokio::test]
async fn the_objection_limit_is_a_setting_with_a_default() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stationhub"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("--objections-per-hour"), "{help}");
    assert!(help.contains("STATIONHUB_OBJECTIONS_PER_HOUR"), "{help}");
    assert!(help.contains("[default: 20]"), "{help}");
    // Zero would close the public form entirely: refused at start.
    let app = TestApp::spawn().await;
    let out = app.cli(&[
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--objections-per-hour",
        "0",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("objections-per-hour"));
}

#[tokio::test]
async fn lock_out_counts_page_and_api_attempts_together() {
    let app = TestApp::spawn().await;
    app.user("officer", Role::CityCast, Link::None).await;
    for _ in 0..3 {
        assert_eq!(
            app.sign_in("officer", "Wrong#2023yy").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let browser = app.browser();
    for _ in 0..2 {
        let res = sign_in_page(&app, &browser, "officer", "Wrong#2023yy").await;
        assert_ne!(res.status(), StatusCode::SEE_OTHER);
    }
    // Five in a row, whichever door: locked for the API and the page alike.
    let res = app.sign_in("officer", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "account_locked");
    let res = sign_in_page(&app, &browser, "officer", PASSWORD).await;
    assert_ne!(
        res.status(),
        StatusCode::SEE_OTHER,
        "the page lets a locked account in"
    );
    assert!(res.text().await.unwrap().contains("锁定"));
}

#[tokio::test]
async fn the_audit_log_is_kept_past_six_months_and_exported_whole() {
    let mut s = scenario().await;
    let id = s.ready().await;
    s.submit(id, json!({})).await;
    s.app.user("auditor", Role::Supervisor, Link::None).await;
    s.app.user("admin", Role::Admin, Link::None).await;
    s.app.user("city", Role::CityCast, Link::None).await;
    let auditor = s.app.token("auditor", PASSWORD).await;
    let (_, first) = s.app.get("/api/v1/audit?per_page=100", &auditor).await;
    let before = first["total"].as_u64().unwrap();
    assert!(before > 10);
    let oldest = first["items"].as_array().unwrap().last().unwrap()["seq"].clone();
    // Seven months later, with every background job run: nothing was deleted.
    s.app.travel_to("2026-10-12").await;
    let state = s.app.state();
    for _ in 0..3 {
        stationhub_web::jobs::tick(&state, "test").await.unwrap();
    }
    let auditor = s.app.token("auditor", PASSWORD).await;
    let (_, now) = s
        .app
        .get("/api/v1/audit?per_page=1&page=100000", &auditor)
        .await;
    assert!(now["total"].as_u64().unwrap() > before, "{now}");
    let (_, oldest_now) = s
        .app
        .get(
            &format!("/api/v1/audit?per_page=1&page={}", now["total"]),
            &auditor,
        )
        .await;
    assert_eq!(
        oldest_now["items"][0]["seq"], oldest,
        "the oldest entry is kept"
    );
    let out = s.app.cli(&["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The whole log exports: one row per entry below the header, for the supervisor and the
    // administrator; no one else.
    let total = now["total"].as_u64().unwrap();
    for who in ["auditor", "admin"] {
        let token = s.app.token(who, PASSWORD).await;
        let res = s
            .app
            .client
            .get(s.app.url("/api/v1/audit.xlsx"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{who}");
        assert!(header(&res, "content-disposition").starts_with("attachment;"));
        let bytes = res.bytes().await.unwrap();
        use calamine::Reader;
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
        let sheet = book.sheet_names()[0].clone();
        let rows = book.worksheet_range(&sheet).unwrap().rows().count() as u64;
        // Entries written since (the sign-ins of this loop) may be in it too.
        assert!(rows > total, "{who}: {rows} rows for {total} entries");
    }
    for who in ["city", "host"] {
        let token = s.app.token(who, PASSWORD).await;
        let (st, _) = s.app.get("/api/v1/audit.xlsx", &token).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{who}");
        assert_eq!(
            s.app.get("/api/v1/audit", &token).await.0,
            StatusCode::FORBIDDEN
        );
    }
    // The page says how long the log is kept.
    let browser = s.app.browser();
    sign_in_page(&s.app, &browser, "auditor", PASSWORD).await;
    let html = browser
        .get(s.app.url("/audit"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("审计日志至少保存 6 个月"), "{html}");
}

#[tokio::test]
async fn a_policy_keeping_the_audit_log_under_six_months_is_refused_at_start() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("short.toml");
    let text = stationhub_domain::policy::DEFAULT_POLICY_TOML
        .replace("audit_retention_months = 6", "audit_retention_months = 3");
    std::fs::write(&path, &text).unwrap();
    let out = app.cli(&[
        "--policy",
        path.to_str().unwrap(),
        "serve",
        "--bind",
        "127.0.0.1:0",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("审计日志保存期限不能少于 6 个月"), "{err}");
    let line = text
        .lines()
        .position(|l| l.starts_with("audit_retention_months"))
        .unwrap()
        + 1;
    assert!(err.contains(&format!("第 {line} 行")), "{err}");
}

#[tokio::test]
async fn the_admin_takes_no_decision_and_officials_manage_no_accounts() {
    let s = scenario().await;
    let r = reviewers(&s.app).await;
    let id = s.ready().await;
    let (st, _) = s.submit(id, json!({"route": "direct"})).await;
    assert_eq!(st, StatusCode::OK);
    let admin = s.app.admin().await;
    // The administrator: no step of the review, no notice, no award, no assessment, no
    // application content.
    for action in [
        "recommend",
        "agree",
        "propose",
        "approve",
        "return",
        "reject",
    ] {
        let (st, b) = decide(&s.app, &admin, id, action).await;
        // Refused; the application is not even shown to the administrator (404).
        assert!(
            st == StatusCode::FORBIDDEN || st == StatusCode::NOT_FOUND,
            "admin {action}: {st} {b}"
        );
    }
    let refused: Vec<(Method, String, Value)> = vec![
        (
            Method::POST,
            "/api/v1/notices".into(),
            json!({"application_ids": [id], "starts_on": "2026-03-11"}),
        ),
        (
            Method::POST,
            format!("/api/v1/applications/{id}/award"),
            json!({}),
        ),
        (
            Method::POST,
            "/api/v1/rounds".into(),
            json!({"name": "x", "opens_on": "2026-05-01", "closes_on": "2026-06-01", "municipal_quota": 5}),
        ),
        (
            Method::POST,
            format!("/api/v1/applications/{id}/confirmation"),
            json!({}),
        ),
        (Method::PUT, format!("/api/v1/applications/{id}"), s.body()),
    ];
    for (m, path, body) in refused {
        let (st, b) = s.app.send(m.clone(), &path, &admin, body).await;
        assert!(
            st == StatusCode::FORBIDDEN || st == StatusCode::NOT_FOUND,
            "admin {m} {path}: {st} {b}"
        );
    }
    for path in [
        format!("/api/v1/applications/{id}"),
        format!("/api/v1/applications/{id}/form.pdf"),
    ] {
        assert_eq!(
            s.app.get(&path, &admin).await.0,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let (_, list) = s.app.get("/api/v1/applications", &admin).await;
    assert_eq!(list["total"], 0);
    let (_, a) = s
        .app
        .get(&format!("/api/v1/applications/{id}"), &r.city)
        .await;
    assert_eq!(
        a["state"], "city_review",
        "nothing the admin tried moved it"
    );
    // Every business role: no account made, listed or unlocked, no account page.
    let (_, users) = s.app.get("/api/v1/users", &admin).await;
    let someone = users["items"][0]["id"].as_i64().unwrap();
    s.app.user("auditor", Role::Supervisor, Link::None).await;
    let auditor = s.app.token("auditor", PASSWORD).await;
    for (who, token) in [
        ("host", &s.host),
        ("society", &s.society),
        ("county", &r.county),
        ("county talent", &r.talent),
        ("city", &r.city),
        ("talent office", &r.office),
        ("supervisor", &auditor),
    ] {
        let (st, _) = s
            .app
            .post(
                "/api/v1/users",
                token,
                json!({"username": "intruder", "password": "Strong#2023x", "role": "admin", "display_name": "X"}),
            )
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{who} creates an account");
        assert_eq!(
            s.app.get("/api/v1/users", token).await.0,
            StatusCode::FORBIDDEN,
            "{who}"
        );
        let (st, _) = s
            .app
            .post(&format!("/api/v1/users/{someone}/unlock"), token, json!({}))
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{who} unlocks");
    }
    assert!(
        s.app
            .store
            .user_by_username("intruder")
            .await
            .unwrap()
            .is_none()
    );
    for who in ["host", "city", "talent", "auditor"] {
        let b = s.app.browser();
        sign_in_page(&s.app, &b, who, PASSWORD).await;
        let res = b.get(s.app.url("/admin/users")).send().await.unwrap();
        assert_eq!(
            res.status(),
            StatusCode::FORBIDDEN,
            "{who} on the account page"
        );
    }
}

#[tokio::test]
async fn no_password_token_or_cookie_reaches_the_log() {
    let app = TestApp::spawn().await;
    app.user("admin", Role::Admin, Link::None).await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    // The most verbose level an operator can set, in both formats.
    let server = app.server_process_logged(
        &[("STATIONHUB_LOG", "trace,sqlx=trace,sea_orm=trace")],
        &log,
    );
    let base = &server.base;
    let c = reqwest::Client::new();
    let mut secrets: Vec<String> = vec![PASSWORD.into()];
    let wrong = "Wrong#Secret77";
    secrets.push(wrong.into());
    let res = c
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": "admin", "password": wrong}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = c
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": "admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let admin: Value = res.json().await.unwrap();
    let admin = admin["token"].as_str().unwrap().to_string();
    secrets.push(admin.clone());
    // An account made by the admin, with its first password, changed at the first sign-in.
    let initial = "Initial#Secret88";
    let changed = "Changed#Secret99";
    secrets.extend([initial.to_string(), changed.to_string()]);
    let res = c
        .post(format!("{base}/api/v1/users"))
        .bearer_auth(&admin)
        .json(&json!({"username": "newcomer", "password": initial, "role": "city_cast", "display_name": "新人"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = c
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": "newcomer", "password": initial}))
        .send()
        .await
        .unwrap();
    let v: Value = res.json().await.unwrap();
    let token = v["token"].as_str().unwrap().to_string();
    secrets.push(token.clone());
    let res = c
        .put(format!("{base}/api/v1/me/password"))
        .bearer_auth(&token)
        .json(&json!({"current_password": initial, "new_password": changed}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // A wrong token, and the pages: sign-in form, session cookie, password form.
    let bogus = "bogus-token-5e1f2a";
    secrets.push(bogus.into());
    let _ = c
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(bogus)
        .send()
        .await
        .unwrap();
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let html = browser
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    let res = browser
        .post(format!("{base}/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("username", "newcomer"),
            ("password", changed),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_string())
        .filter(|v| v.len() >= 16)
        .collect();
    assert!(!cookies.is_empty());
    secrets.extend(cookies);
    let html = browser
        .get(format!("{base}/password"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    secrets.push(csrf.clone());
    let again = "Again#Secret1010";
    secrets.push(again.into());
    let _ = browser
        .post(format!("{base}/password"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("current_password", changed),
            ("new_password", again),
            ("confirm_password", again),
        ])
        .send()
        .await
        .unwrap();
    let _ = c
        .delete(format!("{base}/api/v1/session"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    drop(server);
    let text = std::fs::read_to_string(&log).unwrap();
    // The log was written, and at the level asked for.
    assert!(
        text.contains("/api/v1/session"),
        "no request lines in the log:\n{text}"
    );
    assert!(
        text.contains("started processing request") && text.contains("TRACE"),
        "the log is not at the level asked for:\n{text}"
    );
    for secret in &secrets {
        assert!(
            !text.contains(secret.as_str()),
            "the log holds a secret ({} chars)",
            secret.len()
        );
    }
    assert!(!text.contains("$argon2"), "the log holds a password hash");
    assert!(
        !text.to_ascii_lowercase().contains("authorization: bearer"),
        "the log holds a header"
    );
}

/// docs/security.md names a test for each requirement: every name it gives is a test that
/// exists (`module::name` in this suite, `crate::path::tests::name` for unit tests).
#[test]
fn every_test_docs_security_names_exists() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let doc = std::fs::read_to_string(root.join("docs/security.md")).unwrap();
    let mut named = 0;
    for token in doc.split('`').skip(1).step_by(2) {
        let parts: Vec<&str> = token.split("::").collect();
        let is_name = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        };
        // `module::test` and `crate::module::tests::test` in the introduction are patterns.
        if parts.len() < 2 || !parts.iter().all(|p| is_name(p)) || parts.contains(&"module") {
            continue;
        }
        let file = match parts[0] {
            "stationhub_domain" | "stationhub_web" | "stationhub_storage" => {
                let krate = &parts[0]["stationhub_".len()..];
                assert_eq!(parts[parts.len() - 2], "tests", "{token}");
                root.join(format!(
                    "crates/{krate}/src/{}.rs",
                    parts[1..parts.len() - 2].join("/")
                ))
            }
            module if parts.len() == 2 => {
                root.join(format!("crates/stationhub/tests/it/{module}.rs"))
            }
            _ => panic!("{token}: not a test name"),
        };
        let source = std::fs::read_to_string(&file)
            .unwrap_or_else(|_| panic!("{token}: no {}", file.display()));
        let name = parts[parts.len() - 1];
        assert!(
            source.contains(&format!("fn {name}(")),
            "{token}: no such test in {}",
            file.display()
        );
        named += 1;
    }
    assert!(named > 40, "only {named} tests named");
}

/// Behind the proxy of docs/deploy.md every request comes from the proxy: the per-address
/// limits count the client `X-Forwarded-For` names — but only when the proxy is trusted, and
/// only the address the proxy itself added.
#[tokio::test]
async fn the_limits_count_the_client_behind_a_trusted_proxy() {
    let app = TestApp::builder().signin_per_minute(2).spawn().await;
    let wrong = async |from: &reqwest::Client, forwarded: &str| {
        from.post(app.url("/api/v1/session"))
            .header("x-forwarded-for", forwarded)
            .json(&json!({"username": "nobody", "password": "Wrong#2023yy"}))
            .send()
            .await
            .unwrap()
            .status()
    };
    let proxy = client_from("127.0.0.1");
    let stranger = client_from("127.0.0.5");
    // The counters are per clock minute: a round in which the minute turns is run again.
    let minute = || chrono::Utc::now().timestamp().div_euclid(60);
    for round in ["1", "2"] {
        let started = minute();
        let client = |n: &str| format!("203.0.113.{round}{n}");
        // Through the trusted proxy: two clients, counted apart.
        let a = [
            wrong(&proxy, &client("1")).await,
            wrong(&proxy, &client("1")).await,
            wrong(&proxy, &client("1")).await,
        ];
        let b = wrong(&proxy, &client("2")).await;
        // A client that writes its own header in front: the proxy's entry still counts.
        let spoofed = wrong(&proxy, &format!("198.51.100.7, {}", client("1"))).await;
        // Not through a trusted proxy: the header is not believed.
        let s = [
            wrong(&stranger, &client("3")).await,
            wrong(&stranger, &client("4")).await,
            wrong(&stranger, &client("5")).await,
        ];
        if minute() != started {
            continue;
        }
        let (no, many) = (StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(a, [no, no, many], "one client behind the proxy");
        assert_eq!(b, no, "another client behind the proxy");
        assert_eq!(spoofed, many, "a header written by the client");
        assert_eq!(s, [no, no, many], "an untrusted peer is counted as itself");
        return;
    }
    panic!("the minute turned in both rounds");
}
