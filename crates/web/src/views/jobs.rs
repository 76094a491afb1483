//! The administrator's page of background jobs.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use stationhub_domain::account::Role;
use stationhub_domain::clock::format_local;
use stationhub_storage::jobs::JobCounts;

use super::{PageUser, Shell, render};
use crate::AppState;
use crate::api::jobs::JobQuery;
use crate::error::PageError;
use crate::extract::PageQuery;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/jobs", get(jobs_page))
        .route("/admin/jobs/{id}/retry", post(retry))
}

pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub key: String,
    pub state: String,
    pub state_label: &'static str,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: String,
    pub finished_at: String,
    pub locked_by: String,
    pub last_error: String,
}

#[derive(Template)]
#[template(path = "jobs.html")]
struct JobsPage {
    shell: Shell,
    rows: Vec<JobRow>,
    counts: JobCounts,
    state: String,
    total: u64,
}

fn label(state: &str) -> &'static str {
    match state {
        "queued" => "排队中",
        "running" => "运行中",
        "done" => "已完成",
        "failed" => "失败",
        _ => "—",
    }
}

async fn jobs_page(
    State(app): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<JobQuery>,
) -> Result<Response, PageError> {
    u.require(&[Role::Admin])?;
    let state = q.state.unwrap_or_default();
    let p = app
        .store
        .jobs(&u.user, Some(state.as_str()), 1, 100)
        .await?;
    let rows = p
        .items
        .into_iter()
        .map(|j| JobRow {
            id: j.id,
            state_label: label(&j.state),
            kind: j.kind,
            key: j.unique_key,
            state: j.state,
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            run_at: format_local(j.run_at),
            finished_at: j.finished_at.map(format_local).unwrap_or_default(),
            locked_by: j.locked_by,
            last_error: j.last_error,
        })
        .collect();
    let page = JobsPage {
        shell: u.shell(),
        rows,
        counts: app.store.job_counts().await?,
        state,
        total: p.total,
    };
    Ok(render(&page)?.into_response())
}

async fn retry(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    u.require(&[Role::Admin])?;
    app.store.retry_job(&u.user, id).await?;
    Ok(Redirect::to("/admin/jobs?state=queued").into_response())
}
