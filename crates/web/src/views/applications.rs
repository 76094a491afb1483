//! Pages for the 申报书: the list, the form, the printable view, confirmation and submission.
//!
//! The pages call the same storage use cases as the JSON API (`api::applications`) and show
//! every refusal in Chinese beside the field it concerns. The edit form is saved before each
//! of its actions (检查, 请学会确认合作, 提交), so that nothing typed is lost; `static/app.js`
//! also keeps a copy in the browser and saves in the background (the page works without it).

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Json};
use serde::Deserialize;
use stationhub_domain::DomainError;
use stationhub_domain::account::Role;
use stationhub_domain::application::{
    Draft, DraftInput, Level, MaterialKind, Route, Staff, State as AppStateKind, UnitNature,
    parse_draft,
};
use stationhub_domain::clock::format_local;
use stationhub_domain::error::FieldError;
// The form's tick boxes: the one model the PDF and Word files print too.
use stationhub_documents::form::Tick;
use stationhub_storage::StoreError;
use stationhub_storage::applications::{ApplicationView, FileView, list_key};
use stationhub_storage::orgs::OrgFilter;

use super::{PageRejection, PageUser, Shell, render, url_encode};
use crate::AppState;
use crate::api::applications::{ListQuery, file_response, store_material};
use crate::error::{ApiError, PageError, status_of};
use crate::extract::PageQuery;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/app.js", get(script))
        .route("/applications", get(list_page).post(create))
        .route("/applications/new", get(new_page))
        .route("/applications/{id}", get(view_page))
        .route("/applications/{id}/edit", get(edit_page).post(save))
        .route("/applications/{id}/check", get(to_form).post(check))
        .route(
            "/applications/{id}/request-confirmation",
            get(to_form).post(request_confirmation),
        )
        .route("/applications/{id}/submit", get(to_form).post(submit))
        .route("/applications/{id}/confirm", get(to_view).post(confirm))
        .route(
            "/applications/{id}/files",
            get(to_form)
                .post(upload)
                .layer(DefaultBodyLimit::max(crate::api::UPLOAD_BODY_LIMIT)),
        )
        .route("/applications/{id}/files/{file_id}", get(download))
}

/// The addresses forms post to, opened directly (e.g. after signing in again, which returns to
/// the address that asked for it): the form they belong to.
async fn to_form(Path(id): Path<i64>) -> Redirect {
    Redirect::to(&format!("/applications/{id}/edit"))
}

async fn to_view(Path(id): Path<i64>) -> Redirect {
    Redirect::to(&format!("/applications/{id}"))
}

async fn script() -> Response {
    (
        [
            (CONTENT_TYPE, "application/javascript; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.js"),
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------

/// One choice of a select or a group of radio buttons.
pub struct Choice {
    value: String,
    label: String,
    checked: bool,
    note: String,
}

impl Choice {
    fn new(value: impl Into<String>, label: impl Into<String>, checked: bool) -> Choice {
        Choice {
            value: value.into(),
            label: label.into(),
            checked,
            note: String::new(),
        }
    }

    fn note(mut self, note: impl Into<String>) -> Choice {
        self.note = note.into();
        self
    }
}

/// The refusals of a form, each shown beside its field and listed at the top.
#[derive(Default)]
pub struct Errs(Vec<FieldError>);

impl Errs {
    fn new(errors: Vec<FieldError>) -> Errs {
        Errs(errors)
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The messages about one field.
    fn of(&self, field: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
            .collect()
    }

    fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }

    /// The messages about row `i` of a repeated group (`staff.0`, …).
    fn of_row(&self, prefix: &str, i: &usize) -> Vec<&str> {
        self.of(&format!("{prefix}.{i}"))
    }

    fn has_row(&self, prefix: &str, i: &usize) -> bool {
        self.has(&format!("{prefix}.{i}"))
    }

    /// Every refusal for the summary: where it is (an anchor), what the field is (empty when
    /// the message names it already), the message.
    fn summary(&self) -> Vec<(String, String, &str)> {
        self.0
            .iter()
            .map(|e| {
                let (anchor, label) = field_label(&e.field);
                let label = if e.message.contains(&label) {
                    String::new()
                } else {
                    label
                };
                (format!("f-{anchor}"), label, e.message.as_str())
            })
            .collect()
    }
}

/// The anchor and the Chinese name of a field of the form.
fn field_label(field: &str) -> (String, String) {
    if let Some(row) = field.strip_prefix("staff.") {
        let n = row.parse::<usize>().map(|n| n + 1).unwrap_or(0);
        return ("staff".into(), format!("工作人员（第 {n} 行）"));
    }
    if let Ok(kind) = MaterialKind::parse(field) {
        return (field.into(), kind.label().into());
    }
    let label = match field {
        "round_id" => "申报批次",
        "society_id" => "建站学会",
        "station_name" => "学会服务站名称",
        "level" => "申报级别",
        "industry" => "重点产业领域",
        "industry_other" => "重点产业领域（其他）",
        "unit_overview" => "申报单位基本情况",
        "industry_overview" => "服务产业基本情况",
        "society_overview" => "建站学会基本情况",
        "work_plan" => "建站目的工作计划",
        "term_years" => "合作期限",
        "term_reason" => "合作期限说明",
        "expert_ids" => "专家团队",
        "staff" => "工作人员",
        "route" => "申报途径",
        "registered_in_yiyang" => "单位注册地",
        "independent_legal_person" => "独立法人资格",
        "unit_id" => "申报单位",
        "opinion" => "意见",
        "file" | "kind" => "上传文件",
        "version" => "版本",
        other => other,
    };
    let anchor = match field {
        "registered_in_yiyang" | "independent_legal_person" | "unit_id" => "unit",
        "term_years" | "term_reason" => "term",
        other => other,
    };
    (anchor.into(), label.into())
}

/// A notice at the top of a page.
pub struct Notice {
    class: &'static str,
    text: String,
}

impl Notice {
    fn ok(text: impl Into<String>) -> Notice {
        Notice {
            class: "ok",
            text: text.into(),
        }
    }
    fn info(text: impl Into<String>) -> Notice {
        Notice {
            class: "info",
            text: text.into(),
        }
    }
    fn error(text: impl Into<String>) -> Notice {
        Notice {
            class: "error",
            text: text.into(),
        }
    }
}

fn date_of(t: chrono::DateTime<chrono::Utc>) -> String {
    format_local(t).chars().take(10).collect()
}

/// `2026年3月10日`, as the form writes dates.
fn chinese_date(t: chrono::DateTime<chrono::Utc>) -> String {
    let d = date_of(t);
    let mut parts = d.split('-').map(|p| p.trim_start_matches('0').to_string());
    match (parts.next(), parts.next(), parts.next()) {
        (Some(y), Some(m), Some(dd)) => format!("{y}年{m}月{dd}日"),
        _ => d,
    }
}

fn human_size(size: i64) -> String {
    let s = size.max(0) as f64;
    if s < 1024.0 {
        format!("{size} 字节")
    } else if s < 1024.0 * 1024.0 {
        format!("{:.1} KB", s / 1024.0)
    } else {
        format!("{:.1} MB", s / 1024.0 / 1024.0)
    }
}

fn article_of(kind: MaterialKind) -> &'static str {
    match kind {
        MaterialKind::Agreement => "第九条（二）",
        MaterialKind::PerformanceTargets => "第九条（三）",
        MaterialKind::UnitIntroRules => "第九条（四）",
        MaterialKind::OrgStaffList => "第九条（五）",
    }
}

fn role_label(role: &str) -> String {
    Role::parse(role)
        .map(|r| r.label().to_string())
        .unwrap_or_else(|_| role.to_string())
}

fn state_label(state: &str) -> String {
    AppStateKind::parse(state)
        .map(|s| s.label().to_string())
        .unwrap_or_else(|_| state.to_string())
}

fn action_label(action: &str) -> &str {
    match action {
        "create" => "创建草稿",
        "confirmation_requested" => "请学会确认合作",
        "confirm" => "学会确认合作",
        "confirmation_voided" => "学会确认作废",
        "submit" => "提交申报",
        "resubmit" => "修改后重新提交",
        "recommend" => "县市区科协初审推荐",
        "agree" => "县市区委人才办同意推荐",
        "propose" => "市科协提出支持意见",
        "approve" => "市委人才办审定批准",
        "return" => "退回修改",
        "reject" => "不予通过",
        "notice" => "社会公示",
        "objection_upheld" => "公示异议成立",
        "objection_dismissed" => "公示异议不成立",
        "award" => "发文授牌",
        "import" => "存量服务站导入",
        other => other,
    }
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// An API error (from the shared upload and download code) as a page error.
fn page_error(e: ApiError) -> PageError {
    match e {
        ApiError::Domain(d) => d.into(),
        ApiError::Request {
            status, message, ..
        } => PageError { status, message },
        ApiError::Internal(cause) => PageError::internal(cause),
    }
}

fn host_only(u: &PageUser) -> Result<(), PageError> {
    u.require(&[Role::HostUnit])
}

// ---------------------------------------------------------------------------------------------
// The list
// ---------------------------------------------------------------------------------------------

#[derive(Default, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    county: String,
    #[serde(default)]
    round: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    page: String,
}

pub struct ListRow {
    id: i64,
    station_name: String,
    unit_name: String,
    society_name: String,
    county: String,
    level: &'static str,
    industry: String,
    state: &'static str,
    state_class: &'static str,
    submitted_on: String,
}

#[derive(Template)]
#[template(path = "app_list.html")]
struct ListPage {
    shell: Shell,
    error: Option<String>,
    can_create: bool,
    p: ListParams,
    states: Vec<Choice>,
    counties: Vec<Choice>,
    show_county: bool,
    rounds: Vec<Choice>,
    levels: Vec<Choice>,
    industries: Vec<Choice>,
    rows: Vec<ListRow>,
    total: u64,
    page: u64,
    pages: u64,
    query: String,
    filtered: bool,
}

fn state_class(s: AppStateKind) -> &'static str {
    match s {
        AppStateKind::Draft => "",
        AppStateKind::Returned => "warn",
        AppStateKind::Rejected => "err",
        AppStateKind::Awarded | AppStateKind::Approved | AppStateKind::Notice => "ok",
        _ => "info",
    }
}

async fn list_page(
    State(app): State<AppState>,
    u: PageUser,
    PageQuery(p): PageQuery<ListParams>,
) -> Result<Response, PageError> {
    let page_no = p.page.trim().parse::<u64>().unwrap_or(1).max(1);
    // A round that is not a number matches none (it must not widen the list to every round).
    let round = match p.round.trim() {
        "" => Ok(None),
        r => r
            .parse::<i64>()
            .map(Some)
            .map_err(|_| DomainError::invalid("round", "申报批次无效")),
    };
    let filter = round.and_then(|round| {
        ListQuery {
            state: Some(p.state.clone()),
            county: Some(p.county.clone()),
            round,
            level: Some(p.level.clone()),
            industry: Some(p.industry.clone()),
            q: Some(p.q.clone()),
        }
        .filter()
    });
    let (filter, error) = match filter {
        Ok(f) => (Some(f), None),
        Err(e) => (None, Some(format!("筛选条件无效：{e}"))),
    };
    let (rows, total, page, pages) = match filter {
        Some(f) => {
            let pg = app
                .store
                .memo(
                    u.current.seen,
                    list_key(&u.user, &f, page_no, 20),
                    app.store.list_applications(&u.user, &f, page_no, 20),
                )
                .await?;
            let pages = pg.pages();
            (pg.items, pg.total, pg.page, pages)
        }
        None => (Vec::new(), 0, 1, 1),
    };
    let rows = rows
        .into_iter()
        .map(|r| ListRow {
            id: r.id,
            station_name: if r.station_name.is_empty() {
                format!("（未填写名称的申报书 #{}）", r.id)
            } else {
                r.station_name
            },
            unit_name: r.unit_name,
            society_name: r.society_name,
            county: r.county,
            level: r.level.label(),
            industry: r.industry,
            state: r.state.label(),
            state_class: state_class(r.state),
            submitted_on: r.submitted_at.map(date_of).unwrap_or_default(),
        })
        .collect();
    let today = app.clock.today();
    let rounds = app
        .store
        .rounds()
        .await?
        .into_iter()
        .map(|r| {
            let open = r.opens_on <= today && today <= r.closes_on;
            Choice::new(
                r.id.to_string(),
                if open {
                    format!("{}（受理中）", r.name)
                } else {
                    r.name
                },
                p.round.trim() == r.id.to_string(),
            )
        })
        .collect();
    let query = format!(
        "q={}&state={}&county={}&round={}&level={}&industry={}",
        url_encode(&p.q),
        url_encode(&p.state),
        url_encode(&p.county),
        url_encode(&p.round),
        url_encode(&p.level),
        url_encode(&p.industry),
    );
    let filtered = [&p.q, &p.state, &p.county, &p.round, &p.level, &p.industry]
        .iter()
        .any(|s| !s.trim().is_empty());
    let page = ListPage {
        shell: u.shell(),
        error,
        can_create: u.user.role == Role::HostUnit,
        states: AppStateKind::ALL
            .iter()
            .map(|s| Choice::new(s.as_str(), s.label(), p.state == s.as_str()))
            .collect(),
        counties: app
            .store
            .counties()
            .await?
            .into_iter()
            .map(|c| {
                let checked = p.county == c.name;
                Choice::new(c.name.clone(), c.name, checked)
            })
            .collect(),
        show_county: !matches!(
            u.user.role,
            Role::HostUnit | Role::CountyCast | Role::CountyTalent
        ),
        rounds,
        levels: Level::ALL
            .iter()
            .map(|l| Choice::new(l.as_str(), l.label(), p.level == l.as_str()))
            .collect(),
        industries: app
            .policy
            .application
            .industries
            .iter()
            .map(|i| Choice::new(i.clone(), i.clone(), p.industry == *i))
            .collect(),
        rows,
        total,
        page,
        pages,
        query,
        filtered,
        p,
    };
    Ok(render(&page)?.into_response())
}

// ---------------------------------------------------------------------------------------------
// A new application: round, society, level and industry first
// ---------------------------------------------------------------------------------------------

#[derive(Default, Deserialize)]
pub struct NewForm {
    #[serde(default)]
    round_id: String,
    #[serde(default)]
    society_id: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    industry: String,
}

#[derive(Template)]
#[template(path = "app_new.html")]
struct NewPage {
    shell: Shell,
    has_unit: bool,
    any_open: bool,
    rounds: Vec<Choice>,
    societies: Vec<Choice>,
    levels: Vec<Choice>,
    industries: Vec<Choice>,
    errs: Errs,
}

/// The rounds, open ones first (then those still to come, then closed ones).
async fn round_choices(app: &AppState, selected: &str) -> Result<(Vec<Choice>, bool), PageError> {
    let today = app.clock.today();
    let mut rounds = app.store.rounds().await?;
    let rank = |r: &stationhub_storage::entity::round::Model| {
        if r.opens_on <= today && today <= r.closes_on {
            0
        } else if r.opens_on > today {
            1
        } else {
            2
        }
    };
    rounds.sort_by_key(|r| (rank(r), std::cmp::Reverse(r.opens_on)));
    let any_open = rounds.iter().any(|r| rank(r) == 0);
    let first_open = rounds.first().filter(|r| rank(r) == 0).map(|r| r.id);
    let choices = rounds
        .iter()
        .map(|r| {
            let status = match rank(r) {
                0 => "受理中",
                1 => "尚未开始受理",
                _ => "已截止",
            };
            let checked = if selected.is_empty() {
                Some(r.id) == first_open
            } else {
                selected == r.id.to_string()
            };
            Choice::new(
                r.id.to_string(),
                format!("{}（{status}，{} 至 {}）", r.name, r.opens_on, r.closes_on),
                checked,
            )
        })
        .collect();
    Ok((choices, any_open))
}

async fn society_choices(app: &AppState, selected: &str) -> Result<Vec<Choice>, PageError> {
    Ok(app
        .store
        .list_societies(&OrgFilter::default(), 1, 100)
        .await?
        .items
        .into_iter()
        .map(|s| {
            let level = Level::parse(&s.level).map(|l| l.label()).unwrap_or("");
            Choice::new(
                s.id.to_string(),
                format!("{}（{level}学会）", s.name),
                selected == s.id.to_string(),
            )
        })
        .collect())
}

fn level_choices(selected: &str) -> Vec<Choice> {
    Level::ALL
        .iter()
        .map(|l| {
            Choice::new(
                l.as_str(),
                format!("{}学会服务站", l.label()),
                selected == l.as_str(),
            )
        })
        .collect()
}

fn industry_choices(app: &AppState, selected: &str) -> Vec<Choice> {
    app.policy
        .application
        .industries
        .iter()
        .map(|i| Choice::new(i.clone(), i.clone(), selected == i))
        .collect()
}

async fn new_view(
    app: &AppState,
    u: &PageUser,
    form: &NewForm,
    errs: Errs,
) -> Result<NewPage, PageError> {
    let (rounds, any_open) = round_choices(app, &form.round_id).await?;
    Ok(NewPage {
        shell: u.shell(),
        has_unit: u.user.unit_id.is_some(),
        any_open,
        rounds,
        societies: society_choices(app, &form.society_id).await?,
        levels: level_choices(&form.level),
        industries: industry_choices(app, &form.industry),
        errs,
    })
}

async fn new_page(State(app): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    host_only(&u)?;
    let page = new_view(&app, &u, &NewForm::default(), Errs::default()).await?;
    Ok(render(&page)?.into_response())
}

fn id_field(errors: &mut Vec<FieldError>, field: &str, value: &str, missing: &str) -> i64 {
    match value.trim().parse::<i64>() {
        Ok(id) if id > 0 => id,
        _ => {
            errors.push(FieldError {
                field: field.into(),
                message: missing.into(),
            });
            0
        }
    }
}

async fn create(
    State(app): State<AppState>,
    u: PageUser,
    Form(form): Form<NewForm>,
) -> Result<Response, PageError> {
    host_only(&u)?;
    let mut errors = Vec::new();
    let round_id = id_field(&mut errors, "round_id", &form.round_id, "请选择申报批次");
    let society_id = id_field(
        &mut errors,
        "society_id",
        &form.society_id,
        "请选择建站学会",
    );
    let input = DraftInput {
        round_id,
        unit_id: u.user.unit_id.unwrap_or(0),
        society_id,
        level: form.level.clone(),
        industry: form.industry.clone(),
        ..Default::default()
    };
    let result = match parse_draft(input, &app.policy) {
        Ok(d) if errors.is_empty() => app.store.create_application(&u.user, d).await.map_err(Some),
        Ok(_) => Err(None),
        Err(e) => {
            errors.extend(e.field_errors());
            Err(None)
        }
    };
    match result {
        Ok(id) => {
            Ok(Redirect::to(&format!("/applications/{id}/edit?flash=created")).into_response())
        }
        Err(Some(StoreError::Domain(e))) if !e.field_errors().is_empty() => {
            errors.extend(e.field_errors());
            let page = new_view(&app, &u, &form, Errs::new(errors)).await?;
            Ok((status_of(e.kind()), render(&page)?).into_response())
        }
        Err(Some(e)) => Err(e.into()),
        Err(None) => {
            let page = new_view(&app, &u, &form, Errs::new(errors)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The edit form
// ---------------------------------------------------------------------------------------------

/// One row of the station staff, as typed.
#[derive(Clone, Default)]
pub struct StaffRow {
    name: String,
    mobile: String,
    duty: String,
}

impl StaffRow {
    fn is_blank(&self) -> bool {
        self.name.trim().is_empty() && self.mobile.trim().is_empty() && self.duty.trim().is_empty()
    }
}

/// The form as typed (every value a string, so that a wrong value is shown back as it was).
#[derive(Clone, Default)]
pub struct EditForm {
    round_id: String,
    society_id: String,
    station_name: String,
    level: String,
    industry: String,
    industry_other: String,
    unit_overview: String,
    industry_overview: String,
    society_overview: String,
    work_plan: String,
    term_years: String,
    term_reason: String,
    expert_ids: Vec<String>,
    staff: Vec<StaffRow>,
    route: String,
    version: String,
    /// The whole form came with the request (not just a button of the view page).
    full: bool,
}

/// Blank staff rows always offered below the filled ones.
const BLANK_STAFF_ROWS: usize = 3;

impl EditForm {
    fn from_view(v: &ApplicationView) -> EditForm {
        let mut f = EditForm {
            round_id: v.round_id.to_string(),
            society_id: v.society.id.to_string(),
            station_name: v.station_name.clone(),
            level: v.level.as_str().into(),
            industry: v.industry.clone(),
            industry_other: v.industry_other.clone(),
            unit_overview: v.unit_overview.clone(),
            industry_overview: v.industry_overview.clone(),
            society_overview: v.society_overview.clone(),
            work_plan: v.work_plan.clone(),
            term_years: v.term_years.to_string(),
            term_reason: v.term_reason.clone(),
            expert_ids: v.experts.iter().map(|e| e.id.to_string()).collect(),
            staff: v
                .staff
                .iter()
                .map(|s| StaffRow {
                    name: s.name.clone(),
                    mobile: s.mobile.clone(),
                    duty: s.duty.clone(),
                })
                .collect(),
            route: v.route.as_str().into(),
            version: v.version.to_string(),
            full: true,
        };
        f.pad_staff();
        f
    }

    fn from_pairs(pairs: Vec<(String, String)>) -> EditForm {
        let mut f = EditForm::default();
        let (mut names, mut mobiles, mut duties) = (Vec::new(), Vec::new(), Vec::new());
        for (k, v) in pairs {
            // Browsers send CRLF line endings; the form is shown back (and compared) with LF.
            let v = if v.contains('\r') {
                v.replace("\r\n", "\n").replace('\r', "\n")
            } else {
                v
            };
            match k.as_str() {
                "round_id" => f.round_id = v,
                "society_id" => f.society_id = v,
                "station_name" => f.station_name = v,
                "level" => f.level = v,
                "industry" => f.industry = v,
                "industry_other" => f.industry_other = v,
                "unit_overview" => f.unit_overview = v,
                "industry_overview" => f.industry_overview = v,
                "society_overview" => f.society_overview = v,
                "work_plan" => f.work_plan = v,
                "term_years" => f.term_years = v,
                "term_reason" => f.term_reason = v,
                "expert_ids" => f.expert_ids.push(v),
                "staff_name" => names.push(v),
                "staff_mobile" => mobiles.push(v),
                "staff_duty" => duties.push(v),
                "route" => f.route = v,
                "version" => f.version = v,
                "form" => f.full = v == "edit",
                _ => {}
            }
        }
        let rows = names.len().max(mobiles.len()).max(duties.len());
        let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
        f.staff = (0..rows)
            .map(|i| StaffRow {
                name: at(&names, i),
                mobile: at(&mobiles, i),
                duty: at(&duties, i),
            })
            .collect();
        f
    }

    /// Keeps `BLANK_STAFF_ROWS` blank rows at the end (typed rows keep their places, so that
    /// an error about row N is shown on row N).
    fn pad_staff(&mut self) {
        let trailing = self.staff.iter().rev().take_while(|r| r.is_blank()).count();
        for _ in trailing..BLANK_STAFF_ROWS {
            self.staff.push(StaffRow::default());
        }
    }

    fn to_input(&self, unit_id: i64, errors: &mut Vec<FieldError>) -> DraftInput {
        let round_id = id_field(errors, "round_id", &self.round_id, "请选择申报批次");
        let society_id = id_field(errors, "society_id", &self.society_id, "请选择建站学会");
        let term_years = match self.term_years.trim() {
            "" => None,
            // Not a number: 0 is refused by the draft rules with their message.
            t => Some(t.parse::<u32>().unwrap_or(0)),
        };
        DraftInput {
            round_id,
            unit_id,
            society_id,
            station_name: self.station_name.clone(),
            level: self.level.clone(),
            industry: self.industry.clone(),
            industry_other: self.industry_other.clone(),
            unit_overview: self.unit_overview.clone(),
            industry_overview: self.industry_overview.clone(),
            society_overview: self.society_overview.clone(),
            work_plan: self.work_plan.clone(),
            term_years,
            term_reason: self.term_reason.clone(),
            expert_ids: self
                .expert_ids
                .iter()
                .filter_map(|e| e.trim().parse().ok())
                .collect(),
            staff: self
                .staff
                .iter()
                .map(|s| Staff {
                    name: s.name.clone(),
                    mobile: s.mobile.clone(),
                    duty: s.duty.clone(),
                })
                .collect(),
            route: Some(self.route.clone()),
        }
    }
}

/// The stored content of an application, as a draft (to tell whether a save changes anything).
fn draft_of_view(v: &ApplicationView) -> Draft {
    Draft {
        round_id: v.round_id,
        unit_id: v.unit.id,
        society_id: v.society.id,
        station_name: v.station_name.clone(),
        level: v.level,
        industry: v.industry.clone(),
        industry_other: v.industry_other.clone(),
        unit_overview: v.unit_overview.clone(),
        industry_overview: v.industry_overview.clone(),
        society_overview: v.society_overview.clone(),
        work_plan: v.work_plan.clone(),
        term_years: v.term_years.max(0) as u32,
        term_reason: v.term_reason.clone(),
        expert_ids: v.experts.iter().map(|e| e.id).collect(),
        staff: v.staff.clone(),
        route: v.route,
    }
}

pub struct ExpertChoice {
    id: i64,
    name: String,
    title: String,
    specialty: String,
    employer: String,
    checked: bool,
    /// Why it no longer counts, if so (retired, or not of the chosen society).
    problem: String,
}

pub struct MaterialRow {
    kind: &'static str,
    label: &'static str,
    article: &'static str,
    file: Option<FileView>,
    size: String,
    uploaded_at: String,
}

pub struct UnitSummary {
    name: String,
    nature: String,
    county: String,
    credit_code: String,
    legal_rep: String,
    contact: String,
    registered_in_yiyang: bool,
    independent_legal_person: bool,
    has_funded_expert_workstation: bool,
    /// The levels this unit's nature may host (第五条).
    may_host: String,
}

#[derive(Template)]
#[template(path = "app_edit.html")]
struct EditPage {
    shell: Shell,
    id: i64,
    state_label: &'static str,
    returned: bool,
    version: i32,
    updated_ms: i64,
    /// The page shows what was just saved (the browser's copy of the form may be dropped).
    saved: bool,
    /// The form shows what was typed and refused (newer than the browser's copy).
    typed: bool,
    notices: Vec<Notice>,
    errs: Errs,
    /// Set after 检查: how many rules failed.
    checked: Option<usize>,
    f: EditForm,
    unit: UnitSummary,
    society_level: &'static str,
    rounds: Vec<Choice>,
    societies: Vec<Choice>,
    levels: Vec<Choice>,
    industries: Vec<Choice>,
    routes: Vec<Choice>,
    experts: Vec<ExpertChoice>,
    min_experts: u32,
    min_staff: u32,
    default_term: u32,
    materials: Vec<MaterialRow>,
    accept: &'static str,
    confirmation_requested: Option<String>,
    confirmed: Option<String>,
    confirmation_opinion: String,
    confirmed_by: String,
}

/// What the page shows besides the form: notices, refusals, whether it was just saved.
#[derive(Default)]
struct EditState {
    notices: Vec<Notice>,
    errors: Vec<FieldError>,
    checked: Option<usize>,
    saved: bool,
    typed: bool,
}

async fn edit_view(
    app: &AppState,
    u: &PageUser,
    v: &ApplicationView,
    mut f: EditForm,
    st: EditState,
) -> Result<EditPage, PageError> {
    f.pad_staff();
    let society_id: i64 = f.society_id.trim().parse().unwrap_or(0);
    let roster = if society_id > 0 {
        app.store.experts_of(society_id).await?
    } else {
        Vec::new()
    };
    let chosen: Vec<i64> = f
        .expert_ids
        .iter()
        .filter_map(|e| e.trim().parse().ok())
        .collect();
    let mut experts: Vec<ExpertChoice> = roster
        .iter()
        .filter(|e| e.active || chosen.contains(&e.id))
        .map(|e| ExpertChoice {
            id: e.id,
            name: e.name.clone(),
            title: e.title.clone(),
            specialty: e.specialty.clone(),
            employer: e.employer.clone(),
            checked: chosen.contains(&e.id),
            problem: if e.active {
                String::new()
            } else {
                "已不在该学会的专家库中（已停用），不计入专家团队".into()
            },
        })
        .collect();
    // Chosen experts of another society (the society was changed): shown so they can be
    // unticked, and not counted.
    for id in &chosen {
        if roster.iter().any(|e| e.id == *id) {
            continue;
        }
        let known = v.experts.iter().find(|e| e.id == *id);
        experts.push(ExpertChoice {
            id: *id,
            name: known
                .map(|e| e.name.clone())
                .unwrap_or_else(|| format!("专家 #{id}")),
            title: known.map(|e| e.title.clone()).unwrap_or_default(),
            specialty: known.map(|e| e.specialty.clone()).unwrap_or_default(),
            employer: known.map(|e| e.employer.clone()).unwrap_or_default(),
            checked: true,
            problem: "不是所选学会的专家，不计入专家团队".into(),
        });
    }
    let (rounds, _) = round_choices(app, &f.round_id).await?;
    let nature = UnitNature::parse(&v.unit.nature).ok();
    let may_host: Vec<&str> = Level::ALL
        .iter()
        .filter(|l| nature.is_some_and(|n| n.may_host(**l)))
        .map(|l| l.label())
        .collect();
    let may_go_direct = nature.is_some_and(|n| n.may_apply_directly());
    let confirmed_by = v
        .events
        .iter()
        .rev()
        .find(|e| e.action == "confirm")
        .map(|e| format!("{}（{}）", e.actor_name, e.organisation))
        .unwrap_or_default();
    let mut notices = st.notices;
    if v.state == AppStateKind::Returned
        && let Some(e) = v.events.iter().rev().find(|e| e.action == "return")
    {
        let back_to = v
            .returned_from
            .map(|s| format!("“{}”环节", s.label()))
            .unwrap_or_else(|| "退回它的环节".into());
        notices.insert(
            0,
            Notice::info(format!(
                "本申报书已被退回修改（{}，{}）。退回意见：{}。修改后点“提交申报书”，将回到{back_to}。",
                e.actor_name,
                chrono::DateTime::parse_from_rfc3339(&e.at)
                    .map(|t| format_local(t.to_utc()))
                    .unwrap_or_else(|_| e.at.clone()),
                if e.opinion.is_empty() {
                    "（未填写）"
                } else {
                    e.opinion.as_str()
                },
            )),
        );
    }
    let page = EditPage {
        shell: u.shell(),
        id: v.id,
        state_label: v.state.label(),
        returned: v.state == AppStateKind::Returned,
        version: v.version,
        updated_ms: v.updated_at.timestamp_millis(),
        saved: st.saved,
        typed: st.typed,
        notices,
        errs: Errs::new(st.errors),
        checked: st.checked,
        unit: UnitSummary {
            name: v.unit.name.clone(),
            nature: v.unit.nature.clone(),
            county: v.unit.county.clone(),
            credit_code: v.unit.credit_code.clone(),
            legal_rep: v.unit.legal_rep.clone(),
            contact: format!("{} {}", v.unit.contact_name, v.unit.contact_mobile),
            registered_in_yiyang: v.unit.registered_in_yiyang,
            independent_legal_person: v.unit.independent_legal_person,
            has_funded_expert_workstation: v.unit.has_funded_expert_workstation,
            may_host: if may_host.is_empty() {
                "（无）".into()
            } else {
                may_host.join("、")
            },
        },
        society_level: Level::parse(&v.society.level)
            .map(|l| l.label())
            .unwrap_or(""),
        rounds,
        societies: society_choices(app, &f.society_id).await?,
        levels: level_choices(&f.level),
        industries: industry_choices(app, &f.industry),
        routes: vec![
            Choice::new("county", "经所在地县市区科协初审推荐", f.route != "direct")
                .note("县市区科协初审 → 县市区委人才办出具意见 → 市科协审核"),
            Choice::new("direct", "直接向市科协申报", f.route == "direct").note(if may_go_direct {
                format!("本单位性质为{}，可以直接申报", v.unit.nature)
            } else {
                format!(
                    "本单位性质为{}，不能直接申报，须经所在地县市区科协初审推荐",
                    v.unit.nature
                )
            }),
        ],
        experts,
        min_experts: app.policy.application.min_experts,
        min_staff: app.policy.application.min_staff,
        default_term: app.policy.application.term_years,
        materials: MaterialKind::ALL
            .iter()
            .map(|k| {
                let file = v.material(*k).cloned();
                MaterialRow {
                    kind: k.as_str(),
                    label: k.label(),
                    article: article_of(*k),
                    size: file
                        .as_ref()
                        .map(|f| human_size(f.size))
                        .unwrap_or_default(),
                    uploaded_at: file
                        .as_ref()
                        .map(|f| format_local(f.uploaded_at))
                        .unwrap_or_default(),
                    file,
                }
            })
            .collect(),
        accept: ".pdf,.png,.jpg,.jpeg,.gif,.webp,.doc,.docx,.xls,.xlsx,.wps,.et",
        confirmation_requested: v.confirmation_requested_at.map(format_local),
        confirmed: v.confirmed_at.map(format_local),
        confirmation_opinion: v.confirmation_opinion.clone(),
        confirmed_by,
        f,
    };
    Ok(page)
}

#[derive(Default, Deserialize)]
pub struct FlashQuery {
    flash: Option<String>,
}

async fn edit_page(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    PageQuery(q): PageQuery<FlashQuery>,
) -> Result<Response, PageError> {
    host_only(&u)?;
    let v = app.store.application(&u.user, id).await?;
    if !v.state.editable() {
        return Ok(Redirect::to(&format!("/applications/{id}?flash=locked")).into_response());
    }
    let mut st = EditState::default();
    let flash = match q.flash.as_deref() {
        Some("created") => {
            Some("草稿已创建。请逐项填写申报书，随时可点“保存草稿”；本页也会每分钟自动保存。")
        }
        Some("saved") => Some("草稿已保存。"),
        Some("uploaded") => Some("文件已上传。"),
        Some("requested") => Some(
            "已请学会确认合作。学会确认前申报书不能提交（第七条）；学会登录后可在其首页看到此申报书。",
        ),
        _ => None,
    };
    if let Some(text) = flash {
        st.notices.push(Notice::ok(text));
        st.saved = true;
    }
    let page = edit_view(&app, &u, &v, EditForm::from_view(&v), st).await?;
    Ok(render(&page)?.into_response())
}

/// Why a save did not happen.
enum SaveRefusal {
    /// Fields are wrong; each with its message.
    Fields(Vec<FieldError>),
    /// The form was loaded before someone else saved.
    Stale,
    Page(PageError),
}

struct Saved {
    version: i32,
    notices: Vec<Notice>,
}

const STALE: &str =
    "此申报书已被他人修改（您打开本页之后，有人保存或处理过它），您这次填写的内容尚未保存。";

/// Saves the typed form (nothing happens when it changes nothing).
async fn save_form(
    app: &AppState,
    u: &PageUser,
    v: &ApplicationView,
    f: &mut EditForm,
) -> Result<Saved, SaveRefusal> {
    if f.version.trim() != v.version.to_string() {
        return Err(SaveRefusal::Stale);
    }
    let mut notices = Vec::new();
    // Experts are chosen from the chosen society's roster: a society changed since the page
    // was loaded leaves the earlier society's experts behind.
    if let Ok(society_id) = f.society_id.trim().parse::<i64>() {
        let roster = app
            .store
            .experts_of(society_id)
            .await
            .map_err(|e| SaveRefusal::Page(e.into()))?;
        let before = f.expert_ids.len();
        f.expert_ids.retain(|e| {
            e.trim()
                .parse::<i64>()
                .is_ok_and(|e| roster.iter().any(|r| r.id == e))
        });
        if f.expert_ids.len() < before && society_id != v.society.id {
            notices.push(Notice::info(
                "已更换建站学会：原学会的专家不能带入新学会的专家团队，请从下方新学会的专家库中重新选择。",
            ));
        }
    }
    let mut errors = Vec::new();
    let input = f.to_input(v.unit.id, &mut errors);
    let draft = match parse_draft(input, &app.policy) {
        Ok(d) => Some(d),
        Err(e) => {
            errors.extend(e.field_errors());
            None
        }
    };
    let draft = match draft {
        Some(d) if errors.is_empty() => d,
        _ => return Err(SaveRefusal::Fields(errors)),
    };
    if draft == draft_of_view(v) {
        return Ok(Saved {
            version: v.version,
            notices,
        });
    }
    let team_changed = draft.society_id != v.society.id || {
        let mut a = draft.expert_ids.clone();
        let mut b: Vec<i64> = v.experts.iter().map(|e| e.id).collect();
        a.sort_unstable();
        b.sort_unstable();
        a != b
    };
    match app
        .store
        .update_application(&u.user, v.id, draft, Some(v.version))
        .await
    {
        Ok(version) => {
            if team_changed && v.confirmed_at.is_some() {
                notices.push(Notice::info(
                    "建站学会或专家团队已更改，学会此前的合作确认已作废，须重新请学会确认（第七条）。",
                ));
            }
            f.version = version.to_string();
            Ok(Saved { version, notices })
        }
        Err(StoreError::Domain(DomainError::Conflict(_))) => Err(SaveRefusal::Stale),
        Err(StoreError::Domain(e)) if !e.field_errors().is_empty() => {
            Err(SaveRefusal::Fields(e.field_errors()))
        }
        Err(e) => Err(SaveRefusal::Page(e.into())),
    }
}

/// Loads the application for its host's form; a state that may not be changed is a refusal.
async fn editable(app: &AppState, u: &PageUser, id: i64) -> Result<ApplicationView, PageError> {
    host_only(u)?;
    let v = app.store.application(&u.user, id).await?;
    if !v.state.editable() {
        return Err(DomainError::Conflict(format!(
            "申报书当前状态为“{}”，只有草稿或退回修改的申报书可以修改或提交",
            v.state.label()
        ))
        .into());
    }
    Ok(v)
}

/// Re-renders the form with what was typed after a refused save.
async fn refused(
    app: &AppState,
    u: &PageUser,
    v: &ApplicationView,
    mut f: EditForm,
    refusal: SaveRefusal,
    what: &str,
) -> Result<Response, PageError> {
    let mut st = EditState {
        typed: true,
        ..Default::default()
    };
    let status = match refusal {
        SaveRefusal::Fields(errors) => {
            st.notices.push(Notice::error(format!(
                "{what}未完成：有 {} 处填写需要改正（见各项下方的红字）。您填写的内容仍在表单中，尚未保存。",
                errors.len()
            )));
            st.errors = errors;
            StatusCode::UNPROCESSABLE_ENTITY
        }
        SaveRefusal::Stale => {
            st.notices.push(Notice::error(format!(
                "{STALE}下方仍是您填写的内容。请核对后再次点“保存草稿”，将以您的内容覆盖他人的修改；\
                 如需先查看最新内容，请在新窗口打开本申报书。"
            )));
            st.errors.push(FieldError {
                field: "version".into(),
                message: "申报书已被他人修改".into(),
            });
            // The next save is a deliberate one, over the current version.
            f.version = v.version.to_string();
            StatusCode::CONFLICT
        }
        SaveRefusal::Page(e) => return Err(e),
    };
    let page = edit_view(app, u, v, f, st).await?;
    Ok((status, render(&page)?).into_response())
}

/// `POST /applications/{id}/edit`: 保存草稿. A background save from `app.js` (`Accept:
/// application/json`) is answered in JSON: `{version}`, an error, or 401 once the session ended.
async fn save(
    State(app): State<AppState>,
    user: Result<PageUser, PageRejection>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let json = wants_json(&headers);
    let u = match user {
        Ok(u) => u,
        Err(_) if json => return ApiError::Domain(DomainError::Unauthenticated).into_response(),
        Err(r) => return r.into_response(),
    };
    let mut f = EditForm::from_pairs(pairs);
    if json {
        return save_json(&app, &u, id, f).await;
    }
    let run = async {
        let v = editable(&app, &u, id).await?;
        match save_form(&app, &u, &v, &mut f).await {
            Ok(saved) if saved.notices.is_empty() => {
                Ok(Redirect::to(&format!("/applications/{id}/edit?flash=saved")).into_response())
            }
            Ok(saved) => {
                let v = app.store.application(&u.user, id).await?;
                let mut st = EditState {
                    saved: true,
                    ..Default::default()
                };
                st.notices.push(Notice::ok("草稿已保存。"));
                st.notices.extend(saved.notices);
                let page = edit_view(&app, &u, &v, EditForm::from_view(&v), st).await?;
                Ok(render(&page)?.into_response())
            }
            Err(r) => refused(&app, &u, &v, f, r, "保存").await,
        }
    };
    run.await.unwrap_or_else(|e: PageError| e.into_response())
}

async fn save_json(app: &AppState, u: &PageUser, id: i64, mut f: EditForm) -> Response {
    let v = match host_only(u).map_err(|_| DomainError::Forbidden) {
        Ok(()) => match app.store.application(&u.user, id).await {
            Ok(v) => v,
            Err(e) => return ApiError::from(e).into_response(),
        },
        Err(e) => return ApiError::from(e).into_response(),
    };
    if !v.state.editable() {
        return ApiError::from(DomainError::Conflict(format!(
            "申报书当前状态为“{}”，不能再修改",
            v.state.label()
        )))
        .into_response();
    }
    match save_form(app, u, &v, &mut f).await {
        Ok(saved) => Json(serde_json::json!({
            "version": saved.version,
            "notices": saved.notices.iter().map(|n| n.text.as_str()).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(SaveRefusal::Stale) => {
            ApiError::from(DomainError::Conflict(STALE.into())).into_response()
        }
        Err(SaveRefusal::Fields(errors)) => {
            ApiError::from(DomainError::Fields(errors)).into_response()
        }
        Err(SaveRefusal::Page(e)) => (
            e.status,
            Json(serde_json::json!({"error": {"code": "error", "message": e.message}})),
        )
            .into_response(),
    }
}

/// The buttons below the form post the whole form: it is saved first. From the view page only
/// the button comes (no form), and nothing is saved.
async fn save_if_sent(
    app: &AppState,
    u: &PageUser,
    v: &ApplicationView,
    f: &mut EditForm,
) -> Result<Vec<Notice>, SaveRefusal> {
    if !f.full {
        return Ok(Vec::new());
    }
    save_form(app, u, v, f).await.map(|s| s.notices)
}

/// `POST /applications/{id}/check`: saves, then runs every rule of submission and shows each
/// broken one beside its field, with its article.
async fn check(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let v = editable(&app, &u, id).await?;
    let mut f = EditForm::from_pairs(pairs);
    let mut notices = match save_if_sent(&app, &u, &v, &mut f).await {
        Ok(n) => n,
        Err(r) => return refused(&app, &u, &v, f, r, "检查").await,
    };
    let violations = app
        .store
        .check_application(&u.user, id, None, app.clock.today(), &app.policy)
        .await?;
    let v = app.store.application(&u.user, id).await?;
    let n = violations.len();
    let mut st = EditState {
        saved: true,
        checked: Some(n),
        ..Default::default()
    };
    if n == 0 {
        st.notices.push(Notice::ok(
            "检查通过：申报书符合办法规定的各项申报条件，可以提交。",
        ));
    } else {
        st.notices.push(Notice::error(format!(
            "检查发现 {n} 项不符合申报条件（已保存您的填写）。每一项都列在下面，并标在相应栏目旁，附所依据的条款。"
        )));
    }
    st.notices.append(&mut notices);
    st.errors = DomainError::Ineligible(violations).field_errors();
    let page = edit_view(&app, &u, &v, EditForm::from_view(&v), st).await?;
    Ok(render(&page)?.into_response())
}

/// `POST /applications/{id}/request-confirmation`: saves, then asks the society to confirm.
async fn request_confirmation(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let v = editable(&app, &u, id).await?;
    let mut f = EditForm::from_pairs(pairs);
    if let Err(r) = save_if_sent(&app, &u, &v, &mut f).await {
        return refused(&app, &u, &v, f, r, "请学会确认").await;
    }
    app.store.request_confirmation(&u.user, id).await?;
    Ok(Redirect::to(&format!("/applications/{id}/edit?flash=requested")).into_response())
}

/// `POST /applications/{id}/submit`: saves, then submits; a refusal shows every broken rule
/// beside its field.
async fn submit(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let v = editable(&app, &u, id).await?;
    let mut f = EditForm::from_pairs(pairs);
    let notices = match save_if_sent(&app, &u, &v, &mut f).await {
        Ok(n) => n,
        Err(r) => return refused(&app, &u, &v, f, r, "提交").await,
    };
    match app
        .store
        .submit_application(&u.user, id, None, app.clock.today(), &app.policy)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/applications/{id}?flash=submitted")).into_response()),
        Err(StoreError::Domain(e @ DomainError::Ineligible(_))) => {
            let v = app.store.application(&u.user, id).await?;
            let errors = e.field_errors();
            let mut st = EditState {
                saved: true,
                checked: Some(errors.len()),
                ..Default::default()
            };
            st.notices.push(Notice::error(format!(
                "未能提交：有 {} 项不符合申报条件（您的填写已保存）。请逐项改正后再提交；每一项都标在相应栏目旁，附所依据的条款。",
                errors.len()
            )));
            st.notices.extend(notices);
            st.errors = errors;
            let page = edit_view(&app, &u, &v, EditForm::from_view(&v), st).await?;
            Ok((StatusCode::CONFLICT, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

#[derive(Default, Deserialize)]
pub struct UploadQuery {
    #[serde(default)]
    kind: String,
}

/// `POST /applications/{id}/files?kind=…&csrf_token=…` (multipart `kind`, `file`).
async fn upload(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    PageQuery(q): PageQuery<UploadQuery>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let v = editable(&app, &u, id).await?;
    match store_material(&app, &u.user, id, multipart).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/applications/{id}/edit?flash=uploaded#materials"))
                .into_response(),
        ),
        Err(ApiError::Internal(cause)) => Err(PageError::internal(cause)),
        Err(e) => {
            let (status, message) = match e {
                ApiError::Domain(DomainError::Invalid { message, .. }) => {
                    (StatusCode::UNPROCESSABLE_ENTITY, message)
                }
                ApiError::Domain(d) => (status_of(d.kind()), d.to_string()),
                ApiError::Request {
                    status, message, ..
                } => (status, message),
                ApiError::Internal(_) => unreachable!("handled above"),
            };
            let kind = MaterialKind::parse(q.kind.trim())
                .map(|k| k.as_str())
                .unwrap_or("file");
            let mut st = EditState::default();
            st.errors.push(FieldError {
                field: kind.into(),
                message: format!("文件未能上传：{message}"),
            });
            let page = edit_view(&app, &u, &v, EditForm::from_view(&v), st).await?;
            Ok((status, render(&page)?).into_response())
        }
    }
}

/// `GET /applications/{id}/files/{file_id}`: the file, as an attachment.
async fn download(
    State(app): State<AppState>,
    u: PageUser,
    Path((id, file_id)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let f = app.store.file_record(&u.user, file_id).await?;
    if f.owner_kind != "application" || f.owner_id != id {
        return Err(DomainError::NotFound("文件".into()).into());
    }
    file_response(&app, &u.user, file_id)
        .await
        .map_err(page_error)
}

// ---------------------------------------------------------------------------------------------
// The printable 申报书, with the society's confirmation and the history
// ---------------------------------------------------------------------------------------------

pub struct EventRow {
    at: String,
    who: String,
    action: String,
    from: String,
    to: String,
    opinion: String,
}

pub struct MaterialLine {
    label: &'static str,
    article: &'static str,
    file: Option<FileView>,
    size: String,
}

#[derive(Template)]
#[template(path = "app_view.html")]
struct ViewPage {
    shell: Shell,
    v: ApplicationView,
    notices: Vec<Notice>,
    errs: Errs,
    opinion: String,
    submitted_on: String,
    natures: Vec<Tick>,
    industries: Vec<Tick>,
    levels: Vec<Tick>,
    state_label: &'static str,
    state_class: &'static str,
    route_label: &'static str,
    term_note: String,
    materials: Vec<MaterialLine>,
    confirmation_requested: Option<String>,
    confirmed: Option<String>,
    confirmed_by: String,
    events: Vec<EventRow>,
    can_edit: bool,
    can_confirm: bool,
    /// The signed-in reviewer owns the current step.
    can_review: bool,
    boxes: Vec<OpinionBox>,
}

/// One of the form's four opinion boxes, filled from the latest opinion of its step.
pub struct OpinionBox {
    id: &'static str,
    /// The box's heading, with the form's line breaks (static text, not user input).
    label: &'static str,
    opinion: Option<BoxOpinion>,
}

pub struct BoxOpinion {
    text: String,
    organisation: String,
    date: String,
    seal_file: Option<i64>,
}

/// The four boxes of the form: 申报单位 (from the submission), 县市区科协, 县市区委人才办 and
/// 市科协 (from their decisions), each with the organisation's seal when it has uploaded one.
async fn opinion_boxes(app: &AppState, v: &ApplicationView) -> Result<Vec<OpinionBox>, PageError> {
    let seal = |owner: String| async move {
        if owner.is_empty() {
            return Ok::<_, PageError>(None);
        }
        Ok(app.store.seal(&owner).await?.map(|f| f.id))
    };
    let unit_box = match v.submitted_at {
        Some(t) => Some(BoxOpinion {
            text: "同意申报。".into(),
            organisation: v.unit.name.clone(),
            date: date_zh(t.with_timezone(&chrono_tz::Asia::Shanghai).date_naive()),
            seal_file: seal(format!("unit:{}", v.unit.id)).await?,
        }),
        None => None,
    };
    let mut boxes = vec![OpinionBox {
        id: "unit",
        label: "申报单位<br>意　　见",
        opinion: unit_box,
    }];
    for (id, label, step) in [
        (
            "county",
            "县市区科协<br>意　　见",
            AppStateKind::CountyReview,
        ),
        (
            "county-talent",
            "县市区委<br>人才办<br>意　　见",
            AppStateKind::CountyTalentReview,
        ),
        ("city", "市科协<br>意　　见", AppStateKind::CityReview),
    ] {
        let latest = v.opinions.iter().rev().find(|o| o.step == step.as_str());
        let opinion = match latest {
            Some(o) => Some(BoxOpinion {
                text: o.text.clone(),
                organisation: o.organisation.clone(),
                date: date_zh(o.decided_on),
                seal_file: seal(o.seal_owner.clone()).await?,
            }),
            None => None,
        };
        boxes.push(OpinionBox { id, label, opinion });
    }
    Ok(boxes)
}

fn date_zh(d: chrono::NaiveDate) -> String {
    d.format("%Y年%-m月%-d日").to_string()
}

fn view_of(
    app: &AppState,
    u: &PageUser,
    v: ApplicationView,
    notices: Vec<Notice>,
    errs: Errs,
    opinion: String,
    boxes: Vec<OpinionBox>,
) -> ViewPage {
    // What is ticked is decided once, in the documents' form model.
    let natures = stationhub_documents::form::natures(&v.unit.nature);
    let industries = stationhub_documents::form::industries(
        &app.policy.application.industries,
        &v.industry,
        &v.industry_other,
    );
    let levels = stationhub_documents::form::levels(v.level);
    let is_host = u.user.role == Role::HostUnit && u.user.unit_id == Some(v.unit.id);
    let is_society = u.user.role == Role::Society && u.user.society_id == Some(v.society.id);
    let confirmed_by = v
        .events
        .iter()
        .rev()
        .find(|e| e.action == "confirm")
        .map(|e| format!("{}（{}）", e.actor_name, e.organisation))
        .unwrap_or_default();
    let default_term = app.policy.application.term_years;
    ViewPage {
        shell: u.shell(),
        notices,
        errs,
        opinion,
        submitted_on: v.submitted_at.map(chinese_date).unwrap_or_default(),
        natures,
        industries,
        levels,
        state_label: v.state.label(),
        state_class: state_class(v.state),
        route_label: match v.route {
            Route::County => "经所在地县市区科协初审推荐（第八条（一））",
            Route::Direct => "直接向市科协申报（第八条（一））",
        },
        term_note: if v.term_years as u32 == default_term {
            format!("{} 年", v.term_years)
        } else {
            format!("{} 年（特殊情况说明：{}）", v.term_years, v.term_reason)
        },
        materials: MaterialKind::ALL
            .iter()
            .map(|k| {
                let file = v.material(*k).cloned();
                MaterialLine {
                    label: k.label(),
                    article: article_of(*k),
                    size: file
                        .as_ref()
                        .map(|f| human_size(f.size))
                        .unwrap_or_default(),
                    file,
                }
            })
            .collect(),
        confirmation_requested: v.confirmation_requested_at.map(format_local),
        confirmed: v.confirmed_at.map(format_local),
        confirmed_by,
        events: v
            .events
            .iter()
            .map(|e| EventRow {
                at: chrono::DateTime::parse_from_rfc3339(&e.at)
                    .map(|t| format_local(t.to_utc()))
                    .unwrap_or_else(|_| e.at.clone()),
                who: format!(
                    "{}（{}{}）",
                    e.actor_name,
                    role_label(&e.actor_role),
                    if e.organisation.is_empty() {
                        String::new()
                    } else {
                        format!(" · {}", e.organisation)
                    }
                ),
                action: action_label(&e.action).to_string(),
                from: state_label(&e.from_state),
                to: state_label(&e.to_state),
                opinion: e.opinion.clone(),
            })
            .collect(),
        can_edit: is_host && v.state.editable(),
        can_confirm: is_society
            && v.state.editable()
            && v.confirmation_requested_at.is_some()
            && v.confirmed_at.is_none(),
        can_review: stationhub_domain::review::step_of(v.state)
            .is_some_and(|s| s.owner == u.user.role),
        boxes,
        v,
    }
}

async fn view_page(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    PageQuery(q): PageQuery<FlashQuery>,
) -> Result<Response, PageError> {
    let v = app.store.application(&u.user, id).await?;
    let mut notices = Vec::new();
    match q.flash.as_deref() {
        Some("submitted") => notices.push(Notice::ok(format!(
            "申报书已提交，当前环节：{}。",
            v.state.label()
        ))),
        Some("confirmed") => notices.push(Notice::ok("已确认合作。建站单位现在可以提交申报书。")),
        Some("locked") => notices.push(Notice::info(format!(
            "申报书当前状态为“{}”，不能再修改。",
            v.state.label()
        ))),
        _ => {}
    }
    let boxes = opinion_boxes(&app, &v).await?;
    let page = view_of(&app, &u, v, notices, Errs::default(), String::new(), boxes);
    Ok(render(&page)?.into_response())
}

#[derive(Default, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    opinion: String,
}

/// `POST /applications/{id}/confirm`: the society confirms the cooperation and the team.
async fn confirm(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, PageError> {
    u.require(&[Role::Society])?;
    match app
        .store
        .confirm_cooperation(&u.user, id, &form.opinion)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/applications/{id}?flash=confirmed")).into_response()),
        Err(StoreError::Domain(e)) if e.field().is_some() => {
            let v = app.store.application(&u.user, id).await?;
            let status = status_of(e.kind());
            let notices = vec![Notice::error(format!("未能确认：{e}"))];
            let boxes = opinion_boxes(&app, &v).await?;
            let page = view_of(
                &app,
                &u,
                v,
                notices,
                Errs::new(e.field_errors()),
                form.opinion,
                boxes,
            );
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
