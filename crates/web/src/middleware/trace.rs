//! Structured request logs: one span per request with method, path and a request id; the
//! response line carries status and latency (tower-http's TraceLayer).

use axum::extract::Request;
use tracing::Span;

pub fn make_span(req: &Request) -> Span {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    tracing::info_span!(
        "request",
        id = NEXT.fetch_add(1, Ordering::Relaxed),
        method = %req.method(),
        path = %req.uri().path(),
    )
}
