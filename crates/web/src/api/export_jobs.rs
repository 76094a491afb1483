//! Exports made in the background, for lists too long to wait for: ask with `POST
//! /api/v1/exports` (202, checked at once), watch `GET /api/v1/exports/{id}`, download
//! `GET /api/v1/exports/{id}/file` from any server once it is `done`. Each person sees only
//! their own exports.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use stationhub_storage::accounts::UserView;
use stationhub_storage::entity::export;
use utoipa::ToSchema;

use super::exports::{ListKind, attachment, check_export};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiUser};

/// Exports kept on a person's list.
pub const SHOWN: u64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/exports", get(list).post(request))
        .route("/exports/{id}", get(one))
        .route("/exports/{id}/file", get(file))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ExportRequest {
    /// applications, stations, indicators, assessments, funds or audit
    pub list: String,
    /// The list's filters as its query string (as in `GET /api/v1/{list}?…`), e.g.
    /// `state=submitted&round=3`; empty for all.
    #[serde(default)]
    pub query: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportView {
    pub id: i64,
    pub list: String,
    pub list_label: String,
    pub query: String,
    /// queued, running, done or failed
    pub state: String,
    pub state_label: &'static str,
    /// Why it failed, if it did.
    pub error: String,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Where to download it once done.
    pub download: Option<String>,
}

pub fn state_label(state: &str) -> &'static str {
    match state {
        "queued" => "排队中",
        "running" => "生成中",
        "done" => "已完成",
        "failed" => "失败",
        _ => "—",
    }
}

impl From<export::Model> for ExportView {
    fn from(e: export::Model) -> Self {
        ExportView {
            download: (e.state == "done").then(|| format!("/api/v1/exports/{}/file", e.id)),
            list_label: ListKind::parse(&e.list)
                .map(ListKind::label)
                .unwrap_or("—")
                .to_string(),
            state_label: state_label(&e.state),
            id: e.id,
            list: e.list,
            query: e.query,
            state: e.state,
            error: e.error,
            created_at: e.created_at,
            finished_at: e.finished_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportList {
    pub items: Vec<ExportView>,
}

/// Queues an export of `list` for `user` after the checks that need no data, and wakes this
/// server's job loop (the pages' form does the same).
pub async fn queue(
    app: &AppState,
    user: &UserView,
    list: &str,
    query: &str,
) -> Result<export::Model, ApiError> {
    let kind = ListKind::parse(list.trim())?;
    let query = query.trim().trim_start_matches('?');
    check_export(user, kind, query)?;
    let e = app.store.request_export(user, kind.as_str(), query).await?;
    app.jobs_wake.notify_one();
    Ok(e)
}

/// Ask for a list as .xlsx, made in the background (any signed-in user, for the lists they
/// may see). The filters and the role are checked at once; the rows when the job runs.
#[utoipa::path(post, path = "/api/v1/exports", tag = "exports",
    security(("bearer" = [])), request_body = ExportRequest,
    responses((status = 202, body = ExportView), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request(
    State(app): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<ExportRequest>,
) -> Result<(StatusCode, ApiJson<ExportView>), ApiError> {
    let e = queue(&app, &user.0.user, &body.list, &body.query).await?;
    Ok((StatusCode::ACCEPTED, ApiJson(e.into())))
}

/// The user's own exports, newest first (the last 50).
#[utoipa::path(get, path = "/api/v1/exports", tag = "exports",
    security(("bearer" = [])), responses((status = 200, body = ExportList)))]
pub async fn list(
    State(app): State<AppState>,
    user: ApiUser,
) -> Result<ApiJson<ExportList>, ApiError> {
    let items = app.store.exports_of(&user.0.user, SHOWN).await?;
    Ok(ApiJson(ExportList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// One of the user's exports (another person's: 404).
#[utoipa::path(get, path = "/api/v1/exports/{id}", tag = "exports",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ExportView), (status = 404, body = ErrorBody)))]
pub async fn one(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<ApiJson<ExportView>, ApiError> {
    Ok(ApiJson(app.store.export_of(&user.0.user, id).await?.into()))
}

/// A finished export's file, for whoever asked for it (not finished: 409; another person's:
/// 404).
#[utoipa::path(get, path = "/api/v1/exports/{id}/file", tag = "exports",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "the list as an .xlsx attachment",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn file(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    download(&app, &user.0.user, id).await
}

/// The export's file as an attachment (the API and the pages).
pub async fn download(app: &AppState, user: &UserView, id: i64) -> Result<Response, ApiError> {
    let (e, f) = app.store.export_file(user, id).await?;
    let bytes = app.files.get(&f.storage_key).await?;
    let ascii = format!("{}_{}.xlsx", e.list, e.created_at.format("%Y-%m-%d"));
    Ok(attachment(bytes, &f.content_type, &f.filename, &ascii))
}
