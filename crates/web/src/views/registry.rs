//! Pages for host units, societies with their expert rosters, and rounds.

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
