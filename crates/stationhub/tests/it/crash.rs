//! Crashes lose nothing (issue 9, docs/reliability.md): the real server, as a separate process,
//! is killed with SIGKILL at random moments while clients write, and restarted on the same
//! database; every write it answered with success is there afterwards, with its content and its
//! audit entry, and the audit chain verifies. A start-up killed at any moment (migrations
//! included) leaves a database the next start takes up.
//!
//! `STATIONHUB_CRASH_CYCLES` (default 20) sets the kill cycles, `STATIONHUB_CRASH_STARTS`
//! (default 12) the killed start-ups, `STATIONHUB_CRASH_SEED` the random moments.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use stationhub_domain::account::{NewPassword, Role, Username};
use stationhub_domain::organisation::CreditCode;
use stationhub_domain::policy::Policy;
use stationhub_storage::accounts::NewUser;
use stationhub_storage::audit::AuditFilter;
use stationhub_storage::{Actor, Backend, Store};

use crate::applications::scenario;
use crate::helpers::{PASSWORD, fresh_database, launch_server};

/// How long a start may take before the test gives up (a hang guard, not a measurement).
const READY: Duration = Duration::from_secs(120);

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn rng() -> (u64, StdRng) {
    let seed = env_number("STATIONHUB_CRASH_SEED", rand::random());
    (seed, StdRng::seed_from_u64(seed))
}

fn backend_name(url: &str) -> &'static str {
    if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    }
}

/// The writers of the load.
#[derive(Debug, Clone, Copy)]
enum Writer {
    /// The administrator registers host units (`unit.create`).
    Unit,
    /// The society adds experts to its roster (`expert.create`).
    Expert,
    /// The host unit starts new drafts (`application.create`).
    Draft,
    /// The host unit saves one draft over and over (`application.update`).
    Save,
    /// The host unit uploads materials to that draft (`application.attach_file`; the bytes
    /// go to the data folder, the record to the database).
    Upload,
}

/// The materials an upload is filed as, in turn.
const MATERIALS: [&str; 4] = [
    "agreement",
    "performance_targets",
    "unit_intro_rules",
    "org_staff_list",
];

/// The bytes of upload `n`: a PDF of its own.
fn pdf(n: u64) -> Vec<u8> {
    format!("%PDF-1.4\n% crash test upload {n}\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
        .into_bytes()
}

/// What the server answered, as the clients saw it.
#[derive(Default)]
struct Ledger {
    /// Units answered 201: id → (name, credit code).
    units: Mutex<BTreeMap<i64, (String, String)>>,
    /// Experts answered 201: id → name.
    experts: Mutex<BTreeMap<i64, String>>,
    /// Drafts answered 201: id → station name.
    drafts: Mutex<BTreeMap<i64, String>>,
    /// Uploads answered 201: file id → the upload's number (its bytes: [`pdf`]).
    files: Mutex<BTreeMap<i64, u64>>,
    /// Saves of the one draft answered 200, and the highest such save's number.
    saves: AtomicU64,
    saved: AtomicU64,
    /// The highest save sent (answered or not).
    tried: AtomicU64,
    /// Requests the kill cut off: never answered, so either outcome is right.
    in_doubt: AtomicU64,
    /// Answers that were neither success nor a cut-off (must stay empty).
    refused: Mutex<Vec<String>>,
}

impl Ledger {
    fn acknowledged(&self) -> u64 {
        self.units.lock().unwrap().len() as u64
            + self.experts.lock().unwrap().len() as u64
            + self.drafts.lock().unwrap().len() as u64
            + self.files.lock().unwrap().len() as u64
            + self.saves.load(Ordering::SeqCst)
    }
}

/// Who writes and where.
struct Load {
    admin: String,
    host: String,
    society: String,
    society_id: i64,
    draft_body: Value,
    saved_id: i64,
    ledger: Ledger,
    /// Numbers the records (unique over every cycle).
    next: AtomicU64,
}

impl Load {
    fn request(&self, w: Writer, n: u64) -> (Method, String, &str, Value) {
        match w {
            Writer::Unit => {
                let code = CreditCode::complete(&format!("91430900MC{n:07}")).unwrap();
                let body = json!({
                    "name": format!("压测单位{n}科协"),
                    "credit_code": code.as_str(),
                    "nature": "企业科协",
                    "county": "赫山区",
                    "legal_rep": "张三",
                    "address": "益阳市",
                    "postcode": "413000",
                    "contact_name": "李四",
                    "contact_phone": "0737-1234567",
                    "contact_mobile": "13800000000",
                    "fax": "",
                    "email": "a@example.cn",
                    "qq_wechat": "",
                    "registered_in_yiyang": true,
                    "independent_legal_person": true,
                    "has_funded_expert_workstation": false,
                });
                (Method::POST, "/api/v1/units".into(), &self.admin, body)
            }
            Writer::Expert => (
                Method::POST,
                format!("/api/v1/societies/{}/experts", self.society_id),
                &self.society,
                json!({
                    "name": format!("压测专家{n}"),
                    "title": "教授",
                    "specialty": "机械工程",
                    "employer": "中南大学",
                    "mobile": format!("139{:08}", n % 100_000_000),
                }),
            ),
            Writer::Draft => {
                let mut body = self.draft_body.clone();
                body["station_name"] = json!(format!("压测学会服务站{n}"));
                (
                    Method::POST,
                    "/api/v1/applications".into(),
                    &self.host,
                    body,
                )
            }
            Writer::Save => {
                let mut body = self.draft_body.clone();
                body["work_plan"] = json!(format!("第{n}次保存的工作计划"));
                (
                    Method::PUT,
                    format!("/api/v1/applications/{}", self.saved_id),
                    &self.host,
                    body,
                )
            }
            Writer::Upload => (
                Method::POST,
                format!("/api/v1/applications/{}/files", self.saved_id),
                &self.host,
                json!({"kind": MATERIALS[n as usize % MATERIALS.len()]}),
            ),
        }
    }

    /// One client: writes until the server stops answering.
    async fn client(self: Arc<Self>, w: Writer, base: String) {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        let ledger = &self.ledger;
        loop {
            let n = match w {
                Writer::Save => ledger.tried.fetch_add(1, Ordering::SeqCst) + 1,
                _ => self.next.fetch_add(1, Ordering::SeqCst),
            };
            let (method, path, token, body) = self.request(w, n);
            let req = http
                .request(method, format!("{base}{path}"))
                .bearer_auth(token);
            let req = match w {
                Writer::Upload => req.multipart(
                    reqwest::multipart::Form::new()
                        .text("kind", body["kind"].as_str().unwrap().to_string())
                        .part(
                            "file",
                            reqwest::multipart::Part::bytes(pdf(n))
                                .file_name(format!("材料{n}.pdf")),
                        ),
                ),
                _ => req.json(&body),
            };
            let sent = req.send().await;
            let answer = match sent {
                Ok(res) => {
                    let status = res.status();
                    res.json::<Value>().await.map(|b| (status, b))
                }
                Err(e) => Err(e),
            };
            let Ok((status, b)) = answer else {
                // Cut off by the kill: not answered, so not acknowledged.
                ledger.in_doubt.fetch_add(1, Ordering::SeqCst);
                return;
            };
            let id = b["id"].as_i64();
            match (w, status, id) {
                (Writer::Unit, StatusCode::CREATED, Some(id)) => {
                    let (name, code) = (&body["name"], &body["credit_code"]);
                    let v = (name.as_str().unwrap().into(), code.as_str().unwrap().into());
                    ledger.units.lock().unwrap().insert(id, v);
                }
                (Writer::Expert, StatusCode::CREATED, Some(id)) => {
                    let name = body["name"].as_str().unwrap().to_string();
                    ledger.experts.lock().unwrap().insert(id, name);
                }
                (Writer::Draft, StatusCode::CREATED, Some(id)) => {
                    let name = body["station_name"].as_str().unwrap().to_string();
                    ledger.drafts.lock().unwrap().insert(id, name);
                }
                (Writer::Upload, StatusCode::CREATED, Some(id)) => {
                    ledger.files.lock().unwrap().insert(id, n);
                }
                (Writer::Save, StatusCode::OK, Some(_)) => {
                    ledger.saves.fetch_add(1, Ordering::SeqCst);
                    ledger.saved.fetch_max(n, Ordering::SeqCst);
                }
                _ => ledger
                    .refused
                    .lock()
                    .unwrap()
                    .push(format!("{w:?} #{n}: {status} {b}")),
            }
        }
    }
}

/// The audit entries of the load's writes, (entity, action): one per write.
const TRAILS: [(&str, &str); 5] = [
    ("unit", "unit.create"),
    ("expert", "expert.create"),
    ("application", "application.create"),
    ("application", "application.update"),
    ("application", "application.attach_file"),
];

/// The load's clients: two registering units, two adding experts, one starting drafts, one
/// saving a draft, one uploading materials to it.
const CLIENTS: [Writer; 7] = [
    Writer::Unit,
    Writer::Unit,
    Writer::Expert,
    Writer::Expert,
    Writer::Draft,
    Writer::Save,
    Writer::Upload,
];

async fn get(base: &str, path: &str, token: &str) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The ids of the records of kind `entity` with an audit entry of `action`.
async fn audited(store: &Store, entity: &str, action: &str) -> BTreeMap<i64, u64> {
    let filter = AuditFilter {
        entity: Some(entity.into()),
        action: Some(action.into()),
        ..Default::default()
    };
    let mut ids = BTreeMap::new();
    for page in 1.. {
        let p = store.audit_list(&filter, page, 1000).await.unwrap();
        if p.items.is_empty() {
            break;
        }
        for e in p.items {
            let id = e.entity_id.and_then(|i| i.parse().ok()).unwrap();
            *ids.entry(id).or_default() += 1;
        }
    }
    ids
}

/// `stationhub audit verify` on `db_url`: the number of entries it verified.
fn audit_verify(db_url: &str) -> u64 {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stationhub"))
        .args(["--database", db_url, "audit", "verify"])
        .env("STATIONHUB_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "audit verify failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .trim()
        .strip_prefix("audit chain intact: ")
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("audit verify said {stdout:?}"))
}

async fn pragma(store: &Store, name: &str) -> String {
    let db = store.db();
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("PRAGMA {name}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<String>(0)
        .or_else(|_| row.try_get_by_index::<i64>(0).map(|v| v.to_string()))
        .unwrap()
}

#[tokio::test]
async fn killed_servers_lose_no_answered_write() {
    let s = scenario().await;
    let backend = backend_name(&s.app.db_url);
    if s.app.store.backend() == Backend::Sqlite {
        // Acknowledged = durable: WAL with a sync at every commit (not only at checkpoints).
        assert_eq!(pragma(&s.app.store, "journal_mode").await, "wal");
        assert_eq!(pragma(&s.app.store, "synchronous").await, "2", "FULL");
    }
    let saved_id = s.draft().await;
    let load = Arc::new(Load {
        admin: s.app.admin().await,
        host: s.host.clone(),
        society: s.society.clone(),
        society_id: s.society_id,
        draft_body: s.body(),
        saved_id,
        ledger: Ledger::default(),
        next: AtomicU64::new(1),
    });
    let ledger = &load.ledger;
    // The audit trail before the load: what the scenario wrote.
    let mut trail_before = 0;
    for (entity, action) in TRAILS {
        trail_before += audited(&s.app.store, entity, action)
            .await
            .values()
            .sum::<u64>();
    }
    let cycles = env_number("STATIONHUB_CRASH_CYCLES", 20);
    let (seed, mut rng) = rng();
    let started = Instant::now();

    for cycle in 1..=cycles {
        let mut server = s.app.launch();
        let base = server.wait_ready(READY).await;
        let before = ledger.acknowledged();
        let clients: Vec<_> = CLIENTS
            .iter()
            .map(|w| tokio::spawn(load.clone().client(*w, base.clone())))
            .collect();
        // The kill lands in the load: after its first answers of this cycle, at a random moment.
        while ledger.acknowledged() == before {
            assert!(
                !server.has_exited() && !clients.iter().all(|c| c.is_finished()),
                "cycle {cycle}: no write answered\n{}",
                server.log_text()
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.gen_range(0..=700))).await;
        server.kill9();
        for c in clients {
            c.await.unwrap();
        }
        let refused = ledger.refused.lock().unwrap().clone();
        assert!(
            refused.is_empty(),
            "cycle {cycle}: writes refused: {refused:#?}\n{}",
            server.log_text()
        );
    }

    // After the last kill: start once more and look for every answered write.
    let mut server = s.app.launch();
    let base = server.wait_ready(READY).await;
    let mut lost: Vec<String> = Vec::new();
    let units = ledger.units.lock().unwrap().clone();
    for (id, (name, code)) in &units {
        let (st, u) = get(&base, &format!("/api/v1/units/{id}"), &load.admin).await;
        if st != StatusCode::OK || u["name"] != *name || u["credit_code"] != *code {
            lost.push(format!("unit {id} ({name}): {st} {u}"));
        }
    }
    let experts = ledger.experts.lock().unwrap().clone();
    let (st, roster) = get(
        &base,
        &format!("/api/v1/societies/{}/experts", s.society_id),
        &s.society,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{roster}");
    let on_roster: HashMap<i64, &str> = roster["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["id"].as_i64().unwrap(), e["name"].as_str().unwrap()))
        .collect();
    for (id, name) in &experts {
        if on_roster.get(id) != Some(&name.as_str()) {
            lost.push(format!("expert {id} ({name}): {:?}", on_roster.get(id)));
        }
    }
    let drafts = ledger.drafts.lock().unwrap().clone();
    for (id, name) in &drafts {
        let (st, a) = get(&base, &format!("/api/v1/applications/{id}"), &s.host).await;
        if st != StatusCode::OK || a["station_name"] != *name {
            lost.push(format!("draft {id} ({name}): {st} {}", a["station_name"]));
        }
    }
    // The saved draft holds the last answered save, or a later one the kill cut off.
    let (saved, tried) = (
        ledger.saved.load(Ordering::SeqCst),
        ledger.tried.load(Ordering::SeqCst),
    );
    let (st, a) = get(&base, &format!("/api/v1/applications/{saved_id}"), &s.host).await;
    assert_eq!(st, StatusCode::OK, "{a}");
    let plan = a["work_plan"].as_str().unwrap_or_default().to_string();
    let holds: u64 = plan
        .strip_prefix('第')
        .and_then(|p| p.split('次').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    if !(saved..=tried).contains(&holds) {
        lost.push(format!(
            "the draft's saves: it holds {plan:?}, save {saved} was answered, {tried} sent"
        ));
    }

    // Every uploaded material is there, byte for byte.
    let files = ledger.files.lock().unwrap().clone();
    for (id, n) in &files {
        let res = reqwest::Client::new()
            .get(format!("{base}/api/v1/files/{id}"))
            .bearer_auth(&s.host)
            .send()
            .await
            .unwrap();
        let st = res.status();
        let bytes = res.bytes().await.unwrap_or_default();
        if st != StatusCode::OK || bytes.as_ref() != pdf(*n).as_slice() {
            lost.push(format!(
                "file {id} (upload {n}): {st}, {} bytes",
                bytes.len()
            ));
        }
    }

    // Every answered write has its audit entry, and the chain verifies.
    let saves = ledger.saves.load(Ordering::SeqCst);
    let mut trail_after = 0;
    for (entity, action) in TRAILS {
        let trail = audited(&s.app.store, entity, action).await;
        trail_after += trail.values().sum::<u64>();
        let (ids, on_saved): (BTreeSet<i64>, u64) = match action {
            "unit.create" => (units.keys().copied().collect(), 0),
            "expert.create" => (experts.keys().copied().collect(), 0),
            "application.create" => (drafts.keys().copied().collect(), 0),
            "application.update" => (BTreeSet::new(), saves),
            _ => (BTreeSet::new(), files.len() as u64),
        };
        for id in ids {
            if !trail.contains_key(&id) {
                lost.push(format!("{entity} {id}: no {action} entry"));
            }
        }
        let entries = trail.get(&saved_id).copied().unwrap_or(0);
        if entries < on_saved {
            lost.push(format!(
                "{on_saved} {action} answered on application {saved_id}, {entries} entries"
            ));
        }
    }
    let verified = audit_verify(&s.app.db_url);
    drop(server);

    let acknowledged = ledger.acknowledged();
    // Writes the kill cut off after their commit, before their answer (in doubt, and there).
    let unanswered_but_done = (trail_after - trail_before).saturating_sub(acknowledged);
    println!(
        "crash test ({backend}, seed {seed}): {cycles} SIGKILL cycles survived in {:.0} s; \
         writes acknowledged {acknowledged} (units {}, experts {}, drafts {}, saves {saves}, \
         uploads {}), \
         found {}, lost {}; {} requests cut off by the kills (in doubt; \
         {unanswered_but_done} of them had committed); \
         audit chain intact: {verified} entries verified",
        started.elapsed().as_secs_f64(),
        units.len(),
        experts.len(),
        drafts.len(),
        files.len(),
        acknowledged - lost.len() as u64,
        lost.len(),
        ledger.in_doubt.load(Ordering::SeqCst),
    );
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:#?}");
    assert!(acknowledged >= cycles, "every cycle had answered writes");
}

/// The tables and indexes of the application's schema, and the migrations recorded as applied.
#[derive(Debug, PartialEq, Eq)]
struct Schema {
    objects: Vec<String>,
    migrations: i64,
}

async fn schema(db_url: &str) -> Schema {
    let store = Store::connect(db_url).await.unwrap();
    let db = store.db();
    let b = db.get_database_backend();
    let sql = match store.backend() {
        Backend::Sqlite => {
            "SELECT type || ' ' || name FROM sqlite_master \
             WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' ORDER BY 1"
        }
        Backend::Postgres => {
            "SELECT 'table ' || tablename FROM pg_tables WHERE schemaname = 'public' \
             UNION ALL SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = 'public' \
             ORDER BY 1"
        }
    };
    let objects: Vec<String> = db
        .query_all_raw(Statement::from_string(b, sql))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect();
    let migrations = if objects.iter().any(|o| o == "table seaql_migrations") {
        let row = db
            .query_one_raw(Statement::from_string(
                b,
                "SELECT COUNT(*) FROM seaql_migrations",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    } else {
        0
    };
    Schema {
        objects,
        migrations,
    }
}

/// The database behind a server that came up after a kill is sound: intact (SQLite's own
/// check), the reference data seeded once, the audit chain verifying, and a write works.
async fn assert_sound(db_url: &str, base: &str, n: usize) {
    let store = Store::connect(db_url).await.unwrap();
    if store.backend() == Backend::Sqlite {
        assert_eq!(pragma(&store, "integrity_check").await, "ok");
    }
    let username = format!("admin{n}");
    store
        .create_user(
            &Actor::system("test"),
            NewUser {
                username: Username::parse(&username).unwrap(),
                display_name: "管理员".into(),
                role: Role::Admin,
                password: NewPassword::parse(PASSWORD, &Policy::default().security).unwrap(),
                must_change_password: false,
                unit_id: None,
                society_id: None,
                county: None,
                office_id: None,
                email: None,
            },
        )
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let res = http
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let token = res.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let (st, counties) = get(base, "/api/v1/counties", &token).await;
    assert_eq!(st, StatusCode::OK, "{counties}");
    let names: Vec<&str> = counties
        .as_array()
        .or_else(|| counties["items"].as_array())
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    let expected: BTreeSet<String> = Policy::default().region.counties.into_iter().collect();
    let unique: BTreeSet<String> = names.iter().map(|n| n.to_string()).collect();
    assert_eq!(
        names.len(),
        unique.len(),
        "counties seeded twice: {names:?}"
    );
    assert_eq!(unique, expected, "{names:?}");
    audit_verify(db_url);
}

#[tokio::test]
async fn a_start_up_killed_at_any_moment_leaves_a_database_that_starts() {
    const TODAY: &str = "2026-03-10";
    let (seed, mut rng) = rng();
    // The reference: a first start left to finish.
    let (ref_url, ref_dir) = fresh_database().await;
    let backend = backend_name(&ref_url);
    let t0 = Instant::now();
    let mut server = launch_server(&ref_url, &ref_dir.path().join("files"), TODAY);
    server.wait_ready(READY).await;
    let full = t0.elapsed();
    server.kill9();
    let reference = schema(&ref_url).await;
    assert!(reference.migrations > 0);

    let starts = env_number("STATIONHUB_CRASH_STARTS", 12);
    let (mut empty, mut complete) = (0, 0);
    for i in 0..starts {
        let (url, dir) = fresh_database().await;
        let files = dir.path().join("files");
        let mut server = launch_server(&url, &files, TODAY);
        // Spread over the whole start-up: connecting, migrating, seeding, binding.
        let at = full.mul_f64((i as f64 + rng.r#gen::<f64>()) / starts as f64);
        tokio::time::sleep(at).await;
        server.kill9();
        let left = schema(&url).await;
        if left.objects.is_empty() {
            empty += 1;
        } else {
            assert_eq!(
                left, reference,
                "start-up {i} killed after {at:?} left a half-made schema"
            );
            complete += 1;
        }
        let mut again = launch_server(&url, &files, TODAY);
        let base = again.wait_ready(READY).await;
        assert_eq!(schema(&url).await, reference, "after start-up {i}");
        assert_sound(&url, &base, i as usize).await;
    }

    // Two servers started together on a fresh database: both come up, the schema made once.
    let (url, dir) = fresh_database().await;
    let files = dir.path().join("files");
    let mut a = launch_server(&url, &files, TODAY);
    let mut b = launch_server(&url, &files, TODAY);
    let base = a.wait_ready(READY).await;
    b.wait_ready(READY).await;
    assert_eq!(schema(&url).await, reference, "two servers at once");
    assert_sound(&url, &base, 0).await;

    println!(
        "start-up crash test ({backend}, seed {seed}): {starts} start-ups killed within the \
         first {:.0} ms ({empty} before the schema committed, {complete} after; none half-made), \
         each restarted and sound; two servers started together on a fresh database both served",
        full.as_secs_f64() * 1000.0
    );
}
