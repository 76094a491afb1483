//! The statistics dashboard: the figures behind each chart, for the roles that read it.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, csrf_of};
use crate::stations::awarded;

fn bar<'a>(list: &'a Value, key: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|b| b["key"] == key || b["label"] == key)
        .unwrap_or_else(|| panic!("{key} in {list}"))
}

#[tokio::test]
async fn the_dashboard_counts_stations_rounds_indicators_and_money() {
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
    let (st, _) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/grants/{grant}/payment"),
            &r.city,
            json!({"paid_on": "2027-02-20"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    s.app.travel_to("2027-03-01").await;
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/expenses"),
            &s.host,
            json!({"category": "培训费", "amount_fen": 1_234_500, "spent_on": "2027-03-01", "note": "培训"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");

    let (st, d) = s.app.get("/api/v1/dashboard", &r.city).await;
    assert_eq!(st, StatusCode::OK, "{d}");
    assert_eq!(d["stations_total"], 1);
    assert_eq!(bar(&d["stations_by_level"], "municipal")["value"], 1);
    assert_eq!(bar(&d["stations_by_level"], "provincial")["value"], 0);
    assert_eq!(bar(&d["stations_by_county"], "资阳区")["value"], 1);
    assert_eq!(bar(&d["stations_by_county"], "安化县")["value"], 0);
    assert_eq!(bar(&d["stations_by_status"], "active")["value"], 1);
    assert_eq!(d["rounds"][0]["awarded"], 1, "{d}");
    assert_eq!(d["running"], 1);
    assert_eq!(d["compliance"][0]["total"], 1);
    let money = &d["money"][0];
    assert_eq!(money["year"], 2027);
    assert_eq!(money["grants_paid_fen"], 5_000_000);
    assert_eq!(money["expenses_fen"], 1_234_500);
    assert_eq!(bar(&money["by_category"], "培训费")["value"], 1_234_500);

    let (st, _) = s.app.get("/api/v1/dashboard", &r.office).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = s.app.get("/api/v1/dashboard", &s.host).await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // The page: a chart per figure, each with its numbers.
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
            ("username", "city"),
            ("password", PASSWORD),
            ("csrf_token", &csrf_of(&login)),
        ])
        .send()
        .await
        .unwrap();
    let res = web.get(s.app.url("/dashboard")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 8, "{html}");
    assert!(html.contains("12,345.00"), "expense in yuan: {html}");
    assert!(html.contains("50,000.00"), "grant in yuan");
    assert!(html.contains("5 万元"), "bar label in 万元");
    assert!(html.contains("资阳区"));
}
