//! The read memo (crates/storage/src/memo.rs): lists, indicators and sessions answered from
//! memory while nothing has changed — and never once something has, wherever the change was
//! made. Two servers share one database as two machines would.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use stationhub_domain::account::Role;

use crate::applications::scenario;
use crate::helpers::{Link, PASSWORD, TestApp};

/// A request to the server at `base` (not necessarily the app's own).
async fn at(
    app: &TestApp,
    base: &str,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app
        .client
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The memo's hit counter as `/metrics` reports it.
async fn memo_hits(app: &TestApp) -> u64 {
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with(r#"stationhub_memo_answers_total{result="hit"}"#))
        .unwrap_or_else(|| panic!("no memo counter in {text}"));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_repeated_read_is_answered_from_memory() {
    let s = scenario().await;
    s.draft().await;
    let first = s.app.get("/api/v1/applications", &s.host).await;
    let before = memo_hits(&s.app).await;
    let again = s.app.get("/api/v1/applications", &s.host).await;
    assert_eq!(again, first);
    // The session and the list, both from memory.
    assert!(memo_hits(&s.app).await >= before + 2);
}

#[tokio::test]
async fn a_change_made_on_another_server_is_seen_at_once() {
    let mut s = scenario().await;
    let id = s.draft().await;
    let other = s.app.second_server().await;
    for _ in 0..2 {
        let (st, list) = s.app.get("/api/v1/applications", &s.host).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(list["total"], 1);
        assert_eq!(
            list["items"][0]["station_name"],
            "湖南省机械工程学会益阳智能装备学会服务站"
        );
    }
    // Renamed on the other server…
    let (_, app_now) = s
        .app
        .get(&format!("/api/v1/applications/{id}"), &s.host)
        .await;
    let mut body = s.body();
    body["station_name"] = json!("湖南省机械工程学会益阳智能制造学会服务站");
    body["version"] = app_now["version"].clone();
    let (st, b) = at(
        &s.app,
        &other,
        Method::PUT,
        &format!("/api/v1/applications/{id}"),
        &s.host,
        Some(body),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    // …and a second draft started there.
    let (st, b) = at(
        &s.app,
        &other,
        Method::POST,
        "/api/v1/applications",
        &s.host,
        Some(s.body()),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    // This server's next answer has both.
    let (_, list) = s.app.get("/api/v1/applications", &s.host).await;
    assert_eq!(list["total"], 2, "{list}");
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["station_name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"湖南省机械工程学会益阳智能制造学会服务站"),
        "{names:?}"
    );
}

#[tokio::test]
async fn indicators_follow_an_activity_logged_on_another_server() {
    let (mut s, _, station) = crate::stations::awarded("provincial", "2027-02-20").await;
    let other = s.app.second_server().await;
    let path = format!("/api/v1/stations/{station}/indicators?year=1");
    let expert_days = |rep: &Value| {
        rep["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["code"] == "expert_days_year")
            .unwrap()["actual"]
            .clone()
    };
    for _ in 0..2 {
        let (st, rep) = s.app.get(&path, &s.host).await;
        assert_eq!(st, StatusCode::OK, "{rep}");
        assert_eq!(expert_days(&rep), 0, "{rep}");
    }
    let (st, b) = at(
        &s.app,
        &other,
        Method::POST,
        &format!("/api/v1/stations/{station}/activities"),
        &s.host,
        Some(json!({"kind": "expert_service", "date": "2026-06-20",
                    "expert_id": s.experts[0], "days": 7})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let (_, rep) = s.app.get(&path, &s.host).await;
    assert_eq!(expert_days(&rep), 7, "{rep}");
}

#[tokio::test]
async fn a_session_ended_on_another_server_is_refused_at_once() {
    let mut app = TestApp::spawn().await;
    app.user("officer", Role::CityCast, Link::None).await;
    let other = app.second_server().await;
    let t_out = app.token("officer", PASSWORD).await;
    let t_kept = app.token("officer", PASSWORD).await;
    let t_ended = app.token("officer", PASSWORD).await;
    // Each session known to this server (twice: the second from memory).
    for t in [&t_out, &t_kept, &t_ended] {
        for _ in 0..2 {
            assert_eq!(app.get("/api/v1/me", t).await.0, StatusCode::OK);
        }
    }
    // Signed out on the other server: refused here at once.
    let (st, _) = at(
        &app,
        &other,
        Method::DELETE,
        "/api/v1/session",
        &t_out,
        None,
    )
    .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/me", &t_out).await.0,
        StatusCode::UNAUTHORIZED
    );
    // A password changed on the other server ends every other session of the account here.
    let (st, b) = at(
        &app,
        &other,
        Method::PUT,
        "/api/v1/me/password",
        &t_kept,
        Some(json!({"current_password": PASSWORD, "new_password": "Other#2024yy"})),
    )
    .await;
    assert!(st.is_success(), "{st} {b}");
    assert_eq!(
        app.get("/api/v1/me", &t_ended).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.get("/api/v1/me", &t_kept).await.0, StatusCode::OK);
}
