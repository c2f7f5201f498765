//! `GET /healthz`: 200 while the database answers, else 503.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::http::api::dto::Health;
use crate::http::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::storage;

/// Whether Tether and its database answer.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses(
        (status = 200, description = "Tether and its database answer", body = Health),
        (status = 304, description = "Not modified (matching If-None-Match)"),
        (status = 503, description = "The database does not answer", body = ErrorBody),
    )
)]
pub async fn healthz(State(app): State<AppState>) -> Result<Response, ApiError> {
    if let Err(error) = storage::ping(app.db.conn()).await {
        tracing::warn!(%error, "health check failed");
        return Err(ApiError::unavailable("the database does not answer"));
    }
    let mut response = Json(Health {
        status: "ok".to_owned(),
    })
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
