//! Server-rendered pages in Simplified Chinese (askama templates in `templates/`), kept apart
//! from the JSON API. Every form carries the CSRF token (see `middleware::csrf`).

mod admin;
mod applications;
mod auth;
mod charts;
mod dashboard;
mod documents;
mod exports;
mod home;
mod import;
mod jobs;
mod lifecycle;
mod registry;
mod review;
mod stations;

use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use stationhub_domain::DomainError;
use stationhub_domain::account::Role;
use stationhub_storage::StoreError;
use stationhub_storage::accounts::{CurrentSession, UserView};

use crate::AppState;
use crate::error::PageError;
use crate::middleware::csrf::{self, CsrfToken};

pub fn router(state: AppState) -> Router<AppState> {
    let pages = Router::new()
        .route("/", get(home::home))
        .route("/login", get(auth::login_page).post(auth::login_submit))
        .route("/logout", post(auth::logout))
        .route(
            "/password",
            get(auth::password_page).post(auth::password_submit),
        )
        .route(
            "/admin/users",
            get(admin::users_page).post(admin::create_user),
        )
        .route("/admin/users/{id}/{action}", post(admin::user_action))
        .route("/audit", get(admin::audit_page))
        .route("/audit/verify", post(admin::audit_verify))
        .merge(registry::routes())
        .merge(applications::routes())
        .merge(review::routes())
        .merge(stations::routes())
        .merge(import::routes())
        .merge(lifecycle::routes())
        .merge(exports::routes())
        .merge(documents::routes())
        .merge(dashboard::routes())
        .merge(jobs::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(csrf::layer))
        .with_state(state);
    Router::new()
        .route("/static/app.css", get(stylesheet))
        .merge(pages)
}

async fn stylesheet() -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

async fn method_not_allowed() -> PageError {
    PageError {
        status: axum::http::StatusCode::METHOD_NOT_ALLOWED,
        message: "此页面不接受这种请求方式，请从页面上的链接或按钮进入。".into(),
    }
}

async fn not_found() -> PageError {
    DomainError::NotFound("页面".into()).into()
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub title: &'a str,
    pub status: u16,
    pub message: &'a str,
}

/// The signed-in user as the page frame shows them.
pub struct ShellUser {
    pub display_name: String,
    pub role_label: &'static str,
    pub organisation: String,
    pub must_change_password: bool,
    pub nav: Vec<(&'static str, &'static str)>,
}

/// What every page's frame needs: who is signed in, and the CSRF token for its forms.
pub struct Shell {
    pub user: Option<ShellUser>,
    pub csrf: String,
}

impl Shell {
    pub fn signed_out(csrf: &CsrfToken) -> Shell {
        Shell {
            user: None,
            csrf: csrf.0.clone(),
        }
    }

    pub fn for_user(u: &UserView, csrf: &str) -> Shell {
        Shell {
            user: Some(ShellUser {
                display_name: u.display_name.clone(),
                role_label: u.role.label(),
                organisation: u.organisation.clone(),
                must_change_password: u.must_change_password,
                nav: nav(u.role)
                    .into_iter()
                    .chain([("/exports", "我的导出")])
                    .collect(),
            }),
            csrf: csrf.to_string(),
        }
    }
}

/// The menu of a role: what it may open beyond its home page.
fn nav(role: Role) -> Vec<(&'static str, &'static str)> {
    const QUEUE: (&str, &str) = ("/queue", "待办");
    const APPLICATIONS: (&str, &str) = ("/applications", "申报书");
    const UNITS: (&str, &str) = ("/units", "建站单位");
    const SOCIETIES: (&str, &str) = ("/societies", "学会");
    const NOTICES: (&str, &str) = ("/notices", "公示");
    const STATIONS: (&str, &str) = ("/stations", "服务站");
    const ROUNDS: (&str, &str) = ("/rounds", "申报批次");
    const SEAL: (&str, &str) = ("/seal", "印章");
    const INBOX: (&str, &str) = ("/inbox", "消息");
    const INDICATORS: (&str, &str) = ("/indicators", "指标总览");
    const FUNDS: (&str, &str) = ("/funds", "经费总览");
    const DASHBOARD: (&str, &str) = ("/dashboard", "统计");
    match role {
        Role::HostUnit => vec![APPLICATIONS, ("/unit", "单位信息"), ROUNDS, SEAL, INBOX],
        Role::Society => vec![APPLICATIONS, ("/society", "学会信息与专家库"), INBOX],
        Role::CountyCast | Role::CountyTalent => {
            vec![QUEUE, APPLICATIONS, UNITS, STATIONS, FUNDS, SEAL, INBOX]
        }
        Role::CityCast => vec![
            QUEUE,
            DASHBOARD,
            APPLICATIONS,
            NOTICES,
            STATIONS,
            ROUNDS,
            UNITS,
            SOCIETIES,
            ("/calendar", "工作日历"),
            INDICATORS,
            FUNDS,
            ("/station-requests", "变更申请"),
            SEAL,
            INBOX,
        ],
        Role::TalentOffice => vec![
            QUEUE,
            DASHBOARD,
            APPLICATIONS,
            ("/awards", "授牌"),
            NOTICES,
            STATIONS,
            INDICATORS,
            FUNDS,
            UNITS,
            SOCIETIES,
            SEAL,
            INBOX,
        ],
        Role::Supervisor => vec![
            DASHBOARD,
            APPLICATIONS,
            STATIONS,
            INDICATORS,
            FUNDS,
            UNITS,
            SOCIETIES,
            ROUNDS,
            ("/audit", "审计日志"),
            INBOX,
        ],
        Role::Admin => vec![
            ("/admin/users", "账户管理"),
            ("/admin/jobs", "后台任务"),
            UNITS,
            SOCIETIES,
            ("/audit", "审计日志"),
        ],
    }
}

pub fn render(t: &impl Template) -> Result<Html<String>, PageError> {
    Ok(Html(t.render()?))
}

/// Why a page cannot be shown to this request: not signed in (go to the sign-in page), or
/// an error page.
pub enum PageRejection {
    Redirect(String),
    Error(PageError),
}

impl IntoResponse for PageRejection {
    fn into_response(self) -> Response {
        match self {
            PageRejection::Redirect(to) => Redirect::to(&to).into_response(),
            PageRejection::Error(e) => e.into_response(),
        }
    }
}

fn csrf_of(parts: &Parts) -> String {
    parts
        .extensions
        .get::<CsrfToken>()
        .map(|c| c.0.clone())
        .unwrap_or_default()
}

/// A live web session, even one that must still change its password.
pub struct PageSession {
    pub current: CurrentSession,
    pub csrf: String,
}

impl FromRequestParts<AppState> for PageSession {
    type Rejection = PageRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let next = url_encode(path);
        let Some(token) = csrf::cookie(&parts.headers, csrf::SESSION_COOKIE) else {
            return Err(PageRejection::Redirect(format!("/login?next={next}")));
        };
        match app.store.session(token, &app.policy.security).await {
            Ok(current) => Ok(PageSession {
                current,
                csrf: csrf_of(parts),
            }),
            Err(StoreError::Domain(DomainError::Unauthenticated)) => Err(PageRejection::Redirect(
                format!("/login?expired=1&next={next}"),
            )),
            Err(e) => Err(PageRejection::Error(e.into())),
        }
    }
}

/// A signed-in user who may use the system (the first password change is done).
pub struct PageUser {
    pub user: UserView,
    pub current: CurrentSession,
    pub csrf: String,
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = PageRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let s = PageSession::from_request_parts(parts, app).await?;
        if s.current.user.must_change_password {
            return Err(PageRejection::Redirect("/password".into()));
        }
        Ok(PageUser {
            user: s.current.user.clone(),
            current: s.current,
            csrf: s.csrf,
        })
    }
}

impl PageUser {
    pub fn require(&self, roles: &[Role]) -> Result<(), PageError> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            Err(DomainError::Forbidden.into())
        }
    }

    pub fn shell(&self) -> Shell {
        Shell::for_user(&self.user, &self.csrf)
    }
}

/// The CSRF token of a signed-out page.
pub struct Csrf(pub CsrfToken);

impl<S: Send + Sync> FromRequestParts<S> for Csrf {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Csrf(CsrfToken(csrf_of(parts))))
    }
}

/// Percent-encodes a query value.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
