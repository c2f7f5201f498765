//! Promos as marketers manage them: the list with status and clicks, saving (same validation as
//! bundles), pausing, duplicating, deleting only when no article uses them, the last link check,
//! and the lookup behind tracked links. Every change readers could see bumps the content version.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

use crate::domain::bundle::Bundle;
use crate::domain::content::Promo;
use crate::domain::promotions::PromoStatus;
use crate::domain::rules::SLUG_MAX;
use crate::domain::timestamp::Timestamp;
use crate::storage::bundle_io::{promo_from_row, set_promo_fields};
use crate::storage::content_write::{WriteError, articles_using, invalid, validate_in_context};
use crate::storage::entities::{article_block, promo, promo_placement};
use crate::storage::{StorageError, clicks, content_version};

/// One line of the promo list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PromoRow {
    pub slug: String,
    pub title: String,
    pub kind: String,
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
pub(crate) async fn by_slug<C: ConnectionTrait>(
    db: &C,
    slug: &str,
) -> Result<Option<promo::Model>, DbErr> {
    promo::Entity::find()
        .filter(promo::Column::Slug.eq(slug))
        .one(db)
        .await
}

pub async fn load(
    db: &DatabaseConnection,
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
    Ok(promo_from_row(&row).map(|promo| StoredPromo {
        id: row.id,
        promo,
        link,
    }))
}

/// Creates (`existing` = None) or replaces the promo stored under `existing`; the slug may
/// change (articles refer to promos by id, so they follow). A changed target forgets the last
/// link check.
pub async fn save(
    db: &DatabaseConnection,
    existing: Option<&str>,
    promo: &Promo,
    now: Timestamp,
) -> Result<(), WriteError> {
    let txn = db.begin().await?;
    let single = Bundle {
        version: 1,
        promos: vec![promo.clone()],
        ..Bundle::default()
    };
    validate_in_context(&txn, &single, "promos[0]").await?;
    let current = match existing {
        Some(slug) => Some(find(&txn, slug).await?),
        None => None,
    };
    if let Some(clash) = by_slug(&txn, &promo.slug).await?
        && current.as_ref().is_none_or(|c| c.id != clash.id)
    {
        return Err(invalid(
            "slug",
            format!("another promo already uses \"{}\"", promo.slug),
        ));
    }
    let mut row = match &current {
        Some(row) => {
            let mut active: promo::ActiveModel = row.clone().into();
            if row.target_url != promo.target_url {
                active.link_verdict = Set(None);
                active.link_status = Set(None);
                active.link_detail = Set(None);
                active.link_checked_at = Set(None);
            }
            active
        }
        None => promo::ActiveModel {
            created_at: Set(now),
            ..Default::default()
        },
    };
    row.slug = Set(promo.slug.clone());
    set_promo_fields(&mut row, promo);
    row.updated_at = Set(now);
    if current.is_some() {
        row.update(&txn).await?;
    } else {
        row.insert(&txn).await?;
    }
    content_version::bump(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Pauses or resumes a promo.
pub async fn set_paused(
    db: &DatabaseConnection,
    slug: &str,
    paused: bool,
    now: Timestamp,
) -> Result<(), WriteError> {
    let txn = db.begin().await?;
    let row = find(&txn, slug).await?;
    let mut active: promo::ActiveModel = row.into();
    active.paused = Set(paused);
    active.updated_at = Set(now);
    active.update(&txn).await?;
    content_version::bump(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// The promo row with this slug, or [`WriteError::NotFound`].
pub(crate) async fn find<C: ConnectionTrait>(
    db: &C,
    slug: &str,
) -> Result<promo::Model, WriteError> {
    by_slug(db, slug).await?.ok_or(WriteError::NotFound)
}

/// Copies a promo (not its placements or clicks) under a free slug `{slug}-copy`,
/// `{slug}-copy-2`, ...; the copy starts paused. Returns the new slug.
pub async fn duplicate(
    db: &DatabaseConnection,
    slug: &str,
    now: Timestamp,
) -> Result<String, WriteError> {
    let txn = db.begin().await?;
    let row = find(&txn, slug).await?;
    let mut candidate = String::new();
    for n in 1..1000 {
        let suffix = if n == 1 {
            "-copy".to_owned()
        } else {
            format!("-copy-{n}")
        };
        let stem = row.slug[..row.slug.len().min(SLUG_MAX - suffix.len())].trim_end_matches('-');
        let next = format!("{stem}{suffix}");
        if by_slug(&txn, &next).await?.is_none() {
            candidate = next;
            break;
        }
    }
    if candidate.is_empty() {
        return Err(invalid(
            "slug",
            "no free slug for a copy; rename some copies first",
        ));
    }
    promo::ActiveModel {
        slug: Set(candidate.clone()),
        kind: Set(row.kind),
        eyebrow: Set(row.eyebrow),
        title: Set(row.title),
        body: Set(row.body),
        icon: Set(row.icon),
        cta_label: Set(row.cta_label),
        target_url: Set(row.target_url),
        disclosure: Set(row.disclosure),
        starts_at: Set(row.starts_at),
        ends_at: Set(row.ends_at),
        paused: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    content_version::bump(&txn).await?;
    txn.commit().await?;
    Ok(candidate)
}

/// Articles (slug, title) with a block showing the promo with this id.
pub async fn users(
    db: &DatabaseConnection,
    promo_id: i32,
) -> Result<Vec<(String, String)>, StorageError> {
    Ok(articles_using(db, article_block::Column::PromoId, promo_id).await?)
}

/// Deletes a promo no article shows; its placements and clicks go with it.
pub async fn delete(db: &DatabaseConnection, slug: &str) -> Result<(), WriteError> {
    let txn = db.begin().await?;
    let row = find(&txn, slug).await?;
    let users = articles_using(&txn, article_block::Column::PromoId, row.id).await?;
    if !users.is_empty() {
        return Err(WriteError::InUse(users));
    }
    promo::Entity::delete_by_id(row.id).exec(&txn).await?;
    content_version::bump(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Keeps the outcome of a link check (not content: readers see no difference).
pub async fn record_link_check(
    db: &DatabaseConnection,
    slug: &str,
    verdict: &str,
    status: Option<u16>,
    detail: &str,
    now: Timestamp,
) -> Result<(), WriteError> {
    let row = find(db, slug).await?;
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
