//! Review, public notice with objections, and the award, over the API (issue: 审核、公示、授牌).

use reqwest::StatusCode;
use serde_json::{Value, json};
use stationhub_domain::account::Role;

use crate::applications::{Scenario, scenario};
use crate::helpers::{Link, PASSWORD, TestApp};

/// The reviewers of 资阳区 and the city, signed in.
pub struct Reviewers {
    pub county: String,
    pub talent: String,
    pub city: String,
    pub office: String,
}

pub async fn reviewers(app: &TestApp) -> Reviewers {
    app.user("zy-cast", Role::CountyCast, Link::County("资阳区"))
        .await;
    app.user("zy-talent", Role::CountyTalent, Link::County("资阳区"))
        .await;
    app.user("city", Role::CityCast, Link::None).await;
    app.user("talent", Role::TalentOffice, Link::None).await;
    Reviewers {
        county: app.token("zy-cast", PASSWORD).await,
        talent: app.token("zy-talent", PASSWORD).await,
        city: app.token("city", PASSWORD).await,
        office: app.token("talent", PASSWORD).await,
    }
}

pub async fn decide(app: &TestApp, token: &str, id: i64, action: &str) -> (StatusCode, Value) {
    let mut body = json!({"action": action, "opinion": format!("{action}：同意")});
    if action == "propose" {
        body["site_inspection"] = json!({"date": app.clock.today().to_string(), "inspectors": ["周文彬", "谭丽娟"], "findings": "场地、人员、制度到位"});
    }
    app.post(&format!("/api/v1/applications/{id}/decisions"), token, body)
        .await
}

async fn ok(app: &TestApp, token: &str, id: i64, action: &str, expect: &str) {
    let (s, b) = decide(app, token, id, action).await;
    assert_eq!(s, StatusCode::OK, "{action}: {b}");
    assert_eq!(b["state"], expect);
}

/// Takes a submitted county-route application to `approved`.
pub async fn approve_via_county(s: &Scenario, r: &Reviewers, id: i64) {
    ok(&s.app, &r.county, id, "recommend", "county_talent_review").await;
    ok(&s.app, &r.talent, id, "agree", "city_review").await;
    ok(&s.app, &r.city, id, "propose", "approval").await;
    ok(&s.app, &r.office, id, "approve", "approved").await;
}

#[tokio::test]
async fn the_county_route_ends_in_an_awarded_station() {
    let mut s = scenario().await;
    let r = reviewers(&s.app).await;
    let id = s.ready().await;
    assert_eq!(s.submit(id, json!({})).await.0, StatusCode::OK);
    // The county officer's queue holds it, with the days waited.
    let (_, q) = s.app.get("/api/v1/queue", &r.county).await;
    assert_eq!(q["items"][0]["id"], id);
    assert_eq!(q["items"][0]["days_waiting"], 0);
    approve_via_county(&s, &r, id).await;

    // Notice from 2026-03-11 (Wednesday): five working days end on Tuesday 03-17.
    let (st, n) = s
        .app
        .post(
            "/api/v1/notices",
            &r.city,
            json!({"application_ids": [id], "starts_on": "2026-03-11"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{n}");
    assert_eq!(n["ends_on"], "2026-03-17");
    let notice = n["id"].as_i64().unwrap();
    // The public sees the notice without signing in.
    let res = s
        .app
        .client
        .get(s.app.url(&format!("/api/v1/notices/{notice}")))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["items"][0]["station_name"],
        "湖南省机械工程学会益阳智能装备学会服务站"
    );

    // No award before the notice ends.
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/applications/{id}/award"),
            &r.office,
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(b["error"]["article"], "第八条");

    s.app.travel_to("2026-03-18").await;
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/applications/{id}/award"),
            &r.office,
            json!({"awarded_on": "2026-03-18"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert_eq!(b["document_number"], "益人才办〔2026〕1号");
    let station = b["station_id"].as_i64().unwrap();
    let (_, st_json) = s
        .app
        .get(&format!("/api/v1/stations/{station}"), &s.host)
        .await;
    assert_eq!(st_json["awarded_on"], "2026-03-18");
    assert_eq!(st_json["term_ends_on"], "2028-03-17");
    assert_eq!(st_json["status"], "active");
    // The public list of stations shows it.
    let res = s
        .app
        .client
        .get(s.app.url("/api/v1/stations"))
        .send()
        .await
        .unwrap();
    let list: Value = res.json().await.unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["document_number"], "益人才办〔2026〕1号");
    // Awarding twice is a conflict.
    let (st, _) = s
        .app
        .post(
            &format!("/api/v1/applications/{id}/award"),
            &r.office,
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    // The opinions fill the form's boxes; the host heard of each step.
    let (_, a) = s
        .app
        .get(&format!("/api/v1/applications/{id}"), &s.host)
        .await;
    let steps: Vec<&str> = a["opinions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "county_review",
            "county_talent_review",
            "city_review",
            "approval",
            "notice"
        ]
    );
    assert_eq!(a["site_inspections"].as_array().unwrap().len(), 1);
    let (_, inbox) = s.app.get("/api/v1/me/inbox", &s.host).await;
    assert!(inbox["total"].as_u64().unwrap() >= 5, "{inbox}");
}

#[tokio::test]
async fn the_direct_route_skips_the_county() {
    let s = scenario().await;
    let r = reviewers(&s.app).await;
    let id = s.ready().await;
    let (_, b) = s.submit(id, json!({"route": "direct"})).await;
    assert_eq!(b["state"], "city_review");
    // The county officer has nothing to do with it.
    let (st, _) = decide(&s.app, &r.county, id, "recommend").await;
    assert_eq!(st, StatusCode::CONFLICT);
    ok(&s.app, &r.city, id, "propose", "approval").await;
    ok(&s.app, &r.office, id, "approve", "approved").await;
}

#[tokio::test]
async fn a_return_comes_back_to_the_step_that_returned_it() {
    let s = scenario().await;
    let r = reviewers(&s.app).await;
    let id = s.ready().await;
    s.submit(id, json!({})).await;
    ok(&s.app, &r.county, id, "recommend", "county_talent_review").await;
    ok(&s.app, &r.talent, id, "agree", "city_review").await;
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/applications/{id}/decisions"),
            &r.city,
            json!({"action": "return", "opinion": "  "}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a return needs its reason: {b}"
    );
    ok(&s.app, &r.city, id, "return", "returned").await;
    let (_, inbox) = s.app.get("/api/v1/me/inbox", &s.host).await;
    assert!(
        inbox["items"][0]["title"]
            .as_str()
            .unwrap()
            .contains("退回修改"),
        "{inbox}"
    );
    // The host revises and resubmits: back to city review, not to the county.
    let (st, b) = s.submit(id, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "city_review");
}

#[tokio::test]
async fn a_rejection_is_final() {
    let s = scenario().await;
    let r = reviewers(&s.app).await;
    let id = s.ready().await;
    s.submit(id, json!({})).await;
    ok(&s.app, &r.county, id, "reject", "rejected").await;
    assert_eq!(s.submit(id, json!({})).await.0, StatusCode::CONFLICT);
    assert_eq!(
        decide(&s.app, &r.talent, id, "agree").await.0,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn a_step_is_taken_once_and_only_by_its_owner() {
    let s = scenario().await;
    let r = reviewers(&s.app).await;
    let id = s.ready().await;
    s.submit(id, json!({})).await;
    // The host is no reviewer.
    assert_eq!(
        decide(&s.app, &s.host, id, "recommend").await.0,
        StatusCode::FORBIDDEN
    );
    // A county officer of another county does not even see it.
    s.app
        .user("hs-cast", Role::CountyCast, Link::County("赫山区"))
        .await;
    let other = s.app.token("hs-cast", PASSWORD).await;
    assert_eq!(
        decide(&s.app, &other, id, "recommend").await.0,
        StatusCode::NOT_FOUND
    );
    // The wrong action for the step.
    assert_eq!(
        decide(&s.app, &r.county, id, "approve").await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    ok(&s.app, &r.county, id, "recommend", "county_talent_review").await;
    // Twice: the second is a conflict with a clear message.
    let (st, b) = decide(&s.app, &r.county, id, "recommend").await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("已被他人处理")
    );
}

#[tokio::test]
async fn two_officers_at_once_take_one_step() {
    let s = scenario().await;
    let r = reviewers(&s.app).await;
    s.app
        .user("zy-cast2", Role::CountyCast, Link::County("资阳区"))
        .await;
    let second = s.app.token("zy-cast2", PASSWORD).await;
    let id = s.ready().await;
    s.submit(id, json!({})).await;
    let (a, b) = tokio::join!(
        decide(&s.app, &r.county, id, "recommend"),
        decide(&s.app, &second, id, "recommend")
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    let (_, app) = s
        .app
        .get(&format!("/api/v1/applications/{id}"), &s.host)
        .await;
    assert_eq!(
        app["opinions"].as_array().unwrap().len(),
        1,
        "one opinion, one step"
    );
}

/// Seven municipal applications from seven units with seven societies, all at approval.
pub async fn seven_at_approval() -> (Scenario, Reviewers, Vec<i64>) {
    let mut s = scenario().await;
    let r = reviewers(&s.app).await;
    let mut ids = Vec::new();
    for i in 0..7 {
        // The scenario speaks for one unit and its society at a time.
        s.unit_id = s.app.unit(&format!("企业{i}科协"), "资阳区").await;
        s.society_id = s
            .app
            .society_with(&format!("益阳市第{i}学会"), "municipal")
            .await;
        s.experts = s.app.experts(s.society_id, 5).await;
        let (host, soc) = (format!("host{i}"), format!("soc{i}"));
        s.app
            .user(&host, Role::HostUnit, Link::Unit(s.unit_id))
            .await;
        s.app
            .user(&soc, Role::Society, Link::Society(s.society_id))
            .await;
        s.host = s.app.token(&host, PASSWORD).await;
        s.society = s.app.token(&soc, PASSWORD).await;
        let mut body = s.body();
        body["level"] = json!("municipal");
        body["station_name"] = json!(format!("市级服务站{i}"));
        let id = s.draft_with(body).await;
        s.upload_all(id).await;
        s.confirm(id).await;
        let (st, b) = s.submit(id, json!({"route": "direct"})).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        ok(&s.app, &r.city, id, "propose", "approval").await;
        ids.push(id);
    }
    (s, r, ids)
}

#[tokio::test]
async fn at_most_five_municipal_stations_per_round_article_12() {
    let (s, r, ids) = seven_at_approval().await;
    // Seven approvals at once: exactly five pass.
    let futures = ids
        .iter()
        .map(|id| decide(&s.app, &r.office, *id, "approve"));
    let results = futures::future::join_all(futures).await;
    let passed = results
        .iter()
        .filter(|(st, _)| *st == StatusCode::OK)
        .count();
    assert_eq!(passed, 5, "{results:?}");
    for (st, b) in results.iter().filter(|(st, _)| *st != StatusCode::OK) {
        assert_eq!(*st, StatusCode::CONFLICT);
        assert_eq!(b["error"]["article"], "第十二条");
    }
}

#[tokio::test]
async fn the_quota_holds_with_two_server_processes_on_one_database() {
    if std::env::var(crate::helpers::PG_ENV).is_err() {
        eprintln!("two servers share one database on PostgreSQL only (SQLite is one process)");
        return;
    }
    let (s, r, ids) = seven_at_approval().await;
    // Two server processes of the real binary on one PostgreSQL.
    let (one, two) = (s.app.server_process(), s.app.server_process());
    let (first, second) = (one.base.clone(), two.base.clone());
    let futures = ids.iter().enumerate().map(|(i, id)| {
        let base = if i % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        let client = s.app.client.clone();
        let token = r.office.clone();
        async move {
            client
                .post(format!("{base}/api/v1/applications/{id}/decisions"))
                .bearer_auth(token)
                .json(&json!({"action": "approve", "opinion": "同意"}))
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    let statuses = futures::future::join_all(futures).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        2
    );
}

#[tokio::test]
async fn notice_end_dates_follow_the_holiday_calendar() {
    let app = TestApp::spawn().await;
    let end = |start: &'static str| {
        let app = &app;
        async move {
            let res = app
                .client
                .get(app.url(&format!(
                    "/api/v1/calendar/notice-end?starts_on={start}&working_days=5"
                )))
                .send()
                .await
                .unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap())
        }
    };
    // 2023 National Day: 09-29 … 10-06 off; Saturday 10-07 and Sunday 10-08 are working days.
    assert_eq!(end("2023-09-28").await.1["ends_on"], "2023-10-10");
    assert_eq!(end("2023-10-01").await.1["ends_on"], "2023-10-11");
    // 2024 Spring Festival: 02-10 … 02-17 off; Sunday 02-04 and Sunday 02-18 are working days.
    assert_eq!(end("2024-02-08").await.1["ends_on"], "2024-02-20");
    assert_eq!(end("2024-02-04").await.1["ends_on"], "2024-02-08");
    // A year without schedule: refused, unless plain weekends are confirmed.
    let (st, b) = end("2027-03-01").await;
    assert_eq!(st, StatusCode::CONFLICT, "{b}");
    assert!(b["error"]["message"].as_str().unwrap().contains("2027"));
    let res = app
        .client
        .get(app.url("/api/v1/calendar/notice-end?starts_on=2027-03-01&working_days=5&assume_plain_weekends=true"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["ends_on"], "2027-03-05");
}

#[tokio::test]
async fn a_notice_published_before_national_day_2023_ends_after_it() {
    let app = TestApp::builder().today("2023-09-27").spawn().await;
    let unit = app.unit("益阳某公司科协", "资阳区").await;
    let society = app.society("湖南省机械工程学会").await;
    let experts = app.experts(society, 5).await;
    let round = app.round("2023-09-01", "2023-09-30").await;
    app.user("host", Role::HostUnit, Link::Unit(unit)).await;
    app.user("soc", Role::Society, Link::Society(society)).await;
    let t = Scenario {
        host: app.token("host", PASSWORD).await,
        society: app.token("soc", PASSWORD).await,
        app,
        unit_id: unit,
        society_id: society,
        round_id: round,
        experts,
    };
    let r = reviewers(&t.app).await;
    let id = t.ready().await;
    t.submit(id, json!({"route": "direct"})).await;
    ok(&t.app, &r.city, id, "propose", "approval").await;
    ok(&t.app, &r.office, id, "approve", "approved").await;
    let (st, n) = t
        .app
        .post(
            "/api/v1/notices",
            &r.city,
            json!({"application_ids": [id], "starts_on": "2023-09-28"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{n}");
    assert_eq!(n["ends_on"], "2023-10-10");
    // A notice may not start in the past.
    let (st, _) = t
        .app
        .post(
            "/api/v1/notices",
            &r.city,
            json!({"application_ids": [id], "starts_on": "2023-09-26"}),
        )
        .await;
    assert!(st == StatusCode::UNPROCESSABLE_ENTITY || st == StatusCode::CONFLICT);
}

#[tokio::test]
async fn an_objection_holds_the_award_until_handled() {
    let mut s = scenario().await;
    let r = reviewers(&s.app).await;
    let id = s.ready().await;
    s.submit(id, json!({})).await;
    approve_via_county(&s, &r, id).await;
    let (_, n) = s
        .app
        .post(
            "/api/v1/notices",
            &r.city,
            json!({"application_ids": [id], "starts_on": "2026-03-11"}),
        )
        .await;
    let notice = n["id"].as_i64().unwrap();
    // Before the notice starts: refused.
    let (st, _) = object_to(
        &s.app,
        notice,
        json!({"name": "张三", "contact": "13800000000", "text": "专家名单不实"}),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT);
    s.app.travel_to("2026-03-12").await;
    // Real name required by default.
    let (st, b) = object_to(
        &s.app,
        notice,
        json!({"contact": "13800000000", "text": "专家名单不实"}),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (st, b) = object_to(
        &s.app,
        notice,
        json!({"name": "张三", "contact": "13800000000", "text": "专家名单不实"}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let oid = b["id"].as_i64().unwrap();

    s.app.travel_to("2026-03-18").await;
    let (st, _) = object_to(
        &s.app,
        notice,
        json!({"name": "李四", "contact": "13900000000", "text": "迟到的异议"}),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT, "closed after the end date");
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/applications/{id}/award"),
            &r.office,
            json!({}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::CONFLICT,
        "an open objection holds the award: {b}"
    );
    assert_eq!(b["error"]["article"], "第八条");
    assert_eq!(b["error"]["code"], "objection_open");

    let (_, list) = s
        .app
        .get(&format!("/api/v1/notices/{notice}/objections"), &r.city)
        .await;
    assert_eq!(list["items"][0]["name"], "张三");
    let (st, _) = s
        .app
        .post(
            &format!("/api/v1/objections/{oid}/handling"),
            &r.city,
            json!({"outcome": "dismissed", "reason": "经核实，专家名单属实"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/applications/{id}/award"),
            &r.office,
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
}

#[tokio::test]
async fn an_upheld_objection_stops_that_application() {
    let mut s = scenario().await;
    let r = reviewers(&s.app).await;
    let id = s.ready().await;
    s.submit(id, json!({})).await;
    approve_via_county(&s, &r, id).await;
    let (_, n) = s
        .app
        .post(
            "/api/v1/notices",
            &r.city,
            json!({"application_ids": [id], "starts_on": "2026-03-10"}),
        )
        .await;
    let notice = n["id"].as_i64().unwrap();
    let res = s
        .app
        .client
        .post(s.app.url(&format!("/api/v1/notices/{notice}/objections")))
        .json(&json!({"name": "王五", "contact": "wang@example.cn", "text": "合作协议系伪造"}))
        .send()
        .await
        .unwrap();
    let oid = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let (st, _) = s
        .app
        .post(
            &format!("/api/v1/objections/{oid}/handling"),
            &r.city,
            json!({"outcome": "upheld", "reason": "协议印章与备案不符"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = s
        .app
        .post(
            &format!("/api/v1/objections/{oid}/handling"),
            &r.city,
            json!({"outcome": "dismissed", "reason": "再次"}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "handled once");
    s.app.travel_to("2026-03-20").await;
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/applications/{id}/award"),
            &r.office,
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(b["error"]["article"], "第八条");
    let (_, a) = s
        .app
        .get(&format!("/api/v1/applications/{id}"), &s.host)
        .await;
    assert_eq!(a["state"], "rejected");
}

#[tokio::test]
async fn city_cast_keeps_the_calendar() {
    let app = TestApp::spawn().await;
    app.user("city", Role::CityCast, Link::None).await;
    app.user("host", Role::HostUnit, Link::None).await;
    let city = app.token("city", PASSWORD).await;
    let host = app.token("host", PASSWORD).await;
    let (st, _) = app
        .post("/api/v1/calendar/years", &host, json!({"year": 2027}))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = app
        .post("/api/v1/calendar/years", &city, json!({"year": 2027}))
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, _) = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/calendar/days/2027-03-02",
            &city,
            json!({"name": "测试假日", "off": true}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let res = app
        .client
        .get(app.url("/api/v1/calendar/notice-end?starts_on=2027-03-01&working_days=5"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["ends_on"], "2027-03-08");
    let (_, y) = app.get("/api/v1/calendar?year=2027", &city).await;
    assert_eq!(y["known"], true);
    assert_eq!(y["days"][0]["name"], "测试假日");
}

async fn object_to(app: &TestApp, notice: i64, body: Value) -> (StatusCode, Value) {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/notices/{notice}/objections")))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json::<Value>().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn each_office_uploads_its_seal_once() {
    let s = scenario().await;
    let r = reviewers(&s.app).await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR seal".to_vec();
    let upload = |token: String, bytes: Vec<u8>, name: &'static str| {
        let app = &s.app;
        async move {
            let form = reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            );
            let res = app
                .client
                .post(app.url("/api/v1/seal"))
                .bearer_auth(token)
                .multipart(form)
                .send()
                .await
                .unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (st, b) = upload(r.county.clone(), png.clone(), "资阳区科协章.png").await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert!(b["owner"].as_str().unwrap().starts_with("office:"));
    let (st, b) = upload(s.host.clone(), png.clone(), "公章.png").await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert!(b["owner"].as_str().unwrap().starts_with("unit:"));
    let (st, _) = upload(s.host.clone(), PDF_BYTES.to_vec(), "章.pdf").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "a seal is an image");
    let (st, _) = upload(s.society.clone(), png, "学会章.png").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}

const PDF_BYTES: &[u8] = crate::applications::PDF;
