//! The web pages as a browser meets them (cookies, forms, redirects), without a browser.

use reqwest::{Client, StatusCode};
use stationhub_domain::account::Role;

use crate::helpers::{Link, PASSWORD, TestApp, csrf_of};

/// Signs in through the sign-in form; returns the page the browser lands on.
pub async fn sign_in_page(
    app: &TestApp,
    browser: &Client,
    username: &str,
    password: &str,
) -> reqwest::Response {
    let html = browser
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    browser
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("username", username),
            ("password", password),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap()
}

async fn text(browser: &Client, url: String) -> (StatusCode, String) {
    let res = browser.get(url).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

#[tokio::test]
async fn each_role_lands_on_its_own_home_page() {
    let app = TestApp::spawn().await;
    let unit = app.unit("益阳智能装备有限公司科协", "资阳区").await;
    let society = app.society("湖南省机械工程学会").await;
    let cases = [
        ("host1", Role::HostUnit, Link::Unit(unit), "我的申报书"),
        (
            "soc1",
            Role::Society,
            Link::Society(society),
            "待确认的合作",
        ),
        (
            "zy-cast",
            Role::CountyCast,
            Link::County("资阳区"),
            "待初审的申报",
        ),
        (
            "zy-talent",
            Role::CountyTalent,
            Link::County("资阳区"),
            "待出具意见的申报",
        ),
        ("city1", Role::CityCast, Link::None, "待审核的申报"),
        ("talent1", Role::TalentOffice, Link::None, "待授牌"),
        ("auditor", Role::Supervisor, Link::None, "资金台账"),
        ("admin", Role::Admin, Link::None, "账户管理"),
    ];
    for (username, role, link, panel) in cases {
        app.user(username, role, link).await;
        let browser = app.browser();
        let res = sign_in_page(&app, &browser, username, PASSWORD).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{username}");
        let (s, html) = text(&browser, app.url("/")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains(panel), "{username} sees {panel}");
        assert!(html.contains(role.label()), "{username}'s role is shown");
    }
}

#[tokio::test]
async fn a_signed_out_visitor_is_sent_to_the_sign_in_page() {
    let app = TestApp::spawn().await;
    let res = app
        .browser()
        .get(app.url("/admin/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/login?next=/admin/users");
}

#[tokio::test]
async fn a_wrong_password_on_the_page_says_so() {
    let app = TestApp::spawn().await;
    app.user("officer", Role::CityCast, Link::None).await;
    let browser = app.browser();
    let res = sign_in_page(&app, &browser, "officer", "Wrong#2023yy").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.text().await.unwrap().contains("用户名或密码错误"));
}

#[tokio::test]
async fn a_locked_account_gets_a_clear_message_on_the_page() {
    let app = TestApp::spawn().await;
    app.user("officer", Role::CityCast, Link::None).await;
    let browser = app.browser();
    for _ in 0..5 {
        sign_in_page(&app, &browser, "officer", "Wrong#2023yy").await;
    }
    let res = sign_in_page(&app, &browser, "officer", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let html = res.text().await.unwrap();
    assert!(html.contains("账户因连续 5 次密码错误已被锁定"), "{html}");
    assert!(html.contains("联系系统管理员"));
}

#[tokio::test]
async fn a_forged_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.user("admin", Role::Admin, Link::None).await;
    let browser = app.browser();
    sign_in_page(&app, &browser, "admin", PASSWORD).await;
    let form = |token: &'static str| {
        vec![
            ("csrf_token", token),
            ("username", "forged"),
            ("display_name", "伪造"),
            ("role", "admin"),
            ("password", "Strong#2023"),
        ]
    };
    let res = browser
        .post(app.url("/admin/users"))
        .form(&form("0123456789abcdef0123456789abcdef"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("表单已失效"));
    // Without any token at all, the same.
    let mut no_token = form("");
    no_token.remove(0);
    let res = browser
        .post(app.url("/admin/users"))
        .form(&no_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        app.store
            .user_by_username("forged")
            .await
            .unwrap()
            .is_none()
    );

    // The sign-in form is protected too.
    let res = app
        .browser()
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", "x"),
            ("username", "admin"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_admin_creates_an_account_on_the_page_and_it_must_change_its_password() {
    let app = TestApp::spawn().await;
    app.user("admin", Role::Admin, Link::None).await;
    let admin = app.browser();
    sign_in_page(&app, &admin, "admin", PASSWORD).await;
    let (_, html) = text(&admin, app.url("/admin/users")).await;
    let csrf = csrf_of(&html);
    // A weak password is refused on the page, and the form keeps what was typed.
    let res = admin
        .post(app.url("/admin/users"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("username", "ht-talent"),
            ("display_name", "桃江人才办"),
            ("role", "county_talent"),
            ("county", "桃江县"),
            ("password", "weak"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("密码不符合要求"));
    assert!(html.contains("value=\"ht-talent\""));
    let res = admin
        .post(app.url("/admin/users"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("username", "ht-talent"),
            ("display_name", "桃江人才办"),
            ("role", "county_talent"),
            ("county", "桃江县"),
            ("password", "Initial#2023"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = text(&admin, app.url("/admin/users?flash=created")).await;
    assert!(html.contains("账户已创建"));
    assert!(html.contains("桃江县委人才办"));
    assert!(html.contains("待首次改密"));

    let user = app.browser();
    let res = sign_in_page(&app, &user, "ht-talent", "Initial#2023").await;
    assert_eq!(res.headers()["location"], "/password");
    // Every page leads back to the password change until it is done.
    let res = user.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/password");
    let (_, html) = text(&user, app.url("/password")).await;
    assert!(html.contains("首次登录须先设置自己的密码"));
    let csrf = csrf_of(&html);
    let res = user
        .post(app.url("/password"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("current_password", "Initial#2023"),
            ("new_password", "Mine#2024abc"),
            ("confirm_password", "Mine#2024abc"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (s, html) = text(&user, app.url("/")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("待出具意见的申报"));
}

#[tokio::test]
async fn an_expired_session_sends_the_browser_to_sign_in_again() {
    let app = TestApp::spawn().await;
    app.user("officer", Role::CityCast, Link::None).await;
    let browser = app.browser();
    sign_in_page(&app, &browser, "officer", PASSWORD).await;
    assert_eq!(
        browser.get(app.url("/")).send().await.unwrap().status(),
        StatusCode::OK
    );
    app.idle_sessions(31).await;
    let res = browser.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/login?expired=1"), "{to}");
    let (_, html) = text(&browser, app.url(&to)).await;
    assert!(html.contains("登录已超时"));
}

#[tokio::test]
async fn signing_out_on_the_page_ends_the_session() {
    let app = TestApp::spawn().await;
    app.user("officer", Role::CityCast, Link::None).await;
    let browser = app.browser();
    sign_in_page(&app, &browser, "officer", PASSWORD).await;
    let (_, html) = text(&browser, app.url("/")).await;
    let csrf = csrf_of(&html);
    let res = browser
        .post(app.url("/logout"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/login?signed_out=1");
    let res = browser.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn only_the_admin_opens_account_management() {
    let app = TestApp::spawn().await;
    app.user("officer", Role::CityCast, Link::None).await;
    let browser = app.browser();
    sign_in_page(&app, &browser, "officer", PASSWORD).await;
    let (s, html) = text(&browser, app.url("/admin/users")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(html.contains("无权执行此操作"));
}

#[tokio::test]
async fn user_text_is_escaped_on_pages() {
    let app = TestApp::spawn().await;
    app.user("admin", Role::Admin, Link::None).await;
    let token = app.admin().await;
    app.post(
        "/api/v1/users",
        &token,
        serde_json::json!({"username": "xss-user", "password": "Strong#2023", "role": "city_cast",
                           "display_name": "<script>alert(1)</script>"}),
    )
    .await;
    let browser = app.browser();
    sign_in_page(&app, &browser, "admin", PASSWORD).await;
    let (_, html) = text(&browser, app.url("/admin/users")).await;
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"));
}
