//! The one mapping from errors to HTTP: [`ApiError`] answers JSON (SPEC §5.1), [`PageError`]
//! answers a page in Chinese. Internal errors are logged with their cause and shown as a plain
//! 500 without details.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use stationhub_domain::{DomainError, ErrorKind};
use stationhub_storage::StoreError;
use utoipa::ToSchema;

pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::BadInput => StatusCode::BAD_REQUEST,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::TooMany => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
    }
}

/// The JSON error body: `{"error": {"code", "message", "article"?, "field"?}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code, e.g. `weak_password`, `password_change_required`.
    pub code: String,
    /// The reason, in Chinese.
    pub message: String,
    /// The article of the measures the refusal cites, e.g. `第七条（六）`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    /// The input field concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every rule broken, when a submission breaks several (each with its article).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub violations: Option<Vec<ViolationJson>>,
    /// Every bad field of a form, each with its message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldJson>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ViolationJson {
    pub code: String,
    pub article: String,
    pub field: String,
    pub message: String,
}

impl From<stationhub_domain::application::Violation> for ViolationJson {
    fn from(v: stationhub_domain::application::Violation) -> Self {
        ViolationJson {
            code: v.code.into(),
            article: v.article.into(),
            field: v.field.into(),
            message: v.message,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldJson {
    pub field: String,
    pub message: String,
    /// The Excel line of a refused import row (`POST /api/v1/stations/import`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The column (its Chinese header) of a refused import row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The article of the measures the refusal cites.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
}

#[derive(Debug)]
pub enum ApiError {
    Domain(DomainError),
    /// Malformed request (400) or body too large (413).
    Request {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    Internal(String),
}

impl ApiError {
    /// What a person reads of the error (a background job keeps it for them).
    pub fn message(&self) -> String {
        match self {
            ApiError::Domain(d) => d.to_string(),
            ApiError::Request { message, .. } => message.clone(),
            ApiError::Internal(cause) => cause.clone(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::Request {
            status: StatusCode::BAD_REQUEST,
            code: "bad_request",
            message: message.into(),
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        ApiError::Domain(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Domain(d) => ApiError::Domain(d),
            StoreError::Db(db) => ApiError::Internal(db.to_string()),
            StoreError::Files(cause) => ApiError::Internal(cause),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, detail) = match self {
            ApiError::Domain(e) => (
                status_of(e.kind()),
                ErrorDetail {
                    code: e.code().to_string(),
                    message: e.to_string(),
                    article: e.article().map(str::to_string),
                    field: e.field().map(str::to_string),
                    violations: match &e {
                        DomainError::Ineligible(v) => {
                            Some(v.iter().cloned().map(ViolationJson::from).collect())
                        }
                        _ => None,
                    },
                    fields: match &e {
                        DomainError::Fields(f) => Some(
                            f.iter()
                                .map(|f| FieldJson {
                                    field: f.field.clone(),
                                    message: f.message.clone(),
                                    line: None,
                                    column: None,
                                    article: None,
                                })
                                .collect(),
                        ),
                        _ => None,
                    },
                },
            ),
            ApiError::Request {
                status,
                code,
                message,
            } => (
                status,
                ErrorDetail {
                    code: code.to_string(),
                    message,
                    article: None,
                    field: None,
                    violations: None,
                    fields: None,
                },
            ),
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorDetail {
                        code: "internal".into(),
                        message: "服务器内部错误，请稍后再试".into(),
                        article: None,
                        field: None,
                        violations: None,
                        fields: None,
                    },
                )
            }
        };
        (status, axum::Json(ErrorBody { error: detail })).into_response()
    }
}

/// An error on a page: a plain page in Chinese with the reason and a way back.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub message: String,
}

impl From<DomainError> for PageError {
    fn from(e: DomainError) -> Self {
        PageError {
            status: status_of(e.kind()),
            message: e.to_string(),
        }
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Domain(d) => d.into(),
            StoreError::Db(db) => PageError::internal(db),
            StoreError::Files(cause) => PageError::internal(cause),
        }
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        PageError::internal(e)
    }
}

impl PageError {
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error on a page");
        PageError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "服务器内部错误，请稍后再试。".into(),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = crate::views::ErrorPage {
            title: self.status.canonical_reason().unwrap_or("错误"),
            status: self.status.as_u16(),
            message: &self.message,
        };
        match askama::Template::render(&page) {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(_) => (self.status, self.message).into_response(),
        }
    }
}
