//! CSRF protection for every form of the pages.
//!
//! The token is derived from a secret the browser holds in an HttpOnly, SameSite cookie: the
//! session token when signed in, otherwise a random pre-session value (`sh_pre`), so the
//! sign-in form is protected too. A cross-site page can neither read that cookie nor compute
//! the token. Every POST to a page must carry it — as the `csrf_token` form field, the
//! `X-CSRF-Token` header, or (for multipart file uploads, whose body is not read here) the
//! `csrf_token` query parameter of the form's action — or it is refused with 403 and changes
//! nothing.
//! The JSON API takes bearer tokens only, which a browser never sends on its own.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use sha2::{Digest, Sha256};
use stationhub_domain::DomainError;

use crate::error::PageError;

pub const SESSION_COOKIE: &str = "sh_session";
pub const PRE_SESSION_COOKIE: &str = "sh_pre";
pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";
const MAX_FORM_BYTES: usize = 1024 * 1024;

/// The token forms on this page must carry (put in request extensions by [`layer`]).
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

pub fn derive(secret: &str) -> String {
    hex::encode(&Sha256::digest(format!("stationhub-csrf:{secret}").as_bytes())[..16])
}

/// Reads one cookie from the request headers.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub async fn layer(req: Request, next: Next) -> Response {
    let headers = req.headers();
    let (secret, new_pre) =
        match cookie(headers, SESSION_COOKIE).or_else(|| cookie(headers, PRE_SESSION_COOKIE)) {
            Some(s) => (s.to_string(), None),
            None => {
                let mut b = [0u8; 24];
                rand::thread_rng().fill_bytes(&mut b);
                let v = hex::encode(b);
                (v.clone(), Some(v))
            }
        };
    let expected = derive(&secret);
    let mut req = req;
    if req.method() == Method::POST {
        let (parts, body) = req.into_parts();
        let mut provided = parts
            .headers
            .get(HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| {
                parts.uri.query().and_then(|q| {
                    serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                        .ok()?
                        .into_iter()
                        .find(|(k, _)| k == FIELD)
                        .map(|(_, v)| v)
                })
            });
        let is_form = parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        // Every form body is read here, whether or not it carries the token: one size limit
        // (413 as a page in Chinese) and no NUL character (PostgreSQL cannot store one).
        let body = if is_form {
            let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
                return PageError {
                    status: axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                    message: "提交的内容过大".into(),
                }
                .into_response();
            };
            let pairs =
                serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes).unwrap_or_default();
            if pairs
                .iter()
                .any(|(k, v)| k.contains('\0') || v.contains('\0'))
            {
                return PageError {
                    status: axum::http::StatusCode::BAD_REQUEST,
                    message: "提交的内容不能包含空字符（NUL）".into(),
                }
                .into_response();
            }
            if provided.is_none() {
                provided = pairs.into_iter().find(|(k, _)| k == FIELD).map(|(_, v)| v);
            }
            Body::from(bytes)
        } else {
            body
        };
        if !provided.is_some_and(|p| constant_time_eq(&p, &expected)) {
            tracing::warn!(path = %parts.uri.path(), "form refused: CSRF token missing or wrong");
            return PageError::from(DomainError::CsrfMismatch).into_response();
        }
        req = Request::from_parts(parts, body);
    }
    req.extensions_mut().insert(CsrfToken(expected));
    let mut res = next.run(req).await;
    if let Some(pre) = new_pre
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{PRE_SESSION_COOKIE}={pre}; Path=/; HttpOnly; SameSite=Lax"
        ))
    {
        res.headers_mut().append(SET_COOKIE, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_depend_on_the_secret() {
        assert_eq!(derive("a"), derive("a"));
        assert_ne!(derive("a"), derive("b"));
        assert_eq!(derive("a").len(), 32);
    }

    #[test]
    fn cookies_are_read_by_name() {
        let mut h = axum::http::HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_static("x=1; sh_session=abc; y=2"));
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, PRE_SESSION_COOKIE), None);
    }
}
