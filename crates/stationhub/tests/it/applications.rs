//! 申报 over the API: an application goes from draft to submitted; every eligibility rule
//! refuses with its article and saves nothing; visibility by unit, society and county.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use stationhub_domain::account::Role;

use crate::helpers::{Link, PASSWORD, TestApp};

pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
const MATERIALS: [&str; 4] = [
    "agreement",
    "performance_targets",
    "unit_intro_rules",
    "org_staff_list",
];

/// A city in March 2026 with a round open, a host unit in 资阳区, a provincial society with
/// five experts, and their users.
pub struct Scenario {
    pub app: TestApp,
    pub host: String,
    pub society: String,
    pub unit_id: i64,
    pub society_id: i64,
    pub round_id: i64,
    pub experts: Vec<i64>,
}

pub async fn scenario() -> Scenario {
    scenario_with(|_| {}).await
}

pub async fn scenario_with(
    unit: impl FnOnce(&mut stationhub_domain::organisation::UnitInput),
) -> Scenario {
    let app = TestApp::builder().today("2026-03-10").spawn().await;
    let unit_id = app
        .unit_with("益阳智能装备有限公司科协", "资阳区", unit)
        .await;
    let society_id = app.society("湖南省机械工程学会").await;
    let experts = app.experts(society_id, 5).await;
    let round_id = app.round("2026-03-01", "2026-04-30").await;
    app.user("host", Role::HostUnit, Link::Unit(unit_id)).await;
    app.user("soc", Role::Society, Link::Society(society_id))
        .await;
    let host = app.token("host", PASSWORD).await;
    let society = app.token("soc", PASSWORD).await;
    Scenario {
        app,
        host,
        society,
        unit_id,
        society_id,
        round_id,
        experts,
    }
}

impl Scenario {
    pub fn body(&self) -> Value {
        json!({
            "round_id": self.round_id,
            "unit_id": self.unit_id,
            "society_id": self.society_id,
            "station_name": "湖南省机械工程学会益阳智能装备学会服务站",
            "level": "provincial",
            "industry": "装备制造",
            "unit_overview": "公司成立于2008年，员工620人。\n\n拥有省级企业技术中心。",
            "industry_overview": "益阳装备制造产业规模约300亿元。",
            "society_overview": "学会会员1.2万人，长期服务装备制造。",
            "work_plan": "围绕智能装备开展技术攻关、人才培养与成果转化。",
            "term_years": 2,
            "expert_ids": self.experts,
            "staff": [{"name": "刘建国", "mobile": "13807370001"}],
        })
    }

    /// A draft with every field filled.
    pub async fn draft(&self) -> i64 {
        self.draft_with(self.body()).await
    }

    pub async fn draft_with(&self, body: Value) -> i64 {
        let (s, b) = self
            .app
            .post("/api/v1/applications", &self.host, body)
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        assert_eq!(b["state"], "draft");
        b["id"].as_i64().unwrap()
    }

    pub async fn upload(
        &self,
        id: i64,
        kind: &str,
        name: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        let form = reqwest::multipart::Form::new()
            .text("kind", kind.to_string())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
            );
        let res = self
            .app
            .client
            .post(self.app.url(&format!("/api/v1/applications/{id}/files")))
            .bearer_auth(&self.host)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn upload_all(&self, id: i64) {
        for kind in MATERIALS {
            let (s, b) = self
                .upload(id, kind, &format!("{kind}.pdf"), PDF.to_vec())
                .await;
            assert_eq!(s, StatusCode::CREATED, "{b}");
        }
    }

    pub async fn confirm(&self, id: i64) {
        let (s, b) = self
            .app
            .post(
                &format!("/api/v1/applications/{id}/confirmation-request"),
                &self.host,
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let (s, b) = self
            .app
            .post(
                &format!("/api/v1/applications/{id}/confirmation"),
                &self.society,
                json!({"opinion": "同意合作"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }

    /// A complete application: every field, the four materials, confirmed by the society.
    pub async fn ready(&self) -> i64 {
        let id = self.draft().await;
        self.upload_all(id).await;
        self.confirm(id).await;
        id
    }

    pub async fn submit(&self, id: i64, body: Value) -> (StatusCode, Value) {
        self.app
            .post(
                &format!("/api/v1/applications/{id}/submit"),
                &self.host,
                body,
            )
            .await
    }

    /// Submits and expects a refusal citing `article` for `code`; checks nothing changed.
    pub async fn refused(&self, id: i64, code: &str, article: &str) -> Value {
        let before = self
            .app
            .get(&format!("/api/v1/applications/{id}"), &self.host)
            .await
            .1;
        let (s, b) = self.submit(id, json!({})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{b}");
        let violations = b["error"]["violations"]
            .as_array()
            .expect("violations listed");
        let v = violations
            .iter()
            .find(|v| v["code"] == code)
            .unwrap_or_else(|| panic!("no {code} in {b}"));
        assert_eq!(v["article"], article, "{v}");
        assert!(b["error"]["article"].is_string());
        let after = self
            .app
            .get(&format!("/api/v1/applications/{id}"), &self.host)
            .await
            .1;
        assert_eq!(
            after["state"], "draft",
            "a refused submission changes nothing"
        );
        assert_eq!(after["submitted_at"], Value::Null);
        assert_eq!(after["version"], before["version"]);
        b
    }
}

#[tokio::test]
async fn a_complete_application_goes_from_draft_to_county_review() {
    let s = scenario().await;
    let id = s.ready().await;
    let (st, b) = s
        .app
        .get(&format!("/api/v1/applications/{id}/check"), &s.host)
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(b["eligible"], true, "{b}");
    let (st, b) = s.submit(id, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "county_review");
    let (_, a) = s
        .app
        .get(&format!("/api/v1/applications/{id}"), &s.host)
        .await;
    assert_eq!(a["state"], "county_review");
    assert!(a["submitted_at"].is_string());
    assert_eq!(
        a["unit_overview"], "公司成立于2008年，员工620人。\n\n拥有省级企业技术中心。",
        "paragraphs kept"
    );
    assert_eq!(a["experts"].as_array().unwrap().len(), 5);
    assert_eq!(a["files"].as_array().unwrap().len(), 4);
    let actions: Vec<&str> = a["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["create", "confirmation_requested", "confirm", "submit"]
    );
    // Submitting again is a conflict, not a second step.
    let (st, _) = s.submit(id, json!({})).await;
    assert_eq!(st, StatusCode::CONFLICT);
    // The audit log has the submission.
    let admin = s.app.admin().await;
    let (_, log) = s
        .app
        .get("/api/v1/audit?action=application.submit", &admin)
        .await;
    assert_eq!(log["total"], 1);
}

#[tokio::test]
async fn an_enterprise_cast_may_submit_straight_to_city_cast() {
    let s = scenario().await;
    let id = s.ready().await;
    let (st, b) = s.submit(id, json!({"route": "direct"})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "city_review");
}

#[tokio::test]
async fn a_park_cast_may_not_go_direct_article_8() {
    let s = scenario_with(|u| u.nature = "园区科协".into()).await;
    let id = s.ready().await;
    let (st, b) = s.submit(id, json!({"route": "direct"})).await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(b["error"]["article"], "第八条");
    assert_eq!(b["error"]["code"], "direct_route_not_allowed");
    // Through its county it goes.
    let (st, b) = s.submit(id, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
}

#[tokio::test]
async fn outside_an_open_round_nothing_is_submitted_article_8() {
    let s = scenario().await;
    let closed = s.app.round("2025-01-01", "2025-02-28").await;
    let mut body = s.body();
    body["round_id"] = json!(closed);
    let id = s.draft_with(body).await;
    s.upload_all(id).await;
    s.confirm(id).await;
    s.refused(id, "round_closed", "第八条").await;
}

#[tokio::test]
async fn the_level_must_suit_the_host_article_5() {
    let s = scenario_with(|u| u.nature = "高校科协".into()).await;
    let mut body = s.body();
    body["level"] = json!("municipal");
    let id = s.draft_with(body).await;
    s.upload_all(id).await;
    s.confirm(id).await;
    s.refused(id, "level_host_mismatch", "第五条").await;
}

#[tokio::test]
async fn the_society_level_must_match_article_7() {
    let s = scenario().await;
    let mut body = s.body();
    body["level"] = json!("municipal");
    let id = s.draft_with(body).await;
    s.upload_all(id).await;
    s.confirm(id).await;
    s.refused(id, "society_level_mismatch", "第七条").await;
}

#[tokio::test]
async fn the_host_must_be_registered_in_yiyang_article_7_2() {
    let s = scenario_with(|u| u.registered_in_yiyang = false).await;
    let id = s.ready().await;
    s.refused(id, "not_registered_in_yiyang", "第七条（二）")
        .await;
}

#[tokio::test]
async fn the_host_must_be_an_independent_legal_person_article_7_2() {
    let s = scenario_with(|u| u.independent_legal_person = false).await;
    let id = s.ready().await;
    s.refused(id, "not_independent_legal_person", "第七条（二）")
        .await;
}

#[tokio::test]
async fn five_experts_are_needed_article_7_6() {
    let s = scenario().await;
    let mut body = s.body();
    body["expert_ids"] = json!(&s.experts[..4]);
    let id = s.draft_with(body).await;
    s.upload_all(id).await;
    s.confirm(id).await;
    let b = s.refused(id, "too_few_experts", "第七条（六）").await;
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("现为 4 人")
    );
}

#[tokio::test]
async fn experts_of_another_society_do_not_count_article_7_6() {
    let s = scenario().await;
    let other = s.app.society("湖南省农学会").await;
    let outsider = s.app.experts(other, 1).await;
    let mut body = s.body();
    let mut ids = s.experts[..4].to_vec();
    ids.extend(outsider);
    body["expert_ids"] = json!(ids);
    let id = s.draft_with(body).await;
    s.upload_all(id).await;
    s.confirm(id).await;
    s.refused(id, "expert_not_of_society", "第七条（六）").await;
}

#[tokio::test]
async fn one_staff_member_is_needed_article_7_6() {
    let s = scenario().await;
    let mut body = s.body();
    body["staff"] = json!([]);
    let id = s.draft_with(body).await;
    s.upload_all(id).await;
    s.confirm(id).await;
    s.refused(id, "too_few_staff", "第七条（六）").await;
}

#[tokio::test]
async fn another_term_needs_a_reason_article_7_3() {
    let s = scenario().await;
    let mut body = s.body();
    body["term_years"] = json!(3);
    let id = s.draft_with(body.clone()).await;
    s.upload_all(id).await;
    s.confirm(id).await;
    s.refused(id, "term_without_reason", "第七条（三）").await;
    body["term_reason"] = json!("企业技改周期为三年，经双方协商一致");
    body["version"] = s
        .app
        .get(&format!("/api/v1/applications/{id}"), &s.host)
        .await
        .1["version"]
        .clone();
    let (st, b) = s
        .app
        .send(
            Method::PUT,
            &format!("/api/v1/applications/{id}"),
            &s.host,
            body,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(s.submit(id, json!({})).await.0, StatusCode::OK);
}

#[tokio::test]
async fn one_society_one_station_names_the_first_article_7_7() {
    let s = scenario().await;
    let first = s.ready().await;
    assert_eq!(s.submit(first, json!({})).await.0, StatusCode::OK);
    // A second unit applies with the same society.
    let other_unit = s.app.unit("益阳另一家公司科协", "赫山区").await;
    s.app
        .user("host2", Role::HostUnit, Link::Unit(other_unit))
        .await;
    let host2 = s.app.token("host2", PASSWORD).await;
    let mut body = s.body();
    body["unit_id"] = json!(other_unit);
    body["station_name"] = json!("第二个服务站");
    let (st, b) = s.app.post("/api/v1/applications", &host2, body).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let second = b["id"].as_i64().unwrap();
    let s2 = Scenario { host: host2, ..s };
    s2.upload_all(second).await;
    s2.confirm(second).await;
    let b = s2
        .refused(second, "society_has_station", "第七条（七）")
        .await;
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("湖南省机械工程学会益阳智能装备学会服务站"),
        "{b}"
    );
}

#[tokio::test]
async fn a_funded_expert_workstation_may_apply_for_national_only_article_7_7() {
    let s = scenario_with(|u| u.has_funded_expert_workstation = true).await;
    let id = s.ready().await;
    s.refused(id, "funded_workstation_national_only", "第七条（七）")
        .await;
}

#[tokio::test]
async fn the_four_materials_are_required_article_9() {
    let s = scenario().await;
    let id = s.draft().await;
    let (st, _) = s.upload(id, "agreement", "协议.pdf", PDF.to_vec()).await;
    assert_eq!(st, StatusCode::CREATED);
    s.confirm(id).await;
    let b = s.refused(id, "material_missing", "第九条").await;
    let missing = b["error"]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["code"] == "material_missing")
        .count();
    assert_eq!(missing, 3);
}

#[tokio::test]
async fn the_society_must_confirm_first_and_a_new_team_voids_it_article_7() {
    let s = scenario().await;
    let id = s.draft().await;
    s.upload_all(id).await;
    s.refused(id, "society_not_confirmed", "第七条").await;
    s.confirm(id).await;
    // Changing the expert team voids the confirmation.
    let extra = s.app.experts(s.society_id, 1).await;
    let mut body = s.body();
    let mut ids = s.experts.clone();
    ids.extend(extra);
    body["expert_ids"] = json!(ids);
    let (st, _) = s
        .app
        .send(
            Method::PUT,
            &format!("/api/v1/applications/{id}"),
            &s.host,
            body,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    s.refused(id, "society_not_confirmed", "第七条").await;
}

#[tokio::test]
async fn an_incomplete_form_lists_every_missing_field() {
    let s = scenario().await;
    let id = s
        .draft_with(json!({"round_id": s.round_id, "society_id": s.society_id, "level": "provincial", "industry": "装备制造"}))
        .await;
    let (_, b) = s
        .app
        .get(&format!("/api/v1/applications/{id}/check"), &s.host)
        .await;
    assert_eq!(b["eligible"], false);
    let codes: Vec<(&str, &str)> = b["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["field"].as_str().unwrap(), v["article"].as_str().unwrap()))
        .collect();
    for field in [
        "station_name",
        "unit_overview",
        "work_plan",
        "expert_ids",
        "staff",
        "agreement",
    ] {
        assert!(
            codes.iter().any(|(f, _)| *f == field),
            "{field} in {codes:?}"
        );
    }
    assert!(codes.iter().any(|(_, a)| *a == "第九条（一）"));
}

#[tokio::test]
async fn malformed_fields_are_refused_all_at_once_with_422() {
    let s = scenario().await;
    let mut body = s.body();
    body["level"] = json!("county");
    body["industry"] = json!("房地产");
    body["staff"] = json!([{"name": "刘建国", "mobile": "123"}]);
    let (st, b) = s.app.post("/api/v1/applications", &s.host, body).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = b["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["level", "industry", "staff.0"]);
}

#[tokio::test]
async fn uploads_are_recognised_by_content_and_limited_to_20_mb() {
    let s = scenario().await;
    let id = s.draft().await;
    let (st, b) = s
        .upload(
            id,
            "agreement",
            "协议.pdf",
            b"MZ\x90\x00 this is an exe".to_vec(),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b["error"]["message"].as_str().unwrap().contains("只接受"));
    let mut big = PDF.to_vec();
    big.resize(20 * 1024 * 1024 + 1, b' ');
    let (st, b) = s.upload(id, "agreement", "协议.pdf", big).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{b}");
    let (st, b) = s.upload(id, "no_such_kind", "a.pdf", PDF.to_vec()).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    // A good one, under a hostile name, downloads as an attachment with its bytes.
    let (st, b) = s
        .upload(id, "agreement", "../../etc/合作协议.pdf", PDF.to_vec())
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let file_id = b["id"].as_i64().unwrap();
    let (_, a) = s
        .app
        .get(&format!("/api/v1/applications/{id}"), &s.host)
        .await;
    assert_eq!(a["files"][0]["filename"], "合作协议.pdf");
    let res = s
        .app
        .client
        .get(s.app.url(&format!("/api/v1/files/{file_id}")))
        .bearer_auth(&s.host)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
}

#[tokio::test]
async fn who_may_read_an_application() {
    let s = scenario().await;
    let id = s.ready().await;
    let path = format!("/api/v1/applications/{id}");
    let other_unit = s.app.unit("别家公司科协", "资阳区").await;
    for (name, role, link) in [
        ("other-host", Role::HostUnit, Link::Unit(other_unit)),
        ("zy-cast", Role::CountyCast, Link::County("资阳区")),
        ("hs-cast", Role::CountyCast, Link::County("赫山区")),
        ("hs-talent", Role::CountyTalent, Link::County("赫山区")),
        ("city", Role::CityCast, Link::None),
        ("auditor", Role::Supervisor, Link::None),
        ("admin", Role::Admin, Link::None),
    ] {
        s.app.user(name, role, link).await;
    }
    let mut tokens = std::collections::HashMap::new();
    for n in [
        "other-host",
        "zy-cast",
        "hs-cast",
        "hs-talent",
        "city",
        "auditor",
        "admin",
    ] {
        tokens.insert(n, s.app.token(n, PASSWORD).await);
    }
    let t = |n: &str| tokens[n].clone();
    // A draft: its unit and (once asked) its society only.
    for n in ["other-host", "zy-cast", "city", "admin"] {
        assert_eq!(
            s.app.get(&path, &t(n)).await.0,
            StatusCode::NOT_FOUND,
            "{n} on a draft"
        );
    }
    assert_eq!(s.app.get(&path, &s.society).await.0, StatusCode::OK);
    assert_eq!(s.submit(id, json!({})).await.0, StatusCode::OK);
    for n in ["zy-cast", "city", "auditor"] {
        assert_eq!(s.app.get(&path, &t(n)).await.0, StatusCode::OK, "{n}");
    }
    for n in ["other-host", "hs-cast", "hs-talent", "admin"] {
        assert_eq!(
            s.app.get(&path, &t(n)).await.0,
            StatusCode::NOT_FOUND,
            "{n}"
        );
        let (_, list) = s.app.get("/api/v1/applications", &t(n)).await;
        assert_eq!(list["total"], 0, "{n} lists nothing");
    }
    // Nor may anyone but the host change it.
    let (st, _) = s.app.send(Method::PUT, &path, &t("city"), s.body()).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn lists_search_and_filter() {
    let s = scenario().await;
    let id = s.ready().await;
    s.submit(id, json!({})).await;
    s.app.user("city", Role::CityCast, Link::None).await;
    let city = s.app.token("city", PASSWORD).await;
    let total = async |q: String| {
        s.app
            .get(&format!("/api/v1/applications?{q}"), &city)
            .await
            .1["total"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(total("".into()).await, 1);
    assert_eq!(
        total("q=%E6%99%BA%E8%83%BD".into()).await,
        1,
        "by station or unit name (智能)"
    );
    assert_eq!(
        total("q=%E6%9C%BA%E6%A2%B0%E5%B7%A5%E7%A8%8B".into()).await,
        1,
        "by society name (机械工程)"
    );
    assert_eq!(total("q=nothing-like-this".into()).await, 0);
    assert_eq!(total("state=county_review".into()).await, 1);
    assert_eq!(total("state=draft".into()).await, 0);
    assert_eq!(
        total("county=%E8%B5%84%E9%98%B3%E5%8C%BA".into()).await,
        1,
        "资阳区"
    );
    assert_eq!(total("county=%E5%8D%97%E5%8E%BF".into()).await, 0, "南县");
    assert_eq!(total("level=provincial".into()).await, 1);
    assert_eq!(total("level=municipal".into()).await, 0);
    assert_eq!(total(format!("round={}", s.round_id)).await, 1);
    let (st, b) = s.app.get("/api/v1/applications?state=bogus", &city).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
}

#[tokio::test]
async fn a_stale_form_is_refused() {
    let s = scenario().await;
    let id = s.draft().await;
    let mut body = s.body();
    body["version"] = json!(1);
    let (st, _) = s
        .app
        .send(
            Method::PUT,
            &format!("/api/v1/applications/{id}"),
            &s.host,
            body.clone(),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, b) = s
        .app
        .send(
            Method::PUT,
            &format!("/api/v1/applications/{id}"),
            &s.host,
            body,
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("已被他人处理")
    );
}
