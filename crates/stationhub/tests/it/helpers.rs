//! `TestApp`: the real router on a fresh database, with helpers for the people of a scenario.

use std::sync::atomic::{AtomicU32, Ordering};

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use stationhub_domain::account::{NewPassword, Role, Username};
use stationhub_domain::clock::Clock;
use stationhub_domain::organisation::CreditCode;
use stationhub_domain::organisation::{ExpertInput, SocietyInput, UnitInput};
use stationhub_domain::policy::Policy;
use stationhub_domain::round::RoundInput;
use stationhub_storage::accounts::NewUser;
use stationhub_storage::files::FileStore;
use stationhub_storage::{Actor, Store};
use stationhub_web::{AppState, Config};
use tempfile::TempDir;

/// The password of accounts the tests make.
pub const PASSWORD: &str = "Test#2023yy";

/// PostgreSQL server to test against (a maintenance database URL), if any.
pub const PG_ENV: &str = "STATIONHUB_TEST_DATABASE_URL";

pub struct TestApp {
    pub base: String,
    pub clock: Clock,
    pub db_url: String,
    pub store: Store,
    pub client: reqwest::Client,
    _dir: TempDir,
    servers: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        for s in &self.servers {
            s.abort();
        }
    }
}

pub struct Builder {
    config: Config,
    clock: Clock,
}

impl TestApp {
    pub fn builder() -> Builder {
        Builder {
            config: Config::default(),
            clock: Clock::system(),
        }
    }

    pub async fn spawn() -> TestApp {
        TestApp::builder().spawn().await
    }

    /// Starts another server on the same database (as a second machine would).
    pub async fn second_server(&mut self) -> String {
        let store = open(&self.db_url).await;
        let (base, handle) = start(
            store,
            self._dir.path().join("files"),
            Config::default(),
            self.clock,
        )
        .await;
        self.servers.push(handle);
        base
    }

    /// Starts the real `stationhub serve` as a separate process on this database (a second
    /// machine, as far as the database can tell). Killed when the returned guard drops.
    pub fn server_process(&self) -> ServerProcess {
        self.server_process_with(&[], &[])
    }

    /// [`TestApp::server_process`] with more global flags (before `serve`, e.g.
    /// `--file-store s3://…`) and environment variables.
    pub fn server_process_with(&self, flags: &[&str], envs: &[(&str, &str)]) -> ServerProcess {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stationhub"))
            .args(["--database", &self.db_url])
            .args(flags)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("STATIONHUB_DATA_DIR", self.data_dir())
            .env("STATIONHUB_TODAY", self.clock.today().to_string())
            .env("STATIONHUB_LOG", "warn")
            .envs(envs.iter().copied())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .unwrap();
        let base = line
            .trim()
            .trim_start_matches("stationhub: ")
            .trim_end_matches('/')
            .to_string();
        assert!(base.starts_with("http://"), "server said {line:?}");
        ServerProcess { child, base }
    }

    /// Moves "today" to `date`: a new server with that clock takes over on the same database
    /// (as after a restart with STATIONHUB_TODAY set).
    pub async fn travel_to(&mut self, date: &str) {
        let clock = Clock::fixed(chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap());
        let store = open(&self.db_url).await;
        let (base, handle) = start(
            store,
            self._dir.path().join("files"),
            Config::default(),
            clock,
        )
        .await;
        self.servers.push(handle);
        self.base = base;
        self.clock = clock;
    }

    /// What a server of this app runs with (its store, files, clock): to run the job loop's
    /// [`stationhub_web::jobs::tick`] as a server would.
    pub fn state(&self) -> AppState {
        AppState::new(
            self.store.clone(),
            FileStore::local(&self.files_dir()).unwrap(),
            Policy::default(),
            self.clock,
            Config::default(),
        )
    }

    /// The local folder of uploaded files (`--data-dir`) of this app's servers.
    pub fn data_dir(&self) -> std::path::PathBuf {
        self._dir.path().join("files")
    }

    /// The folder of this app's stored files (its `--data-dir`).
    pub fn files_dir(&self) -> std::path::PathBuf {
        self._dir.path().join("files")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A user made as `stationhub user add` makes one (no forced password change).
    pub async fn user(&self, username: &str, role: Role, link: Link) -> i64 {
        let (unit_id, society_id, county) = match link {
            Link::None => (None, None, None),
            Link::Unit(id) => (Some(id), None, None),
            Link::Society(id) => (None, Some(id), None),
            Link::County(c) => (None, None, Some(c.to_string())),
        };
        self.store
            .create_user(
                &Actor::system("test"),
                NewUser {
                    username: Username::parse(username).unwrap(),
                    display_name: format!("{username} 测试"),
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
            .unwrap()
    }

    /// An administrator, signed in: its token.
    pub async fn admin(&self) -> String {
        if self
            .store
            .user_by_username("admin")
            .await
            .unwrap()
            .is_none()
        {
            self.user("admin", Role::Admin, Link::None).await;
        }
        self.token("admin", PASSWORD).await
    }

    /// A host unit in `county` (企业科协, registered in Yiyang, an independent legal person).
    pub async fn unit(&self, name: &str, county: &str) -> i64 {
        self.unit_with(name, county, |_| {}).await
    }

    /// A host unit whose profile `change` adjusts first.
    pub async fn unit_with(
        &self,
        name: &str,
        county: &str,
        change: impl FnOnce(&mut UnitInput),
    ) -> i64 {
        static N: AtomicU32 = AtomicU32::new(1);
        let code = CreditCode::complete(&format!(
            "91430900MA{:07}",
            N.fetch_add(1, Ordering::Relaxed)
        ))
        .unwrap();
        let mut input = UnitInput {
            name: name.into(),
            credit_code: code.as_str().into(),
            nature: "企业科协".into(),
            county: county.into(),
            legal_rep: "张三".into(),
            address: "益阳市".into(),
            postcode: "413000".into(),
            contact_name: "李四".into(),
            contact_phone: "0737-1234567".into(),
            contact_mobile: "13800000000".into(),
            fax: String::new(),
            email: "a@example.cn".into(),
            qq_wechat: String::new(),
            registered_in_yiyang: true,
            independent_legal_person: true,
            has_funded_expert_workstation: false,
        };
        change(&mut input);
        self.store
            .create_unit(&Actor::system("test"), input.parse().unwrap())
            .await
            .unwrap()
    }

    /// A provincial society.
    pub async fn society(&self, name: &str) -> i64 {
        self.society_with(name, "provincial").await
    }

    pub async fn society_with(&self, name: &str, level: &str) -> i64 {
        self.store
            .create_society(
                &Actor::system("test"),
                SocietyInput {
                    name: name.into(),
                    level: level.into(),
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
                    description: "学会简介".into(),
                }
                .parse()
                .unwrap(),
            )
            .await
            .unwrap()
    }

    /// A round open from `opens` to `closes` (city CAST opens it).
    pub async fn round(&self, opens: &str, closes: &str) -> i64 {
        self.store
            .create_round(
                &Actor::system("test"),
                RoundInput {
                    name: format!("{opens} 批次"),
                    opens_on: opens.into(),
                    closes_on: closes.into(),
                    ..Default::default()
                }
                .parse(&Policy::default())
                .unwrap(),
            )
            .await
            .unwrap()
    }

    /// `n` experts on a society's roster.
    pub async fn experts(&self, society_id: i64, n: usize) -> Vec<i64> {
        let mut ids = Vec::new();
        for i in 0..n {
            ids.push(
                self.store
                    .add_expert(
                        &Actor::system("test"),
                        society_id,
                        ExpertInput {
                            name: format!("专家{i}"),
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
        ids
    }

    pub async fn sign_in(&self, username: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/session"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap()
    }

    pub async fn token(&self, username: &str, password: &str) -> String {
        let res = self.sign_in(username, password).await;
        assert_eq!(res.status(), StatusCode::CREATED, "sign-in of {username}");
        let body: Value = res.json().await.unwrap();
        body["token"].as_str().unwrap().to_string()
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let res = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let res = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, token, body).await
    }

    /// Makes every session look idle for `minutes`.
    pub async fn idle_sessions(&self, minutes: i64) {
        use sea_orm::Statement;
        let db = self.store.db();
        let past = chrono::Utc::now() - chrono::Duration::minutes(minutes);
        let sql = match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => "UPDATE sessions SET last_seen_at = $1",
            _ => "UPDATE sessions SET last_seen_at = ?",
        };
        db.execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            [past.into()],
        ))
        .await
        .unwrap();
        // The server's memo judges a kept session's idleness by the clock, which this stands in
        // for: it must read the sessions again.
        self.store.forget_memo();
    }

    /// A browser-like client: keeps cookies, does not follow redirects.
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Runs the real binary against this database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_stationhub"))
            .arg("--database")
            .arg(&self.db_url)
            .args(args)
            .env("STATIONHUB_LOG", "warn")
            .output()
            .unwrap()
    }
}

/// A `stationhub serve` process, killed on drop.
pub struct ServerProcess {
    child: std::process::Child,
    pub base: String,
}

impl ServerProcess {
    /// Sends SIGTERM, as systemd does to stop the service.
    pub fn terminate(&self) {
        let st = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(st.success(), "kill -TERM");
    }

    /// Waits (at most `limit`) for the process to end; its exit status.
    pub fn wait_exit(&mut self, limit: std::time::Duration) -> std::process::ExitStatus {
        let until = std::time::Instant::now() + limit;
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            assert!(
                std::time::Instant::now() < until,
                "the server did not stop within {limit:?}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub enum Link {
    None,
    Unit(i64),
    Society(i64),
    County(&'static str),
}

impl Builder {
    pub fn signin_per_minute(mut self, n: u32) -> Self {
        self.config.signin_per_minute = n;
        self
    }

    /// Fixes "today" (STATIONHUB_TODAY).
    pub fn today(mut self, date: &str) -> Self {
        self.clock = Clock::fixed(chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap());
        self
    }

    pub async fn spawn(self) -> TestApp {
        let (db_url, dir) = fresh_database().await;
        let store = open(&db_url).await;
        let (base, handle) = start(
            store.clone(),
            dir.path().join("files"),
            self.config,
            self.clock,
        )
        .await;
        TestApp {
            clock: self.clock,
            base,
            db_url,
            store,
            client: reqwest::Client::new(),
            _dir: dir,
            servers: vec![handle],
        }
    }
}

/// A new, empty database: a SQLite file in a temporary folder, or a new PostgreSQL database.
pub async fn fresh_database() -> (String, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    match std::env::var(PG_ENV) {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = format!("sh_test_{}_{}", std::process::id(), rand_suffix());
            let admin = Database::connect(&admin_url).await.unwrap();
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            let base = admin_url.rsplit_once('/').unwrap().0;
            (format!("{base}/{name}"), dir)
        }
        _ => (
            format!("sqlite://{}", dir.path().join("test.db").display()),
            dir,
        ),
    }
}

fn rand_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    static N: AtomicU32 = AtomicU32::new(0);
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{t}_{}", N.fetch_add(1, Ordering::Relaxed))
}

pub async fn open(db_url: &str) -> Store {
    let store = Store::connect(db_url).await.unwrap();
    store.migrate().await.unwrap();
    store.seed_reference_data(&Policy::default()).await.unwrap();
    store
}

async fn start(
    store: Store,
    files_dir: std::path::PathBuf,
    config: Config,
    clock: Clock,
) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let files = FileStore::local(&files_dir).unwrap();
    let state = AppState::new(store, files, Policy::default(), clock, config);
    let handle = tokio::spawn(async move {
        stationhub_web::serve(listener, state, std::future::pending())
            .await
            .unwrap();
    });
    (base, handle)
}

/// Pulls the CSRF token out of a page's first form.
pub fn csrf_of(html: &str) -> String {
    let key = "name=\"csrf_token\" value=\"";
    let start = html.find(key).expect("page has a form with a CSRF token") + key.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

/// A `stationhub serve` process started without waiting for it to serve, so that it can be
/// killed at any moment, start-up included (the crash tests). SIGKILLed when dropped. Its
/// standard error goes to a log file, shown when it fails to start.
pub struct KillableServer {
    child: std::process::Child,
    first_line: std::sync::mpsc::Receiver<String>,
    log: std::path::PathBuf,
    base: Option<String>,
}

impl TestApp {
    /// [`launch_server`] on this app's database, data folder and "today".
    pub fn launch(&self) -> KillableServer {
        launch_server(
            &self.db_url,
            &self.data_dir(),
            &self.clock.today().to_string(),
        )
    }
}

/// Starts `stationhub serve` on `db_url` with `data_dir` (its log beside it, one file per
/// launch) and returns at once.
pub fn launch_server(db_url: &str, data_dir: &std::path::Path, today: &str) -> KillableServer {
    use std::io::BufRead;
    static N: AtomicU32 = AtomicU32::new(0);
    std::fs::create_dir_all(data_dir).unwrap();
    let log = data_dir.with_file_name(format!("server-{}.log", N.fetch_add(1, Ordering::Relaxed)));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stationhub"))
        .args(["--database", db_url])
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("STATIONHUB_DATA_DIR", data_dir)
        .env("STATIONHUB_TODAY", today)
        .env("STATIONHUB_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, first_line) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let mut reader = std::io::BufReader::new(stdout);
        if reader.read_line(&mut line).is_ok() && !line.is_empty() {
            let _ = tx.send(line);
        }
        // Keep the pipe open (and drained) while the server lives.
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    });
    KillableServer {
        child,
        first_line,
        log,
        base: None,
    }
}

impl KillableServer {
    /// Waits until the server says where it listens and `/healthz` answers 200; its base URL.
    /// Panics (with the server's log) if it exits first or is not ready within `limit`.
    pub async fn wait_ready(&mut self, limit: std::time::Duration) -> String {
        let until = std::time::Instant::now() + limit;
        let client = reqwest::Client::new();
        loop {
            if self.has_exited() {
                panic!(
                    "the server exited before it was ready: {:?}\n{}",
                    self.child.try_wait(),
                    self.log_text()
                );
            }
            assert!(
                std::time::Instant::now() < until,
                "the server was not ready within {limit:?}\n{}",
                self.log_text()
            );
            if self.base.is_none()
                && let Ok(line) = self.first_line.try_recv()
            {
                let base = line
                    .trim()
                    .trim_start_matches("stationhub: ")
                    .trim_end_matches('/')
                    .to_string();
                assert!(base.starts_with("http://"), "server said {line:?}");
                self.base = Some(base);
            }
            if let Some(base) = &self.base
                && let Ok(res) = client.get(format!("{base}/healthz")).send().await
                && res.status() == StatusCode::OK
            {
                return base.clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL (no chance to finish anything), then reaps the process.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Whether the process has ended.
    pub fn has_exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// What the server wrote on standard error.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for KillableServer {
    fn drop(&mut self) {
        self.kill9();
    }
}

// ---------------------------------------------------------------- hostile input and 等保 baseline

impl Builder {
    /// `--secure-cookies`: served over HTTPS (Secure cookies, HSTS).
    pub fn secure_cookies(mut self) -> Self {
        self.config.secure_cookies = true;
        self
    }
}

impl TestApp {
    /// [`TestApp::server_process_with`], with the server's log (standard error) written to
    /// `log`, to read what it wrote.
    pub fn server_process_logged(
        &self,
        envs: &[(&str, &str)],
        log: &std::path::Path,
    ) -> ServerProcess {
        use std::io::BufRead;
        let file = std::fs::File::create(log).unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stationhub"))
            .args(["--database", &self.db_url])
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("STATIONHUB_DATA_DIR", self.data_dir())
            .env("STATIONHUB_TODAY", self.clock.today().to_string())
            .envs(envs.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(file)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .unwrap();
        let base = line
            .trim()
            .trim_start_matches("stationhub: ")
            .trim_end_matches('/')
            .to_string();
        assert!(base.starts_with("http://"), "server said {line:?}");
        ServerProcess { child, base }
    }
}
