//! Units, societies, experts and rounds over the API.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use stationhub_domain::account::Role;
use stationhub_domain::organisation::CreditCode;

use crate::helpers::{Link, PASSWORD, TestApp};

fn unit_body(name: &str, code_seed: u32, county: &str) -> Value {
    let code = CreditCode::complete(&format!("12430900MB{code_seed:07}")).unwrap();
    json!({
        "name": name, "credit_code": code.as_str(), "nature": "高校科协", "county": county,
        "legal_rep": "王校长", "address": "益阳市赫山区迎宾东路 518 号", "postcode": "413000",
        "contact_name": "李老师", "contact_phone": "0737-6353000", "contact_mobile": "13907370000",
        "fax": "0737-6353001", "email": "kx@hnust.example.cn", "qq_wechat": "hncu-kx",
        "registered_in_yiyang": true, "independent_legal_person": true,
        "has_funded_expert_workstation": false,
    })
}

fn society_body(name: &str) -> Value {
    json!({
        "name": name, "level": "municipal", "legal_rep": "周会长", "legal_rep_title": "会长",
        "legal_rep_mobile": "13807371111", "address": "益阳市", "postcode": "413000",
        "contact_name": "吴秘书", "contact_title": "秘书长", "contact_mobile": "13807372222",
        "phone_fax": "0737-4222222", "qq": "", "email": "yy@example.cn", "wechat": "",
        "description": "市级学会",
    })
}

#[tokio::test]
async fn city_cast_registers_units_and_every_bad_field_is_named() {
    let app = TestApp::spawn().await;
    app.user("city", Role::CityCast, Link::None).await;
    let city = app.token("city", PASSWORD).await;
    let (s, b) = app
        .post(
            "/api/v1/units",
            &city,
            unit_body("益阳城市学院科协", 1, "赫山区"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let id = b["id"].as_i64().unwrap();
    let (_, u) = app.get(&format!("/api/v1/units/{id}"), &city).await;
    assert_eq!(u["county"], "赫山区");
    assert_eq!(u["nature"], "高校科协");

    // The same credit code twice is a conflict with meaning.
    let (s, b) = app
        .post("/api/v1/units", &city, unit_body("重复单位", 1, "赫山区"))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("统一社会信用代码")
    );

    let mut bad = unit_body("某单位", 2, "赫山区");
    bad["credit_code"] = json!("91350100M000100Y44");
    bad["postcode"] = json!("41300");
    bad["contact_mobile"] = json!("02345678901");
    bad["email"] = json!("kx@");
    bad["nature"] = json!("房地产公司");
    let (s, b) = app.post("/api/v1/units", &city, bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = b["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "nature",
            "credit_code",
            "postcode",
            "contact_mobile",
            "email"
        ]
    );
    let (_, list) = app.get("/api/v1/units", &city).await;
    assert_eq!(list["total"], 1, "nothing saved");
}

#[tokio::test]
async fn a_host_unit_keeps_its_own_profile_only() {
    let app = TestApp::spawn().await;
    let mine = app.unit("我的单位科协", "资阳区").await;
    let other = app.unit("别人的单位科协", "资阳区").await;
    app.user("host", Role::HostUnit, Link::Unit(mine)).await;
    let host = app.token("host", PASSWORD).await;
    let mut body = unit_body("我的单位科协（更名）", 3, "资阳区");
    let (s, b) = app
        .send(
            Method::PUT,
            &format!("/api/v1/units/{mine}"),
            &host,
            body.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(
        app.store.unit(mine).await.unwrap().name,
        "我的单位科协（更名）"
    );
    body["credit_code"] = json!(CreditCode::complete("12430900MB0000004").unwrap().as_str());
    let (s, _) = app
        .send(Method::PUT, &format!("/api/v1/units/{other}"), &host, body)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&format!("/api/v1/units/{other}"), &host).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, list) = app.get("/api/v1/units", &host).await;
    assert_eq!(list["total"], 1);
    // A linked account registers no second unit.
    let (s, _) = app
        .post("/api/v1/units", &host, unit_body("第二家", 5, "资阳区"))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
}

#[tokio::test]
async fn an_unlinked_host_account_registers_its_unit_and_is_linked() {
    let app = TestApp::spawn().await;
    app.user("newhost", Role::HostUnit, Link::None).await;
    let t = app.token("newhost", PASSWORD).await;
    let (s, b) = app
        .post("/api/v1/units", &t, unit_body("新单位科协", 6, "南县"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (_, me) = app.get("/api/v1/me", &t).await;
    assert_eq!(me["unit_id"], b["id"]);
    assert_eq!(me["organisation"], "新单位科协");
}

#[tokio::test]
async fn county_officers_see_their_county_units() {
    let app = TestApp::spawn().await;
    app.unit("资阳一家", "资阳区").await;
    app.unit("赫山一家", "赫山区").await;
    app.user("zy-cast", Role::CountyCast, Link::County("资阳区"))
        .await;
    let t = app.token("zy-cast", PASSWORD).await;
    let (_, list) = app.get("/api/v1/units", &t).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["name"], "资阳一家");
}

#[tokio::test]
async fn societies_keep_their_roster() {
    let app = TestApp::spawn().await;
    app.user("city", Role::CityCast, Link::None).await;
    let city = app.token("city", PASSWORD).await;
    let (s, b) = app
        .post("/api/v1/societies", &city, society_body("益阳市农学会"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let sid = b["id"].as_i64().unwrap();
    app.user("soc", Role::Society, Link::Society(sid)).await;
    let soc = app.token("soc", PASSWORD).await;
    let expert = json!({"name": "黄教授", "title": "研究员", "specialty": "水稻育种", "employer": "湖南省农科院", "mobile": "13900001111"});
    let (s, b) = app
        .post(
            &format!("/api/v1/societies/{sid}/experts"),
            &soc,
            expert.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let eid = b["id"].as_i64().unwrap();
    let (s, b) = app
        .post(
            &format!("/api/v1/societies/{sid}/experts"),
            &soc,
            json!({"name": "", "mobile": "1"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["error"]["fields"].as_array().unwrap().len(), 5);

    // A host unit sees the roster without the experts' mobiles; the society sees them.
    let unit = app.unit("某公司科协", "安化县").await;
    app.user("host", Role::HostUnit, Link::Unit(unit)).await;
    let host = app.token("host", PASSWORD).await;
    let (_, r) = app
        .get(&format!("/api/v1/societies/{sid}/experts"), &host)
        .await;
    assert_eq!(r["items"][0]["name"], "黄教授");
    assert!(r["items"][0].get("mobile").is_none());
    let (_, r) = app
        .get(&format!("/api/v1/societies/{sid}/experts"), &soc)
        .await;
    assert_eq!(r["items"][0]["mobile"], "13900001111");
    // Only the society itself, city CAST or the administrator change the roster.
    let (s, _) = app
        .post(&format!("/api/v1/societies/{sid}/experts"), &host, expert)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .send(
            Method::DELETE,
            &format!("/api/v1/experts/{eid}"),
            &soc,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, r) = app
        .get(&format!("/api/v1/societies/{sid}/experts"), &soc)
        .await;
    assert_eq!(r["items"][0]["active"], false);
}

#[tokio::test]
async fn city_cast_opens_rounds_one_at_a_time_article_8() {
    let app = TestApp::builder().today("2026-03-10").spawn().await;
    app.user("city", Role::CityCast, Link::None).await;
    app.user("host", Role::HostUnit, Link::None).await;
    let city = app.token("city", PASSWORD).await;
    let host = app.token("host", PASSWORD).await;
    let round = json!({"name": "2026年学会服务站申报", "opens_on": "2026-03-01", "closes_on": "2026-04-30", "municipal_quota": 5});
    let (s, _) = app.post("/api/v1/rounds", &host, round.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, b) = app.post("/api/v1/rounds", &city, round).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = app
        .post(
            "/api/v1/rounds",
            &city,
            json!({"name": "重叠", "opens_on": "2026-04-01", "closes_on": "2026-05-30"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(b["error"]["article"], "第八条");
    let (s, b) = app
        .post("/api/v1/rounds", &city, json!({"name": "名额过多", "opens_on": "2028-03-01", "closes_on": "2028-04-30", "municipal_quota": 6}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(b["error"]["message"].as_str().unwrap().contains("第十二条"));
    let (_, list) = app.get("/api/v1/rounds", &host).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["open"], true);
    assert_eq!(list["items"][0]["municipal_quota"], 5);
}
