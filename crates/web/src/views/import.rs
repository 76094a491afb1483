//! 存量服务站导入 on the pages (第八条; SPEC §3 rule 17): city CAST downloads the template,
//! uploads the filled-in file, and sees either how many stations came in or every bad row in a
//! table (line, column, reason) — nothing is imported then. The same use case as
//! `api::import`; the stations list links here with the same form.

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use stationhub_domain::ErrorKind;
use stationhub_domain::account::Role;
use stationhub_storage::import::ImportOutcome;

use super::{PageUser, Shell, render};
use crate::AppState;
use crate::api::import::{run_import, template_response};
use crate::error::{ApiError, PageError, status_of};
use crate::extract::PageQuery;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/stations/import",
            get(import_page)
                .post(import_submit)
                .layer(DefaultBodyLimit::max(crate::api::UPLOAD_BODY_LIMIT)),
        )
        .route("/stations/import-template.xlsx", get(template))
}

/// One bad cell of a refused file, as the table shows it.
pub struct BadRow {
    pub line: u32,
    pub column: &'static str,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    shell: Shell,
    flash: Option<String>,
    error: Option<String>,
    rows: Vec<BadRow>,
}

#[derive(Deserialize, Default)]
pub struct ImportQuery {
    imported: Option<u32>,
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

async fn import_page(
    u: PageUser,
    PageQuery(q): PageQuery<ImportQuery>,
) -> Result<Response, PageError> {
    u.require(&[Role::CityCast])?;
    let page = ImportPage {
        shell: u.shell(),
        flash: q
            .imported
            .map(|n| format!("已导入 {n} 个存量服务站，可在服务站名单中查看。")),
        error: None,
        rows: Vec::new(),
    };
    Ok(render(&page)?.into_response())
}

/// `POST /stations/import?csrf_token=…` (multipart `file`, optional `dry_run`).
async fn import_submit(
    State(app): State<AppState>,
    u: PageUser,
    multipart: Multipart,
) -> Result<Response, PageError> {
    u.require(&[Role::CityCast])?;
    let mut page = ImportPage {
        shell: u.shell(),
        flash: None,
        error: None,
        rows: Vec::new(),
    };
    let status = match run_import(&app, &u.user, multipart, false).await {
        Ok(ImportOutcome::Done(s)) if s.dry_run => {
            page.flash = Some(format!(
                "检查通过：{} 个服务站（运行中 {}，已期满 {}）可以导入，将新建 {} 个建站单位、{} 个学会。尚未导入，取消勾选“只检查”后再次上传即可导入。",
                s.stations, s.active, s.expired, s.units_created, s.societies_created
            ));
            StatusCode::OK
        }
        Ok(ImportOutcome::Done(s)) => {
            return Ok(
                Redirect::to(&format!("/stations/import?imported={}", s.stations)).into_response(),
            );
        }
        Ok(ImportOutcome::Refused(errors)) => {
            page.rows = errors
                .iter()
                .map(|e| BadRow {
                    line: e.line,
                    column: e.column_header(),
                    reason: e.reason(),
                })
                .collect();
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(ApiError::Domain(e))
            if !matches!(
                e.kind(),
                ErrorKind::Forbidden | ErrorKind::NotFound | ErrorKind::Unauthenticated
            ) =>
        {
            page.error = Some(e.to_string());
            status_of(e.kind())
        }
        Err(e) => return Err(page_error(e)),
    };
    Ok((status, render(&page)?).into_response())
}

/// `GET /stations/import-template.xlsx`: the template (city CAST, admin).
async fn template(State(app): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    u.require(&[Role::CityCast, Role::Admin])?;
    template_response(&app).map_err(page_error)
}
