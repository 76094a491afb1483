//! The JSON API under `/api/v1` (SPEC §5.1), described by the OpenAPI document generated from
//! these handlers' annotations at `/api/v1/openapi.json`.

pub mod accounts;
pub mod audit;

use axum::Router;
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
        .route("/openapi.json", get(openapi))
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(1024 * 1024))
}

async fn openapi() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}

async fn not_found() -> ApiError {
    stationhub_domain::DomainError::NotFound("接口".into()).into()
}
