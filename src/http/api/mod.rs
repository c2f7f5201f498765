//! The public, read-only JSON API under `/api/v1` (CONTRACT section 4) and its OpenAPI document.

pub mod articles;
pub mod dto;
pub mod library;

use axum::Router;
use utoipa::OpenApi;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::{ObjectBuilder, RefOr, Type};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::ErrorBody;
use crate::state::AppState;

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
        (name = "library", description = "Feeling lists, step guides, promos, placements and perspectives"),
        (name = "operations", description = "Health")
    )
)]
struct PublicApiDoc;

/// The API's routes together with the OpenAPI document generated from them.
pub fn router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut openapi) = OpenApiRouter::with_openapi(PublicApiDoc::openapi())
        .routes(routes!(articles::list_articles))
        .routes(routes!(articles::get_article))
        .routes(routes!(library::get_feeling_list))
        .routes(routes!(library::get_step_guide))
        .routes(routes!(library::get_promo))
        .routes(routes!(library::get_placements))
        .routes(routes!(library::list_perspectives))
        .routes(routes!(crate::http::health::healthz))
        .split_for_parts();
    document_caching_headers(&mut openapi);
    (router, openapi)
}

/// Every 200 and 304 answer carries `ETag` and `Cache-Control` (set by middleware, so the
/// handlers' annotations do not see them); this adds them to every such response in the document.
fn document_caching_headers(openapi: &mut utoipa::openapi::OpenApi) {
    let etag = required_header(
        "^\"[^\"]*\"$",
        "A strong validator of the answer; send it back in If-None-Match to get 304",
        "\"f7bec4625266d8dc187d533ef66842a7\"",
    );
    let cache_control = required_header(
        "^(public, max-age=[0-9]+, stale-if-error=[0-9]+|no-store)$",
        "`public, max-age=N, stale-if-error=86400` for content (a CDN may keep serving it \
         through a database outage), `no-store` for /healthz",
        "public, max-age=60, stale-if-error=86400",
    );
    for item in openapi.paths.paths.values_mut() {
        let Some(operation) = item.get.as_mut() else {
            continue;
        };
        for (status, response) in &mut operation.responses.responses {
            if let ("200" | "304", RefOr::T(response)) = (status.as_str(), response) {
                response
                    .headers
                    .insert("ETag".to_owned(), RefOr::T(etag.clone()));
                response
                    .headers
                    .insert("Cache-Control".to_owned(), RefOr::T(cache_control.clone()));
            }
        }
    }
}

/// utoipa's `Header` has no `required` field; the flattened extensions map writes it as a plain
/// `"required": true`, which is what OpenAPI's Header Object uses.
fn required_header(pattern: &str, description: &str, example: &str) -> Header {
    HeaderBuilder::new()
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(pattern)),
        ))
        .description(Some(description))
        .example(Some(example.into()))
        .extensions(Some(Extensions::from_iter([("required", true)])))
        .build()
}
