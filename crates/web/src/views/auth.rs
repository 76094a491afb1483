//! Signing in and out, and changing one's password.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use stationhub_domain::DomainError;
use stationhub_storage::StoreError;
use stationhub_storage::accounts::SessionKind;

use super::{Csrf, PageSession, Shell, render};
use crate::AppState;
use crate::error::{PageError, status_of};
use crate::extract::{ClientAddr, PageQuery};
use crate::middleware::csrf::SESSION_COOKIE;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    shell: Shell,
    next: String,
    username: String,
    notice: Option<&'static str>,
    error: Option<String>,
    lockout_after: u32,
    lockout_minutes: u32,
    idle_minutes: u32,
}

impl LoginPage {
    fn new(app: &AppState, csrf: Csrf, next: String) -> Self {
        let s = &app.policy.security;
        LoginPage {
            shell: Shell::signed_out(&csrf.0),
            next,
            username: String::new(),
            notice: None,
            error: None,
            lockout_after: s.lockout_after_failures,
            lockout_minutes: s.lockout_minutes,
            idle_minutes: s.session_idle_minutes,
        }
    }
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
    signed_out: Option<String>,
}

/// Only paths of this site are followed after sign-in (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.into(),
        _ => "/".into(),
    }
}

pub async fn login_page(
    State(app): State<AppState>,
    csrf: Csrf,
    PageQuery(q): PageQuery<LoginQuery>,
) -> Result<Response, PageError> {
    let mut page = LoginPage::new(&app, csrf, safe_next(q.next.as_deref()));
    if q.expired.is_some() {
        page.notice = Some("登录已超时或已失效，请重新登录。");
    } else if q.signed_out.is_some() {
        page.notice = Some("您已安全退出。");
    }
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

pub async fn login_submit(
    State(app): State<AppState>,
    csrf: Csrf,
    ClientAddr(addr): ClientAddr,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let next = safe_next(form.next.as_deref());
    let attempt = async {
        app.store
            .throttle_sign_in(&addr, app.clock.now(), app.config.signin_per_minute)
            .await?;
        app.store
            .sign_in(
                &form.username,
                &form.password,
                &addr,
                SessionKind::Web,
                &app.policy.security,
            )
            .await
    };
    match attempt.await {
        Ok(s) => {
            let to = if s.user.must_change_password {
                "/password".to_string()
            } else {
                next
            };
            let mut res = Redirect::to(&to).into_response();
            let secure = if app.config.secure_cookies {
                "; Secure"
            } else {
                ""
            };
            let cookie = format!(
                "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax{secure}",
                s.token
            );
            res.headers_mut().append(
                SET_COOKIE,
                HeaderValue::from_str(&cookie).map_err(PageError::internal)?,
            );
            Ok(res)
        }
        Err(StoreError::Domain(e)) => {
            let status = status_of(e.kind());
            let mut page = LoginPage::new(&app, csrf, next);
            page.username = form.username;
            page.error = Some(e.to_string());
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn logout(
    State(app): State<AppState>,
    session: Result<PageSession, super::PageRejection>,
) -> Response {
    if let Ok(s) = session
        && let Err(e) = app.store.sign_out(&s.current).await
    {
        return PageError::from(e).into_response();
    }
    let mut res = Redirect::to("/login?signed_out=1").into_response();
    res.headers_mut().append(
        SET_COOKIE,
        HeaderValue::from_static("sh_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    res
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    shell: Shell,
    forced: bool,
    done: bool,
    error: Option<String>,
    min_length: u32,
    min_classes: u32,
}

impl PasswordPage {
    fn new(app: &AppState, s: &PageSession) -> Self {
        PasswordPage {
            shell: Shell::for_user(&s.current.user, &s.csrf),
            forced: s.current.user.must_change_password,
            done: false,
            error: None,
            min_length: app.policy.security.password_min_length,
            min_classes: app.policy.security.password_min_classes,
        }
    }
}

pub async fn password_page(
    State(app): State<AppState>,
    s: PageSession,
) -> Result<Response, PageError> {
    Ok(render(&PasswordPage::new(&app, &s))?.into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

pub async fn password_submit(
    State(app): State<AppState>,
    s: PageSession,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let result = if form.new_password != form.confirm_password {
        Err(StoreError::Domain(DomainError::invalid(
            "confirm_password",
            "两次输入的新密码不一致",
        )))
    } else {
        app.store
            .change_password(
                &s.current,
                &form.current_password,
                &form.new_password,
                &app.policy.security,
            )
            .await
    };
    match result {
        Ok(()) if s.current.user.must_change_password => Ok(Redirect::to("/").into_response()),
        Ok(()) => {
            let mut page = PasswordPage::new(&app, &s);
            page.done = true;
            Ok(render(&page)?.into_response())
        }
        Err(StoreError::Domain(e)) => {
            let mut page = PasswordPage::new(&app, &s);
            page.error = Some(e.to_string());
            Ok((status_of(e.kind()), render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
