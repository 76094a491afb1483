//! Sessions, the signed-in user, accounts and counties.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use stationhub_domain::account::{NewPassword, Role, Username, parse_display_name};
use stationhub_storage::accounts::{NewUser, SessionKind, UserFilter, UserView};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, ApiSession, ApiUser, ClientAddr, Paging};

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignInRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignInResponse {
    /// Bearer token for `Authorization: Bearer …`; it ends after 30 idle minutes.
    pub token: String,
    pub user: SessionUser,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionUser {
    pub id: i64,
    pub username: String,
    pub role: String,
    pub must_change_password: bool,
}

/// A user account as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserJson {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// host_unit, society, county_cast, county_talent, city_cast, talent_office, supervisor, admin
    pub role: String,
    pub role_label: String,
    pub must_change_password: bool,
    pub unit_id: Option<i64>,
    pub society_id: Option<i64>,
    pub county: Option<String>,
    pub office_id: Option<i64>,
    pub organisation: String,
    pub disabled: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Where mail about the user's cases goes (null: the in-app inbox only).
    pub email: Option<String>,
}

impl From<UserView> for UserJson {
    fn from(u: UserView) -> Self {
        UserJson {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role.as_str().into(),
            role_label: u.role.label().into(),
            must_change_password: u.must_change_password,
            unit_id: u.unit_id,
            society_id: u.society_id,
            county: u.county,
            office_id: u.office_id,
            organisation: u.organisation,
            disabled: u.disabled,
            locked_until: u.locked_until,
            created_at: u.created_at,
            email: u.email,
        }
    }
}

/// Sign in with username and password.
///
/// The fifth wrong password in a row answers 401 and locks the account for 15 minutes; while
/// locked every attempt answers 429, as does exceeding the per-address limit.
#[utoipa::path(post, path = "/api/v1/session", tag = "session",
    request_body = SignInRequest,
    responses(
        (status = 201, body = SignInResponse),
        (status = 401, description = "wrong username or password", body = ErrorBody),
        (status = 429, description = "account locked or too many attempts", body = ErrorBody),
    ))]
pub async fn sign_in(
    State(app): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(req): ApiJson<SignInRequest>,
) -> Result<impl IntoResponse, ApiError> {
    app.store
        .throttle_sign_in(&addr, app.clock.now(), app.config.signin_per_minute)
        .await?;
    let s = app
        .store
        .sign_in(
            &req.username,
            &req.password,
            &addr,
            SessionKind::Api,
            &app.policy.security,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(SignInResponse {
            token: s.token,
            user: SessionUser {
                id: s.user.id,
                username: s.user.username,
                role: s.user.role.as_str().into(),
                must_change_password: s.user.must_change_password,
            },
        }),
    ))
}

/// Sign out: the token stops working at once.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn sign_out(
    State(app): State<AppState>,
    ApiSession(s): ApiSession,
) -> Result<StatusCode, ApiError> {
    app.store.sign_out(&s).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user, with `must_change_password`.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    security(("bearer" = [])),
    responses((status = 200, body = UserJson), (status = 401, body = ErrorBody)))]
pub async fn me(ApiSession(s): ApiSession) -> ApiJson<UserJson> {
    ApiJson(s.user.into())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// Change one's own password. The token in use keeps working; other sessions end.
#[utoipa::path(put, path = "/api/v1/me/password", tag = "session",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 200),
        (status = 422, description = "wrong current password, or a weak new one", body = ErrorBody),
    ))]
pub async fn change_password(
    State(app): State<AppState>,
    ApiSession(s): ApiSession,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> Result<impl IntoResponse, ApiError> {
    app.store
        .change_password(
            &s,
            &req.current_password,
            &req.new_password,
            &app.policy.security,
        )
        .await?;
    Ok(ApiJson(serde_json::json!({"status": "ok"})))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateUserRequest {
    pub username: String,
    /// Initial password; the account must change it at its first sign-in.
    pub password: String,
    pub role: String,
    pub display_name: String,
    /// For host_unit.
    pub unit_id: Option<i64>,
    /// For society.
    pub society_id: Option<i64>,
    /// County name, for county_cast and county_talent.
    pub county: Option<String>,
    /// For city roles: the office (default: the first of that role).
    pub office_id: Option<i64>,
    /// Optional e-mail address: the user's notifications are mailed there too (when the server
    /// has SMTP configured).
    pub email: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Create an account (administrator).
#[utoipa::path(post, path = "/api/v1/users", tag = "users",
    security(("bearer" = [])),
    request_body = CreateUserRequest,
    responses(
        (status = 201, body = Created),
        (status = 403, body = ErrorBody),
        (status = 409, description = "username taken", body = ErrorBody),
        (status = 422, description = "weak password or bad field", body = ErrorBody),
    ))]
pub async fn create_user(
    State(app): State<AppState>,
    user: ApiUser,
    ApiJson(req): ApiJson<CreateUserRequest>,
) -> Result<impl IntoResponse, ApiError> {
    user.require(&[Role::Admin])?;
    let new = NewUser {
        username: Username::parse(&req.username)?,
        display_name: parse_display_name(&req.display_name)?,
        role: Role::parse(&req.role)?,
        password: NewPassword::parse(&req.password, &app.policy.security)?,
        must_change_password: true,
        unit_id: req.unit_id,
        society_id: req.society_id,
        county: req.county.filter(|c| !c.trim().is_empty()),
        office_id: req.office_id,
        email: req.email,
    };
    let id = app.store.create_user(&user.0.user.actor(), new).await?;
    Ok((StatusCode::CREATED, ApiJson(Created { id })))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct UserQuery {
    /// Part of the username or display name.
    pub q: Option<String>,
    pub role: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<UserJson>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

/// List accounts (administrator).
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    security(("bearer" = [])),
    params(UserQuery, Paging),
    responses((status = 200, body = UserPage), (status = 403, body = ErrorBody)))]
pub async fn list_users(
    State(app): State<AppState>,
    user: ApiUser,
    paging: Paging,
    ApiQuery(q): ApiQuery<UserQuery>,
) -> Result<ApiJson<UserPage>, ApiError> {
    user.require(&[Role::Admin])?;
    let role = match q.role.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => Some(Role::parse(r)?),
        None => None,
    };
    let page = app
        .store
        .list_users(
            &UserFilter { q: q.q, role },
            paging.page(),
            paging.per_page(),
        )
        .await?;
    Ok(ApiJson(UserPage {
        items: page.items.into_iter().map(UserJson::from).collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// End an account's lock-out (administrator).
#[utoipa::path(post, path = "/api/v1/users/{id}/unlock", tag = "users",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unlock_user(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    user.require(&[Role::Admin])?;
    app.store.unlock_user(&user.0.user.actor(), id).await?;
    Ok(ApiJson(serde_json::json!({"status": "ok"})))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountyJson {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountyList {
    pub items: Vec<CountyJson>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

/// The county-level areas of the city (SPEC §2).
#[utoipa::path(get, path = "/api/v1/counties", tag = "reference",
    security(("bearer" = [])),
    responses((status = 200, body = CountyList), (status = 401, body = ErrorBody)))]
pub async fn counties(
    State(app): State<AppState>,
    _user: ApiUser,
) -> Result<ApiJson<CountyList>, ApiError> {
    let items: Vec<CountyJson> = app
        .store
        .counties()
        .await?
        .into_iter()
        .map(|c| CountyJson {
            id: c.id,
            name: c.name,
        })
        .collect();
    let n = items.len() as u64;
    Ok(ApiJson(CountyList {
        items,
        total: n,
        page: 1,
        per_page: n.max(1),
    }))
}
