//! The official documents: the 申报书 as PDF and Word with every filled field, its ticks, the
//! opinions with their dates and seals; the public notice, the award notice, the assessment
//! sheet and the ledger statement as PDF with their key facts; visibility as the records.
//! PDF text is read with poppler's `pdftotext -layout` (Debian poppler-utils).

use std::io::Read;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::json;
use stationhub_domain::account::Role;

use crate::applications::{Scenario, scenario};
use crate::helpers::{Link, PASSWORD, TestApp, csrf_of};
use crate::review::{Reviewers, approve_via_county, decide, reviewers};
use crate::stations::awarded;

/// A 4×4 red PNG: a real image for a seal.
const SEAL_PNG: &[u8] = &[
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 4, 0, 0, 0, 4, 8, 6, 0,
    0, 0, 169, 241, 158, 126, 0, 0, 0, 18, 73, 68, 65, 84, 120, 156, 99, 184, 35, 34, 247, 31, 25,
    51, 144, 46, 0, 0, 88, 136, 32, 209, 224, 131, 227, 158, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66,
    96, 130,
];

async fn fetch(app: &TestApp, path: &str, token: Option<&str>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut req = app.client.get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.unwrap().to_vec())
}

/// Keeps a rendered document in `STATIONHUB_DOC_OUT`, when set, to look at
/// (`pdftoppm -png -r 80 FILE.pdf PREFIX`).
fn keep(name: &str, bytes: &[u8]) {
    if let Ok(dir) = std::env::var("STATIONHUB_DOC_OUT") {
        let _ = std::fs::write(std::path::Path::new(&dir).join(name), bytes);
    }
}

/// Text without any white space (pdftotext spaces CJK and Latin apart).
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The text of a PDF: its lines as `pdftotext -layout` lays them out, and the whole text in
/// content order (`-raw`) for values that wrap inside a table cell.
struct PdfText {
    lines: Vec<String>,
    raw: String,
}

impl PdfText {
    fn of(pdf: &[u8]) -> PdfText {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("doc.pdf");
        std::fs::write(&path, pdf).unwrap();
        let run = |mode: &str| {
            let out = std::process::Command::new("pdftotext")
                .arg(mode)
                .arg(&path)
                .arg("-")
                .output()
                .expect("pdftotext (Debian poppler-utils) must be installed");
            assert!(out.status.success(), "pdftotext failed");
            String::from_utf8(out.stdout).unwrap()
        };
        let layout = run("-layout");
        PdfText {
            lines: layout.lines().map(squash).collect(),
            raw: squash(&run("-raw")),
        }
    }

    /// On one line of the layout.
    fn on_a_line(&self, needle: &str) -> bool {
        let n = squash(needle);
        self.lines.iter().any(|l| l.contains(&n))
    }

    /// On one line, or wrapped inside its cell.
    fn has(&self, needle: &str) -> bool {
        self.on_a_line(needle) || self.raw.contains(&squash(needle))
    }

    fn all(&self) -> String {
        self.lines.join("\n")
    }
}

/// The number of images in a PDF (`pdfimages -list`; an image's transparency, its `smask`,
/// is not counted apart).
fn pdf_images(pdf: &[u8]) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdfimages")
        .arg("-list")
        .arg(&path)
        .output()
        .expect("pdfimages (Debian poppler-utils) must be installed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(2)
        .filter(|l| l.split_whitespace().nth(2) == Some("image"))
        .count()
}

/// The text of word/document.xml with the tags taken out, and the names in the archive.
fn docx_text(bytes: &[u8]) -> (String, Vec<String>) {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.to_string()))
        .collect();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("word/document.xml")
        .read_to_string(&mut xml)
        .unwrap();
    let mut text = String::new();
    let mut in_tag = false;
    for c in xml.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    (squash(&text), names)
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn assert_attachment(h: &HeaderMap, content_type: &str, chinese: &str) {
    assert_eq!(h["content-type"], content_type);
    let cd = h["content-disposition"].to_str().unwrap();
    assert!(cd.starts_with("attachment;"), "{cd}");
    assert!(
        cd.contains(&format!("filename*=UTF-8''{}", percent(chinese))),
        "{cd} names {chinese}"
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
}

async fn upload_seal(app: &TestApp, token: &str, bytes: &[u8], name: &'static str) {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name),
    );
    let res = app
        .client
        .post(app.url("/api/v1/seal"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
}

/// A submitted application recommended by the county CAST (its opinion dated today,
/// 2026-03-10), with the host unit's seal a real image and the county office's one not.
async fn recommended() -> (Scenario, Reviewers, i64) {
    let s = scenario().await;
    let r = reviewers(&s.app).await;
    upload_seal(&s.app, &s.host, SEAL_PNG, "公章.png").await;
    // Accepted as a PNG by its signature, but no image can be read from it: printed without.
    upload_seal(
        &s.app,
        &r.county,
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR seal",
        "资阳区科协章.png",
    )
    .await;
    let id = s.ready().await;
    assert_eq!(s.submit(id, json!({})).await.0, StatusCode::OK);
    let (st, b) = decide(&s.app, &r.county, id, "recommend").await;
    assert_eq!(st, StatusCode::OK, "{b}");
    (s, r, id)
}

/// Every filled field of the scenario's application, as the form prints it.
fn filled_fields(credit_code: &str) -> Vec<String> {
    [
        "湖南省机械工程学会益阳智能装备学会服务站",
        "益阳智能装备有限公司科协",
        credit_code,
        "张三",
        "益阳市",
        "413000",
        "李四",
        "0737-1234567",
        "13800000000",
        "a@example.cn",
        "资阳区",
        "湖南省机械工程学会",
        "王五",
        "理事长",
        "13900000000",
        "长沙市",
        "410000",
        "赵六",
        "秘书长",
        "13900000001",
        "s@example.cn",
        "专家0",
        "专家4",
        "教授",
        "机械工程",
        "中南大学",
        "刘建国",
        "13807370001",
        "公司成立于2008年，员工620人。",
        "拥有省级企业技术中心。",
        "益阳装备制造产业规模约300亿元。",
        "学会会员1.2万人，长期服务装备制造。",
        "围绕智能装备开展技术攻关、人才培养与成果转化。",
        "2 年",
        "2026年3月10日",
        "益阳市科学技术协会制",
    ]
    .into_iter()
    .map(str::to_string)
    .collect()
}

const TICKED: [&str; 3] = ["☑企业科协", "☑装备制造", "☑省级学会服务站"];
const UNTICKED: [&str; 6] = [
    "□市县级科协",
    "□高校科协",
    "□现代农业",
    "□其他",
    "□国家级学会服务站",
    "□市级学会服务站",
];

#[tokio::test]
async fn the_form_pdf_prints_every_field_the_ticks_and_the_opinions_with_seals() {
    let (s, r, id) = recommended().await;
    let (_, v) = s
        .app
        .get(&format!("/api/v1/applications/{id}"), &s.host)
        .await;
    let code = v["unit"]["credit_code"].as_str().unwrap().to_string();
    for token in [&s.host, &s.society, &r.county, &r.city] {
        let (st, h, pdf) = fetch(
            &s.app,
            &format!("/api/v1/applications/{id}/form.pdf"),
            Some(token),
        )
        .await;
        assert_eq!(st, StatusCode::OK);
        assert_attachment(
            &h,
            "application/pdf",
            "湖南省机械工程学会益阳智能装备学会服务站申报书.pdf",
        );
        assert!(pdf.starts_with(b"%PDF"));
    }
    let (_, _, pdf) = fetch(
        &s.app,
        &format!("/api/v1/applications/{id}/form.pdf"),
        Some(&s.host),
    )
    .await;
    keep("form.pdf", &pdf);
    let t = PdfText::of(&pdf);
    for f in filled_fields(&code) {
        assert!(t.on_a_line(&f), "{f} is printed:\n{}", t.all());
    }
    // Long texts keep their paragraphs: the second begins its own line.
    assert!(
        !t.on_a_line("员工620人。拥有"),
        "paragraphs kept apart:\n{}",
        t.all()
    );
    for tick in TICKED {
        assert!(t.on_a_line(tick), "{tick} ticked:\n{}", t.all());
    }
    for tick in UNTICKED {
        assert!(t.on_a_line(tick), "{tick} not ticked:\n{}", t.all());
    }
    for wrong in ["☑市县级科协", "☑现代农业", "☑国家级学会服务站"] {
        assert!(!t.on_a_line(wrong), "{wrong} must not be ticked");
    }
    // The four boxes: the host's own (submitted today) and the county's opinion with its date.
    for label in ["申报单位", "县市区科协", "县市区委", "人才办", "市科协"] {
        assert!(t.on_a_line(label), "{label}");
    }
    assert!(
        t.has("recommend：同意"),
        "the county's opinion:\n{}",
        t.all()
    );
    assert!(t.on_a_line("同意申报。"));
    assert!(t.on_a_line("益阳智能装备有限公司科协（盖章）"));
    assert!(t.on_a_line("年月日"), "an empty box waits for its date");
    // The host's seal is stamped; the county's unreadable one is left out, not an error.
    assert_eq!(pdf_images(&pdf), 1, "one seal image");
}

#[tokio::test]
async fn the_form_docx_holds_the_same_table_ticks_and_seal() {
    let (s, _r, id) = recommended().await;
    let (_, v) = s
        .app
        .get(&format!("/api/v1/applications/{id}"), &s.host)
        .await;
    let code = v["unit"]["credit_code"].as_str().unwrap().to_string();
    let (st, h, bytes) = fetch(
        &s.app,
        &format!("/api/v1/applications/{id}/form.docx"),
        Some(&s.host),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_attachment(
        &h,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "湖南省机械工程学会益阳智能装备学会服务站申报书.docx",
    );
    keep("form.docx", &bytes);
    let (text, names) = docx_text(&bytes);
    for f in filled_fields(&code) {
        assert!(text.contains(&squash(&f)), "{f} in word/document.xml");
    }
    for tick in TICKED.iter().chain(UNTICKED.iter()) {
        assert!(text.contains(tick), "{tick} in word/document.xml");
    }
    assert!(text.contains("recommend：同意"));
    assert!(text.contains("益阳智能装备有限公司科协（盖章）"));
    assert_eq!(
        names
            .iter()
            .filter(|n| n.starts_with("word/media/") && n.ends_with(".png"))
            .count(),
        1,
        "the host's seal embedded: {names:?}"
    );
    // A real Word table with merged cells.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    assert!(xml.contains("<w:tbl>"));
    assert!(xml.contains("<w:gridSpan"));
    assert!(xml.contains("<w:vMerge"));
}

#[tokio::test]
async fn a_hidden_application_has_no_form_for_another_unit() {
    let s = scenario().await;
    let id = s.draft().await;
    let other = s.app.unit("桃江某企业科协", "桃江县").await;
    s.app
        .user("other-host", Role::HostUnit, Link::Unit(other))
        .await;
    let token = s.app.token("other-host", PASSWORD).await;
    let admin = s.app.admin().await;
    for ext in ["pdf", "docx"] {
        let path = format!("/api/v1/applications/{id}/form.{ext}");
        let (st, _, body) = fetch(&s.app, &path, Some(&token)).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{ext} for another unit");
        let err: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(err["error"]["code"], "not_found");
        let (st, _, _) = fetch(&s.app, &path, Some(&admin)).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{ext} for the admin");
        let (st, _, _) = fetch(&s.app, &path, None).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        // The draft's own unit has it, marked as not submitted.
        let (st, _, _) = fetch(&s.app, &path, Some(&s.host)).await;
        assert_eq!(st, StatusCode::OK);
    }
    let (_, _, pdf) = fetch(
        &s.app,
        &format!("/api/v1/applications/{id}/form.pdf"),
        Some(&s.host),
    )
    .await;
    assert!(PdfText::of(&pdf).on_a_line("（草稿，尚未提交）"));
}

#[tokio::test]
async fn what_people_type_is_printed_as_typed_never_run_as_markup() {
    let s = scenario().await;
    let mut body = s.body();
    body["work_plan"] = json!(
        "#set page(width: 1cm) #strong[加粗] $x^2$\n<b>标签</b> \\ 反斜杠 #import \"/data.json\""
    );
    let id = s.draft_with(body).await;
    let (st, _, pdf) = fetch(
        &s.app,
        &format!("/api/v1/applications/{id}/form.pdf"),
        Some(&s.host),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let t = PdfText::of(&pdf);
    for typed in [
        "#set page(width: 1cm) #strong[加粗] $x^2$",
        "<b>标签</b> \\ 反斜杠 #import \"/data.json\"",
    ] {
        assert!(t.on_a_line(typed), "{typed} as typed:\n{}", t.all());
    }
    let (_, _, docx) = fetch(
        &s.app,
        &format!("/api/v1/applications/{id}/form.docx"),
        Some(&s.host),
    )
    .await;
    let (text, _) = docx_text(&docx);
    assert!(text.contains(&squash("#set page(width: 1cm) #strong[加粗] $x^2$")));
    assert!(text.contains("&lt;b&gt;标签&lt;/b&gt;"));
}

#[tokio::test]
async fn the_notice_pdf_lists_its_applications_and_dates_for_anyone() {
    let s = scenario().await;
    let r = reviewers(&s.app).await;
    let id = s.ready().await;
    assert_eq!(s.submit(id, json!({})).await.0, StatusCode::OK);
    approve_via_county(&s, &r, id).await;
    let (st, n) = s
        .app
        .post(
            "/api/v1/notices",
            &r.city,
            json!({"application_ids": [id], "starts_on": "2026-03-11"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{n}");
    let notice = n["id"].as_i64().unwrap();
    let (st, h, pdf) = fetch(
        &s.app,
        &format!("/api/v1/notices/{notice}/notice.pdf"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_attachment(
        &h,
        "application/pdf",
        "关于2026学会服务站拟认定名单的公示（2026-03-11至2026-03-17）.pdf",
    );
    keep("notice.pdf", &pdf);
    let t = PdfText::of(&pdf);
    for fact in [
        "益阳市科学技术协会",
        "关于2026学会服务站拟认定名单的公示",
        "2026年3月11日至2026年3月17日",
        "5个工作日",
        "湖南省机械工程学会益阳智能装备学会服务站",
        "益阳智能装备有限公司科协",
        "省级学会服务站",
        "资阳区",
    ] {
        assert!(t.has(fact), "{fact} on the notice:\n{}", t.all());
    }
    let (st, _, _) = fetch(&s.app, "/api/v1/notices/999999/notice.pdf", None).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // The public notice page links it.
    let page = s
        .app
        .client
        .get(s.app.url(&format!("/notices/{notice}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("/notices/{notice}/notice.pdf")));
    let res = s
        .app
        .client
        .get(s.app.url(&format!("/notices/{notice}/notice.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_station_has_its_award_notice_assessment_sheet_and_ledger_statement() {
    let (s, r, station) = awarded("provincial", "2027-02-20").await;
    let (_, sv) = s
        .app
        .get(&format!("/api/v1/stations/{station}"), &r.city)
        .await;
    let number = sv["document_number"].as_str().unwrap().to_string();
    assert!(number.starts_with("益人才办〔2026〕"), "{number}");

    // The award notice: public while the station is.
    let (st, h, pdf) = fetch(
        &s.app,
        &format!("/api/v1/stations/{station}/award-notice.pdf"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(h["content-type"], "application/pdf");
    keep("award-notice.pdf", &pdf);
    let t = PdfText::of(&pdf);
    for fact in [
        "中共益阳市委人才工作领导小组办公室",
        number.as_str(),
        "湖南省机械工程学会益阳智能装备学会服务站",
        "省级学会服务站",
        "2026年3月18日",
        "2028年3月17日",
        "公示期2026年3月11日至2026年3月17日",
    ] {
        assert!(t.has(fact), "{fact} on the award notice:\n{}", t.all());
    }

    // The assessment sheet of year 1.
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/assessments"),
            &r.city,
            json!({"year": 1, "score": 80, "opinion": "各项工作扎实，考核合格。"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let grant = b["grant_id"].as_i64().unwrap();
    let (st, _, pdf) = fetch(
        &s.app,
        &format!("/api/v1/stations/{station}/assessments/1/sheet.pdf"),
        Some(&s.host),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    keep("sheet.pdf", &pdf);
    let t = PdfText::of(&pdf);
    for fact in [
        "学会服务站第1年度考核表",
        "考核得分80分",
        "合格",
        "各项工作扎实，考核合格。",
        "拨付资助资金（第十六条）",
        "2026年3月18日至2027年3月17日",
        number.as_str(),
        "合计",
    ] {
        assert!(t.has(fact), "{fact} on the sheet:\n{}", t.all());
    }
    let (st, _, _) = fetch(
        &s.app,
        &format!("/api/v1/stations/{station}/assessments/2/sheet.pdf"),
        Some(&s.host),
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "no year-2 assessment yet");

    // The ledger statement: a paid grant, an expense, the balance in yuan.
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/grants/{grant}/payment"),
            &r.city,
            json!({"paid_on": "2027-02-20"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/expenses"),
            &s.host,
            json!({"category": "咨询费", "amount_fen": 123_456, "spent_on": "2027-02-20", "note": "专家咨询"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let (st, _, pdf) = fetch(
        &s.app,
        &format!("/api/v1/stations/{station}/ledger.pdf"),
        Some(&r.city),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    keep("ledger.pdf", &pdf);
    let t = PdfText::of(&pdf);
    for fact in [
        "学会服务站经费台账",
        "100,000.00",
        "1,234.56",
        "98,765.44",
        "咨询费",
        "经费余额",
    ] {
        assert!(t.has(fact), "{fact} on the ledger:\n{}", t.all());
    }

    // Another unit sees neither the sheet nor the ledger; nobody signed out does.
    let other = s.app.unit("桃江某企业科协", "桃江县").await;
    s.app
        .user("other-host", Role::HostUnit, Link::Unit(other))
        .await;
    let token = s.app.token("other-host", PASSWORD).await;
    for path in [
        format!("/api/v1/stations/{station}/assessments/1/sheet.pdf"),
        format!("/api/v1/stations/{station}/ledger.pdf"),
    ] {
        assert_eq!(
            fetch(&s.app, &path, Some(&token)).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(fetch(&s.app, &path, None).await.0, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn the_pages_link_the_documents_and_serve_them_to_the_session() {
    let (s, _r, station) = awarded("provincial", "2027-02-20").await;
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
    let (_, sv) = s
        .app
        .get(&format!("/api/v1/stations/{station}"), &s.host)
        .await;
    let id = sv["application_id"].as_i64().unwrap();
    let page = web
        .get(s.app.url(&format!("/applications/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("/applications/{id}/form.pdf")));
    assert!(page.contains(&format!("/applications/{id}/form.docx")));
    for (path, ty) in [
        (format!("/applications/{id}/form.pdf"), "application/pdf"),
        (
            format!("/applications/{id}/form.docx"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            format!("/stations/{station}/award-notice.pdf"),
            "application/pdf",
        ),
        (format!("/stations/{station}/ledger.pdf"), "application/pdf"),
    ] {
        let res = web.get(s.app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()["content-type"], ty, "{path}");
    }
    let page = web
        .get(s.app.url(&format!("/stations/{station}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("/stations/{station}/award-notice.pdf")));
    assert!(page.contains(&format!("/stations/{station}/ledger.pdf")));
    // Signed out, the form asks for the sign-in.
    let res = s
        .app
        .browser()
        .get(s.app.url(&format!("/applications/{id}/form.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}
