//! Browser tests in real headless Chromium, driven through chromedriver with fantoccini.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without them the test prints a SKIPPED line
//! and passes, unless STATIONHUB_REQUIRE_BROWSER=1 (as in CI), when it fails instead.
//! With STATIONHUB_SCREENSHOTS=<dir> it saves screenshots of the pages it checks there.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use stationhub_domain::account::Role;
use tempfile::TempDir;

use crate::helpers::{Link, PASSWORD, TestApp};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const REQUIRE_ENV: &str = "STATIONHUB_REQUIRE_BROWSER";
const SCREENSHOTS_ENV: &str = "STATIONHUB_SCREENSHOTS";

/// How long a page may take to show what the test waits for.
const PAGE_WAIT: Duration = Duration::from_secs(15);

const UNIT: &str = "益阳智能装备有限公司科协";
const NEW_USER: &str = "zy-zhineng";
const INITIAL_PASSWORD: &str = "Initial#2023";
const OWN_PASSWORD: &str = "Mine#2024abc";

/// Phone viewport (a common 6.1-inch phone, in CSS pixels).
const PHONE: (u32, u32) = (390, 844);

/// Whether the browser is installed; if not, fails when it is required and skips otherwise.
fn browser_installed() -> bool {
    let missing: Vec<&str> = [CHROMEDRIVER, CHROMIUM]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let what = format!(
        "missing {} (apt-get install chromium chromium-driver)",
        missing.join(" and ")
    );
    if std::env::var(REQUIRE_ENV).as_deref() == Ok("1") {
        panic!("{REQUIRE_ENV}=1 but the browser is not installed: {what}");
    }
    eprintln!(
        "\n==================================================================\n\
         SKIPPED: chromedriver not installed: {what}.\n\
         The browser tests did NOT run. Set {REQUIRE_ENV}=1 to make this an error.\n\
         ==================================================================\n"
    );
    false
}

/// A chromedriver child process, killed when dropped (also when the test panics).
struct Chromedriver {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Chromedriver {
    async fn start(dir: &Path) -> Chromedriver {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            listener.local_addr().expect("its address").port()
        };
        let log = dir.join("chromedriver.log");
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
        let mut driver = Chromedriver { child, port, log };
        driver.wait_until_ready().await;
        driver
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn wait_until_ready(&mut self) {
        let http = reqwest::Client::new();
        let status = format!("{}/status", self.url());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(code)) = self.child.try_wait() {
                panic!(
                    "chromedriver exited at start ({code}); log: {}",
                    self.log_tail()
                );
            }
            if let Ok(res) = http.get(&status).send().await {
                let body: serde_json::Value = res.json().await.unwrap_or_default();
                if body["value"]["ready"] == json!(true) {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer on {status} within 10 s; log: {}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- chromedriver log (last lines) ---\n{}", self.log_tail());
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A new headless Chromium session with a fresh profile in `profile`.
async fn open_browser(driver: &Chromedriver, profile: &Path) -> Client {
    let args = vec![
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-dev-shm-usage".into(),
        "--lang=zh-CN".into(),
        "--window-size=1280,1000".into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
    });
    let caps = caps
        .as_object()
        .cloned()
        .expect("capabilities are an object");
    // Both of rustls's crypto providers are in the build (see Cargo.toml), so name one; the
    // error only says that one is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    ClientBuilder::rustls()
        .expect("rustls connector")
        .capabilities(caps)
        .connect(&driver.url())
        .await
        .unwrap_or_else(|e| {
            panic!(
                "cannot open a Chromium session: {e}; log: {}",
                driver.log_tail()
            )
        })
}

/// Waits until the browser shows `path` (the address bar, without query).
async fn wait_for_path(c: &Client, path: &str) {
    let deadline = Instant::now() + PAGE_WAIT;
    loop {
        let url = c.current_url().await.expect("current URL");
        if url.path() == path {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "expected to arrive at {path}, still at {url}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The text of the element `css`, waiting for it to appear.
async fn text_of(c: &Client, css: &str) -> String {
    let el = c
        .wait()
        .at_most(PAGE_WAIT)
        .every(Duration::from_millis(50))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| {
            panic!("no {css} on the page: {e}");
        });
    el.text().await.expect("element text")
}

/// Types `text` into the (emptied) field `css`.
async fn fill(c: &Client, css: &str, text: &str) {
    let field = c
        .wait()
        .at_most(PAGE_WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no field {css}: {e}"));
    field.clear().await.expect("clear field");
    field.send_keys(text).await.expect("type into field");
}

async fn click(c: &Client, css: &str) {
    let el = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css} to click: {e}"));
    click_el(c, &el, css).await;
}

/// Scrolls the element to the middle of the window (as a person would, past sticky bars) and
/// clicks it.
async fn click_el(c: &Client, el: &fantoccini::elements::Element, what: &str) {
    let arg = serde_json::to_value(el).expect("element reference");
    c.execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg])
        .await
        .unwrap_or_else(|e| panic!("cannot scroll to {what}: {e}"));
    el.click()
        .await
        .unwrap_or_else(|e| panic!("cannot click {what}: {e}"));
}

async fn sign_in(c: &Client, app: &TestApp, username: &str, password: &str) {
    c.goto(&app.url("/login")).await.expect("open /login");
    fill(c, "#username", username).await;
    fill(c, "#password", password).await;
    click(c, "#sign-in").await;
}

async fn js_number(c: &Client, script: &str) -> f64 {
    c.execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("script {script:?}: {e}"))
        .as_f64()
        .unwrap_or_else(|| panic!("script {script:?} gave no number"))
}

/// Saves a screenshot as `name` in $STATIONHUB_SCREENSHOTS, if that is set.
async fn screenshot(c: &Client, name: &str) {
    let Some(dir) = std::env::var_os(SCREENSHOTS_ENV).filter(|d| !d.is_empty()) else {
        return;
    };
    let png = c.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "the screenshot is a PNG");
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    let path = dir.join(name);
    std::fs::write(&path, png).expect("write screenshot");
    eprintln!("screenshot saved: {}", path.display());
}

/// An administrator creates a host-unit account on the page; its owner signs in, must set a
/// password of their own first, and then sees their home page (also on a phone).
#[tokio::test]
async fn an_admin_creates_an_account_and_its_owner_starts_using_it_in_a_real_browser() {
    if !browser_installed() {
        return;
    }
    let started = Instant::now();
    let app = TestApp::spawn().await;
    app.user("admin", Role::Admin, Link::None).await;
    let unit = app.unit(UNIT, "资阳区").await;

    let dir = tempfile::tempdir().expect("temporary folder");
    let driver = Chromedriver::start(dir.path()).await;
    let profile = TempDir::new_in(dir.path()).expect("profile folder");
    let client = open_browser(&driver, profile.path()).await;

    // The scenario runs as its own task so that the browser is closed even when it fails.
    let outcome = tokio::spawn(scenario(app, client.clone(), unit)).await;
    let _ = client.close().await;
    drop(driver);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
    eprintln!(
        "browser scenario passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

async fn scenario(app: TestApp, c: Client, unit: i64) {
    // The administrator signs in and opens 账户管理 from the menu.
    sign_in(&c, &app, "admin", PASSWORD).await;
    wait_for_path(&c, "/").await;
    assert!(text_of(&c, "#who").await.contains("admin 测试"));
    c.wait()
        .at_most(PAGE_WAIT)
        .for_element(Locator::LinkText("账户管理"))
        .await
        .expect("a 账户管理 link on the administrator's home page")
        .click()
        .await
        .expect("open 账户管理");
    wait_for_path(&c, "/admin/users").await;
    assert_eq!(text_of(&c, "main h1").await, "账户管理");

    // … and creates the account of the host unit.
    fill(&c, "#username", NEW_USER).await;
    fill(&c, "#display_name", "刘科协").await;
    let role = c.find(Locator::Css("#role")).await.expect("role select");
    role.select_by_value("host_unit")
        .await
        .expect("role 建站单位");
    let units = c.find(Locator::Css("#unit_id")).await.expect("unit select");
    units
        .select_by_label(UNIT)
        .await
        .expect("the unit is offered");
    assert_eq!(
        units.prop("value").await.expect("chosen unit").as_deref(),
        Some(unit.to_string().as_str()),
        "the unit chosen by its name is the unit"
    );
    fill(&c, "#password", INITIAL_PASSWORD).await;
    click(&c, "#create-user").await;
    let done = text_of(&c, "#done").await;
    assert!(done.contains("账户已创建"), "flash: {done}");
    wait_for_path(&c, "/admin/users").await;
    let row = text_of(&c, &format!("tr[data-username='{NEW_USER}']")).await;
    assert!(row.contains(UNIT), "the new row names the unit: {row}");
    assert!(
        row.contains("建站单位"),
        "the new row names the role: {row}"
    );
    assert!(
        row.contains("待首次改密"),
        "the new row awaits a password: {row}"
    );
    screenshot(&c, "admin-users.png").await;
    let created = app
        .store
        .user_by_username(NEW_USER)
        .await
        .expect("look the account up")
        .expect("the account exists");
    assert_eq!(created.unit_id, Some(unit));

    // The administrator signs out.
    click(&c, "#sign-out").await;
    wait_for_path(&c, "/login").await;
    let notice = text_of(&c, "#notice").await;
    assert!(notice.contains("您已安全退出"), "notice: {notice}");
    assert!(c.find(Locator::Css("#sign-in")).await.is_ok());
    assert!(
        c.find(Locator::Css("#who")).await.is_err(),
        "nobody is shown"
    );

    // The new user signs in with the initial password and must first choose their own.
    sign_in(&c, &app, NEW_USER, INITIAL_PASSWORD).await;
    wait_for_path(&c, "/password").await;
    let notice = text_of(&c, "#notice").await;
    assert!(notice.contains("首次登录须先设置自己的密码"), "{notice}");
    assert!(
        c.find(Locator::Css("nav.main")).await.is_err(),
        "no menu before the password is changed"
    );
    fill(&c, "#current_password", INITIAL_PASSWORD).await;
    fill(&c, "#new_password", OWN_PASSWORD).await;
    fill(&c, "#confirm_password", "Mine#2024abd").await;
    click(&c, "#change-password").await;
    let error = text_of(&c, "#error-message").await;
    assert!(error.contains("两次输入的新密码不一致"), "error: {error}");
    wait_for_path(&c, "/password").await;
    // Trying to go elsewhere still leads back to the password page.
    c.goto(&app.url("/")).await.expect("open /");
    wait_for_path(&c, "/password").await;

    fill(&c, "#current_password", INITIAL_PASSWORD).await;
    fill(&c, "#new_password", OWN_PASSWORD).await;
    fill(&c, "#confirm_password", OWN_PASSWORD).await;
    click(&c, "#change-password").await;
    wait_for_path(&c, "/").await;
    let panel = text_of(&c, "#panel-applications h2").await;
    assert_eq!(panel, "我的申报书");
    let who = text_of(&c, "#who").await;
    assert!(who.contains(UNIT), "the header names the unit: {who}");
    assert!(who.contains("刘科协"), "the header names the user: {who}");

    // On a phone the home page fits the screen: nothing scrolls sideways.
    c.set_window_size(PHONE.0, PHONE.1)
        .await
        .expect("phone-sized window");
    let viewport = js_number(&c, "return window.innerWidth").await;
    assert_eq!(viewport, f64::from(PHONE.0), "the window is phone-sized");
    let scroll = js_number(&c, "return document.documentElement.scrollWidth").await;
    assert!(
        scroll <= f64::from(PHONE.0) + 1.0,
        "the home page scrolls sideways on a phone: {scroll} px wide in a {} px screen",
        PHONE.0
    );
    // Desktop Chromium's scroll bar takes some of the width that a phone's does not; the page
    // must fit what is left, too.
    let usable = js_number(&c, "return document.documentElement.clientWidth").await;
    assert!(
        scroll <= usable + 1.0,
        "the home page is {scroll} px wide, wider than the {usable} px it has"
    );
    screenshot(&c, "home-phone.png").await;

    // The new password is the one that works from now on.
    let user = app
        .store
        .user_by_username(NEW_USER)
        .await
        .expect("look the account up")
        .expect("the account exists");
    assert!(!user.must_change_password);
}

/// Clicks `css`, which submits a form or follows a link, and waits for the new page to load.
async fn click_and_load(c: &Client, css: &str) {
    c.execute("window.__shOldPage = true;", vec![])
        .await
        .expect("mark the page");
    click(c, css).await;
    let deadline = Instant::now() + PAGE_WAIT;
    loop {
        let fresh = c
            .execute(
                "return window.__shOldPage === undefined && document.readyState === 'complete';",
                vec![],
            )
            .await
            .map(|v| v.as_bool() == Some(true))
            .unwrap_or(false);
        if fresh {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no new page after clicking {css}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Signs out whoever is signed in, by the header's button.
async fn sign_out(c: &Client) {
    if c.find(Locator::Css("#sign-out")).await.is_ok() {
        click(c, "#sign-out").await;
        wait_for_path(c, "/login").await;
    }
}

/// Chooses `value` in the `<select>` `css`.
async fn choose(c: &Client, css: &str, value: &str) {
    click(c, &format!("{css} option[value='{value}']")).await;
}

/// One application from the host unit's first keystroke, through every officer's page, to the
/// public list of stations — as each of them would do it in a browser.
#[tokio::test]
async fn an_application_goes_from_the_host_through_every_officer_to_the_public_list() {
    if !browser_installed() {
        return;
    }
    let started = Instant::now();
    let mut app = TestApp::builder().today("2026-03-10").spawn().await;
    let unit = app.unit(UNIT, "资阳区").await;
    let society = app.society("湖南省机械工程学会").await;
    app.experts(society, 6).await;
    let round = app.round("2026-03-01", "2026-04-30").await;
    app.user("host", Role::HostUnit, Link::Unit(unit)).await;
    app.user("soc", Role::Society, Link::Society(society)).await;
    app.user("zy-cast", Role::CountyCast, Link::County("资阳区"))
        .await;
    app.user("zy-talent", Role::CountyTalent, Link::County("资阳区"))
        .await;
    app.user("city", Role::CityCast, Link::None).await;
    app.user("talent", Role::TalentOffice, Link::None).await;

    let dir = tempfile::tempdir().expect("temporary folder");
    let pdf = dir.path().join("材料.pdf");
    std::fs::write(&pdf, crate::applications::PDF).expect("a PDF to upload");
    let driver = Chromedriver::start(dir.path()).await;
    let profile = TempDir::new_in(dir.path()).expect("profile folder");
    let c = open_browser(&driver, profile.path()).await;

    let outcome = tokio::spawn({
        let c = c.clone();
        async move {
            let id = host_applies(&app, &c, round, society, &pdf).await;
            officers_review(&mut app, &c, id).await;
        }
    })
    .await;
    let _ = c.close().await;
    drop(driver);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
    eprintln!(
        "browser walk-through passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

async fn host_applies(app: &TestApp, c: &Client, round: i64, society: i64, pdf: &Path) -> i64 {
    // The host unit starts an application …
    sign_in(c, app, "host", PASSWORD).await;
    wait_for_path(c, "/").await;
    c.goto(&app.url("/applications/new"))
        .await
        .expect("open the new form");
    choose(c, "#round_id", &round.to_string()).await;
    choose(c, "#society_id", &society.to_string()).await;
    click(c, "input[name=level][value=provincial]").await;
    click(c, "input[name=industry][value='装备制造']").await;
    click(c, "#create-draft").await;
    let deadline = Instant::now() + PAGE_WAIT;
    let id: i64 = loop {
        let url = c.current_url().await.expect("URL");
        if let Some(rest) = url.path().strip_prefix("/applications/")
            && let Some(id) = rest.strip_suffix("/edit")
        {
            break id.parse().expect("an application id");
        }
        assert!(Instant::now() < deadline, "no edit page, at {url}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // … fills in every field of the form …
    fill(
        c,
        "#station_name",
        "湖南省机械工程学会益阳智能装备学会服务站",
    )
    .await;
    fill(c, "#unit_overview", "公司成立于2008年，员工620人。").await;
    fill(c, "#industry_overview", "益阳装备制造产业规模约300亿元。").await;
    fill(c, "#society_overview", "学会会员1.2万人。").await;
    fill(c, "#work_plan", "围绕智能装备开展技术攻关与人才培养。").await;
    let experts = c
        .find_all(Locator::Css("input[name=expert_ids]"))
        .await
        .expect("the society's experts");
    for e in experts.iter().take(5) {
        click_el(c, e, "an expert").await;
    }
    let names = c
        .find_all(Locator::Css("input[name=staff_name]"))
        .await
        .expect("staff rows");
    names[0].send_keys("刘建国").await.expect("staff name");
    let mobiles = c
        .find_all(Locator::Css("input[name=staff_mobile]"))
        .await
        .expect("staff rows");
    mobiles[0]
        .send_keys("13807370001")
        .await
        .expect("staff mobile");
    click_and_load(c, "#save-draft").await;
    // … uploads the four materials of 第九条 …
    for kind in [
        "agreement",
        "performance_targets",
        "unit_intro_rules",
        "org_staff_list",
    ] {
        c.find(Locator::Css(&format!("#file-{kind}")))
            .await
            .expect("a file field")
            .send_keys(&pdf.display().to_string())
            .await
            .expect("choose the file");
        click_and_load(
            c,
            &format!("form[action*='kind={kind}'] button[type=submit]"),
        )
        .await;
    }
    // … and asks the society to confirm.
    click_and_load(c, "#request-confirmation").await;
    sign_out(c).await;

    // The society confirms on its page.
    sign_in(c, app, "soc", PASSWORD).await;
    wait_for_path(c, "/").await;
    c.goto(&app.url(&format!("/applications/{id}")))
        .await
        .expect("open the application");
    fill(c, "#opinion", "同意合作，专家团队已落实。").await;
    click_and_load(c, "#confirm").await;
    assert!(text_of(c, "main").await.contains("已确认合作"));
    sign_out(c).await;

    // The host submits.
    sign_in(c, app, "host", PASSWORD).await;
    wait_for_path(c, "/").await;
    c.goto(&app.url(&format!("/applications/{id}/edit")))
        .await
        .expect("open the form");
    click_and_load(c, "#submit").await;
    wait_for_path(c, &format!("/applications/{id}")).await;
    assert!(text_of(c, "main").await.contains("县市区科协初审"));
    sign_out(c).await;
    id
}

async fn decide_on_page(c: &Client, app: &TestApp, user: &str, id: i64, site: bool) {
    sign_in(c, app, user, PASSWORD).await;
    wait_for_path(c, "/").await;
    // What waits is on the home page; one click opens it.
    c.wait()
        .at_most(PAGE_WAIT)
        .for_element(Locator::Css("#panel-queue a[href*='/review']"))
        .await
        .unwrap_or_else(|e| panic!("{user}: nothing waiting on the home page: {e}"))
        .click()
        .await
        .expect("open the waiting application");
    wait_for_path(c, &format!("/applications/{id}/review")).await;
    fill(c, "#opinion", "同意。").await;
    if site {
        fill(c, "#site_date", "2026-03-10").await;
        fill(c, "#site_inspectors", "周文彬、谭丽娟").await;
        fill(c, "#site_findings", "场地、人员、制度均已落实。").await;
    }
    click_and_load(c, "#decide").await;
    assert!(
        text_of(c, "#done").await.contains("已办理"),
        "{user} decided"
    );
    sign_out(c).await;
}

async fn officers_review(app: &mut TestApp, c: &Client, id: i64) {
    decide_on_page(c, app, "zy-cast", id, false).await;
    decide_on_page(c, app, "zy-talent", id, false).await;
    decide_on_page(c, app, "city", id, true).await;
    decide_on_page(c, app, "talent", id, false).await;

    // City CAST publishes the notice from today.
    sign_in(c, app, "city", PASSWORD).await;
    wait_for_path(c, "/").await;
    c.goto(&app.url("/notices")).await.expect("open 公示");
    click_and_load(c, "#publish-notice").await;
    assert_eq!(text_of(c, "#ends-on").await, "2026-03-16");
    sign_out(c).await;

    // After the notice, the talent office awards the plaque.
    app.travel_to("2026-03-17").await;
    sign_in(c, app, "talent", PASSWORD).await;
    wait_for_path(c, "/").await;
    c.goto(&app.url("/awards")).await.expect("open 授牌");
    click_and_load(c, ".award-button").await;
    assert_eq!(text_of(c, "#document-number").await, "益人才办〔2026〕1号");
    sign_out(c).await;

    // Anyone sees the station on the public list.
    c.goto(&app.url("/stations"))
        .await
        .expect("open the public list");
    let list = text_of(c, "#stations").await;
    assert!(
        list.contains("湖南省机械工程学会益阳智能装备学会服务站"),
        "{list}"
    );
    assert!(list.contains(UNIT));
    screenshot(c, "public-stations.png").await;
}
