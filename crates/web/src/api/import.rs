//! 存量服务站导入 over the API (第八条; SPEC §3 rule 17): the template to fill in, and the
//! import of a filled-in file by city CAST — every row checked, all imported or none.

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use stationhub_domain::account::Role;
use stationhub_domain::import::RowError;
use stationhub_storage::accounts::UserView;
use stationhub_storage::import::{ImportOutcome, ImportSummary, read_sheet, template_xlsx};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ErrorBody, ErrorDetail, FieldJson};
use crate::extract::{ApiJson, ApiUser};

/// The media type of .xlsx files.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The template file as an attachment.
pub fn template_response(app: &AppState) -> Result<Response, ApiError> {
    let bytes = template_xlsx(&app.policy, app.clock.today()).map_err(ApiError::Internal)?;
    let name = "存量服务站导入模板.xlsx";
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
    Ok((
        [
            (CONTENT_TYPE, XLSX.to_string()),
            (CONTENT_LENGTH, bytes.len().to_string()),
            (
                CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"station-import-template.xlsx\"; filename*=UTF-8''{utf8}"
                ),
            ),
            (CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from(bytes),
    )
        .into_response())
}

/// The import template (.xlsx): the columns with one example row, and a sheet "填写说明"
/// explaining each column with the values the policy file allows (city CAST, admin).
#[utoipa::path(get, path = "/api/v1/stations/import-template.xlsx", tag = "stations",
    security(("bearer" = [])),
    responses((status = 200, description = "the template, as an .xlsx attachment"),
              (status = 403, body = ErrorBody)))]
pub async fn template(State(app): State<AppState>, user: ApiUser) -> Result<Response, ApiError> {
    user.require(&[Role::CityCast, Role::Admin])?;
    template_response(&app)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportQuery {
    /// `true`: check every row, import nothing.
    pub dry_run: Option<bool>,
}

/// What an import did (201), or what a dry run found (200).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResponse {
    /// Stations imported (0 on a dry run).
    pub imported: usize,
    /// Rows found good.
    pub valid: usize,
    pub active: usize,
    pub expired: usize,
    pub units_created: usize,
    pub societies_created: usize,
    pub round_id: Option<i64>,
    pub dry_run: bool,
}

impl From<ImportSummary> for ImportResponse {
    fn from(s: ImportSummary) -> Self {
        ImportResponse {
            imported: if s.dry_run { 0 } else { s.stations },
            valid: s.stations,
            active: s.active,
            expired: s.expired,
            units_created: s.units_created,
            societies_created: s.societies_created,
            round_id: s.round_id,
            dry_run: s.dry_run,
        }
    }
}

/// Reads the multipart `file` (and an optional `dry_run` field) and runs the import as `user`
/// (city CAST). Shared by the API and the stations page.
pub async fn run_import(
    app: &AppState,
    user: &UserView,
    multipart: Multipart,
    dry_run: bool,
) -> Result<ImportOutcome, ApiError> {
    if user.role != Role::CityCast {
        return Err(stationhub_domain::DomainError::Forbidden.into());
    }
    let (fields, file) = crate::upload::receive(multipart)
        .await?
        .file("请选择要导入的 .xlsx 文件")?;
    let dry_run = dry_run
        || fields
            .get("dry_run")
            .is_some_and(|v| matches!(v.trim(), "true" | "1" | "on"));
    let sheet = read_sheet(&file.bytes)?;
    Ok(app
        .store
        .import_stations(
            &user.actor(),
            &sheet,
            dry_run,
            app.clock.today(),
            &app.policy,
        )
        .await?)
}

/// The refusal of an import: 422 with every bad row in `fields` (`line`, `column`, `message`,
/// `article`).
pub fn refusal(errors: &[RowError]) -> Response {
    let shown: Vec<String> = errors.iter().take(5).map(ToString::to_string).collect();
    let more = if errors.len() > shown.len() {
        format!("；另有 {} 处", errors.len() - shown.len())
    } else {
        String::new()
    };
    let detail = ErrorDetail {
        code: "import_invalid".into(),
        message: format!(
            "导入文件有 {} 处错误，未导入任何服务站：{}{more}",
            errors.len(),
            shown.join("；")
        ),
        article: None,
        field: Some("file".into()),
        violations: None,
        fields: Some(
            errors
                .iter()
                .map(|e| FieldJson {
                    field: e.column.map(|c| c.key()).unwrap_or("row").to_string(),
                    message: e.reason(),
                    line: Some(e.line),
                    column: Some(e.column_header().to_string()).filter(|c| !c.is_empty()),
                    article: e.article.map(str::to_string),
                })
                .collect(),
        ),
    };
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        axum::Json(ErrorBody { error: detail }),
    )
        .into_response()
}

/// Import stations named before the measures (city CAST): multipart `file` (.xlsx, the
/// template's columns). Every row is checked; if any is bad nothing is imported and the answer
/// is 422 listing every bad row (`fields`: `line`, `column`, `message`, `article`). Otherwise
/// all rows are imported in one transaction: 201 `{imported}`. `?dry_run=true` checks only
/// (200).
#[utoipa::path(post, path = "/api/v1/stations/import", tag = "stations",
    security(("bearer" = [])), params(ImportQuery),
    responses((status = 201, body = ImportResponse), (status = 200, body = ImportResponse),
              (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn import(
    State(app): State<AppState>,
    user: ApiUser,
    q: Result<Query<ImportQuery>, QueryRejection>,
    multipart: Multipart,
) -> Result<Response, ApiError> {
    user.require(&[Role::CityCast])?;
    let Query(q) = q.map_err(|_| ApiError::bad_request("dry_run 须为 true 或 false"))?;
    match run_import(&app, &user.0.user, multipart, q.dry_run.unwrap_or(false)).await? {
        ImportOutcome::Refused(errors) => Ok(refusal(&errors)),
        ImportOutcome::Done(s) => {
            let status = if s.dry_run {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            Ok((status, ApiJson(ImportResponse::from(s))).into_response())
        }
    }
}
