//! The access matrix (issue 9, SPEC §1): every route of the JSON API (and the public probes
//! beside it) × every caller — signed out, and each role, for the record's own and another
//! unit, society and county — asserting what SPEC §1 allows and the status of each refusal.
//!
//! One fixture world (two counties, two host units, a society for each record, applications in
//! every review state, four stations, notices, an objection, a change request, an export, a
//! failed job …) is built once over the API and then copied for each mutating route, so that an
//! allowed change never spoils a later cell: a copy per allowed caller, the refusals run first
//! in the untouched copy (their exact status is checked) and again after the allowed change
//! (still refused: a refusal must not depend on the record's state). Reads share one copy.
//!
//! The table is also the document: `docs/access-matrix.md` is rendered from it and compared;
//! `STATIONHUB_BLESS=1` writes it. The test fails when a route of the router's source or of the
//! served OpenAPI document is missing from the table, or the table names a route that is gone.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Cursor;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use reqwest::Method;
use sea_orm::{ColumnTrait, ConnectionTrait, Database, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use stationhub_domain::account::{NewPassword, Role, Username};
use stationhub_domain::clock::Clock;
use stationhub_domain::organisation::{ExpertInput, SocietyInput, UnitInput};
use stationhub_domain::policy::Policy;
use stationhub_domain::round::RoundInput;
use stationhub_storage::accounts::NewUser;
use stationhub_storage::entity::job;
use stationhub_storage::files::FileStore;
use stationhub_storage::{Actor, Store};
use stationhub_web::{AppState, Config};

use crate::applications::PDF;
use crate::helpers::{PASSWORD, fresh_database, open};

// ------------------------------------------------------------------------------------------
// Who asks
// ------------------------------------------------------------------------------------------

/// The callers, in the matrix's column order. "Own" is relative to the record the row's path
/// names: its host unit, its society, its county (资阳区); "other" is 赫山区 and another unit
/// and society with no part in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anon,
    Admin,
    City,
    Talent,
    Supervisor,
    CountyOwn,
    CountyOther,
    CTalentOwn,
    CTalentOther,
    HostOwn,
    HostOther,
    SocietyOwn,
    SocietyOther,
}

const CALLERS: [Caller; 13] = [
    Caller::Anon,
    Caller::Admin,
    Caller::City,
    Caller::Talent,
    Caller::Supervisor,
    Caller::CountyOwn,
    Caller::CountyOther,
    Caller::CTalentOwn,
    Caller::CTalentOther,
    Caller::HostOwn,
    Caller::HostOther,
    Caller::SocietyOwn,
    Caller::SocietyOther,
];

impl Caller {
    fn column(self) -> &'static str {
        match self {
            Caller::Anon => "anon",
            Caller::Admin => "admin",
            Caller::City => "city",
            Caller::Talent => "talent",
            Caller::Supervisor => "sup",
            Caller::CountyOwn => "cc",
            Caller::CountyOther => "cc′",
            Caller::CTalentOwn => "ct",
            Caller::CTalentOther => "ct′",
            Caller::HostOwn => "host",
            Caller::HostOther => "host′",
            Caller::SocietyOwn => "soc",
            Caller::SocietyOther => "soc′",
        }
    }

    fn who(self) -> &'static str {
        match self {
            Caller::Anon => "signed out (the public)",
            Caller::Admin => "`admin`, the system administrator",
            Caller::City => "`city_cast`, 市科协",
            Caller::Talent => "`talent_office`, 市委人才办",
            Caller::Supervisor => "`supervisor`, 财政、审计、纪检监察",
            Caller::CountyOwn => "`county_cast` of the record's county (资阳区)",
            Caller::CountyOther => "`county_cast` of another county (赫山区)",
            Caller::CTalentOwn => "`county_talent` of the record's county (资阳区)",
            Caller::CTalentOther => "`county_talent` of another county (赫山区)",
            Caller::HostOwn => "`host_unit` staff of the record's host unit",
            Caller::HostOther => "`host_unit` staff of another unit (in 赫山区)",
            Caller::SocietyOwn => "`society` staff of the record's society",
            Caller::SocietyOther => "`society` staff of another society",
        }
    }
}

// ------------------------------------------------------------------------------------------
// What is expected
// ------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// Allowed: 2xx (with the fixture's record in a list's answer).
    Ok,
    /// Allowed, 2xx, but the fixture's record is left out: outside the caller's scope.
    Scoped,
    /// Exactly this status: 401 / 403 / 404 refused; 409 allowed to ask, refused by the state.
    Status(u16),
}

impl Want {
    fn parse(s: &str) -> Want {
        match s {
            "ok" => Want::Ok,
            "sc" => Want::Scoped,
            "401" | "403" | "404" | "409" => Want::Status(s.parse().unwrap()),
            other => panic!("unknown cell {other:?}"),
        }
    }

    fn symbol(self) -> String {
        match self {
            Want::Ok => "✓".into(),
            Want::Scoped => "○".into(),
            Want::Status(s) => s.to_string(),
        }
    }

    fn denied(self) -> bool {
        matches!(self, Want::Status(401 | 403 | 404))
    }
}

fn cells(s: &str) -> [Want; 13] {
    let v: Vec<Want> = s.split_whitespace().map(Want::parse).collect();
    assert_eq!(v.len(), 13, "13 cells expected in {s:?}");
    v.try_into().unwrap()
}

// The usual rows (anon admin city talent sup cc cc′ ct ct′ host host′ soc soc′).
const PUBLIC: &str = "ok ok ok ok ok ok ok ok ok ok ok ok ok";
const SIGNED_IN: &str = "401 ok ok ok ok ok ok ok ok ok ok ok ok";
const ADMIN: &str = "401 ok 403 403 403 403 403 403 403 403 403 403 403";
const CITY: &str = "401 403 ok 403 403 403 403 403 403 403 403 403 403";
const TALENT: &str = "401 403 403 ok 403 403 403 403 403 403 403 403 403";
const CITY_ADMIN: &str = "401 ok ok 403 403 403 403 403 403 403 403 403 403";
const WHOLE_CITY: &str = "401 403 ok ok ok 403 403 403 403 403 403 403 403";
const AUDIT: &str = "401 ok 403 403 ok 403 403 403 403 403 403 403 403";
/// A submitted application or a station, read: everyone with a part in it, the city roles and
/// the supervisors; hidden (404) from the admin and from other units, societies and counties.
const SEES: &str = "401 404 ok ok ok ok 404 ok 404 ok 404 ok 404";
/// A draft changed by its host unit; the society asked to confirm sees it but may not change it.
const DRAFT_HOST: &str = "401 404 404 404 404 404 404 404 404 ok 404 403 404";
/// What the station's host unit or its society do (activities, change requests).
const RUNS: &str = "401 404 403 403 403 403 404 403 404 ok 404 ok 404";
/// What only the station's host unit does (expenses, plans and summaries).
const HOST: &str = "401 404 403 403 403 403 404 403 404 ok 404 403 404";
/// Lists by station, each caller's own: city roles all, county roles their county's, host unit
/// and society their own station's.
const STATION_LIST: &str = "401 403 ok ok ok ok sc ok sc ok sc ok sc";
/// The fund overview: city roles and supervisors, county offices their county's.
const FUNDS: &str = "401 403 ok ok ok ok sc ok sc 403 403 403 403";
/// A non-public station (revoked): those with a part in it and the officials who see it.
const HIDDEN_STATION: &str = "404 404 ok ok ok ok 404 ok 404 ok 404 ok 404";

// ------------------------------------------------------------------------------------------
// The fixture's records
// ------------------------------------------------------------------------------------------

/// A record of the fixture world, filling a path parameter (or naming the record whose host
/// unit, society and county are "own").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Unit,
    Society,
    /// An expert of [`Key::Society`] on no team.
    Expert,
    /// The other host unit's user (a target for the admin's unlock).
    UserB,
    /// A draft, its society asked to confirm (and confirmed): ready to submit.
    Draft,
    /// A draft its society has not been asked about.
    PrivateDraft,
    CountyReview,
    CountyTalentReview,
    CityReview,
    Approval,
    Approved,
    /// In a running public notice (today inside it).
    Notice,
    /// Its notice has ended without objection: ready for the award.
    NoticeEnded,
    /// The application of [`Key::Station`].
    Awarded,
    /// The main station: activities, plans, an expense with its voucher, a paid grant, year 1
    /// assessed.
    Station,
    /// A station with a due grant and a pending change request (with its letter).
    StationPay,
    /// A station not yet assessed.
    StationNew,
    /// A revoked station (not public).
    StationRevoked,
    Activity,
    Report,
    Expense,
    /// The due grant of [`Key::StationPay`].
    Grant,
    /// The pending change request of [`Key::StationPay`].
    Request,
    /// The ended notice of [`Key::Awarded`] and [`Key::NoticeEnded`].
    NoticeOld,
    /// The running notice of [`Key::Notice`].
    NoticeRunning,
    /// An unhandled objection to [`Key::Notice`].
    Objection,
    /// City CAST's finished export.
    Export,
    /// A failed background job.
    Job,
    /// One of the materials of [`Key::Awarded`].
    MaterialFile,
    /// The voucher of [`Key::Expense`].
    VoucherFile,
    /// The host unit's seal.
    SealFile,
    /// The second round (open today).
    Round2,
    /// An expert on the team of [`Key::Station`].
    TeamExpert,
    /// A literal path segment.
    Lit(&'static str),
}

impl Key {
    /// How the document names the record a row is about.
    fn label(self) -> &'static str {
        match self {
            Key::Draft => "draft, society asked",
            Key::PrivateDraft => "draft, society not asked",
            Key::CountyReview => "at county_review",
            Key::CountyTalentReview => "at county_talent_review",
            Key::CityReview => "at city_review",
            Key::Approval => "at approval",
            Key::Approved => "approved",
            Key::Notice => "in a running notice",
            Key::NoticeEnded => "notice ended",
            Key::Awarded => "awarded",
            Key::Station => "active station",
            Key::StationPay => "active station, due grant",
            Key::StationNew => "active station, not assessed",
            Key::StationRevoked => "revoked station",
            Key::Activity => "an activity of the active station",
            Key::Expert => "an expert on no team",
            Key::NoticeOld => "an ended notice",
            Key::NoticeRunning => "a running notice",
            Key::Objection => "an unhandled objection",
            Key::Request => "a pending change request",
            Key::MaterialFile => "a material of an application",
            Key::VoucherFile => "a station's voucher",
            Key::SealFile => "a unit's seal",
            _ => "",
        }
    }
}

/// The record ids, names and tokens of the fixture world (the same in every copy).
struct World {
    ids: HashMap<Key, i64>,
    names: HashMap<Key, String>,
    /// The society of each record (for "own society").
    society_of: HashMap<Key, i64>,
    /// The society user's token of each society.
    society_token: HashMap<i64, String>,
    tokens: HashMap<&'static str, String>,
    unit_a: Value,
    society_0: Value,
    /// The team of the drafts.
    draft_experts: Vec<i64>,
}

impl World {
    fn id(&self, k: Key) -> String {
        match k {
            Key::Lit(s) => s.to_string(),
            k => self
                .ids
                .get(&k)
                .unwrap_or_else(|| panic!("no {k:?} in the fixture"))
                .to_string(),
        }
    }

    fn num(&self, k: Key) -> i64 {
        self.ids[&k]
    }

    fn token(&self, c: Caller, rec: Key) -> Option<&str> {
        let name = match c {
            Caller::Anon => return None,
            Caller::Admin => "admin",
            Caller::City => "city",
            Caller::Talent => "talent",
            Caller::Supervisor => "super",
            Caller::CountyOwn => "zy-cast",
            Caller::CountyOther => "hs-cast",
            Caller::CTalentOwn => "zy-talent",
            Caller::CTalentOther => "hs-talent",
            Caller::HostOwn => "host-a",
            Caller::HostOther => "host-b",
            Caller::SocietyOther => "soc-b",
            Caller::SocietyOwn => {
                let soc = self
                    .society_of
                    .get(&rec)
                    .unwrap_or(&self.society_of[&Key::Station]);
                return Some(&self.society_token[soc]);
            }
        };
        Some(&self.tokens[name])
    }
}

// ------------------------------------------------------------------------------------------
// The table
// ------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Body {
    None,
    Json(fn(&World) -> Value),
    /// A multipart upload: the `kind` field (materials only) and the file.
    File(Option<&'static str>, &'static str, fn() -> Vec<u8>),
}

#[derive(Clone, Copy)]
enum Probe {
    None,
    /// The answer is JSON; at `array` (a JSON pointer), items whose `field` is one of `keys`.
    Json(&'static str, &'static str, &'static [Key]),
    /// The answer is an .xlsx whose first sheet has a cell naming one of `keys`.
    Xlsx(&'static [Key]),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Iso {
    /// A read: every cell on one shared copy.
    Read,
    /// A change: a fresh copy for each allowed caller.
    PerCell,
    /// A change each caller makes to its own things only: allowed callers share a copy.
    Shared,
}

struct Row {
    method: Method,
    route: &'static str,
    args: Vec<Key>,
    query: &'static str,
    /// The record that decides "own"; also the row's label in the document.
    rec: Key,
    variant: &'static str,
    body: Body,
    want: [Want; 13],
    probe: Probe,
    iso: Iso,
    note: &'static str,
}

fn row(method: &str, route: &'static str, want: &str) -> Row {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let iso = if method == Method::GET {
        Iso::Read
    } else {
        Iso::PerCell
    };
    Row {
        method,
        route,
        args: vec![],
        query: "",
        rec: Key::Station,
        variant: "",
        body: Body::None,
        want: cells(want),
        probe: Probe::None,
        iso,
        note: "",
    }
}

impl Row {
    fn args(mut self, a: &[Key]) -> Row {
        self.args = a.to_vec();
        if let Some(k) = a.iter().find(|k| !matches!(k, Key::Lit(_))) {
            self.rec = *k;
        }
        self
    }
    fn rec(mut self, k: Key) -> Row {
        self.rec = k;
        self
    }
    fn variant(mut self, v: &'static str) -> Row {
        self.variant = v;
        self
    }
    fn query(mut self, q: &'static str) -> Row {
        self.query = q;
        self
    }
    fn json(mut self, f: fn(&World) -> Value) -> Row {
        self.body = Body::Json(f);
        self
    }
    fn file(mut self, kind: Option<&'static str>, name: &'static str, f: fn() -> Vec<u8>) -> Row {
        self.body = Body::File(kind, name, f);
        self
    }
    fn probe(mut self, p: Probe) -> Row {
        self.probe = p;
        self
    }
    fn shared(mut self) -> Row {
        self.iso = Iso::Shared;
        self
    }
    fn note(mut self, n: &'static str) -> Row {
        self.note = n;
        self
    }

    fn path(&self, w: &World) -> String {
        let mut out = String::new();
        let mut args = self.args.iter();
        let mut rest = self.route;
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').unwrap() + open;
            out.push_str(&rest[..open]);
            let k = args
                .next()
                .unwrap_or_else(|| panic!("{}: too few args", self.route));
            out.push_str(&w.id(*k));
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        assert!(args.next().is_none(), "{}: too many args", self.route);
        if !self.query.is_empty() {
            out.push('?');
            out.push_str(self.query);
        }
        out
    }

    fn title(&self) -> String {
        // The record the path names (its first parameter), then the variant.
        let rec = self
            .args
            .iter()
            .find(|k| !matches!(k, Key::Lit(_)))
            .map_or("", |k| k.label());
        let what: Vec<&str> = [rec, self.variant]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        let q = if self.query.is_empty() {
            String::new()
        } else {
            format!("?{}", self.query)
        };
        if what.is_empty() {
            format!("`{} {}{q}`", self.method, self.route)
        } else {
            format!("`{} {}{q}` ({})", self.method, self.route, what.join("; "))
        }
    }
}

const ALL_APPS: &[Key] = &[
    Key::Draft,
    Key::PrivateDraft,
    Key::CountyReview,
    Key::CountyTalentReview,
    Key::CityReview,
    Key::Approval,
    Key::Approved,
    Key::Notice,
    Key::NoticeEnded,
    Key::Awarded,
];

fn unit_body(name: &str, code: &str, county: &str) -> Value {
    json!({
        "name": name, "credit_code": code, "nature": "企业科协", "county": county,
        "legal_rep": "张三", "address": "益阳市", "postcode": "413000", "contact_name": "李四",
        "contact_phone": "0737-1234567", "contact_mobile": "13800000000", "fax": "",
        "email": "a@example.cn", "qq_wechat": "", "registered_in_yiyang": true,
        "independent_legal_person": true, "has_funded_expert_workstation": false,
    })
}

fn society_body(name: &str) -> Value {
    json!({
        "name": name, "level": "provincial", "legal_rep": "王五", "legal_rep_title": "理事长",
        "legal_rep_mobile": "13900000000", "address": "长沙市", "postcode": "410000",
        "contact_name": "赵六", "contact_title": "秘书长", "contact_mobile": "13900000001",
        "phone_fax": "", "qq": "", "email": "s@example.cn", "wechat": "",
        "description": "学会简介",
    })
}

fn expert_body() -> Value {
    json!({"name": "新专家", "title": "教授", "specialty": "材料", "employer": "湖南大学",
           "mobile": "13900009999"})
}

fn credit(n: u32) -> String {
    stationhub_domain::organisation::CreditCode::complete(&format!("91430900MC{n:07}"))
        .unwrap()
        .as_str()
        .to_string()
}

/// A 4×4 red PNG: a real image for a seal.
const SEAL_PNG: &[u8] = &[
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 4, 0, 0, 0, 4, 8, 6, 0,
    0, 0, 169, 241, 158, 126, 0, 0, 0, 18, 73, 68, 65, 84, 120, 156, 99, 184, 35, 34, 247, 31, 25,
    51, 144, 46, 0, 0, 88, 136, 32, 209, 224, 131, 227, 158, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66,
    96, 130,
];

fn pdf() -> Vec<u8> {
    PDF.to_vec()
}

fn png() -> Vec<u8> {
    SEAL_PNG.to_vec()
}

/// A good import sheet: one station named before the measures.
fn import_sheet() -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let headers = [
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
    let code = credit(900);
    let values = [
        "存量服务站甲",
        "省级",
        "装备制造",
        "益阳存量单位甲有限公司科协",
        code.as_str(),
        "企业科协",
        "资阳区",
        "张三",
        "湖南省存量学会甲",
        "省级学会",
        "益人才办〔2022〕3号",
    ];
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in values.iter().enumerate() {
        sheet.write_string(1, c as u16, *v).unwrap();
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let d = ExcelDateTime::parse_from_str("2022-05-01").unwrap();
    sheet.write_datetime_with_format(1, 11, &d, &date).unwrap();
    book.save_to_buffer().unwrap()
}

fn table() -> Vec<Row> {
    use Key::*;
    vec![
        // -------------------------------------------------------------- the public probes
        row("GET", "/healthz", PUBLIC),
        row("GET", "/readyz", PUBLIC),
        row("GET", "/livez", PUBLIC),
        row("GET", "/metrics", PUBLIC),
        row("GET", "/api/v1/openapi.json", PUBLIC),
        // -------------------------------------------------------------- session, accounts
        row("POST", "/api/v1/session", PUBLIC)
            .json(|_| json!({"username": "host-b", "password": PASSWORD}))
            .shared(),
        row("DELETE", "/api/v1/session", SIGNED_IN).shared(),
        row("GET", "/api/v1/me", SIGNED_IN),
        row("PUT", "/api/v1/me/password", SIGNED_IN)
            .json(|_| json!({"current_password": PASSWORD, "new_password": "Neu#2026pass"}))
            .shared(),
        row("GET", "/api/v1/me/inbox", SIGNED_IN),
        row("POST", "/api/v1/me/inbox/read", SIGNED_IN).shared(),
        row("POST", "/api/v1/users", ADMIN).json(|w| {
            json!({"username": "new-user", "password": "Neu#2026pass", "role": "society",
                   "display_name": "新账户", "society_id": w.num(Society)})
        }),
        row("GET", "/api/v1/users", ADMIN).probe(Probe::Json("/items", "id", &[UserB])),
        row("POST", "/api/v1/users/{id}/unlock", ADMIN).args(&[UserB]),
        row("GET", "/api/v1/counties", SIGNED_IN),
        row("GET", "/api/v1/audit", AUDIT),
        // -------------------------------------------------------------- organisations, rounds
        row(
            "POST",
            "/api/v1/units",
            "401 ok ok 403 403 403 403 403 403 409 409 403 403",
        )
        .json(|_| unit_body("新建单位科协", &credit(800), "资阳区"))
        .note("a host unit account already linked to its unit registers no second one (409)"),
        row(
            "GET",
            "/api/v1/units",
            "401 ok ok ok ok ok sc ok sc ok sc sc sc",
        )
        .probe(Probe::Json("/items", "id", &[Unit])),
        row(
            "GET",
            "/api/v1/units/{id}",
            "401 ok ok ok ok ok 404 ok 404 ok 404 404 404",
        )
        .args(&[Unit]),
        row(
            "PUT",
            "/api/v1/units/{id}",
            "401 ok ok 403 403 403 403 403 403 ok 403 403 403",
        )
        .args(&[Unit])
        .json(|w| w.unit_a.clone())
        .shared(),
        row(
            "POST",
            "/api/v1/societies",
            "401 ok ok 403 403 403 403 403 403 403 403 409 409",
        )
        .json(|_| society_body("新建学会"))
        .note("a society account already linked to its society registers no second one (409)"),
        row("GET", "/api/v1/societies", SIGNED_IN).probe(Probe::Json("/items", "id", &[Society])),
        row("GET", "/api/v1/societies/{id}", SIGNED_IN).args(&[Society]),
        row(
            "PUT",
            "/api/v1/societies/{id}",
            "401 ok ok 403 403 403 403 403 403 403 403 ok 403",
        )
        .args(&[Society])
        .json(|w| w.society_0.clone())
        .shared(),
        row(
            "POST",
            "/api/v1/societies/{id}/experts",
            "401 ok ok 403 403 403 403 403 403 403 403 ok 403",
        )
        .args(&[Society])
        .json(|_| expert_body())
        .shared(),
        row("GET", "/api/v1/societies/{id}/experts", SIGNED_IN).args(&[Society]),
        row(
            "PUT",
            "/api/v1/experts/{id}",
            "401 ok ok 403 403 403 403 403 403 403 403 ok 403",
        )
        .args(&[Expert])
        .rec(Society)
        .json(|_| expert_body())
        .shared(),
        row(
            "DELETE",
            "/api/v1/experts/{id}",
            "401 ok ok 403 403 403 403 403 403 403 403 ok 403",
        )
        .args(&[Expert])
        .rec(Society),
        row("POST", "/api/v1/rounds", CITY).json(|_| {
            json!({"name": "2027 年批次", "opens_on": "2027-03-01", "closes_on": "2027-04-30"})
        }),
        row("GET", "/api/v1/rounds", SIGNED_IN),
        // -------------------------------------------------------------- applications
        row(
            "POST",
            "/api/v1/applications",
            "401 403 403 403 403 403 403 403 403 ok 403 403 403",
        )
        .rec(Draft)
        .json(|w| application_body(w, "新的申报书服务站"))
        .note("the body names the own unit: another unit's staff may not apply in its name"),
        row(
            "GET",
            "/api/v1/applications",
            "401 sc ok ok ok ok sc ok sc ok sc ok sc",
        )
        .rec(CityReview)
        .variant("finds one at city_review")
        .probe(Probe::Json("/items", "id", &[CityReview])),
        row(
            "GET",
            "/api/v1/applications",
            "401 sc sc sc sc sc sc sc sc ok sc ok sc",
        )
        .rec(Draft)
        .variant("finds a draft, society asked")
        .probe(Probe::Json("/items", "id", &[Draft])),
        row(
            "GET",
            "/api/v1/applications",
            "401 sc sc sc sc sc sc sc sc ok sc sc sc",
        )
        .rec(PrivateDraft)
        .variant("finds a draft, society not asked")
        .probe(Probe::Json("/items", "id", &[PrivateDraft])),
        row(
            "GET",
            "/api/v1/applications/{id}",
            "401 404 404 404 404 404 404 404 404 ok 404 404 404",
        )
        .args(&[PrivateDraft]),
        row(
            "GET",
            "/api/v1/applications/{id}",
            "401 404 404 404 404 404 404 404 404 ok 404 ok 404",
        )
        .args(&[Draft]),
        row("GET", "/api/v1/applications/{id}", SEES).args(&[CountyReview]),
        row("PUT", "/api/v1/applications/{id}", DRAFT_HOST)
            .args(&[Draft])
            .json(|w| application_body(w, "已修改的服务站")),
        row("POST", "/api/v1/applications/{id}/files", DRAFT_HOST)
            .args(&[Draft])
            .file(Some("agreement"), "协议.pdf", pdf),
        row("GET", "/api/v1/files/{id}", SEES)
            .args(&[MaterialFile])
            .rec(Awarded),
        row("GET", "/api/v1/files/{id}", SEES)
            .args(&[VoucherFile])
            .rec(Station),
        row("GET", "/api/v1/files/{id}", SIGNED_IN)
            .args(&[SealFile])
            .note("seals are stamped on documents every participant reads"),
        row(
            "POST",
            "/api/v1/applications/{id}/confirmation-request",
            DRAFT_HOST,
        )
        .args(&[Draft]),
        row(
            "POST",
            "/api/v1/applications/{id}/confirmation",
            "401 404 404 404 404 404 404 404 404 403 404 ok 404",
        )
        .args(&[Draft])
        .json(|_| json!({"opinion": "同意合作"})),
        row("GET", "/api/v1/applications/{id}/check", DRAFT_HOST).args(&[Draft]),
        row("POST", "/api/v1/applications/{id}/submit", DRAFT_HOST)
            .args(&[Draft])
            .json(|_| json!({})),
        row("GET", "/api/v1/applications/{id}/form.pdf", SEES).args(&[Awarded]),
        row("GET", "/api/v1/applications/{id}/form.docx", SEES).args(&[Awarded]),
        row("GET", "/api/v1/applications/{id}/files.zip", SEES).args(&[Awarded]),
        row("GET", "/api/v1/applications.xlsx", "401 sc ok ok ok ok sc ok sc ok sc ok sc")
            .rec(CityReview)
            .variant("finds one at city_review")
            .probe(Probe::Xlsx(&[CityReview])),
        // -------------------------------------------------------------- review
        row(
            "POST",
            "/api/v1/applications/{id}/decisions",
            "401 404 409 409 403 ok 404 409 404 403 404 403 404",
        )
        .args(&[CountyReview])
        .json(|_| json!({"action": "recommend", "opinion": "同意推荐"}))
        .note("409: a reviewer whose step it is not (yet, or any more): SPEC §4"),
        row(
            "POST",
            "/api/v1/applications/{id}/decisions",
            "401 404 409 409 403 409 404 ok 404 403 404 403 404",
        )
        .args(&[CountyTalentReview])
        .json(|_| json!({"action": "agree", "opinion": "同意"}))
        .note("409: a reviewer whose step it is not (yet, or any more): SPEC §4"),
        row(
            "POST",
            "/api/v1/applications/{id}/decisions",
            "401 404 ok 409 403 409 404 409 404 403 404 403 404",
        )
        .args(&[CityReview])
        .json(|_| {
            json!({"action": "propose", "opinion": "建议通过",
                   "site_inspection": {"date": T2, "inspectors": ["周文彬", "谭丽娟"],
                                       "findings": "场地、人员、制度到位"}})
        })
        .note("409: a reviewer whose step it is not (yet, or any more): SPEC §4"),
        row(
            "POST",
            "/api/v1/applications/{id}/decisions",
            "401 404 409 ok 403 409 404 409 404 403 404 403 404",
        )
        .args(&[Approval])
        .json(|_| json!({"action": "approve", "opinion": "同意"}))
        .note("409: a reviewer whose step it is not (yet, or any more): SPEC §4"),
        row(
            "GET",
            "/api/v1/queue",
            "401 sc ok ok sc ok sc ok sc sc sc sc sc",
        )
        .variant("finds the fixture's applications waiting")
        .probe(Probe::Json("/items", "id", ALL_APPS)),
        row("POST", "/api/v1/notices", CITY)
            .rec(Approved)
            .variant("of an approved application")
            .json(|w| json!({"application_ids": [w.num(Approved)], "starts_on": T2})),
        row("GET", "/api/v1/notices", PUBLIC).probe(Probe::Json("/items", "id", &[NoticeOld])),
        row("GET", "/api/v1/notices/{id}", PUBLIC)
            .args(&[NoticeRunning])
            .rec(Notice),
        row("GET", "/api/v1/notices/{id}/notice.pdf", PUBLIC)
            .args(&[NoticeOld])
            .rec(Awarded),
        row("POST", "/api/v1/notices/{id}/objections", PUBLIC)
            .args(&[NoticeRunning])
            .rec(Notice)
            .json(|w| {
                json!({"name": "王某", "contact": "13700000000", "text": "对公示有异议",
                       "application_id": w.num(Notice)})
            })
            .shared(),
        row("GET", "/api/v1/notices/{id}/objections", WHOLE_CITY)
            .args(&[NoticeRunning])
            .rec(Notice)
            .probe(Probe::Json("/items", "id", &[Objection])),
        row("POST", "/api/v1/objections/{id}/handling", CITY)
            .args(&[Objection])
            .rec(Notice)
            .json(|_| json!({"outcome": "dismissed", "reason": "经核实不属实"})),
        row("POST", "/api/v1/applications/{id}/award", TALENT)
            .args(&[NoticeEnded])
            .json(|_| json!({})),
        row("GET", "/api/v1/calendar", SIGNED_IN).query("year=2026"),
        row("GET", "/api/v1/calendar/notice-end", PUBLIC)
            .query("starts_on=2026-03-02&working_days=5"),
        row("PUT", "/api/v1/calendar/days/{date}", CITY)
            .args(&[Lit("2026-10-09")])
            .json(|_| json!({"name": "调休", "off": true})),
        row("DELETE", "/api/v1/calendar/days/{date}", CITY).args(&[Lit("2026-10-01")]),
        row("POST", "/api/v1/calendar/years", CITY).json(|_| json!({"year": 2027})),
        row(
            "POST",
            "/api/v1/seal",
            "401 403 ok ok 403 ok ok ok ok ok ok 403 403",
        )
        .file(None, "公章.png", png)
        .shared()
        .note("each uploads its own organisation's seal; societies, supervisors and the admin stamp nothing"),
        // -------------------------------------------------------------- stations
        row("GET", "/api/v1/stations", PUBLIC).probe(Probe::Json("/items", "id", &[Station])),
        row("GET", "/api/v1/stations.xlsx", PUBLIC).probe(Probe::Xlsx(&[Station])),
        row("GET", "/api/v1/stations/{id}", PUBLIC).args(&[Station]),
        row("GET", "/api/v1/stations/{id}", HIDDEN_STATION).args(&[StationRevoked]),
        row("GET", "/api/v1/stations/{id}/award-notice.pdf", PUBLIC).args(&[Station]),
        row("GET", "/api/v1/stations/{id}/award-notice.pdf", HIDDEN_STATION)
            .args(&[StationRevoked]),
        row("GET", "/api/v1/stations/import-template.xlsx", CITY_ADMIN),
        row("POST", "/api/v1/stations/import", CITY).file(None, "存量服务站.xlsx", import_sheet),
        row("POST", "/api/v1/stations/{id}/activities", RUNS)
            .args(&[Station])
            .json(|_| json!({"kind": "training", "date": "2026-02-10", "attendance": 60,
                             "title": "技术培训"}))
            .shared(),
        row("GET", "/api/v1/stations/{id}/activities", SEES).args(&[Station]),
        row("PUT", "/api/v1/activities/{id}", RUNS)
            .args(&[Activity])
            .rec(Station)
            .json(|w| {
                json!({"kind": "expert_service", "date": "2025-04-01", "days": 4,
                       "expert_id": w.num(Key::TeamExpert)})
            }),
        row(
            "POST",
            "/api/v1/stations/{id}/activities/{activity_id}/files",
            RUNS,
        )
        .args(&[Station, Activity])
        .file(None, "签到表.pdf", pdf)
        .shared(),
        row("GET", "/api/v1/stations/{id}/indicators", SEES)
            .args(&[Station])
            .query("year=1"),
        row("GET", "/api/v1/indicators", WHOLE_CITY),
        row("GET", "/api/v1/indicators.xlsx", WHOLE_CITY),
        row("POST", "/api/v1/stations/{id}/assessments", CITY)
            .args(&[StationNew])
            .json(|_| json!({"year": 1, "score": 95, "opinion": "优秀"})),
        row("GET", "/api/v1/stations/{id}/assessments", SEES).args(&[Station]),
        row("GET", "/api/v1/stations/{id}/assessments/{year}/sheet.pdf", SEES)
            .args(&[Station, Lit("1")]),
        row("GET", "/api/v1/assessments", STATION_LIST)
            .probe(Probe::Json("/items", "station_id", &[Station])),
        row("GET", "/api/v1/assessments.xlsx", STATION_LIST).probe(Probe::Xlsx(&[Station])),
        row("GET", "/api/v1/stations/{id}/ledger", SEES).args(&[Station]),
        row("GET", "/api/v1/stations/{id}/ledger.pdf", SEES).args(&[Station]),
        row("GET", "/api/v1/stations/{id}/ledger.xlsx", SEES).args(&[Station]),
        row(
            "POST",
            "/api/v1/stations/{id}/grants",
            "401 403 409 403 403 403 403 403 403 403 403 403 403",
        )
        .args(&[Station])
        .json(|_| json!({"amount_fen": 20000000, "document": "益人才办〔2026〕1号"}))
        .note("a provincial station: its grants follow the assessment, not a case-by-case decision (409, 第十六条)"),
        row(
            "POST",
            "/api/v1/stations/{id}/grants/{grant_id}/payment",
            CITY,
        )
        .args(&[StationPay, Grant])
        .json(|_| json!({"paid_on": T2})),
        row("POST", "/api/v1/stations/{id}/expenses", HOST)
            .args(&[Station])
            .json(|_| {
                json!({"category": "会议费", "amount_fen": 50000, "spent_on": "2026-02-20",
                       "note": "学术交流会"})
            }),
        row(
            "POST",
            "/api/v1/stations/{id}/expenses/{expense_id}/files",
            HOST,
        )
        .args(&[Station, Expense])
        .file(None, "发票.pdf", pdf),
        row("POST", "/api/v1/stations/{id}/recoveries", CITY)
            .args(&[Station])
            .json(|_| {
                json!({"amount_fen": 10000, "finding": "超范围列支", "document": "益科协〔2026〕2号"})
            }),
        row("GET", "/api/v1/funds", FUNDS).probe(Probe::Json("/rows", "station_id", &[Station])),
        row("GET", "/api/v1/funds.xlsx", FUNDS).probe(Probe::Xlsx(&[Station])),
        row("POST", "/api/v1/stations/{id}/reports", HOST)
            .args(&[Station])
            .json(|_| json!({"year": 1, "kind": "summary", "body": "第一年度工作总结"})),
        row("GET", "/api/v1/stations/{id}/reports", SEES).args(&[Station]),
        row(
            "POST",
            "/api/v1/stations/{id}/reports/{report_id}/files",
            HOST,
        )
        .args(&[Station, Report])
        .file(None, "计划.pdf", pdf),
        row("POST", "/api/v1/stations/{id}/requests", RUNS)
            .args(&[Station])
            .json(|_| json!({"kind": "reorganise", "reason": "单位重组", "new_name": "重组后的服务站"})),
        row("GET", "/api/v1/stations/{id}/requests", SEES).args(&[Station]),
        row(
            "POST",
            "/api/v1/stations/{id}/requests/{request_id}/files",
            RUNS,
        )
        .args(&[StationPay, Request])
        .file(None, "书面申请.pdf", pdf)
        .shared(),
        row("GET", "/api/v1/station-requests", WHOLE_CITY)
            .probe(Probe::Json("", "station_id", &[StationPay])),
        row("POST", "/api/v1/station-requests/{id}/decision", CITY)
            .args(&[Request])
            .rec(StationPay)
            .json(|_| json!({"decision": "approve", "reason": ""})),
        row(
            "POST",
            "/api/v1/stations/{id}/renewal",
            "401 404 403 403 403 403 404 403 404 409 404 403 404",
        )
        .args(&[Station])
        .note("the host unit asks only after a passing term end, not yet recorded (409, 第十三条)"),
        row("GET", "/api/v1/dashboard", WHOLE_CITY),
        // -------------------------------------------------------------- exports, jobs, audit
        row("GET", "/api/v1/audit.xlsx", AUDIT),
        row("POST", "/api/v1/exports", SIGNED_IN)
            .variant("list=applications")
            .json(|_| json!({"list": "applications"}))
            .shared(),
        row("POST", "/api/v1/exports", AUDIT)
            .variant("list=audit")
            .json(|_| json!({"list": "audit"}))
            .shared(),
        row(
            "GET",
            "/api/v1/exports",
            "401 sc ok sc sc sc sc sc sc sc sc sc sc",
        )
        .variant("finds city_cast's export")
        .probe(Probe::Json("/items", "id", &[Export])),
        row(
            "GET",
            "/api/v1/exports/{id}",
            "401 404 ok 404 404 404 404 404 404 404 404 404 404",
        )
        .args(&[Export])
        .note("an export is its requester's"),
        row(
            "GET",
            "/api/v1/exports/{id}/file",
            "401 404 ok 404 404 404 404 404 404 404 404 404 404",
        )
        .args(&[Export]),
        row("GET", "/api/v1/jobs", ADMIN).probe(Probe::Json("/items", "id", &[Job])),
        row("POST", "/api/v1/jobs/{id}/retry", ADMIN).args(&[Job]),
    ]
}

fn application_body(w: &World, name: &str) -> Value {
    json!({
        "round_id": w.num(Key::Round2),
        "unit_id": w.num(Key::Unit),
        "society_id": w.society_of[&Key::Draft],
        "station_name": name,
        "level": "provincial",
        "industry": "装备制造",
        "unit_overview": "公司成立于2008年，员工620人。",
        "industry_overview": "益阳装备制造产业规模约300亿元。",
        "society_overview": "学会会员1.2万人。",
        "work_plan": "围绕智能装备开展技术攻关、人才培养与成果转化。",
        "term_years": 2,
        "expert_ids": w.draft_experts,
        "staff": [{"name": "刘建国", "mobile": "13807370001"}],
    })
}

// ------------------------------------------------------------------------------------------
// The fixture world, built over the API
// ------------------------------------------------------------------------------------------

const T0: &str = "2025-03-10";
const T1: &str = "2025-03-18";
const T2: &str = "2026-03-02";

fn day(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn state(store: Store, files: &Path, today: &str) -> AppState {
    AppState::new(
        store,
        FileStore::local(files).unwrap(),
        Policy::default(),
        Clock::fixed(day(today)),
        Config::default(),
    )
}

/// A server on `store`, stopped (gracefully) by [`Server::stop`].
struct Server {
    base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
}

impl Server {
    async fn start(store: Store, files: &Path, today: &str) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let st = state(store, files, today);
        let handle = tokio::spawn(async move {
            stationhub_web::serve(listener, st, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Server {
            base,
            stop: Some(tx),
            handle: Some(handle),
        }
    }

    async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            let abort = h.abort_handle();
            if tokio::time::timeout(std::time::Duration::from_secs(10), h)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

/// The builder's view: one store, a server at the fixture's "today", one HTTP client.
struct Build {
    store: Store,
    files: PathBuf,
    server: Option<Server>,
    client: reqwest::Client,
}

impl Build {
    fn base(&self) -> &str {
        &self.server.as_ref().unwrap().base
    }

    /// Moves "today": a server with that clock takes over.
    async fn at(&mut self, today: &str) {
        if let Some(s) = self.server.take() {
            s.stop().await;
        }
        self.client = reqwest::Client::new();
        self.server = Some(Server::start(self.store.clone(), &self.files, today).await);
    }

    async fn send(&self, m: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Value {
        let mut req = self
            .client
            .request(m.clone(), format!("{}{path}", self.base()));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        assert!(
            status.is_success(),
            "fixture: {m} {path} answered {status}: {text}"
        );
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> Value {
        self.send(Method::POST, path, Some(token), Some(body)).await
    }

    async fn get(&self, path: &str, token: &str) -> Value {
        self.send(Method::GET, path, Some(token), None).await
    }

    async fn upload(&self, path: &str, token: &str, kind: Option<&str>, bytes: &[u8]) -> i64 {
        let mut form = reqwest::multipart::Form::new();
        if let Some(k) = kind {
            form = form.text("kind", k.to_string());
        }
        let name = if bytes.starts_with(b"\x89PNG") {
            "公章.png"
        } else {
            "材料.pdf"
        };
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name),
        );
        let res = self
            .client
            .post(format!("{}{path}", self.base()))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        assert!(
            status.is_success(),
            "fixture: upload {path}: {status} {text}"
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        v["id"].as_i64().or(v["file_id"].as_i64()).unwrap()
    }

    async fn token(&self, username: &str) -> String {
        let v = self
            .send(
                Method::POST,
                "/api/v1/session",
                None,
                Some(json!({"username": username, "password": PASSWORD})),
            )
            .await;
        v["token"].as_str().unwrap().to_string()
    }

    async fn user(
        &self,
        username: &str,
        role: Role,
        unit: Option<i64>,
        society: Option<i64>,
        county: Option<&str>,
    ) -> i64 {
        self.store
            .create_user(
                &Actor::system("access-matrix"),
                NewUser {
                    username: Username::parse(username).unwrap(),
                    display_name: format!("{username} 测试"),
                    role,
                    password: NewPassword::parse(PASSWORD, &Policy::default().security).unwrap(),
                    must_change_password: false,
                    unit_id: unit,
                    society_id: society,
                    county: county.map(str::to_string),
                    office_id: None,
                    email: None,
                },
            )
            .await
            .unwrap()
    }
}

/// Everything of the fixture, built over the API from T0 (the first round) to T2 (a year into
/// the stations' term, a second round open, a notice running).
async fn build_world(store: Store, files: PathBuf) -> World {
    let mut b = Build {
        store: store.clone(),
        files,
        server: None,
        client: reqwest::Client::new(),
    };
    b.at(T0).await;
    let sys = Actor::system("access-matrix");
    let mut ids: HashMap<Key, i64> = HashMap::new();
    let mut names: HashMap<Key, String> = HashMap::new();
    let mut society_of: HashMap<Key, i64> = HashMap::new();
    let mut society_token: HashMap<i64, String> = HashMap::new();
    let mut tokens: HashMap<&'static str, String> = HashMap::new();

    let unit_a = unit_body("矩阵甲单位科学技术协会", &credit(1), "资阳区");
    let unit_b = unit_body("矩阵乙单位科学技术协会", &credit(2), "赫山区");
    let ua = store
        .create_unit(
            &sys,
            serde_json::from_value::<UnitInput>(unit_a.clone())
                .unwrap()
                .parse()
                .unwrap(),
        )
        .await
        .unwrap();
    let ub = store
        .create_unit(
            &sys,
            serde_json::from_value::<UnitInput>(unit_b)
                .unwrap()
                .parse()
                .unwrap(),
        )
        .await
        .unwrap();
    ids.insert(Key::Unit, ua);

    // One society (with its user and five experts) for each record: one society, one station
    // (第七条（七）) — and "own society" is then always the record's own.
    let mut societies: BTreeMap<&'static str, (i64, Vec<i64>)> = BTreeMap::new();
    let society_names = [
        "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s10", "s11", "s12", "sb",
    ];
    for (i, n) in society_names.iter().enumerate() {
        let body = society_body(&format!("矩阵学会{n}"));
        let id = store
            .create_society(
                &sys,
                serde_json::from_value::<SocietyInput>(body)
                    .unwrap()
                    .parse()
                    .unwrap(),
            )
            .await
            .unwrap();
        let mut experts = Vec::new();
        for e in 0..if *n == "s0" { 6 } else { 5 } {
            experts.push(
                store
                    .add_expert(
                        &sys,
                        id,
                        ExpertInput {
                            name: format!("专家{n}-{e}"),
                            title: "教授".into(),
                            specialty: "机械工程".into(),
                            employer: "中南大学".into(),
                            mobile: format!("139{i:04}{e:04}"),
                        },
                    )
                    .await
                    .unwrap(),
            );
        }
        societies.insert(n, (id, experts));
    }
    let soc = |n: &str| societies[n].0;
    ids.insert(Key::Society, soc("s0"));
    ids.insert(Key::Expert, societies["s0"].1[5]);
    ids.insert(Key::TeamExpert, societies["s0"].1[0]);

    let r1 = store
        .create_round(
            &sys,
            RoundInput {
                name: "2025 年批次".into(),
                opens_on: "2025-03-01".into(),
                closes_on: "2025-04-30".into(),
                ..Default::default()
            }
            .parse(&Policy::default())
            .unwrap(),
        )
        .await
        .unwrap();
    let r2 = store
        .create_round(
            &sys,
            RoundInput {
                name: "2026 年批次".into(),
                opens_on: "2026-03-01".into(),
                closes_on: "2026-04-30".into(),
                ..Default::default()
            }
            .parse(&Policy::default())
            .unwrap(),
        )
        .await
        .unwrap();
    ids.insert(Key::Round2, r2);

    // The people.
    for (name, role, county) in [
        ("admin", Role::Admin, None),
        ("city", Role::CityCast, None),
        ("talent", Role::TalentOffice, None),
        ("super", Role::Supervisor, None),
        ("zy-cast", Role::CountyCast, Some("资阳区")),
        ("zy-talent", Role::CountyTalent, Some("资阳区")),
        ("hs-cast", Role::CountyCast, Some("赫山区")),
        ("hs-talent", Role::CountyTalent, Some("赫山区")),
    ] {
        b.user(name, role, None, None, county).await;
    }
    b.user("host-a", Role::HostUnit, Some(ua), None, None).await;
    let host_b = b.user("host-b", Role::HostUnit, Some(ub), None, None).await;
    ids.insert(Key::UserB, host_b);
    for n in society_names {
        b.user(&format!("soc-{n}"), Role::Society, None, Some(soc(n)), None)
            .await;
    }
    for name in [
        "admin",
        "city",
        "talent",
        "super",
        "zy-cast",
        "zy-talent",
        "hs-cast",
        "hs-talent",
        "host-a",
        "host-b",
    ] {
        tokens.insert(name, b.token(name).await);
    }
    tokens.insert("soc-b", b.token("soc-sb").await);
    for n in society_names {
        society_token.insert(soc(n), b.token(&format!("soc-{n}")).await);
    }
    let host = tokens["host-a"].clone();
    let city = tokens["city"].clone();
    let talent = tokens["talent"].clone();

    // The applications of the first round, each of unit A with its own society.
    let application = |round: i64, society: &str, name: &str| {
        json!({
            "round_id": round, "unit_id": ua, "society_id": soc(society),
            "station_name": name, "level": "provincial", "industry": "装备制造",
            "unit_overview": "公司成立于2008年，员工620人。",
            "industry_overview": "益阳装备制造产业规模约300亿元。",
            "society_overview": "学会会员1.2万人。",
            "work_plan": "围绕智能装备开展技术攻关、人才培养与成果转化。",
            "term_years": 2, "expert_ids": societies[society].1[..5],
            "staff": [{"name": "刘建国", "mobile": "13807370001"}],
        })
    };
    let records = [
        (Key::CountyReview, "s2", "county"),
        (Key::CountyTalentReview, "s3", "county"),
        (Key::CityReview, "s4", "direct"),
        (Key::Approval, "s5", "direct"),
        (Key::Approved, "s6", "direct"),
        (Key::Notice, "s7", "direct"),
        (Key::NoticeEnded, "s8", "direct"),
        (Key::Awarded, "s0", "direct"),
        (Key::StationPay, "s10", "direct"),
        (Key::StationNew, "s11", "direct"),
        (Key::StationRevoked, "s12", "direct"),
    ];
    let decide = |action: &'static str| {
        let mut body = json!({"action": action, "opinion": format!("{action}：同意")});
        if action == "propose" {
            body["site_inspection"] = json!({"date": T0, "inspectors": ["周文彬"],
                                             "findings": "场地、人员、制度到位"});
        }
        body
    };
    let mut apps: HashMap<Key, i64> = HashMap::new();
    for (key, s, route) in records {
        let name = format!("矩阵{}服务站", &s[1..]);
        let v = b
            .post("/api/v1/applications", &host, application(r1, s, &name))
            .await;
        let id = v["id"].as_i64().unwrap();
        for kind in [
            "agreement",
            "performance_targets",
            "unit_intro_rules",
            "org_staff_list",
        ] {
            b.upload(
                &format!("/api/v1/applications/{id}/files"),
                &host,
                Some(kind),
                PDF,
            )
            .await;
        }
        b.post(
            &format!("/api/v1/applications/{id}/confirmation-request"),
            &host,
            json!({}),
        )
        .await;
        b.post(
            &format!("/api/v1/applications/{id}/confirmation"),
            &society_token[&soc(s)],
            json!({"opinion": "同意合作"}),
        )
        .await;
        b.post(
            &format!("/api/v1/applications/{id}/submit"),
            &host,
            json!({"route": route}),
        )
        .await;
        let steps: &[(&str, &str)] = match key {
            Key::CountyReview => &[],
            Key::CountyTalentReview => &[("zy-cast", "recommend")],
            Key::CityReview => &[],
            Key::Approval => &[("city", "propose")],
            _ => &[("city", "propose"), ("talent", "approve")],
        };
        for (who, action) in steps {
            b.post(
                &format!("/api/v1/applications/{id}/decisions"),
                &tokens[who],
                decide(action),
            )
            .await;
        }
        apps.insert(key, id);
        names.insert(key, name);
        society_of.insert(key, soc(s));
        ids.insert(key, id);
    }
    ids.insert(Key::Awarded, apps[&Key::Awarded]);
    let first_notice: Vec<i64> = [
        Key::Awarded,
        Key::NoticeEnded,
        Key::StationPay,
        Key::StationNew,
        Key::StationRevoked,
    ]
    .iter()
    .map(|k| apps[k])
    .collect();
    let v = b
        .post(
            "/api/v1/notices",
            &city,
            json!({"application_ids": first_notice, "starts_on": T0}),
        )
        .await;
    ids.insert(Key::NoticeOld, v["id"].as_i64().unwrap());
    let v = b
        .get(
            &format!("/api/v1/applications/{}", apps[&Key::Awarded]),
            &host,
        )
        .await;
    ids.insert(Key::MaterialFile, v["files"][0]["id"].as_i64().unwrap());

    // The award, a week later.
    b.at(T1).await;
    for (app_key, station_key) in [
        (Key::Awarded, Key::Station),
        (Key::StationPay, Key::StationPay),
        (Key::StationNew, Key::StationNew),
        (Key::StationRevoked, Key::StationRevoked),
    ] {
        let v = b
            .post(
                &format!("/api/v1/applications/{}/award", apps[&app_key]),
                &talent,
                json!({}),
            )
            .await;
        ids.insert(station_key, v["station_id"].as_i64().unwrap());
        names.insert(station_key, names[&app_key].clone());
        society_of.insert(station_key, society_of[&app_key]);
    }
    for k in [
        Key::Station,
        Key::Activity,
        Key::Report,
        Key::Expense,
        Key::VoucherFile,
        Key::MaterialFile,
    ] {
        society_of.insert(k, soc("s0"));
    }
    for k in [Key::Grant, Key::Request] {
        society_of.insert(k, soc("s10"));
    }
    for k in [Key::NoticeRunning, Key::Objection] {
        society_of.insert(k, soc("s7"));
    }
    society_of.insert(Key::Draft, soc("s1"));
    society_of.insert(Key::PrivateDraft, soc("s1"));
    society_of.insert(Key::Society, soc("s0"));
    society_of.insert(Key::Expert, soc("s0"));

    // A year on: the stations run, year 1 is assessed, the second round is open.
    b.at(T2).await;
    let st = ids[&Key::Station];
    let v = b
        .post(
            &format!("/api/v1/stations/{st}/activities"),
            &host,
            json!({"kind": "expert_service", "date": "2025-04-01",
                   "expert_id": societies["s0"].1[0], "days": 3}),
        )
        .await;
    ids.insert(Key::Activity, v["id"].as_i64().unwrap());
    let v = b
        .post(
            &format!("/api/v1/stations/{st}/reports"),
            &host,
            json!({"year": 2, "kind": "plan", "body": "第二年度工作计划"}),
        )
        .await;
    ids.insert(Key::Report, v["id"].as_i64().unwrap());
    for s in [st, ids[&Key::StationPay]] {
        b.post(
            &format!("/api/v1/stations/{s}/assessments"),
            &city,
            json!({"year": 1, "score": 95, "opinion": "优秀"}),
        )
        .await;
    }
    let grant_of = |ledger: &Value| {
        ledger["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == "grant")
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let l = b.get(&format!("/api/v1/stations/{st}/ledger"), &city).await;
    b.post(
        &format!("/api/v1/stations/{st}/grants/{}/payment", grant_of(&l)),
        &city,
        json!({"paid_on": T2}),
    )
    .await;
    let l = b
        .get(
            &format!("/api/v1/stations/{}/ledger", ids[&Key::StationPay]),
            &city,
        )
        .await;
    ids.insert(Key::Grant, grant_of(&l));
    let v = b
        .post(
            &format!("/api/v1/stations/{st}/expenses"),
            &host,
            json!({"category": "专家差旅费", "amount_fen": 100000, "spent_on": "2026-02-01",
                   "note": "专家差旅"}),
        )
        .await;
    let x = v["id"].as_i64().unwrap();
    ids.insert(Key::Expense, x);
    let f = b
        .upload(
            &format!("/api/v1/stations/{st}/expenses/{x}/files"),
            &host,
            None,
            PDF,
        )
        .await;
    ids.insert(Key::VoucherFile, f);
    // A pending reorganisation of the second station, with its letter.
    let sp = ids[&Key::StationPay];
    let v = b
        .post(
            &format!("/api/v1/stations/{sp}/requests"),
            &host,
            json!({"kind": "reorganise", "reason": "单位重组", "new_name": "重组服务站"}),
        )
        .await;
    let q = v["id"].as_i64().unwrap();
    ids.insert(Key::Request, q);
    b.upload(
        &format!("/api/v1/stations/{sp}/requests/{q}/files"),
        &host,
        None,
        PDF,
    )
    .await;
    // The fourth station revoked (第十四条).
    let sr = ids[&Key::StationRevoked];
    let v = b
        .post(
            &format!("/api/v1/stations/{sr}/requests"),
            &host,
            json!({"kind": "revoke", "reason": "不再合作"}),
        )
        .await;
    let q = v["id"].as_i64().unwrap();
    b.upload(
        &format!("/api/v1/stations/{sr}/requests/{q}/files"),
        &host,
        None,
        PDF,
    )
    .await;
    b.post(
        &format!("/api/v1/station-requests/{q}/decision"),
        &city,
        json!({"decision": "approve"}),
    )
    .await;
    // The running notice and an objection to it.
    let v = b
        .post(
            "/api/v1/notices",
            &city,
            json!({"application_ids": [apps[&Key::Notice]], "starts_on": T2}),
        )
        .await;
    let n2 = v["id"].as_i64().unwrap();
    ids.insert(Key::NoticeRunning, n2);
    let v = b
        .send(
            Method::POST,
            &format!("/api/v1/notices/{n2}/objections"),
            None,
            Some(
                json!({"name": "李某", "contact": "13700000001", "text": "申报材料不实",
                        "application_id": apps[&Key::Notice]}),
            ),
        )
        .await;
    ids.insert(Key::Objection, v["id"].as_i64().unwrap());
    // The drafts of the second round.
    let d = b
        .post(
            "/api/v1/applications",
            &host,
            application(r2, "s1", "矩阵草稿服务站"),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    for kind in [
        "agreement",
        "performance_targets",
        "unit_intro_rules",
        "org_staff_list",
    ] {
        b.upload(
            &format!("/api/v1/applications/{d}/files"),
            &host,
            Some(kind),
            PDF,
        )
        .await;
    }
    b.post(
        &format!("/api/v1/applications/{d}/confirmation-request"),
        &host,
        json!({}),
    )
    .await;
    b.post(
        &format!("/api/v1/applications/{d}/confirmation"),
        &society_token[&soc("s1")],
        json!({"opinion": "同意合作"}),
    )
    .await;
    ids.insert(Key::Draft, d);
    names.insert(Key::Draft, "矩阵草稿服务站".into());
    let p = b
        .post(
            "/api/v1/applications",
            &host,
            application(r2, "s1", "矩阵未共享草稿服务站"),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    ids.insert(Key::PrivateDraft, p);
    // The host unit's seal; city CAST's export, done; a failed job.
    let f = b.upload("/api/v1/seal", &host, None, SEAL_PNG).await;
    ids.insert(Key::SealFile, f);
    let v = b
        .post("/api/v1/exports", &city, json!({"list": "applications"}))
        .await;
    let e = v["id"].as_i64().unwrap();
    ids.insert(Key::Export, e);
    stationhub_web::jobs::tick(&state(store.clone(), &b.files, T2), "fixture")
        .await
        .unwrap();
    let v = b.get(&format!("/api/v1/exports/{e}"), &city).await;
    assert_eq!(v["state"], "done", "{v}");
    let jobs = job::Entity::find().all(store.db()).await.unwrap();
    let j = jobs
        .iter()
        .find(|j| j.payload.contains(&format!("\"export_id\":{e}")))
        .unwrap_or_else(|| panic!("no job of export {e}: {jobs:?}"))
        .id;
    job::Entity::update_many()
        .col_expr(
            job::Column::State,
            sea_orm::sea_query::Expr::value("failed"),
        )
        .col_expr(
            job::Column::LastError,
            sea_orm::sea_query::Expr::value("fixture: failed"),
        )
        .filter(job::Column::Id.eq(j))
        .exec(store.db())
        .await
        .unwrap();
    ids.insert(Key::Job, j);

    if let Some(s) = b.server.take() {
        s.stop().await;
    }
    World {
        ids,
        names,
        society_of,
        society_token,
        tokens,
        unit_a,
        society_0: society_body("矩阵学会s0"),
        draft_experts: societies["s1"].1.clone(),
    }
}

// ------------------------------------------------------------------------------------------
// Copies of the world
// ------------------------------------------------------------------------------------------

/// The built world, kept as a template to copy.
enum Template {
    Sqlite(PathBuf),
    Postgres {
        admin_url: String,
        base: String,
        name: String,
    },
}

/// Copies of the template, made ahead by a background task (a PostgreSQL copy takes a while)
/// and dropped in the background.
struct Copies {
    ready: tokio::sync::mpsc::Receiver<(String, Option<String>)>,
    producer: tokio::task::JoinHandle<()>,
    drops: Vec<tokio::task::JoinHandle<()>>,
    files: PathBuf,
    admin_url: Option<String>,
}

/// One copy of the world with its server.
struct Live {
    base: String,
    store: Store,
    server: Server,
    pg_name: Option<String>,
}

/// Makes copy `n` of the template: its database URL (and PostgreSQL database name).
async fn copy_of(template: &Template, dir: &Path, n: usize) -> (String, Option<String>) {
    match template {
        Template::Sqlite(path) => {
            let to = dir.join(format!("copy-{n}.db"));
            std::fs::copy(path, &to).unwrap();
            (format!("sqlite://{}", to.display()), None)
        }
        Template::Postgres {
            admin_url,
            base,
            name,
        } => {
            let copy = format!("{name}_c{n}");
            let admin = Database::connect(admin_url.as_str()).await.unwrap();
            admin
                .execute_unprepared(&format!("CREATE DATABASE {copy} TEMPLATE {name}"))
                .await
                .unwrap_or_else(|e| panic!("CREATE DATABASE {copy}: {e}"));
            admin.close().await.unwrap();
            (format!("{base}/{copy}"), Some(copy))
        }
    }
}

async fn drop_database(admin_url: &str, name: &str) {
    let admin = Database::connect(admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
    admin.close().await.unwrap();
}

impl Copies {
    /// `count` copies of `template`, two made ahead of need.
    fn start(template: Template, dir: PathBuf, files: PathBuf, count: usize) -> Copies {
        let admin_url = match &template {
            Template::Postgres { admin_url, .. } => Some(admin_url.clone()),
            Template::Sqlite(_) => None,
        };
        let (tx, ready) = tokio::sync::mpsc::channel(2);
        let producer = tokio::spawn(async move {
            for n in 1..=count {
                let c = copy_of(&template, &dir, n).await;
                if tx.send(c).await.is_err() {
                    break;
                }
            }
            if let Template::Postgres {
                admin_url, name, ..
            } = &template
            {
                drop(tx);
                drop_database(admin_url, name).await;
            }
        });
        Copies {
            ready,
            producer,
            drops: Vec::new(),
            files,
            admin_url,
        }
    }

    async fn make(&mut self) -> Live {
        let (url, pg_name) = self
            .ready
            .recv()
            .await
            .expect("as many copies as the table needs");
        let store = Store::connect(&url).await.unwrap();
        let server = Server::start(store.clone(), &self.files, T2).await;
        Live {
            base: server.base.clone(),
            store,
            server,
            pg_name,
        }
    }

    async fn drop_copy(&mut self, live: Live) {
        live.server.stop().await;
        live.store.db().close_by_ref().await.unwrap();
        if let (Some(name), Some(admin)) = (live.pg_name, self.admin_url.clone()) {
            self.drops.push(tokio::spawn(async move {
                drop_database(&admin, &name).await;
            }));
        }
    }

    /// Waits for the background work: every copy made and dropped, and the template.
    async fn finish(mut self) {
        self.ready.close();
        while let Some((_, pg_name)) = self.ready.recv().await {
            if let (Some(name), Some(admin)) = (pg_name, &self.admin_url) {
                drop_database(admin, &name).await;
            }
        }
        self.producer.await.unwrap();
        for d in self.drops {
            d.await.unwrap();
        }
    }
}

/// How many copies of the world the table needs (see [`run_row`]).
fn copies_needed(rows: &[Row]) -> usize {
    1 + rows
        .iter()
        .map(|r| match r.iso {
            Iso::Read => 0,
            Iso::Shared => 1,
            Iso::PerCell => r.want.iter().filter(|w| !w.denied()).count().max(1),
        })
        .sum::<usize>()
}

// ------------------------------------------------------------------------------------------
// Asking
// ------------------------------------------------------------------------------------------

/// One HTTP client per caller, each from its own loopback address (as different people are):
/// per-address limits (sign-in, objections) count each caller apart.
fn clients() -> Vec<reqwest::Client> {
    CALLERS
        .iter()
        .enumerate()
        .map(|(i, _)| {
            reqwest::Client::builder()
                .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 10 + i as u8)))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap()
        })
        .collect()
}

struct Answer {
    status: u16,
    bytes: Vec<u8>,
}

async fn ask(client: &reqwest::Client, live: &Live, w: &World, r: &Row, c: Caller) -> Answer {
    let url = format!("{}{}", live.base, r.path(w));
    let mut req = client.request(r.method.clone(), url);
    if let Some(t) = w.token(c, r.rec) {
        req = req.bearer_auth(t);
    }
    req = match r.body {
        Body::None => req,
        Body::Json(f) => req.json(&f(w)),
        Body::File(kind, name, bytes) => {
            let mut form = reqwest::multipart::Form::new();
            if let Some(k) = kind {
                form = form.text("kind", k);
            }
            req.multipart(form.part(
                "file",
                reqwest::multipart::Part::bytes(bytes()).file_name(name),
            ))
        }
    };
    let res = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("{} {}: {e}", r.method, r.route));
    let status = res.status().as_u16();
    Answer {
        status,
        bytes: res.bytes().await.unwrap().to_vec(),
    }
}

/// Whether the answer holds one of the probe's records (`None`: nothing to look for).
fn found(p: Probe, w: &World, a: &Answer) -> Result<Option<bool>, String> {
    match p {
        Probe::None => Ok(None),
        Probe::Json(pointer, field, keys) => {
            let v: Value =
                serde_json::from_slice(&a.bytes).map_err(|e| format!("not JSON: {e}"))?;
            let items = v
                .pointer(pointer)
                .and_then(Value::as_array)
                .ok_or_else(|| format!("no array at {pointer:?}"))?;
            let wanted: BTreeSet<i64> = keys.iter().filter_map(|k| w.ids.get(k)).copied().collect();
            Ok(Some(items.iter().any(|i| {
                i[field].as_i64().is_some_and(|id| wanted.contains(&id))
            })))
        }
        Probe::Xlsx(keys) => {
            let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(a.bytes.clone()))
                .map_err(|e| format!("not an .xlsx: {e}"))?;
            let first = book.sheet_names()[0].clone();
            let range = book.worksheet_range(&first).map_err(|e| e.to_string())?;
            let wanted: Vec<&String> = keys.iter().filter_map(|k| w.names.get(k)).collect();
            Ok(Some(range.rows().flatten().any(|d| match d {
                Data::String(s) => wanted.contains(&s),
                _ => false,
            })))
        }
    }
}

/// Checks one answer against its cell; `Err` says what is wrong.
fn judge(r: &Row, w: &World, want: Want, a: &Answer) -> Result<(), String> {
    let ok = (200..300).contains(&a.status);
    let seen = if ok { found(r.probe, w, a)? } else { None };
    let fine = match want {
        Want::Ok => ok && seen != Some(false),
        Want::Scoped => ok && seen == Some(false),
        Want::Status(s) => a.status == s,
    };
    if fine {
        return Ok(());
    }
    let shown = match seen {
        Some(true) => format!("{} with the fixture's record", a.status),
        Some(false) => format!("{} without the fixture's record", a.status),
        None => a.status.to_string(),
    };
    let text = String::from_utf8_lossy(&a.bytes);
    let text: String = text.chars().take(300).collect();
    Err(format!(
        "expected {}, answered {shown}: {text}",
        want.symbol()
    ))
}

#[derive(Default)]
struct Tally {
    cells: usize,
    rechecks: usize,
    copies: usize,
    allowed_2xx: usize,
    allowed_rule: usize,
    failures: Vec<String>,
}

impl Tally {
    fn fail(&mut self, r: &Row, c: Caller, why: String) {
        self.failures
            .push(format!("{} [{}]: {why}", r.title(), c.column()));
    }
}

async fn run_row(
    r: &Row,
    w: &World,
    clients: &[reqwest::Client],
    copies: &mut Copies,
    read: &Live,
    t: &mut Tally,
) {
    let idx = |c: Caller| CALLERS.iter().position(|x| *x == c).unwrap();
    let denied: Vec<Caller> = CALLERS
        .iter()
        .copied()
        .filter(|c| r.want[idx(*c)].denied())
        .collect();
    // The allowed callers, those whose change is carried out first: the refusals are asked
    // again after it.
    let mut allowed: Vec<Caller> = CALLERS
        .iter()
        .copied()
        .filter(|c| !r.want[idx(*c)].denied())
        .collect();
    allowed.sort_by_key(|c| !matches!(r.want[idx(*c)], Want::Ok | Want::Scoped));
    let check = |t: &mut Tally, c: Caller, a: &Answer| {
        t.cells += 1;
        let want = r.want[idx(c)];
        if !want.denied() {
            if (200..300).contains(&a.status) {
                t.allowed_2xx += 1;
            } else {
                t.allowed_rule += 1;
            }
        }
        if let Err(why) = judge(r, w, want, a) {
            t.fail(r, c, why);
        }
    };
    if r.iso == Iso::Read {
        for c in CALLERS {
            let a = ask(&clients[idx(c)], read, w, r, c).await;
            check(t, c, &a);
        }
        return;
    }
    // A change: the refusals in an untouched copy, then the allowed change, then the refusals
    // again (a refusal does not depend on what state the record is in).
    let first = copies.make().await;
    t.copies += 1;
    for &c in &denied {
        let a = ask(&clients[idx(c)], &first, w, r, c).await;
        check(t, c, &a);
    }
    let shared = r.iso == Iso::Shared;
    let (now, later) = if shared {
        (allowed.as_slice(), &[][..])
    } else {
        allowed.split_at(allowed.len().min(1))
    };
    for &c in now {
        let a = ask(&clients[idx(c)], &first, w, r, c).await;
        check(t, c, &a);
    }
    for &c in &denied {
        let a = ask(&clients[idx(c)], &first, w, r, c).await;
        t.rechecks += 1;
        if !matches!(a.status, 401 | 403 | 404) {
            t.fail(
                r,
                c,
                format!(
                    "refused in the untouched world, but after the allowed change answered {}: {}",
                    a.status,
                    String::from_utf8_lossy(&a.bytes)
                        .chars()
                        .take(300)
                        .collect::<String>()
                ),
            );
        }
    }
    copies.drop_copy(first).await;
    for &c in later {
        let live = copies.make().await;
        t.copies += 1;
        let a = ask(&clients[idx(c)], &live, w, r, c).await;
        check(t, c, &a);
        copies.drop_copy(live).await;
    }
}

// ------------------------------------------------------------------------------------------
// Coverage: the router's source and the served OpenAPI document
// ------------------------------------------------------------------------------------------

fn normalise(path: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for ch in path.chars() {
        match ch {
            '{' => {
                depth += 1;
                out.push_str("{}");
            }
            '}' => depth -= 1,
            _ if depth > 0 => {}
            _ => out.push(ch),
        }
    }
    out
}

/// Every `.route("PATH", get(..).post(..))` of a source file, as (METHOD, PATH).
fn routes_in(src: &str, prefix: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = src;
    while let Some(at) = rest.find(".route(") {
        let after = &rest[at + ".route(".len()..];
        // The call's extent: up to its closing parenthesis.
        let mut depth = 1;
        let mut end = after.len();
        for (i, ch) in after.char_indices() {
            match ch {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let call = &after[..end];
        rest = &after[end..];
        let Some(q1) = call.find('"') else { continue };
        let Some(q2) = call[q1 + 1..].find('"') else {
            continue;
        };
        let path = &call[q1 + 1..q1 + 1 + q2];
        let args = &call[q1 + 2 + q2..];
        for m in ["get", "post", "put", "delete", "patch"] {
            let pat = format!("{m}(");
            let mut from = 0;
            while let Some(i) = args[from..].find(&pat) {
                let i = from + i;
                let before = args[..i].chars().last();
                if !before.is_some_and(|b| b.is_alphanumeric() || b == '_') {
                    out.push((m.to_uppercase(), format!("{prefix}{path}")));
                }
                from = i + pat.len();
            }
        }
    }
    out
}

fn router_routes() -> BTreeSet<(String, String)> {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/src");
    let mut out = BTreeSet::new();
    let lib = std::fs::read_to_string(web.join("lib.rs")).unwrap();
    out.extend(routes_in(&lib, ""));
    for entry in std::fs::read_dir(web.join("api")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "rs") {
            let src = std::fs::read_to_string(&p).unwrap();
            out.extend(routes_in(&src, "/api/v1"));
        }
    }
    out.into_iter().map(|(m, p)| (m, normalise(&p))).collect()
}

async fn openapi_routes(read: &Live) -> BTreeSet<(String, String)> {
    let doc: Value = reqwest::get(format!("{}/api/v1/openapi.json", read.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"]
        .as_object()
        .expect("paths in the OpenAPI document")
    {
        for m in ["get", "post", "put", "delete", "patch"] {
            if item.get(m).is_some() {
                out.insert((m.to_uppercase(), normalise(path)));
            }
        }
    }
    out
}

// ------------------------------------------------------------------------------------------
// The document
// ------------------------------------------------------------------------------------------

fn doc_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/access-matrix.md")
}

fn render(rows: &[Row], routes: usize) -> String {
    let mut s = String::new();
    s.push_str("# Access matrix of the JSON API\n\n");
    s.push_str(
        "Who may call each route of the JSON API (and the public probes beside it), as SPEC §1 \
         (people and roles) and §5.2 (visibility) say, and how everyone else is refused. \
         Generated from the table of `crates/stationhub/tests/it/access.rs`, which asks every \
         cell of it of the real server and fails when an answer, or this file, differs \
         (`STATIONHUB_BLESS=1 cargo test -p stationhub --test it -- access::` rewrites it). \
         It also fails when a route of the router's source or of `/api/v1/openapi.json` is \
         missing here.\n\n",
    );
    s.push_str(&format!(
        "{routes} routes, {} rows (a route is asked about records in different states where \
         that matters), {} callers: {} cells.\n\n",
        rows.len(),
        CALLERS.len(),
        rows.len() * CALLERS.len()
    ));
    s.push_str("## Symbols\n\n");
    s.push_str(
        "| symbol | meaning |\n|---|---|\n\
         | ✓ | allowed: the request passes the access checks and is carried out (2xx); a list holds the record the row names |\n\
         | ○ | allowed (2xx), but the record the row names is left out: it is outside the caller's scope |\n\
         | 409 | allowed to ask, but the record's state or a rule of the measures refuses it now (e.g. a review step that is not, or no longer, the caller's); see the row's note |\n\
         | 401 | not signed in |\n\
         | 403 | signed in, but the caller's role (or its organisation) may not do this |\n\
         | 404 | the record is outside what the caller may see: it is answered as not found, its existence not confirmed |\n\n",
    );
    s.push_str(
        "How a cell is checked: the request is sent with the caller's bearer token (none when \
         signed out) and a body that is valid for the route, about the record the row names. \
         ✓ passes only with a 2xx answer (and, for a list, the record in it), ○ only with a \
         2xx answer without it, every number only with exactly that status; a 5xx always \
         fails. Reads are asked of one copy of the fixture; a route that changes something \
         gets a fresh copy per allowed caller, so each allowed change is made on the untouched \
         fixture. A refusal never depends on the record's state: the refused callers are \
         asked first, in the untouched copy, and again after an allowed caller made the \
         change, and must then still be refused (401/403/404).\n\n",
    );
    s.push_str("## Callers\n\n| column | who |\n|---|---|\n");
    for c in CALLERS {
        s.push_str(&format!("| {} | {} |\n", c.column(), c.who()));
    }
    s.push_str(
        "\n\"Own\" is relative to the record a row names: every record of the fixture belongs to \
         one host unit in 资阳区 and has its own society (第七条（七）: one society, one station); \
         the \"other\" unit, society and county (赫山区) have no part in it. The fixture: two \
         counties, two host units, applications in every state (two drafts — one whose society \
         was asked to confirm — and one at each review step, approved, in a running notice, \
         after a notice), four stations (one with activities, plans, a paid grant, an expense \
         with its voucher and year 1 assessed; one with a due grant and a pending change \
         request; one not yet assessed; one revoked), an objection, city CAST's finished export \
         and a failed background job; \"today\" is 2026-03-02.\n\n",
    );
    s.push_str("## The matrix\n\n| route |");
    for c in CALLERS {
        s.push_str(&format!(" {} |", c.column()));
    }
    s.push_str(" note |\n|---|");
    for _ in CALLERS {
        s.push_str(":-:|");
    }
    s.push_str("---|\n");
    for r in rows {
        s.push_str(&format!("| {} |", r.title()));
        for w in r.want {
            s.push_str(&format!(" {} |", w.symbol()));
        }
        s.push_str(&format!(" {} |\n", r.note));
    }
    s
}

// ------------------------------------------------------------------------------------------
// The test
// ------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_caller_as_spec_section_1_says() {
    let rows = table();

    // The table covers the router and the OpenAPI document (checked again once served).
    let source = router_routes();
    let in_table: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| (r.method.to_string(), normalise(r.route)))
        .collect();
    let missing: Vec<_> = source.difference(&in_table).collect();
    assert!(
        missing.is_empty(),
        "routes of crates/web/src missing from the access matrix: {missing:?}"
    );
    let stale: Vec<_> = in_table.difference(&source).collect();
    assert!(
        stale.is_empty(),
        "the access matrix names routes the router does not have: {stale:?}"
    );

    // The document is the table.
    let doc = render(&rows, in_table.len());
    let bless = std::env::var("STATIONHUB_BLESS").is_ok_and(|v| v == "1");
    if bless {
        std::fs::write(doc_path(), &doc).unwrap();
    }

    // The world, once; then copies of it.
    let (db_url, dir) = fresh_database().await;
    let files = dir.path().join("files");
    let store = open(&db_url).await;
    let world = build_world(store.clone(), files.clone()).await;
    let template = match store.backend() {
        stationhub_storage::Backend::Sqlite => {
            let path = dir.path().join("template.db");
            store
                .db()
                .execute_unprepared(&format!("VACUUM INTO '{}'", path.display()))
                .await
                .unwrap();
            store.db().close_by_ref().await.unwrap();
            Template::Sqlite(path)
        }
        stationhub_storage::Backend::Postgres => {
            store.db().close_by_ref().await.unwrap();
            let admin_url = std::env::var(crate::helpers::PG_ENV).unwrap();
            let (base, name) = db_url.rsplit_once('/').unwrap();
            Template::Postgres {
                admin_url,
                base: base.to_string(),
                name: name.to_string(),
            }
        }
    };
    let mut copies = Copies::start(
        template,
        dir.path().to_path_buf(),
        files,
        copies_needed(&rows),
    );
    let read = copies.make().await;
    let served = openapi_routes(&read).await;
    let missing: Vec<_> = served.difference(&in_table).collect();
    assert!(
        missing.is_empty(),
        "routes of /api/v1/openapi.json missing from the access matrix: {missing:?}"
    );

    let clients = clients();
    let mut t = Tally::default();
    for r in &rows {
        run_row(r, &world, &clients, &mut copies, &read, &mut t).await;
    }
    copies.drop_copy(read).await;
    copies.finish().await;

    println!(
        "access matrix: {} routes ({} in the router's source, {} in the OpenAPI document), \
         {} rows, {} callers, {} cells checked ({} allowed answered 2xx, {} allowed answered \
         409), {} refusals re-checked after the allowed change, {} copies of the world",
        in_table.len(),
        source.len(),
        served.len(),
        rows.len(),
        CALLERS.len(),
        t.cells,
        t.allowed_2xx,
        t.allowed_rule,
        t.rechecks,
        t.copies
    );
    if !bless && std::fs::read_to_string(doc_path()).unwrap_or_default() != doc {
        t.failures.push(
            "docs/access-matrix.md differs from the test's table: run with STATIONHUB_BLESS=1"
                .into(),
        );
    }
    assert!(
        t.failures.is_empty(),
        "{} cells answered otherwise than the matrix says:\n{}",
        t.failures.len(),
        t.failures.join("\n")
    );
}
