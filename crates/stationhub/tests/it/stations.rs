//! Running a station over the API: indicators at their thresholds, the quarterly rule,
//! assessments and their consequences, grants, expenses and recovery.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::applications::{Scenario, scenario};
use crate::review::{Reviewers, reviewers};

/// A station of `level` awarded on 2026-03-18 (term to 2028-03-17), with "today" moved to
/// `today`.
pub async fn awarded(level: &str, today: &str) -> (Scenario, Reviewers, i64) {
    let mut s = scenario().await;
    let r = reviewers(&s.app).await;
    if level != "provincial" {
        let soc = s.app.society_with("益阳市机械工程学会", level).await;
        s.society_id = soc;
        s.experts = s.app.experts(soc, 5).await;
        s.app
            .user(
                "soc2",
                stationhub_domain::account::Role::Society,
                crate::helpers::Link::Society(soc),
            )
            .await;
        s.society = s.app.token("soc2", crate::helpers::PASSWORD).await;
    }
    let mut body = s.body();
    body["level"] = json!(level);
    let id = s.draft_with(body).await;
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
                json!({"action": action, "opinion": "同意"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}");
    }
    let (st, b) = s
        .app
        .post(
            "/api/v1/notices",
            &r.city,
            json!({"application_ids": [id], "starts_on": "2026-03-11"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    s.app.travel_to("2026-03-18").await;
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/applications/{id}/award"),
            &r.office,
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let station = b["station_id"].as_i64().unwrap();
    s.app.travel_to(today).await;
    (s, r, station)
}

async fn log(s: &Scenario, station: i64, body: Value) -> (StatusCode, Value) {
    s.app
        .post(
            &format!("/api/v1/stations/{station}/activities"),
            &s.host,
            body,
        )
        .await
}

/// Exactly the year-1 thresholds of 第十二条, in term year 1 (2026-03-18 … 2027-03-17).
async fn log_a_full_year(s: &Scenario, station: i64, q3_days: u32) {
    let expert = s.experts[0];
    for (date, days) in [
        ("2026-03-20", 10),
        ("2026-06-20", 10),
        ("2026-09-20", q3_days),
        ("2026-12-20", 10),
    ] {
        let (st, b) = log(
            s,
            station,
            json!({"kind": "expert_service", "date": date, "expert_id": expert, "days": days}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
    }
    for body in [
        json!({"kind": "survey", "date": "2026-04-01", "title": "装备制造产业调研"}),
        json!({"kind": "survey", "date": "2026-05-01", "title": "智能制造调研"}),
        json!({"kind": "research_outcome", "date": "2026-06-01", "title": "调研报告"}),
        json!({"kind": "training", "date": "2026-07-01", "attendance": 50}),
        json!({"kind": "training", "date": "2026-08-01", "attendance": 60}),
        json!({"kind": "breakthrough", "date": "2026-09-01"}),
        json!({"kind": "problem_solved", "date": "2026-10-01", "title": "益阳某机械厂"}),
        json!({"kind": "problem_solved", "date": "2026-10-02", "title": "桃江某企业"}),
        json!({"kind": "achievement_transferred", "date": "2026-11-01"}),
        json!({"kind": "achievement_transferred", "date": "2026-11-02"}),
        json!({"kind": "agreement_progress", "date": "2026-12-01", "percent": 50}),
    ] {
        let (st, b) = log(s, station, body).await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
    }
}

fn item<'a>(report: &'a Value, code: &str) -> &'a Value {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code)
        .unwrap()
}

#[tokio::test]
async fn exactly_the_thresholds_meet_every_indicator() {
    let (s, _, station) = awarded("provincial", "2027-02-20").await;
    log_a_full_year(&s, station, 10).await;
    let (st, rep) = s
        .app
        .get(
            &format!("/api/v1/stations/{station}/indicators?year=1"),
            &s.host,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{rep}");
    assert_eq!(rep["year"], 1);
    assert_eq!(rep["all_met"], true, "{rep}");
    for code in [
        "agreement_progress",
        "expert_days_q1",
        "expert_days_q4",
        "expert_days_year",
        "surveys",
        "research_outcomes",
        "trainings",
        "breakthroughs",
        "problems_solved",
        "achievements_transferred",
    ] {
        assert_eq!(item(&rep, code)["met"], true, "{code}");
    }
    assert_eq!(item(&rep, "expert_days_year")["actual"], 40);
}

#[tokio::test]
async fn one_short_fails_and_a_short_quarter_fails_on_its_own() {
    let (s, _, station) = awarded("provincial", "2027-02-20").await;
    log_a_full_year(&s, station, 9).await;
    let (_, rep) = s
        .app
        .get(
            &format!("/api/v1/stations/{station}/indicators?year=1"),
            &s.host,
        )
        .await;
    assert_eq!(rep["all_met"], false);
    assert_eq!(item(&rep, "expert_days_q3")["met"], false);
    assert_eq!(item(&rep, "expert_days_q3")["actual"], 9);
    assert_eq!(
        item(&rep, "expert_days_q4")["met"],
        true,
        "one quarter's shortfall stays in it"
    );
    assert_eq!(item(&rep, "expert_days_year")["actual"], 39);
    // A training with 49 attendances does not count.
    let (_, b) = log(
        &s,
        station,
        json!({"kind": "agreement_progress", "date": "2027-01-05", "percent": 49}),
    )
    .await;
    let _ = b;
}

#[tokio::test]
async fn activities_are_dated_within_the_term_and_not_after_today() {
    let (s, _, station) = awarded("provincial", "2026-06-01").await;
    let (st, _) = log(&s, station, json!({"kind": "survey", "date": "2026-06-02"})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, _) = log(&s, station, json!({"kind": "survey", "date": "2026-03-17"})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, b) = log(
        &s,
        station,
        json!({"kind": "expert_service", "date": "2026-05-01", "expert_id": 9999, "days": 3}),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    // A correction replaces the record and keeps the old one.
    let (st, b) = log(
        &s,
        station,
        json!({"kind": "training", "date": "2026-05-01", "attendance": 40}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    let old = b["id"].as_i64().unwrap();
    let (st, _) = s
        .app
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/activities/{old}"),
            &s.host,
            json!({"kind": "training", "date": "2026-05-01", "attendance": 55}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, list) = s
        .app
        .get(&format!("/api/v1/stations/{station}/activities"), &s.host)
        .await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["attendance"], 55);
}

#[tokio::test]
async fn the_assessment_waits_until_thirty_days_before_the_year_ends() {
    let (s, r, station) = awarded("provincial", "2027-02-15").await;
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/assessments"),
            &r.city,
            json!({"year": 1, "score": 80, "opinion": "合格"}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(b["error"]["article"], "第十二条");
}

#[tokio::test]
async fn a_pass_makes_the_grant_due_by_level() {
    for (level, fen) in [("provincial", 10_000_000), ("municipal", 5_000_000)] {
        let (s, r, station) = awarded(level, "2027-02-20").await;
        let (st, b) = s
            .app
            .post(
                &format!("/api/v1/stations/{station}/assessments"),
                &r.city,
                json!({"year": 1, "score": 90, "opinion": "优秀"}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        assert_eq!(b["grade"], "优秀");
        assert_eq!(b["station_status"], "active");
        let (_, ledger) = s
            .app
            .get(&format!("/api/v1/stations/{station}/ledger"), &s.host)
            .await;
        assert_eq!(ledger["entries"][0]["kind"], "grant");
        assert_eq!(ledger["entries"][0]["amount_fen"], fen, "{level}");
        assert_eq!(ledger["entries"][0]["status"], "due");
        assert_eq!(ledger["balance_fen"], 0, "a due grant is not yet money");
        // Twice: refused.
        let (st, _) = s
            .app
            .post(
                &format!("/api/v1/stations/{station}/assessments"),
                &r.city,
                json!({"year": 1, "score": 90, "opinion": "优秀"}),
            )
            .await;
        assert_eq!(st, StatusCode::CONFLICT);
    }
}

#[tokio::test]
async fn each_grade_and_its_consequence() {
    let (s, r, station) = awarded("provincial", "2027-02-20").await;
    let (_, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/assessments"),
            &r.city,
            json!({"year": 1, "score": 59, "opinion": "不合格"}),
        )
        .await;
    assert_eq!(b["grade"], "不合格");
    assert_eq!(
        b["station_status"], "rectifying",
        "year-1 fail: rectification"
    );
    let (_, list) = s
        .app
        .client
        .get(s.app.url("/api/v1/stations"))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .map(|v| (0, v))
        .unwrap();
    assert_eq!(
        list["total"], 1,
        "a rectifying station stays on the public list"
    );
    let (_, ledger) = s
        .app
        .get(&format!("/api/v1/stations/{station}/ledger"), &s.host)
        .await;
    assert_eq!(
        ledger["entries"].as_array().unwrap().len(),
        0,
        "no grant after a fail"
    );
}

#[tokio::test]
async fn a_term_end_fail_removes_the_plaque_and_recovers_every_paid_grant() {
    let (mut s, r, station) = awarded("municipal", "2027-02-20").await;
    let (_, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/assessments"),
            &r.city,
            json!({"year": 1, "score": 75, "opinion": "合格"}),
        )
        .await;
    let grant = b["grant_id"].as_i64().unwrap();
    let (st, _) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/grants/{grant}/payment"),
            &r.city,
            json!({"paid_on": "2027-02-20"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/grants/{grant}/payment"),
            &r.city,
            json!({"paid_on": "2027-02-20"}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "paid once");
    let (st, _) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/expenses"),
            &s.host,
            json!({"category": "专家差旅费", "amount_fen": 1_000_000, "spent_on": "2027-02-20"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    s.app.travel_to("2028-02-20").await;
    let (_, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/assessments"),
            &r.city,
            json!({"year": 2, "score": 40, "opinion": "期满考核不合格"}),
        )
        .await;
    assert_eq!(b["station_status"], "removed");
    let (_, ledger) = s
        .app
        .get(&format!("/api/v1/stations/{station}/ledger"), &r.city)
        .await;
    let recovery = ledger["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "recovery")
        .unwrap();
    assert_eq!(
        recovery["amount_fen"], 5_000_000,
        "every paid grant recovered"
    );
    assert_eq!(
        ledger["balance_fen"],
        5_000_000 - 1_000_000 - 5_000_000,
        "owed back"
    );
    let public: Value = s
        .app
        .client
        .get(s.app.url("/api/v1/stations"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(public["total"], 0, "off the public list");
}

#[tokio::test]
async fn expenses_only_in_the_listed_categories_and_never_beyond_the_balance() {
    let (s, r, station) = awarded("provincial", "2027-02-20").await;
    let (_, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/assessments"),
            &r.city,
            json!({"year": 1, "score": 80, "opinion": "合格"}),
        )
        .await;
    let grant = b["grant_id"].as_i64().unwrap();
    // Nothing paid yet: no money to spend.
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/expenses"),
            &s.host,
            json!({"category": "咨询费", "amount_fen": 100, "spent_on": "2027-02-20"}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(b["error"]["article"], "第十七条");
    // Not paid before the assessment that made it due (第十六条).
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/grants/{grant}/payment"),
            &r.city,
            json!({"paid_on": "2027-02-19"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/grants/{grant}/payment"),
            &r.city,
            json!({"paid_on": "2027-02-20"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    for category in [
        "专家差旅费",
        "交通费",
        "咨询费",
        "会议费",
        "培训费",
        "技术服务费",
        "科技交流与合作费",
        "书籍资料费",
    ] {
        let (st, b) = s
            .app
            .post(
                &format!("/api/v1/stations/{station}/expenses"),
                &s.host,
                json!({"category": category, "amount_fen": 100_000, "spent_on": "2027-02-20"}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{category}: {b}");
    }
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/expenses"),
            &s.host,
            json!({"category": "招待费", "amount_fen": 100, "spent_on": "2027-02-20"}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(b["error"]["code"], "expense_category");
    // 10,000,000 − 8 × 100,000 = 9,200,000 left: one fen more is refused, exactly it passes.
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/expenses"),
            &s.host,
            json!({"category": "培训费", "amount_fen": 9_200_001, "spent_on": "2027-02-20"}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["error"]["code"], "beyond_balance");
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/expenses"),
            &s.host,
            json!({"category": "培训费", "amount_fen": 9_200_000, "spent_on": "2027-02-20"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let expense = b["id"].as_i64().unwrap();
    let (_, ledger) = s
        .app
        .get(&format!("/api/v1/stations/{station}/ledger"), &s.host)
        .await;
    assert_eq!(ledger["balance_fen"], 0);
    let line = |l: &Value| {
        l["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == expense)
            .unwrap()
            .clone()
    };
    assert_eq!(line(&ledger)["voucher_missing"], true);
    // The voucher.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(crate::applications::PDF.to_vec()).file_name("发票.pdf"),
    );
    let res = s
        .app
        .client
        .post(s.app.url(&format!(
            "/api/v1/stations/{station}/expenses/{expense}/files"
        )))
        .bearer_auth(&s.host)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let (_, ledger) = s
        .app
        .get(&format!("/api/v1/stations/{station}/ledger"), &s.host)
        .await;
    assert_eq!(line(&ledger)["voucher_missing"], false);
    // Only the host unit spends; city CAST records a misuse finding and the recovery.
    let (st, _) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/expenses"),
            &r.city,
            json!({"category": "培训费", "amount_fen": 1, "spent_on": "2027-02-20"}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = s.app.post(&format!("/api/v1/stations/{station}/recoveries"), &r.city, json!({"amount_fen": 300_000, "finding": "会议费虚报", "document": "益科协〔2027〕5号"})).await;
    assert_eq!(st, StatusCode::CREATED);
    let (_, ledger) = s
        .app
        .get(&format!("/api/v1/stations/{station}/ledger"), &s.host)
        .await;
    assert_eq!(ledger["balance_fen"], -300_000, "money owed back");
}

#[tokio::test]
async fn city_cast_sees_every_stations_indicators() {
    let (s, r, station) = awarded("provincial", "2026-06-10").await;
    let (st, table) = s.app.get("/api/v1/indicators", &r.city).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(table["items"][0]["station_id"], station);
    assert!(
        table["items"][0]["report"]["warning"]
            .as_str()
            .unwrap()
            .contains("第十二条（二）"),
        "{table}"
    );
    let (st, _) = s.app.get("/api/v1/indicators", &s.host).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}

/// The all-stations table reads every station's activities in one query; each row is what
/// the station's own page reports, short quarter included.
#[tokio::test]
async fn the_all_stations_table_reports_what_each_station_reports() {
    let (s, r, station) = awarded("provincial", "2027-03-10").await;
    log_a_full_year(&s, station, 4).await;
    let (_, table) = s.app.get("/api/v1/indicators", &r.city).await;
    let (st, own) = s
        .app
        .get(&format!("/api/v1/stations/{station}/indicators"), &r.city)
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(table["items"][0]["station_id"], station);
    assert_eq!(table["items"][0]["report"], own, "{table}");
    let q3 = own["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "expert_days_q3")
        .unwrap();
    assert_eq!(q3["actual"], 4);
    assert_eq!(q3["met"], false);
}

#[tokio::test]
async fn a_station_expires_when_its_term_ends() {
    let (s, r, station) = awarded("provincial", "2028-03-17").await;
    assert_eq!(
        s.app
            .store
            .expire_stations(s.app.clock.today())
            .await
            .unwrap(),
        0,
        "the last day is still in the term"
    );
    let next = chrono::NaiveDate::from_ymd_opt(2028, 3, 18).unwrap();
    assert_eq!(s.app.store.expire_stations(next).await.unwrap(), 1);
    assert_eq!(s.app.store.expire_stations(next).await.unwrap(), 0, "once");
    let (_, st) = s
        .app
        .get(&format!("/api/v1/stations/{station}"), &r.city)
        .await;
    assert_eq!(st["status"], "expired");
    let public: Value = s
        .app
        .client
        .get(s.app.url("/api/v1/stations"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        public["total"], 0,
        "an expired station leaves the public list"
    );
}

#[tokio::test]
async fn the_score_sheet_comes_from_the_policy_and_the_activity_log() {
    let (s, r, station) = awarded("provincial", "2027-02-20").await;
    log_a_full_year(&s, station, 9).await;
    // Without a total: the sheet's sum. Expert days miss q3 and the year (3 of 5 met → 12 of 20).
    let (st, b) = s
        .app
        .post(&format!("/api/v1/stations/{station}/assessments"), &r.city,
              json!({"year": 1, "opinion": "按评分表", "items": [{"code": "expert_days", "score": 20}]}))
        .await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a departure needs its reason: {b}"
    );
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/assessments"),
            &r.city,
            json!({"year": 1, "opinion": "按评分表"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert_eq!(b["score"], 92);
    assert_eq!(b["grade"], "优秀");
    let (_, list) = s
        .app
        .get(&format!("/api/v1/stations/{station}/assessments"), &r.city)
        .await;
    let sheet: Value =
        serde_json::from_str(list["items"][0]["score_sheet"].as_str().unwrap()).unwrap();
    assert_eq!(sheet.as_array().unwrap().len(), 5);
    assert_eq!(sheet[1]["code"], "expert_days");
    assert_eq!(sheet[1]["auto"], 12);
}

#[tokio::test]
async fn the_host_files_its_annual_plan_and_summary_article_10() {
    let (mut s, r, station) = awarded("provincial", "2026-04-01").await;
    let (_, rep) = s
        .app
        .get(&format!("/api/v1/stations/{station}/reports"), &s.host)
        .await;
    let due: Vec<(u64, &str)> = rep["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["due"] == true)
        .map(|i| (i["year"].as_u64().unwrap(), i["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(due, [(1, "plan")], "only the first year's plan is due now");
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/reports"),
            &s.host,
            json!({"year": 1, "kind": "summary", "body": "总结"}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["error"]["article"], "第十条");
    let (st, _) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/reports"),
            &r.city,
            json!({"year": 1, "kind": "plan", "body": "计划"}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/reports"),
            &s.host,
            json!({"year": 1, "kind": "plan", "body": "一、目标……\n\n二、任务……"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    s.app.travel_to("2027-03-01").await;
    let (_, rep) = s
        .app
        .get(&format!("/api/v1/stations/{station}/reports"), &r.city)
        .await;
    let items = rep["items"].as_array().unwrap();
    assert_eq!(items[0]["filed"]["body"], "一、目标……\n\n二、任务……");
    assert!(
        items
            .iter()
            .any(|i| i["year"] == 1 && i["kind"] == "summary" && i["due"] == true)
    );
    assert!(
        items
            .iter()
            .any(|i| i["year"] == 2 && i["kind"] == "plan" && i["due"] == true)
    );
}

#[tokio::test]
async fn the_host_files_its_plan_on_the_station_page() {
    let (s, _, station) = awarded("provincial", "2026-04-01").await;
    let b = s.app.browser();
    crate::pages::sign_in_page(&s.app, &b, "host", crate::helpers::PASSWORD).await;
    let html = b
        .get(s.app.url(&format!("/stations/{station}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("年度工作计划与总结") && html.contains("待提交"),
        "{html}"
    );
    let csrf = crate::helpers::csrf_of(&html);
    let res = b
        .post(s.app.url(&format!("/stations/{station}/reports")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("year", "1"),
            ("kind", "plan"),
            ("body", "第一年工作计划：驻站服务、两次调研、两场培训。"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = b
        .get(s.app.url(&format!("/stations/{station}?flash=report")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("已提交") && html.contains("两场培训"));
}
