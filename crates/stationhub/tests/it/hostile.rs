//! Hostile input over HTTP: script in every user text (escaped on every page that shows it,
//! literal in the documents), SQL injection through every list filter (a plain refusal or no
//! rows, nothing changed), path traversal in upload names, oversized bodies (413) and uploads
//! whose content is not what they claim.

use std::io::Read;

use sea_orm::EntityTrait;

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use stationhub_domain::account::{NewPassword, Role, Username};
use stationhub_domain::organisation::{ExpertInput, SocietyInput};
use stationhub_domain::policy::Policy;
use stationhub_domain::round::RoundInput;
use stationhub_storage::Actor;
use stationhub_storage::accounts::NewUser;

use crate::applications::{PDF, Scenario};
use crate::helpers::{Link, PASSWORD, TestApp, csrf_of};
use crate::pages::sign_in_page;
use crate::review::{Reviewers, reviewers};

// ------------------------------------------------------------------ XSS

/// Each user text carries its own numbered payload, so that a page can be checked for the texts
/// it shows. The payloads are the classic ones: a script element, a tag that breaks out of an
/// attribute value, an SVG with a handler, and one that closes a `<textarea>` first.
fn script(n: u32) -> String {
    format!("<script>alert({n})</script>")
}
fn img(n: u32) -> String {
    format!("\"><img src=x onerror=alert({n})>")
}
fn svg(n: u32) -> String {
    format!("'><svg onload=alert({n})>")
}

/// How askama writes [`script`]`(n)` into a page.
fn script_escaped(n: u32) -> String {
    format!("&lt;script&gt;alert({n})&lt;/script&gt;")
}
fn img_escaped(n: u32) -> String {
    format!("&lt;img src=x onerror=alert({n})&gt;")
}
fn svg_escaped(n: u32) -> String {
    format!("&lt;svg onload=alert({n})&gt;")
}

/// No payload ever reaches a page as markup: no script element of ours (the page's own scripts
/// have a `src`), no `<img src=x`, no `<svg onload`; and no quote of a payload is left bare
/// (which would end an attribute value even with the brackets escaped).
fn assert_no_raw_markup(what: &str, html: &str) {
    let html = &named_entities(html);
    for raw in [
        "<script>alert",
        "<img src=x",
        "<svg onload",
        "\"&gt;&lt;img",
        "'&gt;&lt;svg",
    ] {
        if let Some(at) = html.find(raw) {
            let from = html[..at]
                .char_indices()
                .rev()
                .nth(60)
                .map_or(0, |(i, _)| i);
            let context: String = html[from..].chars().take(100).collect();
            panic!("{what}: {raw:?} in the page: …{context}…");
        }
    }
}

/// askama writes `<`, `>`, `"` and `&` as `&#60;`, `&#62;`, `&#34;` and `&#38;`: the named
/// forms, to compare.
/// (Quotes are left alone, so that a bare one is still seen.)
fn named_entities(html: &str) -> String {
    html.replace("&#60;", "&lt;")
        .replace("&#62;", "&gt;")
        .replace("&#34;", "&quot;")
        .replace("&#38;", "&amp;")
}

/// The page shows each of `escaped` (as text) and none of the payloads as markup.
fn assert_page(what: &str, status: StatusCode, html: &str, escaped: &[String]) {
    assert_eq!(status, StatusCode::OK, "{what}: {html}");
    assert_no_raw_markup(what, html);
    let html = &named_entities(html);
    for e in escaped {
        if !html.contains(e.as_str()) {
            // Show how the text came out, if at all.
            let key = e.find("alert(").map(|i| &e[i..i + 9]).unwrap_or(e);
            let seen: Vec<String> = html
                .match_indices(key)
                .map(|(at, _)| {
                    let from = html[..at]
                        .char_indices()
                        .rev()
                        .nth(40)
                        .map_or(0, |(i, _)| i);
                    html[from..].chars().take(80).collect()
                })
                .collect();
            panic!("{what}: {e:?} not shown; {key} appears as {seen:?}");
        }
    }
}

async fn page(b: &Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = b.get(app.url(path)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn signed_in(app: &TestApp, username: &str) -> Client {
    let b = app.browser();
    let res = sign_in_page(app, &b, username, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "sign-in of {username}");
    b
}

/// A user with a display name of our choosing (as `stationhub user add` makes one).
async fn user_named(app: &TestApp, username: &str, display: &str, role: Role, link: Link) {
    let (unit_id, society_id, county) = match link {
        Link::None => (None, None, None),
        Link::Unit(id) => (Some(id), None, None),
        Link::Society(id) => (None, Some(id), None),
        Link::County(c) => (None, None, Some(c.to_string())),
    };
    app.store
        .create_user(
            &Actor::system("test"),
            NewUser {
                username: Username::parse(username).unwrap(),
                display_name: display.into(),
                role,
                password: NewPassword::parse(PASSWORD, &Policy::default().security).unwrap(),
                must_change_password: false,
                unit_id,
                society_id,
                county,
                office_id: None,
                email: None,
            },
        )
        .await
        .unwrap();
}

fn unzip_entry(bytes: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

/// The text of a PDF without white space (pdftotext spaces CJK and Latin apart).
fn pdf_text(pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-raw")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils) must be installed");
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

async fn bytes_of(app: &TestApp, path: &str, token: Option<&str>) -> (StatusCode, Vec<u8>) {
    let mut req = app.client.get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    (res.status(), res.bytes().await.unwrap().to_vec())
}

/// Every text a user types, each with its payload.
struct Texts {
    unit: String,
    unit_address: String,
    society: String,
    society_description: String,
    expert: String,
    round: String,
    station: String,
    unit_overview: String,
    work_plan: String,
    staff: String,
    file: String,
    confirmation: String,
    county_opinion: String,
    talent_opinion: String,
    city_opinion: String,
    findings: String,
    inspector: String,
    office_opinion: String,
    objector: String,
    objection_contact: String,
    objection: String,
    handling: String,
    activity_title: String,
    activity: String,
    finding: String,
    host_name: String,
}

fn texts() -> Texts {
    Texts {
        unit: format!("益阳{}科协", script(1)),
        unit_address: format!("益阳市{}", img(2)),
        society: format!("湖南{}学会", img(3)),
        society_description: format!("学会简介{}", svg(4)),
        expert: format!("专家{}", script(5)),
        round: format!("{}批次", script(6)),
        station: format!("{}服务站", img(7)),
        unit_overview: format!("公司概况{}\n\n第二段", script(8)),
        // Closes the form's textarea first, then tries a script.
        work_plan: format!("</textarea>{}", script(9)),
        staff: format!("刘{}", svg(10)),
        // `<`, `>` and `"` do not survive a file name (safe_filename); `'` and `&` do.
        file: "合作协议'&onmouseover=alert(11).pdf".into(),
        confirmation: format!("同意合作{}", script(12)),
        county_opinion: format!("推荐{}", img(13)),
        talent_opinion: format!("同意{}", svg(14)),
        city_opinion: format!("建议{}", script(15)),
        findings: format!("场地到位{}", img(16)),
        inspector: format!("周{}", script(17)),
        office_opinion: format!("批准{}", script(18)),
        objector: format!("张{}", script(19)),
        objection_contact: format!("13800000000{}", img(20)),
        objection: format!("异议{}", svg(21)),
        handling: format!("不成立{}", script(22)),
        activity_title: format!("调研{}", img(23)),
        activity: format!("调研内容{}", script(24)),
        finding: format!("违规使用{}", img(25)),
        host_name: format!("王{}", script(26)),
    }
}

/// A city in March 2026 whose every user text carries a payload, taken from draft to an
/// application confirmed by its society and ready to submit: `(scenario, reviewers, id)`.
async fn hostile_city(t: &Texts) -> (Scenario, Reviewers, i64) {
    let app = TestApp::builder().today("2026-03-10").spawn().await;
    let unit_id = app
        .unit_with(&t.unit, "资阳区", |u| u.address = t.unit_address.clone())
        .await;
    let society_id = app
        .store
        .create_society(
            &Actor::system("test"),
            SocietyInput {
                name: t.society.clone(),
                level: "provincial".into(),
                legal_rep: "王五".into(),
                legal_rep_title: "理事长".into(),
                legal_rep_mobile: "13900000000".into(),
                address: "长沙市".into(),
                postcode: "410000".into(),
                contact_name: "赵六".into(),
                contact_title: "秘书长".into(),
                contact_mobile: "13900000001".into(),
                phone_fax: String::new(),
                qq: String::new(),
                email: "s@example.cn".into(),
                wechat: String::new(),
                description: t.society_description.clone(),
            }
            .parse()
            .unwrap(),
        )
        .await
        .unwrap();
    let mut experts = Vec::new();
    for i in 0..5 {
        experts.push(
            app.store
                .add_expert(
                    &Actor::system("test"),
                    society_id,
                    ExpertInput {
                        name: if i == 0 {
                            t.expert.clone()
                        } else {
                            format!("专家{i}")
                        },
                        title: "教授".into(),
                        specialty: "机械工程".into(),
                        employer: "中南大学".into(),
                        mobile: format!("1390000{i:04}"),
                    },
                )
                .await
                .unwrap(),
        );
    }
    let round_id = app
        .store
        .create_round(
            &Actor::system("test"),
            RoundInput {
                name: t.round.clone(),
                opens_on: "2026-03-01".into(),
                closes_on: "2026-04-30".into(),
                ..Default::default()
            }
            .parse(&Policy::default())
            .unwrap(),
        )
        .await
        .unwrap();
    user_named(
        &app,
        "host",
        &t.host_name,
        Role::HostUnit,
        Link::Unit(unit_id),
    )
    .await;
    app.user("soc", Role::Society, Link::Society(society_id))
        .await;
    let host = app.token("host", PASSWORD).await;
    let society = app.token("soc", PASSWORD).await;
    let s = Scenario {
        app,
        host,
        society,
        unit_id,
        society_id,
        round_id,
        experts,
    };
    let r = reviewers(&s.app).await;
    let mut body = s.body();
    body["station_name"] = json!(t.station);
    body["unit_overview"] = json!(t.unit_overview);
    body["work_plan"] = json!(t.work_plan);
    body["staff"] = json!([{"name": t.staff, "mobile": "13807370001"}]);
    let id = s.draft_with(body).await;
    for kind in [
        "agreement",
        "performance_targets",
        "unit_intro_rules",
        "org_staff_list",
    ] {
        let name = if kind == "agreement" {
            t.file.clone()
        } else {
            format!("{kind}.pdf")
        };
        let (st, b) = s.upload(id, kind, &name, PDF.to_vec()).await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
    }
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/applications/{id}/confirmation-request"),
            &s.host,
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/applications/{id}/confirmation"),
            &s.society,
            json!({"opinion": t.confirmation}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    (s, r, id)
}

/// Takes the hostile application from draft to an awarded station (objection lodged and
/// dismissed on the way); returns `(notice, station)`.
async fn to_station(s: &mut Scenario, r: &Reviewers, t: &Texts, id: i64) -> (i64, i64) {
    let (st, b) = s.submit(id, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    // The county officer's queue and decision page show the texts, escaped.
    let county = signed_in(&s.app, "zy-cast").await;
    for path in [
        "/queue".to_string(),
        format!("/applications/{id}/review"),
        "/".into(),
    ] {
        let (st, html) = page(&county, &s.app, &path).await;
        assert_page(&format!("{path} (county)"), st, &html, &[img_escaped(7)]);
    }
    let steps = [
        (
            &r.county,
            json!({"action": "recommend", "opinion": t.county_opinion}),
        ),
        (
            &r.talent,
            json!({"action": "agree", "opinion": t.talent_opinion}),
        ),
        (
            &r.city,
            json!({"action": "propose", "opinion": t.city_opinion, "site_inspection":
                {"date": "2026-03-10", "inspectors": [t.inspector, "谭丽娟"], "findings": t.findings}}),
        ),
        (
            &r.office,
            json!({"action": "approve", "opinion": t.office_opinion}),
        ),
    ];
    for (token, body) in steps {
        let (st, b) = s
            .app
            .post(&format!("/api/v1/applications/{id}/decisions"), token, body)
            .await;
        assert_eq!(st, StatusCode::OK, "{b}");
    }
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
    s.app.travel_to("2026-03-12").await;
    let res = s
        .app
        .client
        .post(s.app.url(&format!("/api/v1/notices/{notice}/objections")))
        .json(&json!({"name": t.objector, "contact": t.objection_contact, "text": t.objection}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let oid = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/objections/{oid}/handling"),
            &r.city,
            json!({"outcome": "dismissed", "reason": t.handling}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
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
    s.app.travel_to("2026-04-01").await;
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/activities"),
            &s.host,
            json!({"kind": "survey", "date": "2026-03-25", "title": t.activity_title,
                   "description": t.activity}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let (st, b) = s
        .app
        .post(
            &format!("/api/v1/stations/{station}/recoveries"),
            &r.city,
            json!({"amount_fen": 100, "finding": t.finding, "document": "益科协〔2026〕1号"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    (notice, station)
}

#[tokio::test]
async fn script_in_any_user_text_is_escaped_on_every_page_and_literal_in_documents() {
    let t = texts();
    let (mut s, r, id) = hostile_city(&t).await;
    let host = signed_in(&s.app, "host").await;
    let soc = signed_in(&s.app, "soc").await;

    // The draft: the host's pages, the edit form (inputs and textareas), the society's pages.
    let (st, html) = page(&host, &s.app, &format!("/applications/{id}/edit")).await;
    assert_page(
        "edit form",
        st,
        &html,
        &[
            img_escaped(7),
            script_escaped(8),
            format!("&lt;/textarea&gt;{}", script_escaped(9)),
            svg_escaped(10),
        ],
    );
    // The form's textarea is closed exactly as often as it is opened.
    assert_eq!(
        html.matches("<textarea").count(),
        html.matches("</textarea>").count()
    );
    let (st, html) = page(&host, &s.app, &format!("/applications/{id}")).await;
    assert_page(
        "application (host)",
        st,
        &html,
        &[
            script_escaped(1),
            img_escaped(3),
            script_escaped(5),
            img_escaped(7),
            script_escaped(8),
            script_escaped(12),
            script_escaped(26),
            "合作协议&#39;&amp;onmouseover=alert(11).pdf".into(),
        ],
    );
    for (who, b, path, shown) in [
        (
            "host",
            &host,
            "/applications".to_string(),
            vec![img_escaped(7)],
        ),
        (
            "host",
            &host,
            "/unit".into(),
            vec![script_escaped(1), img_escaped(2)],
        ),
        ("host", &host, "/".into(), vec![script_escaped(26)]),
        (
            "society",
            &soc,
            "/society".into(),
            vec![img_escaped(3), svg_escaped(4), script_escaped(5)],
        ),
        (
            "society",
            &soc,
            format!("/applications/{id}"),
            vec![img_escaped(7)],
        ),
        ("society", &soc, "/".into(), vec![]),
    ] {
        let (st, html) = page(b, &s.app, &path).await;
        assert_page(&format!("{path} ({who})"), st, &html, &shown);
    }
    // The 申报书 as Word: the texts are XML-escaped text runs, never markup.
    let (st, docx) = bytes_of(
        &s.app,
        &format!("/api/v1/applications/{id}/form.docx"),
        Some(&s.host),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let xml = unzip_entry(&docx, "word/document.xml");
    assert!(!xml.contains("<script>"), "raw script in document.xml");
    assert!(!xml.contains("<img"), "raw img in document.xml");
    for e in [
        script_escaped(1),
        img_escaped(3),
        img_escaped(7),
        script_escaped(9),
    ] {
        assert!(xml.contains(&e), "document.xml lacks {e}");
    }

    let (notice, station) = to_station(&mut s, &r, &t, id).await;
    let city = signed_in(&s.app, "city").await;
    let office = signed_in(&s.app, "talent").await;
    user_named(&s.app, "admin", "管理员", Role::Admin, Link::None).await;
    let admin = signed_in(&s.app, "admin").await;
    let public = s.app.browser();

    let everything_of_the_application = vec![
        script_escaped(1),
        img_escaped(3),
        img_escaped(7),
        script_escaped(8),
        img_escaped(13),
        svg_escaped(14),
        script_escaped(15),
        script_escaped(18),
    ];
    let cases: Vec<(&str, &Client, String, Vec<String>)> = vec![
        (
            "host",
            &host,
            format!("/applications/{id}"),
            everything_of_the_application.clone(),
        ),
        (
            "city",
            &city,
            format!("/applications/{id}"),
            everything_of_the_application,
        ),
        (
            "city",
            &city,
            "/applications".into(),
            vec![img_escaped(7), script_escaped(1)],
        ),
        (
            "city",
            &city,
            format!("/applications?q={}", urlenc(&t.station)),
            vec![img_escaped(7)],
        ),
        ("city", &city, "/units".into(), vec![script_escaped(1)]),
        (
            "city",
            &city,
            format!("/units/{}", s.unit_id),
            vec![script_escaped(1), img_escaped(2)],
        ),
        ("city", &city, "/societies".into(), vec![img_escaped(3)]),
        (
            "city",
            &city,
            format!("/societies/{}", s.society_id),
            vec![img_escaped(3), svg_escaped(4), script_escaped(5)],
        ),
        ("city", &city, "/rounds".into(), vec![script_escaped(6)]),
        ("city", &city, "/notices".into(), vec![]),
        (
            "city",
            &city,
            format!("/notices/{notice}"),
            vec![
                img_escaped(7),
                script_escaped(19),
                img_escaped(20),
                svg_escaped(21),
                script_escaped(22),
            ],
        ),
        ("city", &city, "/stations".into(), vec![img_escaped(7)]),
        (
            "city",
            &city,
            format!("/stations/{station}"),
            vec![
                img_escaped(7),
                script_escaped(1),
                img_escaped(23),
                img_escaped(25),
            ],
        ),
        ("city", &city, "/dashboard".into(), vec![]),
        ("city", &city, "/funds".into(), vec![img_escaped(7)]),
        ("city", &city, "/indicators".into(), vec![img_escaped(7)]),
        ("city", &city, "/station-requests".into(), vec![]),
        ("city", &city, "/".into(), vec![]),
        ("talent", &office, "/awards".into(), vec![]),
        (
            "host",
            &host,
            format!("/stations/{station}"),
            vec![img_escaped(7), img_escaped(23)],
        ),
        ("host", &host, "/inbox".into(), vec![]),
        ("host", &host, "/".into(), vec![script_escaped(26)]),
        (
            "admin",
            &admin,
            "/admin/users".into(),
            vec![script_escaped(26)],
        ),
        ("admin", &admin, "/audit".into(), vec![]),
        (
            "public",
            &public,
            format!("/notices/{notice}"),
            vec![img_escaped(7)],
        ),
        ("public", &public, "/notices".into(), vec![]),
        ("public", &public, "/stations".into(), vec![img_escaped(7)]),
        (
            "public",
            &public,
            format!("/stations/{station}"),
            vec![img_escaped(7)],
        ),
    ];
    for (who, b, path, shown) in cases {
        let (st, html) = page(b, &s.app, &path).await;
        assert_page(&format!("{path} ({who})"), st, &html, &shown);
    }
    // The audit log holds every text in its before/after JSON, page after page.
    for p in 1..=4 {
        let (st, html) = page(&admin, &s.app, &format!("/audit?page={p}")).await;
        assert_page(&format!("/audit?page={p}"), st, &html, &[]);
    }

    // Documents: the texts are printed as typed.
    let (st, pdf) = bytes_of(
        &s.app,
        &format!("/api/v1/applications/{id}/form.pdf"),
        Some(&s.host),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let text = pdf_text(&pdf);
    for typed in [
        &t.unit,
        &t.society,
        &t.station,
        &t.county_opinion,
        &t.city_opinion,
    ] {
        assert!(text.contains(&squash(typed)), "form.pdf lacks {typed:?}");
    }
    let (st, pdf) = bytes_of(
        &s.app,
        &format!("/api/v1/notices/{notice}/notice.pdf"),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let text = pdf_text(&pdf);
    assert!(text.contains(&squash(&t.station)), "notice.pdf: {text}");
    assert!(text.contains(&squash(&t.unit)), "notice.pdf: {text}");
    let (st, pdf) = bytes_of(
        &s.app,
        &format!("/api/v1/stations/{station}/award-notice.pdf"),
        Some(&r.city),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert!(pdf_text(&pdf).contains(&squash(&t.station)));
    let (st, pdf) = bytes_of(
        &s.app,
        &format!("/api/v1/stations/{station}/ledger.pdf"),
        Some(&r.city),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert!(pdf_text(&pdf).contains(&squash(&t.finding)));
    // The .xlsx exports hold the texts as cell values, exactly as typed.
    for path in [
        "/api/v1/applications.xlsx",
        "/api/v1/stations.xlsx",
        "/api/v1/audit.xlsx",
    ] {
        let token = if path.contains("audit") {
            s.app.token("admin", PASSWORD).await
        } else {
            r.city.clone()
        };
        let (st, xlsx) = bytes_of(&s.app, path, Some(&token)).await;
        assert_eq!(st, StatusCode::OK, "{path}");
        let cells = xlsx_cells(&xlsx);
        let wanted = if path.contains("audit") {
            // The audit export has the record as JSON: the text is inside it.
            assert!(
                cells
                    .iter()
                    .any(|c| c.contains(&t.station.replace('"', "\\\""))),
                "{path}"
            );
            continue;
        } else {
            &t.station
        };
        assert!(cells.iter().any(|c| c == wanted), "{path}: {cells:?}");
        // Nothing in a cell became a formula.
        assert!(
            !unzip_all(&xlsx).contains("<f>"),
            "{path}: a user text became a formula"
        );
    }
}

fn urlenc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Every cell of every sheet, as text.
fn xlsx_cells(bytes: &[u8]) -> Vec<String> {
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut out = Vec::new();
    for name in book.sheet_names().to_vec() {
        let range = book.worksheet_range(&name).unwrap();
        for row in range.rows() {
            for c in row {
                out.push(c.to_string());
            }
        }
    }
    out
}

/// Every XML part of a zip (an .xlsx), concatenated.
fn unzip_all(bytes: &[u8]) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut all = String::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut s = String::new();
        let _ = f.read_to_string(&mut s);
        all.push_str(&s);
    }
    all
}

/// A formula typed into a text field (CSV/Excel injection) is kept as text in the exports.
#[tokio::test]
async fn a_formula_typed_as_text_stays_text_in_the_exports() {
    let t = texts();
    let (s, r, id) = hostile_city(&t).await;
    let mut body = s.body();
    body["station_name"] = json!("=HYPERLINK(\"http://evil.example/\",\"点击\")");
    let (st, b) = s
        .app
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/applications/{id}"),
            &s.host,
            body,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, b) = s.submit(id, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, xlsx) = bytes_of(&s.app, "/api/v1/applications.xlsx", Some(&r.county)).await;
    assert_eq!(st, StatusCode::OK);
    assert!(!unzip_all(&xlsx).contains("<f>"), "a formula was written");
    assert!(
        xlsx_cells(&xlsx)
            .iter()
            .any(|c| c == "=HYPERLINK(\"http://evil.example/\",\"点击\")")
    );
}

// ------------------------------------------------------------------ SQL injection

/// What an attacker types into a filter: quotes that close a string, tautologies, stacked
/// statements, UNIONs, comments, LIKE wildcards, a backslash, a NUL, numbers out of range.
const INJECTIONS: [&str; 14] = [
    "' OR '1'='1",
    "' OR 1=1 --",
    "1 OR 1=1",
    "1; DROP TABLE users; --",
    "'; DELETE FROM applications; --",
    "' UNION SELECT username, password_hash FROM users --",
    "%' OR '%'='",
    "\" OR \"\"=\"",
    "%",
    "_",
    "\\",
    "\0",
    "1e309",
    "99999999999999999999999",
];

/// The number of rows of every table of the database.
async fn row_counts(app: &TestApp) -> std::collections::BTreeMap<String, i64> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let db = app.store.db();
    let backend = db.get_database_backend();
    let list = match backend {
        DbBackend::Postgres => {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()"
        }
        _ => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    };
    let names: Vec<String> = db
        .query_all_raw(Statement::from_string(backend, list))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "name").unwrap())
        .collect();
    assert!(names.len() > 20, "{names:?}");
    let mut out = std::collections::BTreeMap::new();
    for n in names {
        let row = db
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT COUNT(*) AS n FROM \"{n}\""),
            ))
            .await
            .unwrap()
            .unwrap();
        out.insert(n, row.try_get::<i64>("", "n").unwrap());
    }
    out
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// One request of the sweep: who asks (an API token, a signed-in browser, or nobody), the
/// path, its filters, and whether the answer is a list the filters narrow (so that an
/// injection must find nothing).
struct Target<'a> {
    who: &'a str,
    api: Option<&'a str>,
    browser: Option<&'a Client>,
    path: String,
    params: &'a [&'a str],
    list: bool,
}

#[tokio::test]
async fn sql_injection_through_every_filter_finds_nothing_and_changes_nothing() {
    let (s, r, station) = crate::stations::awarded("provincial", "2026-04-01").await;
    let app = &s.app;
    app.user("admin", Role::Admin, Link::None).await;
    app.user("auditor", Role::Supervisor, Link::None).await;
    let admin = app.token("admin", PASSWORD).await;
    let auditor = app.token("auditor", PASSWORD).await;
    let city_b = signed_in(app, "city").await;
    let admin_b = signed_in(app, "admin").await;
    let host_b = signed_in(app, "host").await;
    let public_b = app.browser();
    // Names that every unfiltered list shows; an injected filter must show none of them.
    let station_name = "湖南省机械工程学会益阳智能装备学会服务站";
    let unit_name = "益阳智能装备有限公司科协";
    let society_name = "湖南省机械工程学会";

    let app_filters: &[&str] = &[
        "q", "state", "county", "round", "level", "industry", "page", "per_page",
    ];
    let station_filters: &[&str] = &["q", "county", "level", "status", "page", "per_page"];
    let assessment_filters: &[&str] = &["station", "year", "grade", "county", "q", "page"];
    let audit_filters: &[&str] = &["actor", "action", "entity", "from", "to", "page"];
    let t = |who, api, path: &str, params, list| Target {
        who,
        api,
        browser: None,
        path: path.to_string(),
        params,
        list,
    };
    let p = |who, b, path: &str, params, list| Target {
        who,
        api: None,
        browser: Some(b),
        path: path.to_string(),
        params,
        list,
    };
    let targets = vec![
        t(
            "city",
            Some(r.city.as_str()),
            "/api/v1/applications",
            app_filters,
            true,
        ),
        t(
            "city",
            Some(&r.city),
            "/api/v1/applications.xlsx",
            app_filters,
            true,
        ),
        t(
            "city",
            Some(&r.city),
            "/api/v1/stations",
            station_filters,
            true,
        ),
        // The public list has no status filter (it shows the running stations only).
        t(
            "public",
            None,
            "/api/v1/stations",
            &["q", "county", "level", "page"],
            true,
        ),
        t(
            "city",
            Some(&r.city),
            "/api/v1/stations.xlsx",
            station_filters,
            true,
        ),
        t(
            "city",
            Some(&r.city),
            "/api/v1/units",
            &["q", "page", "per_page"],
            true,
        ),
        t(
            "city",
            Some(&r.city),
            "/api/v1/societies",
            &["q", "page"],
            true,
        ),
        t(
            "city",
            Some(&r.city),
            &format!("/api/v1/societies/{}/experts", s.society_id),
            &["q", "page"],
            false,
        ),
        t(
            "admin",
            Some(&admin),
            "/api/v1/users",
            &["q", "role", "page"],
            true,
        ),
        t("admin", Some(&admin), "/api/v1/audit", audit_filters, true),
        t(
            "auditor",
            Some(&auditor),
            "/api/v1/audit.xlsx",
            audit_filters,
            true,
        ),
        t(
            "city",
            Some(&r.city),
            "/api/v1/assessments",
            assessment_filters,
            true,
        ),
        t(
            "city",
            Some(&r.city),
            "/api/v1/assessments.xlsx",
            assessment_filters,
            true,
        ),
        t("city", Some(&r.city), "/api/v1/funds", &["year"], false),
        t(
            "city",
            Some(&r.city),
            "/api/v1/funds.xlsx",
            &["year"],
            false,
        ),
        t(
            "admin",
            Some(&admin),
            "/api/v1/jobs",
            &["state", "page"],
            false,
        ),
        t(
            "city",
            Some(&r.city),
            &format!("/api/v1/stations/{station}/indicators"),
            &["year"],
            false,
        ),
        t(
            "city",
            Some(&r.city),
            &format!("/api/v1/stations/{station}/activities"),
            &["page", "year"],
            false,
        ),
        t(
            "city",
            Some(&r.city),
            &format!("/api/v1/stations/{station}/ledger.xlsx"),
            &["year"],
            false,
        ),
        t(
            "city",
            Some(&r.city),
            "/api/v1/indicators",
            &["sort", "year"],
            false,
        ),
        t("city", Some(&r.city), "/api/v1/calendar", &["year"], false),
        t(
            "public",
            None,
            "/api/v1/calendar/notice-end",
            &["starts_on", "working_days"],
            false,
        ),
        t("city", Some(&r.city), "/api/v1/queue", &["page"], false),
        t("city", Some(&r.city), "/api/v1/notices", &["page"], false),
        t(
            "city",
            Some(&r.city),
            "/api/v1/station-requests",
            &["page", "status"],
            false,
        ),
        t(
            "host",
            Some(&s.host),
            "/api/v1/me/inbox",
            &["page", "per_page"],
            false,
        ),
        t("host", Some(&s.host), "/api/v1/exports", &["page"], false),
        t(
            "city",
            Some(&r.city),
            "/api/v1/dashboard",
            &["year", "round"],
            false,
        ),
        p("city", &city_b, "/applications", app_filters, true),
        p("city", &city_b, "/applications.xlsx", app_filters, true),
        p("host", &host_b, "/applications", app_filters, true),
        p("city", &city_b, "/units", &["q", "county", "page"], true),
        // Societies have no county.
        p("city", &city_b, "/societies", &["q", "page"], true),
        p(
            "city",
            &city_b,
            "/stations",
            &["q", "county", "level", "page"],
            true,
        ),
        p(
            "public",
            &public_b,
            "/stations",
            &["q", "county", "level", "page"],
            true,
        ),
        // The pages' export is the public list: no status filter.
        p(
            "city",
            &city_b,
            "/stations.xlsx",
            &["q", "county", "level"],
            true,
        ),
        p(
            "admin",
            &admin_b,
            "/admin/users",
            &["q", "role", "page"],
            true,
        ),
        p("admin", &admin_b, "/audit", audit_filters, true),
        p("admin", &admin_b, "/audit.xlsx", audit_filters, true),
        p("admin", &admin_b, "/admin/jobs", &["state", "page"], false),
        p("city", &city_b, "/funds", &["year"], false),
        p(
            "city",
            &city_b,
            "/calendar",
            &["year", "starts_on", "assume"],
            false,
        ),
        p(
            "city",
            &city_b,
            &format!("/stations/{station}"),
            &["year"],
            false,
        ),
        p("city", &city_b, "/indicators", &["sort"], false),
        p("city", &city_b, "/dashboard", &["year", "round"], false),
        p("city", &city_b, "/queue", &["page"], false),
        p("city", &city_b, "/notices", &["page"], false),
        p("host", &host_b, "/exports", &["page"], false),
    ];

    let before = row_counts(app).await;
    let (mut requests, mut refusals, mut empty) = (0u32, 0u32, 0u32);
    // Every answer is checked and every problem listed at the end, not just the first.
    let mut problems: Vec<String> = Vec::new();
    for target in &targets {
        for param in target.params {
            // Each payload alone, then the parameter given twice.
            let mut queries: Vec<Vec<(&str, &str)>> =
                INJECTIONS.iter().map(|v| vec![(*param, *v)]).collect();
            queries.push(vec![(*param, "1"), (*param, "' OR '1'='1")]);
            for query in queries {
                let what = format!("{} {}?{query:?}", target.who, target.path);
                let mut req = match target.browser {
                    Some(b) => b.get(app.url(&target.path)),
                    None => app.client.get(app.url(&target.path)),
                }
                .query(&query);
                if let Some(token) = target.api {
                    req = req.bearer_auth(token);
                }
                let res = req.send().await.unwrap();
                requests += 1;
                let status = res.status();
                let is_xlsx = res
                    .headers()
                    .get("content-type")
                    .is_some_and(|v| v.to_str().unwrap_or("").contains("spreadsheet"));
                let body = res.bytes().await.unwrap();
                let mut check = |ok: bool, why: String| {
                    if !ok {
                        problems.push(why);
                    }
                };
                match status {
                    StatusCode::OK => {
                        // Paging and sorting do not narrow a list: a page may take junk
                        // there for its first page.
                        if !target.list || matches!(*param, "page" | "per_page" | "sort") {
                            continue;
                        }
                        let text = if is_xlsx {
                            xlsx_cells(&body).join("\n")
                        } else {
                            String::from_utf8_lossy(&body).to_string()
                        };
                        if target.path.ends_with("audit") || target.path.ends_with("audit.xlsx") {
                            // The log is the record of everything: a filter that matched
                            // would list the award among its entries.
                            if target.browser.is_none() && !is_xlsx {
                                let v: Value = serde_json::from_slice(&body).unwrap();
                                check(v["total"] == 0, format!("{what}: {}", v["total"]));
                            } else {
                                check(!text.contains("application.award"), what.clone());
                            }
                        } else if target.path.contains("users") {
                            check(!text.contains("zy-cast"), format!("{what} lists accounts"));
                        } else {
                            for name in [station_name, unit_name, society_name] {
                                // The host's own unit heads every page it sees.
                                if target.who == "host" && name == unit_name {
                                    continue;
                                }
                                // A page's own filter box shows the typed text again, never
                                // a row; the names are not what was typed.
                                check(!text.contains(name), format!("{what} lists {name}"));
                            }
                        }
                        empty += 1;
                    }
                    StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => {
                        let text = String::from_utf8_lossy(&body).to_string();
                        if target.browser.is_some() {
                            check(
                                has_cjk(&text),
                                format!("{what}: {status} without a Chinese page: {text}"),
                            );
                        } else {
                            match serde_json::from_slice::<Value>(&body) {
                                Ok(v) => {
                                    let msg = v["error"]["message"].as_str().unwrap_or_default();
                                    check(has_cjk(msg), format!("{what}: {status} {v}"));
                                }
                                Err(_) => {
                                    check(false, format!("{what}: {status} not JSON: {text}"))
                                }
                            }
                        }
                        refusals += 1;
                    }
                    other => check(
                        false,
                        format!(
                            "{what}: answered {other}: {}",
                            String::from_utf8_lossy(&body)
                        ),
                    ),
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    let after = row_counts(app).await;
    assert_eq!(before, after, "an injection changed the database");
    let (st, v) = app.get("/api/v1/audit?per_page=1", &admin).await;
    assert_eq!(st, StatusCode::OK);
    assert!(v["total"].as_u64().unwrap() > 0);
    let out = app.cli(&["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    println!(
        "sql injection: {requests} requests over {} targets: {empty} answered with nothing found, {refusals} refused",
        targets.len()
    );
}

// ------------------------------------------------------------------ path traversal

/// A multipart body written by hand, as a browser (or a script) sends it: the file name as
/// raw bytes in `filename="…"`, not percent-encoded.
fn raw_multipart(kind: &str, filename: &[u8], bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----stationhub-hostile-7e3f";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"")
            .as_bytes(),
    );
    body.extend_from_slice(filename);
    body.extend_from_slice(b"\"\r\nContent-Type: application/pdf\r\n\r\n");
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Every file below `dir`, recursively.
fn files_below(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_below(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[tokio::test]
async fn traversal_in_upload_names_is_neutralised() {
    let s = crate::applications::scenario().await;
    let id = s.draft().await;
    let data_dir = s.app.data_dir();
    let root = data_dir.parent().unwrap().to_path_buf();
    // (sent as, stored and offered as)
    let cases: [(&[u8], &str); 12] = [
        (b"../../etc/passwd", "passwd"),
        (
            b"../../../../../../tmp/stationhub-escape.pdf",
            "stationhub-escape.pdf",
        ),
        (br"..\..\windows\win.ini", "win.ini"),
        (b"/etc/shadow", "shadow"),
        (br"C:\boot.ini", "boot.ini"),
        (b"....//....//x.pdf", "x.pdf"),
        (b"%2e%2e%2fsecret.pdf", "%2e%2e%2fsecret.pdf"),
        (b"a\x00b.pdf", "ab.pdf"), // refused as a malformed header, or cleaned
        (b"..", "file"),
        (b"../", "file"),
        (b"./.hidden.pdf", "hidden.pdf"),
        ("申报\u{202E}fdp.exe".as_bytes(), "申报fdp.exe"),
    ];
    let mut stored = Vec::new();
    for (sent, expect) in cases {
        let (ct, body) = raw_multipart("agreement", sent, PDF);
        let res = s
            .app
            .client
            .post(s.app.url(&format!("/api/v1/applications/{id}/files")))
            .bearer_auth(&s.host)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let b: Value = res.json().await.unwrap();
        let shown = String::from_utf8_lossy(sent).to_string();
        if sent.contains(&0) && status == StatusCode::BAD_REQUEST {
            // A NUL in a header is no header at all: refused, in Chinese.
            assert!(has_cjk(b["error"]["message"].as_str().unwrap()), "{b}");
            continue;
        }
        assert_eq!(status, StatusCode::CREATED, "{shown:?}: {b}");
        stored.push((b["id"].as_i64().unwrap(), expect, shown));
    }
    // The same names the way reqwest (and RFC 7578 clients) send them: percent-encoded in
    // `filename*`.
    let form = reqwest::multipart::Form::new()
        .text("kind", "performance_targets")
        .part(
            "file",
            reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("../../../etc/目标.pdf"),
        );
    let res = s
        .app
        .client
        .post(s.app.url(&format!("/api/v1/applications/{id}/files")))
        .bearer_auth(&s.host)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let b: Value = res.json().await.unwrap();
    stored.push((
        b["id"].as_i64().unwrap(),
        "目标.pdf",
        "../../../etc/目标.pdf".into(),
    ));

    for (fid, expect, sent) in &stored {
        let res = s
            .app
            .client
            .get(s.app.url(&format!("/api/v1/files/{fid}")))
            .bearer_auth(&s.host)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{sent:?}");
        let cd = res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(cd.starts_with("attachment;"), "{sent:?}: {cd}");
        assert!(
            !cd.contains("..") && !cd.contains('/') && !cd.contains('\\'),
            "{sent:?}: {cd}"
        );
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
        // The name offered is the safe one (percent-encoded in filename*).
        let encoded: String = expect
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        assert!(cd.ends_with(&format!("UTF-8''{encoded}")), "{sent:?}: {cd}");
    }
    // The record keeps the safe name; the stored key is the server's own.
    let rows = stationhub_storage::entity::file::Entity::find()
        .all(s.app.store.db())
        .await
        .unwrap();
    for (fid, expect, sent) in &stored {
        let f = rows.iter().find(|f| f.id == *fid).unwrap();
        assert_eq!(f.filename, *expect, "{sent:?}");
        assert!(
            !f.storage_key.contains("..") && !f.storage_key.starts_with('/'),
            "{}",
            f.storage_key
        );
        assert!(!f.storage_key.contains(expect), "{}", f.storage_key);
    }
    // Nothing was written outside the data folder (beside it: only the database).
    for p in files_below(&root) {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            p.starts_with(&data_dir) || name.starts_with("test.db"),
            "a file outside the data folder: {}",
            p.display()
        );
        assert!(
            !["passwd", "shadow", "win.ini", "boot.ini", "x.pdf"].contains(&name.as_str()),
            "a file named as sent: {}",
            p.display()
        );
    }
    assert!(!std::path::Path::new("/tmp/stationhub-escape.pdf").exists());
    assert_eq!(
        files_below(&data_dir).len(),
        stored.len(),
        "one stored object per upload"
    );
}

// ------------------------------------------------------------------ oversized bodies

/// Sends `head` (request line and headers, without the blank line) and `n` bytes of body in
/// chunks without a Content-Length (`Transfer-Encoding: chunked`, as a client that streams),
/// over a plain TCP connection; the status and the body of the answer.
async fn chunked(base: &str, head: &str, n: usize) -> (StatusCode, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "{head}\r\nHost: {addr}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..n.div_ceil(chunk.len()) {
        // The server may answer and close before the body ends.
        let sent = async {
            conn.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            conn.write_all(&chunk).await?;
            conn.write_all(b"\r\n").await
        };
        if sent.await.is_err() {
            break;
        }
    }
    let _ = conn.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer).to_string();
    let status: u16 = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (StatusCode::from_u16(status).unwrap(), body)
}

async fn assert_413_json(res: reqwest::Response, what: &str) {
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE, "{what}");
    let ct = res.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("application/json"), "{what}: {ct}");
    let v: Value = res.json().await.unwrap();
    let msg = v["error"]["message"].as_str().unwrap_or_default();
    assert!(has_cjk(msg), "{what}: {v}");
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let s = crate::applications::scenario().await;
    let id = s.draft().await;
    let host = signed_in(&s.app, "host").await;
    let before = row_counts(&s.app).await;
    let big_json = |n: usize| {
        let mut body = s.body();
        body["work_plan"] = json!("很".repeat(n / 3));
        serde_json::to_vec(&body).unwrap()
    };
    // JSON beyond the API's 1 MB, with a length and streamed, signed in and not.
    let cases: Vec<(&str, reqwest::Method, String, Option<&str>)> = vec![
        (
            "create",
            reqwest::Method::POST,
            "/api/v1/applications".into(),
            Some(s.host.as_str()),
        ),
        (
            "update",
            reqwest::Method::PUT,
            format!("/api/v1/applications/{id}"),
            Some(&s.host),
        ),
        (
            "submit",
            reqwest::Method::POST,
            format!("/api/v1/applications/{id}/submit"),
            Some(&s.host),
        ),
        (
            "sign-in",
            reqwest::Method::POST,
            "/api/v1/session".into(),
            None,
        ),
        (
            "objection",
            reqwest::Method::POST,
            "/api/v1/notices/1/objections".into(),
            None,
        ),
    ];
    for (what, method, path, token) in &cases {
        let mut req = s
            .app
            .client
            .request(method.clone(), s.app.url(path))
            .header("content-type", "application/json");
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.body(big_json(2 * 1024 * 1024)).send().await.unwrap();
        assert_413_json(res, what).await;
        let mut head = format!("{method} {path} HTTP/1.1\r\nContent-Type: application/json");
        if let Some(t) = token {
            head.push_str(&format!("\r\nAuthorization: Bearer {t}"));
        }
        let (st, body) = chunked(&s.app.base, &head, 2 * 1024 * 1024).await;
        assert_eq!(
            st,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{what} (streamed): {body}"
        );
        assert!(
            body.contains("\"error\"") && has_cjk(&body),
            "{what} (streamed): {body}"
        );
    }
    // A multipart upload beyond 20 MB plus its envelope.
    let mut big = PDF.to_vec();
    big.resize(21 * 1024 * 1024, b' ');
    let (ct, body) = raw_multipart("agreement", b"big.pdf", &big);
    let res = s
        .app
        .client
        .post(s.app.url(&format!("/api/v1/applications/{id}/files")))
        .bearer_auth(&s.host)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_413_json(res, "upload").await;
    // The pages: a form beyond 1 MB answers 413 with a page in Chinese.
    let html = host
        .get(s.app.url(&format!("/applications/{id}/edit")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    for with_header in [false, true] {
        let mut req = host
            .post(s.app.url(&format!("/applications/{id}/edit")))
            .header("content-type", "application/x-www-form-urlencoded");
        let mut form = format!("work_plan={}", "x".repeat(3 * 1024 * 1024));
        if with_header {
            req = req.header("x-csrf-token", &csrf);
        } else {
            form = format!("csrf_token={csrf}&{form}");
        }
        let res = req.body(form).send().await.unwrap();
        assert_eq!(
            res.status(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "page form (header: {with_header})"
        );
        let text = res.text().await.unwrap();
        assert!(has_cjk(&text), "{text}");
    }
    assert_eq!(
        before,
        row_counts(&s.app).await,
        "an oversized body changed something"
    );
    assert!(
        files_below(&s.app.data_dir()).is_empty(),
        "a refused upload was kept"
    );
}

// ------------------------------------------------------------------ content not as claimed

#[tokio::test]
async fn uploads_whose_content_is_not_an_allowed_type_are_refused() {
    let s = crate::applications::scenario().await;
    let id = s.draft().await;
    let host = signed_in(&s.app, "host").await;
    let before = row_counts(&s.app).await;
    let exe: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xFF\xFF\x00\x00PE\x00\x00";
    let elf: &[u8] = b"\x7FELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00";
    let html: &[u8] = b"<html><script>alert(1)</script></html>";
    let svg: &[u8] = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>";
    let sh: &[u8] = b"#!/bin/sh\nrm -rf /\n";
    let zip: &[u8] = b"PK\x03\x04\x14\x00\x00\x00\x08\x00";
    let cases: [(&str, &[u8]); 8] = [
        ("协议.pdf", exe),
        ("协议.pdf", elf),
        ("照片.png", html),
        ("印章.png", svg),
        ("目标.docx", sh),
        ("名单.xlsx", zip),
        ("协议.pdf", b"%PD"),
        ("协议.pdf", b""),
    ];
    for (name, bytes) in cases {
        let (st, b) = s.upload(id, "agreement", name, bytes.to_vec()).await;
        assert_eq!(
            st,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name} {:?}: {b}",
            &bytes[..bytes.len().min(4)]
        );
        let msg = b["error"]["message"].as_str().unwrap();
        assert!(has_cjk(msg), "{b}");
        assert_eq!(b["error"]["field"], "file", "{b}");
        if !bytes.is_empty() {
            // The message says which types are accepted.
            assert!(msg.contains("只接受") && msg.contains("PDF"), "{msg}");
        }
    }
    // The seal (images only) and a voucher take the same check.
    let (ct, body) = raw_multipart("seal", b"seal.png", html);
    let res = s
        .app
        .client
        .post(s.app.url("/api/v1/seal"))
        .bearer_auth(&s.host)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = res.json().await.unwrap();
    assert!(has_cjk(v["error"]["message"].as_str().unwrap()), "{v}");
    // A real PDF named .png is taken for what it is, and served as a PDF.
    let (st, b) = s.upload(id, "agreement", "扫描件.png", PDF.to_vec()).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let fid = b["id"].as_i64().unwrap();
    let res = s
        .app
        .client
        .get(s.app.url(&format!("/api/v1/files/{fid}")))
        .bearer_auth(&s.host)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "application/pdf");
    // The page refuses the same way, in Chinese, and keeps nothing.
    let html_page = host
        .get(s.app.url(&format!("/applications/{id}/edit")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html_page);
    let form = reqwest::multipart::Form::new()
        .text("kind", "performance_targets")
        .part(
            "file",
            reqwest::multipart::Part::bytes(exe.to_vec()).file_name("目标.pdf"),
        );
    let res = host
        .post(s.app.url(&format!(
            "/applications/{id}/files?kind=performance_targets&csrf_token={csrf}"
        )))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = res.text().await.unwrap();
    assert!(text.contains("只接受"), "{text}");
    let mut after = row_counts(&s.app).await;
    // Only the one PDF (its file row and its audit entry) came in.
    for t in ["files", "audit_log"] {
        *after.get_mut(t).unwrap() -= 1;
    }
    assert_eq!(before, after);
    assert_eq!(
        files_below(&s.app.data_dir()).len(),
        1,
        "a refused upload was kept"
    );
}

// ------------------------------------------------------------------ NUL characters

/// PostgreSQL cannot hold a NUL in text (it refuses the statement) and SQLite's LIKE stops
/// reading a pattern at one; wherever a NUL comes in — a query string, a JSON string, a form
/// field, a multipart field — it is refused plainly (400/422 in Chinese), never a 500, and
/// nothing is kept.
#[tokio::test]
async fn a_nul_anywhere_in_the_input_is_refused_plainly() {
    let s = crate::applications::scenario().await;
    let id = s.draft().await;
    let browser = signed_in(&s.app, "host").await;
    let before = row_counts(&s.app).await;
    let expect_refused = |what: &str, status: StatusCode, body: &str| {
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {status} {body}"
        );
        assert!(has_cjk(body), "{what}: {body}");
    };
    // JSON, signed out and signed in.
    let mut body = s.body();
    body["station_name"] = json!("服务站\u{0}名称");
    let json_cases: Vec<(&str, reqwest::Method, String, Option<&str>, Value)> = vec![
        (
            "sign-in",
            reqwest::Method::POST,
            "/api/v1/session".into(),
            None,
            json!({"username": "ho\u{0}st", "password": PASSWORD}),
        ),
        (
            "sign-in password",
            reqwest::Method::POST,
            "/api/v1/session".into(),
            None,
            json!({"username": "host", "password": "Test#2023\u{0}yy"}),
        ),
        (
            "application",
            reqwest::Method::PUT,
            format!("/api/v1/applications/{id}"),
            Some(s.host.as_str()),
            body,
        ),
        (
            "password",
            reqwest::Method::PUT,
            "/api/v1/me/password".into(),
            Some(&s.host),
            json!({"current_password": PASSWORD, "new_password": "New#2024\u{0}abc"}),
        ),
    ];
    for (what, method, path, token, body) in json_cases {
        let mut req = s.app.client.request(method, s.app.url(&path)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        let st = res.status();
        let text = res.text().await.unwrap();
        expect_refused(what, st, &text);
        assert!(text.starts_with('{'), "{what}: not JSON: {text}");
    }
    // Query strings and paths.
    for path in [
        "/api/v1/applications?q=%00".to_string(),
        "/api/v1/units?q=a%00b".into(),
        format!("/api/v1/applications/{id}%00"),
    ] {
        let res = s
            .app
            .client
            .get(s.app.url(&path))
            .bearer_auth(&s.host)
            .send()
            .await
            .unwrap();
        let st = res.status();
        let text = res.text().await.unwrap();
        assert!(st.is_client_error(), "{path}: {st} {text}");
        assert!(has_cjk(&text), "{path}: {text}");
    }
    // The pages: the sign-in form, a saved form, a query.
    let anon = s.app.browser();
    let html = anon
        .get(s.app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    let res = anon
        .post(s.app.url("/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("username", "ho\u{0}st"),
            ("password", PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    let st = res.status();
    expect_refused("sign-in page", st, &res.text().await.unwrap());
    let html = browser
        .get(s.app.url(&format!("/applications/{id}/edit")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    let res = browser
        .post(s.app.url(&format!("/applications/{id}/edit")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("station_name", "服务站\u{0}"),
            ("version", "1"),
        ])
        .send()
        .await
        .unwrap();
    let st = res.status();
    expect_refused("edit page", st, &res.text().await.unwrap());
    let res = browser
        .get(s.app.url("/applications?q=%00"))
        .send()
        .await
        .unwrap();
    let st = res.status();
    expect_refused("list page", st, &res.text().await.unwrap());
    // A multipart text field.
    let form = reqwest::multipart::Form::new()
        .text("kind", "agree\u{0}ment")
        .part(
            "file",
            reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("协议.pdf"),
        );
    let res = s
        .app
        .client
        .post(s.app.url(&format!("/api/v1/applications/{id}/files")))
        .bearer_auth(&s.host)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let st = res.status();
    expect_refused("multipart", st, &res.text().await.unwrap());
    // Refused, so nothing written but the failed sign-ins' audit entries.
    let mut after = row_counts(&s.app).await;
    let signins = after["audit_log"] - before["audit_log"];
    assert!(signins <= 3, "{signins} audit entries");
    *after.get_mut("audit_log").unwrap() = before["audit_log"];
    *after.get_mut("signin_throttle").unwrap() = before["signin_throttle"];
    assert_eq!(before, after);
    assert!(files_below(&s.app.data_dir()).is_empty());
}

/// `%` and `_` in a search are the characters themselves, not LIKE wildcards.
#[tokio::test]
async fn a_search_takes_percent_and_underscore_literally() {
    let app = TestApp::spawn().await;
    app.unit("益阳市普通科技有限公司科协", "资阳区").await;
    app.unit("益阳100%_新材料有限公司科协", "赫山区").await;
    app.user("city", Role::CityCast, Link::None).await;
    let city = app.token("city", PASSWORD).await;
    for (q, found) in [
        ("%", 1),
        ("_", 1),
        ("0%_", 1),
        ("%_新", 1),
        ("\\", 0),
        ("科协", 2),
    ] {
        let (st, v) = app
            .get(&format!("/api/v1/units?q={}", urlenc(q)), &city)
            .await;
        assert_eq!(st, StatusCode::OK, "{q}: {v}");
        assert_eq!(v["total"], found, "{q}: {v}");
    }
}
