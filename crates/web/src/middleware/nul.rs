//! A NUL character in the address (`%00` in the path or the query) is refused before any
//! handler sees it: PostgreSQL cannot hold one in text (the statement fails), SQLite's LIKE
//! stops reading a pattern at one (a search for it matched every row), and no path or
//! parameter of the site needs one. Bodies are checked where they are read (`ApiJson`, the
//! form layer, multipart fields).

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::PageError;
use crate::extract::nul_refusal;

pub async fn layer(req: Request, next: Next) -> Response {
    let uri = req.uri();
    let nul = |s: &str| s.contains("%00");
    if nul(uri.path()) || uri.query().is_some_and(nul) {
        if uri.path().starts_with("/api/") {
            return nul_refusal().into_response();
        }
        return PageError {
            status: StatusCode::BAD_REQUEST,
            message: "网址中不能包含空字符（NUL），请从页面上的链接或筛选框进入。".into(),
        }
        .into_response();
    }
    next.run(req).await
}
