//! 申报书 over the API: drafts, materials, the society's confirmation, the eligibility check and
//! submission (SPEC §5.1).

use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use stationhub_domain::DomainError;
use stationhub_domain::application::{
    DraftInput, Level, MaterialKind, Route, State as AppStateKind, parse_draft,
};
use stationhub_storage::accounts::UserView;
use stationhub_storage::applications::{
    ApplicationFilter, ApplicationRow, ApplicationView, list_key,
};
use utoipa::{IntoParams, ToSchema};

use super::accounts::Created;
use super::memo::{self, JsonBytes};
use super::registry::ListOf;
use crate::AppState;
use crate::error::{ApiError, ErrorBody, ViolationJson};
use crate::extract::{ApiJson, ApiQuery, ApiUser, OptionalJson, Paging};

/// Parses the form's content; a host unit's own unit is taken when `unit_id` is left out.
fn draft_of(
    app: &AppState,
    user: &UserView,
    mut input: DraftInput,
) -> Result<stationhub_domain::application::Draft, ApiError> {
    if input.unit_id == 0 {
        input.unit_id = user.unit_id.unwrap_or(0);
    }
    Ok(parse_draft(input, &app.policy)?)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApplication {
    pub id: i64,
    pub state: String,
}

/// Start an application (host unit): every field of the form; a draft may be incomplete.
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications",
    security(("bearer" = [])), request_body = Object,
    responses((status = 201, body = CreatedApplication), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn create(
    State(app): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<DraftInput>,
) -> Result<impl IntoResponse, ApiError> {
    let me = &user.0.user;
    let draft = draft_of(&app, me, input)?;
    let id = app.store.create_application(me, draft).await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(CreatedApplication {
            id,
            state: AppStateKind::Draft.as_str().into(),
        }),
    ))
}

#[derive(Debug, Deserialize)]
pub struct UpdateRequest {
    #[serde(flatten)]
    pub draft: DraftInput,
    /// The version the form was loaded with; a stale form is refused with 409.
    pub version: Option<i32>,
}

/// Save the application (host unit; in draft or returned). Saving as you go loses nothing.
#[utoipa::path(put, path = "/api/v1/applications/{id}", tag = "applications",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = Object,
    responses((status = 200), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<UpdateRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let me = &user.0.user;
    let draft = draft_of(&app, me, req.draft)?;
    let version = app
        .store
        .update_application(me, id, draft, req.version)
        .await?;
    Ok(ApiJson(serde_json::json!({"id": id, "version": version})))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// draft, county_review, county_talent_review, city_review, approval, approved, notice,
    /// awarded, returned, rejected
    pub state: Option<String>,
    /// County name.
    pub county: Option<String>,
    /// Round id.
    pub round: Option<i64>,
    /// national, provincial, municipal
    pub level: Option<String>,
    pub industry: Option<String>,
    /// Part of the station's, unit's or society's name.
    pub q: Option<String>,
}

impl ListQuery {
    pub fn filter(self) -> Result<ApplicationFilter, DomainError> {
        let nonempty = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        Ok(ApplicationFilter {
            state: nonempty(self.state)
                .map(|s| AppStateKind::parse(&s))
                .transpose()?,
            county: nonempty(self.county),
            round_id: self.round,
            level: nonempty(self.level).map(|l| Level::parse(&l)).transpose()?,
            industry: nonempty(self.industry),
            q: nonempty(self.q),
        })
    }
}

/// The applications the user may see (SPEC §5.2 visibility), filtered and paged.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications",
    security(("bearer" = [])), params(ListQuery, Paging),
    responses((status = 200, body = Object), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(app): State<AppState>,
    user: ApiUser,
    paging: Paging,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<JsonBytes, ApiError> {
    let (me, f) = (&user.0.user, q.filter()?);
    let (page, per_page) = (paging.page(), paging.per_page());
    memo::json(&app, user.0.seen, list_key(me, &f, page, per_page), async {
        let p = app.store.list_applications(me, &f, page, per_page).await?;
        Ok::<_, ApiError>(ListOf::<ApplicationRow>::from_page(p, |r| r))
    })
    .await
}

/// One application with every field, its team, files, opinions and history.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<ApiJson<ApplicationView>, ApiError> {
    Ok(ApiJson(app.store.application(&user.0.user, id).await?))
}

/// Upload one of the four materials of 第九条 (multipart: `kind`, `file`). PDF, images, Word or
/// Excel only, recognised by content; 20 MB at most.
#[utoipa::path(post, path = "/api/v1/applications/{id}/files", tag = "applications",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 201, body = Created), (status = 413, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn upload(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<impl IntoResponse, ApiError> {
    let file_id = store_material(&app, &user.0.user, id, multipart).await?;
    Ok((StatusCode::CREATED, ApiJson(Created { id: file_id })))
}

/// Reads `kind` and `file` from a multipart body, checks and stores the file, and records it
/// on the application. Shared by the API and the page.
pub async fn store_material(
    app: &AppState,
    user: &UserView,
    id: i64,
    multipart: Multipart,
) -> Result<i64, ApiError> {
    let (fields, file) = crate::upload::receive(multipart)
        .await?
        .file("请选择要上传的文件")?;
    let kind = fields
        .get("kind")
        .ok_or_else(|| DomainError::invalid("kind", "请选择材料类型"))
        .and_then(|k| MaterialKind::parse(k.trim()))?;
    file.store(app, "applications", |f| async move {
        app.store.attach_material(user, id, kind, &f.meta()).await
    })
    .await
}

/// Download an uploaded file the user may see.
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "applications",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "the file, as an attachment"), (status = 404, body = ErrorBody)))]
pub async fn download(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    file_response(&app, &user.0.user, id).await
}

/// The file as an attachment (never shown inline), under its checked type.
pub async fn file_response(app: &AppState, user: &UserView, id: i64) -> Result<Response, ApiError> {
    let f = app.store.file_record(user, id).await?;
    let bytes = app.files.get(&f.storage_key).await?;
    let ascii: String = f
        .filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let utf8: String = f
        .filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    Ok((
        [
            (CONTENT_TYPE, f.content_type.clone()),
            (CONTENT_LENGTH, bytes.len().to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{utf8}"),
            ),
        ],
        Body::from(bytes),
    )
        .into_response())
}

/// Ask the society to confirm the cooperation (host unit): the society then sees the draft.
#[utoipa::path(post, path = "/api/v1/applications/{id}/confirmation-request", tag = "applications",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200), (status = 403, body = ErrorBody)))]
pub async fn request_confirmation(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    app.store.request_confirmation(&user.0.user, id).await?;
    Ok(ApiJson(serde_json::json!({"status": "ok"})))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ConfirmationRequest {
    pub opinion: Option<String>,
}

/// The society confirms the cooperation and the expert team (第七条).
#[utoipa::path(post, path = "/api/v1/applications/{id}/confirmation", tag = "applications",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = ConfirmationRequest,
    responses((status = 200), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn confirm(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    OptionalJson(body): OptionalJson<ConfirmationRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let opinion = body.and_then(|b| b.opinion).unwrap_or_default();
    app.store
        .confirm_cooperation(&user.0.user, id, &opinion)
        .await?;
    Ok(ApiJson(serde_json::json!({"status": "ok"})))
}

#[derive(Debug, Default, Deserialize, ToSchema, IntoParams)]
pub struct RouteRequest {
    /// `direct` to go straight to city CAST (第八条（一）); otherwise through the county.
    pub route: Option<String>,
}

fn route_of(r: Option<String>) -> Result<Option<Route>, DomainError> {
    r.filter(|r| !r.trim().is_empty())
        .map(|r| Route::parse(r.trim()))
        .transpose()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckResult {
    pub eligible: bool,
    pub violations: Vec<ViolationJson>,
}

/// Run every submission rule on the application without submitting it.
#[utoipa::path(get, path = "/api/v1/applications/{id}/check", tag = "applications",
    security(("bearer" = [])), params(("id" = i64, Path), RouteRequest),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody)))]
pub async fn check(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<RouteRequest>,
) -> Result<ApiJson<CheckResult>, ApiError> {
    let violations = app
        .store
        .check_application(
            &user.0.user,
            id,
            route_of(q.route)?,
            app.clock.today(),
            &app.policy,
        )
        .await?;
    Ok(ApiJson(CheckResult {
        eligible: violations.is_empty(),
        violations: violations.into_iter().map(ViolationJson::from).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StateJson {
    pub state: String,
}

/// Submit (host unit): every rule is judged; a broken one answers 409 with its `article` (all of
/// them under `violations`) and nothing changes.
#[utoipa::path(post, path = "/api/v1/applications/{id}/submit", tag = "applications",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = RouteRequest,
    responses((status = 200, body = StateJson),
              (status = 409, description = "a rule of the measures is broken", body = ErrorBody)))]
pub async fn submit(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    OptionalJson(body): OptionalJson<RouteRequest>,
) -> Result<ApiJson<StateJson>, ApiError> {
    let route = route_of(body.and_then(|b| b.route))?;
    let state = app
        .store
        .submit_application(&user.0.user, id, route, app.clock.today(), &app.policy)
        .await?;
    Ok(ApiJson(StateJson {
        state: state.as_str().into(),
    }))
}
