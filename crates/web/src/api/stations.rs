//! A running station over the API: activities, live indicators, assessments and the ledger
//! (SPEC §5.1).

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use stationhub_domain::DomainError;
use stationhub_domain::account::Role;
use stationhub_domain::clock::parse_date;
use stationhub_domain::funds::Fen;
use stationhub_domain::station::ActivityKind;
use stationhub_storage::accounts::UserView;
use stationhub_storage::stations::{
    AssessmentOutcome, IndicatorReport, Ledger, NewActivity, indicators_key,
};
use utoipa::{IntoParams, ToSchema};

use super::accounts::Created;
use super::memo::{self, JsonBytes};
use super::registry::ListOf;
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, ApiUser};

fn date(field: &str, s: &str) -> Result<chrono::NaiveDate, DomainError> {
    parse_date(s.trim()).map_err(|_| DomainError::invalid(field, "日期须为 YYYY-MM-DD 格式"))
}

/// An activity of the log: `{kind, date, …}` (SPEC §5.1).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActivityRequest {
    /// expert_service, survey, research_outcome, training, breakthrough, problem_solved,
    /// achievement_transferred, agreement_progress
    pub kind: String,
    pub date: String,
    /// expert_service: the expert of the station's team.
    pub expert_id: Option<i64>,
    /// expert_service: days of service starting `date` (counted in its quarter).
    pub days: Option<u32>,
    /// training: attendances.
    pub attendance: Option<u32>,
    /// agreement_progress: percent of the agreement completed.
    pub percent: Option<u32>,
    /// A short title (survey topic, enterprise helped, achievement …).
    pub title: Option<String>,
    pub description: Option<String>,
}

pub fn parse_activity(r: ActivityRequest) -> Result<NewActivity, DomainError> {
    let kind = ActivityKind::parse(r.kind.trim())?;
    Ok(NewActivity {
        kind,
        date: date("date", &r.date)?,
        expert_id: r.expert_id,
        days: r.days.unwrap_or(0),
        attendance: r.attendance.unwrap_or(0),
        percent: r.percent.unwrap_or(0),
        title: r
            .title
            .unwrap_or_default()
            .trim()
            .chars()
            .take(200)
            .collect(),
        description: r
            .description
            .unwrap_or_default()
            .trim()
            .chars()
            .take(5000)
            .collect(),
    })
}

/// Log an activity (the station's host unit or society). Dated within the term and not after
/// today (else 422).
#[utoipa::path(post, path = "/api/v1/stations/{id}/activities", tag = "stations",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = ActivityRequest,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn record_activity(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<ActivityRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let a = parse_activity(req)?;
    let aid = app
        .store
        .record_activity(&user.0.user, id, a, app.clock.today())
        .await?;
    Ok((StatusCode::CREATED, ApiJson(Created { id: aid })))
}

/// Correct an activity: a new record replaces it; the old one is kept for the history.
#[utoipa::path(put, path = "/api/v1/activities/{id}", tag = "stations",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = ActivityRequest,
    responses((status = 200, body = Created), (status = 409, body = ErrorBody)))]
pub async fn correct_activity(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<ActivityRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let a = parse_activity(req)?;
    let new_id = app
        .store
        .correct_activity(&user.0.user, id, a, app.clock.today())
        .await?;
    Ok(ApiJson(Created { id: new_id }))
}

/// A station's current activity log.
#[utoipa::path(get, path = "/api/v1/stations/{id}/activities", tag = "stations",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn activities(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    app.store.station_model(&user.0.user, id).await?;
    let items = app.store.activities(id).await?;
    let n = items.len() as u64;
    Ok(ApiJson(ListOf {
        items,
        total: n,
        page: 1,
        per_page: n.max(1),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct YearQuery {
    /// Term year (1 = the first year from the award; default: the current one).
    pub year: Option<u32>,
}

/// The indicators of 第十二条（一）至（五） for a term year, live from the activity log:
/// `{year, items: [{code, required, actual, met}], all_met}`.
#[utoipa::path(get, path = "/api/v1/stations/{id}/indicators", tag = "stations",
    security(("bearer" = [])), params(("id" = i64, Path), YearQuery),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn indicators(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> Result<JsonBytes, ApiError> {
    let (me, seen, today) = (&user.0.user, user.0.seen, app.clock.today());
    memo::json(&app, seen, indicators_key(me, id, q.year, today), async {
        let s = app.store.station_model(me, id).await?;
        app.store
            .indicator_report(&s, q.year, today, &app.policy)
            .await
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AssessmentRequest {
    pub year: u32,
    /// The 100-point score; left out, it is the score sheet's sum.
    pub score: Option<u32>,
    pub opinion: String,
    /// Adjustments of the score sheet (items and weights from the policy; each item is scored
    /// automatically from the activity log): `[{code, score, reason}]`, a reason required when
    /// the score departs from the automatic one.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<stationhub_domain::station::Adjustment>,
}

/// Record the assessment of a station-year (city CAST): `{grade, station_status}`. Earlier than
/// 30 days before the year's end → 409 citing 第十二条.
#[utoipa::path(post, path = "/api/v1/stations/{id}/assessments", tag = "stations",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = AssessmentRequest,
    responses((status = 201, body = Object), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assess(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<AssessmentRequest>,
) -> Result<impl IntoResponse, ApiError> {
    user.require(&[Role::CityCast])?;
    let out: AssessmentOutcome = app
        .store
        .assess_with_sheet(
            &user.0.user,
            id,
            req.year,
            req.score,
            &req.items,
            req.opinion.trim(),
            app.clock.today(),
            &app.policy,
        )
        .await?;
    Ok((StatusCode::CREATED, ApiJson(out)))
}

/// A station's assessments.
#[utoipa::path(get, path = "/api/v1/stations/{id}/assessments", tag = "stations",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Object)))]
pub async fn assessments(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    app.store.station_model(&user.0.user, id).await?;
    let items = app.store.assessments(id).await?;
    let n = items.len() as u64;
    Ok(ApiJson(ListOf {
        items,
        total: n,
        page: 1,
        per_page: n.max(1),
    }))
}

/// The fund ledger: `{entries: [{kind, amount_fen, status, date, …}], balance_fen}`.
#[utoipa::path(get, path = "/api/v1/stations/{id}/ledger", tag = "funds",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn ledger(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<ApiJson<Ledger>, ApiError> {
    app.store.station_model(&user.0.user, id).await?;
    Ok(ApiJson(app.store.ledger(id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PaymentRequest {
    pub paid_on: String,
}

/// Record the payment of a due grant (city CAST).
#[utoipa::path(post, path = "/api/v1/stations/{id}/grants/{grant_id}/payment", tag = "funds",
    security(("bearer" = [])), params(("id" = i64, Path), ("grant_id" = i64, Path)),
    request_body = PaymentRequest,
    responses((status = 200), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn pay_grant(
    State(app): State<AppState>,
    user: ApiUser,
    Path((id, grant_id)): Path<(i64, i64)>,
    ApiJson(req): ApiJson<PaymentRequest>,
) -> Result<impl IntoResponse, ApiError> {
    user.require(&[Role::CityCast])?;
    app.store
        .pay_grant(
            &user.0.user,
            id,
            grant_id,
            date("paid_on", &req.paid_on)?,
            app.clock.today(),
        )
        .await?;
    Ok(ApiJson(serde_json::json!({"status": "paid"})))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NationalGrantRequest {
    pub amount_fen: i64,
    /// The decision document (一事一议).
    pub document: String,
}

/// Enter a national station's grant, decided case by case with its document (city CAST).
#[utoipa::path(post, path = "/api/v1/stations/{id}/grants", tag = "funds",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = NationalGrantRequest,
    responses((status = 201, body = Created), (status = 409, body = ErrorBody)))]
pub async fn national_grant(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<NationalGrantRequest>,
) -> Result<impl IntoResponse, ApiError> {
    user.require(&[Role::CityCast])?;
    let gid = app
        .store
        .enter_national_grant(
            &user.0.user,
            id,
            Fen::positive("amount_fen", req.amount_fen)?,
            &req.document,
            app.clock.today(),
            &app.policy,
        )
        .await?;
    Ok((StatusCode::CREATED, ApiJson(Created { id: gid })))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ExpenseRequest {
    /// One of the categories of 第十七条.
    pub category: String,
    pub amount_fen: i64,
    pub spent_on: String,
    #[serde(default)]
    pub note: String,
}

/// Record an expense (the host unit): listed categories only, never beyond the balance (else
/// 409 citing 第十七条). Its voucher goes to `…/expenses/{expense_id}/files`.
#[utoipa::path(post, path = "/api/v1/stations/{id}/expenses", tag = "funds",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = ExpenseRequest,
    responses((status = 201, body = Created), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn record_expense(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<ExpenseRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let eid = app
        .store
        .record_expense(
            &user.0.user,
            id,
            &req.category,
            Fen::positive("amount_fen", req.amount_fen)?,
            date("spent_on", &req.spent_on)?,
            &req.note,
            app.clock.today(),
            &app.policy,
        )
        .await?;
    Ok((StatusCode::CREATED, ApiJson(Created { id: eid })))
}

/// Upload an expense's voucher (multipart `file`; PDF or image).
#[utoipa::path(post, path = "/api/v1/stations/{id}/expenses/{expense_id}/files", tag = "funds",
    security(("bearer" = [])), params(("id" = i64, Path), ("expense_id" = i64, Path)),
    responses((status = 201, body = Created), (status = 413, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn upload_voucher(
    State(app): State<AppState>,
    user: ApiUser,
    Path((id, expense_id)): Path<(i64, i64)>,
    multipart: Multipart,
) -> Result<impl IntoResponse, ApiError> {
    let fid = store_voucher(&app, &user.0.user, id, expense_id, multipart).await?;
    Ok((StatusCode::CREATED, ApiJson(Created { id: fid })))
}

/// Reads the multipart `file`, checks it (size, PDF or image), stores it and attaches it to the
/// expense as its voucher; the file id. Used by the API and the station page.
pub async fn store_voucher(
    app: &AppState,
    user: &UserView,
    station_id: i64,
    expense_id: i64,
    multipart: Multipart,
) -> Result<i64, ApiError> {
    let (_, file) = crate::upload::receive(multipart)
        .await?
        .file("请选择凭证文件")?;
    file.store(app, "vouchers", |f| async move {
        app.store
            .attach_voucher(user, station_id, expense_id, &f.meta())
            .await
    })
    .await
}

/// Upload an activity's file (a training's sign-in sheet, a survey report …; multipart `file`).
#[utoipa::path(post, path = "/api/v1/stations/{id}/activities/{activity_id}/files", tag = "stations",
    security(("bearer" = [])), params(("id" = i64, Path), ("activity_id" = i64, Path)),
    responses((status = 201, body = Created), (status = 413, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn upload_activity_file(
    State(app): State<AppState>,
    user: ApiUser,
    Path((id, activity_id)): Path<(i64, i64)>,
    multipart: Multipart,
) -> Result<impl IntoResponse, ApiError> {
    let fid = store_station_file(
        &app,
        &user.0.user,
        id,
        FileFor::Activity(activity_id),
        multipart,
    )
    .await?;
    Ok((StatusCode::CREATED, ApiJson(Created { id: fid })))
}

/// Upload the file of an annual plan or summary (第十条; multipart `file`).
#[utoipa::path(post, path = "/api/v1/stations/{id}/reports/{report_id}/files", tag = "stations",
    security(("bearer" = [])), params(("id" = i64, Path), ("report_id" = i64, Path)),
    responses((status = 201, body = Created), (status = 413, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn upload_report_file(
    State(app): State<AppState>,
    user: ApiUser,
    Path((id, report_id)): Path<(i64, i64)>,
    multipart: Multipart,
) -> Result<impl IntoResponse, ApiError> {
    let fid = store_station_file(
        &app,
        &user.0.user,
        id,
        FileFor::Report(report_id),
        multipart,
    )
    .await?;
    Ok((StatusCode::CREATED, ApiJson(Created { id: fid })))
}

/// What a station's uploaded file belongs to.
#[derive(Debug, Clone, Copy)]
pub enum FileFor {
    Activity(i64),
    Report(i64),
}

/// Reads the multipart `file`, checks it, stores it and attaches it to the activity or report;
/// the file id. Used by the API and the station page.
pub async fn store_station_file(
    app: &AppState,
    user: &UserView,
    station_id: i64,
    target: FileFor,
    multipart: Multipart,
) -> Result<i64, ApiError> {
    let (_, file) = crate::upload::receive(multipart)
        .await?
        .file("请选择要上传的文件")?;
    file.store(app, "station-files", |f| async move {
        match target {
            FileFor::Activity(aid) => {
                app.store
                    .attach_activity_file(user, station_id, aid, &f.meta())
                    .await
            }
            FileFor::Report(rid) => {
                app.store
                    .attach_report_file(user, station_id, rid, &f.meta())
                    .await
            }
        }
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RecoveryRequest {
    pub amount_fen: i64,
    /// What was found (虚报、截留、挪用 …).
    pub finding: String,
    #[serde(default)]
    pub document: String,
}

/// Record a misuse finding and the recovery (city CAST, 第十九条).
#[utoipa::path(post, path = "/api/v1/stations/{id}/recoveries", tag = "funds",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = RecoveryRequest,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody)))]
pub async fn record_recovery(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<RecoveryRequest>,
) -> Result<impl IntoResponse, ApiError> {
    user.require(&[Role::CityCast])?;
    let rid = app
        .store
        .record_recovery(
            &user.0.user,
            id,
            Fen::positive("amount_fen", req.amount_fen)?,
            &req.finding,
            &req.document,
            app.clock.today(),
        )
        .await?;
    Ok((StatusCode::CREATED, ApiJson(Created { id: rid })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorRow {
    pub station_id: i64,
    pub name: String,
    pub status: String,
    #[schema(value_type = Object)]
    pub report: IndicatorReport,
}

/// Every running station's indicators of its current term year (city CAST, talent office,
/// supervisors).
#[utoipa::path(get, path = "/api/v1/indicators", tag = "stations",
    security(("bearer" = [])), responses((status = 200, body = Object), (status = 403, body = ErrorBody)))]
pub async fn indicator_table(
    State(app): State<AppState>,
    user: ApiUser,
) -> Result<ApiJson<ListOf<IndicatorRow>>, ApiError> {
    user.require(&[Role::CityCast, Role::TalentOffice, Role::Supervisor])?;
    let items: Vec<IndicatorRow> = app
        .store
        .indicator_table(app.clock.today(), &app.policy)
        .await?
        .into_iter()
        .map(|(s, report)| IndicatorRow {
            station_id: s.id,
            name: s.name,
            status: s.status,
            report,
        })
        .collect();
    let n = items.len() as u64;
    Ok(ApiJson(ListOf {
        items,
        total: n,
        page: 1,
        per_page: n.max(1),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReportRequest {
    pub year: u32,
    /// plan (年度工作计划) or summary (年度工作总结).
    pub kind: String,
    pub body: String,
}

/// File the annual work plan or summary (the station's host unit, 第十条).
#[utoipa::path(post, path = "/api/v1/stations/{id}/reports", tag = "stations",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = ReportRequest,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn file_report(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<ReportRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let kind = stationhub_domain::station::ReportKind::parse(req.kind.trim())?;
    let rid = app
        .store
        .file_report(
            &user.0.user,
            id,
            req.year,
            kind,
            &req.body,
            app.clock.today(),
            &app.policy,
        )
        .await?;
    Ok((StatusCode::CREATED, ApiJson(Created { id: rid })))
}

/// The term's plans and summaries: filed, and which are due.
#[utoipa::path(get, path = "/api/v1/stations/{id}/reports", tag = "stations",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn reports(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let s = app.store.station_model(&user.0.user, id).await?;
    Ok(ApiJson(ListOf::all(
        app.store
            .reports(&s, app.clock.today(), &app.policy)
            .await?,
    )))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct AssessmentQuery {
    /// One station's assessments only (its id).
    pub station: Option<i64>,
    /// Term year (1 = the first year from the award).
    pub year: Option<i32>,
    /// 优秀 / 合格 / 不合格
    pub grade: Option<String>,
    /// County name.
    pub county: Option<String>,
    /// Part of the station's name.
    pub q: Option<String>,
}

impl AssessmentQuery {
    pub fn filter(self) -> Result<stationhub_storage::stations::AssessmentFilter, DomainError> {
        let nonempty = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        Ok(stationhub_storage::stations::AssessmentFilter {
            station_id: self.station,
            year: self.year,
            grade: nonempty(self.grade)
                .map(|g| stationhub_domain::station::Grade::parse(g.trim()))
                .transpose()?,
            county: nonempty(self.county),
            q: nonempty(self.q),
        })
    }
}

/// The assessments of every station the user may see (city roles and supervisors: all; a
/// county's roles: the county's; a host unit or society: its own), newest decision first.
#[utoipa::path(get, path = "/api/v1/assessments", tag = "stations",
    security(("bearer" = [])), params(AssessmentQuery, crate::extract::Paging),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn list_assessments(
    State(app): State<AppState>,
    user: ApiUser,
    paging: crate::extract::Paging,
    ApiQuery(q): ApiQuery<AssessmentQuery>,
) -> Result<ApiJson<ListOf<stationhub_storage::stations::AssessmentRow>>, ApiError> {
    let p = app
        .store
        .list_assessments(&user.0.user, &q.filter()?, paging.page(), paging.per_page())
        .await?;
    Ok(ApiJson(ListOf::from_page(p, |r| r)))
}
