//! The statistics behind the dashboard, as JSON (city CAST, the talent office, supervisors).

use axum::extract::State;
use stationhub_storage::dashboard::Dashboard;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiUser};

/// Stations by level, industry, county and status; applications per round by outcome;
/// indicator compliance of the running stations; grants paid and expenses by category per year
/// (fen).
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "stations",
    security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody)))]
pub async fn dashboard(
    State(app): State<AppState>,
    user: ApiUser,
) -> Result<ApiJson<Dashboard>, ApiError> {
    Ok(ApiJson(
        app.store
            .dashboard(&user.0.user, app.clock.today(), &app.policy)
            .await?,
    ))
}
