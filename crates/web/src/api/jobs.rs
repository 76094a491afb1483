//! The background jobs for the administrator: what is queued, running, done or failed (with
//! its error), and a retry for a failed one.

use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use stationhub_storage::entity::job;
use stationhub_storage::jobs::JobCounts;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, ApiUser, Paging};

#[derive(Debug, Deserialize, IntoParams, Default)]
pub struct JobQuery {
    /// queued, running, done or failed
    pub state: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobList {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<job::Model>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    #[schema(value_type = Object)]
    pub counts: JobCounts,
}

/// The jobs, newest first (administrator).
#[utoipa::path(get, path = "/api/v1/jobs", tag = "platform",
    security(("bearer" = [])), params(JobQuery, Paging),
    responses((status = 200, body = JobList), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(app): State<AppState>,
    user: ApiUser,
    paging: Paging,
    ApiQuery(q): ApiQuery<JobQuery>,
) -> Result<ApiJson<JobList>, ApiError> {
    let p = app
        .store
        .jobs(
            &user.0.user,
            q.state.as_deref(),
            paging.page(),
            paging.per_page(),
        )
        .await?;
    Ok(ApiJson(JobList {
        items: p.items,
        total: p.total,
        page: p.page,
        per_page: p.per_page,
        counts: app.store.job_counts().await?,
    }))
}

/// Put a failed job back in the queue (administrator).
#[utoipa::path(post, path = "/api/v1/jobs/{id}/retry", tag = "platform",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 409, body = ErrorBody)))]
pub async fn retry(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<ApiJson<serde_json::Value>, ApiError> {
    app.store.retry_job(&user.0.user, id).await?;
    Ok(ApiJson(serde_json::json!({"id": id, "state": "queued"})))
}
