//! The administrator's account management and the audit log pages.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use stationhub_domain::DomainError;
use stationhub_domain::account::{NewPassword, Role, Username, parse_display_name};
use stationhub_domain::clock::format_local;
use stationhub_storage::StoreError;
use stationhub_storage::accounts::{NewUser, UserFilter};
use stationhub_storage::audit::AuditFilter;

use super::{PageUser, Shell, render, url_encode};
use crate::AppState;
use crate::error::{PageError, status_of};
use crate::extract::PageQuery;

pub struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    role_label: &'static str,
    organisation: String,
    county: Option<String>,
    disabled: bool,
    locked_until: Option<String>,
    must_change_password: bool,
    is_me: bool,
}

#[derive(Default, Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    society_id: String,
    #[serde(default)]
    county: String,
    #[serde(default)]
    office_id: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    shell: Shell,
    flash: Option<&'static str>,
    error: Option<String>,
    q: String,
    role_filter: String,
    roles: Vec<(&'static str, &'static str)>,
    users: Vec<UserRow>,
    total: u64,
    page: u64,
    pages: u64,
    form: NewUserForm,
    form_error_field: String,
    units: Vec<(i64, String)>,
    societies: Vec<(i64, String)>,
    counties: Vec<String>,
    offices: Vec<(i64, String)>,
}

#[derive(Default, Deserialize)]
pub struct UsersQuery {
    q: Option<String>,
    role: Option<String>,
    page: Option<u64>,
    flash: Option<String>,
}

async fn users_view(
    app: &AppState,
    u: &PageUser,
    q: UsersQuery,
    form: NewUserForm,
    error: Option<DomainError>,
) -> Result<UsersPage, PageError> {
    let role = q
        .role
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        // An unknown role is refused, not taken as "every role".
        .map(Role::parse)
        .transpose()?;
    let page = app
        .store
        .list_users(
            &UserFilter {
                q: q.q.clone(),
                role,
            },
            q.page.unwrap_or(1).max(1),
            50,
        )
        .await?;
    let pages = page.pages();
    let offices = app
        .store
        .offices()
        .await?
        .into_iter()
        .filter(|o| o.county_id.is_none())
        .map(|o| (o.id, o.name))
        .collect();
    let flash = match q.flash.as_deref() {
        Some("created") => Some("账户已创建。请将用户名和初始密码告知本人，首次登录时须修改密码。"),
        Some("unlock") => Some("账户已解锁。"),
        Some("disable") => Some("账户已停用，其登录会话均已结束。"),
        Some("enable") => Some("账户已启用。"),
        Some("reset-password") => Some("密码已重置；该账户下次登录时须修改密码。"),
        _ => None,
    };
    Ok(UsersPage {
        shell: u.shell(),
        flash,
        form_error_field: error
            .as_ref()
            .and_then(|e| e.field())
            .unwrap_or_default()
            .to_string(),
        error: error.map(|e| e.to_string()),
        q: q.q.unwrap_or_default(),
        role_filter: role.map(|r| r.as_str()).unwrap_or_default().to_string(),
        roles: Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect(),
        users: page
            .items
            .into_iter()
            .map(|v| UserRow {
                is_me: v.id == u.user.id,
                id: v.id,
                username: v.username,
                display_name: v.display_name,
                role_label: v.role.label(),
                organisation: v.organisation,
                county: v.county,
                disabled: v.disabled,
                locked_until: v
                    .locked_until
                    .filter(|t| *t > app.clock.now())
                    .map(format_local),
                must_change_password: v.must_change_password,
            })
            .collect(),
        total: page.total,
        page: page.page,
        pages,
        form,
        units: app.store.units_brief().await?,
        societies: app.store.societies_brief().await?,
        counties: app
            .store
            .counties()
            .await?
            .into_iter()
            .map(|c| c.name)
            .collect(),
        offices,
    })
}

pub async fn users_page(
    State(app): State<AppState>,
    u: PageUser,
    PageQuery(q): PageQuery<UsersQuery>,
) -> Result<Response, PageError> {
    u.require(&[Role::Admin])?;
    let page = users_view(&app, &u, q, NewUserForm::default(), None).await?;
    Ok(render(&page)?.into_response())
}

fn optional_id(field: &str, s: &str) -> Result<Option<i64>, DomainError> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    s.trim()
        .parse()
        .map(Some)
        .map_err(|_| DomainError::invalid(field, "选择无效"))
}

pub async fn create_user(
    State(app): State<AppState>,
    u: PageUser,
    Form(form): Form<NewUserForm>,
) -> Result<Response, PageError> {
    u.require(&[Role::Admin])?;
    let parsed = (|| -> Result<NewUser, DomainError> {
        Ok(NewUser {
            username: Username::parse(&form.username)?,
            display_name: parse_display_name(&form.display_name)?,
            role: Role::parse(&form.role)?,
            password: NewPassword::parse(&form.password, &app.policy.security)?,
            must_change_password: true,
            unit_id: optional_id("unit_id", &form.unit_id)?,
            society_id: optional_id("society_id", &form.society_id)?,
            county: Some(form.county.trim().to_string()).filter(|c| !c.is_empty()),
            office_id: optional_id("office_id", &form.office_id)?,
            email: Some(form.email.clone()),
        })
    })();
    let result = match parsed {
        Ok(new) => app.store.create_user(&u.user.actor(), new).await,
        Err(e) => Err(StoreError::Domain(e)),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/admin/users?flash=created").into_response()),
        Err(StoreError::Domain(e)) => {
            let status = status_of(e.kind());
            let page = users_view(&app, &u, UsersQuery::default(), form, Some(e)).await?;
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ActionForm {
    password: Option<String>,
}

pub async fn user_action(
    State(app): State<AppState>,
    u: PageUser,
    Path((id, action)): Path<(i64, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    u.require(&[Role::Admin])?;
    let actor = u.user.actor();
    let result = match action.as_str() {
        "unlock" => app.store.unlock_user(&actor, id).await,
        "disable" => app.store.set_user_disabled(&actor, id, true).await,
        "enable" => app.store.set_user_disabled(&actor, id, false).await,
        "reset-password" => {
            let pw = NewPassword::parse(
                form.password.as_deref().unwrap_or_default(),
                &app.policy.security,
            )?;
            app.store.reset_password(&actor, id, &pw).await
        }
        _ => return Err(DomainError::NotFound("操作".into()).into()),
    };
    result?;
    Ok(Redirect::to(&format!("/admin/users?flash={action}")).into_response())
}

pub struct AuditRow {
    seq: i64,
    at: String,
    actor: String,
    role: String,
    action: String,
    entity: String,
    entity_id: Option<String>,
    before: String,
    after: String,
}

#[derive(Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    page: Option<u64>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    shell: Shell,
    verify: Option<(bool, String)>,
    f: AuditQuery,
    query: String,
    entries: Vec<AuditRow>,
    total: u64,
    page: u64,
    pages: u64,
    /// The policy's floor (等保 2.0; 《网络安全法》第二十一条: at least six months).
    retention_months: u32,
}

async fn audit_view(
    app: &AppState,
    u: &PageUser,
    f: AuditQuery,
    verify: Option<(bool, String)>,
) -> Result<AuditPage, PageError> {
    let filter = AuditFilter {
        actor: Some(f.actor.clone()),
        action: Some(f.action.clone()),
        entity: Some(f.entity.clone()),
        from: Some(f.from.clone()),
        to: Some(f.to.clone()),
    };
    let p = app
        .store
        .audit_list(&filter, f.page.unwrap_or(1).max(1), 50)
        .await?;
    let query = format!(
        "actor={}&action={}&entity={}&from={}&to={}",
        url_encode(&f.actor),
        url_encode(&f.action),
        url_encode(&f.entity),
        url_encode(&f.from),
        url_encode(&f.to)
    );
    Ok(AuditPage {
        shell: u.shell(),
        verify,
        retention_months: app.policy.security.audit_retention_months,
        pages: p.pages(),
        total: p.total,
        page: p.page,
        entries: p
            .items
            .into_iter()
            .map(|e| AuditRow {
                seq: e.seq,
                at: chrono::DateTime::parse_from_rfc3339(&e.at)
                    .map(|t| format_local(t.to_utc()))
                    .unwrap_or(e.at),
                actor: e.actor_username,
                role: Role::parse(&e.actor_role)
                    .map(|r| r.label().to_string())
                    .unwrap_or(e.actor_role),
                action: e.action,
                entity: e.entity,
                entity_id: e.entity_id,
                before: e.before,
                after: e.after,
            })
            .collect(),
        f,
        query,
    })
}

pub async fn audit_page(
    State(app): State<AppState>,
    u: PageUser,
    PageQuery(f): PageQuery<AuditQuery>,
) -> Result<Response, PageError> {
    u.require(&[Role::Admin, Role::Supervisor])?;
    Ok(render(&audit_view(&app, &u, f, None).await?)?.into_response())
}

pub async fn audit_verify(State(app): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    u.require(&[Role::Admin, Role::Supervisor])?;
    let verdict = match app.store.audit_verify().await? {
        Ok(n) => (true, format!("审计链完整：共 {n} 条记录，全部校验通过。")),
        Err(b) => (false, format!("审计链校验未通过：{b}")),
    };
    Ok(render(&audit_view(&app, &u, AuditQuery::default(), Some(verdict)).await?)?.into_response())
}
