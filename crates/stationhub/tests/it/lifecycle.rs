//! After the term and changes of a station (第十三条、第十四条), files of the activity log and
//! of the annual reports, and the fund overview, over the API and on the pages.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::applications::{PDF, Scenario};
use crate::helpers::{Link, PASSWORD, csrf_of};
use crate::stations::awarded;

async fn upload(
    s: &Scenario,
    path: &str,
    token: &str,
    name: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()),
    );
    let res = s
        .app
        .client
        .post(s.app.url(path))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn status_of(s: &Scenario, station: i64) -> Value {
    let (st, b) = s
        .app
        .get(&format!("/api/v1/stations/{station}"), &s.host)
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    b["status"].clone()
}

async fn public_total(s: &Scenario) -> Value {
    s.app
        .client
        .get(s.app.url("/api/v1/stations"))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["total"]
        .clone()
}

#[tokio::test]
async fn a_revocation_needs_the_written_request_and_city_casts_decision() {
    let (s, r, station) = awarded("provincial", "2026-06-01").await;
    // Bad input: every missing field at once, nothing recorded.
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/requests"),
            &s.host,
            json!({"kind": "merge", "reason": " "}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let fields: Vec<&str> = b["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["reason", "target_station_id"], "{b}");
    // City CAST does not request; it decides.
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/requests"),
            &r.city,
            json!({"kind": "revoke", "reason": "企业转产"}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["error"]["article"], "第十四条");

    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/requests"),
            &s.host,
            json!({"kind": "revoke", "reason": "建站单位转产，已无服务需求"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let rid = b["id"].as_i64().unwrap();
    // One request at a time.
    let (st, _) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/requests"),
            &s.society,
            json!({"kind": "revoke", "reason": "再次申请"}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    // Pending for city CAST.
    let (_, pending) = s.app.get("/api/v1/station-requests", &r.city).await;
    assert_eq!(pending[0]["id"], rid, "{pending}");
    assert_eq!(pending[0]["kind_label"], "撤销");
    let (st, _) = s.app.get("/api/v1/station-requests", &s.host).await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // No written request yet: approval refused, citing 第十四条.
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/station-requests/{rid}/decision"),
            &r.city,
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["error"]["code"], "letter_missing");
    assert_eq!(b["error"]["article"], "第十四条");
    assert_eq!(status_of(&s, station).await, "active");
    // A file that is not a PDF or an image is refused.
    let (st, _) = upload(
        &s,
        &format!("/api/v1/stations/{station}/requests/{rid}/files"),
        &s.host,
        "letter.exe",
        b"MZ\x90\x00 not a letter",
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, b) = upload(
        &s,
        &format!("/api/v1/stations/{station}/requests/{rid}/files"),
        &s.host,
        "书面申请.pdf",
        PDF,
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    // Only city CAST decides.
    let (st, _) = s
        .app
        .post(
            &format!("/api/v1/station-requests/{rid}/decision"),
            &r.office,
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(public_total(&s).await, 1);
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/station-requests/{rid}/decision"),
            &r.city,
            json!({"decision": "approve", "reason": "同意撤销"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "approved");
    assert_eq!(status_of(&s, station).await, "revoked");
    assert_eq!(
        public_total(&s).await,
        0,
        "a revoked station is off the public list"
    );
    // Decided once.
    let (st, _) = s
        .app
        .post(
            &format!("/api/v1/station-requests/{rid}/decision"),
            &r.city,
            json!({"decision": "decline", "reason": "重复"}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    // A revoked station logs nothing more and requests nothing more.
    let (st, _) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/requests"),
            &s.host,
            json!({"kind": "reorganise", "reason": "重组"}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    // The trail: the request, the letter, the decision and the station's change.
    let admin = s.app.admin().await;
    let (_, audit) = s
        .app
        .get("/api/v1/audit?entity=station_request&per_page=100", &admin)
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap_or(""))
        .collect();
    for a in [
        "station.request",
        "station.request_letter",
        "station.request_decision",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}

#[tokio::test]
async fn a_merge_goes_into_a_running_station_and_a_reorganisation_renames() {
    let (s, r, station) = awarded("provincial", "2026-06-01").await;
    let other = second_station(&s, station).await;
    // Merge into itself: refused.
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/requests"),
            &s.society,
            json!({"kind": "merge", "reason": "合并", "target_station_id": station}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    // Merge into a station that does not exist: refused.
    let (st, _) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/requests"),
            &s.society,
            json!({"kind": "merge", "reason": "合并", "target_station_id": 999_999}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    // The society asks to reorganise under a new name; declined needs a reason.
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/requests"),
            &s.society,
            json!({"kind": "reorganise", "reason": "与市智能制造学会重组", "new_name": "益阳智能制造学会服务站"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let rid = b["id"].as_i64().unwrap();
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/station-requests/{rid}/decision"),
            &r.city,
            json!({"decision": "decline"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (st, _) = upload(
        &s,
        &format!("/api/v1/stations/{station}/requests/{rid}/files"),
        &s.society,
        "letter.pdf",
        PDF,
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/station-requests/{rid}/decision"),
            &r.city,
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (_, one) = s
        .app
        .get(&format!("/api/v1/stations/{station}"), &s.host)
        .await;
    assert_eq!(
        one["status"], "active",
        "a reorganised station keeps running"
    );
    assert_eq!(one["name"], "益阳智能制造学会服务站", "{one}");
    let (_, list) = s
        .app
        .get(&format!("/api/v1/stations/{station}/requests"), &s.host)
        .await;
    assert_eq!(list[0]["state"], "approved");

    // Then it merges into the other running station.
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/requests"),
            &s.host,
            json!({"kind": "merge", "reason": "并入同产业链服务站", "target_station_id": other}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let rid = b["id"].as_i64().unwrap();
    upload(
        &s,
        &format!("/api/v1/stations/{station}/requests/{rid}/files"),
        &s.host,
        "letter.pdf",
        PDF,
    )
    .await;
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/station-requests/{rid}/decision"),
            &r.city,
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["target_station_name"], "益阳电子信息学会服务站");
    assert_eq!(status_of(&s, station).await, "merged");
    let (_, o) = s
        .app
        .get(&format!("/api/v1/stations/{other}"), &r.city)
        .await;
    assert_eq!(
        o["status"], "active",
        "the station merged into keeps running"
    );
}

/// A second running station (another society's), recorded straight in the database: the way
/// it was awarded is not what these tests are about.
async fn second_station(s: &Scenario, first: i64) -> i64 {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    use stationhub_storage::entity::{application, station};
    let soc = s.app.society_with("益阳市电子学会", "municipal").await;
    let f = station::Entity::find_by_id(first)
        .one(s.app.store.db())
        .await
        .unwrap()
        .unwrap();
    let a = application::Entity::find_by_id(f.application_id)
        .one(s.app.store.db())
        .await
        .unwrap()
        .unwrap();
    let a2 = application::ActiveModel {
        id: sea_orm::NotSet,
        society_id: Set(soc),
        station_name: Set("益阳电子信息学会服务站".into()),
        ..a.into()
    }
    .insert(s.app.store.db())
    .await
    .unwrap();
    station::ActiveModel {
        id: sea_orm::NotSet,
        application_id: Set(a2.id),
        society_id: Set(soc),
        name: Set("益阳电子信息学会服务站".into()),
        document_number: Set("益人才办〔2026〕99号".into()),
        ..f.into()
    }
    .insert(s.app.store.db())
    .await
    .unwrap()
    .id
}

#[tokio::test]
async fn renewal_follows_a_passing_term_end_and_is_reviewed_like_a_new_application() {
    let (mut s, r, station) = awarded("provincial", "2027-02-20").await;
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/renewal"),
            &s.host,
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["error"]["code"], "renewal_before_term_end_pass");
    assert_eq!(b["error"]["article"], "第十三条");
    for (date, year) in [("2027-02-20", 1), ("2028-02-20", 2)] {
        s.app.travel_to(date).await;
        let (st, b) = s
            .app
            .post(
                &format!("/api/v1/stations/{station}/assessments"),
                &r.city,
                json!({"year": year, "score": 80, "opinion": "合格"}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
    }
    // No round open in 2028 yet: the renewal waits for one (第八条).
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/renewal"),
            &s.host,
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["error"]["code"], "no_open_round");
    s.app.round("2028-02-01", "2028-04-30").await;
    // Only the host unit applies.
    let (st, _) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/renewal"),
            &s.society,
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/renewal"),
            &s.host,
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let id = b["id"].as_i64().unwrap();
    let (_, a) = s
        .app
        .get(&format!("/api/v1/applications/{id}"), &s.host)
        .await;
    assert_eq!(a["state"], "draft");
    assert_eq!(a["level"], "provincial");
    assert_eq!(a["experts"].as_array().unwrap().len(), 5, "{a}");
    assert_eq!(a["renewal_of"], station);
    assert!(
        !a["unit_overview"].as_str().unwrap_or("").is_empty(),
        "pre-filled: {a}"
    );
    let (st, _) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/renewal"),
            &s.host,
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "once");
    // Reviewed like a new one; the society's own station does not count against it
    // (第七条（七）).
    s.upload_all(id).await;
    s.confirm(id).await;
    let (st, b) = s.submit(id, json!({"route": "direct"})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    for (t, action) in [(&r.city, "propose"), (&r.office, "approve")] {
        let (st, b) = s
            .app
            .post(
                &format!("/api/v1/applications/{id}/decisions"),
                t,
                json!({"action": action, "opinion": "同意继续运行"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}");
    }
    let (st, b) = s
        .app
        .post(
            "/api/v1/notices",
            &r.city,
            json!({"application_ids": [id], "starts_on": "2028-02-21", "assume_plain_weekends": true}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    s.app.travel_to("2028-03-10").await;
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/applications/{id}/award"),
            &r.office,
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let new_station = b["station_id"].as_i64().unwrap();
    assert_ne!(new_station, station);
    assert_eq!(status_of(&s, station).await, "renewed");
    assert_eq!(status_of(&s, new_station).await, "active");
}

#[tokio::test]
async fn a_term_end_fail_allows_no_renewal() {
    let (mut s, r, station) = awarded("provincial", "2028-02-20").await;
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/assessments"),
            &r.city,
            json!({"year": 2, "score": 40, "opinion": "不合格"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    s.app.round("2028-02-01", "2028-04-30").await;
    s.app.travel_to("2028-02-21").await;
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/renewal"),
            &s.host,
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["error"]["article"], "第十三条");
}

#[tokio::test]
async fn activities_and_reports_carry_files() {
    let (s, r, station) = awarded("provincial", "2026-06-01").await;
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/activities"),
            &s.host,
            json!({"kind": "training", "date": "2026-05-20", "attendance": 55, "title": "数控培训"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let aid = b["id"].as_i64().unwrap();
    let (st, b) = upload(
        &s,
        &format!("/api/v1/stations/{station}/activities/{aid}/files"),
        &s.society,
        "签到表.pdf",
        PDF,
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let fid = b["id"].as_i64().unwrap();
    let (_, acts) = s
        .app
        .get(&format!("/api/v1/stations/{station}/activities"), &s.host)
        .await;
    assert_eq!(acts["items"][0]["file_id"], fid, "{acts}");
    // Whoever sees the station downloads it; city CAST cannot upload to the log.
    let res = s
        .app
        .client
        .get(s.app.url(&format!("/api/v1/files/{fid}")))
        .bearer_auth(&r.city)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
    let (st, _) = upload(
        &s,
        &format!("/api/v1/stations/{station}/activities/{aid}/files"),
        &r.city,
        "x.pdf",
        PDF,
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // A correction keeps the sheet.
    let (st, b) = s
        .app
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/activities/{aid}"),
            &s.host,
            json!({"kind": "training", "date": "2026-05-20", "attendance": 56, "title": "数控培训"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (_, acts) = s
        .app
        .get(&format!("/api/v1/stations/{station}/activities"), &s.host)
        .await;
    assert_eq!(acts["items"][0]["attendance"], 56);
    assert_eq!(acts["items"][0]["file_id"], fid, "{acts}");

    // The plan of year 1 with its file.
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/reports"),
            &s.host,
            json!({"year": 1, "kind": "plan", "body": "年度工作计划"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let rid = b["id"].as_i64().unwrap();
    let (st, b) = upload(
        &s,
        &format!("/api/v1/stations/{station}/reports/{rid}/files"),
        &s.host,
        "计划.pdf",
        PDF,
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let (_, reports) = s
        .app
        .get(&format!("/api/v1/stations/{station}/reports"), &s.host)
        .await;
    let plan = reports
        .as_array()
        .or_else(|| reports["items"].as_array())
        .unwrap()
        .iter()
        .find(|r| r["year"] == 1 && r["kind"] == "plan")
        .cloned()
        .unwrap();
    assert_eq!(plan["filed"]["file_id"], b["id"], "{plan}");
}

#[tokio::test]
async fn the_fund_overview_sums_every_station_by_year_and_category() {
    let (mut s, r, station) = awarded("municipal", "2027-02-20").await;
    let (_, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/assessments"),
            &r.city,
            json!({"year": 1, "score": 80, "opinion": "合格"}),
        )
        .await;
    let grant = b["grant_id"].as_i64().unwrap();
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/grants/{grant}/payment"),
            &r.city,
            json!({"paid_on": "2027-02-20"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    s.app.travel_to("2027-03-01").await;
    for (category, fen) in [("专家差旅费", 123_456), ("培训费", 200_000)] {
        let (st, b) = s
            .app
            .post(
                &format!("/api/v1/stations/{station}/expenses"),
                &s.host,
                json!({"category": category, "amount_fen": fen, "spent_on": "2027-03-01", "note": "x"}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
    }
    for who in [&r.city, &r.office] {
        let (st, o) = s.app.get("/api/v1/funds", who).await;
        assert_eq!(st, StatusCode::OK, "{o}");
        assert_eq!(o["totals"]["grants_paid"], 5_000_000);
        assert_eq!(o["totals"]["expenses"], 323_456);
        assert_eq!(o["balance_fen"], 5_000_000 - 323_456);
        assert_eq!(o["rows"][0]["vouchers_missing"], 2);
        let cats = o["by_category"].as_array().unwrap();
        assert_eq!(cats[0]["category"], "专家差旅费", "policy order");
        assert_eq!(cats[0]["amount_fen"], 123_456);
        assert_eq!(o["by_year"][0]["year"], 2027);
    }
    // Another year holds nothing.
    let (_, o) = s.app.get("/api/v1/funds?year=2026", &r.city).await;
    assert_eq!(o["totals"]["grants_paid"], 0);
    // A supervisor sees it; a host unit does not.
    s.app
        .user(
            "audit1",
            stationhub_domain::account::Role::Supervisor,
            Link::None,
        )
        .await;
    let sup = s.app.token("audit1", PASSWORD).await;
    let (st, _) = s.app.get("/api/v1/funds", &sup).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = s.app.get("/api/v1/funds", &s.host).await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // The page reads the same figures in yuan.
    let web = s.app.browser();
    let login = web
        .get(s.app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = web
        .post(s.app.url("/login"))
        .form(&[
            ("username", "audit1"),
            ("password", PASSWORD),
            ("csrf_token", &csrf_of(&login)),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success() || res.status().is_redirection());
    let html = web
        .get(s.app.url("/funds"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("50,000.00"), "{html}");
    assert!(html.contains("3,234.56"), "{html}");
    assert!(html.contains("46,765.44"), "{html}");
}

#[tokio::test]
async fn the_host_asks_for_revocation_on_the_station_page() {
    let (s, _r, station) = awarded("provincial", "2026-06-01").await;
    let web = s.app.browser();
    let login = web
        .get(s.app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    web.post(s.app.url("/login"))
        .form(&[
            ("username", "host"),
            ("password", PASSWORD),
            ("csrf_token", &csrf_of(&login)),
        ])
        .send()
        .await
        .unwrap();
    let page = web
        .get(s.app.url(&format!("/stations/{station}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("合并、重组、撤销（第十四条）"), "{page}");
    assert!(
        page.contains("合作期满考核合格后方可申请继续运行"),
        "{page}"
    );
    let csrf = csrf_of(&page);
    // No reason: refused beside its field, with what was typed kept.
    let res = web
        .post(s.app.url(&format!("/stations/{station}/requests")))
        .form(&[
            ("kind", "revoke"),
            ("reason", ""),
            ("new_name", "保留"),
            ("csrf_token", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"request-reason-error\""), "{html}");
    let res = web
        .post(s.app.url(&format!("/stations/{station}/requests")))
        .form(&[
            ("kind", "revoke"),
            ("reason", "企业转产"),
            ("csrf_token", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = web
        .get(s.app.url(&format!("/stations/{station}?flash=request")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("申请已提交"), "{html}");
    assert!(html.contains("待市科协决定"), "{html}");
}
