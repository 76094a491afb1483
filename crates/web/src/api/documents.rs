//! The official documents as files: the 申报书 as PDF and Word, the public notice, the award
//! notice, the assessment sheet and the ledger statement as PDF. Each answers by the same
//! visibility as the record it prints (a hidden one is "not found"), as an attachment with a
//! Chinese file name. The pages (`views::documents`) serve the same files through these
//! functions for the session cookie.

use std::collections::HashMap;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use stationhub_documents::form::{self, DocError, FormContext, SealImage};
use stationhub_documents::pdf::{self, official};
use stationhub_domain::DomainError;
use stationhub_domain::account::Role;
use stationhub_storage::accounts::UserView;
use stationhub_storage::review::StationView;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiUser;

/// The documents' routes under `/api/v1`.
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

pub const PDF: &str = "application/pdf";
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// A document as a download: its type, its length and `attachment` with the Chinese name
/// (`filename*`, RFC 6266) and a plain ASCII one for old clients.
pub fn attachment(bytes: Vec<u8>, content_type: &'static str, ascii: &str, name: &str) -> Response {
    let utf8: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    (
        [
            (CONTENT_TYPE, content_type.to_string()),
            (CONTENT_LENGTH, bytes.len().to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{utf8}"),
            ),
        ],
        Body::from(bytes),
    )
        .into_response()
}

fn doc_error(e: DocError) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// Runs a renderer (CPU-bound) off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, DocError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(doc_error)
}

/// An organisation's seal, ready to stamp; `None` when it has none or it cannot be read (the
/// document is then printed without it).
async fn seal_image(app: &AppState, owner: &str) -> Result<Option<SealImage>, ApiError> {
    let Some(f) = app.store.seal(owner).await? else {
        return Ok(None);
    };
    match app.files.get(&f.storage_key).await {
        Ok(bytes) => Ok(SealImage::from_bytes(&bytes)),
        Err(e) => {
            tracing::warn!(owner, error = %e, "seal file cannot be read; printed without it");
            Ok(None)
        }
    }
}

/// Which file of the 申报书.
#[derive(Debug, Clone, Copy)]
pub enum FormFile {
    Pdf,
    Docx,
}

/// The 申报书 of an application the user may see.
pub async fn form_file(
    app: &AppState,
    user: &UserView,
    id: i64,
    kind: FormFile,
) -> Result<Response, ApiError> {
    let v = app.store.application(user, id).await?;
    let mut seals = HashMap::new();
    for owner in form::seal_owners(&v) {
        if let Some(s) = seal_image(app, &owner).await? {
            seals.insert(owner, s);
        }
    }
    let f = form::build(
        &v,
        &FormContext {
            industries: &app.policy.application.industries,
            term_years: app.policy.application.term_years,
            seals: &seals,
        },
    );
    Ok(match kind {
        FormFile::Pdf => {
            let name = form::file_name(&f, "pdf");
            let bytes = blocking(move || pdf::form(&f)).await?;
            attachment(bytes, PDF, &format!("application-{id}.pdf"), &name)
        }
        FormFile::Docx => {
            let name = form::file_name(&f, "docx");
            let bytes = blocking(move || stationhub_documents::docx::form(&f)).await?;
            attachment(bytes, DOCX, &format!("application-{id}.docx"), &name)
        }
    })
}

async fn official_file(
    app: &AppState,
    doc: official::Official,
    seal_owner: Option<String>,
    ascii: &str,
) -> Result<Response, ApiError> {
    let seal = match seal_owner {
        Some(owner) => seal_image(app, &owner).await?,
        None => None,
    };
    let name = doc.file_name();
    let bytes = blocking(move || pdf::official(&doc, seal.as_ref())).await?;
    Ok(attachment(bytes, PDF, ascii, &name))
}

/// The public notice (anyone, as the notice itself).
pub async fn notice_file(app: &AppState, id: i64) -> Result<Response, ApiError> {
    let n = app.store.notice(id).await?;
    let seal = app.store.city_office_seal_owner(Role::CityCast).await?;
    official_file(app, official::notice(&n), seal, &format!("notice-{id}.pdf")).await
}

/// A station as `GET /api/v1/stations/{id}` shows it: public while active or rectifying,
/// otherwise to the city, its unit and its society.
async fn visible_station(
    app: &AppState,
    user: Option<&UserView>,
    id: i64,
) -> Result<StationView, ApiError> {
    Ok(app.store.visible_station(user, id).await?)
}

/// The award notice of a station (as the station is visible).
pub async fn award_file(
    app: &AppState,
    user: Option<&UserView>,
    id: i64,
) -> Result<Response, ApiError> {
    let s = visible_station(app, user, id).await?;
    let period = app.store.notice_period_of(s.application_id).await?;
    let seal = match app.store.award_seal_owner(s.application_id).await? {
        Some(o) => Some(o),
        None => app.store.city_office_seal_owner(Role::TalentOffice).await?,
    };
    official_file(
        app,
        official::award(&s, period),
        seal,
        &format!("award-notice-{id}.pdf"),
    )
    .await
}

/// The assessment sheet of a station-year (as the station's assessments are visible).
pub async fn assessment_file(
    app: &AppState,
    user: &UserView,
    id: i64,
    year: u32,
) -> Result<Response, ApiError> {
    let m = app.store.station_model(user, id).await?;
    let a = app
        .store
        .assessments(id)
        .await?
        .into_iter()
        .find(|a| a.year == year as i32)
        .ok_or_else(|| DomainError::NotFound(format!("第 {year} 年度考核结果")))?;
    let s = app.store.station(id).await?;
    let span = stationhub_domain::station::term_year(m.awarded_on, year);
    let seal = app.store.city_office_seal_owner(Role::CityCast).await?;
    official_file(
        app,
        official::assessment_sheet(&s, &a, span),
        seal,
        &format!("assessment-{id}-{year}.pdf"),
    )
    .await
}

/// The ledger statement of a station (as its ledger is visible).
pub async fn ledger_file(app: &AppState, user: &UserView, id: i64) -> Result<Response, ApiError> {
    app.store.station_model(user, id).await?;
    let l = app.store.ledger(id).await?;
    let s = app.store.station(id).await?;
    official_file(
        app,
        official::ledger_statement(&s, &l, app.clock.today()),
        None,
        &format!("ledger-{id}.pdf"),
    )
    .await
}

/// The 申报书 as PDF: the cover and the form's table with the filled values, ticks and the four
/// opinion boxes with seals (by the application's visibility; a hidden one is 404).
#[utoipa::path(get, path = "/api/v1/applications/{id}/form.pdf", tag = "documents",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "the 申报书 (application/pdf, attachment)"),
              (status = 404, body = ErrorBody)))]
pub async fn form_pdf(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    form_file(&app, &user.0.user, id, FormFile::Pdf).await
}

/// The 申报书 as Word (.docx), the same cover and table.
#[utoipa::path(get, path = "/api/v1/applications/{id}/form.docx", tag = "documents",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "the 申报书 (.docx, attachment)"),
              (status = 404, body = ErrorBody)))]
pub async fn form_docx(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    form_file(&app, &user.0.user, id, FormFile::Docx).await
}

/// The public notice (公示) as PDF, with its applications and dates (no sign-in).
#[utoipa::path(get, path = "/api/v1/notices/{id}/notice.pdf", tag = "documents",
    params(("id" = i64, Path)),
    responses((status = 200, description = "the notice (application/pdf, attachment)"),
              (status = 404, body = ErrorBody)))]
pub async fn notice_pdf(
    State(app): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    notice_file(&app, id).await
}

/// The award notice (授牌通知) of a station with its document number (public while the
/// station is active or rectifying, as the station).
#[utoipa::path(get, path = "/api/v1/stations/{id}/award-notice.pdf", tag = "documents",
    params(("id" = i64, Path)),
    responses((status = 200, description = "the award notice (application/pdf, attachment)"),
              (status = 404, body = ErrorBody)))]
pub async fn award_notice_pdf(
    State(app): State<AppState>,
    user: Result<ApiUser, ApiError>,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let user = user.ok();
    award_file(&app, user.as_ref().map(|u| &u.0.user), id).await
}

/// The assessment sheet (考核表) of a station-year: score sheet, indicators, grade, opinion,
/// consequence.
#[utoipa::path(get, path = "/api/v1/stations/{id}/assessments/{year}/sheet.pdf", tag = "documents",
    security(("bearer" = [])), params(("id" = i64, Path), ("year" = u32, Path)),
    responses((status = 200, description = "the assessment sheet (application/pdf, attachment)"),
              (status = 404, body = ErrorBody)))]
pub async fn assessment_sheet_pdf(
    State(app): State<AppState>,
    user: ApiUser,
    Path((id, year)): Path<(i64, u32)>,
) -> Result<Response, ApiError> {
    assessment_file(&app, &user.0.user, id, year).await
}

/// The ledger statement (经费台账) of a station: entries, totals and balance in yuan.
#[utoipa::path(get, path = "/api/v1/stations/{id}/ledger.pdf", tag = "documents",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "the ledger statement (application/pdf, attachment)"),
              (status = 404, body = ErrorBody)))]
pub async fn ledger_pdf(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    ledger_file(&app, &user.0.user, id).await
}
