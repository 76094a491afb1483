//! `stationhub demo --scale N`: a fast generator of realistic bulk data for an empty, freshly
//! migrated database. Scale 1 is the city of Yiyang over ten years up to today (the
//! `STATIONHUB_TODAY` clock); scale N is N times that, as if N cities shared the system.
//!
//! Per scale unit: 10 societies with 50 experts each, 150 host units, one or two rounds a year
//! with their applications (texts, experts, staff, opinions and history), the stations awarded
//! from them (two-year terms, renewals), about 440 activities per full term, the assessments
//! with their indicator checks and score sheets, grants, expenses and recoveries, and an audit
//! entry for each of these, appended to the hash chain in time order.
//!
//! Rows are written with multi-row `INSERT`s of literal values in large transactions, with
//! their ids assigned here (the tables hold only what the small demo put there). The small
//! demo runs first, for its accounts (`city-cast`, `talent`, `host`, `host-1` …) and its open
//! round, which the generated current-year applications join.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Instant;

use anyhow::{Result, bail};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use stationhub_domain::application::{Level, UnitNature};
use stationhub_domain::audit::{AuditEntry, GENESIS_HASH};
use stationhub_domain::clock::Clock;
use stationhub_domain::notice::term_end;
use stationhub_domain::organisation::CreditCode;
use stationhub_domain::policy::Policy;
use stationhub_domain::station::{
    Activity, ActivityKind, Consequence, Indicator, SheetLine, consequence, grade, indicators,
    score_sheet, term_year,
};
use stationhub_storage::{Store, Tx};

/// Rows per `INSERT` statement.
const ROWS_PER_STATEMENT: usize = 5000;
/// Audit entries per transaction.
const AUDIT_PER_TX: usize = 100_000;

/// A fixed-seed splitmix64 generator: the same data for the same scale and today.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1).max(1) as u64) as i64
    }
    /// True with `pct` percent.
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn d(x: NaiveDate) -> String {
    format!("'{x}'")
}

fn dn(x: Option<NaiveDate>) -> String {
    x.map(d).unwrap_or_else(|| "NULL".into())
}

/// A UTC instant on a day, `secs` after midnight, as sqlx writes them (RFC 3339).
fn instant(x: NaiveDate, secs: i64) -> DateTime<Utc> {
    x.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() + Duration::seconds(secs)
}

fn ts(x: DateTime<Utc>) -> String {
    format!(
        "'{}'",
        x.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
    )
}

fn tsn(x: Option<DateTime<Utc>>) -> String {
    x.map(ts).unwrap_or_else(|| "NULL".into())
}

fn b(x: bool) -> &'static str {
    if x { "TRUE" } else { "FALSE" }
}

fn n(x: Option<i64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_else(|| "NULL".into())
}

/// JSON string literal.
fn js(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn indicators_json(items: &[Indicator]) -> String {
    let parts: Vec<String> = items
        .iter()
        .map(|i| {
            format!(
                "{{\"code\":{},\"label\":{},\"article\":{},\"required\":{},\"actual\":{},\"met\":{}}}",
                js(&i.code),
                js(&i.label),
                js(i.article),
                i.required,
                i.actual,
                i.met
            )
        })
        .collect();
    format!("[{}]", parts.join(","))
}

fn sheet_json(lines: &[SheetLine]) -> String {
    let parts: Vec<String> = lines
        .iter()
        .map(|l| {
            format!(
                "{{\"code\":{},\"name\":{},\"points\":{},\"auto\":{},\"score\":{},\"reason\":{}}}",
                js(&l.code),
                js(&l.name),
                l.points,
                l.auto,
                l.score,
                js(&l.reason)
            )
        })
        .collect();
    format!("[{}]", parts.join(","))
}

/// One table's pending rows, written as multi-row `INSERT`s.
struct Ins {
    head: String,
    rows: Vec<String>,
    total: u64,
}

impl Ins {
    fn new(table: &str, cols: &str) -> Ins {
        Ins {
            head: format!("INSERT INTO {table} ({cols}) VALUES "),
            rows: Vec::new(),
            total: 0,
        }
    }

    fn push(&mut self, row: String) {
        self.rows.push(row);
        self.total += 1;
    }

    async fn flush(&mut self, tx: &Tx) -> Result<()> {
        for chunk in self.rows.chunks(ROWS_PER_STATEMENT) {
            let mut sql =
                String::with_capacity(chunk.iter().map(|r| r.len() + 4).sum::<usize>() + 64);
            sql.push_str(&self.head);
            for (i, r) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push('(');
                sql.push_str(r);
                sql.push(')');
            }
            tx.execute_raw(&sql).await?;
        }
        self.rows.clear();
        Ok(())
    }
}

/// Every table written, in an order that satisfies the foreign keys.
struct Tables {
    societies: Ins,
    experts: Ins,
    units: Ins,
    rounds: Ins,
    notices: Ins,
    applications: Ins,
    app_experts: Ins,
    staff: Ins,
    opinions: Ins,
    events: Ins,
    notice_items: Ins,
    stations: Ins,
    activities: Ins,
    assessments: Ins,
    ledger: Ins,
}

impl Tables {
    fn new() -> Tables {
        Tables {
            societies: Ins::new(
                "societies",
                "id, name, level, legal_rep, legal_rep_title, legal_rep_mobile, address, postcode, contact_name, contact_title, contact_mobile, phone_fax, qq, email, wechat, description, created_at, updated_at",
            ),
            experts: Ins::new(
                "experts",
                "id, society_id, name, title, specialty, employer, mobile, active, created_at, updated_at",
            ),
            units: Ins::new(
                "units",
                "id, name, credit_code, nature, county_id, legal_rep, address, postcode, contact_name, contact_phone, contact_mobile, fax, email, qq_wechat, registered_in_yiyang, independent_legal_person, has_funded_expert_workstation, created_at, updated_at",
            ),
            rounds: Ins::new(
                "rounds",
                "id, name, opens_on, closes_on, municipal_quota, provincial_quota, national_quota, created_at, kind",
            ),
            notices: Ins::new(
                "notices",
                "id, title, starts_on, ends_on, working_days, plain_weekends_assumed, created_by, created_at",
            ),
            applications: Ins::new(
                "applications",
                "id, round_id, unit_id, society_id, county_id, station_name, level, industry, industry_other, unit_overview, industry_overview, society_overview, work_plan, term_years, term_reason, route, state, returned_from, confirmation_requested_at, confirmed_at, confirmation_opinion, submitted_at, version, created_at, updated_at, renewal_of",
            ),
            app_experts: Ins::new("application_experts", "application_id, expert_id, position"),
            staff: Ins::new(
                "application_staff",
                "id, application_id, position, name, mobile, duty",
            ),
            opinions: Ins::new(
                "opinions",
                "id, application_id, step, action, role, organisation, seal_owner, person_id, person_name, text, decided_on, at",
            ),
            events: Ins::new(
                "application_events",
                "id, application_id, at, actor_id, actor_name, actor_role, organisation, action, from_state, to_state, opinion",
            ),
            notice_items: Ins::new("notice_items", "notice_id, application_id"),
            stations: Ins::new(
                "stations",
                "id, application_id, name, level, industry, unit_id, society_id, county_id, round_id, document_number, awarded_on, term_ends_on, status, created_at, updated_at, imported",
            ),
            activities: Ins::new(
                "activities",
                "id, station_id, kind, on_date, expert_id, days, attendance, percent, title, description, file_id, recorded_by, recorded_at, superseded_by",
            ),
            assessments: Ins::new(
                "assessments",
                "id, station_id, year, score, grade, opinion, indicators, score_sheet, consequence, rectify_by, decided_by, decided_on, at",
            ),
            ledger: Ins::new(
                "ledger_entries",
                "id, station_id, kind, amount_fen, status, on_date, category, note, document, assessment_id, voucher_file_id, paid_on, recorded_by, recorded_at",
            ),
        }
    }

    fn all(&mut self) -> [&mut Ins; 15] {
        [
            &mut self.societies,
            &mut self.experts,
            &mut self.units,
            &mut self.rounds,
            &mut self.notices,
            &mut self.applications,
            &mut self.app_experts,
            &mut self.staff,
            &mut self.opinions,
            &mut self.events,
            &mut self.notice_items,
            &mut self.stations,
            &mut self.activities,
            &mut self.assessments,
            &mut self.ledger,
        ]
    }

    fn pending(&mut self) -> usize {
        self.all().iter().map(|t| t.rows.len()).sum()
    }

    async fn flush(&mut self, tx: &Tx) -> Result<()> {
        for t in self.all() {
            t.flush(tx).await?;
        }
        Ok(())
    }
}

/// What an audit entry records, kept small until the chain is written in time order.
#[derive(Clone, Copy)]
enum EvKind {
    Society,
    Expert,
    Unit,
    Round,
    AppCreate,
    AppSubmit,
    /// A review decision: the action's index in [`ACTIONS`].
    Decide(u8),
    Notice,
    Award,
    /// An activity: its kind's index in [`ActivityKind::ALL`].
    Activity(u8),
    /// An assessment: the term year and the score.
    Assess(u8, u8),
    GrantPay,
    Expense,
    Recovery,
}

#[derive(Clone, Copy)]
struct Ev {
    at: i64,
    kind: EvKind,
    /// The record's id.
    id: i64,
    /// A second id (the station of an activity, the application of a station …).
    other: i64,
    /// Who: an index into the actors.
    actor: u8,
}

const ACTIONS: [&str; 6] = [
    "recommend",
    "agree",
    "propose",
    "approve",
    "return",
    "reject",
];

/// The people who act in the generated history.
struct Actors {
    /// (id, username, role)
    list: Vec<(Option<i64>, String, String)>,
}

const A_SYSTEM: u8 = 0;
const A_HOST: u8 = 1;
const A_COUNTY: u8 = 2;
const A_COUNTY_TALENT: u8 = 3;
const A_CITY: u8 = 4;
const A_TALENT: u8 = 5;

/// The ids this run gives out, from one above what the tables hold.
struct Ids {
    society: i64,
    expert: i64,
    unit: i64,
    round: i64,
    notice: i64,
    application: i64,
    staff: i64,
    opinion: i64,
    event: i64,
    station: i64,
    activity: i64,
    assessment: i64,
    ledger: i64,
}

fn take(x: &mut i64) -> i64 {
    *x += 1;
    *x
}

struct Office {
    id: i64,
    name: String,
}

/// The reference data and the people the generator needs.
struct Context {
    today: NaiveDate,
    policy: Policy,
    counties: Vec<(i64, String)>,
    /// Per county: its CAST office and its talent office.
    county_offices: HashMap<i64, (Office, Office)>,
    city_office: Office,
    talent_office: Office,
    city_user: (Option<i64>, String),
    talent_user: (Option<i64>, String),
    open_round: Option<(i64, NaiveDate)>,
}

const SURNAMES: [&str; 30] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "彭",
];
const GIVEN: [&str; 30] = [
    "建国", "志强", "秀英", "丽华", "伟", "敏", "静", "军", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "霞", "平", "刚", "桂英", "文彬", "晓峰", "春华", "海燕", "志远", "雪梅", "建华", "凡星",
    "丽君", "卫东", "红梅",
];
const TITLES: [&str; 6] = [
    "教授",
    "研究员",
    "正高级工程师",
    "副教授",
    "高级工程师",
    "副研究员",
];
const EMPLOYERS: [&str; 10] = [
    "中南大学",
    "湖南大学",
    "湖南农业大学",
    "湘潭大学",
    "湖南科技大学",
    "湖南城市学院",
    "湖南省农业科学院",
    "湖南省机械科学研究院",
    "长沙理工大学",
    "湖南师范大学",
];
/// Disciplines of the generated societies (none is a demo society's).
const DISCIPLINES: [(&str, &str); 10] = [
    ("汽车工程", "汽车零部件"),
    ("电工技术", "电力电子"),
    ("化工", "精细化工"),
    ("金属学", "金属材料"),
    ("林学", "林业经济"),
    ("水产", "水产养殖"),
    ("植物保护", "病虫害防治"),
    ("药学", "中药材"),
    ("计算机", "工业软件"),
    ("食品科学技术", "食品加工"),
];
const UNIT_WORDS: [&str; 12] = [
    "智能装备",
    "生物科技",
    "新材料",
    "稻米产业",
    "茶业",
    "竹业",
    "电子科技",
    "新能源",
    "食品",
    "农机",
    "医药",
    "船舶",
];

fn person(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(&SURNAMES), rng.pick(&GIVEN))
}

fn activity_title(kind: ActivityKind, k: u64) -> &'static str {
    let titles: &[&str] = match kind {
        ActivityKind::ExpertService => &["专家驻站技术指导", "专家现场服务", "专家远程技术咨询"],
        ActivityKind::Survey => &["产业现状与技术需求调研", "上下游企业走访调研"],
        ActivityKind::ResearchOutcome => &["产业发展研究报告", "技术路线图研究报告"],
        ActivityKind::Training => &["关键技术实操培训班", "青年技术骨干培训"],
        ActivityKind::Breakthrough => &["关键工艺技术攻关", "核心部件国产化攻关"],
        ActivityKind::ProblemSolved => &["为园区企业解决工艺难题", "质量控制难题攻关"],
        ActivityKind::AchievementTransferred => &["专利技术许可转化", "新品种示范推广"],
        ActivityKind::AgreementProgress => &["合作协议执行进度"],
    };
    titles[(k % titles.len() as u64) as usize]
}

/// `stationhub demo --scale N`: refuses a database that holds applications or stations;
/// otherwise runs the small demo (accounts, open round) and generates the bulk data.
pub async fn run(store: &Store, scale: u32) -> Result<()> {
    let started = Instant::now();
    {
        let tx = store.begin().await?;
        let apps = tx
            .query_i64("SELECT COUNT(*) FROM applications")
            .await?
            .unwrap_or(0);
        let stations = tx
            .query_i64("SELECT COUNT(*) FROM stations")
            .await?
            .unwrap_or(0);
        if apps > 0 || stations > 0 {
            bail!(
                "数据库中已有 {apps} 份申报书、{stations} 个服务站：--scale 只能用于空的新数据库 \
                 (the database already holds applications or stations; use an empty, freshly migrated database)"
            );
        }
    }
    if scale == 0 {
        bail!("--scale 须为正整数 (--scale must be at least 1)");
    }
    crate::demo::populate(store).await?;
    println!(
        "[{:>6.1}s] demo accounts ready",
        started.elapsed().as_secs_f64()
    );

    let policy = Policy::default();
    let today = Clock::from_env().map_err(anyhow::Error::msg)?.today();
    let counties: Vec<(i64, String)> = store
        .counties()
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let offices = store.offices().await?;
    let office_of = |kind: &str, county: Option<i64>| -> Result<Office> {
        offices
            .iter()
            .find(|o| o.kind == kind && o.county_id == county)
            .map(|o| Office {
                id: o.id,
                name: o.name.clone(),
            })
            .ok_or_else(|| anyhow::anyhow!("no office {kind} for {county:?}"))
    };
    let mut county_offices = HashMap::new();
    for (id, _) in &counties {
        county_offices.insert(
            *id,
            (
                office_of("county_cast", Some(*id))?,
                office_of("county_talent", Some(*id))?,
            ),
        );
    }
    let user = |u: Option<stationhub_storage::accounts::UserView>| {
        u.map(|u| (Some(u.id), u.display_name, u.username))
            .unwrap_or((None, "系统".into(), "system:demo".into()))
    };
    let city = user(store.user_by_username("city-cast").await?);
    let talent = user(store.user_by_username("talent").await?);
    let county = user(store.user_by_username("zy-cast").await?);
    let county_talent = user(store.user_by_username("zy-talent").await?);
    let actors = Actors {
        list: vec![
            (None, "system:demo-scale".into(), "system".into()),
            (None, "system:demo-scale".into(), "host_unit".into()),
            (county.0, county.2.clone(), "county_cast".into()),
            (
                county_talent.0,
                county_talent.2.clone(),
                "county_talent".into(),
            ),
            (city.0, city.2.clone(), "city_cast".into()),
            (talent.0, talent.2.clone(), "talent_office".into()),
        ],
    };
    let open_round = store.open_round(today).await?.map(|r| (r.id, r.opens_on));
    let cx = Context {
        today,
        counties,
        county_offices,
        city_office: office_of("city_cast", None)?,
        talent_office: office_of("talent_office", None)?,
        city_user: (city.0, city.1),
        talent_user: (talent.0, talent.1),
        open_round,
        policy,
    };

    let tx = store.begin().await?;
    let max = |t: &'static str| {
        let tx = &tx;
        async move {
            tx.query_i64(&format!("SELECT MAX(id) FROM {t}"))
                .await
                .map(|x| x.unwrap_or(0))
        }
    };
    let mut ids = Ids {
        society: max("societies").await?,
        expert: max("experts").await?,
        unit: max("units").await?,
        round: max("rounds").await?,
        notice: max("notices").await?,
        application: max("applications").await?,
        staff: max("application_staff").await?,
        opinion: max("opinions").await?,
        event: max("application_events").await?,
        station: max("stations").await?,
        activity: max("activities").await?,
        assessment: max("assessments").await?,
        ledger: max("ledger_entries").await?,
    };
    drop(tx);

    let mut t = Tables::new();
    let mut evs: Vec<Ev> = Vec::new();
    let mut doc_seq: HashMap<i32, u32> = HashMap::new();
    let mut rng = Rng(0x5EED_2016_0000_0001);
    for u in 0..scale {
        let tx = store.begin().await?;
        let renewed = generate_unit(
            &cx,
            u,
            &mut rng,
            &mut ids,
            &mut t,
            &mut evs,
            &mut doc_seq,
            &tx,
        )
        .await?;
        t.flush(&tx).await?;
        for chunk in renewed.chunks(500) {
            let list: Vec<String> = chunk.iter().map(|i| i.to_string()).collect();
            tx.execute_raw(&format!(
                "UPDATE stations SET status = 'renewed' WHERE id IN ({})",
                list.join(",")
            ))
            .await?;
        }
        tx.commit().await?;
        if u + 1 == scale || (u + 1) % 10 == 0 || scale <= 10 {
            println!(
                "[{:>6.1}s] scale unit {}/{scale}: {} applications, {} stations, {} activities, {} experts so far",
                started.elapsed().as_secs_f64(),
                u + 1,
                t.applications.total,
                t.stations.total,
                t.activities.total,
                t.experts.total,
            );
        }
    }

    // Document-number sequences continue after the generated numbers.
    {
        let tx = store.begin().await?;
        for (year, last) in &doc_seq {
            tx.execute_raw(&format!(
                "DELETE FROM doc_sequences WHERE issuer = 'talent_office' AND year = {year}"
            ))
            .await?;
            tx.execute_raw(&format!(
                "INSERT INTO doc_sequences (issuer, year, last) VALUES ('talent_office', {year}, {last})"
            ))
            .await?;
        }
        // On PostgreSQL the id sequences continue after the generated ids.
        tx.reset_id_sequences().await?;
        tx.commit().await?;
    }

    // The audit chain, in time order.
    println!(
        "[{:>6.1}s] writing {} audit entries",
        started.elapsed().as_secs_f64(),
        evs.len()
    );
    evs.sort_by_key(|e| e.at);
    write_audit(store, &actors, &evs, started).await?;
    drop(evs);
    println!(
        "[{:>6.1}s] statistics for the query planner",
        started.elapsed().as_secs_f64()
    );
    store.analyze().await?;

    println!(
        "[{:>6.1}s] done. Rows per table:",
        started.elapsed().as_secs_f64()
    );
    let tx = store.begin().await?;
    for table in [
        "counties",
        "offices",
        "users",
        "units",
        "societies",
        "experts",
        "rounds",
        "applications",
        "application_experts",
        "application_staff",
        "application_events",
        "opinions",
        "notices",
        "notice_items",
        "stations",
        "activities",
        "assessments",
        "ledger_entries",
        "audit_log",
    ] {
        let c = tx
            .query_i64(&format!("SELECT COUNT(*) FROM {table}"))
            .await?
            .unwrap_or(0);
        println!("  {table:<22} {c:>10}");
    }
    drop(tx);
    Ok(())
}

async fn write_audit(store: &Store, actors: &Actors, evs: &[Ev], started: Instant) -> Result<()> {
    let mut done = 0usize;
    for chunk in evs.chunks(AUDIT_PER_TX) {
        let tx = store.begin().await?;
        let (mut seq, mut prev) = tx.audit_head().await?;
        if seq == 0 {
            prev = GENESIS_HASH.to_string();
        }
        let mut ins = Ins::new(
            "audit_log",
            "seq, at, actor_id, actor_username, actor_role, action, entity, entity_id, before, after, prev_hash, hash",
        );
        for ev in chunk {
            seq += 1;
            let (action, entity, after) = describe(ev);
            let (actor_id, username, role) = &actors.list[ev.actor as usize];
            let at = DateTime::<Utc>::from_timestamp(ev.at, 0).unwrap_or_default();
            let mut e = AuditEntry {
                seq,
                at: at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                actor_id: *actor_id,
                actor_username: username.clone(),
                actor_role: role.clone(),
                action: action.to_string(),
                entity: entity.to_string(),
                entity_id: Some(ev.id.to_string()),
                before: String::new(),
                after,
                prev_hash: prev,
                hash: String::new(),
            };
            e.hash = e.compute_hash();
            ins.push(format!(
                "{},{},{},{},{},{},{},{},{},{},{},{}",
                e.seq,
                q(&e.at),
                n(e.actor_id),
                q(&e.actor_username),
                q(&e.actor_role),
                q(&e.action),
                q(&e.entity),
                q(e.entity_id.as_deref().unwrap_or_default()),
                q(&e.before),
                q(&e.after),
                q(&e.prev_hash),
                q(&e.hash),
            ));
            prev = e.hash;
            if ins.rows.len() >= ROWS_PER_STATEMENT * 2 {
                ins.flush(&tx).await?;
            }
        }
        ins.flush(&tx).await?;
        tx.set_audit_head(seq, &prev).await?;
        tx.commit().await?;
        done += chunk.len();
        println!(
            "[{:>6.1}s] audit entries {done}/{}",
            started.elapsed().as_secs_f64(),
            evs.len()
        );
    }
    Ok(())
}

/// The action, the entity and the `after` JSON of an entry.
fn describe(ev: &Ev) -> (String, &'static str, String) {
    match ev.kind {
        EvKind::Society => (
            "society.create".into(),
            "society",
            format!("{{\"id\":{}}}", ev.id),
        ),
        EvKind::Expert => (
            "expert.create".into(),
            "expert",
            format!("{{\"id\":{},\"society_id\":{}}}", ev.id, ev.other),
        ),
        EvKind::Unit => (
            "unit.create".into(),
            "unit",
            format!("{{\"id\":{}}}", ev.id),
        ),
        EvKind::Round => (
            "round.create".into(),
            "round",
            format!("{{\"id\":{}}}", ev.id),
        ),
        EvKind::AppCreate => (
            "application.create".into(),
            "application",
            format!("{{\"id\":{},\"unit_id\":{}}}", ev.id, ev.other),
        ),
        EvKind::AppSubmit => (
            "application.submit".into(),
            "application",
            format!("{{\"id\":{}}}", ev.id),
        ),
        EvKind::Decide(a) => (
            "application.decide".into(),
            "application",
            format!("{{\"action\":{}}}", js(ACTIONS[a as usize])),
        ),
        EvKind::Notice => (
            "notice.publish".into(),
            "notice",
            format!("{{\"id\":{}}}", ev.id),
        ),
        EvKind::Award => (
            "station.award".into(),
            "station",
            format!("{{\"id\":{},\"application_id\":{}}}", ev.id, ev.other),
        ),
        EvKind::Activity(k) => (
            "activity.record".into(),
            "activity",
            format!(
                "{{\"station_id\":{},\"kind\":{}}}",
                ev.other,
                js(ActivityKind::ALL[k as usize].as_str())
            ),
        ),
        EvKind::Assess(year, score) => (
            "station.assess".into(),
            "station",
            format!("{{\"year\":{year},\"score\":{score}}}"),
        ),
        EvKind::GrantPay => (
            "grant.pay".into(),
            "ledger_entry",
            format!("{{\"station_id\":{}}}", ev.other),
        ),
        EvKind::Expense => (
            "expense.record".into(),
            "ledger_entry",
            format!("{{\"station_id\":{}}}", ev.other),
        ),
        EvKind::Recovery => (
            "recovery.record".into(),
            "ledger_entry",
            format!("{{\"station_id\":{}}}", ev.other),
        ),
    }
}

fn ev(evs: &mut Vec<Ev>, at: DateTime<Utc>, kind: EvKind, id: i64, other: i64, actor: u8) {
    evs.push(Ev {
        at: at.timestamp(),
        kind,
        id,
        other,
        actor,
    });
}

struct Soc {
    id: i64,
    name: String,
    level: Level,
    experts: Vec<i64>,
    overview: String,
}

struct Unit {
    id: i64,
    name: String,
    nature: UnitNature,
    county: usize,
}

/// A generated round: id, name, opens, closes, award date, awarded applications wanted.
struct Round {
    id: i64,
    opens: NaiveDate,
    closes: NaiveDate,
    award: Option<NaiveDate>,
    awarded: usize,
    open: bool,
}

/// A station whose term has ended, which its unit may renew.
#[derive(Clone)]
struct Ended {
    station: i64,
    unit: usize,
    society: usize,
    level: Level,
    industry: String,
    term_ends_on: NaiveDate,
}

#[allow(clippy::too_many_arguments)]
async fn generate_unit(
    cx: &Context,
    u: u32,
    rng: &mut Rng,
    ids: &mut Ids,
    t: &mut Tables,
    evs: &mut Vec<Ev>,
    doc_seq: &mut HashMap<i32, u32>,
    tx: &Tx,
) -> Result<Vec<i64>> {
    let today = cx.today;
    let first_year = today.year() - 10;
    let start = NaiveDate::from_ymd_opt(first_year, 1, 10).unwrap_or(today);
    let suffix = if u == 0 {
        String::new()
    } else {
        format!("（第{}片区）", u + 1)
    };
    let region = if u == 0 {
        "益阳".to_string()
    } else {
        format!("益阳{}区", u + 1)
    };

    // Societies and their experts.
    let mut socs: Vec<Soc> = Vec::new();
    for (i, (discipline, specialty)) in DISCIPLINES.iter().enumerate() {
        let level = match i {
            0 => Level::National,
            1..=5 => Level::Provincial,
            _ => Level::Municipal,
        };
        let prefix = match level {
            Level::National => "中国",
            Level::Provincial => "湖南省",
            Level::Municipal => "益阳市",
        };
        let id = take(&mut ids.society);
        let name = format!("{prefix}{discipline}学会{suffix}");
        let created = instant(start, 9 * 3600 + i as i64 * 60);
        let description = format!(
            "{name}现有会员{}人，下设{}个专业委员会，长期服务{}产业，开展技术咨询、攻关与培训。",
            800 + rng.below(12000),
            5 + rng.below(20),
            specialty
        );
        t.societies.push(format!(
            "{id},{},{},{},'理事长','139{:08}',{},'410000',{},'秘书长','139{:08}','0731-8{:07}','{}',{},{},{},{},{}",
            q(&name),
            q(level.as_str()),
            q(&person(rng)),
            rng.below(100_000_000),
            q(&format!("长沙市岳麓区学府路{}号", 1 + rng.below(900))),
            q(&person(rng)),
            rng.below(100_000_000),
            rng.below(10_000_000),
            10_000_000 + rng.below(80_000_000),
            q(&format!("office{id}@society.example.cn")),
            q(&format!("soc{id}")),
            q(&description),
            ts(created),
            ts(created),
        ));
        ev(evs, created, EvKind::Society, id, 0, A_CITY);
        let mut experts = Vec::new();
        for k in 0..50 {
            let eid = take(&mut ids.expert);
            let at = created + Duration::minutes(5 + k);
            t.experts.push(format!(
                "{eid},{id},{},{},{},{},'138{:08}',{},{},{}",
                q(&person(rng)),
                q(rng.pick::<&str>(&TITLES)),
                q(specialty),
                q(rng.pick::<&str>(&EMPLOYERS)),
                rng.below(100_000_000),
                b(k % 25 != 24),
                ts(at),
                ts(at),
            ));
            ev(evs, at, EvKind::Expert, eid, id, A_SYSTEM);
            experts.push(eid);
        }
        socs.push(Soc {
            id,
            overview: description,
            name,
            level,
            experts,
        });
    }

    // Host units.
    let mut units: Vec<Unit> = Vec::new();
    for k in 0..150 {
        let id = take(&mut ids.unit);
        let nature = match k % 10 {
            0 => UnitNature::CityCountyCast,
            1 => UnitNature::ParkCast,
            2 => UnitNature::CityCountySociety,
            3 => UnitNature::UniversityCast,
            4 => UnitNature::TownshipCast,
            5 => UnitNature::EnterpriseCastFederation,
            _ => UnitNature::EnterpriseCast,
        };
        let county = rng.below(cx.counties.len() as u64) as usize;
        let cname = &cx.counties[county].1;
        let word = rng.pick(&UNIT_WORDS);
        let name = match nature {
            UnitNature::CityCountyCast => format!("{region}{cname}科学技术协会（{k}）"),
            UnitNature::ParkCast => format!("{region}{word}产业园科学技术协会"),
            UnitNature::CityCountySociety => format!("{region}{word}学会"),
            UnitNature::UniversityCast => format!("{region}职业技术学院科学技术协会（{k}）"),
            UnitNature::TownshipCast => format!("{cname}第{k}镇科学技术协会"),
            UnitNature::EnterpriseCastFederation => {
                format!("{region}{cname}企业科协联合会（{k}）")
            }
            _ => format!("{region}{word}有限公司（{k}）科学技术协会"),
        };
        let credit = CreditCode::complete(&format!("91430900MA5{:06}", id % 1_000_000))
            .map(|c| c.as_str().to_string())
            .unwrap_or_default();
        let created = instant(start, 10 * 3600 + k as i64 * 60);
        let contact = person(rng);
        t.units.push(format!(
            "{id},{},{},{},{},{},{},'413000',{},'0737-4{:06}','138{:08}','0737-4{:06}',{},{},TRUE,TRUE,{},{},{}",
            q(&name),
            q(&credit),
            q(nature.label()),
            cx.counties[county].0,
            q(&person(rng)),
            q(&format!("益阳市{cname}{word}路{}号", 1 + rng.below(300))),
            q(&contact),
            rng.below(1_000_000),
            rng.below(100_000_000),
            rng.below(1_000_000),
            q(&format!("kx{id}@unit.example.cn")),
            q(&format!("kx{id}")),
            b(rng.chance(10)),
            ts(created),
            ts(created),
        ));
        ev(evs, created, EvKind::Unit, id, 0, A_SYSTEM);
        units.push(Unit {
            id,
            name,
            nature,
            county,
        });
    }
    let hosts: HashMap<&'static str, Vec<usize>> = Level::ALL
        .iter()
        .map(|l| {
            (
                l.as_str(),
                units
                    .iter()
                    .enumerate()
                    .filter(|(_, x)| x.nature.may_host(*l))
                    .map(|(i, _)| i)
                    .collect(),
            )
        })
        .collect();

    // Rounds: spring every year, autumn every other year; the current year's spring round when
    // its award is behind us; the small demo's open round for this year's drafts.
    let mut rounds: Vec<Round> = Vec::new();
    for year in first_year..=today.year() {
        let ymd = |m, dd| NaiveDate::from_ymd_opt(year, m, dd).unwrap_or(today);
        let mut list = vec![(ymd(3, 1), ymd(4, 30), ymd(7, 20), 4, "春季")];
        if year % 2 == 0 {
            list.push((ymd(9, 1), ymd(10, 15), ymd(12, 15), 3, "秋季"));
        }
        for (opens, closes, award, awarded, season) in list {
            if award + Duration::days(10) > today {
                continue;
            }
            let id = take(&mut ids.round);
            let created = instant(opens - Duration::days(20), 9 * 3600);
            t.rounds.push(format!(
                "{id},{},{},{},{},NULL,NULL,{},'regular'",
                q(&format!("{year}年{season}学会服务站申报{suffix}")),
                d(opens),
                d(closes),
                cx.policy.quota.municipal_per_round,
                ts(created),
            ));
            ev(evs, created, EvKind::Round, id, 0, A_CITY);
            rounds.push(Round {
                id,
                opens,
                closes,
                award: Some(award),
                awarded,
                open: false,
            });
        }
    }
    if let Some((id, opens)) = cx.open_round {
        rounds.push(Round {
            id,
            opens,
            closes: today,
            award: None,
            awarded: 0,
            open: true,
        });
    }

    let mut ended: Vec<Ended> = Vec::new();
    let mut renewed: Vec<i64> = Vec::new();
    let industries = &cx.policy.application.industries;
    for r in &rounds {
        // Renewals of stations whose term ends around this round (第十三条).
        let mut apps: Vec<(usize, usize, Level, String, Option<i64>)> = Vec::new();
        let mut keep = Vec::new();
        for e in ended.drain(..) {
            if e.term_ends_on <= r.closes + Duration::days(60) {
                if rng.chance(50) {
                    apps.push((
                        e.unit,
                        e.society,
                        e.level,
                        e.industry.clone(),
                        Some(e.station),
                    ));
                }
            } else {
                keep.push(e);
            }
        }
        ended = keep;
        let renewals = apps.len();
        let fresh = if r.open {
            20
        } else {
            15 + rng.below(5) as usize
        };
        for _ in 0..fresh {
            let level = match rng.below(10) {
                0 => Level::National,
                1..=4 => Level::Provincial,
                _ => Level::Municipal,
            };
            let unit = *rng.pick(&hosts[level.as_str()]);
            let candidates: Vec<usize> = (0..socs.len())
                .filter(|i| socs[*i].level == level)
                .collect();
            let society = *rng.pick(&candidates);
            let industry = industries[rng.below(industries.len() as u64 - 1) as usize].clone();
            apps.push((unit, society, level, industry, None));
        }
        let notice_id = r.award.map(|_| take(&mut ids.notice));
        if let (Some(nid), Some(award)) = (notice_id, r.award) {
            let starts = award - Duration::days(16);
            t.notices.push(format!(
                "{nid},{},{},{},5,FALSE,{},{}",
                q(&format!(
                    "{}年学会服务站拟命名名单公示{suffix}",
                    award.year()
                )),
                d(starts),
                d(starts + Duration::days(8)),
                n(cx.city_user.0),
                ts(instant(starts, 9 * 3600)),
            ));
            ev(
                evs,
                instant(starts, 9 * 3600),
                EvKind::Notice,
                nid,
                0,
                A_CITY,
            );
        }
        for (i, (unit_i, soc_i, level, industry, renewal_of)) in apps.into_iter().enumerate() {
            let outcome = if r.open {
                match rng.below(10) {
                    0..=2 => "draft",
                    3..=4 => "county_review",
                    5 => "county_talent_review",
                    6..=7 => "city_review",
                    8 => "approval",
                    _ => "returned",
                }
            } else if i < renewals {
                if rng.chance(85) {
                    "awarded"
                } else {
                    "rejected"
                }
            } else if i < renewals + r.awarded {
                "awarded"
            } else {
                match rng.below(10) {
                    0..=6 => "rejected",
                    7 => "returned",
                    _ => "draft",
                }
            };
            let unit = &units[unit_i];
            let soc = &socs[soc_i];
            let app_id = take(&mut ids.application);
            let (county_id, county_name) = &cx.counties[unit.county];
            let station_name = format!(
                "{}{}{}学会服务站",
                soc.name.strip_suffix(suffix.as_str()).unwrap_or(&soc.name),
                county_name,
                industry
            );
            let direct = unit.nature.may_apply_directly() && rng.chance(30);
            let span = (r.closes - r.opens).num_days().max(1);
            let created_on = r.opens + Duration::days(rng.below(span as u64 / 2) as i64);
            let created = instant(created_on, 9 * 3600 + rng.range(0, 28_000));
            let submitted_on =
                (created_on + Duration::days(rng.range(3, span / 2 + 3))).min(r.closes);
            let submitted_on = if r.open {
                submitted_on.min(today)
            } else {
                submitted_on
            };
            let submitted = instant(submitted_on, 15 * 3600 + rng.range(0, 7200));
            let is_submitted = outcome != "draft";
            // The steps: (state before, action, actor, office, day).
            let chain: Vec<&str> = if direct {
                vec!["city_review", "approval"]
            } else {
                vec![
                    "county_review",
                    "county_talent_review",
                    "city_review",
                    "approval",
                ]
            };
            let mut steps: Vec<(&str, usize)> = Vec::new(); // (step state, action index)
            match outcome {
                "awarded" => steps.extend(
                    chain
                        .iter()
                        .enumerate()
                        .map(|(k, s)| (*s, if direct { k + 2 } else { k })),
                ),
                "rejected" => {
                    let at = rng.below(chain.len() as u64) as usize;
                    for (k, s) in chain.iter().enumerate().take(at) {
                        steps.push((*s, if direct { k + 2 } else { k }));
                    }
                    steps.push((chain[at], 5));
                }
                "returned" => steps.push((chain[0], 4)),
                "draft" => {}
                current => {
                    let pos = chain.iter().position(|s| *s == current).unwrap_or(0);
                    for (k, s) in chain.iter().enumerate().take(pos) {
                        steps.push((*s, if direct { k + 2 } else { k }));
                    }
                }
            }
            let outcome =
                if direct && (outcome == "county_review" || outcome == "county_talent_review") {
                    "city_review"
                } else {
                    outcome
                };
            let mut day = submitted_on;
            let award_on = r.award;
            let mut decided: Vec<(&str, usize, NaiveDate)> = Vec::new();
            for (s, a) in &steps {
                day += Duration::days(rng.range(2, 9));
                if let Some(aw) = award_on {
                    day = day.min(aw - Duration::days(20));
                } else {
                    day = day.min(today);
                }
                decided.push((s, *a, day));
            }
            let last_change = decided.last().map(|x| x.2).unwrap_or(if is_submitted {
                submitted_on
            } else {
                created_on
            });
            let (updated, version) = match outcome {
                "awarded" => (
                    instant(award_on.unwrap_or(today), 10 * 3600),
                    3 + decided.len() as i32,
                ),
                _ => (instant(last_change, 16 * 3600), 2 + decided.len() as i32),
            };
            let requested = is_submitted.then(|| submitted - Duration::hours(30));
            let confirmed = is_submitted.then(|| submitted - Duration::hours(6));
            t.applications.push(format!(
                "{app_id},{},{},{},{},{},{},{},'',{},{},{},{},{},'',{},{},{},{},{},{},{},{},{},{},{}",
                r.id,
                unit.id,
                soc.id,
                county_id,
                q(&station_name),
                q(level.as_str()),
                q(&industry),
                q(&format!(
                    "{}成立于{}年，现有员工{}人，其中研发人员{}人，拥有省级企业技术中心。\n\n主营{}，年产值约{}亿元。",
                    unit.name,
                    1990 + rng.below(28),
                    80 + rng.below(1500),
                    10 + rng.below(200),
                    industry,
                    1 + rng.below(30)
                )),
                q(&format!(
                    "益阳市{industry}产业规模约{}亿元，规模以上企业{}余家，关键技术和人才缺口明显。",
                    50 + rng.below(500),
                    20 + rng.below(200)
                )),
                q(&soc.overview),
                q(&format!(
                    "围绕{industry}关键技术开展攻关、人才培养与成果转化；每季度专家驻站服务不少于{}天，每年举办培训{}场。",
                    10 + rng.below(10),
                    2 + rng.below(4)
                )),
                cx.policy.application.term_years,
                q(if direct { "direct" } else { "county" }),
                q(outcome),
                if outcome == "returned" { q(steps.first().map(|s| s.0).unwrap_or("county_review")) } else { "NULL".into() },
                tsn(requested),
                tsn(confirmed),
                q(if is_submitted { "同意合作共建，选派专家团队驻站服务。" } else { "" }),
                tsn(is_submitted.then_some(submitted)),
                version,
                ts(created),
                ts(updated.max(created)),
                n(renewal_of),
            ));
            ev(evs, created, EvKind::AppCreate, app_id, unit.id, A_HOST);
            // The expert team and the staff.
            let team = 5 + rng.below(3) as usize;
            let first = rng.below(soc.experts.len() as u64) as usize;
            let mut team_ids = Vec::new();
            for p in 0..team {
                let e = soc.experts[(first + p * 7) % soc.experts.len()];
                team_ids.push(e);
                t.app_experts.push(format!("{app_id},{e},{p}"));
            }
            for p in 0..(1 + rng.below(3)) {
                let sid = take(&mut ids.staff);
                t.staff.push(format!(
                    "{sid},{app_id},{p},{},'138{:08}',{}",
                    q(&person(rng)),
                    rng.below(100_000_000),
                    q(if p == 0 {
                        "服务站日常管理"
                    } else {
                        "专家联络与后勤保障"
                    }),
                ));
            }
            // History and opinions.
            if is_submitted {
                let first_state = if direct {
                    "city_review"
                } else {
                    "county_review"
                };
                push_event(
                    t,
                    &mut ids.event,
                    app_id,
                    submitted,
                    (None, "建站单位联络员", "host_unit", &unit.name),
                    "submit",
                    "draft",
                    first_state,
                    "",
                );
                ev(evs, submitted, EvKind::AppSubmit, app_id, 0, A_HOST);
            }
            let (county_cast, county_talent) = &cx.county_offices[county_id];
            for (k, (state, action, on)) in decided.iter().enumerate() {
                let (office, role, person_id, person_name, actor_code) = match *state {
                    "county_review" => (
                        county_cast,
                        "county_cast",
                        None,
                        format!("{}（初审）", county_cast.name),
                        A_COUNTY,
                    ),
                    "county_talent_review" => (
                        county_talent,
                        "county_talent",
                        None,
                        format!("{}（审核）", county_talent.name),
                        A_COUNTY_TALENT,
                    ),
                    "city_review" => (
                        &cx.city_office,
                        "city_cast",
                        cx.city_user.0,
                        cx.city_user.1.clone(),
                        A_CITY,
                    ),
                    _ => (
                        &cx.talent_office,
                        "talent_office",
                        cx.talent_user.0,
                        cx.talent_user.1.clone(),
                        A_TALENT,
                    ),
                };
                let text = match ACTIONS[*action] {
                    "recommend" => "经初审，材料齐全，同意推荐。",
                    "agree" => "同意推荐。",
                    "propose" => "经审核和实地考察，支持建站。",
                    "approve" => "审定批准。",
                    "return" => "材料不全，请补充合作协议后重新提交。",
                    _ => "不符合建站条件，不予通过。",
                };
                let to = match ACTIONS[*action] {
                    "return" => "returned",
                    "reject" => "rejected",
                    _ => decided
                        .get(k + 1)
                        .map(|x| x.0)
                        .unwrap_or(if *state == "approval" {
                            "approved"
                        } else {
                            outcome
                        }),
                };
                let at = instant(*on, 10 * 3600 + rng.range(0, 20_000));
                let oid = take(&mut ids.opinion);
                t.opinions.push(format!(
                    "{oid},{app_id},{},{},{},{},{},{},{},{},{},{}",
                    q(state),
                    q(ACTIONS[*action]),
                    q(role),
                    q(&office.name),
                    q(&format!("office:{}", office.id)),
                    n(person_id),
                    q(&person_name),
                    q(text),
                    d(*on),
                    ts(at),
                ));
                push_event(
                    t,
                    &mut ids.event,
                    app_id,
                    at,
                    (person_id, &person_name, role, &office.name),
                    ACTIONS[*action],
                    state,
                    to,
                    text,
                );
                ev(
                    evs,
                    at,
                    EvKind::Decide(*action as u8),
                    app_id,
                    0,
                    actor_code,
                );
            }
            if outcome != "awarded" {
                continue;
            }
            let (Some(award), Some(nid)) = (award_on, notice_id) else {
                continue;
            };
            t.notice_items.push(format!("{nid},{app_id}"));
            let starts = award - Duration::days(16);
            push_event(
                t,
                &mut ids.event,
                app_id,
                instant(starts, 9 * 3600),
                (
                    cx.city_user.0,
                    &cx.city_user.1,
                    "city_cast",
                    &cx.city_office.name,
                ),
                "notice",
                "approved",
                "notice",
                "",
            );
            // The award and the station.
            let seq = doc_seq.entry(award.year()).or_insert(99);
            *seq += 1;
            let number = cx.policy.document_number(award.year(), *seq);
            let station_id = take(&mut ids.station);
            let ends = term_end(award, cx.policy.application.term_years);
            let award_at = instant(award, 10 * 3600);
            let oid = take(&mut ids.opinion);
            t.opinions.push(format!(
                "{oid},{app_id},'notice','award','talent_office',{},{},{},{},{},{},{}",
                q(&cx.talent_office.name),
                q(&format!("office:{}", cx.talent_office.id)),
                n(cx.talent_user.0),
                q(&cx.talent_user.1),
                q(&format!("授牌，文号 {number}")),
                d(award),
                ts(award_at),
            ));
            push_event(
                t,
                &mut ids.event,
                app_id,
                award_at,
                (
                    cx.talent_user.0,
                    &cx.talent_user.1,
                    "talent_office",
                    &cx.talent_office.name,
                ),
                "award",
                "notice",
                "awarded",
                &format!("授牌，文号 {number}"),
            );
            ev(evs, award_at, EvKind::Award, station_id, app_id, A_TALENT);
            if let Some(old) = renewal_of {
                renewed.push(old);
            }
            let status = run_station(
                cx, rng, ids, t, evs, station_id, award, ends, level, &team_ids,
            );
            t.stations.push(format!(
                "{station_id},{app_id},{},{},{},{},{},{county_id},{},{},{},{},{},{},{},FALSE",
                q(&station_name),
                q(level.as_str()),
                q(&industry),
                unit.id,
                soc.id,
                r.id,
                q(&number),
                d(award),
                d(ends),
                q(status),
                ts(award_at),
                ts(award_at.max(instant(ends.min(today), 12 * 3600))),
            ));
            if status == "expired" {
                ended.push(Ended {
                    station: station_id,
                    unit: unit_i,
                    society: soc_i,
                    level,
                    industry: industry.clone(),
                    term_ends_on: ends,
                });
            }
            if t.pending() > 20_000 {
                t.flush(tx).await?;
            }
        }
        t.flush(tx).await?;
    }
    // A station's history comes before the station; its row is written with the status it
    // has today (renewals are applied by the caller after the rows are in).
    Ok(renewed)
}

/// The activities, assessments and ledger of one station; its status today.
#[allow(clippy::too_many_arguments)]
fn run_station(
    cx: &Context,
    rng: &mut Rng,
    ids: &mut Ids,
    t: &mut Tables,
    evs: &mut Vec<Ev>,
    station_id: i64,
    award: NaiveDate,
    ends: NaiveDate,
    level: Level,
    team: &[i64],
) -> &'static str {
    let today = cx.today;
    let policy = &cx.policy;
    // 85 % diligent, 10 % weak in the first year, 5 % weak throughout.
    let quality = rng.below(100);
    let mut status = if ends < today { "expired" } else { "active" };
    let mut paid_total: i64 = 0;
    let mut pending_activities: Vec<(usize, Activity)> = Vec::new();
    for year in 1..=policy.application.term_years {
        let (ys, ye) = term_year(award, year);
        if ys > today {
            break;
        }
        let weak = quality >= 95 || (quality >= 85 && year == 1);
        let mut acts: Vec<Activity> = Vec::new();
        let mut plan: Vec<(ActivityKind, u32)> = Vec::new();
        let scale = if weak { 4 } else { 1 };
        // Expert service per quarter (days counted in the quarter of their date).
        for qtr in 0..4u32 {
            let qs = stationhub_domain::station::quarter(ys, qtr + 1);
            let n_exp = if weak { 3 } else { 35 };
            for _ in 0..n_exp {
                let span = (qs.1 - qs.0).num_days().max(0);
                let on = qs.0 + Duration::days(rng.range(0, span));
                acts.push(Activity {
                    kind: ActivityKind::ExpertService,
                    date: on,
                    days: 1 + rng.below(2) as u32,
                    attendance: 0,
                    percent: 0,
                });
            }
        }
        for (kind, count) in [
            (ActivityKind::Survey, 14),
            (ActivityKind::ResearchOutcome, 6),
            (ActivityKind::Training, 12),
            (ActivityKind::Breakthrough, 8),
            (ActivityKind::ProblemSolved, 25),
            (ActivityKind::AchievementTransferred, 10),
        ] {
            plan.push((kind, count / scale));
        }
        let span = (ye - ys).num_days().max(0);
        for (kind, count) in plan {
            for _ in 0..count {
                acts.push(Activity {
                    kind,
                    date: ys + Duration::days(rng.range(0, span)),
                    days: 0,
                    attendance: if kind == ActivityKind::Training {
                        if weak {
                            20 + rng.below(40) as u32
                        } else {
                            40 + rng.below(90) as u32
                        }
                    } else {
                        0
                    },
                    percent: 0,
                });
            }
        }
        let target = if year >= 2 { 100 } else { 60 };
        let target: u32 = if weak { target / 3 } else { target };
        for m in 1..=12u32 {
            acts.push(Activity {
                kind: ActivityKind::AgreementProgress,
                date: ys
                    .checked_add_months(chrono::Months::new(m))
                    .and_then(|x| x.pred_opt())
                    .unwrap_or(ys)
                    .min(ye),
                days: 0,
                attendance: 0,
                percent: if year >= 2 {
                    60 + (target.saturating_sub(60)) * m / 12
                } else {
                    target * m / 12
                },
            });
        }
        acts.retain(|a| a.date <= today && a.date <= ends && a.date >= award);
        acts.sort_by_key(|a| a.date);
        // The assessment of this term year, when its window has opened and some days passed.
        let anniversary = ye + Duration::days(1);
        let decided_on = anniversary + Duration::days(rng.range(5, 40));
        let assessed = decided_on <= today;
        for a in &acts {
            pending_activities.push((year as usize, a.clone()));
        }
        if !assessed {
            continue;
        }
        let items = indicators(year, ys, &acts, &policy.assessment);
        let Ok(sheet) = score_sheet(&items, &[], &policy.assessment) else {
            continue;
        };
        let score: u32 = sheet.iter().map(|l| l.score).sum();
        let Ok(g) = grade(score.min(100), &policy.assessment) else {
            continue;
        };
        let c = consequence(year, g, policy);
        let aid = take(&mut ids.assessment);
        let at = instant(decided_on, 11 * 3600);
        t.assessments.push(format!(
            "{aid},{station_id},{year},{},{},{},{},{},{},{},{},{},{}",
            score.min(100),
            q(g.label()),
            q(match g {
                stationhub_domain::station::Grade::Excellent => "年度工作成效显著，评为优秀。",
                stationhub_domain::station::Grade::Pass => "按第十二条考核，年度工作扎实。",
                stationhub_domain::station::Grade::Fail => "多项指标未完成，考核不合格。",
            }),
            q(&indicators_json(&items)),
            q(&sheet_json(&sheet)),
            q(c.as_str()),
            dn((c == Consequence::Rectify)
                .then(|| decided_on + Duration::days(policy.assessment.rectify_days.into()))),
            n(cx.city_user.0),
            d(decided_on),
            ts(at),
        ));
        ev(
            evs,
            at,
            EvKind::Assess(year as u8, score.min(100) as u8),
            station_id,
            aid,
            A_CITY,
        );
        match c {
            Consequence::GrantDue => {
                if status == "rectifying" {
                    status = if ends < today { "expired" } else { "active" };
                }
                if level == Level::National {
                    continue;
                }
                let amount = if level == Level::Provincial {
                    policy.grants.provincial_fen
                } else {
                    policy.grants.municipal_fen
                };
                let paid_on = decided_on + Duration::days(rng.range(20, 50));
                let paid = paid_on <= today;
                let gid = take(&mut ids.ledger);
                t.ledger.push(format!(
                    "{gid},{station_id},'grant',{amount},{},{},'',{},'',{aid},NULL,{},{},{}",
                    q(if paid { "paid" } else { "due" }),
                    d(decided_on),
                    q(&format!("第 {year} 年度考核{}（第十六条）", g.label())),
                    dn(paid.then_some(paid_on)),
                    n(cx.city_user.0),
                    ts(at),
                ));
                if !paid {
                    continue;
                }
                paid_total += amount;
                ev(
                    evs,
                    instant(paid_on, 15 * 3600),
                    EvKind::GrantPay,
                    gid,
                    station_id,
                    A_CITY,
                );
                let mut left = amount;
                for k in 0..(2 + rng.below(3)) {
                    let on = paid_on + Duration::days(rng.range(5, 120));
                    if on > today {
                        break;
                    }
                    let spend = (left / 3).max(0) / 100 * 100;
                    if spend <= 0 {
                        break;
                    }
                    left -= spend;
                    let eid = take(&mut ids.ledger);
                    let category = &policy.expenses.categories
                        [((k + rng.below(8)) % policy.expenses.categories.len() as u64) as usize];
                    t.ledger.push(format!(
                        "{eid},{station_id},'expense',{spend},'recorded',{},{},{},'',NULL,NULL,NULL,NULL,{}",
                        d(on),
                        q(category),
                        q(&format!("{category}支出")),
                        ts(instant(on, 16 * 3600)),
                    ));
                    ev(
                        evs,
                        instant(on, 16 * 3600),
                        EvKind::Expense,
                        eid,
                        station_id,
                        A_HOST,
                    );
                }
            }
            Consequence::Rectify => {
                if ends >= today {
                    status = "rectifying";
                }
            }
            Consequence::RemoveAndRecover => {
                status = "removed";
                if paid_total > 0 {
                    let rid = take(&mut ids.ledger);
                    t.ledger.push(format!(
                        "{rid},{station_id},'recovery',{paid_total},'recorded',{},'','期满考核不合格，摘牌并追回财政资助资金（第十二条）','',{aid},NULL,NULL,{},{}",
                        d(decided_on),
                        n(cx.city_user.0),
                        ts(at),
                    ));
                    ev(evs, at, EvKind::Recovery, rid, station_id, A_CITY);
                }
                // Due grants are cancelled: none is left due here (each was paid or is due
                // of this very year, which failed).
            }
        }
    }
    // The activity rows, with the team's experts on expert service.
    for (k, (_, a)) in pending_activities.into_iter().enumerate() {
        let id = take(&mut ids.activity);
        let kind_idx = ActivityKind::ALL
            .iter()
            .position(|x| *x == a.kind)
            .unwrap_or(0);
        let expert = (a.kind == ActivityKind::ExpertService).then(|| team[k % team.len()]);
        let at = instant(a.date, 17 * 3600 + (k as i64 % 3600));
        let title = activity_title(a.kind, k as u64);
        t.activities.push(format!(
            "{id},{station_id},{},{},{},{},{},{},{},{},NULL,NULL,{},NULL",
            q(a.kind.as_str()),
            d(a.date),
            n(expert),
            a.days,
            a.attendance,
            a.percent,
            q(title),
            q(if a.kind == ActivityKind::Training {
                "面向园区企业技术骨干"
            } else {
                ""
            }),
            ts(at),
        ));
        ev(
            evs,
            at,
            EvKind::Activity(kind_idx as u8),
            id,
            station_id,
            A_HOST,
        );
    }
    status
}

/// One step of an application's history.
#[allow(clippy::too_many_arguments)]
fn push_event(
    t: &mut Tables,
    next_id: &mut i64,
    app_id: i64,
    at: DateTime<Utc>,
    actor: (Option<i64>, &str, &str, &str),
    action: &str,
    from: &str,
    to: &str,
    opinion: &str,
) {
    let id = take(next_id);
    t.events.push(format!(
        "{id},{app_id},{},{},{},{},{},{},{},{},{}",
        q(&at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        n(actor.0),
        q(actor.1),
        q(actor.2),
        q(actor.3),
        q(action),
        q(from),
        q(to),
        q(opinion),
    ));
}
