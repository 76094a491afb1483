//! The pages of units, societies with their expert rosters, and rounds, as a browser meets them:
//! what each role sees, what its forms keep, and every refusal shown in Chinese beside its field.

use reqwest::{Client, StatusCode};
use stationhub_domain::account::Role;
use stationhub_domain::organisation::CreditCode;
use stationhub_storage::orgs::{OrgFilter, UnitView};

use crate::helpers::{Link, PASSWORD, TestApp, csrf_of};
use crate::pages::sign_in_page;

/// A signed-in browser with its CSRF token.
struct Session {
    browser: Client,
    csrf: String,
    base: String,
}

/// What a page answered: status, where it redirects to (if it does), the page.
struct Answer {
    status: StatusCode,
    location: Option<String>,
    html: String,
}

impl Session {
    async fn start(app: &TestApp, username: &str) -> Session {
        let browser = app.browser();
        let res = sign_in_page(app, &browser, username, PASSWORD).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{username} signs in");
        let home = browser.get(app.url("/")).send().await.unwrap();
        let csrf = csrf_of(&home.text().await.unwrap());
        Session {
            browser,
            csrf,
            base: app.base.clone(),
        }
    }

    async fn answer(res: reqwest::Response) -> Answer {
        Answer {
            status: res.status(),
            location: res
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_string()),
            html: res.text().await.unwrap(),
        }
    }

    async fn get(&self, path: &str) -> Answer {
        Self::answer(
            self.browser
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Posts a form (the CSRF token is added).
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut form = vec![("csrf_token", self.csrf.as_str())];
        form.extend_from_slice(fields);
        Self::answer(
            self.browser
                .post(format!("{}{path}", self.base))
                .form(&form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Posts a form and follows the redirect that a success answers with.
    async fn post_ok(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let a = self.post(path, fields).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "POST {path}: {}", a.html);
        self.get(a.location.as_deref().unwrap()).await
    }
}

/// The unit block as the form posts it; checkboxes only when ticked.
fn unit_fields(v: &UnitView) -> Vec<(&'static str, String)> {
    let mut f = vec![
        ("name", v.name.clone()),
        ("credit_code", v.credit_code.clone()),
        ("nature", v.nature.clone()),
        ("county", v.county.clone()),
        ("legal_rep", v.legal_rep.clone()),
        ("address", v.address.clone()),
        ("postcode", v.postcode.clone()),
        ("contact_name", v.contact_name.clone()),
        ("contact_phone", v.contact_phone.clone()),
        ("contact_mobile", v.contact_mobile.clone()),
        ("fax", v.fax.clone()),
        ("email", v.email.clone()),
        ("qq_wechat", v.qq_wechat.clone()),
    ];
    for (name, ticked) in [
        ("registered_in_yiyang", v.registered_in_yiyang),
        ("independent_legal_person", v.independent_legal_person),
        (
            "has_funded_expert_workstation",
            v.has_funded_expert_workstation,
        ),
    ] {
        if ticked {
            f.push((name, "on".into()));
        }
    }
    f
}

fn with(
    fields: &[(&'static str, String)],
    changes: &[(&'static str, &str)],
) -> Vec<(&'static str, String)> {
    let mut f: Vec<(&'static str, String)> = fields
        .iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .cloned()
        .collect();
    f.extend(changes.iter().map(|(k, v)| (*k, v.to_string())));
    f
}

fn borrowed<'a>(f: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    f.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// A new unit's fields, as city CAST would type them.
fn new_unit_fields(name: &str, code_body: &str, county: &str) -> Vec<(&'static str, String)> {
    let code = CreditCode::complete(code_body).unwrap();
    vec![
        ("name", name.into()),
        ("credit_code", code.as_str().into()),
        ("nature", "高校科协".into()),
        ("county", county.into()),
        ("legal_rep", "周七".into()),
        ("address", "益阳市赫山区迎宾西路 518 号".into()),
        ("postcode", "413000".into()),
        ("contact_name", "吴八".into()),
        ("contact_phone", "0737-4200188".into()),
        ("contact_mobile", "13712345678".into()),
        ("email", "kx@example.edu.cn".into()),
        ("registered_in_yiyang", "on".into()),
        ("independent_legal_person", "on".into()),
    ]
}

fn society_fields(name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", name.into()),
        ("level", "provincial".into()),
        ("legal_rep", "钱九".into()),
        ("legal_rep_title", "理事长".into()),
        ("legal_rep_mobile", "13911112222".into()),
        ("address", "长沙市岳麓区麓山南路 932 号".into()),
        ("postcode", "410083".into()),
        ("contact_name", "孙十".into()),
        ("contact_title", "秘书长".into()),
        ("contact_mobile", "13911113333".into()),
        ("email", "xh@example.org.cn".into()),
        (
            "description",
            "从事材料科学领域的学术交流与科技服务。".into(),
        ),
    ]
}

/// The opening tag of the input named `name` in the form whose ids start with `prefix`.
fn input_tag<'a>(html: &'a str, prefix: &str, name: &str) -> &'a str {
    let key = format!("id=\"{prefix}{name}\"");
    let at = html
        .find(&key)
        .unwrap_or_else(|| panic!("no input {key} on the page"));
    let start = html[..at].rfind('<').unwrap();
    &html[start..at + html[at..].find('>').unwrap() + 1]
}

/// The message shown beside a field, if any.
fn field_error<'a>(html: &'a str, prefix: &str, name: &str) -> Option<&'a str> {
    let key = format!("id=\"{prefix}{name}-error\">");
    let at = html.find(&key)? + key.len();
    Some(&html[at..at + html[at..].find('<').unwrap()])
}

#[tokio::test]
async fn a_host_unit_edits_its_own_profile_and_sees_the_change() {
    let app = TestApp::spawn().await;
    let unit = app.unit("益阳智能装备有限公司科协", "资阳区").await;
    app.user("host1", Role::HostUnit, Link::Unit(unit)).await;
    let s = Session::start(&app, "host1").await;

    let page = s.get("/unit").await;
    assert_eq!(page.status, StatusCode::OK);
    for label in [
        "益阳智能装备有限公司科协",
        "统一社会信用代码",
        "是否在益阳市注册",
        "是否独立法人",
        "是否已建有获市财政资助的市级以上专家工作站",
        "修改单位信息",
    ] {
        assert!(page.html.contains(label), "the profile shows {label}");
    }

    let before = app.store.unit(unit).await.unwrap();
    let fields = with(
        &unit_fields(&before),
        &[
            ("address", "益阳市资阳区长春经济开发区创业路 18 号"),
            ("contact_name", "陈明"),
            ("has_funded_expert_workstation", "on"),
        ],
    );
    let page = s.post_ok("/unit", &borrowed(&fields)).await;
    assert!(page.html.contains("单位信息已保存"), "{}", page.html);
    assert!(page.html.contains("益阳市资阳区长春经济开发区创业路 18 号"));
    assert!(page.html.contains("陈明"));

    let after = app.store.unit(unit).await.unwrap();
    assert_eq!(after.address, "益阳市资阳区长春经济开发区创业路 18 号");
    assert_eq!(after.contact_name, "陈明");
    assert!(after.has_funded_expert_workstation);
    assert_eq!(after.credit_code, before.credit_code);

    // Unticking a box stores 否.
    let fields = with(&unit_fields(&after), &[]);
    let fields: Vec<_> = fields
        .into_iter()
        .filter(|(k, _)| *k != "independent_legal_person")
        .collect();
    s.post_ok("/unit", &borrowed(&fields)).await;
    assert!(!app.store.unit(unit).await.unwrap().independent_legal_person);
}

#[tokio::test]
async fn every_bad_field_is_reported_beside_it_at_once_and_nothing_is_saved() {
    let app = TestApp::spawn().await;
    let unit = app.unit("益阳智能装备有限公司科协", "资阳区").await;
    app.user("host1", Role::HostUnit, Link::Unit(unit)).await;
    let s = Session::start(&app, "host1").await;
    let before = app.store.unit(unit).await.unwrap();

    let fields = with(
        &unit_fields(&before),
        &[
            ("credit_code", "91350100M000100Y44"),
            ("postcode", "4130"),
            ("contact_mobile", "1380000000"),
            ("email", "not-an-email"),
            ("address", "改过但未保存的地址"),
        ],
    );
    let page = s.post("/unit", &borrowed(&fields)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = &page.html;
    assert!(html.contains("有 4 处需要修改"), "{html}");
    for (field, message, typed) in [
        (
            "credit_code",
            "统一社会信用代码校验位不正确，请核对",
            "91350100M000100Y44",
        ),
        ("postcode", "邮编须为 6 位数字", "4130"),
        (
            "contact_mobile",
            "联系人手机须为 11 位手机号码",
            "1380000000",
        ),
        ("email", "电子邮件格式不正确", "not-an-email"),
    ] {
        assert_eq!(field_error(html, "f-", field), Some(message), "{field}");
        let tag = input_tag(html, "f-", field);
        assert!(tag.contains("class=\"invalid\""), "{tag}");
        assert!(
            tag.contains(&format!("value=\"{typed}\"")),
            "{tag} keeps the typed value"
        );
    }
    // The good fields keep what was typed and are not marked.
    let tag = input_tag(html, "f-", "address");
    assert!(tag.contains("value=\"改过但未保存的地址\"") && !tag.contains("invalid"));
    assert!(field_error(html, "f-", "address").is_none());
    assert!(html.contains("<form method=\"post\" action=\"/unit\""));

    assert_eq!(app.store.unit(unit).await.unwrap(), before, "nothing saved");
}

#[tokio::test]
async fn a_host_unit_cannot_open_or_change_another_unit() {
    let app = TestApp::spawn().await;
    let own = app.unit("益阳智能装备有限公司科协", "资阳区").await;
    let other = app.unit("桃江竹业集团科协", "桃江县").await;
    app.user("host1", Role::HostUnit, Link::Unit(own)).await;
    let s = Session::start(&app, "host1").await;

    let page = s.get(&format!("/units/{other}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.html.contains("单位不存在或无权查看"));
    assert!(!page.html.contains("桃江竹业集团科协"));

    let before = app.store.unit(other).await.unwrap();
    let fields = with(&unit_fields(&before), &[("name", "被改名的单位")]);
    let page = s.post(&format!("/units/{other}"), &borrowed(&fields)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.html.contains("无权执行此操作"));
    assert_eq!(app.store.unit(other).await.unwrap(), before);

    // Its own unit is its 单位信息 page; the lists are not for it.
    let page = s.get(&format!("/units/{own}")).await;
    assert_eq!(page.location.as_deref(), Some("/unit"));
    assert_eq!(s.get("/units").await.status, StatusCode::FORBIDDEN);
    assert_eq!(s.get("/units/new").await.status, StatusCode::FORBIDDEN);
    assert_eq!(s.get("/societies").await.status, StatusCode::FORBIDDEN);
    assert_eq!(s.get("/society").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_county_officer_sees_only_its_countys_units_and_cannot_change_them() {
    let app = TestApp::spawn().await;
    let zy = app.unit("益阳智能装备有限公司科协", "资阳区").await;
    let zy2 = app.unit("资阳船舶制造有限公司科协", "资阳区").await;
    let hs = app.unit("赫山电子信息产业园科协", "赫山区").await;
    app.user("zy-cast", Role::CountyCast, Link::County("资阳区"))
        .await;
    let s = Session::start(&app, "zy-cast").await;

    let list = s.get("/units").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.html.contains("益阳智能装备有限公司科协"));
    assert!(list.html.contains("资阳船舶制造有限公司科协"));
    assert!(!list.html.contains("赫山电子信息产业园科协"));
    assert!(list.html.contains("仅列出资阳区的建站单位"));
    assert!(list.html.contains("共 2 个单位"));
    assert!(
        !list.html.contains("新建单位"),
        "county offices do not create units"
    );

    // Search by name within the county; a county name in the query changes nothing.
    let found = s
        .get("/units?q=%E8%88%B9%E8%88%B6&county=%E8%B5%AB%E5%B1%B1%E5%8C%BA")
        .await;
    assert!(found.html.contains("资阳船舶制造有限公司科协"));
    assert!(!found.html.contains("益阳智能装备有限公司科协"));
    assert!(found.html.contains("共 1 个单位"));

    // Another county's unit does not exist for it; its own county's is shown read-only.
    assert_eq!(
        s.get(&format!("/units/{hs}")).await.status,
        StatusCode::NOT_FOUND
    );
    let page = s.get(&format!("/units/{zy}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("益阳智能装备有限公司科协"));
    assert!(page.html.contains("是否独立法人"));
    assert!(!page.html.contains("保存修改"), "read-only");

    let before = app.store.unit(zy2).await.unwrap();
    let fields = with(&unit_fields(&before), &[("contact_name", "县科协改的")]);
    let page = s.post(&format!("/units/{zy2}"), &borrowed(&fields)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(app.store.unit(zy2).await.unwrap(), before);
    assert_eq!(s.get("/units/new").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn city_cast_creates_a_unit_and_a_society_and_keeps_its_roster() {
    let app = TestApp::spawn().await;
    app.user("city1", Role::CityCast, Link::None).await;
    let s = Session::start(&app, "city1").await;

    let list = s.get("/units").await;
    assert!(list.html.contains("新建单位"));
    assert_eq!(s.get("/units/new").await.status, StatusCode::OK);
    let fields = new_unit_fields("湖南城市学院科协", "12430900MB0000001", "赫山区");
    let created = s.post("/units", &borrowed(&fields)).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.html);
    let page = s.get(created.location.as_deref().unwrap()).await;
    assert!(page.html.contains("单位已创建"));
    assert!(page.html.contains("修改单位信息：湖南城市学院科协"));
    let stored = app
        .store
        .list_units(
            &OrgFilter {
                q: Some("湖南城市学院".into()),
                ..Default::default()
            },
            1,
            10,
        )
        .await
        .unwrap();
    assert_eq!(stored.total, 1);
    let unit = &stored.items[0];
    assert_eq!(unit.county, "赫山区");
    assert_eq!(unit.nature, "高校科协");
    assert!(unit.registered_in_yiyang && !unit.has_funded_expert_workstation);
    assert!(s.get("/units").await.html.contains("湖南城市学院科协"));

    // The same credit code again is refused beside the field, with the form kept.
    let again = with(&fields, &[("name", "另一个单位")]);
    let page = s.post("/units", &borrowed(&again)).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert_eq!(
        field_error(&page.html, "f-", "credit_code"),
        Some("该统一社会信用代码的单位已存在")
    );
    assert!(input_tag(&page.html, "f-", "name").contains("value=\"另一个单位\""));

    // City CAST corrects the unit.
    let fields = with(&unit_fields(unit), &[("legal_rep", "郑十一")]);
    let page = s
        .post_ok(&format!("/units/{}", unit.id), &borrowed(&fields))
        .await;
    assert!(page.html.contains("单位信息已保存"));
    assert_eq!(app.store.unit(unit.id).await.unwrap().legal_rep, "郑十一");

    // A society, then its roster.
    let fields = society_fields("湖南省材料研究学会");
    let created = s.post("/societies", &borrowed(&fields)).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.html);
    let location = created.location.unwrap();
    let id: i64 = location
        .trim_start_matches("/societies/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let page = s.get(&location).await;
    assert!(page.html.contains("学会已创建"));
    assert!(page.html.contains("添加专家"));
    let society = app.store.society(id).await.unwrap();
    assert_eq!(society.name, "湖南省材料研究学会");
    assert_eq!(society.level, "provincial");
    assert!(
        s.get("/societies")
            .await
            .html
            .contains("湖南省材料研究学会")
    );

    let page = s
        .post_ok(
            &format!("/societies/{id}/experts"),
            &[
                ("name", "冯教授"),
                ("title", "教授"),
                ("specialty", "复合材料"),
                ("employer", "中南大学"),
                ("mobile", "13800001111"),
            ],
        )
        .await;
    assert!(page.html.contains("专家已加入专家库"));
    assert!(page.html.contains("冯教授") && page.html.contains("13800001111"));
    assert_eq!(app.store.experts_of(id).await.unwrap().len(), 1);

    // A society name already taken is refused beside the name.
    let page = s
        .post(
            "/societies",
            &borrowed(&society_fields("湖南省材料研究学会")),
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert_eq!(
        field_error(&page.html, "f-", "name"),
        Some("同名学会已存在")
    );
}

#[tokio::test]
async fn a_society_keeps_its_roster_of_experts() {
    let app = TestApp::spawn().await;
    let society = app.society("湖南省机械工程学会").await;
    app.user("soc1", Role::Society, Link::Society(society))
        .await;
    let s = Session::start(&app, "soc1").await;

    let page = s.get("/society").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("湖南省机械工程学会"));
    assert!(page.html.contains("第七条（六）"));
    assert!(
        page.html
            .contains("现有在库专家 <strong>0</strong> 名，还差 5 名")
    );

    for i in 0..5 {
        let name = format!("专家{i}号");
        let mobile = format!("1390000{i:04}");
        s.post_ok(
            "/society/experts",
            &[
                ("name", name.as_str()),
                ("title", "高级工程师"),
                ("specialty", "机械设计"),
                ("employer", "湖南大学"),
                ("mobile", mobile.as_str()),
            ],
        )
        .await;
    }
    // A bad entry is refused beside its fields and keeps what was typed.
    let page = s
        .post(
            "/society/experts",
            &[
                ("name", "专家六号"),
                ("title", ""),
                ("specialty", "机械设计"),
                ("employer", "湖南大学"),
                ("mobile", "12345"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_error(&page.html, "x-", "title"), Some("请填写职称"));
    assert_eq!(
        field_error(&page.html, "x-", "mobile"),
        Some("手机须为 11 位手机号码")
    );
    assert!(input_tag(&page.html, "x-", "name").contains("value=\"专家六号\""));
    assert!(input_tag(&page.html, "x-", "mobile").contains("class=\"invalid\""));

    let experts = app.store.experts_of(society).await.unwrap();
    assert_eq!(experts.len(), 5);
    let page = s.get("/society").await;
    assert!(page.html.contains("现有在库专家 <strong>5</strong> 名。"));
    assert!(
        page.html.contains("13900000004"),
        "the society sees its mobiles"
    );

    // Retire one: it stays on the roster as 已移出.
    let retired = experts[2].id;
    let page = s.post_ok(&format!("/experts/{retired}/retire"), &[]).await;
    assert!(page.html.contains("专家已移出专家库"));
    assert!(
        page.html
            .contains("现有在库专家 <strong>4</strong> 名，还差 1 名")
    );
    let row_start = page
        .html
        .find(&format!("<tr data-id=\"{retired}\""))
        .unwrap();
    let row = &page.html[row_start..row_start + page.html[row_start..].find("</tr>").unwrap()];
    assert!(row.contains("专家2号") && row.contains("已移出"), "{row}");
    let stored = app.store.experts_of(society).await.unwrap();
    assert_eq!(stored.iter().filter(|e| e.active).count(), 4);
    assert!(!stored.iter().find(|e| e.id == retired).unwrap().active);

    // Correct an expert on its page.
    let first = experts[0].id;
    let page = s.get(&format!("/experts/{first}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(input_tag(&page.html, "f-", "name").contains("value=\"专家0号\""));
    let page = s
        .post_ok(
            &format!("/experts/{first}"),
            &[
                ("name", "专家0号"),
                ("title", "教授级高级工程师"),
                ("specialty", "机械设计"),
                ("employer", "湖南大学"),
                ("mobile", "13900000000"),
            ],
        )
        .await;
    assert!(page.html.contains("专家信息已保存"));
    assert_eq!(
        app.store.expert(first).await.unwrap().title,
        "教授级高级工程师"
    );

    // A bad correction is refused beside its field and changes nothing.
    let page = s
        .post(
            &format!("/experts/{first}"),
            &[
                ("name", "专家0号"),
                ("title", "教授"),
                ("specialty", "机械设计"),
                ("employer", "湖南大学"),
                ("mobile", "139-0000"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_error(&page.html, "f-", "mobile"),
        Some("手机须为 11 位手机号码")
    );
    assert!(input_tag(&page.html, "f-", "mobile").contains("value=\"139-0000\""));
    assert!(input_tag(&page.html, "f-", "title").contains("value=\"教授\""));
    assert_eq!(app.store.expert(first).await.unwrap().mobile, "13900000000");

    // Another society's roster is not its to keep.
    let other = app.society("湖南省电子学会").await;
    let theirs = app.experts(other, 1).await[0];
    assert_eq!(
        s.get(&format!("/experts/{theirs}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.post(&format!("/experts/{theirs}/retire"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert!(app.store.expert(theirs).await.unwrap().active);
    assert_eq!(
        s.get(&format!("/societies/{other}")).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn expert_mobiles_are_hidden_from_the_talent_office() {
    let app = TestApp::spawn().await;
    let society = app.society("湖南省机械工程学会").await;
    app.experts(society, 5).await;
    app.user("talent1", Role::TalentOffice, Link::None).await;
    app.user("auditor", Role::Supervisor, Link::None).await;

    let s = Session::start(&app, "talent1").await;
    let list = s.get("/societies").await;
    assert!(list.html.contains("湖南省机械工程学会") && list.html.contains("5 名"));
    let page = s.get(&format!("/societies/{society}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("专家0") && page.html.contains("不公开"));
    assert!(!page.html.contains("13900000004"));
    assert!(!page.html.contains("添加专家"), "read-only");
    assert_eq!(s.get("/societies/new").await.status, StatusCode::FORBIDDEN);

    let s = Session::start(&app, "auditor").await;
    let page = s.get(&format!("/societies/{society}")).await;
    assert!(
        page.html.contains("13900000004"),
        "the supervisor sees mobiles"
    );
    assert!(!page.html.contains("移出"), "read-only");
}

#[tokio::test]
async fn an_unlinked_account_registers_its_own_unit_or_society() {
    let app = TestApp::spawn().await;
    app.user("newhost", Role::HostUnit, Link::None).await;
    app.user("newsoc", Role::Society, Link::None).await;

    let s = Session::start(&app, "newhost").await;
    let page = s.get("/unit").await;
    assert!(page.html.contains("本账户尚未关联建站单位"));
    // A bad registration keeps the form and creates nothing.
    let fields = new_unit_fields("安化黑茶产业园科协", "12430900MB0000002", "安化县");
    let bad = with(&fields, &[("county", ""), ("nature", "")]);
    let page = s.post("/unit", &borrowed(&bad)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&page.html, "f-", "county").is_some());
    assert!(field_error(&page.html, "f-", "nature").is_some());
    assert!(page.html.contains("value=\"安化黑茶产业园科协\""));
    assert_eq!(
        app.store
            .list_units(&OrgFilter::default(), 1, 10)
            .await
            .unwrap()
            .total,
        0
    );
    let page = s.post_ok("/unit", &borrowed(&fields)).await;
    assert!(page.html.contains("单位信息已登记，本账户已与该单位关联"));
    assert!(page.html.contains("安化黑茶产业园科协"));
    let me = app
        .store
        .user_by_username("newhost")
        .await
        .unwrap()
        .unwrap();
    let unit = app.store.unit(me.unit_id.unwrap()).await.unwrap();
    assert_eq!(unit.county, "安化县");

    let s = Session::start(&app, "newsoc").await;
    let page = s.get("/society").await;
    assert!(page.html.contains("本账户尚未关联学会"));
    assert!(
        !page.html.contains("添加专家"),
        "no roster before registering"
    );
    let page = s
        .post_ok("/society", &borrowed(&society_fields("益阳市农学会")))
        .await;
    assert!(page.html.contains("学会信息已登记"));
    assert!(page.html.contains("添加专家"));
    let me = app.store.user_by_username("newsoc").await.unwrap().unwrap();
    assert_eq!(
        app.store
            .society(me.society_id.unwrap())
            .await
            .unwrap()
            .name,
        "益阳市农学会"
    );
}

#[tokio::test]
async fn city_cast_opens_rounds_and_an_overlapping_one_is_refused() {
    let app = TestApp::builder().today("2026-03-15").spawn().await;
    app.round("2024-03-01", "2024-04-30").await;
    app.user("city1", Role::CityCast, Link::None).await;
    let s = Session::start(&app, "city1").await;

    let page = s.get("/rounds").await;
    assert!(page.html.contains("新建申报批次"));
    assert!(page.html.contains("已截止"));

    let page = s
        .post_ok(
            "/rounds",
            &[
                ("name", "2026年度学会服务站申报"),
                ("opens_on", "2026-03-01"),
                ("closes_on", "2026-04-30"),
                ("municipal_quota", ""),
                ("provincial_quota", "2"),
                ("national_quota", ""),
            ],
        )
        .await;
    assert!(page.html.contains("申报批次已创建"));
    assert!(page.html.contains("2026年度学会服务站申报"));
    assert!(page.html.contains("受理中"));
    assert!(
        page.html.contains("<td>5 家</td>"),
        "the quota defaults to 5"
    );
    let rounds = app.store.rounds().await.unwrap();
    assert_eq!(rounds.len(), 2);
    assert_eq!(rounds[0].municipal_quota, 5);
    assert_eq!(rounds[0].provincial_quota, Some(2));

    // Overlapping the open round: refused, citing 第八条, with the form kept.
    let page = s
        .post(
            "/rounds",
            &[
                ("name", "重叠的批次"),
                ("opens_on", "2026-04-15"),
                ("closes_on", "2026-06-30"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.html.contains("第八条"), "{}", page.html);
    assert!(page.html.contains("受理时间重叠"));
    assert!(input_tag(&page.html, "f-", "name").contains("value=\"重叠的批次\""));
    assert_eq!(app.store.rounds().await.unwrap().len(), 2);

    // Too many municipal stations and a bad date: both beside their fields.
    let page = s
        .post(
            "/rounds",
            &[
                ("name", "2028年度学会服务站申报"),
                ("opens_on", "2028/03/01"),
                ("closes_on", "2028-04-30"),
                ("municipal_quota", "6"),
                ("national_quota", "两家"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        field_error(&page.html, "f-", "municipal_quota")
            .unwrap()
            .contains("第十二条")
    );
    assert!(field_error(&page.html, "f-", "opens_on").is_some());
    assert!(field_error(&page.html, "f-", "national_quota").is_some());
    assert_eq!(app.store.rounds().await.unwrap().len(), 2);
}

#[tokio::test]
async fn only_city_cast_opens_rounds_but_everyone_sees_them() {
    let app = TestApp::builder().today("2026-03-15").spawn().await;
    app.round("2026-05-01", "2026-06-30").await;
    let unit = app.unit("益阳智能装备有限公司科协", "资阳区").await;
    app.user("host1", Role::HostUnit, Link::Unit(unit)).await;
    app.user("admin", Role::Admin, Link::None).await;
    for who in ["host1", "admin"] {
        let s = Session::start(&app, who).await;
        let page = s.get("/rounds").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.html.contains("2026-05-01 批次") && page.html.contains("未开始"));
        assert!(!page.html.contains("新建申报批次"));
        let page = s
            .post(
                "/rounds",
                &[
                    ("name", "越权的批次"),
                    ("opens_on", "2027-03-01"),
                    ("closes_on", "2027-04-30"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{who}");
        assert!(page.html.contains("无权执行此操作"));
    }
    assert_eq!(app.store.rounds().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_unit_list_is_paged_and_searched_by_credit_code() {
    let app = TestApp::spawn().await;
    for i in 0..21 {
        app.unit(&format!("第{i:02}号测试单位科协"), "沅江市").await;
    }
    app.user("talent1", Role::TalentOffice, Link::None).await;
    let s = Session::start(&app, "talent1").await;

    let first = s.get("/units").await;
    assert!(
        first.html.contains("共 21 个单位 · 第 1 / 2 页"),
        "{}",
        first.html
    );
    assert!(first.html.contains("第00号测试单位科协"));
    assert!(!first.html.contains("第20号测试单位科协"));
    assert!(first.html.contains("下一页"));
    assert!(
        !first.html.contains("新建单位"),
        "only city CAST and the administrator create"
    );
    let second = s.get("/units?page=2").await;
    assert!(second.html.contains("第20号测试单位科协"));
    assert!(second.html.contains("上一页"));
    // A page number out of range or not a number is not an error.
    assert_eq!(
        s.get("/units?page=18446744073709551615").await.status,
        StatusCode::OK
    );
    assert_eq!(s.get("/units?page=abc").await.status, StatusCode::OK);

    // By county (city-wide roles may filter) and by credit code.
    let none = s.get("/units?county=%E8%B5%84%E9%98%B3%E5%8C%BA").await;
    assert!(none.html.contains("共 0 个单位") && none.html.contains("没有符合条件的单位"));
    let code = app
        .store
        .list_units(&OrgFilter::default(), 1, 1)
        .await
        .unwrap()
        .items[0]
        .credit_code
        .clone();
    let found = s.get(&format!("/units?q={code}")).await;
    assert!(found.html.contains("共 1 个单位"), "{}", found.html);
    assert!(found.html.contains("第00号测试单位科协"));
    // Read-only for the talent office.
    let id = app
        .store
        .list_units(&OrgFilter::default(), 1, 1)
        .await
        .unwrap()
        .items[0]
        .id;
    let page = s.get(&format!("/units/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains("统一社会信用代码")
            && !page.html.contains("<form method=\"post\" action=\"/units/")
    );
    assert_eq!(s.get("/units/abc").await.status, StatusCode::NOT_FOUND);
}
