//! `/api/openapi.json` and the interactive docs page at `/api/docs` (Swagger UI, its assets
//! compiled into the binary, so it works offline).

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::state::AppState;

pub const OPENAPI_PATH: &str = "/api/openapi.json";

pub fn router(openapi: &utoipa::openapi::OpenApi) -> Router<AppState> {
    let json: Bytes = openapi.to_pretty_json().unwrap_or_default().into();
    let serve_json = move || {
        let json = json.clone();
        async move {
            let mut response: Response = json.into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
    };
    Router::new()
        .route(OPENAPI_PATH, get(serve_json))
        .merge(SwaggerUi::new("/api/docs").config(Config::from(OPENAPI_PATH)))
}
