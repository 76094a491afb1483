//! List and indicator answers of the API kept as their JSON bytes in the store's memo
//! ([`stationhub_storage::memo`]): a repeated read at the same change number is neither read
//! nor serialised again.

use std::future::Future;

use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use stationhub_storage::ChangeNo;

use crate::AppState;
use crate::error::ApiError;

/// A JSON body, serialised already.
pub struct JsonBytes(pub Bytes);

impl IntoResponse for JsonBytes {
    fn into_response(self) -> Response {
        ([(CONTENT_TYPE, "application/json")], self.0).into_response()
    }
}

/// `read`'s answer as JSON, from memory when `key` was answered at `seen` (`key` names all it
/// depends on: see [`stationhub_storage::Store::memo`]).
pub async fn json<T, E>(
    app: &AppState,
    seen: ChangeNo,
    key: String,
    read: impl Future<Output = Result<T, E>>,
) -> Result<JsonBytes, ApiError>
where
    T: Serialize,
    ApiError: From<E>,
{
    let bytes = app
        .store
        .memo(seen, format!("json|{key}"), async {
            let value = read.await?;
            serde_json::to_vec(&value)
                .map(Bytes::from)
                .map_err(|e| ApiError::Internal(e.to_string()))
        })
        .await?;
    Ok(JsonBytes(bytes))
}
