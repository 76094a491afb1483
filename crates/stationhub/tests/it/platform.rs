//! What every request meets: health, the OpenAPI document, the JSON error shape, paging and the
//! security headers.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::TestApp;

#[tokio::test]
async fn healthz_says_the_database_answers() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn the_openapi_document_lists_the_api_with_full_paths() {
    let app = TestApp::spawn().await;
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/session",
        "/api/v1/me",
        "/api/v1/me/password",
        "/api/v1/users",
        "/api/v1/users/{id}/unlock",
        "/api/v1/counties",
        "/api/v1/audit",
    ] {
        assert!(paths.contains_key(p), "missing {p}");
    }
    assert!(paths.keys().all(|p| p.starts_with("/api/v1/")));
    assert!(doc["paths"]["/api/v1/session"]["post"]["responses"]["429"].is_object());
}

#[tokio::test]
async fn errors_have_the_json_shape_of_the_spec() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthenticated");
    assert!(body["error"]["message"].as_str().unwrap().contains("登录"));

    let res = app
        .client
        .post(app.url("/api/v1/session"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad_request");

    let admin = app.admin().await;
    let (s, body) = app.get("/api/v1/no-such-thing", &admin).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn lists_are_paged_and_per_page_is_capped_at_100() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (s, body) = app.get("/api/v1/audit?per_page=1000", &admin).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["per_page"], 100);
    assert_eq!(body["page"], 1);
    assert!(body["total"].as_u64().unwrap() > 0);
    let (_, one) = app.get("/api/v1/audit?per_page=1&page=2", &admin).await;
    assert_eq!(one["items"].as_array().unwrap().len(), 1);
    let (s, _) = app.get("/api/v1/audit?page=abc", &admin).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn pages_and_api_carry_the_security_headers() {
    let app = TestApp::spawn().await;
    for path in ["/login", "/api/v1/openapi.json", "/healthz"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        let h = res.headers();
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
    }
}

#[tokio::test]
async fn a_wrong_method_or_an_absurd_page_is_answered_plainly() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let res = app
        .client
        .put(app.url("/api/v1/counties"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");
    let res = app.client.put(app.url("/login")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(res.text().await.unwrap().contains("不接受这种请求方式"));
    let (s, body) = app
        .get("/api/v1/audit?page=18446744073709551615", &admin)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["items"].as_array().unwrap().len(), 0);
}
