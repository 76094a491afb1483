//! Review decisions, public notices with objections, the award, stations, the working-day
//! calendar and the inbox (SPEC §5.1).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use stationhub_domain::DomainError;
use stationhub_domain::account::Role;
use stationhub_domain::application::Level;
use stationhub_domain::calendar::{CalendarDay, UnknownYears};
use stationhub_domain::clock::parse_date;
use stationhub_domain::notice::{ObjectionInput, Outcome};
use stationhub_domain::review::{Action, SiteInspectionInput, parse_opinion};
use stationhub_storage::StoreError;
use stationhub_storage::entity::{notification, objection};
use stationhub_storage::review::{NoticeView, QueueItem, StationFilter, StationView, stations_key};
use utoipa::{IntoParams, ToSchema};

use super::memo::{self, JsonBytes};
use super::registry::ListOf;
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, ApiSession, ApiUser, ClientAddr, OptionalJson, Paging};

fn date(field: &str, s: &str) -> Result<NaiveDate, DomainError> {
    parse_date(s.trim()).map_err(|_| DomainError::invalid(field, "日期须为 YYYY-MM-DD 格式"))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionRequest {
    /// recommend (county_cast) / agree (county_talent) / propose (city_cast) / approve
    /// (talent_office) / return / reject
    pub action: String,
    pub opinion: String,
    /// city CAST's site inspection `{date, inspectors: [names], findings}`.
    pub site_inspection: Option<SiteInspectionJson>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SiteInspectionJson {
    pub date: String,
    pub inspectors: Vec<String>,
    pub findings: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StateJson {
    pub state: String,
}

/// Take the current review step (its owning role only). A step no longer current answers 409;
/// the sixth municipal approval of a round answers 409 citing 第十二条.
#[utoipa::path(post, path = "/api/v1/applications/{id}/decisions", tag = "review",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = DecisionRequest,
    responses((status = 200, body = StateJson), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn decide(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<DecisionRequest>,
) -> Result<ApiJson<StateJson>, ApiError> {
    let action = Action::parse(req.action.trim())?;
    let opinion = parse_opinion(action, &req.opinion)?;
    let today = app.clock.today();
    let site = req
        .site_inspection
        .map(|s| {
            SiteInspectionInput {
                date: s.date,
                inspectors: s.inspectors,
                findings: s.findings,
            }
            .parse(today)
        })
        .transpose()?;
    let state = app
        .store
        .decide(&user.0.user, id, action, &opinion, site, today)
        .await?;
    Ok(ApiJson(StateJson {
        state: state.as_str().into(),
    }))
}

/// What waits for the signed-in reviewer, oldest first, with the days waited.
#[utoipa::path(get, path = "/api/v1/queue", tag = "review",
    security(("bearer" = [])), responses((status = 200, body = Object)))]
pub async fn queue(
    State(app): State<AppState>,
    user: ApiUser,
) -> Result<ApiJson<ListOf<QueueItem>>, ApiError> {
    let items = app.store.queue(&user.0.user, app.clock.today()).await?;
    Ok(ApiJson(ListOf::all(items)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NoticeRequest {
    pub application_ids: Vec<i64>,
    /// Today or later.
    pub starts_on: String,
    /// Count plain weekends in a year whose holiday schedule is not yet entered.
    #[serde(default)]
    pub assume_plain_weekends: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeCreated {
    pub id: i64,
    pub ends_on: NaiveDate,
}

/// Publish a public notice of approved applications (city CAST); `ends_on` comes from the
/// working-day calendar (≥ 5 working days, 第八条（三）).
#[utoipa::path(post, path = "/api/v1/notices", tag = "notices",
    security(("bearer" = [])), request_body = NoticeRequest,
    responses((status = 201, body = NoticeCreated), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn publish_notice(
    State(app): State<AppState>,
    user: ApiUser,
    ApiJson(req): ApiJson<NoticeRequest>,
) -> Result<impl IntoResponse, ApiError> {
    user.require(&[Role::CityCast])?;
    let starts_on = date("starts_on", &req.starts_on)?;
    let unknown = if req.assume_plain_weekends {
        UnknownYears::AssumePlainWeekends
    } else {
        UnknownYears::Refuse
    };
    let (id, ends_on) = app
        .store
        .publish_notice(
            &user.0.user,
            &req.application_ids,
            starts_on,
            unknown,
            app.clock.today(),
            &app.policy,
        )
        .await?;
    Ok((StatusCode::CREATED, ApiJson(NoticeCreated { id, ends_on })))
}

/// Public notices, newest first (no sign-in).
#[utoipa::path(get, path = "/api/v1/notices", tag = "notices",
    responses((status = 200, body = Object)))]
pub async fn notices(State(app): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let items = app.store.notices().await?;
    Ok(ApiJson(ListOf::all(items)))
}

/// One public notice with its applications (no sign-in).
#[utoipa::path(get, path = "/api/v1/notices/{id}", tag = "notices",
    params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn notice(
    State(app): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<NoticeView>, ApiError> {
    Ok(ApiJson(app.store.notice(id).await?))
}

/// Counts one objection from `addr` against the hourly limit of the settings
/// (`STATIONHUB_OBJECTIONS_PER_HOUR`), in the database so that every server shares it; past
/// it, 429. The public form and the API count together.
pub async fn throttle_objection(app: &AppState, addr: &str) -> Result<(), StoreError> {
    app.store
        .throttle(
            &format!("objection:{addr}"),
            app.clock.now(),
            60,
            app.config.objections_per_hour,
            DomainError::TooManyRequests,
        )
        .await
}

/// Lodge an objection (anyone, from the first to the last day of the notice; after it: 409
/// citing 第八条). Real name and contact are required unless the policy allows anonymity.
#[utoipa::path(post, path = "/api/v1/notices/{id}/objections", tag = "notices",
    params(("id" = i64, Path)), request_body = Object,
    responses((status = 201, body = super::accounts::Created), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn lodge_objection(
    State(app): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ObjectionInput>,
) -> Result<impl IntoResponse, ApiError> {
    throttle_objection(&app, &addr).await?;
    let oid = app
        .store
        .lodge_objection(id, input, &addr, app.clock.today(), &app.policy)
        .await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(super::accounts::Created { id: oid }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectionJson {
    pub id: i64,
    pub notice_id: i64,
    pub application_id: i64,
    pub name: String,
    pub contact: String,
    pub text: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub outcome: Option<String>,
    pub reason: String,
    pub handled_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<objection::Model> for ObjectionJson {
    fn from(o: objection::Model) -> Self {
        ObjectionJson {
            id: o.id,
            notice_id: o.notice_id,
            application_id: o.application_id,
            name: o.name,
            contact: o.contact,
            text: o.text,
            created_at: o.created_at,
            outcome: o.outcome,
            reason: o.reason,
            handled_at: o.handled_at,
        }
    }
}

/// The objections to a notice, with the objectors' details (city CAST, talent office,
/// supervisors).
#[utoipa::path(get, path = "/api/v1/notices/{id}/objections", tag = "notices",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody)))]
pub async fn objections(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<ApiJson<ListOf<ObjectionJson>>, ApiError> {
    user.require(&[Role::CityCast, Role::TalentOffice, Role::Supervisor])?;
    app.store.notice(id).await?;
    let items: Vec<ObjectionJson> = app
        .store
        .objections(id)
        .await?
        .into_iter()
        .map(ObjectionJson::from)
        .collect();
    Ok(ApiJson(ListOf::all(items)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct HandlingRequest {
    /// upheld (the application stops) / dismissed (it continues)
    pub outcome: String,
    pub reason: String,
}

/// Handle an objection (city CAST).
#[utoipa::path(post, path = "/api/v1/objections/{id}/handling", tag = "notices",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = HandlingRequest,
    responses((status = 200), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn handle_objection(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<HandlingRequest>,
) -> Result<impl IntoResponse, ApiError> {
    user.require(&[Role::CityCast])?;
    let outcome = Outcome::parse(req.outcome.trim())?;
    app.store
        .handle_objection(&user.0.user, id, outcome, &req.reason)
        .await?;
    Ok(ApiJson(
        serde_json::json!({"status": "ok", "outcome": outcome.as_str()}),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AwardRequest {
    /// Default today; after the notice's end and not after today.
    pub awarded_on: Option<String>,
    /// Default: the next number of the talent office's sequence for the year.
    pub document_number: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AwardResponse {
    pub station_id: i64,
    pub document_number: String,
}

/// Award the plaque (talent office): after the notice ends with no open or upheld objection
/// (else 409 citing 第八条).
#[utoipa::path(post, path = "/api/v1/applications/{id}/award", tag = "review",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = AwardRequest,
    responses((status = 201, body = AwardResponse), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn award(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    OptionalJson(req): OptionalJson<AwardRequest>,
) -> Result<impl IntoResponse, ApiError> {
    user.require(&[Role::TalentOffice])?;
    let req = req.unwrap_or_default();
    let awarded_on = req
        .awarded_on
        .filter(|d| !d.trim().is_empty())
        .map(|d| date("awarded_on", &d))
        .transpose()?;
    let station_id = app
        .store
        .award(
            &user.0.user,
            id,
            awarded_on,
            req.document_number,
            app.clock.today(),
            &app.policy,
        )
        .await?;
    let s = app.store.station(station_id).await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(AwardResponse {
            station_id,
            document_number: s.document_number,
        }),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct StationQuery {
    pub q: Option<String>,
    pub county: Option<String>,
    pub level: Option<String>,
    /// active, rectifying, expired, renewed, removed, merged, revoked (signed-in officials).
    pub status: Option<String>,
}

impl StationQuery {
    /// The filter: officials who see the whole city get every station (and `status`); anyone
    /// else the public list of SPEC §5.2.
    pub fn filter(self, official: bool) -> Result<StationFilter, DomainError> {
        Ok(StationFilter {
            q: self.q,
            county: self.county,
            level: self
                .level
                .filter(|l| !l.is_empty())
                .map(|l| Level::parse(&l))
                .transpose()?,
            status: self.status.filter(|_| official),
            public: !official,
        })
    }
}

/// Stations. Without a token: the public list of awarded stations (active and rectifying).
#[utoipa::path(get, path = "/api/v1/stations", tag = "stations",
    params(StationQuery, Paging), responses((status = 200, body = Object)))]
pub async fn stations(
    State(app): State<AppState>,
    user: Result<ApiUser, ApiError>,
    paging: Paging,
    ApiQuery(q): ApiQuery<StationQuery>,
) -> Result<JsonBytes, ApiError> {
    let official = user.as_ref().is_ok_and(|u| u.0.user.role.sees_whole_city());
    let f = q.filter(official)?;
    let seen = match &user {
        Ok(u) => u.0.seen,
        Err(_) => app.store.change_no().await?,
    };
    let (page, per_page) = (paging.page(), paging.per_page());
    memo::json(&app, seen, stations_key(&f, page, per_page), async {
        let p = app.store.stations(&f, page, per_page).await?;
        Ok::<_, ApiError>(ListOf::<StationView>::from_page(p, |s| s))
    })
    .await
}

/// One station (public while active or rectifying).
#[utoipa::path(get, path = "/api/v1/stations/{id}", tag = "stations",
    params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn station(
    State(app): State<AppState>,
    user: Result<ApiUser, ApiError>,
    Path(id): Path<i64>,
) -> Result<ApiJson<StationView>, ApiError> {
    let user = user.ok();
    Ok(ApiJson(
        app.store
            .visible_station(user.as_ref().map(|u| &u.0.user), id)
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct NoticeEndQuery {
    pub starts_on: String,
    pub working_days: u32,
    /// `true` to count plain weekends in a year without a schedule.
    pub assume_plain_weekends: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeEnd {
    pub ends_on: NaiveDate,
}

/// The N-th working day from `starts_on`, counting it as the first when it is a working day.
#[utoipa::path(get, path = "/api/v1/calendar/notice-end", tag = "calendar",
    params(NoticeEndQuery),
    responses((status = 200, body = NoticeEnd), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn notice_end(
    State(app): State<AppState>,
    q: Result<Query<NoticeEndQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<ApiJson<NoticeEnd>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(format!("参数错误：{}", e.body_text())))?;
    let start = date("starts_on", &q.starts_on)?;
    let unknown = if q.assume_plain_weekends.unwrap_or(false) {
        UnknownYears::AssumePlainWeekends
    } else {
        UnknownYears::Refuse
    };
    let ends_on = app
        .store
        .calendar()
        .await?
        .nth_working_day(start, q.working_days, unknown)?;
    Ok(ApiJson(NoticeEnd { ends_on }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct YearQuery {
    pub year: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarYearJson {
    pub year: i32,
    /// Whether the year's schedule is entered.
    pub known: bool,
    /// `{date, name, off}`: off = a holiday, otherwise an adjusted working day.
    #[schema(value_type = Vec<Object>)]
    pub days: Vec<CalendarDay>,
}

/// A year's listed days (holidays and adjusted working days).
#[utoipa::path(get, path = "/api/v1/calendar", tag = "calendar",
    security(("bearer" = [])), params(YearQuery),
    responses((status = 200, body = CalendarYearJson)))]
pub async fn calendar_year(
    State(app): State<AppState>,
    _user: ApiUser,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> Result<ApiJson<CalendarYearJson>, ApiError> {
    let c = app.store.calendar().await?;
    Ok(ApiJson(CalendarYearJson {
        year: q.year,
        known: c.knows_year(q.year),
        days: c.listed(q.year).cloned().collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DayRequest {
    pub name: String,
    /// true: a holiday; false: an adjusted working day.
    pub off: bool,
}

/// Add or correct a listed day (city CAST).
#[utoipa::path(put, path = "/api/v1/calendar/days/{date}", tag = "calendar",
    security(("bearer" = [])), params(("date" = String, Path)), request_body = DayRequest,
    responses((status = 200), (status = 403, body = ErrorBody)))]
pub async fn set_day(
    State(app): State<AppState>,
    user: ApiUser,
    Path(d): Path<String>,
    ApiJson(req): ApiJson<DayRequest>,
) -> Result<impl IntoResponse, ApiError> {
    user.require(&[Role::CityCast])?;
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 30 {
        return Err(DomainError::invalid("name", "请填写节日名称（30 字以内）").into());
    }
    app.store
        .calendar_set_day(
            &user.0.user.actor(),
            CalendarDay {
                date: date("date", &d)?,
                name: name.into(),
                off: req.off,
            },
        )
        .await?;
    Ok(ApiJson(serde_json::json!({"status": "ok"})))
}

/// Remove a listed day (city CAST).
#[utoipa::path(delete, path = "/api/v1/calendar/days/{date}", tag = "calendar",
    security(("bearer" = [])), params(("date" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn remove_day(
    State(app): State<AppState>,
    user: ApiUser,
    Path(d): Path<String>,
) -> Result<StatusCode, ApiError> {
    user.require(&[Role::CityCast])?;
    app.store
        .calendar_remove_day(&user.0.user.actor(), date("date", &d)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Declare a coming year's schedule entered (city CAST).
#[utoipa::path(post, path = "/api/v1/calendar/years", tag = "calendar",
    security(("bearer" = [])), request_body = YearQueryBody,
    responses((status = 201), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn add_year(
    State(app): State<AppState>,
    user: ApiUser,
    ApiJson(req): ApiJson<YearQueryBody>,
) -> Result<impl IntoResponse, ApiError> {
    user.require(&[Role::CityCast])?;
    app.store
        .calendar_add_year(&user.0.user.actor(), req.year)
        .await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(serde_json::json!({"year": req.year})),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct YearQueryBody {
    pub year: i32,
}

/// The signed-in user's inbox, newest first.
#[utoipa::path(get, path = "/api/v1/me/inbox", tag = "session",
    security(("bearer" = [])), responses((status = 200, body = Object)))]
pub async fn inbox(
    State(app): State<AppState>,
    user: ApiUser,
) -> Result<ApiJson<ListOf<notification::Model>>, ApiError> {
    let items = app.store.inbox(user.0.user.id, 100).await?;
    Ok(ApiJson(ListOf::all(items)))
}

/// Mark every message read.
#[utoipa::path(post, path = "/api/v1/me/inbox/read", tag = "session",
    security(("bearer" = [])), responses((status = 200)))]
pub async fn inbox_read(
    State(app): State<AppState>,
    ApiSession(s): ApiSession,
) -> Result<impl IntoResponse, ApiError> {
    app.store.mark_read(s.user.id).await?;
    Ok(ApiJson(serde_json::json!({"status": "ok"})))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SealJson {
    /// `office:ID` or `unit:ID`.
    pub owner: String,
    /// Download with `GET /api/v1/files/{file_id}`.
    pub file_id: i64,
}

/// Upload the seal image of the signed-in user's organisation (multipart `file`: PNG, JPEG,
/// GIF or WebP). It is stamped on the organisation's opinions.
#[utoipa::path(post, path = "/api/v1/seal", tag = "review",
    security(("bearer" = [])),
    responses((status = 201, body = SealJson), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn upload_seal(
    State(app): State<AppState>,
    user: ApiUser,
    multipart: axum::extract::Multipart,
) -> Result<impl IntoResponse, ApiError> {
    let (owner, file_id) = store_seal(&app, &user.0.user, multipart).await?;
    Ok((StatusCode::CREATED, ApiJson(SealJson { owner, file_id })))
}

/// Reads `file` from a multipart body and records it as the user's organisation's seal.
pub async fn store_seal(
    app: &AppState,
    user: &stationhub_storage::accounts::UserView,
    multipart: axum::extract::Multipart,
) -> Result<(String, i64), ApiError> {
    let owner = match user.role {
        Role::HostUnit
        | Role::CountyCast
        | Role::CountyTalent
        | Role::CityCast
        | Role::TalentOffice => stationhub_storage::review::seal_owner(user),
        _ => None,
    }
    .ok_or(DomainError::Forbidden)?;
    let (_, file) = crate::upload::receive(multipart)
        .await?
        .file("请选择印章图片")?;
    if !file.ty.is_image() {
        return Err(DomainError::invalid("file", "印章须为图片（PNG、JPEG、GIF 或 WebP）").into());
    }
    let owner_ref = &owner;
    let file_id = file
        .store(app, "seals", |f| async move {
            app.store.set_seal(user, owner_ref, &f.meta()).await
        })
        .await?;
    Ok((owner, file_id))
}
