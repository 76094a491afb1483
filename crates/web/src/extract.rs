//! Extractors: who is asking (bearer token for the API, session cookie for pages), from where,
//! JSON bodies with JSON errors, and paging.

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Query};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::Deserialize;
use stationhub_domain::DomainError;
use stationhub_domain::account::Role;
use stationhub_storage::accounts::CurrentSession;

use crate::AppState;
use crate::error::ApiError;

/// A JSON body whose rejections answer in the API's error shape.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let (status, code) = match &r {
            JsonRejection::JsonDataError(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            JsonRejection::MissingJsonContentType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            JsonRejection::BytesRejection(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            _ => (StatusCode::BAD_REQUEST, "bad_request"),
        };
        ApiError::Request {
            status,
            code,
            message: format!("请求内容无法解析：{}", r.body_text()),
        }
    }
}

impl<T: serde::Serialize> axum::response::IntoResponse for ApiJson<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// The client's address (the TCP peer).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Any live API session, even one that must still change its password (SPEC §5.2: `GET /me`,
/// `PUT /me/password` and `DELETE /session` work then).
pub struct ApiSession(pub CurrentSession);

impl FromRequestParts<AppState> for ApiSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or(DomainError::Unauthenticated)?;
        Ok(ApiSession(
            app.store.session(token, &app.policy.security).await?,
        ))
    }
}

/// A signed-in API user who may act: the password change, if required, is done.
pub struct ApiUser(pub CurrentSession);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let ApiSession(s) = ApiSession::from_request_parts(parts, app).await?;
        if s.user.must_change_password {
            return Err(DomainError::PasswordChangeRequired.into());
        }
        Ok(ApiUser(s))
    }
}

impl ApiUser {
    /// Refuses unless the user holds one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.0.user.role) {
            Ok(())
        } else {
            Err(DomainError::Forbidden.into())
        }
    }
}

/// `page` and `per_page` (SPEC §5.2: `per_page` capped at 100, default 20).
#[derive(Debug, Clone, Copy, Deserialize, utoipa::IntoParams)]
pub struct Paging {
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

impl Paging {
    pub const MAX_PER_PAGE: u64 = 100;

    pub fn page(&self) -> u64 {
        self.page.unwrap_or(1).max(1)
    }

    pub fn per_page(&self) -> u64 {
        self.per_page.unwrap_or(20).clamp(1, Self::MAX_PER_PAGE)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Paging {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, ApiError> {
        Query::<Paging>::from_request_parts(parts, s)
            .await
            .map(|q| q.0)
            .map_err(|_| ApiError::bad_request("page 与 per_page 须为正整数"))
    }
}

/// A JSON body that may be left out entirely (e.g. `POST …/submit` with or without a route).
#[derive(Debug, Clone, Default)]
pub struct OptionalJson<T>(pub Option<T>);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, s: &S) -> Result<Self, ApiError> {
        let bytes = axum::body::Bytes::from_request(req, s)
            .await
            .map_err(|_| ApiError::bad_request("请求内容无法读取"))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(None));
        }
        serde_json::from_slice(&bytes)
            .map(|v| OptionalJson(Some(v)))
            .map_err(|e| ApiError::Request {
                status: StatusCode::BAD_REQUEST,
                code: "bad_request",
                message: format!("请求内容无法解析：{e}"),
            })
    }
}
