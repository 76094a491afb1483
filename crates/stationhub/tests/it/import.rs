//! 存量服务站导入 (第八条, SPEC §3 rule 17): stations named before the measures come in from an
//! .xlsx file — over the API, on the stations page and with `stationhub import` — all rows or
//! none, every bad row named by its Excel line and column.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use stationhub_domain::account::Role;
use stationhub_domain::organisation::CreditCode;
use stationhub_storage::entity::{application, round, society, station, unit};

use crate::helpers::{Link, PASSWORD, TestApp, csrf_of};
use crate::pages::sign_in_page;

const TODAY: &str = "2026-11-25";

const HEADERS: [&str; 13] = [
    "服务站名称",
    "级别",
    "行业",
    "建站单位名称",
    "统一社会信用代码",
    "单位性质",
    "所属县（市、区）",
    "法定代表人",
    "合作学会名称",
    "学会级别",
    "授牌文号",
    "授牌日期",
    "合作期满日期",
];

/// The n-th test credit code (valid check character).
fn code(n: u32) -> String {
    CreditCode::complete(&format!("91430900MB{n:07}"))
        .unwrap()
        .as_str()
        .to_string()
}

/// One row of the sheet. A value `date:YYYY-MM-DD` is written as an Excel date cell, anything
/// else as text.
#[derive(Clone)]
struct Row([String; 13]);

impl Row {
    /// A good row: station `n` of unit `n`, with `society` (provincial), document `doc`,
    /// awarded on `awarded` (the default term).
    fn new(n: u32, society: &str, doc: &str, awarded: &str) -> Row {
        Row([
            format!("存量服务站{n}"),
            "省级".into(),
            "装备制造".into(),
            format!("益阳存量单位{n}有限公司科协"),
            code(n),
            "企业科协".into(),
            "资阳区".into(),
            "张三".into(),
            society.into(),
            "省级学会".into(),
            doc.into(),
            awarded.into(),
            String::new(),
        ])
    }

    fn set(mut self, header: &str, value: &str) -> Row {
        let i = HEADERS.iter().position(|h| *h == header).unwrap();
        self.0[i] = value.into();
        self
    }
}

/// An .xlsx file: the header row, then the rows.
fn xlsx(rows: &[Row]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, v) in row.0.iter().enumerate() {
            let c = c as u16;
            if let Some(d) = v.strip_prefix("date:") {
                let d = ExcelDateTime::parse_from_str(d).unwrap();
                sheet.write_datetime_with_format(r, c, &d, &date).unwrap();
            } else if !v.is_empty() {
                sheet.write_string(r, c, v).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

async fn import(app: &TestApp, token: &str, bytes: Vec<u8>, query: &str) -> (StatusCode, Value) {
    let form = Form::new().part("file", Part::bytes(bytes).file_name("存量服务站.xlsx"));
    let res = app
        .client
        .post(app.url(&format!("/api/v1/stations/import{query}")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Stations, units, societies, applications and rounds in the database.
async fn counts(app: &TestApp) -> [u64; 5] {
    let db = app.store.db();
    [
        station::Entity::find().count(db).await.unwrap(),
        unit::Entity::find().count(db).await.unwrap(),
        society::Entity::find().count(db).await.unwrap(),
        application::Entity::find().count(db).await.unwrap(),
        round::Entity::find().count(db).await.unwrap(),
    ]
}

/// The app on 2026-11-25 with city CAST (`city`); its token.
async fn city() -> (TestApp, String) {
    let app = TestApp::builder().today(TODAY).spawn().await;
    app.user("city", Role::CityCast, Link::None).await;
    let token = app.token("city", PASSWORD).await;
    (app, token)
}

/// The bad rows of a refusal: (line, column) of each.
fn bad_cells(body: &Value) -> Vec<(u64, String)> {
    body["error"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("no fields in {body}"))
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["column"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_good_file_imports_every_station_with_its_status() {
    let (app, city) = city().await;
    // A unit already registered is reused by its credit code.
    let known = app.unit("益阳已登记单位科协", "赫山区").await;
    let known = app.store.unit(known).await.unwrap();
    let rows = [
        // An Excel date cell; the default term (2 years): running.
        Row::new(
            1,
            "湖南省机械工程学会",
            "益科协〔2025〕3号",
            "date:2025-03-01",
        ),
        // The registered unit, a municipal station with its own term end: running.
        Row::new(2, "益阳市农学会", "益科协〔2024〕8号", "2024-09-10")
            .set("级别", "市级")
            .set("行业", "现代农业")
            .set("建站单位名称", &known.name)
            .set("统一社会信用代码", &known.credit_code)
            .set("学会级别", "市级")
            .set("合作期满日期", "2027-09-09"),
        // Unit 1 again (same code, same name), a national society: its term ended in 2022.
        Row::new(1, "中国电子学会", "中电学〔2020〕5号", "2020-05-20")
            .set("服务站名称", "存量服务站3")
            .set("级别", "national")
            .set("学会级别", "全国学会"),
    ];
    let before = counts(&app).await;
    let (st, b) = import(&app, &city, xlsx(&rows), "").await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert_eq!(b["imported"], 3);
    assert_eq!(
        (b["active"].as_u64(), b["expired"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        b["units_created"], 1,
        "unit 1 once; the registered unit reused"
    );
    assert_eq!(b["societies_created"], 3);
    let after = counts(&app).await;
    assert_eq!(after[0], before[0] + 3);
    assert_eq!(after[1], before[1] + 1);
    assert_eq!(after[2], before[2] + 3);
    assert_eq!(after[3], before[3] + 3, "one record of the naming each");
    assert_eq!(after[4], before[4] + 1, "one import round");

    // City CAST sees all three, with their status; the public list shows the running ones.
    let (st, list) = app.get("/api/v1/stations", &city).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(list["total"], 3, "{list}");
    let by_name = |name: &str| -> Value {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} not in {list}"))
    };
    let s1 = by_name("存量服务站1");
    assert_eq!(s1["status"], "active");
    assert_eq!(s1["imported"], true);
    assert_eq!(s1["awarded_on"], "2025-03-01");
    assert_eq!(s1["term_ends_on"], "2027-02-28");
    assert_eq!(s1["document_number"], "益科协〔2025〕3号");
    assert_eq!(s1["county"], "资阳区");
    let s2 = by_name("存量服务站2");
    assert_eq!(s2["status"], "active");
    assert_eq!(s2["level"], "municipal");
    assert_eq!(s2["unit_id"], known.id);
    assert_eq!(s2["county"], "赫山区", "the registered unit's county");
    assert_eq!(s2["term_ends_on"], "2027-09-09");
    let s3 = by_name("存量服务站3");
    assert_eq!(s3["status"], "expired");
    assert_eq!(s3["level"], "national");
    assert_eq!(s3["unit_id"], s1["unit_id"]);
    let public: Value = app
        .client
        .get(app.url("/api/v1/stations"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(public["total"], 2, "{public}");

    // The import round is no round for applications: not listed, never overlapping.
    let (_, rounds) = app.get("/api/v1/rounds", &city).await;
    assert!(!rounds.to_string().contains("存量服务站导入"), "{rounds}");
    let (st, b) = app
        .post(
            "/api/v1/rounds",
            &city,
            json!({"name": "2026年第二批", "opens_on": "2026-11-20", "closes_on": "2026-12-31"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");

    // The record of the original naming: awarded, with its history; the station runs as any.
    let (st, a) = app
        .get(
            &format!("/api/v1/applications/{}", s1["application_id"]),
            &city,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{a}");
    assert_eq!(a["state"], "awarded");
    assert!(a.to_string().contains("导入"), "{a}");
    let (st, b) = app
        .get(
            &format!("/api/v1/stations/{}/indicators?year=1", s1["id"]),
            &city,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");

    // The station page says where it came from; the audit chain holds.
    let html = app
        .client
        .get(app.url(&format!("/stations/{}", s1["id"])))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("存量导入"), "{html}");
    assert!(app.store.audit_verify().await.unwrap().is_ok());
}

#[tokio::test]
async fn one_bad_row_refuses_the_whole_file_naming_its_line_and_column() {
    let (app, city) = city().await;
    let rows = [
        Row::new(1, "学会甲", "益科协〔2021〕1号", "2025-01-10"),
        Row::new(2, "学会乙", "益科协〔2021〕2号", "2025-01-10")
            .set("统一社会信用代码", "91350100M000100Y44"),
        Row::new(3, "学会丙", "益科协〔2021〕3号", "2025-01-10"),
    ];
    let before = counts(&app).await;
    let (st, b) = import(&app, &city, xlsx(&rows), "").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["error"]["code"], "import_invalid");
    assert_eq!(bad_cells(&b), [(3, "统一社会信用代码".to_string())]);
    assert_eq!(b["error"]["fields"][0]["field"], "credit_code");
    assert!(
        b["error"]["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("校验位"),
        "{b}"
    );
    let message = b["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("第 3 行") && message.contains("统一社会信用代码"),
        "{message}"
    );
    assert_eq!(
        counts(&app).await,
        before,
        "no station, unit, society or round"
    );

    // A dry run of a good file checks only.
    let good = [Row::new(1, "学会甲", "益科协〔2021〕1号", "2025-01-10")];
    let (st, b) = import(&app, &city, xlsx(&good), "?dry_run=true").await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(
        (b["valid"].as_u64(), b["imported"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(counts(&app).await, before);

    // Only city CAST imports; a file that is no spreadsheet is refused.
    app.user("talent", Role::TalentOffice, Link::None).await;
    let talent = app.token("talent", PASSWORD).await;
    let (st, _) = import(&app, &talent, xlsx(&good), "").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let form = Form::new().part(
        "file",
        Part::bytes(b"%PDF-1.4\n%%EOF\n".to_vec()).file_name("a.pdf"),
    );
    let res = app
        .client
        .post(app.url("/api/v1/stations/import"))
        .bearer_auth(&city)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn document_numbers_and_one_station_per_society_are_checked_in_the_file_and_the_database() {
    let (app, city) = city().await;
    let first = [Row::new(
        1,
        "湖南省机械工程学会",
        "益科协〔2021〕1号",
        "2025-05-01",
    )];
    let (st, b) = import(&app, &city, xlsx(&first), "").await;
    assert_eq!(st, StatusCode::CREATED, "{b}");

    let rows = [
        Row::new(2, "学会乙", "益科协〔2022〕2号", "2025-05-01"),
        // The same number as line 2.
        Row::new(3, "学会丙", "益科协〔2022〕2号", "2025-05-01"),
        // The number of the station imported before.
        Row::new(4, "学会丁", "益科协〔2021〕1号", "2025-05-01"),
        // A second running station of the society of line 2 (第七条（七）).
        Row::new(5, "学会乙", "益科协〔2022〕5号", "2025-05-01"),
        // The society that already runs the station imported before.
        Row::new(6, "湖南省机械工程学会", "益科协〔2022〕6号", "2025-05-01"),
        // An expired station of that society is history: no objection.
        Row::new(7, "湖南省机械工程学会", "益科协〔2018〕7号", "2018-05-01"),
    ];
    let before = counts(&app).await;
    let (st, b) = import(&app, &city, xlsx(&rows), "").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(
        bad_cells(&b),
        [
            (3, "授牌文号".to_string()),
            (4, "授牌文号".to_string()),
            (5, "合作学会名称".to_string()),
            (6, "合作学会名称".to_string()),
        ]
    );
    let fields = b["error"]["fields"].as_array().unwrap();
    assert!(fields[0]["message"].as_str().unwrap().contains("第 2 行"));
    assert_eq!(fields[1]["article"], "第八条（四）");
    assert_eq!(fields[2]["article"], "第七条（七）");
    assert!(
        fields[3]["message"]
            .as_str()
            .unwrap()
            .contains("存量服务站1")
    );
    assert_eq!(counts(&app).await, before, "nothing of the file is kept");

    // The number stays taken for every later file (a dry run says so too).
    let (st, b) = import(
        &app,
        &city,
        xlsx(&[Row::new(8, "学会戊", "益科协〔2021〕1号", "2025-05-01")]),
        "?dry_run=true",
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(bad_cells(&b), [(2, "授牌文号".to_string())]);
}

/// Runs `stationhub import` on the test's database with today fixed.
fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_stationhub"))
        .arg("--database")
        .arg(&app.db_url)
        .arg("import")
        .args(args)
        .env("STATIONHUB_TODAY", TODAY)
        .env("STATIONHUB_LOG", "warn")
        .output()
        .unwrap()
}

#[tokio::test]
async fn the_command_line_lists_bad_rows_and_exits_1_or_imports_everything() {
    let (app, city) = city().await;
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.xlsx");
    std::fs::write(
        &bad,
        xlsx(&[
            Row::new(1, "学会甲", "益科协〔2021〕1号", "2025-01-10"),
            Row::new(2, "学会乙", "益科协〔2021〕2号", "2025-01-10")
                .set("所属县（市、区）", "长沙县"),
            Row::new(3, "学会丙", "益科协〔2021〕3号", "2027-01-10"),
        ]),
    )
    .unwrap();
    let before = counts(&app).await;
    let out = cli(&app, &[bad.to_str().unwrap()]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("第 3 行【所属县（市、区）】"), "{text}");
    assert!(text.contains("第 4 行【授牌日期】"), "{text}");
    assert!(text.contains("未导入"), "{text}");
    assert_eq!(counts(&app).await, before);

    let good = dir.path().join("good.xlsx");
    std::fs::write(
        &good,
        xlsx(&[
            Row::new(1, "学会甲", "益科协〔2021〕1号", "2025-01-10"),
            Row::new(2, "学会乙", "益科协〔2021〕2号", "date:2019-01-10"),
        ]),
    )
    .unwrap();
    let out = cli(&app, &[good.to_str().unwrap(), "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(counts(&app).await, before, "a dry run imports nothing");
    let out = cli(&app, &[good.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(text.contains("已导入 2 个服务站"), "{text}");
    let (_, list) = app.get("/api/v1/stations", &city).await;
    assert_eq!(list["total"], 2, "{list}");
    assert!(list.to_string().contains("expired"), "{list}");

    // The same file again: every number is taken now.
    let out = cli(&app, &[good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("第 2 行【授牌文号】") && text.contains("第 3 行【授牌文号】"),
        "{text}"
    );
    // A file that is no spreadsheet.
    let junk = dir.path().join("junk.xlsx");
    std::fs::write(&junk, b"not a spreadsheet").unwrap();
    assert_eq!(cli(&app, &[junk.to_str().unwrap()]).status.code(), Some(1));
}

#[tokio::test]
async fn the_template_is_an_xlsx_that_imports_cleanly() {
    let (app, city) = city().await;
    let res = app
        .client
        .get(app.url("/api/v1/stations/import-template.xlsx"))
        .bearer_auth(&city)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let bytes = res.bytes().await.unwrap().to_vec();
    assert!(bytes.starts_with(b"PK"), "a zip container");

    // Its example row is a good row: a dry run finds one station, the import brings it in.
    let (st, b) = import(&app, &city, bytes.clone(), "?dry_run=true").await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["valid"], 1);
    let (st, b) = import(&app, &city, bytes, "").await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert_eq!(b["imported"], 1);

    // The administrator may fetch it too; a host unit and the public may not.
    let admin = app.admin().await;
    let (st, _) = app
        .get("/api/v1/stations/import-template.xlsx", &admin)
        .await;
    assert_eq!(st, StatusCode::OK);
    let u = app.unit("某单位科协", "资阳区").await;
    app.user("host", Role::HostUnit, Link::Unit(u)).await;
    let host = app.token("host", PASSWORD).await;
    let (st, _) = app
        .get("/api/v1/stations/import-template.xlsx", &host)
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let res = app
        .client
        .get(app.url("/api/v1/stations/import-template.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/stations/import"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/stations/import-template.xlsx"]["get"].is_object());
}

#[tokio::test]
async fn city_cast_imports_on_the_stations_page() {
    let (app, _) = city().await;
    let browser = app.browser();
    let res = sign_in_page(&app, &browser, "city", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = browser
        .get(app.url("/stations"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"station-import\""), "{html}");
    assert!(html.contains("/stations/import-template.xlsx"));
    let csrf = csrf_of(&html);
    let res = browser
        .get(app.url("/stations/import-template.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.bytes().await.unwrap().starts_with(b"PK"));

    let upload = |rows: Vec<Row>, dry_run: bool| {
        let mut form =
            Form::new().part("file", Part::bytes(xlsx(&rows)).file_name("stations.xlsx"));
        if dry_run {
            form = form.text("dry_run", "true");
        }
        browser
            .post(app.url(&format!("/stations/import?csrf_token={csrf}")))
            .multipart(form)
            .send()
    };

    // Refused: the page lists the bad row in a table, nothing is imported.
    let before = counts(&app).await;
    let res = upload(
        vec![
            Row::new(1, "学会甲", "益科协〔2021〕1号", "2025-01-10"),
            Row::new(2, "学会乙", "益科协〔2021〕2号", "2025-01-10").set("行业", "房地产"),
        ],
        false,
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"import-errors\""), "{html}");
    assert!(
        html.contains("第 3 行") && html.contains("<td>行业</td>"),
        "{html}"
    );
    assert_eq!(counts(&app).await, before);

    // Checked only, then imported.
    let good = vec![Row::new(1, "学会甲", "益科协〔2021〕1号", "2025-01-10")];
    let res = upload(good.clone(), true).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("检查通过"));
    assert_eq!(counts(&app).await, before);
    let res = upload(good, false).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(to, "/stations/import?imported=1");
    let html = browser
        .get(app.url(&to))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("已导入 1 个存量服务站"), "{html}");
    assert_eq!(counts(&app).await[0], before[0] + 1);
    let (_, list) = app
        .get("/api/v1/stations", &app.token("city", PASSWORD).await)
        .await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let application = list["items"][0]["application_id"].as_i64().unwrap();
    let res = browser
        .get(app.url(&format!("/applications/{application}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("存量服务站导入"));
    let res = browser
        .get(app.url(&format!("/stations/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("id=\"imported\""));

    // Without the form's token the upload is refused.
    let res = browser
        .post(app.url("/stations/import"))
        .multipart(Form::new().part("file", Part::bytes(vec![1, 2, 3]).file_name("x.xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
