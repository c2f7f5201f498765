//! Tracked links, `GET /go/{slug}`: counts a reader's click on a promo and redirects (302) to
//! exactly the target stored for it.
//!
//! Nothing of the request shapes the redirect: the slug selects a stored promo and that is all
//! (query parameters are ignored, never forwarded). Unknown, paused and not-yet-started promos
//! answer 404, ended ones 410. `HEAD` requests and well-known bots are redirected but not
//! counted. Counting is handed to the [`crate::click_recorder`], so the answer does not wait for
//! the database write (unless the recorder's backlog is at its cap: then the redirect waits for
//! room, so memory stays bounded).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::domain::promotions::{PromoStatus, is_bot, referring_slug};
use crate::domain::rules;
use crate::http::error::ApiError;
use crate::http::extract::ApiPath;
use crate::read_cache::Weigh;
use crate::state::AppState;
use crate::storage::clicks::PendingClick;
use crate::storage::promos::{self, RedirectTarget};

/// A cached redirect weighs its target.
impl Weigh for RedirectTarget {
    fn bytes(&self) -> usize {
        self.target_url.len() + 64
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/go/{slug}", get(follow))
}

async fn follow(
    State(app): State<AppState>,
    method: Method,
    headers: HeaderMap,
    ApiPath(slug): ApiPath<String>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::not_found(format!("no running promo has the slug \"{slug}\""));
    if !rules::is_valid_slug(&slug) {
        return Err(not_found());
    }
    let now = app.clock.now();
    let db = app.db.clone();
    let target = app
        .cache
        .get_or_load_value(&format!("go/{slug}"), now, || async {
            Ok::<_, ApiError>(
                promos::redirect_target(&db, &slug)
                    .await?
                    .map(|target| (target, None)),
            )
        })
        .await?
        .ok_or_else(not_found)?;
    let RedirectTarget {
        promo_id,
        target_url,
        paused,
        starts_at,
        ends_at,
    } = target.as_ref();
    match PromoStatus::at(*paused, *starts_at, *ends_at, now) {
        PromoStatus::Running => {}
        PromoStatus::Expired => {
            return Err(ApiError::new(
                StatusCode::GONE,
                "gone",
                format!("the promo \"{slug}\" has ended"),
            ));
        }
        PromoStatus::Paused | PromoStatus::Scheduled => return Err(not_found()),
    }
    let Ok(location) = HeaderValue::from_str(target_url) else {
        tracing::error!(%slug, "a stored promo target is not a valid Location header");
        return Err(not_found());
    };
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if method == Method::GET && !is_bot(user_agent) {
        let from_article = headers
            .get(header::REFERER)
            .and_then(|v| v.to_str().ok())
            .and_then(referring_slug);
        app.clicks
            .record(PendingClick {
                promo_id: *promo_id,
                at: now,
                from_article,
            })
            .await;
    }
    Ok((
        StatusCode::FOUND,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::HeaderName::from_static("x-robots-tag"),
                HeaderValue::from_static("noindex, nofollow"),
            ),
        ],
    )
        .into_response())
}
