//! The HTTP layer: routes, extractors, error mapping, caching headers, CORS and request logging.
//! Handlers translate between HTTP and the domain/storage layers and hold no business rules.

pub mod admin;
pub mod api;
pub mod conditional;
pub mod docs;
pub mod error;
pub mod extract;
pub mod health;
pub mod tracked_links;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::config::CorsOrigins;
use crate::state::AppState;

/// The whole application: public API, docs, health, with the shared middleware.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = api::router();
    // stale-if-error lets a CDN keep answering through a database outage (CONTRACT section 4).
    let cache_control = HeaderValue::from_str(&format!(
        "public, max-age={}, stale-if-error=86400",
        state.config.cache_max_age
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("public, max-age=60, stale-if-error=86400"));

    let public = api
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            cache_control,
        ))
        .layer(middleware::from_fn(error::within_patience));

    // Behind https, browsers are told to use nothing else for a year (not sent over plain
    // http, where a browser would ignore it and it would lock out a site not yet on https).
    let hsts = state
        .config
        .is_https()
        .then(|| HeaderValue::from_static("max-age=31536000"));

    Router::new()
        .merge(public)
        .merge(docs::router(&openapi))
        .merge(tracked_links::router().layer(middleware::from_fn(error::within_patience)))
        .merge(admin::router(&state))
        .fallback(error::unknown_route)
        .method_not_allowed_fallback(error::wrong_method)
        .layer(middleware::from_fn(conditional::etag_middleware))
        .layer(cors_layer(&state.config.cors_origins))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            move |_: &axum::response::Response| hsts.clone(),
        ))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
        }))
        .with_state(state)
}

fn cors_layer(origins: &CorsOrigins) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS])
        .allow_headers([header::IF_NONE_MATCH, header::CONTENT_TYPE])
        .expose_headers([header::ETAG]);
    match origins {
        CorsOrigins::Any => layer.allow_origin(Any),
        CorsOrigins::List(list) => layer.allow_origin(AllowOrigin::list(
            list.iter().filter_map(|o| HeaderValue::from_str(o).ok()),
        )),
    }
}
