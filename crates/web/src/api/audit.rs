//! The audit log, for the administrator and the supervisors (第十八条).

use axum::extract::State;
use serde::{Deserialize, Serialize};
use stationhub_domain::account::Role;
use stationhub_domain::audit::AuditEntry;
use stationhub_storage::audit::AuditFilter;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, ApiUser, Paging};

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Part of the actor's username.
    pub actor: Option<String>,
    /// Action, or its beginning (e.g. `session.` or `user.create`).
    pub action: Option<String>,
    /// Record kind, e.g. `user`.
    pub entity: Option<String>,
    /// From this date (UTC), `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Up to and including this date (UTC), `YYYY-MM-DD`.
    pub to: Option<String>,
}

impl From<AuditQuery> for AuditFilter {
    fn from(q: AuditQuery) -> Self {
        AuditFilter {
            actor: q.actor,
            action: q.action,
            entity: q.entity,
            from: q.from,
            to: q.to,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryJson {
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor_username: String,
    pub actor_role: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    /// JSON of the record before the change (empty when none).
    pub before: String,
    pub after: String,
    pub prev_hash: String,
    pub hash: String,
}

impl From<AuditEntry> for AuditEntryJson {
    fn from(e: AuditEntry) -> Self {
        AuditEntryJson {
            seq: e.seq,
            at: e.at,
            actor_id: e.actor_id,
            actor_username: e.actor_username,
            actor_role: e.actor_role,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            before: e.before,
            after: e.after,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntryJson>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

/// Browse the audit log, newest first (administrator, supervisors).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit",
    security(("bearer" = [])),
    params(AuditQuery, Paging),
    responses((status = 200, body = AuditPage), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(app): State<AppState>,
    user: ApiUser,
    paging: Paging,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<ApiJson<AuditPage>, ApiError> {
    user.require(&[Role::Admin, Role::Supervisor])?;
    let p = app
        .store
        .audit_list(&q.into(), paging.page(), paging.per_page())
        .await?;
    Ok(ApiJson(AuditPage {
        items: p.items.into_iter().map(AuditEntryJson::from).collect(),
        total: p.total,
        page: p.page,
        per_page: p.per_page,
    }))
}
