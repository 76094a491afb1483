//! HTTP adapter: the JSON API under `/api/v1` ([`api`]), the server-rendered pages in Simplified
//! Chinese ([`views`]), and the cross-cutting layers ([`middleware`]). Handlers parse input,
//! call the storage use cases (which apply the domain's rules) and render the answer.

pub mod api;
pub mod error;
pub mod extract;
pub mod jobs;
pub mod mailer;
pub mod metrics;
pub mod middleware;
pub mod upload;
pub mod views;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use stationhub_domain::clock::Clock;
use stationhub_domain::policy::Policy;
use stationhub_storage::Store;
use stationhub_storage::files::FileStore;
use tower_http::trace::TraceLayer;

/// The proxies trusted unless the settings say otherwise: this machine.
pub const DEFAULT_TRUSTED_PROXIES: &str = "127.0.0.1,::1";

/// Settings the server runs with (SPEC §5: flags or environment).
#[derive(Debug, Clone)]
pub struct Config {
    /// Sign-in attempts allowed per client address and minute (`STATIONHUB_SIGNIN_PER_MINUTE`).
    pub signin_per_minute: u32,
    /// Objections to public notices allowed per client address and hour
    /// (`STATIONHUB_OBJECTIONS_PER_HOUR`), counted in the database.
    pub objections_per_hour: u32,
    /// Served over HTTPS (behind a TLS proxy): cookies are `Secure` and every answer carries
    /// `Strict-Transport-Security`.
    pub secure_cookies: bool,
    /// How often the job loop looks for work queued by other servers.
    pub jobs_interval: std::time::Duration,
    /// Proxies whose `X-Forwarded-For` names the client (`--trusted-proxies`); by default the
    /// machine itself (an nginx in front on the same host).
    pub trusted_proxies: Vec<extract::ProxyNet>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            signin_per_minute: 60,
            objections_per_hour: 20,
            secure_cookies: false,
            jobs_interval: jobs::INTERVAL,
            trusted_proxies: DEFAULT_TRUSTED_PROXIES
                .split(',')
                .filter_map(|n| n.parse().ok())
                .collect(),
        }
    }
}

pub struct Inner {
    pub store: Store,
    /// Where uploaded files are kept (a local folder or S3-compatible storage).
    pub files: FileStore,
    pub policy: Policy,
    pub clock: Clock,
    pub config: Config,
    /// Wakes this server's job loop when a request has queued work (other servers find it on
    /// their next look); only a hint, the queue itself is in the database.
    pub jobs_wake: tokio::sync::Notify,
}

/// Everything a handler needs; cheap to clone. Nothing that matters lives here but settings:
/// sessions, lock-outs and counters are in the database.
#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(
        store: Store,
        files: FileStore,
        policy: Policy,
        clock: Clock,
        config: Config,
    ) -> AppState {
        AppState(Arc::new(Inner {
            store,
            files,
            policy,
            clock,
            config,
            jobs_wake: tokio::sync::Notify::new(),
        }))
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(healthz))
        .route("/livez", get(livez))
        .route("/metrics", get(metrics::metrics))
        .nest("/api/v1", api::router())
        .merge(views::router(state.clone()))
        .layer(axum::middleware::from_fn(middleware::nul::layer))
        .layer(axum::middleware::from_fn_with_state(
            middleware::security_headers::Headers {
                hsts: state.config.secure_cookies,
            },
            middleware::security_headers::layer,
        ))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(TraceLayer::new_for_http().make_span_with(middleware::trace::make_span))
        .with_state(state)
}

/// `GET /livez`: the process answers (liveness; no database needed).
async fn livez() -> impl IntoResponse {
    Json(serde_json::json!({"status": "ok"}))
}

/// `GET /healthz` and `GET /readyz` (readiness): 200 when the database answers, 503 otherwise.
async fn healthz(State(app): State<AppState>) -> impl IntoResponse {
    match app.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(serde_json::json!({"status": "ok", "database": "ok"})),
        ),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "error", "database": "unreachable"})),
            )
        }
    }
}

/// Serves until `shutdown` resolves; in-flight requests finish first. The PDF fonts are loaded
/// beside it from the start ([`stationhub_documents::pdf::warm_up`]).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The PDF fonts are read now, in the background, while the process holds little else.
    tokio::task::spawn_blocking(|| {
        if let Err(e) = stationhub_documents::pdf::warm_up() {
            tracing::warn!(error = %e, "PDF documents unavailable until the fonts are installed");
        }
    });
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
