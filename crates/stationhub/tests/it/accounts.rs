//! Accounts and sessions over the API: sign-in, lock-out, password rules, forced password
//! change, idle expiry, sign-out, and sessions shared by two servers.

use reqwest::{Method, StatusCode};
use serde_json::json;
use stationhub_domain::account::Role;

use crate::helpers::{Link, PASSWORD, TestApp};

#[tokio::test]
async fn sign_in_returns_a_token_and_the_user() {
    let app = TestApp::spawn().await;
    app.user("cityofficer", Role::CityCast, Link::None).await;
    let res = app.sign_in("cityofficer", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["user"]["username"], "cityofficer");
    assert_eq!(body["user"]["role"], "city_cast");
    let token = body["token"].as_str().unwrap();
    let (s, me) = app.get("/api/v1/me", token).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["organisation"], "益阳市科学技术协会");
    assert_eq!(me["must_change_password"], false);
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_401() {
    let app = TestApp::spawn().await;
    app.user("officer", Role::CityCast, Link::None).await;
    let res = app.sign_in("officer", "Wrong#2023yy").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "wrong_credentials");
    assert_eq!(body["error"]["message"], "用户名或密码错误");
    // An unknown user gets the very same answer.
    let res = app.sign_in("nobody", "Wrong#2023yy").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_fifth_wrong_password_locks_the_account_until_an_admin_unlocks_it() {
    let app = TestApp::spawn().await;
    let id = app.user("officer", Role::CityCast, Link::None).await;
    for i in 1..=5 {
        let res = app.sign_in("officer", "Wrong#2023yy").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    // Locked: even the right password answers 429, with a message saying so.
    let res = app.sign_in("officer", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "account_locked");
    assert!(body["error"]["message"].as_str().unwrap().contains("锁定"));

    let admin = app.admin().await;
    let (s, _) = app
        .post(&format!("/api/v1/users/{id}/unlock"), &admin, json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        app.sign_in("officer", PASSWORD).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_success_resets_the_count_of_wrong_passwords() {
    let app = TestApp::spawn().await;
    app.user("officer", Role::CityCast, Link::None).await;
    for _ in 0..4 {
        app.sign_in("officer", "Wrong#2023yy").await;
    }
    app.token("officer", PASSWORD).await;
    for _ in 0..4 {
        assert_eq!(
            app.sign_in("officer", "Wrong#2023yy").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    app.token("officer", PASSWORD).await;
}

#[tokio::test]
async fn sign_in_attempts_per_address_are_limited() {
    let app = TestApp::builder().signin_per_minute(3).spawn().await;
    app.user("officer", Role::CityCast, Link::None).await;
    // The count is per clock minute: should the minute turn during a round (a busy machine),
    // the round is run again in the new one. The wrong attempts name no account, so that no
    // lock-out gets in the way.
    let minute = || chrono::Utc::now().timestamp().div_euclid(60);
    for _ in 0..2 {
        let started = minute();
        for _ in 0..3 {
            app.sign_in("nobody", "Wrong#2023yy").await;
        }
        let res = app.sign_in("officer", PASSWORD).await;
        if minute() != started {
            continue;
        }
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "too_many_attempts");
        return;
    }
    panic!("the minute turned in both rounds");
}

#[tokio::test]
async fn a_weak_password_is_refused_and_no_account_is_made() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for weak in ["short1A", "alllowercase1", "NoDigitsOrSymbols"] {
        let (s, body) = app
            .post(
                "/api/v1/users",
                &admin,
                json!({"username": "newcomer", "password": weak, "role": "city_cast", "display_name": "新人"}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{weak}");
        assert_eq!(body["error"]["code"], "weak_password");
    }
    assert!(
        app.store
            .user_by_username("newcomer")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn an_account_an_admin_made_must_change_its_password_first() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (s, body) = app
        .post(
            "/api/v1/users",
            &admin,
            json!({"username": "zy-officer", "password": "Initial#2023", "role": "county_cast",
                   "display_name": "陈志刚", "county": "资阳区"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert!(body["id"].as_i64().is_some());

    let token = app.token("zy-officer", "Initial#2023").await;
    let (s, me) = app.get("/api/v1/me", &token).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["must_change_password"], true);
    assert_eq!(me["county"], "资阳区");
    assert_eq!(me["organisation"], "资阳区科协");

    // Nothing else works until the password is changed.
    let (s, body) = app.get("/api/v1/counties", &token).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "password_change_required");

    // A wrong current password, or a weak new one: 422, nothing changes.
    let (s, body) = app
        .send(
            Method::PUT,
            "/api/v1/me/password",
            &token,
            json!({"current_password": "Nope#2023yy", "new_password": "Mine#2024abc"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "wrong_current_password");
    let (s, body) = app
        .send(
            Method::PUT,
            "/api/v1/me/password",
            &token,
            json!({"current_password": "Initial#2023", "new_password": "weakpass"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "weak_password");

    let (s, _) = app
        .send(
            Method::PUT,
            "/api/v1/me/password",
            &token,
            json!({"current_password": "Initial#2023", "new_password": "Mine#2024abc"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // The same token keeps working, now for everything.
    let (s, counties) = app.get("/api/v1/counties", &token).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(counties["items"].as_array().unwrap().len(), 9);
    // The old password no longer signs in; the new one does.
    assert_eq!(
        app.sign_in("zy-officer", "Initial#2023").await.status(),
        StatusCode::UNAUTHORIZED
    );
    app.token("zy-officer", "Mine#2024abc").await;
}

#[tokio::test]
async fn only_an_admin_creates_accounts() {
    let app = TestApp::spawn().await;
    app.user("cityofficer", Role::CityCast, Link::None).await;
    let token = app.token("cityofficer", PASSWORD).await;
    let (s, body) = app
        .post("/api/v1/users", &token,
            json!({"username": "x-user", "password": "Strong#2023", "role": "admin", "display_name": "X"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "forbidden");
    assert!(
        app.store
            .user_by_username("x-user")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn accounts_are_linked_as_their_role_requires() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let unit = app.unit("益阳测试机械有限公司科协", "赫山区").await;
    let new = |username: &str, role: &str, extra: serde_json::Value| {
        let mut body = json!({"username": username, "password": "Strong#2023", "role": role, "display_name": "某人"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let (s, body) = app
        .post(
            "/api/v1/users",
            &admin,
            new("host-a", "host_unit", json!({"unit_id": 9999})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "unit_id");
    let (s, _) = app
        .post(
            "/api/v1/users",
            &admin,
            new("host-a", "host_unit", json!({"unit_id": unit})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, body) = app
        .post(
            "/api/v1/users",
            &admin,
            new("host-a", "host_unit", json!({"unit_id": unit})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "a taken username");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("host-a")
    );
    let (s, body) = app
        .post(
            "/api/v1/users",
            &admin,
            new("county-x", "county_talent", json!({"county": "不存在县"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "county");
    let (s, body) = app
        .post("/api/v1/users", &admin, new("bad-role", "root", json!({})))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "role");

    let (s, list) = app.get("/api/v1/users?role=host_unit", &admin).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["organisation"], "益阳测试机械有限公司科协");
}

#[tokio::test]
async fn a_session_idle_for_thirty_minutes_has_expired() {
    let app = TestApp::spawn().await;
    app.user("officer", Role::CityCast, Link::None).await;
    let token = app.token("officer", PASSWORD).await;
    assert_eq!(app.get("/api/v1/me", &token).await.0, StatusCode::OK);
    // Thirty-one minutes pass without a request.
    app.idle_sessions(31).await;
    let (s, body) = app.get("/api/v1/me", &token).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthenticated");
    // And it stays ended.
    assert_eq!(
        app.get("/api/v1/me", &token).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn signing_out_ends_the_token() {
    let app = TestApp::spawn().await;
    app.user("officer", Role::CityCast, Link::None).await;
    let token = app.token("officer", PASSWORD).await;
    let (s, _) = app
        .send(Method::DELETE, "/api/v1/session", &token, json!({}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/me", &token).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn two_servers_on_one_database_accept_each_others_sessions() {
    let mut app = TestApp::spawn().await;
    app.user("officer", Role::CityCast, Link::None).await;
    let other = app.second_server().await;
    let token = app.token("officer", PASSWORD).await;
    let res = app
        .client
        .get(format!("{other}/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // Signing out on the second ends the session on the first.
    let res = app
        .client
        .delete(format!("{other}/api/v1/session"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/me", &token).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_nine_counties_are_preloaded() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (s, body) = app.get("/api/v1/counties", &admin).await;
    assert_eq!(s, StatusCode::OK);
    let names: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "资阳区",
            "赫山区",
            "南县",
            "桃江县",
            "安化县",
            "沅江市",
            "大通湖区",
            "益阳高新区",
            "益阳东部新区"
        ]
    );
    assert_eq!(body["total"], 9);
}
