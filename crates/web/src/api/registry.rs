//! Host units, societies and their experts, and rounds (申报批次).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use stationhub_domain::DomainError;
use stationhub_domain::account::Role;
use stationhub_domain::organisation::{ExpertInput, SocietyInput, UnitInput};
use stationhub_domain::round::RoundInput;
use stationhub_storage::accounts::UserView;
use stationhub_storage::entity::{expert, round, society};
use stationhub_storage::orgs::{OrgFilter, UnitView};
use utoipa::{IntoParams, ToSchema};

use super::accounts::Created;
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, ApiUser, Paging};

/// A page of any list: `{items, total, page, per_page}` (SPEC §5.2).
#[derive(Debug, Serialize, ToSchema)]
pub struct ListOf<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl<T> ListOf<T> {
    /// A whole list on one page.
    pub fn all(items: Vec<T>) -> Self {
        let n = items.len() as u64;
        ListOf {
            items,
            total: n,
            page: 1,
            per_page: n.max(1),
        }
    }

    pub fn from_page<U>(p: stationhub_storage::Page<U>, f: impl FnMut(U) -> T) -> Self {
        ListOf {
            items: p.items.into_iter().map(f).collect(),
            total: p.total,
            page: p.page,
            per_page: p.per_page,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct NameQuery {
    /// Part of the name (units: or of the credit code).
    pub q: Option<String>,
}

/// Which units a user sees: its own, its county's, or all (city roles, supervisors, admin).
fn unit_scope(u: &UserView) -> Result<OrgFilter, ApiError> {
    Ok(match u.role {
        Role::HostUnit => OrgFilter {
            only_id: Some(u.unit_id.unwrap_or(-1)),
            ..Default::default()
        },
        Role::CountyCast | Role::CountyTalent => OrgFilter {
            county_id: Some(u.county_id.unwrap_or(-1)),
            ..Default::default()
        },
        Role::Society => OrgFilter {
            only_id: Some(-1),
            ..Default::default()
        },
        Role::CityCast | Role::TalentOffice | Role::Supervisor | Role::Admin => {
            OrgFilter::default()
        }
    })
}

/// City CAST and the administrator keep every profile; a unit's or society's own users keep
/// theirs.
fn may_edit_unit(u: &UserView, id: i64) -> bool {
    matches!(u.role, Role::CityCast | Role::Admin)
        || (u.role == Role::HostUnit && u.unit_id == Some(id))
}

fn may_edit_society(u: &UserView, id: i64) -> bool {
    matches!(u.role, Role::CityCast | Role::Admin)
        || (u.role == Role::Society && u.society_id == Some(id))
}

/// Register a host unit. City CAST and the administrator register any; a host-unit account not
/// yet linked to a unit registers its own and is linked to it.
#[utoipa::path(post, path = "/api/v1/units", tag = "units",
    security(("bearer" = [])), request_body = Object,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_unit(
    State(app): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<UnitInput>,
) -> Result<impl IntoResponse, ApiError> {
    let me = &user.0.user;
    let self_registration = me.role == Role::HostUnit;
    if self_registration && me.unit_id.is_some() {
        return Err(
            DomainError::Conflict("本账户已关联单位，请修改本单位信息而不是新建".into()).into(),
        );
    }
    if !self_registration {
        user.require(&[Role::CityCast, Role::Admin])?;
    }
    let profile = input.parse()?;
    let id = if self_registration {
        app.store.register_own_unit(me, profile).await?
    } else {
        app.store.create_unit(&me.actor(), profile).await?
    };
    Ok((StatusCode::CREATED, ApiJson(Created { id })))
}

/// Host units the user may see, with search and paging.
#[utoipa::path(get, path = "/api/v1/units", tag = "units",
    security(("bearer" = [])), params(NameQuery, Paging),
    responses((status = 200, body = Object)))]
pub async fn list_units(
    State(app): State<AppState>,
    user: ApiUser,
    paging: Paging,
    ApiQuery(q): ApiQuery<NameQuery>,
) -> Result<ApiJson<ListOf<UnitView>>, ApiError> {
    let mut f = unit_scope(&user.0.user)?;
    f.q = q.q;
    let p = app
        .store
        .list_units(&f, paging.page(), paging.per_page())
        .await?;
    Ok(ApiJson(ListOf::from_page(p, |u| u)))
}

/// One host unit's profile.
#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "units",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn get_unit(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<ApiJson<UnitView>, ApiError> {
    let mut f = unit_scope(&user.0.user)?;
    if f.only_id.is_some_and(|own| own != id) {
        return Err(DomainError::NotFound("单位".into()).into());
    }
    f.only_id = Some(id);
    let mut p = app.store.list_units(&f, 1, 1).await?;
    p.items
        .pop()
        .map(ApiJson)
        .ok_or_else(|| DomainError::NotFound("单位".into()).into())
}

/// Correct a host unit's profile (city CAST, administrator, or the unit itself).
#[utoipa::path(put, path = "/api/v1/units/{id}", tag = "units",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = Object,
    responses((status = 200), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_unit(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<UnitInput>,
) -> Result<impl IntoResponse, ApiError> {
    if !may_edit_unit(&user.0.user, id) {
        return Err(DomainError::Forbidden.into());
    }
    app.store
        .update_unit(&user.0.user.actor(), id, input.parse()?)
        .await?;
    Ok(ApiJson(serde_json::json!({"status": "ok"})))
}

/// Register a society (city CAST, administrator, or a society account not yet linked).
#[utoipa::path(post, path = "/api/v1/societies", tag = "societies",
    security(("bearer" = [])), request_body = Object,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_society(
    State(app): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<SocietyInput>,
) -> Result<impl IntoResponse, ApiError> {
    let me = &user.0.user;
    let self_registration = me.role == Role::Society;
    if self_registration && me.society_id.is_some() {
        return Err(
            DomainError::Conflict("本账户已关联学会，请修改本学会信息而不是新建".into()).into(),
        );
    }
    if !self_registration {
        user.require(&[Role::CityCast, Role::Admin])?;
    }
    let profile = input.parse()?;
    let id = if self_registration {
        app.store.register_own_society(me, profile).await?
    } else {
        app.store.create_society(&me.actor(), profile).await?
    };
    Ok((StatusCode::CREATED, ApiJson(Created { id })))
}

/// Societies (every signed-in user: a host unit chooses its society from this list).
#[utoipa::path(get, path = "/api/v1/societies", tag = "societies",
    security(("bearer" = [])), params(NameQuery, Paging),
    responses((status = 200, body = Object)))]
pub async fn list_societies(
    State(app): State<AppState>,
    _user: ApiUser,
    paging: Paging,
    ApiQuery(q): ApiQuery<NameQuery>,
) -> Result<ApiJson<ListOf<society::Model>>, ApiError> {
    let p = app
        .store
        .list_societies(
            &OrgFilter {
                q: q.q,
                ..Default::default()
            },
            paging.page(),
            paging.per_page(),
        )
        .await?;
    Ok(ApiJson(ListOf::from_page(p, |s| s)))
}

#[utoipa::path(get, path = "/api/v1/societies/{id}", tag = "societies",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn get_society(
    State(app): State<AppState>,
    _user: ApiUser,
    Path(id): Path<i64>,
) -> Result<ApiJson<society::Model>, ApiError> {
    Ok(ApiJson(app.store.society(id).await?))
}

/// Correct a society's profile (city CAST, administrator, or the society itself).
#[utoipa::path(put, path = "/api/v1/societies/{id}", tag = "societies",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = Object,
    responses((status = 200), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_society(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<SocietyInput>,
) -> Result<impl IntoResponse, ApiError> {
    if !may_edit_society(&user.0.user, id) {
        return Err(DomainError::Forbidden.into());
    }
    app.store
        .update_society(&user.0.user.actor(), id, input.parse()?)
        .await?;
    Ok(ApiJson(serde_json::json!({"status": "ok"})))
}

/// An expert of a roster. The mobile number is shown to the society itself, city CAST, the
/// supervisors and the administrator only.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpertJson {
    pub id: i64,
    pub society_id: i64,
    pub name: String,
    pub title: String,
    pub specialty: String,
    pub employer: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    pub active: bool,
}

pub fn expert_json(e: expert::Model, viewer: &UserView) -> ExpertJson {
    let sees_mobile = matches!(viewer.role, Role::CityCast | Role::Supervisor | Role::Admin)
        || (viewer.role == Role::Society && viewer.society_id == Some(e.society_id));
    ExpertJson {
        id: e.id,
        society_id: e.society_id,
        name: e.name,
        title: e.title,
        specialty: e.specialty,
        employer: e.employer,
        mobile: sees_mobile.then_some(e.mobile),
        active: e.active,
    }
}

/// Add an expert to a society's roster (the society, city CAST, administrator).
#[utoipa::path(post, path = "/api/v1/societies/{id}/experts", tag = "societies",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = Object,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_expert(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ExpertInput>,
) -> Result<impl IntoResponse, ApiError> {
    if !may_edit_society(&user.0.user, id) {
        return Err(DomainError::Forbidden.into());
    }
    let new_id = app
        .store
        .add_expert(&user.0.user.actor(), id, input.parse()?)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(Created { id: new_id })))
}

/// A society's expert roster.
#[utoipa::path(get, path = "/api/v1/societies/{id}/experts", tag = "societies",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Object)))]
pub async fn list_experts(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<ApiJson<ListOf<ExpertJson>>, ApiError> {
    app.store.society(id).await?;
    let items: Vec<ExpertJson> = app
        .store
        .experts_of(id)
        .await?
        .into_iter()
        .map(|e| expert_json(e, &user.0.user))
        .collect();
    Ok(ApiJson(ListOf::all(items)))
}

/// Correct an expert's entry.
#[utoipa::path(put, path = "/api/v1/experts/{id}", tag = "societies",
    security(("bearer" = [])), params(("id" = i64, Path)), request_body = Object,
    responses((status = 200), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_expert(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ExpertInput>,
) -> Result<impl IntoResponse, ApiError> {
    let e = app.store.expert(id).await?;
    if !may_edit_society(&user.0.user, e.society_id) {
        return Err(DomainError::Forbidden.into());
    }
    app.store
        .update_expert(&user.0.user.actor(), id, input.parse()?)
        .await?;
    Ok(ApiJson(serde_json::json!({"status": "ok"})))
}

/// Take an expert off the roster (kept for the record).
#[utoipa::path(delete, path = "/api/v1/experts/{id}", tag = "societies",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn retire_expert(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let e = app.store.expert(id).await?;
    if !may_edit_society(&user.0.user, e.society_id) {
        return Err(DomainError::Forbidden.into());
    }
    app.store.retire_expert(&user.0.user.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoundJson {
    pub id: i64,
    pub name: String,
    pub opens_on: chrono::NaiveDate,
    pub closes_on: chrono::NaiveDate,
    pub municipal_quota: i32,
    pub provincial_quota: Option<i32>,
    pub national_quota: Option<i32>,
    /// Open today (the clock of SPEC §5.2).
    pub open: bool,
}

pub fn round_json(r: round::Model, today: chrono::NaiveDate) -> RoundJson {
    RoundJson {
        open: r.opens_on <= today && today <= r.closes_on,
        id: r.id,
        name: r.name,
        opens_on: r.opens_on,
        closes_on: r.closes_on,
        municipal_quota: r.municipal_quota,
        provincial_quota: r.provincial_quota,
        national_quota: r.national_quota,
    }
}

/// Open a round (city CAST): `{name, opens_on, closes_on, municipal_quota}`.
#[utoipa::path(post, path = "/api/v1/rounds", tag = "rounds",
    security(("bearer" = [])), request_body = Object,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody),
              (status = 409, description = "overlaps another round (第八条)", body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn create_round(
    State(app): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<RoundInput>,
) -> Result<impl IntoResponse, ApiError> {
    user.require(&[Role::CityCast])?;
    let id = app
        .store
        .create_round(&user.0.user.actor(), input.parse(&app.policy)?)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(Created { id })))
}

/// Rounds, newest first.
#[utoipa::path(get, path = "/api/v1/rounds", tag = "rounds",
    security(("bearer" = [])),
    responses((status = 200, body = Object)))]
pub async fn list_rounds(
    State(app): State<AppState>,
    _user: ApiUser,
) -> Result<ApiJson<ListOf<RoundJson>>, ApiError> {
    let today = app.clock.today();
    let items: Vec<RoundJson> = app
        .store
        .rounds()
        .await?
        .into_iter()
        .map(|r| round_json(r, today))
        .collect();
    Ok(ApiJson(ListOf::all(items)))
}
