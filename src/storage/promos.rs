//! Promo rows: the marketers' list with status and clicks, reading and writing one promo (the
//! operations in [`crate::operations::promos`] decide what to write), the last link check, and
//! the lookup behind tracked links.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::domain::content::{Promo, PromoKind};
use crate::domain::promotions::PromoStatus;
use crate::domain::rules::SLUG_MAX;
use crate::domain::timestamp::Timestamp;
use crate::storage::entities::{article_block, promo, promo_placement};
use crate::storage::{StorageError, articles, clicks};

/// One line of the promo list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PromoRow {
    pub slug: String,
    pub title: String,
    pub kind: PromoKind,
    pub status: PromoStatus,
    pub clicks: u64,
    pub clicks_30d: u64,
    pub link_verdict: Option<String>,
    pub link_detail: Option<String>,
    pub starts_at: Option<Timestamp>,
    pub ends_at: Option<Timestamp>,
    pub used_by: u64,
    pub placements: u64,
}

/// Every promo with its status at `now` and its clicks (all time and since `recent_since`),
/// by title.
pub async fn overview(
    db: &DatabaseConnection,
    now: Timestamp,
    recent_since: Timestamp,
) -> Result<Vec<PromoRow>, StorageError> {
    let totals = clicks::totals(db, recent_since).await?;
    let used_by: HashMap<i32, u64> = count_by_promo(
        article_block::Entity::find()
            .select_only()
            .column(article_block::Column::PromoId)
            .column_as(
                Expr::col(article_block::Column::ArticleId).count_distinct(),
                "n",
            )
            .filter(article_block::Column::PromoId.is_not_null())
            .group_by(article_block::Column::PromoId),
        db,
    )
    .await?;
    let placed: HashMap<i32, u64> = count_by_promo(
        promo_placement::Entity::find()
            .select_only()
            .column(promo_placement::Column::PromoId)
            .column_as(promo_placement::Column::Id.count(), "n")
            .group_by(promo_placement::Column::PromoId),
        db,
    )
    .await?;
    let mut rows = Vec::new();
    for p in promo::Entity::find()
        .order_by_asc(promo::Column::Title)
        .order_by_asc(promo::Column::Slug)
        .all(db)
        .await?
    {
        let (clicks, clicks_30d) = totals.get(&p.id).copied().unwrap_or_default();
        let used_by = used_by.get(&p.id).copied().unwrap_or(0);
        let placements = placed.get(&p.id).copied().unwrap_or(0);
        rows.push(PromoRow {
            status: PromoStatus::at(p.paused, p.starts_at, p.ends_at, now),
            slug: p.slug,
            title: p.title,
            kind: p.kind,
            clicks,
            clicks_30d,
            link_verdict: p.link_verdict,
            link_detail: p.link_detail,
            starts_at: p.starts_at,
            ends_at: p.ends_at,
            used_by,
            placements,
        });
    }
    Ok(rows)
}

/// Runs a `(promo id, count)` query into a map.
async fn count_by_promo<E: EntityTrait>(
    query: sea_orm::Select<E>,
    db: &DatabaseConnection,
) -> Result<HashMap<i32, u64>, StorageError> {
    Ok(query
        .into_tuple::<(Option<i32>, i64)>()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(id, n)| Some((id?, u64::try_from(n).unwrap_or(0))))
        .collect())
}

/// The result of the last link check.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LinkState {
    pub verdict: String,
    pub status: Option<i32>,
    pub detail: Option<String>,
    pub checked_at: Timestamp,
}

/// A promo as its form shows it.
#[derive(Debug, Clone)]
pub struct StoredPromo {
    pub id: i32,
    pub promo: Promo,
    pub link: Option<LinkState>,
}

/// The promo row with this slug, if any.
pub async fn by_slug<C: ConnectionTrait>(
    db: &C,
    slug: &str,
) -> Result<Option<promo::Model>, DbErr> {
    promo::Entity::find()
        .filter(promo::Column::Slug.eq(slug))
        .one(db)
        .await
}

pub async fn load<C: ConnectionTrait>(
    db: &C,
    slug: &str,
) -> Result<Option<StoredPromo>, StorageError> {
    let Some(row) = by_slug(db, slug).await? else {
        return Ok(None);
    };
    let link = match (&row.link_verdict, row.link_checked_at) {
        (Some(verdict), Some(checked_at)) => Some(LinkState {
            verdict: verdict.clone(),
            status: row.link_status,
            detail: row.link_detail.clone(),
            checked_at,
        }),
        _ => None,
    };
    Ok(Some(StoredPromo {
        id: row.id,
        promo: promo_from_row(&row),
        link,
    }))
}

/// Copies every field of a promo but its slug into a row.
pub(crate) fn set_promo_fields(row: &mut promo::ActiveModel, p: &Promo) {
    row.kind = Set(p.kind);
    row.eyebrow = Set(p.eyebrow.clone());
    row.title = Set(p.title.clone());
    row.body = Set(p.body.clone());
    row.icon = Set(p.icon.clone());
    row.cta_label = Set(p.cta_label.clone());
    row.target_url = Set(p.target_url.clone());
    row.disclosure = Set(p.disclosure.clone());
    row.starts_at = Set(p.starts_at);
    row.ends_at = Set(p.ends_at);
    row.paused = Set(p.paused);
}

pub(crate) fn promo_from_row(row: &promo::Model) -> Promo {
    Promo {
        slug: row.slug.clone(),
        kind: row.kind,
        eyebrow: row.eyebrow.clone(),
        title: row.title.clone(),
        body: row.body.clone(),
        icon: row.icon.clone(),
        cta_label: row.cta_label.clone(),
        target_url: row.target_url.clone(),
        disclosure: row.disclosure.clone(),
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        paused: row.paused,
    }
}

/// Inserts a new promo; returns its id.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    promo: &Promo,
    now: Timestamp,
) -> Result<i32, DbErr> {
    let mut row = promo::ActiveModel {
        slug: Set(promo.slug.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    set_promo_fields(&mut row, promo);
    Ok(row.insert(db).await?.id)
}

/// Rewrites a stored promo (its slug may change: articles refer to promos by id). A changed
/// target forgets the last link check.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    stored: promo::Model,
    promo: &Promo,
    now: Timestamp,
) -> Result<(), DbErr> {
    let target_changed = stored.target_url != promo.target_url;
    let mut row: promo::ActiveModel = stored.into();
    if target_changed {
        row.link_verdict = Set(None);
        row.link_status = Set(None);
        row.link_detail = Set(None);
        row.link_checked_at = Set(None);
    }
    row.slug = Set(promo.slug.clone());
    set_promo_fields(&mut row, promo);
    row.updated_at = Set(now);
    row.update(db).await?;
    Ok(())
}

/// A slug no promo uses for a copy of `slug`: `{slug}-copy`, `{slug}-copy-2`, ...
pub async fn free_copy_slug<C: ConnectionTrait>(
    db: &C,
    slug: &str,
) -> Result<Option<String>, DbErr> {
    for n in 1..1000 {
        let suffix = if n == 1 {
            "-copy".to_owned()
        } else {
            format!("-copy-{n}")
        };
        let stem = slug[..slug.len().min(SLUG_MAX - suffix.len())].trim_end_matches('-');
        let candidate = format!("{stem}{suffix}");
        if by_slug(db, &candidate).await?.is_none() {
            return Ok(Some(candidate));
        }
    }
    Ok(None)
}

pub async fn delete<C: ConnectionTrait>(db: &C, id: i32) -> Result<(), DbErr> {
    promo::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Articles (slug, title) with a block showing the promo with this id.
pub async fn users<C: ConnectionTrait>(
    db: &C,
    promo_id: i32,
) -> Result<Vec<(String, String)>, StorageError> {
    Ok(articles::using(db, article_block::Column::PromoId, promo_id).await?)
}

/// Keeps the outcome of a link check (not content: readers see no difference).
pub async fn record_link_check(
    db: &DatabaseConnection,
    slug: &str,
    verdict: &str,
    status: Option<u16>,
    detail: &str,
    now: Timestamp,
) -> Result<(), StorageError> {
    let Some(row) = by_slug(db, slug).await? else {
        return Ok(());
    };
    let mut active: promo::ActiveModel = row.into();
    active.link_verdict = Set(Some(verdict.to_owned()));
    active.link_status = Set(status.map(i32::from));
    active.link_detail = Set(Some(detail.to_owned()));
    active.link_checked_at = Set(Some(now));
    active.update(db).await?;
    Ok(())
}

/// (slug, target) of every promo that has not ended, for the periodic link check.
pub async fn link_targets(
    db: &DatabaseConnection,
    now: Timestamp,
) -> Result<Vec<(String, String)>, StorageError> {
    Ok(promo::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(promo::Column::EndsAt.is_null())
                .add(promo::Column::EndsAt.gt(now)),
        )
        .order_by_asc(promo::Column::Slug)
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.slug, p.target_url))
        .collect())
}

/// What a tracked link needs to answer: the promo, its target and when it runs.
#[derive(Debug, Clone)]
pub struct RedirectTarget {
    pub promo_id: i32,
    pub target_url: String,
    pub paused: bool,
    pub starts_at: Option<Timestamp>,
    pub ends_at: Option<Timestamp>,
}

pub async fn redirect_target(
    db: &DatabaseConnection,
    slug: &str,
) -> Result<Option<RedirectTarget>, StorageError> {
    Ok(by_slug(db, slug).await?.map(|p| RedirectTarget {
        promo_id: p.id,
        target_url: p.target_url,
        paused: p.paused,
        starts_at: p.starts_at,
        ends_at: p.ends_at,
    }))
}
