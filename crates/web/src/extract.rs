//! Extractors: who is asking (bearer token for the API, session cookie for pages), from where,
//! JSON bodies with JSON errors, and paging.

use std::net::{IpAddr, SocketAddr};

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Query};
use axum::http::StatusCode;
use axum::http::header::{AUTHORIZATION, HeaderName};
use axum::http::request::Parts;
use serde::Deserialize;
use stationhub_domain::DomainError;
use stationhub_domain::account::Role;
use stationhub_storage::accounts::CurrentSession;

use crate::AppState;
use crate::error::{ApiError, PageError};

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// A JSON body whose rejections answer in the API's error shape. A NUL character (`\u0000`)
/// in it is refused (400): PostgreSQL cannot store one in text and would fail the statement.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, s: &S) -> Result<Self, ApiError> {
        let (parts, body) = req.into_parts();
        let bytes =
            read_json_body(axum::extract::Request::from_parts(parts.clone(), body), s).await?;
        // axum's own reading of it (content type, syntax, fields), from the bytes read.
        let req = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
        let axum::Json(v) = axum::Json::<T>::from_request(req, s).await?;
        Ok(ApiJson(v))
    }
}

/// Whether a JSON text holds a NUL character: JSON can only write one as `\u0000` (a raw
/// control character is a syntax error), and a backslash escaped by another is not an escape.
pub fn json_has_nul(bytes: &[u8]) -> bool {
    bytes.windows(6).enumerate().any(|(i, w)| {
        w.eq_ignore_ascii_case(b"\\u0000")
            && bytes[..i].iter().rev().take_while(|b| **b == b'\\').count() % 2 == 0
    })
}

/// The refusal of a NUL character in any input.
pub fn nul_refusal() -> ApiError {
    ApiError::bad_request("提交的内容不能包含空字符（NUL）")
}

/// A JSON request's body as bytes, within the body limit (413) and without a NUL character
/// (400): what [`ApiJson`] and [`OptionalJson`] read before they parse.
async fn read_json_body<S: Send + Sync>(
    req: axum::extract::Request,
    s: &S,
) -> Result<axum::body::Bytes, ApiError> {
    let bytes = axum::body::Bytes::from_request(req, s)
        .await
        .map_err(|e| body_refusal(e.status()))?;
    if json_has_nul(&bytes) {
        return Err(nul_refusal());
    }
    Ok(bytes)
}

/// A body that could not be read: too large (413), or broken off (400).
fn body_refusal(status: StatusCode) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::Request {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "too_large",
            message: "请求内容过大".into(),
        }
    } else {
        ApiError::bad_request("请求内容无法读取")
    }
}

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

/// Query parameters whose rejections answer in the API's error shape: 400 in Chinese, naming
/// the parameter (axum's own answer is English plain text).
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// The same for the pages: a page in Chinese.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(PageError))]
pub struct PageQuery<T>(pub T);

/// What was wrong with a query string, in Chinese: the parameter, when serde names it.
fn query_refusal(r: &QueryRejection) -> String {
    let text = r.body_text();
    let detail = text
        .strip_prefix("Failed to deserialize query string: ")
        .unwrap_or(&text);
    let field = detail
        .split_once(": ")
        .map(|(f, _)| f)
        .filter(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    let duplicate = detail.starts_with("duplicate field");
    match field {
        Some(f) => format!("查询参数“{f}”的值无效"),
        None if duplicate => "查询参数重复".to_string(),
        None => "查询参数无法解析".to_string(),
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::bad_request(query_refusal(&r))
    }
}

impl From<QueryRejection> for PageError {
    fn from(r: QueryRejection) -> Self {
        PageError {
            status: StatusCode::BAD_REQUEST,
            message: format!("{}，请从页面上的链接或筛选框进入。", query_refusal(&r)),
        }
    }
}

/// The client's address: the TCP peer, or — when the peer is a proxy the settings trust
/// (`--trusted-proxies`, e.g. the nginx in front) — the address the proxy saw, from
/// `X-Forwarded-For`. Without this, every request behind a proxy would come from the proxy,
/// and the per-address limits on sign-in and objections would hold for everyone at once.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let Some(peer) = peer else {
            return Ok(ClientAddr("unknown".into()));
        };
        let forwarded = parts
            .headers
            .get_all(X_FORWARDED_FOR)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        Ok(ClientAddr(
            client_of(peer, &forwarded, &app.config.trusted_proxies).to_string(),
        ))
    }
}

/// A network the settings trust as a proxy: an address, or `ADDR/PREFIX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyNet {
    addr: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for ProxyNet {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("not an IP address or network: {s:?}"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("bad prefix length in {s:?}"))?,
        };
        Ok(ProxyNet { addr, prefix })
    }
}

impl ProxyNet {
    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4 peer may show as ::ffff:a.b.c.d on a dual-stack socket.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        // The first `prefix` bits of `width` agree.
        let same = |a: u128, b: u128, width: u32| {
            let shift = width - u32::from(self.prefix);
            shift >= 128 || a >> shift == b >> shift
        };
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => same(u32::from(n).into(), u32::from(a).into(), 32),
            (IpAddr::V6(n), IpAddr::V6(a)) => same(n.into(), a.into(), 128),
            _ => false,
        }
    }
}

/// The client behind `peer`: if `peer` is trusted, the right-most address of
/// `X-Forwarded-For` that is not itself a trusted proxy (entries further left are whatever the
/// client claimed, and are not believed); otherwise `peer`.
pub fn client_of(peer: IpAddr, forwarded: &str, trusted: &[ProxyNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(ip) {
                    break;
                }
            }
            // Not an address: stop at what was last believed.
            Err(_) => break,
        }
    }
    client
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
        let bytes = read_json_body(req, s).await?;
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

#[cfg(test)]
mod tests {
    use super::{ProxyNet, client_of, json_has_nul};

    fn nets(list: &[&str]) -> Vec<ProxyNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn the_client_is_taken_from_a_trusted_proxy_only() {
        let trusted = nets(&["127.0.0.1", "::1", "10.0.0.0/8"]);
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        // Straight from the client: its own address, whatever it claims.
        assert_eq!(
            client_of(ip("203.0.113.9"), "1.2.3.4", &trusted),
            ip("203.0.113.9")
        );
        // Through the proxy: the address the proxy saw.
        assert_eq!(
            client_of(ip("127.0.0.1"), "203.0.113.9", &trusted),
            ip("203.0.113.9")
        );
        // A client that sends its own header: only the right-most hop is believed.
        assert_eq!(
            client_of(ip("127.0.0.1"), "1.2.3.4, 203.0.113.9", &trusted),
            ip("203.0.113.9")
        );
        // Two proxies of our own (10.x, then loopback).
        assert_eq!(
            client_of(ip("127.0.0.1"), "203.0.113.9, 10.1.2.3", &trusted),
            ip("203.0.113.9")
        );
        // No header, or junk: the peer.
        assert_eq!(client_of(ip("127.0.0.1"), "", &trusted), ip("127.0.0.1"));
        assert_eq!(client_of(ip("::1"), "unknown", &trusted), ip("::1"));
        // Nothing trusted: never the header.
        assert_eq!(
            client_of(ip("127.0.0.1"), "203.0.113.9", &[]),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn proxy_networks() {
        let n: ProxyNet = "10.0.0.0/8".parse().unwrap();
        assert!(n.contains("10.200.3.4".parse().unwrap()));
        assert!(!n.contains("11.0.0.1".parse().unwrap()));
        assert!(
            n.contains("::ffff:10.0.0.7".parse().unwrap()),
            "IPv4-mapped"
        );
        assert!(!n.contains("::1".parse().unwrap()));
        let one: ProxyNet = "192.168.1.5".parse().unwrap();
        assert!(one.contains("192.168.1.5".parse().unwrap()));
        assert!(!one.contains("192.168.1.6".parse().unwrap()));
        let v6: ProxyNet = "fd00::/8".parse().unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!(!v6.contains("fe80::1".parse().unwrap()));
        let all: ProxyNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
        for bad in ["", "x", "10.0.0.0/33", "::/129", "1.2.3.4/"] {
            assert!(bad.parse::<ProxyNet>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_nul_is_found_only_where_json_writes_one() {
        assert!(json_has_nul(br#"{"a":"x\u0000y"}"#));
        assert!(
            json_has_nul(br#"{"a":"\\\u0000"}"#),
            "an escaped backslash, then a NUL"
        );
        assert!(
            !json_has_nul(br#"{"a":"\\u0000"}"#),
            "the text \\u0000, no NUL"
        );
        assert!(!json_has_nul(br#"{"a":"\u0001 u0000"}"#));
        assert!(!json_has_nul(b""));
    }
}
