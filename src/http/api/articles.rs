//! `GET /api/v1/articles` and `GET /api/v1/articles/{slug}`.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::events::paths;
use crate::domain::search::{QUERY_MAX_CHARS, SearchQuery};
use crate::domain::timestamp::Timestamp;
use crate::domain::{preview, rules};
use crate::http::api::dto::{Article, ArticleList, ArticleSummaryDto, Data, PageMeta};
use crate::http::conditional::json_body;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery};
use crate::read_cache::CachedBody;
use crate::state::AppState;
use crate::storage::public_read::{self, ArticleFilter, PublishedArticle, TimeBound};
use crate::storage::{StorageError, placements};

pub const DEFAULT_PER_PAGE: u64 = 20;
pub const MAX_PER_PAGE: u64 = 100;

/// Query parameters of the article list. Values arrive as text so that bad ones get a precise
/// message instead of a generic deserialization error.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page number, from 1.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1000000)]
    page: Option<String>,
    /// Articles per page, 1 to 100 (default 20).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 100)]
    per_page: Option<String>,
    /// Only articles with this tag; empty means no tag filter.
    #[param(value_type = Option<String>, pattern = "^([a-z0-9]+(-[a-z0-9]+)*)?$", max_length = 60, example = "anxious")]
    tag: Option<String>,
    /// Full-text search, ranked by relevance (title first, then subtitle and summary, then
    /// text): every word must appear in one of its English forms (`running` finds `run`),
    /// `"two words"` is a phrase, `-word` leaves out articles with it, and the last word also
    /// matches as a prefix (`attach` finds `attachment`). Case does not matter, in any script.
    /// A query of only excluded words or punctuation finds nothing.
    #[param(
        value_type = Option<String>,
        max_length = 500,
        example = "avoidant partner"
    )]
    q: Option<String>,
}

const MAX_PAGE: u64 = 1_000_000;

impl ListParams {
    fn into_filter(self) -> Result<ArticleFilter, ApiError> {
        let page = parse_bounded("page", self.page.as_deref(), 1, MAX_PAGE, 1)?;
        let per_page = parse_bounded(
            "per_page",
            self.per_page.as_deref(),
            1,
            MAX_PER_PAGE,
            DEFAULT_PER_PAGE,
        )?;
        let tag = match self.tag.filter(|t| !t.is_empty()) {
            Some(tag) if !rules::is_valid_tag(&tag) => {
                return Err(ApiError::bad_request(format!(
                    "tag \"{tag}\" is not a valid tag (lowercase letters, digits and single hyphens)"
                )));
            }
            other => other,
        };
        let q = self.q.unwrap_or_default();
        if q.chars().count() > QUERY_MAX_CHARS {
            return Err(ApiError::bad_request(format!(
                "q must be at most {QUERY_MAX_CHARS} characters"
            )));
        }
        // A blank q lists everything; one of only operators or excluded words finds nothing.
        let search = (!q.trim().is_empty()).then(|| SearchQuery::parse(&q));
        Ok(ArticleFilter {
            page,
            per_page,
            tag,
            search,
        })
    }
}

fn parse_bounded(
    name: &str,
    value: Option<&str>,
    min: u64,
    max: u64,
    default: u64,
) -> Result<u64, ApiError> {
    let Some(text) = value else {
        return Ok(default);
    };
    // Digits only: `parse` alone would also take "+1", which the documented integer is not.
    let digits = text.bytes().all(|b| b.is_ascii_digit());
    match text.parse::<u64>() {
        Ok(n) if digits && (min..=max).contains(&n) => Ok(n),
        _ => Err(ApiError::bad_request(format!(
            "{name} must be a whole number from {min} to {max}; got \"{text}\""
        ))),
    }
}

/// Published articles: newest first, or by relevance for a search.
#[utoipa::path(
    get,
    path = "/api/v1/articles",
    tag = "articles",
    params(ListParams),
    responses(
        (status = 200, description = "One page of published articles", body = ArticleList),
        (status = 304, description = "Not modified (matching If-None-Match)"),
        (status = 400, description = "A bad page, per_page, tag or q", body = ErrorBody),
    )
)]
pub async fn list_articles(
    State(app): State<AppState>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Response, ApiError> {
    let filter = params.into_filter()?;
    let key = format!(
        "/api/v1/articles?page={}&per_page={}&tag={}{}",
        filter.page,
        filter.per_page,
        filter.tag.as_deref().unwrap_or(""),
        // A search of nothing (only operators) is not the same as no search.
        filter
            .search
            .as_ref()
            .map(|s| format!("&q={}", s.canonical()))
            .unwrap_or_default()
    );
    let now = app.clock.now();
    let cached = app
        .cache
        .get_or_load(&key, now, || async {
            let page =
                public_read::list_articles(app.db.conn(), &app.list_anchors, &filter, now).await?;
            let slugs = page.value.items.iter().map(|a| a.slug.clone()).collect();
            let body = ArticleList {
                data: page
                    .value
                    .items
                    .into_iter()
                    .map(ArticleSummaryDto::from)
                    .collect(),
                meta: PageMeta {
                    page: filter.page,
                    per_page: filter.per_page,
                    total: page.value.total,
                },
            };
            Ok::<_, ApiError>(Some(
                CachedBody::new(serde_json::to_vec(&body)?.into(), page.changes_at).listing(slugs),
            ))
        })
        .await?;
    cached.map(|c| json_body(&c)).ok_or_else(ApiError::internal)
}

/// Query parameters of a single article.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleParams {
    /// A preview token made in the admin: returns the article whatever its status (drafts too),
    /// uncached. Without it only published articles are served.
    #[param(value_type = Option<String>, max_length = 200)]
    preview: Option<String>,
}

/// One published article with its blocks in order.
#[utoipa::path(
    get,
    path = "/api/v1/articles/{slug}",
    tag = "articles",
    params(("slug" = String, Path, description = "The article's slug", example = "anxious-avoidant-relationship-dynamic"), ArticleParams),
    responses(
        (status = 200, description = "The article", body = Data<Article>),
        (status = 304, description = "Not modified (matching If-None-Match)"),
        (status = 400, description = "An undecodable path", body = ErrorBody),
        (status = 403, description = "A preview token that is malformed, expired or for another article", body = ErrorBody),
        (status = 404, description = "No published article has this slug", body = ErrorBody),
    )
)]
pub async fn get_article(
    State(app): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(params): ApiQuery<ArticleParams>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::not_found(format!("no published article has the slug \"{slug}\""));
    if let Some(token) = params.preview {
        return preview_article(&app, &slug, &token).await;
    }
    if !rules::is_valid_slug(&slug) {
        return Err(not_found());
    }
    let now = app.clock.now();
    let cached = app
        .cache
        .get_or_load(&paths::article(&slug), now, || async {
            let Some((article, placed, changes_at)) =
                read_article(&app, slug.clone(), now, true).await?
            else {
                return Ok::<_, ApiError>(None);
            };
            let body = serde_json::to_vec(&Data {
                data: Article::new(article, placed, &app.config.public_url),
            })?;
            Ok(Some(CachedBody::new(body.into(), changes_at)))
        })
        .await?;
    cached.map(|c| json_body(&c)).ok_or_else(not_found)
}

/// The article whatever its status, for a valid preview token; never cached by anyone.
async fn preview_article(app: &AppState, slug: &str, token: &str) -> Result<Response, ApiError> {
    let now = app.clock.now();
    preview::verify(app.preview_key().await?, slug, token, now).map_err(|e| {
        ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "invalid_preview_token",
            e.to_string(),
        )
    })?;
    let (article, placed, _) = read_article(app, slug.to_owned(), now, false)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no article has the slug \"{slug}\"")))?;
    let body = serde_json::to_vec(&Data {
        data: Article::new(article, placed, &app.config.public_url),
    })?;
    let mut response = json_body(&CachedBody::new(body.into(), None));
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// An article (published only, or any for a preview) with the promos placed for it, from one
/// snapshot, and the next moment the clock alone changes it.
async fn read_article(
    app: &AppState,
    slug: String,
    now: Timestamp,
    published_only: bool,
) -> Result<Option<(PublishedArticle, Placed, Option<Timestamp>)>, StorageError> {
    let slots = app.config.promo_slots.clone();
    app.db
        .read(move |txn| {
            Box::pin(async move {
                let found = if published_only {
                    public_read::find_article(txn, &slug, now).await?
                } else {
                    public_read::find_article_for_preview(txn, &slug, now)
                        .await?
                        .map(|value| TimeBound {
                            value,
                            changes_at: None,
                        })
                };
                let Some(found) = found else {
                    return Ok(None);
                };
                let placed =
                    placements::running(txn, &slots, &found.value.summary.tags, now).await?;
                let changes_at = TimeBound::<()>::earliest(found.changes_at, placed.changes_at);
                Ok(Some((found.value, placed.value, changes_at)))
            })
        })
        .await
}

/// The promos placed for an article, by slot.
type Placed = std::collections::BTreeMap<String, Vec<crate::domain::content::Promo>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_plain_digits() {
        assert_eq!(parse_bounded("page", Some("7"), 1, 10, 1).ok(), Some(7));
        assert_eq!(parse_bounded("page", None, 1, 10, 1).ok(), Some(1));
        for bad in ["", "+1", " 1", "1 ", "0", "11", "1.0", "-1"] {
            assert!(
                parse_bounded("page", Some(bad), 1, 10, 1).is_err(),
                "{bad:?}"
            );
        }
    }
}
