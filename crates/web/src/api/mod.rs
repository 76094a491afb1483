//! The JSON API under `/api/v1` (SPEC §5.1), described by the OpenAPI document generated from
//! these handlers' annotations at `/api/v1/openapi.json`.

pub mod accounts;
pub mod applications;
pub mod audit;
pub mod dashboard;
pub mod documents;
pub mod export_jobs;
pub mod exports;
pub mod import;
pub mod jobs;
pub mod lifecycle;
pub mod memo;
pub mod registry;
pub mod review;
pub mod stations;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::{IntoResponse, Json};
use axum::routing::{get, post, put};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::AppState;
use crate::error::{ApiError, ErrorBody, ErrorDetail};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "stationhub API",
        description = "益阳市学会服务站管理系统 JSON API。错误统一为 {\"error\": {\"code\", \"message\", \"article\"}}。",
        version = "1"
    ),
    paths(
        accounts::sign_in,
        accounts::sign_out,
        accounts::me,
        accounts::change_password,
        accounts::create_user,
        accounts::list_users,
        accounts::unlock_user,
        accounts::counties,
        audit::list,
        registry::create_unit,
        registry::list_units,
        registry::get_unit,
        registry::update_unit,
        registry::create_society,
        registry::list_societies,
        registry::get_society,
        registry::update_society,
        registry::add_expert,
        registry::list_experts,
        registry::update_expert,
        registry::retire_expert,
        registry::create_round,
        registry::list_rounds,
        applications::create,
        applications::update,
        applications::list,
        applications::get,
        applications::upload,
        applications::download,
        applications::request_confirmation,
        applications::confirm,
        applications::check,
        applications::submit,
        review::decide,
        review::queue,
        review::publish_notice,
        review::notices,
        review::notice,
        review::lodge_objection,
        review::objections,
        review::handle_objection,
        review::award,
        review::stations,
        review::station,
        import::template,
        import::import,
        review::notice_end,
        review::calendar_year,
        review::set_day,
        review::remove_day,
        review::add_year,
        review::inbox,
        review::inbox_read,
        review::upload_seal,
        stations::record_activity,
        stations::correct_activity,
        stations::activities,
        stations::indicators,
        stations::assess,
        stations::assessments,
        stations::ledger,
        stations::pay_grant,
        stations::national_grant,
        stations::record_expense,
        stations::upload_voucher,
        stations::record_recovery,
        stations::indicator_table,
        stations::file_report,
        stations::reports,
        stations::upload_activity_file,
        stations::upload_report_file,
        lifecycle::request_change,
        lifecycle::station_requests,
        lifecycle::upload_letter,
        lifecycle::pending_requests,
        lifecycle::decide_request,
        lifecycle::start_renewal,
        lifecycle::fund_overview,
        stations::list_assessments, exports::applications, exports::stations, exports::indicators, exports::assessments, exports::ledger, exports::funds, exports::audit, exports::files,
        export_jobs::request, export_jobs::list, export_jobs::one, export_jobs::file,
        documents::form_pdf, documents::form_docx, documents::notice_pdf, documents::award_notice_pdf, documents::assessment_sheet_pdf, documents::ledger_pdf,
        dashboard::dashboard,
        jobs::list,
        jobs::retry,
    ),
    components(schemas(ErrorBody, ErrorDetail, crate::error::ViolationJson, crate::error::FieldJson)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// An upload's body: the 20 MB file of 第九条 plus the multipart envelope.
pub const UPLOAD_BODY_LIMIT: usize =
    stationhub_domain::upload::MAX_UPLOAD_BYTES as usize + 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/session",
            post(accounts::sign_in).delete(accounts::sign_out),
        )
        .route("/me", get(accounts::me))
        .route("/me/password", put(accounts::change_password))
        .route(
            "/users",
            post(accounts::create_user).get(accounts::list_users),
        )
        .route("/users/{id}/unlock", post(accounts::unlock_user))
        .route("/counties", get(accounts::counties))
        .route("/audit", get(audit::list))
        .route(
            "/units",
            post(registry::create_unit).get(registry::list_units),
        )
        .route(
            "/units/{id}",
            get(registry::get_unit).put(registry::update_unit),
        )
        .route(
            "/societies",
            post(registry::create_society).get(registry::list_societies),
        )
        .route(
            "/societies/{id}",
            get(registry::get_society).put(registry::update_society),
        )
        .route(
            "/societies/{id}/experts",
            post(registry::add_expert).get(registry::list_experts),
        )
        .route(
            "/experts/{id}",
            put(registry::update_expert).delete(registry::retire_expert),
        )
        .route(
            "/rounds",
            post(registry::create_round).get(registry::list_rounds),
        )
        .route(
            "/applications",
            post(applications::create).get(applications::list),
        )
        .route(
            "/applications/{id}",
            get(applications::get).put(applications::update),
        )
        .route(
            "/applications/{id}/files",
            post(applications::upload).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/files/{id}", get(applications::download))
        .route(
            "/applications/{id}/confirmation-request",
            post(applications::request_confirmation),
        )
        .route(
            "/applications/{id}/confirmation",
            post(applications::confirm),
        )
        .route("/applications/{id}/check", get(applications::check))
        .route("/applications/{id}/submit", post(applications::submit))
        .route("/applications/{id}/decisions", post(review::decide))
        .route("/applications/{id}/award", post(review::award))
        .route("/queue", get(review::queue))
        .route(
            "/notices",
            post(review::publish_notice).get(review::notices),
        )
        .route("/notices/{id}", get(review::notice))
        .route(
            "/notices/{id}/objections",
            post(review::lodge_objection).get(review::objections),
        )
        .route("/objections/{id}/handling", post(review::handle_objection))
        .route("/stations", get(review::stations))
        .route("/stations/import-template.xlsx", get(import::template))
        .route(
            "/stations/import",
            post(import::import).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/stations/{id}", get(review::station))
        .route(
            "/stations/{id}/activities",
            post(stations::record_activity).get(stations::activities),
        )
        .route("/activities/{id}", put(stations::correct_activity))
        .route("/stations/{id}/indicators", get(stations::indicators))
        .route(
            "/stations/{id}/assessments",
            post(stations::assess).get(stations::assessments),
        )
        .route("/stations/{id}/ledger", get(stations::ledger))
        .route("/stations/{id}/grants", post(stations::national_grant))
        .route(
            "/stations/{id}/grants/{grant_id}/payment",
            post(stations::pay_grant),
        )
        .route("/stations/{id}/expenses", post(stations::record_expense))
        .route(
            "/stations/{id}/expenses/{expense_id}/files",
            post(stations::upload_voucher).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/stations/{id}/recoveries", post(stations::record_recovery))
        .route("/indicators", get(stations::indicator_table))
        .route(
            "/stations/{id}/reports",
            post(stations::file_report).get(stations::reports),
        )
        .route(
            "/stations/{id}/activities/{activity_id}/files",
            post(stations::upload_activity_file).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/stations/{id}/reports/{report_id}/files",
            post(stations::upload_report_file).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/stations/{id}/requests",
            post(lifecycle::request_change).get(lifecycle::station_requests),
        )
        .route(
            "/stations/{id}/requests/{request_id}/files",
            post(lifecycle::upload_letter).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/station-requests", get(lifecycle::pending_requests))
        .route(
            "/station-requests/{id}/decision",
            post(lifecycle::decide_request),
        )
        .route("/stations/{id}/renewal", post(lifecycle::start_renewal))
        .route("/funds", get(lifecycle::fund_overview))
        .route("/assessments", get(stations::list_assessments))
        .merge(exports::routes())
        .merge(export_jobs::routes())
        .merge(documents::routes())
        .route("/dashboard", get(dashboard::dashboard))
        .route("/jobs", get(jobs::list))
        .route("/jobs/{id}/retry", post(jobs::retry))
        .route("/calendar", get(review::calendar_year))
        .route("/calendar/notice-end", get(review::notice_end))
        .route(
            "/calendar/days/{date}",
            put(review::set_day).delete(review::remove_day),
        )
        .route("/calendar/years", post(review::add_year))
        .route("/me/inbox", get(review::inbox))
        .route("/me/inbox/read", post(review::inbox_read))
        .route(
            "/seal",
            post(review::upload_seal).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/openapi.json", get(openapi))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(1024 * 1024))
}

async fn openapi() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}

async fn method_not_allowed() -> ApiError {
    ApiError::Request {
        status: axum::http::StatusCode::METHOD_NOT_ALLOWED,
        code: "method_not_allowed",
        message: "该接口不支持此请求方法".into(),
    }
}

async fn not_found() -> ApiError {
    stationhub_domain::DomainError::NotFound("接口".into()).into()
}
