//! The official documents for the pages (the session cookie): the same files as
//! `api::documents`, linked from the application, notice and station pages.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;

use super::{PageRejection, PageUser};
use crate::AppState;
use crate::api::documents::{self as docs, FormFile};
use crate::error::{ApiError, PageError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/applications/{id}/form.pdf", get(form_pdf))
        .route("/applications/{id}/form.docx", get(form_docx))
        .route("/notices/{id}/notice.pdf", get(notice_pdf))
        .route("/stations/{id}/award-notice.pdf", get(award_notice_pdf))
        .route(
            "/stations/{id}/assessments/{year}/sheet.pdf",
            get(assessment_sheet_pdf),
        )
        .route("/stations/{id}/ledger.pdf", get(ledger_pdf))
}

fn page_error(e: ApiError) -> PageError {
    match e {
        ApiError::Domain(d) => d.into(),
        ApiError::Request {
            status, message, ..
        } => PageError { status, message },
        ApiError::Internal(cause) => PageError::internal(cause),
    }
}

async fn form_pdf(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    docs::form_file(&app, &u.user, id, FormFile::Pdf)
        .await
        .map_err(page_error)
}

async fn form_docx(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    docs::form_file(&app, &u.user, id, FormFile::Docx)
        .await
        .map_err(page_error)
}

/// Public, as the notice page.
async fn notice_pdf(
    State(app): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    docs::notice_file(&app, id).await.map_err(page_error)
}

/// Public while the station is, as the station page.
async fn award_notice_pdf(
    State(app): State<AppState>,
    u: Result<PageUser, PageRejection>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let user = u.ok().map(|u| u.user);
    docs::award_file(&app, user.as_ref(), id)
        .await
        .map_err(page_error)
}

async fn assessment_sheet_pdf(
    State(app): State<AppState>,
    u: PageUser,
    Path((id, year)): Path<(i64, u32)>,
) -> Result<Response, PageError> {
    docs::assessment_file(&app, &u.user, id, year)
        .await
        .map_err(page_error)
}

async fn ledger_pdf(
    State(app): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    docs::ledger_file(&app, &u.user, id)
        .await
        .map_err(page_error)
}
