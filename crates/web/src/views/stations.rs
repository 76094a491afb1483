//! Running a station on its page (第十条至第十九条): the live indicators, the activity log with
//! corrections, the assessments, the ledger with expenses, vouchers, payments and recoveries,
//! and city CAST's overview of every running station's indicators. The same storage use cases
//! as `api::stations`; every refusal is shown beside its field with what was typed kept.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use stationhub_domain::account::Role;
use stationhub_domain::clock::parse_date;
use stationhub_domain::error::FieldError;
use stationhub_domain::funds::{Fen, entry_kind_label, entry_status_label};
use stationhub_domain::station::{ActivityKind, Consequence, StationStatus};
use stationhub_domain::{DomainError, ErrorKind};
use stationhub_storage::StoreError;
use stationhub_storage::entity::{activity, station};
use stationhub_storage::stations::{NewActivity, is_host, runs_station};

use super::{PageUser, Shell, render};
use crate::AppState;
use crate::api::stations::{ActivityRequest, parse_activity, store_voucher};
use crate::error::{ApiError, PageError, status_of};
use crate::extract::PageQuery;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/stations/{id}/activities", post(log_activity))
        .route(
            "/activities/{id}/correct",
            get(correct_page).post(correct_submit),
        )
        .route("/stations/{id}/assessments", post(assess))
        .route("/stations/{id}/expenses", post(expense))
        .route(
            "/stations/{id}/expenses/{eid}/voucher",
            post(voucher).layer(DefaultBodyLimit::max(crate::api::UPLOAD_BODY_LIMIT)),
        )
        .route("/stations/{id}/grants/{gid}/payment", post(pay))
        .route("/stations/{id}/recoveries", post(recovery))
        .route("/stations/{id}/files/{fid}", get(voucher_file))
        .route("/indicators", get(indicators_page))
        .route("/stations/{id}/reports", post(file_report))
}

#[derive(serde::Deserialize)]
pub struct ReportForm {
    year: String,
    kind: String,
    #[serde(default)]
    body: String,
}

/// The host unit files an annual plan or summary (第十条).
async fn file_report(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<ReportForm>,
) -> Result<Response, PageError> {
    let year: u32 = f
        .year
        .trim()
        .parse()
        .map_err(|_| DomainError::invalid("year", "请选择年度"))?;
    let kind = stationhub_domain::station::ReportKind::parse(f.kind.trim())?;
    app.store
        .file_report(
            &u.user,
            id,
            year,
            kind,
            &f.body,
            app.clock.today(),
            &app.policy,
        )
        .await?;
    Ok(back(id, "report", "reports"))
}

/// The message after a change on the station page.
pub fn flash_text(f: &str) -> Option<&'static str> {
    Some(match f {
        "activity" => "活动已记录，指标已按活动记录更新。",
        "report" => "已提交，年度计划与总结已记录。",
        "corrected" => "活动记录已更正，原记录保留备查。",
        "assessed" => "考核结果已录入。",
        "paid" => "资助资金已登记为已支付。",
        "expense" => "支出已记录，请上传凭证。",
        "voucher" => "凭证已上传。",
        "recovery" => "追回资金已记录（第十九条）。",
        "file" => "文件已上传。",
        "request" => "申请已提交，请上传加盖公章的书面申请（第十四条）。",
        "letter" => "书面申请已上传，待市科协决定。",
        "decided" => "已作出决定，服务站状态已随之更新。",
        _ => return None,
    })
}

// ------------------------------------------------------------------ form errors

/// The refusals of one form: each beside its field (ids `{prefix}{field}`), or, when it
/// concerns no field, at the top of the form.
#[derive(Default)]
pub struct Errs {
    pub prefix: &'static str,
    pub fields: Vec<FieldError>,
    pub message: Option<String>,
}

impl Errs {
    pub(super) fn new(prefix: &'static str) -> Self {
        Errs {
            prefix,
            ..Default::default()
        }
    }

    /// A refusal of the form; a rule of the measures or a conflict is shown beside `rule_field`.
    pub(super) fn of(prefix: &'static str, e: &DomainError, rule_field: &str) -> Self {
        let mut fields = e.field_errors();
        let mut message = None;
        if fields.is_empty() {
            let field = match e {
                DomainError::Rule {
                    code: "expense_category",
                    ..
                } => "category",
                _ => rule_field,
            };
            if field.is_empty() {
                message = Some(e.to_string());
            } else {
                fields.push(FieldError {
                    field: field.into(),
                    message: e.to_string(),
                });
            }
        }
        Errs {
            prefix,
            fields,
            message,
        }
    }

    pub fn any(&self) -> bool {
        !self.fields.is_empty() || self.message.is_some()
    }

    pub fn has(&self, field: &str) -> bool {
        self.fields.iter().any(|f| f.field == field)
    }

    pub fn get(&self, field: &str) -> Option<String> {
        let all: Vec<&str> = self
            .fields
            .iter()
            .filter(|f| f.field == field)
            .map(|f| f.message.as_str())
            .collect();
        (!all.is_empty()).then(|| all.join("；"))
    }
}

/// Refusals that are not about the form (not allowed, not found) become an error page.
pub(super) fn form_error(e: StoreError) -> Result<DomainError, PageError> {
    match e {
        StoreError::Domain(d) => match d.kind() {
            ErrorKind::Forbidden | ErrorKind::NotFound | ErrorKind::Unauthenticated => {
                Err(d.into())
            }
            _ => Ok(d),
        },
        other => Err(other.into()),
    }
}

fn date(field: &str, s: &str) -> Result<chrono::NaiveDate, DomainError> {
    parse_date(s.trim()).map_err(|_| DomainError::invalid(field, "日期须为 YYYY-MM-DD 格式"))
}

fn number(field: &str, s: &str, what: &str) -> Result<Option<u32>, DomainError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse()
        .map(Some)
        .map_err(|_| DomainError::invalid(field, format!("{what}须为非负整数")))
}

// ------------------------------------------------------------------ forms as typed

#[derive(Deserialize, Default, Clone)]
pub struct ActivityForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub expert_id: String,
    #[serde(default)]
    pub days: String,
    #[serde(default)]
    pub attendance: String,
    #[serde(default)]
    pub percent: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
}

impl ActivityForm {
    fn parse(&self) -> Result<NewActivity, DomainError> {
        let kind = ActivityKind::parse(self.kind.trim())
            .map_err(|_| DomainError::invalid("kind", "请选择活动类型"))?;
        let expert_id = match self.expert_id.trim() {
            "" => None,
            s => Some(
                s.parse()
                    .map_err(|_| DomainError::invalid("expert_id", "请选择提供服务的专家"))?,
            ),
        };
        let (mut days, mut attendance, mut percent) = (None, None, None);
        match kind {
            ActivityKind::ExpertService => days = number("days", &self.days, "服务天数")?,
            ActivityKind::Training => {
                attendance = number("attendance", &self.attendance, "参训人次")?
            }
            ActivityKind::AgreementProgress => {
                percent = number("percent", &self.percent, "完成比例")?
            }
            _ => {}
        }
        parse_activity(ActivityRequest {
            kind: kind.as_str().into(),
            date: self.date.clone(),
            expert_id: expert_id.filter(|_| kind == ActivityKind::ExpertService),
            days,
            attendance,
            percent,
            title: Some(self.title.clone()),
            description: Some(self.description.clone()),
        })
    }

    fn of(a: &activity::Model) -> Self {
        let n = |v: i32| if v > 0 { v.to_string() } else { String::new() };
        ActivityForm {
            kind: a.kind.clone(),
            date: a.on_date.to_string(),
            expert_id: a.expert_id.map(|e| e.to_string()).unwrap_or_default(),
            days: n(a.days),
            attendance: n(a.attendance),
            percent: if a.kind == ActivityKind::AgreementProgress.as_str() {
                a.percent.to_string()
            } else {
                String::new()
            },
            title: a.title.clone(),
            description: a.description.clone(),
        }
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct AssessForm {
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub score: String,
    #[serde(default)]
    pub opinion: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct ExpenseForm {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub spent_on: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct PaymentForm {
    #[serde(default)]
    pub paid_on: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct RecoveryForm {
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub finding: String,
    #[serde(default)]
    pub document: String,
}

/// What the station page's forms hold: empty, or as typed with their refusals.
pub struct Forms {
    pub activity: ActivityForm,
    pub activity_errs: Errs,
    pub assess: AssessForm,
    pub assess_errs: Errs,
    pub expense: ExpenseForm,
    pub expense_errs: Errs,
    /// The grant whose payment form was refused, and what was typed.
    pub pay_grant: i64,
    pub pay: PaymentForm,
    pub pay_errs: Errs,
    pub recovery: RecoveryForm,
    pub recovery_errs: Errs,
    /// The expense whose voucher upload was refused.
    pub voucher_expense: i64,
    pub voucher_errs: Errs,
    /// The activity or report (`activity-3`, `report-5`) whose file upload was refused.
    pub file_target: String,
    pub file_errs: Errs,
    /// 第十四条: the change request as typed, and its refusal.
    pub request: super::lifecycle::RequestForm,
    pub request_errs: Errs,
    /// The request whose decision or letter upload was refused.
    pub decide_request: i64,
    pub decide_errs: Errs,
    pub letter_request: i64,
    pub letter_errs: Errs,
    /// 第十三条: why a renewal was refused.
    pub renewal_errs: Errs,
}

impl Default for Forms {
    fn default() -> Self {
        Forms {
            activity: ActivityForm::default(),
            activity_errs: Errs::new("activity-"),
            assess: AssessForm::default(),
            assess_errs: Errs::new("assess-"),
            expense: ExpenseForm::default(),
            expense_errs: Errs::new("expense-"),
            pay_grant: 0,
            pay: PaymentForm::default(),
            pay_errs: Errs::new("pay-"),
            recovery: RecoveryForm::default(),
            recovery_errs: Errs::new("recovery-"),
            voucher_expense: 0,
            voucher_errs: Errs::new("voucher-"),
            file_target: String::new(),
            file_errs: Errs::new("file-"),
            request: Default::default(),
            request_errs: Errs::new("request-"),
            decide_request: 0,
            decide_errs: Errs::new("decide-"),
            letter_request: 0,
            letter_errs: Errs::new("letter-"),
            renewal_errs: Errs::new("renewal-"),
        }
    }
}

// ------------------------------------------------------------------ the running station

pub struct IndicatorRow {
    pub code: String,
    pub label: String,
    pub article: &'static str,
    pub required: u32,
    pub actual: u32,
    pub met: bool,
}

pub struct ActivityRow {
    pub id: i64,
    pub file_id: Option<i64>,
    /// A training without its sign-in sheet yet.
    pub sheet_missing: bool,
    pub date: String,
    pub kind: &'static str,
    pub detail: String,
    pub title: String,
    pub description: String,
}

pub struct AssessmentRow {
    pub year: i32,
    pub score: i32,
    pub grade: String,
    pub opinion: String,
    pub consequence: &'static str,
    pub rectify_by: String,
    pub decided_on: String,
}

pub struct LedgerRow {
    pub id: i64,
    pub date: String,
    pub kind: &'static str,
    pub kind_code: String,
    pub amount: String,
    pub status: &'static str,
    pub category: String,
    pub note: String,
    pub document: String,
    pub paid_on: String,
    pub voucher_file_id: Option<i64>,
    pub voucher_missing: bool,
    pub due_grant: bool,
}

/// Everything the signed-in station page shows beyond the public summary.
pub struct Running {
    pub id: i64,
    pub year: u32,
    pub years: Vec<u32>,
    pub year_starts_on: String,
    pub year_ends_on: String,
    pub indicators: Vec<IndicatorRow>,
    pub all_met: bool,
    pub warning: Option<String>,
    pub activities: Vec<ActivityRow>,
    pub can_log: bool,
    pub kinds: Vec<(&'static str, &'static str)>,
    pub experts: Vec<(String, String)>,
    pub assessments: Vec<AssessmentRow>,
    pub can_assess: bool,
    pub ledger: Vec<LedgerRow>,
    pub balance: String,
    pub is_host: bool,
    pub is_city: bool,
    pub categories: Vec<String>,
    pub today: String,
    pub forms: Forms,
    /// 第十条: the annual plans and summaries, filed and due.
    pub reports: Vec<ReportRow>,
    /// 第十三条、第十四条: renewal and change requests.
    pub life: super::lifecycle::Lifecycle,
}

pub struct ReportRow {
    pub id: Option<i64>,
    pub file_id: Option<i64>,
    pub year: u32,
    pub label: String,
    pub filed: Option<(String, String)>,
    pub due: bool,
}

fn activity_detail(a: &activity::Model, experts: &[(String, String)]) -> String {
    match ActivityKind::parse(&a.kind) {
        Ok(ActivityKind::ExpertService) => {
            let name = a
                .expert_id
                .and_then(|id| experts.iter().find(|e| e.0 == id.to_string()))
                .map(|e| e.1.clone())
                .unwrap_or_else(|| "专家".into());
            format!("{name}，{} 天", a.days)
        }
        Ok(ActivityKind::Training) => format!("{} 人次", a.attendance),
        Ok(ActivityKind::AgreementProgress) => format!("完成 {}%", a.percent),
        _ => String::new(),
    }
}

/// The running part of the station page for a user who may see the station.
pub async fn running(
    app: &AppState,
    u: &PageUser,
    s: &station::Model,
    year: Option<u32>,
    forms: Forms,
) -> Result<Running, PageError> {
    let today = app.clock.today();
    let years = app.policy.application.term_years;
    let year = year.filter(|y| (1..=years).contains(y));
    let report = app
        .store
        .indicator_report(s, year, today, &app.policy)
        .await?;
    let experts: Vec<(String, String)> = app
        .store
        .station_experts(s.id)
        .await?
        .into_iter()
        .map(|e| {
            let label = if e.title.is_empty() {
                e.name
            } else {
                format!("{}（{}）", e.name, e.title)
            };
            (e.id.to_string(), label)
        })
        .collect();
    let mut acts = app.store.activities(s.id).await?;
    acts.reverse();
    let activities = acts
        .iter()
        .map(|a| ActivityRow {
            id: a.id,
            file_id: a.file_id,
            sheet_missing: a.file_id.is_none() && a.kind == ActivityKind::Training.as_str(),
            date: a.on_date.to_string(),
            kind: ActivityKind::parse(&a.kind)
                .map(|k| k.label())
                .unwrap_or("—"),
            detail: activity_detail(a, &experts),
            title: a.title.clone(),
            description: a.description.clone(),
        })
        .collect();
    let assessments = app
        .store
        .assessments(s.id)
        .await?
        .into_iter()
        .map(|a| AssessmentRow {
            year: a.year,
            score: a.score,
            grade: a.grade,
            opinion: a.opinion,
            consequence: Consequence::label_of(&a.consequence),
            rectify_by: a.rectify_by.map(|d| d.to_string()).unwrap_or_default(),
            decided_on: a.decided_on.to_string(),
        })
        .collect();
    let l = app.store.ledger(s.id).await?;
    let ledger = l
        .entries
        .into_iter()
        .rev()
        .map(|e| LedgerRow {
            due_grant: e.kind == "grant" && e.status == "due",
            id: e.id,
            date: e.date.to_string(),
            kind: entry_kind_label(&e.kind),
            amount: Fen(e.amount_fen).yuan(),
            status: entry_status_label(&e.status),
            kind_code: e.kind,
            category: e.category,
            note: e.note,
            document: e.document,
            paid_on: e.paid_on.map(|d| d.to_string()).unwrap_or_default(),
            voucher_file_id: e.voucher_file_id,
            voucher_missing: e.voucher_missing,
        })
        .collect();
    let running = StationStatus::parse(&s.status).is_ok_and(|x| x.is_public());
    Ok(Running {
        id: s.id,
        year: report.year,
        years: (1..=years).collect(),
        year_starts_on: report.year_starts_on.to_string(),
        year_ends_on: report.year_ends_on.to_string(),
        all_met: report.all_met,
        warning: report.warning,
        indicators: report
            .items
            .into_iter()
            .map(|i| IndicatorRow {
                code: i.code,
                label: i.label,
                article: i.article,
                required: i.required,
                actual: i.actual,
                met: i.met,
            })
            .collect(),
        activities,
        can_log: running && runs_station(&u.user, s),
        kinds: ActivityKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        experts,
        assessments,
        can_assess: u.user.role == Role::CityCast,
        ledger,
        balance: Fen(l.balance_fen).yuan(),
        is_host: is_host(&u.user, s),
        is_city: u.user.role == Role::CityCast,
        categories: app.policy.expenses.categories.clone(),
        today: today.to_string(),
        life: super::lifecycle::lifecycle(app, u, s).await?,
        forms,
        reports: app
            .store
            .reports(s, today, &app.policy)
            .await?
            .into_iter()
            .map(|r| ReportRow {
                id: r.filed.as_ref().map(|f| f.id),
                file_id: r.filed.as_ref().and_then(|f| f.file_id),
                year: r.year,
                label: r.label,
                due: r.due,
                filed: r.filed.map(|f| {
                    (
                        stationhub_domain::clock::format_local(f.submitted_at),
                        f.body,
                    )
                }),
            })
            .collect(),
    })
}

/// The station page again after a refused form: its status, what was typed and why.
pub(super) async fn refused(
    app: &AppState,
    u: &PageUser,
    id: i64,
    e: &DomainError,
    forms: Forms,
) -> Result<Response, PageError> {
    super::review::station_response(app, u, id, None, forms, None, status_of(e.kind())).await
}

pub(super) fn back(id: i64, flash: &str, anchor: &str) -> Response {
    Redirect::to(&format!("/stations/{id}?flash={flash}#{anchor}")).into_response()
}

// ------------------------------------------------------------------ activities

async fn log_activity(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<ActivityForm>,
) -> Result<Response, PageError> {
    let result = match form.parse() {
        Ok(a) => app
            .store
            .record_activity(&u.user, id, a, app.clock.today())
            .await
            .map(|_| ()),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => Ok(back(id, "activity", "activities")),
        Err(e) => {
            let e = form_error(e)?;
            let forms = Forms {
                activity_errs: Errs::of("activity-", &e, "date"),
                activity: form,
                ..Forms::default()
            };
            refused(&app, &u, id, &e, forms).await
        }
    }
}

#[derive(Template)]
#[template(path = "station_correct.html")]
struct CorrectPage {
    shell: Shell,
    station_id: i64,
    station_name: String,
    activity_id: i64,
    superseded: bool,
    kinds: Vec<(&'static str, &'static str)>,
    experts: Vec<(String, String)>,
    today: String,
    form: ActivityForm,
    errs: Errs,
}

async fn correct_view(
    app: &AppState,
    u: &PageUser,
    activity_id: i64,
    form: Option<ActivityForm>,
    errs: Errs,
) -> Result<CorrectPage, PageError> {
    let a = app.store.activity_model(activity_id).await?;
    let s = app.store.station_model(&u.user, a.station_id).await?;
    if !runs_station(&u.user, &s) {
        return Err(DomainError::Forbidden.into());
    }
    let experts = app
        .store
        .station_experts(s.id)
        .await?
        .into_iter()
        .map(|e| (e.id.to_string(), e.name))
        .collect();
    Ok(CorrectPage {
        shell: u.shell(),
        station_id: s.id,
        station_name: s.name,
        activity_id,
        superseded: a.superseded_by.is_some(),
        kinds: ActivityKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        experts,
        today: app.clock.today().to_string(),
        form: form.unwrap_or_else(|| ActivityForm::of(&a)),
        errs,
    })
}

async fn correct_page(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let page = correct_view(&app, &u, id, None, Errs::new("activity-")).await?;
    Ok(render(&page)?.into_response())
}

async fn correct_submit(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<ActivityForm>,
) -> Result<Response, PageError> {
    let result = match form.parse() {
        Ok(a) => {
            app.store
                .correct_activity(&u.user, id, a, app.clock.today())
                .await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(new_id) => {
            let a = app.store.activity_model(new_id).await?;
            Ok(back(a.station_id, "corrected", "activities"))
        }
        Err(e) => {
            let e = form_error(e)?;
            let errs = Errs::of("activity-", &e, "");
            let page = correct_view(&app, &u, id, Some(form), errs).await?;
            Ok((status_of(e.kind()), render(&page)?).into_response())
        }
    }
}

// ------------------------------------------------------------------ assessments

async fn assess(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<AssessForm>,
) -> Result<Response, PageError> {
    u.require(&[Role::CityCast])?;
    let result = async {
        let year: u32 = form
            .year
            .trim()
            .parse()
            .map_err(|_| DomainError::invalid("year", "请选择考核年度"))?;
        let score: u32 = form
            .score
            .trim()
            .parse()
            .map_err(|_| DomainError::invalid("score", "考核得分须为 0 至 100 的整数"))?;
        app.store
            .assess(
                &u.user,
                id,
                year,
                score,
                form.opinion.trim(),
                app.clock.today(),
                &app.policy,
            )
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(back(id, "assessed", "assessments")),
        Err(e) => {
            let e = form_error(e)?;
            let forms = Forms {
                assess_errs: Errs::of("assess-", &e, "year"),
                assess: form,
                ..Forms::default()
            };
            refused(&app, &u, id, &e, forms).await
        }
    }
}

// ------------------------------------------------------------------ funds

async fn expense(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<ExpenseForm>,
) -> Result<Response, PageError> {
    u.require(&[Role::HostUnit])?;
    let result = async {
        let amount = Fen::parse_yuan("amount", &form.amount)?;
        let spent_on = date("spent_on", &form.spent_on)?;
        app.store
            .record_expense(
                &u.user,
                id,
                form.category.trim(),
                amount,
                spent_on,
                &form.note,
                app.clock.today(),
                &app.policy,
            )
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(back(id, "expense", "ledger")),
        Err(e) => {
            let e = form_error(e)?;
            let forms = Forms {
                expense_errs: Errs::of("expense-", &e, "amount"),
                expense: form,
                ..Forms::default()
            };
            refused(&app, &u, id, &e, forms).await
        }
    }
}

async fn voucher(
    State(app): State<AppState>,
    u: PageUser,
    Path((id, eid)): Path<(i64, i64)>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    u.require(&[Role::HostUnit])?;
    match store_voucher(&app, &u.user, id, eid, multipart).await {
        Ok(_) => Ok(back(id, "voucher", "ledger")),
        Err(ApiError::Domain(d)) => {
            let e = form_error(d.into())?;
            let forms = Forms {
                voucher_expense: eid,
                voucher_errs: Errs::of("voucher-", &e, "file"),
                ..Forms::default()
            };
            refused(&app, &u, id, &e, forms).await
        }
        Err(ApiError::Request {
            status, message, ..
        }) => Err(PageError { status, message }),
        Err(ApiError::Internal(cause)) => Err(PageError::internal(cause)),
    }
}

async fn voucher_file(
    State(app): State<AppState>,
    u: PageUser,
    Path((id, fid)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let f = app.store.file_record(&u.user, fid).await?;
    if f.owner_kind != "station" || f.owner_id != id {
        return Err(DomainError::NotFound("文件".into()).into());
    }
    crate::api::applications::file_response(&app, &u.user, fid)
        .await
        .map_err(|e| match e {
            ApiError::Domain(d) => d.into(),
            ApiError::Request {
                status, message, ..
            } => PageError { status, message },
            ApiError::Internal(cause) => PageError::internal(cause),
        })
}

async fn pay(
    State(app): State<AppState>,
    u: PageUser,
    Path((id, gid)): Path<(i64, i64)>,
    Form(form): Form<PaymentForm>,
) -> Result<Response, PageError> {
    u.require(&[Role::CityCast])?;
    let result = async {
        let paid_on = date("paid_on", &form.paid_on)?;
        app.store
            .pay_grant(&u.user, id, gid, paid_on, app.clock.today())
            .await
    }
    .await;
    match result {
        Ok(()) => Ok(back(id, "paid", "ledger")),
        Err(e) => {
            let e = form_error(e)?;
            let forms = Forms {
                pay_grant: gid,
                pay_errs: Errs::of("pay-", &e, "paid_on"),
                pay: form,
                ..Forms::default()
            };
            refused(&app, &u, id, &e, forms).await
        }
    }
}

async fn recovery(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<RecoveryForm>,
) -> Result<Response, PageError> {
    u.require(&[Role::CityCast])?;
    let result = async {
        let amount = Fen::parse_yuan("amount", &form.amount)?;
        app.store
            .record_recovery(
                &u.user,
                id,
                amount,
                &form.finding,
                &form.document,
                app.clock.today(),
            )
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(back(id, "recovery", "ledger")),
        Err(e) => {
            let e = form_error(e)?;
            let forms = Forms {
                recovery_errs: Errs::of("recovery-", &e, "finding"),
                recovery: form,
                ..Forms::default()
            };
            refused(&app, &u, id, &e, forms).await
        }
    }
}

// ------------------------------------------------------------------ the overview

/// The short column heading of an indicator code (the full label is in the station page).
fn short_label(code: &str) -> String {
    match code {
        "agreement_progress" => "协议进度%".into(),
        "expert_days_year" => "全年专家天数".into(),
        "surveys" => "调研".into(),
        "research_outcomes" => "调研成果".into(),
        "trainings" => "培训".into(),
        "breakthroughs" => "攻关".into(),
        "problems_solved" => "破解难题".into(),
        "achievements_transferred" => "成果转化".into(),
        c => match c.strip_prefix("expert_days_q") {
            Some(k) => format!("第{k}季度专家天数"),
            None => c.into(),
        },
    }
}

pub struct OverviewCell {
    pub text: String,
    pub met: bool,
    pub present: bool,
}

pub struct OverviewRow {
    pub id: i64,
    pub name: String,
    pub status: &'static str,
    pub year: u32,
    pub unmet: usize,
    pub cells: Vec<OverviewCell>,
    pub warning: Option<String>,
}

#[derive(Template)]
#[template(path = "station_indicators.html")]
struct IndicatorsPage {
    shell: Shell,
    sort: &'static str,
    columns: Vec<(String, String, &'static str)>,
    rows: Vec<OverviewRow>,
    today: String,
}

#[derive(Deserialize, Default)]
pub struct SortQuery {
    sort: Option<String>,
}

async fn indicators_page(
    State(app): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<SortQuery>,
) -> Result<Response, PageError> {
    u.require(&[Role::CityCast, Role::TalentOffice, Role::Supervisor])?;
    let table = app
        .store
        .indicator_table(app.clock.today(), &app.policy)
        .await?;
    let mut columns: Vec<(String, String, &'static str)> = Vec::new();
    for (_, r) in &table {
        for i in &r.items {
            if !columns.iter().any(|c| c.0 == i.code) {
                columns.push((i.code.clone(), short_label(&i.code), i.article));
            }
        }
    }
    let mut rows: Vec<OverviewRow> = table
        .into_iter()
        .map(|(s, r)| OverviewRow {
            id: s.id,
            status: StationStatus::parse(&s.status)
                .map(|x| x.label())
                .unwrap_or("—"),
            name: s.name,
            year: r.year,
            unmet: r.items.iter().filter(|i| !i.met).count(),
            cells: columns
                .iter()
                .map(|c| match r.items.iter().find(|i| i.code == c.0) {
                    Some(i) => OverviewCell {
                        text: format!("{}/{}", i.actual, i.required),
                        met: i.met,
                        present: true,
                    },
                    None => OverviewCell {
                        text: "—".into(),
                        met: true,
                        present: false,
                    },
                })
                .collect(),
            warning: r.warning,
        })
        .collect();
    let sort = match q.sort.as_deref() {
        Some("unmet") => {
            rows.sort_by(|a, b| b.unmet.cmp(&a.unmet).then_with(|| a.name.cmp(&b.name)));
            "unmet"
        }
        _ => {
            rows.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
            "name"
        }
    };
    Ok(render(&IndicatorsPage {
        shell: u.shell(),
        sort,
        columns,
        rows,
        today: app.clock.today().to_string(),
    })?
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_is_shown_beside_its_field() {
        let e = DomainError::Rule {
            code: "beyond_balance",
            article: "第十七条",
            message: "支出超过经费余额".into(),
        };
        let errs = Errs::of("expense-", &e, "amount");
        assert!(errs.get("amount").unwrap().contains("第十七条"));
        let e = DomainError::Rule {
            code: "expense_category",
            article: "第十七条",
            message: "不在开支范围内".into(),
        };
        assert!(Errs::of("expense-", &e, "amount").has("category"));
        let e = DomainError::Conflict("已被更正".into());
        assert!(Errs::of("activity-", &e, "").message.is_some());
    }

    #[test]
    fn column_headings() {
        assert_eq!(short_label("expert_days_q3"), "第3季度专家天数");
        assert_eq!(short_label("surveys"), "调研");
    }
}
