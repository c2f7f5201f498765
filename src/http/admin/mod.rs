//! The admin dashboard under `/admin`: server-rendered pages behind sign-in.
//!
//! Layers, outermost first: security headers (CSP without inline script, no framing, no-store),
//! a request body limit, tower-http's `Origin`/`Sec-Fetch-Site` check, then the database-backed
//! session. Each handler states its required permission in its argument types
//! ([`request::Visit`] for pages, [`request::Submitted`] for forms, both built on
//! [`session::Authorized`]); forms check the per-session CSRF token through [`csrf::CsrfForm`].

pub mod account;
pub mod assets;
pub mod audit;
pub mod client;
pub mod content;
pub mod csrf;
pub mod dashboard;
pub mod error;
pub mod login;
pub mod promos;
pub mod render;
pub mod request;
pub mod routes;
pub mod session;
pub mod settings;
pub mod templates;
pub mod users;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use time::Duration;
use tower_http::csrf::CsrfLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::state::AppState;
use crate::storage::sessions::DbSessionStore;

/// Largest form body the admin accepts.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; \
                   object-src 'none'; frame-ancestors 'none'";

pub fn router(state: &AppState) -> Router<AppState> {
    let https = state.config.is_https();
    let idle = Duration::seconds(state.config.session_idle.num_seconds());
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.db.conn().clone()))
        .with_name(if https {
            "__Host-tether_session"
        } else {
            "tether_session"
        })
        .with_secure(https)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle));
    // Browsers send no Origin for same-origin GETs; for POSTs the public URL's origin is
    // trusted besides the request's own host.
    let csrf = CsrfLayer::new()
        .add_trusted_origin(&state.config.public_url)
        .unwrap_or_else(|error| {
            tracing::warn!(%error, "TETHER_PUBLIC_URL is not usable as a trusted origin");
            CsrfLayer::new()
        });

    let pages = routes::routes()
        .layer(sessions)
        .layer(axum::middleware::from_fn(error::session_save_failures))
        .layer(csrf)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ));
    pages.merge(routes::asset_routes())
}
