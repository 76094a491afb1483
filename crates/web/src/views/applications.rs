//! Pages for the 申报书: the list, the form, the printable view, confirmation and submission.

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
