//! `GET /healthz`: 200 while the database answers, else 503 within a second.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::http::api::dto::Health;
use crate::http::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::storage;

/// `/healthz` answers within this long, whatever the database does.
const HEALTH_PATIENCE: std::time::Duration = std::time::Duration::from_secs(1);

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
    let failure = match tokio::time::timeout(HEALTH_PATIENCE, storage::ping(app.db.conn())).await {
        Ok(Ok(())) => None,
        Ok(Err(error)) => Some(error.to_string()),
        Err(_) => Some("no answer within a second".to_owned()),
    };
    if let Some(error) = failure {
        tracing::warn!(%error, "health check failed");
        return Err(ApiError::database_unavailable());
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
