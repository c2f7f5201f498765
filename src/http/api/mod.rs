//! The public, read-only JSON API under `/api/v1` (CONTRACT section 4) and its OpenAPI document.

pub mod articles;
pub mod dto;
pub mod library;

use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::http::error::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tether public API",
        description = "Read-only access to published content: articles made of ordered blocks \
                       (text, feeling lists, step guides, promos), and the reusable pieces on their own. \
                       Every 200 answer carries a strong ETag; send it back in If-None-Match to get 304.",
        license(name = "MIT OR Apache-2.0")
    ),
    components(schemas(ErrorBody)),
    tags(
        (name = "articles", description = "Published articles"),
        (name = "library", description = "Feeling lists, step guides, promos and perspectives"),
        (name = "operations", description = "Health")
    )
)]
struct PublicApiDoc;

/// The API's routes together with the OpenAPI document generated from them.
pub fn router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(PublicApiDoc::openapi())
        .routes(routes!(articles::list_articles))
        .routes(routes!(articles::get_article))
        .routes(routes!(library::get_feeling_list))
        .routes(routes!(library::get_step_guide))
        .routes(routes!(library::get_promo))
        .routes(routes!(library::list_perspectives))
        .routes(routes!(crate::http::health::healthz))
        .split_for_parts()
}
