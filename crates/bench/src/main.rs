//! `constant-server ADDR`: the framework's limit for `bench/run.sh`. A plain axum router with
//! one handler, `GET /` → `ok`, on the same multi-thread tokio runtime as `stationhub serve`,
//! with no middleware, state or database. Prints `constant-server: http://ADDR/` once
//! listening, like the real server.

use std::process::ExitCode;

use axum::Router;
use axum::routing::get;

async fn constant() -> &'static str {
    "ok"
}

#[tokio::main]
async fn main() -> ExitCode {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8090".to_string());
    let listener = match tokio::net::TcpListener::bind(&bind).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("constant-server: cannot listen on {bind}: {e}");
            return ExitCode::from(2);
        }
    };
    match listener.local_addr() {
        Ok(addr) => println!("constant-server: http://{addr}/"),
        Err(e) => {
            eprintln!("constant-server: {e}");
            return ExitCode::from(2);
        }
    }
    let app = Router::new().route("/", get(constant));
    if let Err(e) = axum::serve(listener, app).await {
        eprintln!("constant-server: {e}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
