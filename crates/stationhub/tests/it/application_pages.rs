//! The 申报书 pages as a browser meets them (cookies, forms, redirects, multipart uploads):
//! a host unit fills, checks and submits its application, the society confirms it, reviewers
//! see it in their lists, and everyone else gets "not found".

use reqwest::multipart::{Form, Part};
use reqwest::{Client, Response, StatusCode};
use stationhub_domain::account::Role;

use crate::helpers::{Link, PASSWORD, TestApp, csrf_of};
use crate::pages::sign_in_page;

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n";
/// A Windows program, whatever its name says.
const EXE: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00This program cannot be run in DOS mode.";

const UNIT: &str = "益阳智能装备有限公司科协";
const SOCIETY: &str = "湖南省机械工程学会";
const STATION: &str = "湖南省机械工程学会益阳智能装备服务站";

struct Scene {
    app: TestApp,
    society: i64,
    experts: Vec<i64>,
    round: i64,
}

/// A host unit in 资阳区 with its user `host`, a provincial society with six experts and its
/// user `soc`, an open round, and county officers of 资阳区 and 赫山区.
async fn scene() -> Scene {
    let app = TestApp::builder().today("2026-03-10").spawn().await;
    let unit = app.unit(UNIT, "资阳区").await;
    let society = app.society(SOCIETY).await;
    let experts = app.experts(society, 6).await;
    let round = app.round("2026-03-01", "2026-04-30").await;
    app.user("host", Role::HostUnit, Link::Unit(unit)).await;
    app.user("soc", Role::Society, Link::Society(society)).await;
    app.user("zy-cast", Role::CountyCast, Link::County("资阳区"))
        .await;
    app.user("hs-cast", Role::CountyCast, Link::County("赫山区"))
        .await;
    Scene {
        app,
        society,
        experts,
        round,
    }
}

async fn signed_in(app: &TestApp, username: &str) -> Client {
    let browser = app.browser();
    let res = sign_in_page(app, &browser, username, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "sign-in of {username}");
    browser
}

async fn page(browser: &Client, url: String) -> (StatusCode, String) {
    let res = browser.get(url).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn post(browser: &Client, url: String, form: &[(String, String)]) -> Response {
    browser.post(url).form(form).send().await.unwrap()
}

fn location(res: &Response) -> String {
    res.headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The part of a page from a field's anchor (`id="f-…"`) to the next field's anchor: what a
/// reader sees beside that field.
fn beside<'a>(html: &'a str, field: &str) -> &'a str {
    let anchor = format!("id=\"f-{field}\"");
    let start = html
        .find(&anchor)
        .unwrap_or_else(|| panic!("no field {field} on the page"));
    let rest = &html[start + anchor.len()..];
    let end = rest.find("id=\"f-").unwrap_or(rest.len());
    &rest[..end]
}

/// The value of a hidden input of the page's edit form.
fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let start = html.find(&key).expect("the hidden field") + key.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

/// Creates a draft on the pages (round, society, level, industry); its id.
async fn new_draft(
    app: &TestApp,
    browser: &Client,
    round: i64,
    society: i64,
    level: &str,
    industry: &str,
) -> i64 {
    let (s, html) = page(browser, app.url("/applications/new")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("新建申报书"));
    let res = post(
        browser,
        app.url("/applications"),
        &pairs(&[
            ("csrf_token", &csrf_of(&html)),
            ("round_id", &round.to_string()),
            ("society_id", &society.to_string()),
            ("level", level),
            ("industry", industry),
        ]),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "the draft is created");
    let to = location(&res);
    assert!(to.ends_with("/edit?flash=created"), "{to}");
    to.trim_start_matches("/applications/")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// The edit form as the page sends it, with every field filled.
fn full_form(html: &str, s: &Scene, experts: &[i64]) -> Vec<(String, String)> {
    let mut f = pairs(&[
        ("csrf_token", &csrf_of(html)),
        ("version", &hidden(html, "version")),
        ("form", "edit"),
        ("round_id", &s.round.to_string()),
        ("society_id", &s.society.to_string()),
        ("station_name", STATION),
        ("level", "provincial"),
        ("industry", "装备制造"),
        ("industry_other", ""),
        (
            "unit_overview",
            "公司成立于2008年，员工860人。\r\n\r\n拥有省级企业技术中心。",
        ),
        ("industry_overview", "益阳装备制造业规模以上企业120家。"),
        (
            "society_overview",
            "学会现有会员5000余人，长期服务湖南装备制造业。",
        ),
        (
            "work_plan",
            "目标：两年内攻克智能产线关键技术2项。\r\n\r\n任务：联合攻关、培训骨干。",
        ),
        ("term_years", "3"),
        ("term_reason", "企业技改周期为三年"),
        ("route", "county"),
    ]);
    for e in experts {
        f.push(("expert_ids".into(), e.to_string()));
    }
    for (name, mobile, duty) in [
        ("刘建国", "13807370001", "站长"),
        ("陈晓梅", "13807370002", "联络员"),
        ("", "", ""),
    ] {
        f.push(("staff_name".into(), name.into()));
        f.push(("staff_mobile".into(), mobile.into()));
        f.push(("staff_duty".into(), duty.into()));
    }
    f
}

async fn upload(
    app: &TestApp,
    browser: &Client,
    id: i64,
    csrf: &str,
    kind: &str,
    name: &str,
    bytes: &[u8],
) -> Response {
    let form = Form::new().text("kind", kind.to_string()).part(
        "file",
        Part::bytes(bytes.to_vec())
            .file_name(name.to_string())
            .mime_str("application/pdf")
            .unwrap(),
    );
    browser
        .post(app.url(&format!(
            "/applications/{id}/files?kind={kind}&csrf_token={csrf}"
        )))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

const MATERIALS: [(&str, &str); 4] = [
    ("agreement", "共建协议.pdf"),
    ("performance_targets", "绩效目标.pdf"),
    ("unit_intro_rules", "单位简介与工作细则.pdf"),
    ("org_staff_list", "人员名单.pdf"),
];

#[tokio::test]
async fn a_host_unit_fills_checks_and_submits_and_the_society_confirms_on_the_pages() {
    let s = scene().await;
    let app = &s.app;
    let host = signed_in(app, "host").await;

    // The home page and the list offer a new application.
    let (_, home) = page(&host, app.url("/")).await;
    assert!(home.contains("我的申报书") && home.contains("暂无申报书"));
    let (_, list) = page(&host, app.url("/applications")).await;
    assert!(list.contains("新建申报书"), "{list}");

    let id = new_draft(app, &host, s.round, s.society, "provincial", "装备制造").await;
    let edit_url = app.url(&format!("/applications/{id}/edit"));
    let (status, html) = page(&host, format!("{edit_url}?flash=created")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("草稿已创建"));
    for i in 0..6 {
        assert!(
            html.contains(&format!("专家{i}")),
            "the society's roster is offered"
        );
    }
    assert!(html.contains("教授") && html.contains("中南大学"));
    assert_eq!(
        html.matches("name=\"staff_name\"").count(),
        3,
        "three blank staff rows"
    );
    assert!(html.contains("更换学会会使该学会已作出的合作确认作废"));
    assert!(
        html.contains("第八条（一）"),
        "the route's rule is explained"
    );

    // 检查 on a bare draft lists every failing rule, with its article, beside its field.
    let bare = pairs(&[
        ("csrf_token", &csrf_of(&html)),
        ("version", &hidden(&html, "version")),
        ("form", "edit"),
        ("round_id", &s.round.to_string()),
        ("society_id", &s.society.to_string()),
        ("level", "provincial"),
        ("industry", "装备制造"),
        ("term_years", "2"),
        ("route", "county"),
    ]);
    let res = post(&host, app.url(&format!("/applications/{id}/check")), &bare).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("检查发现"), "{html}");
    for (field, message, article) in [
        (
            "station_name",
            "申报书未填写：学会服务站名称",
            "第九条（一）",
        ),
        (
            "unit_overview",
            "申报书未填写：申报单位基本情况",
            "第九条（一）",
        ),
        (
            "work_plan",
            "申报书未填写：建站目的工作计划",
            "第九条（一）",
        ),
        (
            "expert_ids",
            "须有不少于 5 人的学会专家组成的专家团队",
            "第七条（六）",
        ),
        ("staff", "须有专职或兼职工作人员至少 1 名", "第七条（六）"),
        ("agreement", "缺少申报材料", "第九条"),
        ("org_staff_list", "缺少申报材料", "第九条"),
        ("society_id", "建站学会尚未确认合作", "第七条"),
    ] {
        let near = beside(&html, field);
        assert!(
            near.contains(message) && near.contains(article),
            "{field}: “{message}（{article}）” beside the field:\n{near}"
        );
    }
    assert!(html.contains("id=\"error-summary\""));

    // Every field filled and saved.
    let (_, html) = page(&host, edit_url.clone()).await;
    let mut form = full_form(&html, &s, &s.experts[..5]);
    let res = post(&host, edit_url.clone(), &form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).ends_with("/edit?flash=saved"));
    let (_, html) = page(&host, app.url(&location(&res))).await;
    assert!(html.contains("草稿已保存"));
    assert!(html.contains(STATION));
    assert!(
        html.contains("公司成立于2008年，员工860人。\n\n拥有省级企业技术中心。"),
        "paragraphs are kept"
    );
    assert!(html.contains("value=\"刘建国\"") && html.contains("value=\"13807370002\""));
    assert!(html.contains("value=\"联络员\""));
    assert!(html.contains("企业技改周期为三年"));
    assert_eq!(
        html.matches("name=\"expert_ids\"").count(),
        6,
        "the whole roster"
    );
    assert!(html.matches(" checked>").count() >= 5 + 3);

    // The four materials of 第九条.
    let csrf = csrf_of(&html);
    for (kind, name) in MATERIALS {
        let res = upload(app, &host, id, &csrf, kind, name, PDF).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{kind}");
        assert!(location(&res).contains("flash=uploaded"));
    }
    let (_, html) = page(&host, edit_url.clone()).await;
    for (kind, name) in MATERIALS {
        assert!(beside(&html, kind).contains(name), "{kind} shows {name}");
    }
    // A program renamed .pdf is refused, said so beside its material, and the file stays.
    let res = upload(app, &host, id, &csrf, "agreement", "协议.pdf", EXE).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    let near = beside(&html, "agreement");
    assert!(
        near.contains("只接受 PDF、图片（PNG/JPEG/GIF/WebP）、Word 或 Excel 文件"),
        "{near}"
    );
    assert!(
        near.contains("共建协议.pdf"),
        "the earlier file is still current"
    );
    // The current file downloads as an attachment.
    let file_link = format!("/applications/{id}/files/");
    let at = html.find(&file_link).unwrap();
    let href: String = html[at..].chars().take_while(|c| *c != '"').collect();
    let res = host.get(app.url(&href)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);

    // Submitting before the society confirmed is refused, beside the society.
    let (_, html) = page(&host, edit_url.clone()).await;
    form = full_form(&html, &s, &s.experts[..5]);
    let res = post(&host, app.url(&format!("/applications/{id}/submit")), &form).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("未能提交"));
    let near = beside(&html, "society_id");
    assert!(near.contains("建站学会尚未确认合作") && near.contains("第七条"));

    // The society is asked to confirm; it cannot see the draft before.
    let soc = signed_in(app, "soc").await;
    let (s404, _) = page(&soc, app.url(&format!("/applications/{id}"))).await;
    assert_eq!(s404, StatusCode::NOT_FOUND);
    form = full_form(&html, &s, &s.experts[..5]);
    let res = post(
        &host,
        app.url(&format!("/applications/{id}/request-confirmation")),
        &form,
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(&host, edit_url.clone()).await;
    assert!(html.contains("等待学会确认"));

    // The society finds it on its home page and confirms on the application's page.
    let (_, home) = page(&soc, app.url("/")).await;
    assert!(home.contains(STATION) && home.contains("待确认"), "{home}");
    let (status, view) = page(&soc, app.url(&format!("/applications/{id}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(view.contains("确认合作") && view.contains("id=\"confirm-form\""));
    let res = post(
        &soc,
        app.url(&format!("/applications/{id}/confirm")),
        &pairs(&[
            ("csrf_token", &csrf_of(&view)),
            ("opinion", "同意共建，专家团队按所列人员派出。"),
        ]),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, view) = page(&soc, app.url(&location(&res))).await;
    assert!(view.contains("已确认合作"));
    assert!(view.contains("同意共建，专家团队按所列人员派出。"));
    assert!(view.contains("soc 测试"), "who confirmed is shown");
    assert!(!view.contains("id=\"confirm-form\""));

    // The host submits: the application goes to the county CAST.
    let (_, html) = page(&host, edit_url.clone()).await;
    assert!(html.contains("已确认"));
    let form = full_form(&html, &s, &s.experts[..5]);
    let res = post(&host, app.url(&format!("/applications/{id}/submit")), &form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&res),
        format!("/applications/{id}?flash=submitted")
    );
    let (_, view) = page(&host, app.url(&location(&res))).await;
    assert!(
        view.contains("申报书已提交，当前环节：县市区科协初审"),
        "{view}"
    );
    assert!(view.contains("id=\"app-state\">县市区科协初审<"));
    assert!(!view.contains("id=\"edit\""), "no more editing");
    let (_, home) = page(&host, app.url("/")).await;
    assert!(home.contains(STATION) && home.contains("县市区科协初审"));
    // The edit page now sends the host to the view.
    let res = host.get(edit_url.clone()).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // The printable form shows every field, with ticks for nature, industry and level.
    for expected in [
        "益阳市重点产业领域学会服务站",
        "益阳市科学技术协会制",
        STATION,
        UNIT,
        "张三",
        "益阳市",
        "413000",
        "李四",
        "0737-1234567",
        "13800000000",
        "a@example.cn",
        "☑企业科协",
        "□园区科协",
        "☑装备制造",
        "□现代农业",
        "☑省级学会服务站",
        "□国家级学会服务站",
        "□市级学会服务站",
        "公司成立于2008年，员工860人。\n\n拥有省级企业技术中心。",
        "益阳装备制造业规模以上企业120家。",
        "学会现有会员5000余人",
        "目标：两年内攻克智能产线关键技术2项。\n\n任务：联合攻关、培训骨干。",
        SOCIETY,
        "王五",
        "理事长",
        "13900000000",
        "长沙市",
        "410000",
        "赵六",
        "秘书长",
        "s@example.cn",
        "专家0",
        "专家4",
        "刘建国",
        "13807370001",
        "站长",
        "陈晓梅",
        "3 年（特殊情况说明：企业技改周期为三年）",
        "共建协议.pdf",
        "绩效目标.pdf",
        "单位简介与工作细则.pdf",
        "人员名单.pdf",
        "申报单位<br>意　　见",
        "县市区科协<br>意　　见",
        "县市区委<br>人才办<br>意　　见",
        "市科协<br>意　　见",
        "（盖章）",
        "经所在地县市区科协初审推荐",
        "学会确认合作",
        "提交申报",
    ] {
        assert!(
            view.contains(expected),
            "the printable page shows {expected}"
        );
    }
    assert!(!view.contains("专家5"), "only the chosen experts");
    let today_cn = {
        let d = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
        use chrono::Datelike;
        format!("{}年{}月{}日", d.year(), d.month(), d.day())
    };
    assert!(
        view.contains(&format!("id=\"cover-date\">{today_cn}<")),
        "申报日期 is the submission date"
    );

    // Another unit's user gets "not found"; the county officer of the unit's county sees it in
    // the list, the one of another county does not.
    let other = app.unit("桃江竹业有限公司科协", "桃江县").await;
    app.user("other", Role::HostUnit, Link::Unit(other)).await;
    let other = signed_in(app, "other").await;
    for path in [
        format!("/applications/{id}"),
        format!("/applications/{id}/edit"),
        href.clone(),
    ] {
        let (status, html) = page(&other, app.url(&path)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(html.contains("申报书不存在或无权查看") || html.contains("文件不存在或无权查看"));
    }
    let (_, list) = page(&other, app.url("/applications")).await;
    assert!(!list.contains(STATION));
    let zy = signed_in(app, "zy-cast").await;
    let (_, list) = page(&zy, app.url("/applications")).await;
    assert!(list.contains(STATION) && list.contains(UNIT) && list.contains("资阳区"));
    assert!(list.contains(&format!("href=\"/applications/{id}\"")));
    assert!(
        !list.contains("新建申报书"),
        "only host units start applications"
    );
    let (status, _) = page(&zy, app.url(&format!("/applications/{id}"))).await;
    assert_eq!(status, StatusCode::OK);
    let hs = signed_in(app, "hs-cast").await;
    let (_, list) = page(&hs, app.url("/applications")).await;
    assert!(!list.contains(STATION));
    assert!(list.contains("暂无申报书"));
    let (status, _) = page(&hs, app.url(&format!("/applications/{id}"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_stale_form_is_refused_and_keeps_what_was_typed() {
    let s = scene().await;
    let app = &s.app;
    let host = signed_in(app, "host").await;
    let id = new_draft(app, &host, s.round, s.society, "provincial", "装备制造").await;
    let edit_url = app.url(&format!("/applications/{id}/edit"));
    // Two tabs load the form; the second saves first.
    let (_, first) = page(&host, edit_url.clone()).await;
    let (_, second) = page(&host, edit_url.clone()).await;
    let res = post(
        &host,
        edit_url.clone(),
        &full_form(&second, &s, &s.experts[..5]),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let mut typed = full_form(&first, &s, &s.experts[..5]);
    for (k, v) in typed.iter_mut() {
        if k == "work_plan" {
            *v = "我在旧页面上写的工作计划。\r\n\r\n第二段也不能丢。".into();
        }
    }
    let res = post(&host, edit_url.clone(), &typed).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("已被他人修改"), "{html}");
    assert!(
        html.contains("我在旧页面上写的工作计划。\n\n第二段也不能丢。"),
        "the typed text is still in the form"
    );
    // Nothing was overwritten.
    let (_, now) = page(&host, edit_url.clone()).await;
    assert!(!now.contains("我在旧页面上写的工作计划"));
    assert!(now.contains("目标：两年内攻克智能产线关键技术2项。"));

    // Saving the re-rendered form again is a deliberate choice, and it is kept.
    let again: Vec<(String, String)> = typed
        .into_iter()
        .map(|(k, v)| {
            if k == "version" {
                (k, hidden(&html, "version"))
            } else {
                (k, v)
            }
        })
        .collect();
    let res = post(&host, edit_url.clone(), &again).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, now) = page(&host, edit_url).await;
    assert!(now.contains("我在旧页面上写的工作计划。\n\n第二段也不能丢。"));
}

#[tokio::test]
async fn wrong_values_are_explained_beside_their_fields_and_kept() {
    let s = scene().await;
    let app = &s.app;
    let host = signed_in(app, "host").await;

    // The first page says what is missing.
    let (_, html) = page(&host, app.url("/applications/new")).await;
    let res = post(
        &host,
        app.url("/applications"),
        &pairs(&[("csrf_token", &csrf_of(&html)), ("round_id", "")]),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(beside(&html, "round_id").contains("请选择申报批次"));
    assert!(beside(&html, "society_id").contains("请选择建站学会"));
    assert!(beside(&html, "level").contains("请选择申报级别"));
    assert!(beside(&html, "industry").contains("请选择重点产业领域"));

    let id = new_draft(app, &host, s.round, s.society, "provincial", "装备制造").await;
    let edit_url = app.url(&format!("/applications/{id}/edit"));
    let (_, html) = page(&host, edit_url.clone()).await;
    let mut form = full_form(&html, &s, &s.experts[..5]);
    for (k, v) in form.iter_mut() {
        match k.as_str() {
            "term_years" => *v = "十".into(),
            "industry" => *v = "其他".into(),
            _ => {}
        }
    }
    // A wrong mobile number on the second staff row.
    let second_mobile = form
        .iter()
        .position(|(k, v)| k == "staff_mobile" && v == "13807370002")
        .unwrap();
    form[second_mobile].1 = "12345".into();
    let res = post(&host, edit_url.clone(), &form).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("尚未保存"));
    assert!(beside(&html, "term").contains("合作期限须为 1 至 10 年"));
    assert!(beside(&html, "staff").contains("第 2 名工作人员的手机须为 11 位手机号码"));
    assert!(
        html.contains("工作人员（第 2 行）"),
        "the summary names the row"
    );
    assert!(
        html.contains("value=\"12345\""),
        "the wrong value is shown back"
    );
    assert!(html.contains("value=\"十\""));
    assert!(html.contains(STATION), "the rest of the typing is kept");

    // 其他 needs its text at the check.
    form[second_mobile].1 = "13807370002".into();
    for (k, v) in form.iter_mut() {
        if k == "term_years" {
            *v = "2".into();
        }
    }
    let res = post(&host, app.url(&format!("/applications/{id}/check")), &form).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    let near = beside(&html, "industry_other");
    assert!(near.contains("申报书未填写：重点产业领域（其他）的具体领域（第九条（一））"));
}

#[tokio::test]
async fn the_background_save_answers_json_and_401_once_the_session_ended() {
    let s = scene().await;
    let app = &s.app;
    let host = signed_in(app, "host").await;
    let id = new_draft(app, &host, s.round, s.society, "provincial", "装备制造").await;
    let edit_url = app.url(&format!("/applications/{id}/edit"));
    let (_, html) = page(&host, edit_url.clone()).await;
    assert!(html.contains("src=\"/static/app.js\""));
    assert!(html.contains(&format!("data-app-id=\"{id}\"")));
    let csrf = csrf_of(&html);
    let mut form = full_form(&html, &s, &s.experts[..5]);
    form.retain(|(k, _)| k != "csrf_token");

    let res = host
        .post(edit_url.clone())
        .header("accept", "application/json")
        .header("x-csrf-token", &csrf)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.unwrap();
    let version = body["version"].as_i64().unwrap();
    assert!(version > hidden(&html, "version").parse::<i64>().unwrap());
    let (_, html) = page(&host, edit_url.clone()).await;
    assert!(html.contains(STATION), "saved in the background");

    // The same form again, with its old version: a conflict, in JSON.
    let res = host
        .post(edit_url.clone())
        .header("accept", "application/json")
        .header("x-csrf-token", &csrf)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("已被他人修改")
    );

    // Once the session has ended, 401 in JSON (the page keeps its copy in the browser).
    app.idle_sessions(24 * 60).await;
    let res = host
        .post(edit_url.clone())
        .header("accept", "application/json")
        .header("x-csrf-token", &csrf)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthenticated");
    // Without JSON, the sign-in page.
    let res = host
        .post(edit_url)
        .header("x-csrf-token", &csrf)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/login?expired=1"));

    // The script is served as JavaScript.
    let res = app
        .browser()
        .get(app.url("/static/app.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/javascript")
    );
    assert!(res.text().await.unwrap().contains("localStorage"));
}

#[tokio::test]
async fn the_list_searches_filters_and_pages() {
    let s = scene().await;
    let app = &s.app;
    let farm = app.society_with("益阳市农学会", "municipal").await;
    let host = signed_in(app, "host").await;
    let a = new_draft(app, &host, s.round, s.society, "provincial", "装备制造").await;
    let b = new_draft(app, &host, s.round, farm, "municipal", "现代农业").await;
    // Names for both.
    for (id, name) in [(a, STATION), (b, "益阳市农学会赫山稻虾服务站")] {
        let url = app.url(&format!("/applications/{id}/edit"));
        let (_, html) = page(&host, url.clone()).await;
        let mut form = pairs(&[
            ("csrf_token", &csrf_of(&html)),
            ("version", &hidden(&html, "version")),
            ("form", "edit"),
            ("station_name", name),
        ]);
        for f in ["round_id", "society_id"] {
            let at = html.find(&format!("id=\"{f}\"")).unwrap();
            let sel = &html[at..];
            let opt = sel.find(" selected>").unwrap();
            let val_at = sel[..opt].rfind("value=\"").unwrap() + 7;
            let val: String = sel[val_at..].chars().take_while(|c| *c != '"').collect();
            form.push((f.into(), val));
        }
        let (level, industry) = if id == a {
            ("provincial", "装备制造")
        } else {
            ("municipal", "现代农业")
        };
        form.push(("level".into(), level.into()));
        form.push(("industry".into(), industry.into()));
        let res = post(&host, url, &form).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let rows = |html: &str| html.matches("<tr data-id=").count();
    let cases: [(&str, &[&str], &[&str]); 6] = [
        ("q=机械工程", &[STATION], &["稻虾"]),
        ("q=农学会", &["稻虾"], &[STATION]),
        ("q=智能装备有限公司", &[STATION, "稻虾"], &[]),
        ("level=municipal", &["稻虾"], &[STATION]),
        ("industry=装备制造", &[STATION], &["稻虾"]),
        ("state=county_review", &[], &[STATION, "稻虾"]),
    ];
    for (query, shown, hidden_rows) in cases {
        let (status, html) = page(&host, app.url(&format!("/applications?{query}"))).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        assert_eq!(rows(&html), shown.len(), "{query}");
        for name in shown {
            assert!(html.contains(name), "{query} shows {name}");
        }
        for name in hidden_rows {
            assert!(!html.contains(name), "{query} hides {name}");
        }
    }
    let (_, html) = page(
        &host,
        app.url(&format!("/applications?round={}&state=draft", s.round)),
    )
    .await;
    assert_eq!(rows(&html), 2);
    assert!(html.contains("草稿") && html.contains("未提交"));
    assert!(html.contains("省级") && html.contains("市级"));
    let (_, html) = page(&host, app.url("/applications?state=draft&level=national")).await;
    assert!(html.contains("没有符合条件的申报书"));

    // Paging: 20 a page, the filters kept in the links.
    for _ in 0..19 {
        new_draft(app, &host, s.round, s.society, "provincial", "装备制造").await;
    }
    let (_, html) = page(&host, app.url("/applications?industry=装备制造")).await;
    assert_eq!(rows(&html), 20);
    assert!(html.contains("共 20 份"));
    let (_, html) = page(&host, app.url("/applications")).await;
    assert_eq!(rows(&html), 20);
    assert!(html.contains("共 21 份 · 第 1 / 2 页"));
    assert!(html.contains("&amp;page=2\">下一页</a>"));
    let (_, html) = page(&host, app.url("/applications?page=2")).await;
    assert_eq!(rows(&html), 1);
    assert!(html.contains("上一页"));
}

/// Fills, uploads, asks the society, has it confirm (over the API) and submits on the pages.
async fn submitted_application(s: &Scene, host: &Client) -> i64 {
    let app = &s.app;
    let id = new_draft(app, host, s.round, s.society, "provincial", "装备制造").await;
    let edit_url = app.url(&format!("/applications/{id}/edit"));
    let (_, html) = page(host, edit_url.clone()).await;
    let res = post(
        host,
        edit_url.clone(),
        &full_form(&html, s, &s.experts[..5]),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let csrf = csrf_of(&html);
    for (kind, name) in MATERIALS {
        let res = upload(app, host, id, &csrf, kind, name, PDF).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let (_, html) = page(host, edit_url.clone()).await;
    let res = post(
        host,
        app.url(&format!("/applications/{id}/request-confirmation")),
        &full_form(&html, s, &s.experts[..5]),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let soc = app.token("soc", PASSWORD).await;
    let (status, _) = app
        .post(
            &format!("/api/v1/applications/{id}/confirmation"),
            &soc,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, view) = page(host, app.url(&format!("/applications/{id}"))).await;
    // The button of the view page submits without the form.
    let res = post(
        host,
        app.url(&format!("/applications/{id}/submit")),
        &pairs(&[("csrf_token", &csrf_of(&view))]),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "submitted");
    id
}

#[tokio::test]
async fn a_returned_application_shows_why_and_goes_back_to_the_step_that_returned_it() {
    let s = scene().await;
    let app = &s.app;
    let host = signed_in(app, "host").await;
    let id = submitted_application(&s, &host).await;
    let county = app.token("zy-cast", PASSWORD).await;
    let (status, body) = app
        .post(
            &format!("/api/v1/applications/{id}/decisions"),
            &county,
            serde_json::json!({"action": "return", "opinion": "请补充年度绩效目标中的经济效益数据"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, html) = page(&host, app.url(&format!("/applications/{id}/edit"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("已退回修改"));
    assert!(html.contains("本申报书已被退回修改"), "{html}");
    assert!(html.contains("请补充年度绩效目标中的经济效益数据"));
    assert!(html.contains("将回到“县市区科协初审”环节"));
    let (_, view) = page(&host, app.url(&format!("/applications/{id}"))).await;
    assert!(view.contains("退回修改") && view.contains("请补充年度绩效目标中的经济效益数据"));

    // Resubmitted with a changed work plan, it returns to the county CAST.
    let (_, html) = page(&host, app.url(&format!("/applications/{id}/edit"))).await;
    let mut form = full_form(&html, &s, &s.experts[..5]);
    for (k, v) in form.iter_mut() {
        if k == "work_plan" {
            v.push_str("\r\n\r\n四、经济效益：新增产值1亿元。");
        }
    }
    let res = post(&host, app.url(&format!("/applications/{id}/submit")), &form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, view) = page(&host, app.url(&location(&res))).await;
    assert!(view.contains("当前环节：县市区科协初审"));
    assert!(view.contains("四、经济效益：新增产值1亿元。"));
    assert!(view.contains("修改后重新提交"));
}
