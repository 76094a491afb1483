//! The review, notice and award pages, as officials and the public use them.

use reqwest::{Client, StatusCode};
use serde_json::json;

use crate::applications::scenario;
use crate::helpers::{PASSWORD, TestApp, csrf_of};
use crate::pages::sign_in_page;
use crate::review::{approve_via_county, reviewers};

async fn page(app: &TestApp, b: &Client, path: &str) -> (StatusCode, String) {
    let res = b.get(app.url(path)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn post(
    app: &TestApp,
    b: &Client,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String, Option<String>) {
    let res = b.post(app.url(path)).form(form).send().await.unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    (status, res.text().await.unwrap(), location)
}

#[tokio::test]
async fn officers_decide_on_their_pages_and_the_public_sees_the_notice_and_the_station() {
    let mut s = scenario().await;
    let r = reviewers(&s.app).await;
    let id = s.ready().await;
    s.submit(id, json!({})).await;

    // The county officer finds it in the queue and recommends it on the page.
    let county = s.app.browser();
    sign_in_page(&s.app, &county, "zy-cast", PASSWORD).await;
    let (_, html) = page(&s.app, &county, "/queue").await;
    assert!(html.contains("湖南省机械工程学会益阳智能装备学会服务站"));
    assert!(html.contains("0 天"));
    let (_, html) = page(&s.app, &county, "/").await;
    assert!(
        html.contains("已等待 0 天"),
        "the home page lists what waits"
    );
    let (_, html) = page(&s.app, &county, &format!("/applications/{id}/review")).await;
    assert!(html.contains("县市区科协意见"));
    let csrf = csrf_of(&html);
    // No opinion: refused on the page, nothing changes.
    let (st, html, _) = post(
        &s.app,
        &county,
        &format!("/applications/{id}/review"),
        &[
            ("csrf_token", &csrf),
            ("action", "recommend"),
            ("opinion", ""),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("请填写审核意见"));
    let (st, _, loc) = post(
        &s.app,
        &county,
        &format!("/applications/{id}/review"),
        &[
            ("csrf_token", &csrf),
            ("action", "recommend"),
            ("opinion", "同意推荐"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, html) = page(&s.app, &county, &loc.unwrap()).await;
    assert!(html.contains("已办理"));
    assert!(html.contains("县市区委人才办审核"));
    // The opinion fills the county box of the printable form.
    let (_, html) = page(&s.app, &county, &format!("/applications/{id}")).await;
    let county_box = html
        .split("id=\"box-county\"")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(
        county_box.contains("同意推荐") && county_box.contains("资阳区科协"),
        "{county_box}"
    );
    // The same form again: a conflict, said plainly.
    let (st, html, _) = post(
        &s.app,
        &county,
        &format!("/applications/{id}/review"),
        &[
            ("csrf_token", &csrf),
            ("action", "recommend"),
            ("opinion", "同意推荐"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert!(html.contains("已被他人处理"));

    // The rest of the way by the API, then the notice on the page.
    let (st, _) = s
        .app
        .post(
            &format!("/api/v1/applications/{id}/decisions"),
            &r.talent,
            json!({"action": "agree", "opinion": "同意"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = s
        .app
        .post(
            &format!("/api/v1/applications/{id}/decisions"),
            &r.city,
            json!({"action": "propose", "opinion": "同意"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = s
        .app
        .post(
            &format!("/api/v1/applications/{id}/decisions"),
            &r.office,
            json!({"action": "approve", "opinion": "同意"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);

    let city = s.app.browser();
    sign_in_page(&s.app, &city, "city", PASSWORD).await;
    let (_, html) = page(&s.app, &city, "/notices").await;
    let csrf = csrf_of(&html);
    let app_id = id.to_string();
    let (st, _, loc) = post(
        &s.app,
        &city,
        "/notices",
        &[
            ("csrf_token", &csrf),
            ("application_ids", &app_id),
            ("starts_on", "2026-03-11"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let notice_path = loc.unwrap();
    let notice_path = notice_path.split('?').next().unwrap().to_string();

    // The public, not signed in, reads the notice and lodges an objection on the last day.
    s.app.travel_to("2026-03-17").await;
    let public = s.app.browser();
    let (st, html) = page(&s.app, &public, &notice_path).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("2026-03-11") && html.contains("2026-03-17"));
    assert!(html.contains("益阳智能装备有限公司科协"));
    let csrf = csrf_of(&html);
    let (st, html, _) = post(
        &s.app,
        &public,
        &format!("{notice_path}/objections"),
        &[
            ("csrf_token", &csrf),
            ("name", ""),
            ("contact", "13800000000"),
            ("text", "有疑问"),
        ],
    )
    .await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a real name is required"
    );
    assert!(html.contains("有疑问"), "what was typed is kept");
    let (st, _, _) = post(
        &s.app,
        &public,
        &format!("{notice_path}/objections"),
        &[
            ("csrf_token", &csrf),
            ("name", "张三"),
            ("contact", "13800000000"),
            ("text", "专家名单有疑问"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);

    // City CAST handles it on the notice page.
    s.app.travel_to("2026-03-18").await;
    let (_, html) = page(&s.app, &city, &notice_path).await;
    assert!(
        html.contains("专家名单有疑问") && html.contains("/handling"),
        "{html}"
    );
    let csrf = csrf_of(&html);
    let oid = html
        .split("/objections/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let notice_id = notice_path.trim_start_matches("/notices/").to_string();
    let (st, _, _) = post(
        &s.app,
        &city,
        &format!("/objections/{oid}/handling"),
        &[
            ("csrf_token", &csrf),
            ("notice_id", &notice_id),
            ("outcome", "dismissed"),
            ("reason", "经核实，专家名单属实"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, html) = page(&s.app, &city, &notice_path).await;
    assert!(html.contains("异议不成立"));
    // The notice has ended: no more objections.
    let (_, html) = page(&s.app, &public, &notice_path).await;
    assert!(html.contains("不受理异议"));

    // The talent office awards on its page; the public list shows the station.
    let office = s.app.browser();
    sign_in_page(&s.app, &office, "talent", PASSWORD).await;
    let (_, html) = page(&s.app, &office, "/awards").await;
    assert!(html.contains("湖南省机械工程学会益阳智能装备学会服务站"));
    let csrf = csrf_of(&html);
    let (st, _, loc) = post(
        &s.app,
        &office,
        &format!("/applications/{id}/award"),
        &[
            ("csrf_token", &csrf),
            ("awarded_on", "2026-03-18"),
            ("document_number", ""),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, html) = page(&s.app, &office, &loc.unwrap()).await;
    assert!(html.contains("益人才办〔2026〕1号"));
    assert!(html.contains("2028-03-17"));
    let (_, html) = page(&s.app, &public, "/stations").await;
    assert!(html.contains("湖南省机械工程学会益阳智能装备学会服务站"));
    assert!(html.contains("益人才办〔2026〕1号"));
    let _ = approve_via_county;
}

#[tokio::test]
async fn city_cast_computes_and_edits_the_calendar_on_its_page() {
    let app = TestApp::spawn().await;
    let r = reviewers(&app).await;
    let _ = r;
    let city = app.browser();
    sign_in_page(&app, &city, "city", PASSWORD).await;
    let (_, html) = page(&app, &city, "/calendar?year=2024&starts_on=2024-02-08").await;
    assert!(html.contains("截止日期为 2024-02-20"), "{html}");
    assert!(html.contains("春节"));
    let (_, html) = page(&app, &city, "/calendar?year=2027").await;
    assert!(html.contains("尚未录入"));
    let csrf = csrf_of(&html);
    let (st, _, _) = post(
        &app,
        &city,
        "/calendar",
        &[
            ("csrf_token", &csrf),
            ("op", "set"),
            ("date", "2027-01-01"),
            ("name", "元旦"),
            ("off", "true"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (st, _, _) = post(
        &app,
        &city,
        "/calendar",
        &[("csrf_token", &csrf), ("op", "year"), ("year", "2027")],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, html) = page(&app, &city, "/calendar?year=2027&starts_on=2026-12-28").await;
    // 12-28 … 12-31 (4), 2027-01-01 is a holiday now, 01-04 Monday is the fifth.
    assert!(html.contains("截止日期为 2027-01-04"), "{html}");
    // A host unit may look but not change it.
    let host = app.browser();
    app.user(
        "host-x",
        stationhub_domain::account::Role::HostUnit,
        crate::helpers::Link::None,
    )
    .await;
    sign_in_page(&app, &host, "host-x", PASSWORD).await;
    let (st, _, _) = post(
        &app,
        &host,
        "/calendar",
        &[("csrf_token", &csrf), ("op", "year"), ("year", "2028")],
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}
