//! Security headers on every response (等保 2.0; kanidm's `security_headers.rs` does the same):
//! a strict Content-Security-Policy (no inline script or style, no framing, forms post only
//! here), `nosniff`, frame denial, no referrer leaks, `no-store` for everything but the
//! static assets, so that pages with personal data are not kept in shared caches, and — when
//! the site is served over HTTPS (`--secure-cookies`) — HSTS, so that browsers never fall back
//! to plain HTTP.

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::middleware::Next;
use axum::response::Response;

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// HSTS for a year; subdomains are left to the operator (the site may share a domain).
pub const HSTS: &str = "max-age=31536000";

/// What the layer adds beyond the fixed headers.
#[derive(Debug, Clone, Copy)]
pub struct Headers {
    /// Served over HTTPS: send `Strict-Transport-Security`.
    pub hsts: bool,
}

pub async fn layer(State(cfg): State<Headers>, req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if cfg.hsts {
        h.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    if !is_static && !h.contains_key(CACHE_CONTROL) {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}
