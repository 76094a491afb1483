//! Running a station on its pages, as a host unit and city CAST use them: the activity log and
//! the live indicators, assessments, the grant's payment, expenses with their vouchers, and the
//! overview of every station's indicators.

use reqwest::multipart::{Form, Part};
use reqwest::{Client, StatusCode};

use crate::applications::PDF;
use crate::helpers::{PASSWORD, TestApp, csrf_of};
use crate::pages::sign_in_page;
use crate::stations::awarded;

async fn page(app: &TestApp, b: &Client, path: &str) -> (StatusCode, String) {
    let res = b.get(app.url(path)).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// Posts a form of the page at `from` (with that page's CSRF token).
async fn post(
    app: &TestApp,
    b: &Client,
    from: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String, Option<String>) {
    let (_, html) = page(app, b, from).await;
    let csrf = csrf_of(&html);
    let mut fields = vec![("csrf_token", csrf.as_str())];
    fields.extend_from_slice(form);
    let res = b.post(app.url(path)).form(&fields).send().await.unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    (status, res.text().await.unwrap(), location)
}

/// The text of the element with `id` (up to its first closing tag).
fn by_id<'a>(html: &'a str, id: &str) -> &'a str {
    let key = format!("id=\"{id}\"");
    let start = html
        .find(&key)
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let rest = &html[start + key.len()..];
    let open = rest.find('>').unwrap() + 1;
    &rest[open..open + rest[open..].find("</").unwrap()]
}

/// The number after `prefix` in the page (e.g. the id in `/grants/12/payment`).
fn id_after(html: &str, prefix: &str) -> i64 {
    let start = html
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in the page"))
        + prefix.len();
    html[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect::<String>()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_station_runs_on_its_page() {
    let (mut s, _, station) = awarded("provincial", "2026-06-10").await;
    let url = format!("/stations/{station}");
    let host = s.app.browser();
    sign_in_page(&s.app, &host, "host", PASSWORD).await;

    // The host unit sees the live indicators of year 1 and logs a survey on the page.
    let (st, html) = page(&s.app, &host, &url).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(by_id(&html, "ind-surveys-actual"), "0");
    assert!(html.contains("第 1 年度考核指标"), "{html}");
    assert!(html.contains("未达标"));
    // 2026-06-10: quarter 1 ends 2026-06-17 without its 10 expert days.
    assert!(by_id(&html, "quarter-warning").contains("第十二条（二）"));
    let (st, _, to) = post(
        &s.app,
        &host,
        &url,
        &format!("{url}/activities"),
        &[
            ("kind", "survey"),
            ("date", "2026-04-01"),
            ("title", "装备制造产业调研"),
            ("description", "走访 6 家企业"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert_eq!(
        to.as_deref(),
        Some(&*format!("{url}?flash=activity#activities"))
    );
    let (_, html) = page(&s.app, &host, &to.unwrap()).await;
    assert_eq!(by_id(&html, "ind-surveys-actual"), "1");
    assert!(html.contains("装备制造产业调研"));
    assert!(by_id(&html, "done").contains("活动已记录"));

    // Ten expert days in quarter 1 meet its indicator and lift the warning.
    let expert = s.experts[0].to_string();
    let (st, body, _) = post(
        &s.app,
        &host,
        &url,
        &format!("{url}/activities"),
        &[
            ("kind", "expert_service"),
            ("date", "2026-05-06"),
            ("expert_id", &expert),
            ("days", "10"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER, "{body}");
    let (_, html) = page(&s.app, &host, &url).await;
    assert_eq!(by_id(&html, "ind-expert_days_q1-actual"), "10");
    assert!(!html.contains("id=\"quarter-warning\""));

    // A future date is refused beside the date field; what was typed stays.
    let (st, html, _) = post(
        &s.app,
        &host,
        &url,
        &format!("{url}/activities"),
        &[
            ("kind", "training"),
            ("date", "2026-07-01"),
            ("attendance", "45"),
            ("title", "数控骨干培训"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        by_id(&html, "activity-date-error").contains("不能晚于今天"),
        "{html}"
    );
    assert!(html.contains("value=\"2026-07-01\""));
    assert!(html.contains("value=\"45\""));
    assert!(html.contains("value=\"数控骨干培训\""));
    assert!(html.contains("<option value=\"training\" selected>"));
    assert_eq!(by_id(&html, "ind-trainings-actual"), "0");

    // 更正: the survey's form comes prefilled; the correction replaces it.
    let (_, html) = page(&s.app, &host, &url).await;
    let row = html.find("<strong>装备制造产业调研</strong>").unwrap();
    let survey = id_after(&html[row..], "/activities/");
    let correct = format!("/activities/{survey}/correct");
    let (st, form) = page(&s.app, &host, &correct).await;
    assert_eq!(st, StatusCode::OK);
    assert!(form.contains("value=\"装备制造产业调研\""), "{form}");
    let (st, _, to) = post(
        &s.app,
        &host,
        &correct,
        &correct,
        &[
            ("kind", "survey"),
            ("date", "2026-04-02"),
            ("title", "装备制造产业调研（更正）"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert_eq!(
        to.as_deref(),
        Some(&*format!("{url}?flash=corrected#activities"))
    );
    let (_, html) = page(&s.app, &host, &url).await;
    assert!(html.contains("装备制造产业调研（更正）"));
    assert_eq!(by_id(&html, "ind-surveys-actual"), "1");

    // City CAST: too early to assess year 1 (第十二条), refused beside the year.
    let city = s.app.browser();
    sign_in_page(&s.app, &city, "city", PASSWORD).await;
    let (st, html, _) = post(
        &s.app,
        &city,
        &url,
        &format!("{url}/assessments"),
        &[("year", "1"), ("score", "85"), ("opinion", "工作扎实")],
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert!(
        by_id(&html, "assess-year-error").contains("第十二条"),
        "{html}"
    );
    assert!(html.contains("value=\"85\""));
    assert!(html.contains("工作扎实"));
    // The host unit has no assessment form, city CAST no activity form.
    let (_, html) = page(&s.app, &host, &url).await;
    assert!(!html.contains("id=\"record-assessment\""));
    assert!(html.contains("id=\"record-expense\""));
    let (_, html) = page(&s.app, &city, &url).await;
    assert!(!html.contains("id=\"record-activity\""));

    // From 30 days before the year's end: a pass makes the grant due; city CAST pays it.
    s.app.travel_to("2027-03-01").await;
    let (st, body, _) = post(
        &s.app,
        &city,
        &url,
        &format!("{url}/assessments"),
        &[("year", "1"), ("score", "85"), ("opinion", "工作扎实")],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER, "{body}");
    let (_, html) = page(&s.app, &city, &url).await;
    assert!(by_id(&html, "assessment-1").contains("第1年"));
    assert!(html.contains("拨付资助资金（第十六条）"));
    assert!(html.contains("待支付"));
    assert_eq!(by_id(&html, "balance"), "0.00");
    let grant = id_after(&html, &format!("{url}/grants/"));
    let (st, body, _) = post(
        &s.app,
        &city,
        &url,
        &format!("{url}/grants/{grant}/payment"),
        &[("paid_on", "2027-03-05")],
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(by_id(&body, "pay-paid_on-error").contains("不能晚于今天"));
    let (st, body, _) = post(
        &s.app,
        &city,
        &url,
        &format!("{url}/grants/{grant}/payment"),
        &[("paid_on", "2027-03-01")],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER, "{body}");
    let (_, html) = page(&s.app, &city, &url).await;
    let start = html.find(&format!("id=\"ledger-{grant}\"")).unwrap();
    let row = &html[start..start + html[start..].find("</tr>").unwrap()];
    assert!(
        row.contains("资助") && row.contains("已支付") && row.contains("100,000.00"),
        "{row}"
    );
    assert_eq!(by_id(&html, "balance"), "100,000.00");

    // The host unit: beyond the balance is refused citing 第十七条, typed values kept.
    let (st, html, _) = post(
        &s.app,
        &host,
        &url,
        &format!("{url}/expenses"),
        &[
            ("category", "专家差旅费"),
            ("amount", "100,000.01"),
            ("spent_on", "2027-02-20"),
            ("note", "专家赴企业服务差旅"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert!(
        by_id(&html, "expense-amount-error").contains("第十七条"),
        "{html}"
    );
    assert!(html.contains("value=\"100,000.01\""));
    assert!(html.contains("value=\"专家赴企业服务差旅\""));
    assert!(html.contains("value=\"2027-02-20\""));
    assert!(html.contains("<option value=\"专家差旅费\" selected>"));
    let (st, _, to) = post(
        &s.app,
        &host,
        &url,
        &format!("{url}/expenses"),
        &[
            ("category", "专家差旅费"),
            ("amount", "1,234.56"),
            ("spent_on", "2027-02-20"),
            ("note", "专家赴企业服务差旅"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert_eq!(to.as_deref(), Some(&*format!("{url}?flash=expense#ledger")));
    let (_, html) = page(&s.app, &host, &url).await;
    assert_eq!(by_id(&html, "balance"), "98,765.44");
    assert!(html.contains("1,234.56"));
    assert!(html.contains("缺凭证"));

    // Its voucher: 缺凭证 disappears and the voucher can be opened.
    let expense = id_after(&html, "id=\"voucher-");
    let csrf = csrf_of(&html);
    let res = host
        .post(s.app.url(&format!(
            "{url}/expenses/{expense}/voucher?csrf_token={csrf}"
        )))
        .multipart(
            Form::new().part(
                "file",
                Part::bytes(PDF.to_vec())
                    .file_name("发票.pdf")
                    .mime_str("application/pdf")
                    .unwrap(),
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(&s.app, &host, &url).await;
    assert!(!html.contains("缺凭证"), "{html}");
    let file = id_after(&html, &format!("{url}/files/"));
    let res = host
        .get(s.app.url(&format!("{url}/files/{file}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);

    // The overview: city CAST and the talent office see the station; a host unit may not.
    let (st, html) = page(&s.app, &city, "/indicators?sort=unmet").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains(&format!("id=\"station-{station}\"")),
        "{html}"
    );
    assert!(html.contains("/"));
    let talent = s.app.browser();
    sign_in_page(&s.app, &talent, "talent", PASSWORD).await;
    let (st, html) = page(&s.app, &talent, "/indicators?sort=name").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains(&format!("href=\"/stations/{station}\"")));
    assert!(html.contains("指标总览"));
    let (st, _) = page(&s.app, &host, "/indicators").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_public_sees_the_summary_only_and_others_cannot_run_it() {
    let (s, _, station) = awarded("provincial", "2026-04-10").await;
    let url = format!("/stations/{station}");
    let anon = s.app.browser();
    let (st, html) = page(&s.app, &anon, &url).await;
    assert_eq!(st, StatusCode::OK);
    assert!(!html.contains("id=\"indicators\""));
    assert!(!html.contains("id=\"ledger\""));
    // The society logs activities too; city CAST may not log or spend.
    let soc = s.app.browser();
    sign_in_page(&s.app, &soc, "soc", PASSWORD).await;
    let (st, body, _) = post(
        &s.app,
        &soc,
        &url,
        &format!("{url}/activities"),
        &[("kind", "breakthrough"), ("date", "2026-04-01")],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER, "{body}");
    let city = s.app.browser();
    sign_in_page(&s.app, &city, "city", PASSWORD).await;
    let (_, html) = page(&s.app, &city, &url).await;
    assert_eq!(by_id(&html, "ind-breakthroughs-actual"), "1");
    let (st, _, _) = post(
        &s.app,
        &city,
        &url,
        &format!("{url}/activities"),
        &[("kind", "survey"), ("date", "2026-04-01")],
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _, _) = post(
        &s.app,
        &city,
        &url,
        &format!("{url}/expenses"),
        &[
            ("category", "会议费"),
            ("amount", "1"),
            ("spent_on", "2026-04-01"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // The year switch shows year 2.
    let (_, html) = page(&s.app, &city, &format!("{url}?year=2")).await;
    assert!(html.contains("第 2 年度考核指标"));
    assert_eq!(by_id(&html, "ind-breakthroughs-actual"), "0");
}
