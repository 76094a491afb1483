//! Exports (SPEC §5, §5.2 "Every list has an .xlsx twin with the same filters"): each `.xlsx`
//! read back with calamine holds exactly the rows of its JSON list with the same filters (all
//! of them, beyond one page), under Chinese headers, with real dates and money in yuan; the
//! `.zip` of an application's materials holds every current file byte for byte, by the
//! application's visibility; the pages link to their exports with their filters.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::NaiveDate;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use reqwest::multipart::{Form, Part};
use rust_xlsxwriter::Workbook;
use serde_json::{Value, json};
use stationhub_domain::account::Role;
use stationhub_domain::organisation::CreditCode;

use crate::applications::{PDF, scenario};
use crate::helpers::{Link, PASSWORD, TestApp};
use crate::pages::sign_in_page;
use crate::stations::awarded;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A GET with an optional bearer token (or a browser's cookies): status, headers, body.
async fn fetch(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    token: Option<&str>,
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut req = client.get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.unwrap().to_vec())
}

/// An export that must succeed: checks the download headers (type, a Chinese file name with
/// the date, the length) and returns the file.
async fn download(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    name: &str,
) -> Vec<u8> {
    let (st, h, body) = fetch(client, app, path, token).await;
    assert_eq!(
        st,
        StatusCode::OK,
        "{path}: {}",
        String::from_utf8_lossy(&body)
    );
    assert_eq!(h["content-type"], content_type, "{path}");
    assert_eq!(
        h["content-length"].to_str().unwrap(),
        body.len().to_string(),
        "{path}: the length is announced"
    );
    let cd = h["content-disposition"].to_str().unwrap();
    assert!(cd.starts_with("attachment;"), "{cd}");
    let encoded: String = format!("{name}_")
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    assert!(
        cd.contains(&format!("filename*=UTF-8''{encoded}")),
        "{path}: {cd}"
    );
    assert!(
        cd.contains(&app.clock.today().to_string()),
        "{path}: the date is in the name: {cd}"
    );
    body
}

/// The rows of a sheet (the first one when `name` is None), header first.
fn rows(bytes: &[u8], name: Option<&str>) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let name = name
        .map(str::to_string)
        .unwrap_or_else(|| book.sheet_names()[0].clone());
    let range = book.worksheet_range(&name).unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("not text: {other:?}"),
    }
}

fn number(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

/// The date of a date cell (it must be a real Excel date, not text).
fn date(d: &Data) -> NaiveDate {
    match d {
        Data::DateTime(t) => {
            assert!(t.is_datetime(), "{t:?}");
            let base = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
            base + chrono::Duration::days(t.as_f64().floor() as i64)
        }
        other => panic!("not a date: {other:?}"),
    }
}

fn header(rows: &[Vec<Data>]) -> Vec<String> {
    rows[0].iter().map(text).collect()
}

/// Every item of a JSON list, page after page of 100: (total, items).
async fn all_items(app: &TestApp, path: &str, token: Option<&str>) -> (u64, Vec<Value>) {
    let mut items = Vec::new();
    let mut page = 1;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let (st, _, body) = fetch(
            &app.client,
            app,
            &format!("{path}{sep}per_page=100&page={page}"),
            token,
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        let v: Value = serde_json::from_slice(&body).unwrap();
        let got = v["items"].as_array().unwrap().clone();
        let total = v["total"].as_u64().unwrap();
        let n = got.len();
        items.extend(got);
        if items.len() as u64 >= total || n == 0 {
            assert_eq!(items.len() as u64, total, "{path}");
            return (total, items);
        }
        page += 1;
    }
}

/// The ids (first column) and the names (column `name_col`) of an export's rows.
fn ids_and_names(rows: &[Vec<Data>], name_col: usize) -> Vec<(i64, String)> {
    rows[1..]
        .iter()
        .map(|r| (number(&r[0]) as i64, text(&r[name_col])))
        .collect()
}

fn json_ids(items: &[Value], id: &str, name: &str) -> Vec<(i64, String)> {
    items
        .iter()
        .map(|i| {
            (
                i[id].as_i64().unwrap(),
                i[name].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_application_list_and_the_audit_log_export_every_row_of_their_filters() {
    let s = scenario().await;
    let app = &s.app;
    // 105 drafts: more than one page of 100; every third municipal.
    for i in 0..105 {
        let mut body = s.body();
        body["station_name"] = json!(format!("导出测试服务站{i:03}"));
        if i % 3 == 0 {
            body["level"] = json!("municipal");
        }
        s.draft_with(body).await;
    }

    let (total, items) = all_items(app, "/api/v1/applications", Some(&s.host)).await;
    assert_eq!(total, 105);
    let bytes = download(
        &app.client,
        app,
        "/api/v1/applications.xlsx",
        Some(&s.host),
        XLSX,
        "申报书列表",
    )
    .await;
    let sheet = rows(&bytes, None);
    assert_eq!(
        header(&sheet),
        [
            "编号",
            "服务站名称",
            "申报单位",
            "建站学会",
            "县市区",
            "申报批次",
            "申报级别",
            "重点产业领域",
            "状态",
            "提交日期",
            "最后修改时间"
        ]
    );
    assert_eq!(
        ids_and_names(&sheet, 1),
        json_ids(&items, "id", "station_name"),
        "the same applications in the same order"
    );
    let first = &sheet[1];
    assert_eq!(text(&first[3]), "湖南省机械工程学会");
    assert_eq!(text(&first[4]), "资阳区");
    assert_eq!(text(&first[8]), "草稿", "states in Chinese");
    assert!(
        matches!(first[10], Data::DateTime(_)),
        "a moment is a date-time cell: {:?}",
        first[10]
    );

    // A filter that changes the count: the same filter on both.
    let (total, items) =
        all_items(app, "/api/v1/applications?level=municipal", Some(&s.host)).await;
    assert_eq!(total, 35);
    let bytes = download(
        &app.client,
        app,
        "/api/v1/applications.xlsx?level=municipal&round=&q=",
        Some(&s.host),
        XLSX,
        "申报书列表",
    )
    .await;
    let sheet = rows(&bytes, None);
    assert_eq!(
        ids_and_names(&sheet, 1),
        json_ids(&items, "id", "station_name")
    );
    assert!(sheet[1..].iter().all(|r| text(&r[6]) == "市级"));
    // A bad filter is refused as the list refuses it.
    let (st, _, _) = fetch(
        &app.client,
        app,
        "/api/v1/applications.xlsx?state=nonsense",
        Some(&s.host),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    // Another unit sees none of them.
    let other = app.unit("另一家单位科协", "赫山区").await;
    app.user("host2", Role::HostUnit, Link::Unit(other)).await;
    let host2 = app.token("host2", PASSWORD).await;
    let bytes = download(
        &app.client,
        app,
        "/api/v1/applications.xlsx",
        Some(&host2),
        XLSX,
        "申报书列表",
    )
    .await;
    assert_eq!(rows(&bytes, None).len(), 1, "the header only");

    // The page links to its export with its filters, and the page session downloads it.
    let browser = app.browser();
    sign_in_page(app, &browser, "host", PASSWORD).await;
    let html = browser
        .get(app.url("/applications?level=municipal"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-export href=\"/applications.xlsx?q=&#38;state=&#38;county=&#38;round=&#38;level=municipal&#38;industry="), "{html}");
    assert!(html.contains("/static/app.js"));
    let bytes = download(
        &browser,
        app,
        "/applications.xlsx?q=&state=&county=&round=&level=municipal&industry=",
        None,
        XLSX,
        "申报书列表",
    )
    .await;
    assert_eq!(rows(&bytes, None).len(), 36);

    // The audit log: the same filters and roles as `GET /api/v1/audit`.
    let admin = app.admin().await;
    let (total, items) =
        all_items(app, "/api/v1/audit?action=application.create", Some(&admin)).await;
    assert_eq!(total, 105);
    let bytes = download(
        &app.client,
        app,
        "/api/v1/audit.xlsx?action=application.create",
        Some(&admin),
        XLSX,
        "审计日志",
    )
    .await;
    let sheet = rows(&bytes, None);
    assert_eq!(
        header(&sheet),
        [
            "序号",
            "时间",
            "操作人",
            "角色",
            "操作",
            "对象类型",
            "对象编号",
            "变更前",
            "变更后",
            "哈希"
        ]
    );
    let seqs: Vec<i64> = sheet[1..].iter().map(|r| number(&r[0]) as i64).collect();
    let json_seqs: Vec<i64> = items.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, json_seqs, "the same entries, newest first");
    assert!(
        matches!(sheet[1][1], Data::DateTime(_)),
        "{:?}",
        sheet[1][1]
    );
    assert_eq!(text(&sheet[1][2]), "host");
    assert_eq!(text(&sheet[1][3]), "建站单位");
    // The whole log, beyond a page.
    let (total, _) = all_items(app, "/api/v1/audit", Some(&admin)).await;
    let bytes = download(
        &app.client,
        app,
        "/api/v1/audit.xlsx",
        Some(&admin),
        XLSX,
        "审计日志",
    )
    .await;
    assert!(total > 100, "{total}");
    assert_eq!(rows(&bytes, None).len() as u64, total + 1);

    // A host unit may not read the audit log: not over the API, not on the pages.
    let (st, _, body) = fetch(&app.client, app, "/api/v1/audit.xlsx", Some(&s.host)).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["error"]["code"], "forbidden", "{v}");
    let (st, _, _) = fetch(&browser, app, "/audit.xlsx", None).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // Without a token: 401.
    let (st, _, _) = fetch(&app.client, app, "/api/v1/applications.xlsx", None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
}

// ---------------------------------------------------------------------------------------------

const IMPORT_HEADERS: [&str; 13] = [
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

/// An import file of `running` stations awarded 2025-03-01 and `expired` ones awarded in 2020.
fn import_file(running: u32, expired: u32) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in IMPORT_HEADERS.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for n in 1..=running + expired {
        let code = CreditCode::complete(&format!("91430900MD{n:07}")).unwrap();
        let awarded = if n <= running {
            "2025-03-01"
        } else {
            "2020-05-20"
        };
        let county = ["资阳区", "赫山区", "沅江市"][(n % 3) as usize];
        let row = [
            format!("导出存量服务站{n:04}"),
            "省级".to_string(),
            "装备制造".into(),
            format!("益阳导出单位{n:04}有限公司科协"),
            code.as_str().to_string(),
            "企业科协".into(),
            county.into(),
            "张三".into(),
            format!("导出测试学会{n:04}"),
            "省级学会".into(),
            format!("益科协〔2025〕{n}号"),
            awarded.into(),
            String::new(),
        ];
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(n, c as u16, v).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

#[tokio::test]
async fn the_station_list_and_the_indicator_table_export_every_row() {
    let app = TestApp::builder().today("2026-11-25").spawn().await;
    app.user("city", Role::CityCast, Link::None).await;
    let city = app.token("city", PASSWORD).await;
    let form = Form::new().part(
        "file",
        Part::bytes(import_file(110, 15)).file_name("存量.xlsx"),
    );
    let res = app
        .client
        .post(app.url("/api/v1/stations/import"))
        .bearer_auth(&city)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );

    // The public list, without a token: the running stations only, every one of them.
    let (total, items) = all_items(&app, "/api/v1/stations", None).await;
    assert_eq!(total, 110);
    let bytes = download(
        &app.client,
        &app,
        "/api/v1/stations.xlsx",
        None,
        XLSX,
        "学会服务站名单",
    )
    .await;
    let sheet = rows(&bytes, None);
    assert_eq!(
        header(&sheet),
        [
            "编号",
            "学会服务站",
            "建站单位",
            "建站学会",
            "级别",
            "重点产业领域",
            "县市区",
            "授牌文号",
            "授牌日期",
            "服务期至",
            "状态",
            "来源"
        ]
    );
    assert_eq!(ids_and_names(&sheet, 1), json_ids(&items, "id", "name"));
    let first = &sheet[1];
    let json_first = &items[0];
    assert_eq!(
        date(&first[8]).to_string(),
        json_first["awarded_on"].as_str().unwrap(),
        "授牌日期 is a real date"
    );
    assert_eq!(
        date(&first[9]).to_string(),
        json_first["term_ends_on"].as_str().unwrap()
    );
    assert_eq!(text(&first[10]), "运行中");
    assert_eq!(text(&first[11]), "存量导入");
    assert_eq!(text(&first[4]), "省级", "levels in Chinese");

    // City CAST: every station, and the status filter of the list.
    let (total, items) = all_items(&app, "/api/v1/stations", Some(&city)).await;
    assert_eq!(total, 125);
    let bytes = download(
        &app.client,
        &app,
        "/api/v1/stations.xlsx",
        Some(&city),
        XLSX,
        "学会服务站名单",
    )
    .await;
    assert_eq!(
        ids_and_names(&rows(&bytes, None), 1),
        json_ids(&items, "id", "name")
    );
    let (total, items) = all_items(
        &app,
        "/api/v1/stations?status=expired&county=赫山区",
        Some(&city),
    )
    .await;
    assert!(total > 0 && total < 15, "{total}");
    let bytes = download(
        &app.client,
        &app,
        "/api/v1/stations.xlsx?status=expired&county=%E8%B5%AB%E5%B1%B1%E5%8C%BA",
        Some(&city),
        XLSX,
        "学会服务站名单",
    )
    .await;
    let sheet = rows(&bytes, None);
    assert_eq!(ids_and_names(&sheet, 1), json_ids(&items, "id", "name"));
    assert!(sheet[1..].iter().all(|r| text(&r[10]) == "已期满"));

    // The stations page is public; its export too, with the page's filters.
    let visitor = app.browser();
    let html = visitor
        .get(app.url("/stations?q=&county=资阳区&level=provincial"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(
        "href=\"/stations.xlsx?q=&#38;county=%E8%B5%84%E9%98%B3%E5%8C%BA&#38;level=provincial\""
    ));
    let (_, items) = all_items(
        &app,
        "/api/v1/stations?level=provincial&county=资阳区",
        None,
    )
    .await;
    assert!(items.len() > 10 && items.len() < 110);
    let bytes = download(
        &visitor,
        &app,
        "/stations.xlsx?q=&county=%E8%B5%84%E9%98%B3%E5%8C%BA&level=provincial",
        None,
        XLSX,
        "学会服务站名单",
    )
    .await;
    assert_eq!(
        ids_and_names(&rows(&bytes, None), 1),
        json_ids(&items, "id", "name")
    );

    // The indicator table (city roles): every running station, each indicator's actual and
    // required value as numbers.
    let (st, _, body) = fetch(&app.client, &app, "/api/v1/indicators", Some(&city)).await;
    assert_eq!(st, StatusCode::OK);
    let table: Value = serde_json::from_slice(&body).unwrap();
    let items = table["items"].as_array().unwrap();
    assert_eq!(items.len(), 110);
    let bytes = download(
        &app.client,
        &app,
        "/api/v1/indicators.xlsx",
        Some(&city),
        XLSX,
        "考核指标总览",
    )
    .await;
    let sheet = rows(&bytes, None);
    let head = header(&sheet);
    assert_eq!(&head[..3], ["编号", "学会服务站", "状态"]);
    assert!(head.contains(&"产业调研·完成".to_string()), "{head:?}");
    assert!(head.contains(&"产业调研·要求".to_string()), "{head:?}");
    assert_eq!(
        ids_and_names(&sheet, 1),
        json_ids(items, "station_id", "name")
    );
    let surveys_required = head.iter().position(|h| h == "产业调研·要求").unwrap();
    let json_surveys = items[0]["report"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "surveys")
        .unwrap()["required"]
        .as_f64()
        .unwrap();
    assert_eq!(number(&sheet[1][surveys_required]), json_surveys);
    assert_eq!(
        date(&sheet[1][4]).to_string(),
        items[0]["report"]["year_starts_on"].as_str().unwrap()
    );
    // Not for a host unit.
    let unit = app.unit("某单位科协", "资阳区").await;
    app.user("host", Role::HostUnit, Link::Unit(unit)).await;
    let host = app.token("host", PASSWORD).await;
    let (st, _, _) = fetch(&app.client, &app, "/api/v1/indicators.xlsx", Some(&host)).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // City CAST's page links to it and downloads it with the session.
    let browser = app.browser();
    sign_in_page(&app, &browser, "city", PASSWORD).await;
    let html = browser
        .get(app.url("/indicators"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-export href=\"/indicators.xlsx\""));
    let bytes = download(
        &browser,
        &app,
        "/indicators.xlsx",
        None,
        XLSX,
        "考核指标总览",
    )
    .await;
    assert_eq!(rows(&bytes, None).len(), 111);
}

#[tokio::test]
async fn the_ledger_funds_and_assessments_export_money_in_yuan() {
    let (s, r, station) = awarded("municipal", "2027-02-20").await;
    let app = &s.app;
    let (st, b) = app
        .post(
            &format!("/api/v1/stations/{station}/assessments"),
            &r.city,
            json!({"year": 1, "score": 90, "opinion": "优秀"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let grant = b["grant_id"].as_i64().unwrap();
    let (st, _) = app
        .post(
            &format!("/api/v1/stations/{station}/grants/{grant}/payment"),
            &r.city,
            json!({"paid_on": "2027-02-20"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, b) = app
        .post(
            &format!("/api/v1/stations/{station}/expenses"),
            &s.host,
            json!({"category": "专家差旅费", "amount_fen": 323_456, "spent_on": "2027-02-20"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");

    // The ledger: 5,000,000 fen is 50,000.00 yuan, a number; dates are dates.
    let (_, ledger) = app
        .get(&format!("/api/v1/stations/{station}/ledger"), &s.host)
        .await;
    let bytes = download(
        &app.client,
        app,
        &format!("/api/v1/stations/{station}/ledger.xlsx"),
        Some(&s.host),
        XLSX,
        "经费台账",
    )
    .await;
    let sheet = rows(&bytes, Some("经费台账"));
    assert_eq!(
        header(&sheet),
        [
            "日期",
            "类别",
            "金额（元）",
            "状态",
            "支付日期",
            "开支科目",
            "说明",
            "文件",
            "凭证"
        ]
    );
    let entries = ledger["entries"].as_array().unwrap();
    assert_eq!(sheet.len() - 1, entries.len());
    for (row, e) in sheet[1..].iter().zip(entries) {
        assert_eq!(date(&row[0]).to_string(), e["date"].as_str().unwrap());
        assert_eq!(
            number(&row[2]),
            e["amount_fen"].as_i64().unwrap() as f64 / 100.0
        );
    }
    let grant_row = sheet[1..]
        .iter()
        .find(|r| text(&r[1]) == "资助")
        .expect("the grant");
    assert_eq!(number(&grant_row[2]), 50_000.00);
    assert_eq!(text(&grant_row[3]), "已支付");
    assert_eq!(date(&grant_row[4]).to_string(), "2027-02-20");
    let expense_row = sheet[1..].iter().find(|r| text(&r[1]) == "支出").unwrap();
    assert_eq!(number(&expense_row[2]), 3_234.56);
    assert_eq!(text(&expense_row[8]), "缺凭证");
    let balance = rows(&bytes, Some("余额"));
    assert_eq!(number(&balance[1][1]), 46_765.44);
    assert_eq!(ledger["balance_fen"], 4_676_544);
    // The money format: two decimals with thousands separators.
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.clone())).unwrap();
    let mut styles = String::new();
    zip.by_name("xl/styles.xml")
        .unwrap()
        .read_to_string(&mut styles)
        .unwrap();
    assert!(styles.contains("#,##0.00"), "{styles}");

    // The fund overview, with the same year as the JSON.
    for year in ["", "?year=2027", "?year=2026"] {
        let (st, o) = app.get(&format!("/api/v1/funds{year}"), &r.city).await;
        assert_eq!(st, StatusCode::OK);
        let bytes = download(
            &app.client,
            app,
            &format!("/api/v1/funds.xlsx{year}"),
            Some(&r.city),
            XLSX,
            "经费总览",
        )
        .await;
        let sheet = rows(&bytes, Some("各服务站"));
        let json_rows = o["rows"].as_array().unwrap();
        assert_eq!(sheet.len() - 1, json_rows.len());
        for (row, j) in sheet[1..].iter().zip(json_rows) {
            assert_eq!(number(&row[0]) as i64, j["station_id"].as_i64().unwrap());
            assert_eq!(text(&row[1]), j["station_name"].as_str().unwrap());
            assert_eq!(
                number(&row[7]),
                j["totals"]["grants_paid"].as_i64().unwrap() as f64 / 100.0
            );
            assert_eq!(
                number(&row[8]),
                j["totals"]["expenses"].as_i64().unwrap() as f64 / 100.0
            );
        }
        let totals = rows(&bytes, Some("合计"));
        assert_eq!(
            number(&totals[1][5]),
            o["balance_fen"].as_i64().unwrap() as f64 / 100.0
        );
        if year == "?year=2026" {
            assert_eq!(number(&sheet[1][7]), 0.0);
        } else {
            assert_eq!(number(&sheet[1][7]), 50_000.00);
        }
    }
    let (st, _, _) = fetch(&app.client, app, "/api/v1/funds.xlsx", Some(&s.host)).await;
    assert_eq!(
        st,
        StatusCode::FORBIDDEN,
        "the host unit has no fund overview"
    );

    // Assessments: the city-wide list and its twin, with the same filters.
    let (total, items) = all_items(app, "/api/v1/assessments", Some(&r.city)).await;
    assert_eq!(total, 1);
    let bytes = download(
        &app.client,
        app,
        "/api/v1/assessments.xlsx",
        Some(&r.city),
        XLSX,
        "年度考核",
    )
    .await;
    let sheet = rows(&bytes, None);
    assert_eq!(
        ids_and_names(&sheet, 1),
        json_ids(&items, "id", "station_name")
    );
    assert_eq!(number(&sheet[1][5]), 1.0);
    assert_eq!(number(&sheet[1][6]), 90.0);
    assert_eq!(text(&sheet[1][7]), "优秀");
    assert_eq!(text(&sheet[1][4]), "市级");
    assert_eq!(date(&sheet[1][10]).to_string(), "2027-02-20");
    let (total, _) = all_items(app, "/api/v1/assessments?grade=合格", Some(&r.city)).await;
    assert_eq!(total, 0);
    let bytes = download(
        &app.client,
        app,
        "/api/v1/assessments.xlsx?grade=%E5%90%88%E6%A0%BC",
        Some(&r.city),
        XLSX,
        "年度考核",
    )
    .await;
    assert_eq!(rows(&bytes, None).len(), 1);
    let (total, _) = all_items(app, "/api/v1/assessments", Some(&s.host)).await;
    assert_eq!(total, 1, "the host unit sees its own station's");
    let admin = app.admin().await;
    let (st, _, _) = fetch(&app.client, app, "/api/v1/assessments.xlsx", Some(&admin)).await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // The station page links to its ledger's and assessments' exports; the session downloads.
    let browser = app.browser();
    sign_in_page(app, &browser, "host", PASSWORD).await;
    let html = browser
        .get(app.url(&format!("/stations/{station}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("href=\"/stations/{station}/ledger.xlsx\"")));
    assert!(html.contains(&format!("href=\"/assessments.xlsx?station={station}\"")));
    let bytes = download(
        &browser,
        app,
        &format!("/stations/{station}/ledger.xlsx"),
        None,
        XLSX,
        "经费台账",
    )
    .await;
    assert_eq!(rows(&bytes, Some("经费台账")).len(), 3);
    let bytes = download(
        &browser,
        app,
        &format!("/assessments.xlsx?station={station}"),
        None,
        XLSX,
        "年度考核",
    )
    .await;
    assert_eq!(rows(&bytes, None).len(), 2);
    // City CAST's funds page, with its year.
    let city = app.browser();
    sign_in_page(app, &city, "city", PASSWORD).await;
    let html = city
        .get(app.url("/funds?year=2027"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("href=\"/funds.xlsx?year=2027\""));
    let bytes = download(&city, app, "/funds.xlsx?year=", None, XLSX, "经费总览").await;
    assert_eq!(rows(&bytes, Some("各服务站")).len(), 2);
}

// ---------------------------------------------------------------------------------------------

fn label_of(kind: &str) -> &'static str {
    match kind {
        "agreement" => "合作协议",
        "performance_targets" => "年度绩效目标",
        "unit_intro_rules" => "单位简介与工作细则",
        "org_staff_list" => "组织机构与人员名单",
        other => panic!("{other}"),
    }
}

#[tokio::test]
async fn the_zip_holds_every_current_material_by_the_applications_visibility() {
    let s = scenario().await;
    let app = &s.app;
    let id = s.draft().await;
    for (kind, name) in [
        ("agreement", "合作协议（初稿）.pdf"),
        ("performance_targets", "绩效目标.pdf"),
        ("unit_intro_rules", "单位简介.pdf"),
        ("org_staff_list", "人员名单.pdf"),
        // A new version replaces the first: only the current file goes into the zip.
        ("agreement", "合作协议（签字版）.pdf"),
    ] {
        let mut bytes = PDF.to_vec();
        bytes.extend_from_slice(format!("% {kind} {name}\n").as_bytes());
        let (st, b) = s.upload(id, kind, name, bytes).await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
    }

    let bytes = download(
        &app.client,
        app,
        &format!("/api/v1/applications/{id}/files.zip"),
        Some(&s.host),
        "application/zip",
        "申报材料",
    )
    .await;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let (_, v) = app
        .get(&format!("/api/v1/applications/{id}"), &s.host)
        .await;
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 4);
    assert_eq!(zip.len(), 4, "every current material, once");
    for f in files {
        let kind = f["kind"].as_str().unwrap();
        let filename = f["filename"].as_str().unwrap();
        let entry = format!("{}_{filename}", label_of(kind));
        let mut inside = Vec::new();
        zip.by_name(&entry)
            .unwrap_or_else(|_| panic!("no {entry}"))
            .read_to_end(&mut inside)
            .unwrap();
        let (st, _, original) = fetch(
            &app.client,
            app,
            &format!("/api/v1/files/{}", f["id"]),
            Some(&s.host),
        )
        .await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(inside, original, "{entry}: identical bytes");
    }
    let names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
    assert!(names.contains(&"合作协议_合作协议（签字版）.pdf".to_string()));
    assert!(!names.iter().any(|n| n.contains("初稿")), "{names:?}");
    assert!(
        names.iter().all(|n| !n.contains('/') && !n.contains('\\')),
        "{names:?}"
    );

    // Hidden from another unit and from the society not yet asked to confirm: 404.
    let other = app.unit("另一家单位科协", "赫山区").await;
    app.user("host2", Role::HostUnit, Link::Unit(other)).await;
    let host2 = app.token("host2", PASSWORD).await;
    for token in [&host2, &s.society] {
        let (st, _, _) = fetch(
            &app.client,
            app,
            &format!("/api/v1/applications/{id}/files.zip"),
            Some(token),
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    }
    // An application without files: nothing to bundle.
    let empty = s.draft().await;
    let (st, _, _) = fetch(
        &app.client,
        app,
        &format!("/api/v1/applications/{empty}/files.zip"),
        Some(&s.host),
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // The application's page links to the zip; the page session downloads it.
    let browser = app.browser();
    sign_in_page(app, &browser, "host", PASSWORD).await;
    let html = browser
        .get(app.url(&format!("/applications/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("href=\"/applications/{id}/files.zip\"")));
    let bytes = download(
        &browser,
        app,
        &format!("/applications/{id}/files.zip"),
        None,
        "application/zip",
        "申报材料",
    )
    .await;
    assert_eq!(zip::ZipArchive::new(Cursor::new(bytes)).unwrap().len(), 4);
    let other_browser = app.browser();
    sign_in_page(app, &other_browser, "host2", PASSWORD).await;
    let (st, _, _) = fetch(
        &other_browser,
        app,
        &format!("/applications/{id}/files.zip"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_openapi_document_lists_the_exports() {
    let app = TestApp::spawn().await;
    let (st, _, body) = fetch(&app.client, &app, "/api/v1/openapi.json", None).await;
    assert_eq!(st, StatusCode::OK);
    let doc: Value = serde_json::from_slice(&body).unwrap();
    for path in [
        "/api/v1/applications.xlsx",
        "/api/v1/stations.xlsx",
        "/api/v1/indicators.xlsx",
        "/api/v1/assessments",
        "/api/v1/assessments.xlsx",
        "/api/v1/stations/{id}/ledger.xlsx",
        "/api/v1/funds.xlsx",
        "/api/v1/audit.xlsx",
        "/api/v1/applications/{id}/files.zip",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path}");
    }
}

/// A long list exported in the background: asked for (checked at once), made by the job loop,
/// listed on "我的导出" and downloaded by the person who asked, with the same rows as the
/// direct export; nobody else sees it.
#[tokio::test]
async fn a_list_exported_in_the_background_has_the_rows_of_the_direct_export() {
    let s = scenario().await;
    let app = &s.app;
    for i in 0..12 {
        let mut body = s.body();
        body["station_name"] = json!(format!("后台导出服务站{i:02}"));
        if i % 3 == 0 {
            body["level"] = json!("municipal");
        }
        s.draft_with(body).await;
    }
    let filter = "level=municipal";
    let (st, e) = app
        .post(
            "/api/v1/exports",
            &s.host,
            json!({"list": "applications", "query": filter}),
        )
        .await;
    assert_eq!(st, StatusCode::ACCEPTED, "{e}");
    assert_eq!(e["state"], "queued");
    assert_eq!(e["list_label"], "申报书列表");
    let id = e["id"].as_i64().unwrap();

    // Refused at once, and nothing queued: an unknown list, a bad filter, a list the role may
    // not export.
    for (body, status) in [
        (json!({"list": "passwords"}), StatusCode::BAD_REQUEST),
        (
            json!({"list": "applications", "query": "round=abc"}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"list": "indicators"}), StatusCode::FORBIDDEN),
        (json!({"list": "audit"}), StatusCode::FORBIDDEN),
    ] {
        let (st, b) = app.post("/api/v1/exports", &s.host, body.clone()).await;
        assert_eq!(st, status, "{body}: {b}");
        assert!(b["error"]["message"].as_str().is_some(), "{b}");
    }
    let (_, mine) = app.get("/api/v1/exports", &s.host).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1, "{mine}");

    // Not made yet: the file is not there.
    let (st, b) = app
        .get(&format!("/api/v1/exports/{id}/file"), &s.host)
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{b}");

    // A server's job loop makes it.
    stationhub_web::jobs::tick(&app.state(), "server-a")
        .await
        .unwrap();
    let (_, e) = app.get(&format!("/api/v1/exports/{id}"), &s.host).await;
    assert_eq!(e["state"], "done", "{e}");
    assert_eq!(e["download"], format!("/api/v1/exports/{id}/file"));
    let later = download(
        &app.client,
        app,
        &format!("/api/v1/exports/{id}/file"),
        Some(&s.host),
        XLSX,
        "申报书列表",
    )
    .await;
    let now = download(
        &app.client,
        app,
        &format!("/api/v1/applications.xlsx?{filter}"),
        Some(&s.host),
        XLSX,
        "申报书列表",
    )
    .await;
    let (a, b) = (rows(&later, None), rows(&now, None));
    assert_eq!(a.len(), 1 + 4, "a header and the 4 municipal drafts");
    assert_eq!(a, b, "the same rows as the direct export");

    // Another person: not found, for the record and the file.
    app.user("other-host", Role::HostUnit, Link::None).await;
    let other = app.token("other-host", PASSWORD).await;
    let (st, _) = app.get(&format!("/api/v1/exports/{id}"), &other).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = app.get(&format!("/api/v1/exports/{id}/file"), &other).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (_, theirs) = app.get("/api/v1/exports", &other).await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 0);

    // The request is in the audit trail.
    let entries = app
        .store
        .audit_list(&Default::default(), 1, 100)
        .await
        .unwrap();
    assert!(
        entries
            .items
            .iter()
            .any(|e| e.action == "export.request"
                && e.entity_id.as_deref() == Some(&*id.to_string())),
        "export.request audited"
    );

    // The pages: the list's "后台导出" form queues one, "我的导出" lists both, refreshes
    // itself while one is pending, and downloads the finished one.
    let browser = app.browser();
    sign_in_page(app, &browser, "host", PASSWORD).await;
    let list = browser
        .get(app.url("/applications?level=municipal"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("后台导出"),
        "the list offers a background export"
    );
    let csrf = crate::helpers::csrf_of(&list);
    let res = browser
        .post(app.url("/exports"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("list", "applications"),
            ("query", "level=municipal"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/exports");
    let page = browser
        .get(app.url("/exports"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("我的导出"));
    assert!(
        page.contains("http-equiv=\"refresh\""),
        "pending: refreshes"
    );
    assert!(page.contains(&format!("/exports/{id}/file")), "{page}");
    assert!(page.contains("排队中"));
    stationhub_web::jobs::tick(&app.state(), "server-b")
        .await
        .unwrap();
    let page = browser
        .get(app.url("/exports"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("http-equiv=\"refresh\""), "all done: still");
    assert!(!page.contains("排队中"));
    let (st, _, body) = fetch(&browser, app, &format!("/exports/{id}/file"), None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(rows(&body, None), b);
}
