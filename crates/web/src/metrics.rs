//! `GET /metrics` in the Prometheus text format: requests and their latencies by route, method
//! and status, the background jobs by state, the database pool, and uptime. Request figures are
//! this process's own (Prometheus scrapes each server); the job figures are the database's.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{LazyLock, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    /// Requests at or under each bound (cumulative when printed).
    buckets: [u64; BUCKETS.len()],
}

struct Registry {
    started: Instant,
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| Registry {
    started: Instant::now(),
    series: Mutex::new(BTreeMap::new()),
});

/// Counts every request by its route pattern (not its path, so ids do not make new series).
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().as_str().to_string();
    let start = Instant::now();
    let res = next.run(req).await;
    let secs = start.elapsed().as_secs_f64();
    let status = res.status().as_u16();
    if let Ok(mut m) = REGISTRY.series.lock() {
        let s = m.entry((route, method, status)).or_default();
        s.count += 1;
        s.sum += secs;
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            s.buckets[i] += 1;
        }
    }
    res
}

/// One metric with its help and type lines and a sample for each value of one label.
fn family(
    out: &mut String,
    name: &str,
    kind: &str,
    help: &str,
    label: &str,
    values: &[(&str, u64)],
) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    for (value, n) in values {
        let _ = writeln!(out, "{name}{{{label}=\"{value}\"}} {n}");
    }
}

fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The Prometheus text.
pub async fn metrics(State(app): State<AppState>) -> Response {
    let mut out = String::new();
    out.push_str("# HELP stationhub_http_requests_total HTTP requests answered.\n");
    out.push_str("# TYPE stationhub_http_requests_total counter\n");
    let mut hist = String::new();
    hist.push_str("# HELP stationhub_http_request_duration_seconds Time to answer.\n");
    hist.push_str("# TYPE stationhub_http_request_duration_seconds histogram\n");
    if let Ok(m) = REGISTRY.series.lock() {
        for ((route, method, status), s) in m.iter() {
            let l = format!(
                "route=\"{}\",method=\"{}\",status=\"{status}\"",
                label(route),
                label(method)
            );
            let _ = writeln!(out, "stationhub_http_requests_total{{{l}}} {}", s.count);
            let mut cumulative = 0;
            for (b, n) in BUCKETS.iter().zip(s.buckets.iter()) {
                cumulative += n;
                let _ = writeln!(
                    hist,
                    "stationhub_http_request_duration_seconds_bucket{{{l},le=\"{b}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                hist,
                "stationhub_http_request_duration_seconds_bucket{{{l},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                hist,
                "stationhub_http_request_duration_seconds_sum{{{l}}} {}",
                s.sum
            );
            let _ = writeln!(
                hist,
                "stationhub_http_request_duration_seconds_count{{{l}}} {}",
                s.count
            );
        }
    }
    out.push_str(&hist);
    match app.store.job_counts().await {
        Ok(c) => {
            family(
                &mut out,
                "stationhub_jobs",
                "gauge",
                "Background jobs by state (the database's).",
                "state",
                &[
                    ("queued", c.queued),
                    ("running", c.running),
                    ("done", c.done),
                    ("failed", c.failed),
                ],
            );
            out.push_str("# HELP stationhub_database_up 1 when the database answers.\n");
            out.push_str("# TYPE stationhub_database_up gauge\nstationhub_database_up 1\n");
        }
        Err(e) => {
            tracing::error!(error = %e, "metrics: database unreachable");
            out.push_str("# TYPE stationhub_database_up gauge\nstationhub_database_up 0\n");
        }
    }
    let (size, idle) = app.store.pool_stats();
    family(
        &mut out,
        "stationhub_db_pool_connections",
        "gauge",
        "Database pool connections.",
        "state",
        &[("open", size as u64), ("idle", idle as u64)],
    );
    let memo = app.store.memo_stats();
    family(
        &mut out,
        "stationhub_memo_answers_total",
        "counter",
        "Reads the memo was asked for, by whether it had the answer.",
        "result",
        &[("hit", memo.hits), ("miss", memo.misses)],
    );
    out.push_str("# HELP stationhub_memo_entries Answers kept in the memo.\n");
    out.push_str("# TYPE stationhub_memo_entries gauge\n");
    let _ = writeln!(out, "stationhub_memo_entries {}", memo.entries);
    family(
        &mut out,
        "stationhub_memo_bytes",
        "gauge",
        "The memo's size in bytes (roughly), and its budget.",
        "state",
        &[
            ("kept", memo.bytes as u64),
            ("budget", memo.capacity as u64),
        ],
    );
    family(
        &mut out,
        "stationhub_head_total",
        "counter",
        "Requests that asked for the audit chain's head, and the reads of it that answered them.",
        "event",
        &[("asked", memo.head_asked), ("read", memo.head_reads)],
    );
    out.push_str("# HELP stationhub_uptime_seconds Seconds since this process started.\n");
    out.push_str("# TYPE stationhub_uptime_seconds gauge\n");
    let _ = writeln!(
        out,
        "stationhub_uptime_seconds {}",
        REGISTRY.started.elapsed().as_secs()
    );
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        out,
    )
        .into_response()
}
