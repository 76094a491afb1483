//! The exports for the pages: the same files as the API's `.xlsx` and `.zip` twins
//! (`api::exports`), reached with the session cookie. Each list page links here with its
//! current filters ("导出 Excel"); `static/app.js` downloads the file with a progress bar, and
//! without script the link downloads it directly. An error answers a page in Chinese.
//!
//! A long list can be exported in the background instead ("后台导出", a form posting to
//! `/exports`): the person's exports are listed on `/exports` ("我的导出"), which refreshes
//! itself while one is being made, with a download link once it is done.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use stationhub_domain::clock::format_local;

use super::{PageUser, Shell, render};
use crate::AppState;
use crate::api::export_jobs::{self, ExportView, SHOWN};
use crate::api::exports::{self as export, ListKind, filters};
use crate::api::review::StationQuery;
use crate::error::{ApiError, PageError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/applications.xlsx", get(applications))
        .route("/applications/{id}/files.zip", get(files))
        .route("/stations.xlsx", get(stations))
        .route("/stations/{id}/ledger.xlsx", get(ledger))
        .route("/indicators.xlsx", get(indicators))
        .route("/assessments.xlsx", get(assessments))
        .route("/funds.xlsx", get(funds))
        .route("/audit.xlsx", get(audit))
        .route("/exports", get(mine).post(queue))
        .route("/exports/{id}/file", get(export_file))
}

/// An export's refusal as a page.
fn page_error(e: ApiError) -> PageError {
    match e {
        ApiError::Domain(d) => d.into(),
        ApiError::Request {
            status, message, ..
        } => PageError { status, message },
        ApiError::Internal(cause) => PageError::internal(cause),
    }
}

fn answer(r: Result<export::Download, ApiError>) -> Result<Response, PageError> {
    r.map(IntoResponse::into_response).map_err(page_error)
}

/// `/applications.xlsx?…`: the application list with the page's filters.
async fn applications(
    State(app): State<AppState>,
    u: PageUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    answer(
        export::export_list(
            &app,
            &u.user,
            ListKind::Applications,
            raw.as_deref().unwrap_or_default(),
        )
        .await,
    )
}

/// `/stations.xlsx?…`: the public station list, as the stations page shows it to everyone.
async fn stations(
    State(app): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: StationQuery = filters(raw.as_deref()).map_err(page_error)?;
    let f = q.filter(false)?;
    answer(export::stations_xlsx(&app, &f).await)
}

async fn indicators(State(app): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    answer(export::export_list(&app, &u.user, ListKind::Indicators, "").await)
}

/// `/assessments.xlsx?station=…`: assessments (a station page links with its id).
async fn assessments(
    State(app): State<AppState>,
    u: PageUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    answer(
        export::export_list(
            &app,
            &u.user,
            ListKind::Assessments,
            raw.as_deref().unwrap_or_default(),
        )
        .await,
    )
}

async fn ledger(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    answer(export::ledger_xlsx(&app, &u.user, id).await)
}

async fn funds(
    State(app): State<AppState>,
    u: PageUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    answer(
        export::export_list(
            &app,
            &u.user,
            ListKind::Funds,
            raw.as_deref().unwrap_or_default(),
        )
        .await,
    )
}

async fn audit(
    State(app): State<AppState>,
    u: PageUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    answer(
        export::export_list(
            &app,
            &u.user,
            ListKind::Audit,
            raw.as_deref().unwrap_or_default(),
        )
        .await,
    )
}

async fn files(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    answer(export::files_zip(&app, &u.user, id).await)
}

#[derive(Template)]
#[template(path = "exports.html")]
struct ExportsPage {
    shell: Shell,
    rows: Vec<ExportRow>,
    /// One is still being made: the page refreshes itself.
    pending: bool,
}

struct ExportRow {
    v: ExportView,
    created_at: String,
    finished_at: String,
}

/// `/exports`: the person's background exports, newest first.
async fn mine(State(app): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    let items = app.store.exports_of(&u.user, SHOWN).await?;
    let rows: Vec<ExportRow> = items
        .into_iter()
        .map(|e| {
            let v = ExportView::from(e);
            ExportRow {
                created_at: format_local(v.created_at),
                finished_at: v.finished_at.map(format_local).unwrap_or_default(),
                v,
            }
        })
        .collect();
    let pending = rows
        .iter()
        .any(|r| r.v.state == "queued" || r.v.state == "running");
    Ok(render(&ExportsPage {
        shell: u.shell(),
        rows,
        pending,
    })?
    .into_response())
}

#[derive(Debug, Deserialize)]
struct QueueForm {
    list: String,
    #[serde(default)]
    query: String,
}

/// "后台导出" on a list page: queued, then the person's exports.
async fn queue(
    State(app): State<AppState>,
    u: PageUser,
    Form(f): Form<QueueForm>,
) -> Result<Response, PageError> {
    export_jobs::queue(&app, &u.user, &f.list, &f.query)
        .await
        .map_err(page_error)?;
    Ok(Redirect::to("/exports").into_response())
}

async fn export_file(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    export_jobs::download(&app, &u.user, id)
        .await
        .map_err(page_error)
}
