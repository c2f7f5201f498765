//! The HTTP layer's one error type and its JSON envelope.
//!
//! Handlers return `Result<_, ApiError>`. Small constructors (`not_found`, `bad_request`) say the
//! intent at the call site; storage errors become a logged 500 whose details never reach the
//! client. Every error the public API answers, including unknown routes, wrong methods and axum's
//! own rejections, has the shape `{"error": {"code": "...", "message": "..."}}`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::storage::StorageError;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

/// `{"error": {"code", "message"}}`
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable snake_case word: `not_found`, `bad_request`, `method_not_allowed`, ...
    #[schema(example = "not_found")]
    pub code: String,
    /// A sentence for people; its wording may change.
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this path does not accept that method; the public API is read-only (GET)",
        )
    }

    /// The database does not answer (CONTRACT section 4: within 2 seconds).
    pub fn database_unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "the database does not answer; try again shortly",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "something went wrong on our side; it has been logged",
        )
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        if error.is_unavailable() {
            tracing::warn!(%error, "the database does not answer");
            return Self::database_unavailable();
        }
        tracing::error!(%error, "storage error");
        Self::internal()
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(error: serde_json::Error) -> Self {
        tracing::error!(%error, "serialization error");
        Self::internal()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// How long a public request may take before it is answered 503: it is waiting for a database
/// that does not answer (CONTRACT section 4).
pub const DATABASE_PATIENCE: std::time::Duration = std::time::Duration::from_millis(1900);

/// Answers 503 `database_unavailable` for a request still unanswered after
/// [`DATABASE_PATIENCE`] (a database that stopped answering mid-query never returns an error).
pub async fn within_patience(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match tokio::time::timeout(DATABASE_PATIENCE, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!("a public request waited too long for the database");
            ApiError::database_unavailable().into_response()
        }
    }
}

/// Fallback for paths no route matches.
pub async fn unknown_route() -> ApiError {
    ApiError::not_found("no such path; the public API lives under /api/v1 (see /api/docs)")
}

/// Fallback for known paths asked with an unsupported method.
pub async fn wrong_method() -> ApiError {
    ApiError::method_not_allowed()
}
