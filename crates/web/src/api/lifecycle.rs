//! After the term and changes of a station over the API (第十三条、第十四条), and the fund
//! overview (第十五条至第十九条).

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use stationhub_domain::DomainError;
use stationhub_domain::lifecycle::{ChangeRequestInput, parse_change_request};
use stationhub_storage::accounts::UserView;
use stationhub_storage::funds::FundOverview;
use stationhub_storage::lifecycle::RequestView;
use utoipa::{IntoParams, ToSchema};

use super::accounts::Created;
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, ApiUser};

/// A merge / reorganisation / revocation request (第十四条).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangeRequestBody {
    /// merge, reorganise or revoke
    pub kind: String,
    /// Why (因客观需要).
    pub reason: String,
    /// merge: the running station this one merges into.
    pub target_station_id: Option<i64>,
    /// reorganise: the station's name afterwards (optional).
    #[serde(default)]
    pub new_name: String,
}

pub fn parse_request_body(b: ChangeRequestBody) -> ChangeRequestInput {
    ChangeRequestInput {
        kind: b.kind,
        reason: b.reason,
        target_station_id: b.target_station_id,
        new_name: b.new_name,
    }
}

/// The host unit or the society asks city CAST to merge, reorganise or revoke the station
/// (第十四条); the written request goes to `…/requests/{request_id}/files`. 201 `{id}`.
#[utoipa::path(post, path = "/api/v1/stations/{id}/requests", tag = "stations",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = ChangeRequestBody,
    responses((status = 201, body = Created), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn request_change(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ChangeRequestBody>,
) -> Result<impl IntoResponse, ApiError> {
    let r = parse_change_request(parse_request_body(body))?;
    let rid = app.store.request_change(&user.0.user, id, r).await?;
    Ok((StatusCode::CREATED, ApiJson(Created { id: rid })))
}

/// A station's change requests, newest first.
#[utoipa::path(get, path = "/api/v1/stations/{id}/requests", tag = "stations",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn station_requests(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<ApiJson<Vec<RequestView>>, ApiError> {
    Ok(ApiJson(app.store.station_requests(&user.0.user, id).await?))
}

/// Upload the written request (书面申请, multipart `file`; PDF or image) of a pending request.
#[utoipa::path(post, path = "/api/v1/stations/{id}/requests/{request_id}/files", tag = "stations",
    security(("bearer" = [])), params(("id" = i64, Path), ("request_id" = i64, Path)),
    responses((status = 201, body = Created), (status = 413, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn upload_letter(
    State(app): State<AppState>,
    user: ApiUser,
    Path((id, request_id)): Path<(i64, i64)>,
    multipart: Multipart,
) -> Result<impl IntoResponse, ApiError> {
    let fid = store_letter(&app, &user.0.user, id, request_id, multipart).await?;
    Ok((StatusCode::CREATED, ApiJson(Created { id: fid })))
}

/// Reads, checks and stores the written request and attaches it (the API and the page).
pub async fn store_letter(
    app: &AppState,
    user: &UserView,
    station_id: i64,
    request_id: i64,
    multipart: Multipart,
) -> Result<i64, ApiError> {
    let (_, file) = crate::upload::receive(multipart)
        .await?
        .file("请选择书面申请文件")?;
    file.store(app, "requests", |f| async move {
        app.store
            .attach_request_letter(user, station_id, request_id, &f.meta())
            .await
    })
    .await
}

/// The requests awaiting city CAST's decision (city roles and supervisors), oldest first.
#[utoipa::path(get, path = "/api/v1/station-requests", tag = "stations",
    security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody)))]
pub async fn pending_requests(
    State(app): State<AppState>,
    user: ApiUser,
) -> Result<ApiJson<Vec<RequestView>>, ApiError> {
    Ok(ApiJson(app.store.pending_requests(&user.0.user).await?))
}

/// City CAST's decision on a request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionBody {
    /// approve or decline
    pub decision: String,
    /// Required when declining.
    #[serde(default)]
    pub reason: String,
}

pub fn parse_decision(d: &str) -> Result<bool, DomainError> {
    match d.trim() {
        "approve" | "同意" => Ok(true),
        "decline" | "不同意" => Ok(false),
        _ => Err(DomainError::invalid(
            "decision",
            "决定须为同意（approve）或不同意（decline）",
        )),
    }
}

/// City CAST decides (第十四条): approving sets the station's status (merged / revoked) or its
/// new name (reorganised); needs the written request on file. 200 with the request.
#[utoipa::path(post, path = "/api/v1/station-requests/{id}/decision", tag = "stations",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = DecisionBody,
    responses((status = 200, body = Object), (status = 409, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn decide_request(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<ApiJson<RequestView>, ApiError> {
    let approve = parse_decision(&body.decision)?;
    let today = app.clock.today();
    Ok(ApiJson(
        app.store
            .decide_request(&user.0.user, id, approve, &body.reason, today)
            .await?,
    ))
}

/// The host unit applies to continue the station after a passing term end (第十三条): a new
/// draft in the open round, pre-filled from the station, reviewed like a new application.
/// 201 `{id}` of the application.
#[utoipa::path(post, path = "/api/v1/stations/{id}/renewal", tag = "stations",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 201, body = Created), (status = 409, body = ErrorBody)))]
pub async fn start_renewal(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let today = app.clock.today();
    let aid = app
        .store
        .start_renewal(&user.0.user, id, today, &app.policy)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(Created { id: aid })))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OverviewQuery {
    /// A calendar year; every year when absent.
    pub year: Option<i32>,
}

/// The fund overview across stations and years: per station grants due / paid / cancelled,
/// expenses, recoveries and balance (fen); sums per year and per expense category.
#[utoipa::path(get, path = "/api/v1/funds", tag = "funds",
    security(("bearer" = [])), params(OverviewQuery),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody)))]
pub async fn fund_overview(
    State(app): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<OverviewQuery>,
) -> Result<ApiJson<FundOverview>, ApiError> {
    Ok(ApiJson(
        app.store
            .fund_overview(&user.0.user, q.year, &app.policy.expenses.categories)
            .await?,
    ))
}
