//! The reusable pieces on their own: feeling lists, step guides, running promos, the promos
//! placed in a slot, perspectives.

use axum::extract::State;
use axum::response::Response;

use crate::domain::events::paths;
use crate::domain::rules;
use crate::domain::timestamp::Timestamp;
use crate::http::api::dto::{Data, FeelingList, Perspective, Promo, PromoBlock, StepGuide};
use crate::http::conditional::json_body;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery};
use crate::read_cache::CachedBody;
use crate::state::AppState;
use crate::storage::{placements, public_read};

/// Serves `key` from the read cache, loading it with `load` on a miss; `what` names the thing in
/// the 404 message.
async fn cached_or_not_found<F, Fut>(
    app: &AppState,
    key: String,
    what: String,
    load: F,
) -> Result<Response, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Option<CachedBody>, ApiError>>,
{
    let cached = app.cache.get_or_load(&key, app.clock.now(), load).await?;
    cached
        .map(|c| json_body(&c))
        .ok_or_else(|| ApiError::not_found(format!("no {what}")))
}

/// One thing by slug, cached under its public `path`: a slug that cannot exist is a 404 without
/// a query; `load` gives the value and the moment the clock alone changes it.
async fn by_slug<T, F, Fut>(
    app: &AppState,
    path: String,
    what: &str,
    slug: &str,
    load: F,
) -> Result<Response, ApiError>
where
    T: serde::Serialize,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Option<(T, Option<Timestamp>)>, ApiError>>,
{
    let what = format!("{what} has the slug \"{slug}\"");
    if !rules::is_valid_slug(slug) {
        return Err(ApiError::not_found(format!("no {what}")));
    }
    cached_or_not_found(app, path, what, || async {
        let Some((value, changes_at)) = load().await? else {
            return Ok(None);
        };
        Ok(Some(CachedBody::new(body(value)?, changes_at)))
    })
    .await
}

fn body<T: serde::Serialize>(data: T) -> Result<bytes::Bytes, ApiError> {
    Ok(serde_json::to_vec(&Data { data })?.into())
}

/// A feeling list by slug.
#[utoipa::path(
    get,
    path = "/api/v1/feeling-lists/{slug}",
    tag = "library",
    params(("slug" = String, Path, description = "The feeling list's slug", example = "anxious-avoidant-feelings")),
    responses(
        (status = 200, description = "The feeling list", body = Data<FeelingList>),
        (status = 304, description = "Not modified (matching If-None-Match)"),
        (status = 400, description = "An undecodable path", body = ErrorBody),
        (status = 404, description = "No feeling list has this slug", body = ErrorBody),
    )
)]
pub async fn get_feeling_list(
    State(app): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Response, ApiError> {
    let (db, wanted) = (app.db.clone(), slug.clone());
    by_slug(
        &app,
        paths::feeling_list(&slug),
        "feeling list",
        &slug,
        || async move {
            let found = db
                .read(move |txn| Box::pin(public_read::find_feeling_list(txn, wanted)))
                .await?;
            Ok(found.map(|list| (FeelingList::from(list), None)))
        },
    )
    .await
}

/// A step guide by slug.
#[utoipa::path(
    get,
    path = "/api/v1/step-guides/{slug}",
    tag = "library",
    params(("slug" = String, Path, description = "The step guide's slug", example = "anxious-avoidant-what-to-do")),
    responses(
        (status = 200, description = "The step guide", body = Data<StepGuide>),
        (status = 304, description = "Not modified (matching If-None-Match)"),
        (status = 400, description = "An undecodable path", body = ErrorBody),
        (status = 404, description = "No step guide has this slug", body = ErrorBody),
    )
)]
pub async fn get_step_guide(
    State(app): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Response, ApiError> {
    let (db, wanted) = (app.db.clone(), slug.clone());
    by_slug(
        &app,
        paths::step_guide(&slug),
        "step guide",
        &slug,
        || async move {
            let found = db
                .read(move |txn| Box::pin(public_read::find_step_guide(txn, wanted)))
                .await?;
            Ok(found.map(|guide| (StepGuide::from(guide), None)))
        },
    )
    .await
}

/// A promo by slug, only while it is running.
#[utoipa::path(
    get,
    path = "/api/v1/promos/{slug}",
    tag = "library",
    params(("slug" = String, Path, description = "The promo's slug", example = "online-therapy")),
    responses(
        (status = 200, description = "The promo", body = Data<Promo>),
        (status = 304, description = "Not modified (matching If-None-Match)"),
        (status = 400, description = "An undecodable path", body = ErrorBody),
        (status = 404, description = "No running promo has this slug", body = ErrorBody),
    )
)]
pub async fn get_promo(
    State(app): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Response, ApiError> {
    let now = app.clock.now();
    by_slug(
        &app,
        paths::promo(&slug),
        "running promo",
        &slug,
        || async {
            let found = public_read::find_running_promo(&app.db, &slug, now).await?;
            let url = &app.config.public_url;
            Ok(found.map(|p| (Promo::new(p.value, url), p.changes_at)))
        },
    )
    .await
}

/// Query parameters of a slot's placements.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlacementParams {
    /// The page's tag: adds the promos placed for that tag to those placed for every page.
    #[param(value_type = Option<String>, pattern = "^([a-z0-9]+(-[a-z0-9]+)*)?$", max_length = 60, example = "anxious")]
    tag: Option<String>,
}

/// The running promos placed in a slot, for frontends that show promos outside articles.
#[utoipa::path(
    get,
    path = "/api/v1/placements/{slot}",
    tag = "library",
    params(
        ("slot" = String, Path, description = "A slot of the site (`TETHER_PROMO_SLOTS`)", example = "sidebar"),
        PlacementParams
    ),
    responses(
        (status = 200, description = "The slot's running promos, highest priority first", body = Data<Vec<PromoBlock>>),
        (status = 304, description = "Not modified (matching If-None-Match)"),
        (status = 400, description = "A malformed tag or an undecodable path", body = ErrorBody),
        (status = 404, description = "The site has no slot of this name", body = ErrorBody),
    )
)]
pub async fn get_placements(
    State(app): State<AppState>,
    ApiPath(slot): ApiPath<String>,
    ApiQuery(params): ApiQuery<PlacementParams>,
) -> Result<Response, ApiError> {
    if !app.config.promo_slots.contains(&slot) {
        return Err(ApiError::not_found(format!(
            "no slot is called \"{slot}\"; this site's slots are {}",
            app.config.promo_slots.join(", ")
        )));
    }
    let tags: Vec<String> = match params.tag.filter(|t| !t.is_empty()) {
        Some(tag) if !rules::is_valid_tag(&tag) => {
            return Err(ApiError::bad_request(format!(
                "tag \"{tag}\" is not a valid tag (lowercase letters, digits and single hyphens)"
            )));
        }
        other => other.into_iter().collect(),
    };
    let key = format!("{}?tag={}", paths::placements(&slot), tags.join(""));
    let db = app.db.clone();
    let now = app.clock.now();
    let slots = vec![slot.clone()];
    let public_url = app.config.public_url.clone();
    cached_or_not_found(&app, key, format!("slot \"{slot}\""), || async move {
        let mut found = placements::running(db.conn(), &slots, &tags, now).await?;
        let promos = found.value.remove(&slots[0]).unwrap_or_default();
        let blocks: Vec<PromoBlock> = promos
            .into_iter()
            .map(|p| PromoBlock::Promo(Promo::new(p, &public_url)))
            .collect();
        Ok(Some(CachedBody::new(body(blocks)?, found.changes_at)))
    })
    .await
}

/// Every perspective, in the site's order.
#[utoipa::path(
    get,
    path = "/api/v1/perspectives",
    tag = "library",
    responses(
        (status = 200, description = "All perspectives", body = Data<Vec<Perspective>>),
        (status = 304, description = "Not modified (matching If-None-Match)"),
    )
)]
pub async fn list_perspectives(State(app): State<AppState>) -> Result<Response, ApiError> {
    let db = app.db.clone();
    cached_or_not_found(
        &app,
        paths::PERSPECTIVES.to_owned(),
        "perspectives".to_owned(),
        || async move {
            let list: Vec<Perspective> = public_read::list_perspectives(db.conn())
                .await?
                .into_iter()
                .map(Perspective::from)
                .collect();
            Ok(Some(CachedBody::new(body(list)?, None)))
        },
    )
    .await
}
