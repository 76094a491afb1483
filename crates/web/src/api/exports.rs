//! The `.xlsx` twin of every list (SPEC §5.2: "Every list has an .xlsx twin with the same
//! filters") and an application's files as one `.zip`.
//!
//! Each export reads its list's filters with the list's own query struct and parser, takes
//! every matching row (not one page) by paging through the same storage query in chunks of
//! [`CHUNK`], writes the rows into a constant-memory sheet (`stationhub_documents::xlsx`), saves
//! the finished file to an anonymous temporary file and streams it from there with its
//! `Content-Length`, so that the browser can show progress and the server's memory stays flat
//! however long the list. The same functions serve the pages (`views::exports`), with the
//! session cookie instead of a bearer token.

use std::io::{Seek, SeekFrom};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::de::DeserializeOwned;
use stationhub_documents::bundle::{self, Bundle, BundleError};
use stationhub_documents::xlsx::{self, Book, SheetError};
use stationhub_domain::DomainError;
use stationhub_domain::account::Role;
use stationhub_domain::application::MaterialKind;
use stationhub_storage::accounts::UserView;
use stationhub_storage::applications::ApplicationFilter;
use stationhub_storage::audit::AuditFilter;
use stationhub_storage::review::StationFilter;
use stationhub_storage::stations::AssessmentFilter;

use super::applications::ListQuery;
use super::audit::AuditQuery;
use super::lifecycle::OverviewQuery;
use super::review::StationQuery;
use super::stations::AssessmentQuery;
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiUser;

/// Rows fetched per query while an export pages through its list: large, because each page
/// after the first skips the rows before it (20,000 rows: 4 queries, not 40).
pub const CHUNK: u64 = 5000;

impl From<SheetError> for ApiError {
    fn from(e: SheetError) -> Self {
        match e {
            SheetError::TooManyRows => DomainError::Conflict(e.to_string()).into(),
            SheetError::Xlsx(cause) => ApiError::Internal(format!("xlsx: {cause}")),
        }
    }
}

impl From<BundleError> for ApiError {
    fn from(e: BundleError) -> Self {
        ApiError::Internal(format!("zip: {e}"))
    }
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// A list's filters from the query string, read by the list's own query struct. Empty values
/// (a form's "全部") count as absent, and `page` / `per_page` are ignored: an export takes
/// every matching row.
pub fn filters<T: DeserializeOwned>(raw: Option<&str>) -> Result<T, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or_default())
        .map_err(|e| ApiError::bad_request(format!("查询参数无法解析：{e}")))?;
    let kept: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, v)| !v.trim().is_empty() && k != "page" && k != "per_page")
        .collect();
    let query = serde_urlencoded::to_string(&kept).map_err(internal)?;
    serde_urlencoded::from_str(&query)
        .map_err(|e| ApiError::bad_request(format!("查询参数无效：{e}")))
}

/// A finished export: a temporary file (gone once closed), streamed as an attachment with
/// its length.
pub struct Download {
    file: std::fs::File,
    len: u64,
    content_type: &'static str,
    /// The file name people see (Chinese, with the date).
    name: String,
    /// The same in ASCII, for clients without RFC 6266 `filename*`.
    ascii: String,
}

/// `attachment; filename="ascii"; filename*=UTF-8''%E7%94…`.
fn disposition(name: &str, ascii: &str) -> String {
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
    let ascii: String = ascii
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{utf8}")
}

impl IntoResponse for Download {
    fn into_response(self) -> Response {
        let file = tokio::fs::File::from_std(self.file);
        let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024));
        (
            [
                (CONTENT_TYPE, self.content_type.to_string()),
                (CONTENT_LENGTH, self.len.to_string()),
                (CONTENT_DISPOSITION, disposition(&self.name, &self.ascii)),
            ],
            body,
        )
            .into_response()
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(internal)?
}

/// Saves the book to a temporary file (off the async threads: compressing takes a while).
async fn save_book(book: Book, name: String, ascii: String) -> Result<Download, ApiError> {
    let (file, len) = blocking(move || {
        let mut file = tempfile::tempfile().map_err(internal)?;
        book.save(&mut file)?;
        let len = file.seek(SeekFrom::End(0)).map_err(internal)?;
        file.seek(SeekFrom::Start(0)).map_err(internal)?;
        Ok((file, len))
    })
    .await?;
    Ok(Download {
        file,
        len,
        content_type: xlsx::CONTENT_TYPE,
        name,
        ascii,
    })
}

/// `{what}_{today}.xlsx` and its ASCII twin.
fn names(app: &AppState, what: &str, ascii: &str) -> (String, String) {
    let today = app.clock.today();
    (
        format!("{what}_{today}.xlsx"),
        format!("{ascii}_{today}.xlsx"),
    )
}

/// Pages through a storage query (`page` in scope) in chunks of [`CHUNK`], pushing every
/// chunk into the list; refuses at once when the total would not fit in a sheet.
macro_rules! every_page {
    ($list:ident, $page:ident => $fetch:expr) => {{
        let mut $page: u64 = 1;
        loop {
            let p = $fetch.await?;
            if $page == 1 && p.total > u64::from(xlsx::MAX_ROWS) {
                return Err(SheetError::TooManyRows.into());
            }
            $list.push(&p.items)?;
            if (p.items.len() as u64) < CHUNK || $page >= stationhub_storage::MAX_PAGE {
                break;
            }
            $page += 1;
        }
    }};
}

fn require(user: &UserView, roles: &[Role]) -> Result<(), ApiError> {
    if roles.contains(&user.role) {
        Ok(())
    } else {
        Err(DomainError::Forbidden.into())
    }
}

// ---------------------------------------------------------------------------------------------
// The exports, for the API and the pages
// ---------------------------------------------------------------------------------------------

/// The applications the user may see, with the list's filters.
pub async fn applications_xlsx(
    app: &AppState,
    user: &UserView,
    f: &ApplicationFilter,
) -> Result<Download, ApiError> {
    let mut list = xlsx::applications()?;
    every_page!(list, page => app.store.list_applications(user, f, page, CHUNK));
    let (name, ascii) = names(app, "申报书列表", "applications");
    save_book(list.into_book(), name, ascii).await
}

/// Stations, by the filter (the public list or an official's whole list).
pub async fn stations_xlsx(app: &AppState, f: &StationFilter) -> Result<Download, ApiError> {
    let mut list = xlsx::stations()?;
    every_page!(list, page => app.store.stations(f, page, CHUNK));
    let (name, ascii) = names(app, "学会服务站名单", "stations");
    save_book(list.into_book(), name, ascii).await
}

/// Every running station's indicators of its current term year (city roles, supervisors).
pub async fn indicators_xlsx(app: &AppState, user: &UserView) -> Result<Download, ApiError> {
    require(
        user,
        &[Role::CityCast, Role::TalentOffice, Role::Supervisor],
    )?;
    let today = app.clock.today();
    // The indicator codes in the domain's order, whatever the stations' years.
    let codes = stationhub_domain::station::indicators(1, today, &[], &app.policy.assessment)
        .into_iter()
        .map(|i| i.code)
        .collect();
    let mut list = xlsx::indicators(codes)?;
    every_page!(list, page => app.store.indicator_table_page(today, &app.policy, page, CHUNK));
    let (name, ascii) = names(app, "考核指标总览", "indicators");
    save_book(list.into_book(), name, ascii).await
}

/// The assessments of the stations the user may see.
pub async fn assessments_xlsx(
    app: &AppState,
    user: &UserView,
    f: &AssessmentFilter,
) -> Result<Download, ApiError> {
    let mut list = xlsx::assessments()?;
    every_page!(list, page => app.store.list_assessments(user, f, page, CHUNK));
    let (name, ascii) = names(app, "年度考核", "assessments");
    save_book(list.into_book(), name, ascii).await
}

/// A station's fund ledger (whoever may see the station).
pub async fn ledger_xlsx(
    app: &AppState,
    user: &UserView,
    station_id: i64,
) -> Result<Download, ApiError> {
    let s = app.store.station_model(user, station_id).await?;
    let l = app.store.ledger(station_id).await?;
    let book = xlsx::ledger(&s.name, &l)?;
    let (name, ascii) = names(
        app,
        &format!("经费台账_{}", bundle::safe_name(&s.name)),
        &format!("ledger_{station_id}"),
    );
    save_book(book, name, ascii).await
}

/// The fund overview (city roles and supervisors: every station; a county's roles: the
/// county's), for one year or all.
pub async fn funds_xlsx(
    app: &AppState,
    user: &UserView,
    year: Option<i32>,
) -> Result<Download, ApiError> {
    let o = app
        .store
        .fund_overview(user, year, &app.policy.expenses.categories)
        .await?;
    let book = xlsx::funds(&o)?;
    let (what, ascii) = match year {
        Some(y) => (format!("经费总览_{y}年"), format!("funds_{y}")),
        None => ("经费总览_全部年度".to_string(), "funds".to_string()),
    };
    let (name, ascii) = names(app, &what, &ascii);
    save_book(book, name, ascii).await
}

/// The audit log, newest first (administrator, supervisors).
pub async fn audit_xlsx(
    app: &AppState,
    user: &UserView,
    f: &AuditFilter,
) -> Result<Download, ApiError> {
    if !user.role.may_read_audit_log() {
        return Err(DomainError::Forbidden.into());
    }
    let mut list = xlsx::audit()?;
    // Entries written while the export runs push older ones to later pages; each entry is
    // taken once, by its sequence number, and paging goes on until a page comes back short.
    let mut below = i64::MAX;
    let mut page = 1;
    loop {
        let p = app.store.audit_list(f, page, CHUNK).await?;
        if page == 1 && p.total > u64::from(xlsx::MAX_ROWS) {
            return Err(SheetError::TooManyRows.into());
        }
        let n = p.items.len() as u64;
        let fresh: Vec<_> = p.items.into_iter().filter(|e| e.seq < below).collect();
        if let Some(last) = fresh.last() {
            below = last.seq;
        }
        list.push(&fresh)?;
        if n < CHUNK || page >= stationhub_storage::MAX_PAGE {
            break;
        }
        page += 1;
    }
    let (name, ascii) = names(app, "审计日志", "audit");
    save_book(list.into_book(), name, ascii).await
}

/// Every current file of an application the user may see, as one .zip (hidden: 404).
pub async fn files_zip(
    app: &AppState,
    user: &UserView,
    application_id: i64,
) -> Result<Download, ApiError> {
    let v = app.store.application(user, application_id).await?;
    if v.files.is_empty() {
        return Err(DomainError::NotFound("申报材料".into()).into());
    }
    let out = tempfile::tempfile().map_err(internal)?;
    let mut zip = Bundle::new(out);
    for f in &v.files {
        let record = app.store.file_record(user, f.id).await?;
        let bytes = app.files.get(&record.storage_key).await?;
        let label = MaterialKind::parse(&f.kind)
            .map(bundle::material_label)
            .unwrap_or("其他材料");
        let original = f.filename.clone();
        zip = blocking(move || {
            zip.add(label, &original, &bytes)?;
            Ok(zip)
        })
        .await?;
    }
    let (file, len) = blocking(move || {
        let mut file = zip.finish()?;
        let len = file.seek(SeekFrom::End(0)).map_err(internal)?;
        file.seek(SeekFrom::Start(0)).map_err(internal)?;
        Ok((file, len))
    })
    .await?;
    let today = app.clock.today();
    let title = if v.station_name.trim().is_empty() {
        format!("申报书{application_id}")
    } else {
        bundle::safe_name(&v.station_name)
    };
    Ok(Download {
        file,
        len,
        content_type: bundle::CONTENT_TYPE,
        name: format!("申报材料_{title}_{today}.zip"),
        ascii: format!("application_{application_id}_files_{today}.zip"),
    })
}

// ---------------------------------------------------------------------------------------------
// The same lists, exported in the background (`api::export_jobs`)
// ---------------------------------------------------------------------------------------------

/// The lists that may also be exported in the background: the long ones.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    Applications,
    Stations,
    Indicators,
    Assessments,
    Funds,
    Audit,
}

impl ListKind {
    pub const ALL: [ListKind; 6] = [
        ListKind::Applications,
        ListKind::Stations,
        ListKind::Indicators,
        ListKind::Assessments,
        ListKind::Funds,
        ListKind::Audit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Applications => "applications",
            ListKind::Stations => "stations",
            ListKind::Indicators => "indicators",
            ListKind::Assessments => "assessments",
            ListKind::Funds => "funds",
            ListKind::Audit => "audit",
        }
    }

    pub fn parse(s: &str) -> Result<ListKind, ApiError> {
        ListKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| ApiError::bad_request(format!("没有可导出的列表“{s}”")))
    }

    /// What people call the list.
    pub fn label(self) -> &'static str {
        match self {
            ListKind::Applications => "申报书列表",
            ListKind::Stations => "学会服务站名单",
            ListKind::Indicators => "考核指标总览",
            ListKind::Assessments => "年度考核",
            ListKind::Funds => "经费总览",
            ListKind::Audit => "审计日志",
        }
    }
}

/// The list `kind` with its filters (`raw`, the list's query string) as the user may see it:
/// what a background export writes.
pub async fn export_list(
    app: &AppState,
    user: &UserView,
    kind: ListKind,
    raw: &str,
) -> Result<Download, ApiError> {
    let raw = Some(raw);
    match kind {
        ListKind::Applications => {
            let q: ListQuery = filters(raw)?;
            applications_xlsx(app, user, &q.filter()?).await
        }
        ListKind::Stations => {
            let q: StationQuery = filters(raw)?;
            stations_xlsx(app, &q.filter(user.role.sees_whole_city())?).await
        }
        ListKind::Indicators => indicators_xlsx(app, user).await,
        ListKind::Assessments => {
            let q: AssessmentQuery = filters(raw)?;
            assessments_xlsx(app, user, &q.filter()?).await
        }
        ListKind::Funds => {
            let q: OverviewQuery = filters(raw)?;
            funds_xlsx(app, user, q.year).await
        }
        ListKind::Audit => {
            let q: AuditQuery = filters(raw)?;
            audit_xlsx(app, user, &q.into()).await
        }
    }
}

/// What can be known before an export is queued: its filters are valid and the user's role
/// may export the list at all (the job checks again when it runs).
pub fn check_export(user: &UserView, kind: ListKind, raw: &str) -> Result<(), ApiError> {
    let raw = Some(raw);
    match kind {
        ListKind::Applications => {
            filters::<ListQuery>(raw)?.filter()?;
        }
        ListKind::Stations => {
            filters::<StationQuery>(raw)?.filter(user.role.sees_whole_city())?;
        }
        ListKind::Indicators => {
            if !user.role.sees_whole_city() {
                return Err(DomainError::Forbidden.into());
            }
        }
        ListKind::Assessments => {
            filters::<AssessmentQuery>(raw)?.filter()?;
        }
        ListKind::Funds => {
            filters::<OverviewQuery>(raw)?;
            if !user.role.may_read_funds() {
                return Err(DomainError::Forbidden.into());
            }
        }
        ListKind::Audit => {
            filters::<AuditQuery>(raw)?;
            if !user.role.may_read_audit_log() {
                return Err(DomainError::Forbidden.into());
            }
        }
    }
    Ok(())
}

impl Download {
    /// The finished file's bytes and its name (a background export keeps them in the file
    /// store).
    pub fn into_bytes(mut self) -> Result<(Vec<u8>, String), ApiError> {
        use std::io::Read;
        let mut bytes = Vec::with_capacity(self.len as usize);
        self.file.read_to_end(&mut bytes).map_err(internal)?;
        Ok((bytes, self.name))
    }
}

/// A stored file as an attachment named `name` (and `ascii` for old clients).
pub fn attachment(bytes: bytes::Bytes, content_type: &str, name: &str, ascii: &str) -> Response {
    (
        [
            (CONTENT_TYPE, content_type.to_string()),
            (CONTENT_LENGTH, bytes.len().to_string()),
            (CONTENT_DISPOSITION, disposition(name, ascii)),
        ],
        Body::from(bytes),
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// The API handlers
// ---------------------------------------------------------------------------------------------

/// The export routes, under `/api/v1`.
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
}

/// The application list (`GET /api/v1/applications`) as .xlsx: the same filters and
/// visibility, every matching row.
#[utoipa::path(get, path = "/api/v1/applications.xlsx", tag = "exports",
    security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "the list as an .xlsx attachment",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn applications(
    State(app): State<AppState>,
    user: ApiUser,
    RawQuery(raw): RawQuery,
) -> Result<Download, ApiError> {
    export_list(
        &app,
        &user.0.user,
        ListKind::Applications,
        raw.as_deref().unwrap_or_default(),
    )
    .await
}

/// The station list (`GET /api/v1/stations`) as .xlsx: without a token the public list (active
/// and rectifying stations), for officials every station (and `status`).
#[utoipa::path(get, path = "/api/v1/stations.xlsx", tag = "exports",
    params(StationQuery),
    responses((status = 200, description = "the list as an .xlsx attachment",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 422, body = ErrorBody)))]
pub async fn stations(
    State(app): State<AppState>,
    user: Result<ApiUser, ApiError>,
    RawQuery(raw): RawQuery,
) -> Result<Download, ApiError> {
    let official = user.as_ref().is_ok_and(|u| u.0.user.role.sees_whole_city());
    let q: StationQuery = filters(raw.as_deref())?;
    stations_xlsx(&app, &q.filter(official)?).await
}

/// The indicator table (`GET /api/v1/indicators`) as .xlsx (city CAST, talent office,
/// supervisors): what each running station did and what is required, per indicator.
#[utoipa::path(get, path = "/api/v1/indicators.xlsx", tag = "exports",
    security(("bearer" = [])),
    responses((status = 200, description = "the table as an .xlsx attachment",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 403, body = ErrorBody)))]
pub async fn indicators(State(app): State<AppState>, user: ApiUser) -> Result<Download, ApiError> {
    export_list(&app, &user.0.user, ListKind::Indicators, "").await
}

/// The assessment list (`GET /api/v1/assessments`) as .xlsx, with the same filters.
#[utoipa::path(get, path = "/api/v1/assessments.xlsx", tag = "exports",
    security(("bearer" = [])), params(AssessmentQuery),
    responses((status = 200, description = "the list as an .xlsx attachment",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assessments(
    State(app): State<AppState>,
    user: ApiUser,
    RawQuery(raw): RawQuery,
) -> Result<Download, ApiError> {
    export_list(
        &app,
        &user.0.user,
        ListKind::Assessments,
        raw.as_deref().unwrap_or_default(),
    )
    .await
}

/// A station's ledger (`GET /api/v1/stations/{id}/ledger`) as .xlsx, with its balance.
#[utoipa::path(get, path = "/api/v1/stations/{id}/ledger.xlsx", tag = "exports",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "the ledger as an .xlsx attachment",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 404, body = ErrorBody)))]
pub async fn ledger(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Download, ApiError> {
    ledger_xlsx(&app, &user.0.user, id).await
}

/// The fund overview (`GET /api/v1/funds`) as .xlsx, with the same `year`: per station, per
/// year, per expense category and the totals, in yuan.
#[utoipa::path(get, path = "/api/v1/funds.xlsx", tag = "exports",
    security(("bearer" = [])), params(OverviewQuery),
    responses((status = 200, description = "the overview as an .xlsx attachment",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 403, body = ErrorBody)))]
pub async fn funds(
    State(app): State<AppState>,
    user: ApiUser,
    RawQuery(raw): RawQuery,
) -> Result<Download, ApiError> {
    export_list(
        &app,
        &user.0.user,
        ListKind::Funds,
        raw.as_deref().unwrap_or_default(),
    )
    .await
}

/// The audit log (`GET /api/v1/audit`) as .xlsx, with the same filters (administrator,
/// supervisors).
#[utoipa::path(get, path = "/api/v1/audit.xlsx", tag = "exports",
    security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, description = "the log as an .xlsx attachment",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 403, body = ErrorBody)))]
pub async fn audit(
    State(app): State<AppState>,
    user: ApiUser,
    RawQuery(raw): RawQuery,
) -> Result<Download, ApiError> {
    export_list(
        &app,
        &user.0.user,
        ListKind::Audit,
        raw.as_deref().unwrap_or_default(),
    )
    .await
}

/// Every current file of an application as one .zip, each named by its material (第九条) and
/// its uploaded name (by the application's visibility; hidden → 404).
#[utoipa::path(get, path = "/api/v1/applications/{id}/files.zip", tag = "exports",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "the files as a .zip attachment",
               content_type = "application/zip"),
              (status = 404, body = ErrorBody)))]
pub async fn files(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    Ok(files_zip(&app, &user.0.user, id).await?.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_is_given_twice() {
        let d = disposition("申报书列表_2026-03-10.xlsx", "applications_2026-03-10.xlsx");
        assert_eq!(
            d,
            "attachment; filename=\"applications_2026-03-10.xlsx\"; \
             filename*=UTF-8''%E7%94%B3%E6%8A%A5%E4%B9%A6%E5%88%97%E8%A1%A8_2026-03-10.xlsx"
        );
    }

    #[test]
    fn empty_filters_are_absent_and_paging_is_ignored() {
        let q: ListQuery =
            filters(Some("q=&state=draft&round=&level=&page=3&per_page=10")).unwrap();
        assert_eq!(q.state.as_deref(), Some("draft"));
        assert_eq!(q.round, None);
        assert!(filters::<ListQuery>(Some("round=abc")).is_err());
        let q: AuditQuery = filters(None).unwrap();
        assert!(q.actor.is_none());
    }
}
