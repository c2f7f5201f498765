//! Reading every piece of content as one bundle, in a fixed order (perspectives as arranged,
//! everything else by slug, rows and blocks by position, tags alphabetically), so export →
//! import → export gives the same bytes.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};

use crate::domain::bundle::{BUNDLE_VERSION, Bundle};
use crate::domain::content::{Article, FeelingList, Perspective, StepGuide};
use crate::domain::promotions::Placement;
use crate::domain::publishing::effective_status;
use crate::domain::timestamp::Timestamp;
use crate::storage::entities::{article, promo, promo_placement};
use crate::storage::library::{self, References, Which};
use crate::storage::promos::promo_from_row;
use crate::storage::{StorageError, Store, articles, perspectives};

/// Everything, as one bundle, from one snapshot. A scheduled article whose time has passed at
/// `now` is written as published: that is what it is for readers, and what an import accepts.
pub async fn export(store: &Store, now: Timestamp) -> Result<Bundle, StorageError> {
    store
        .read(move |txn| Box::pin(async move { read_all(txn, now).await }))
        .await
}

async fn read_all<C: ConnectionTrait>(db: &C, now: Timestamp) -> Result<Bundle, StorageError> {
    let perspectives = perspectives::all(db)
        .await?
        .into_iter()
        .map(|p| Perspective {
            key: p.key,
            label: p.label,
        })
        .collect();
    let promo_rows = promo::Entity::find()
        .order_by_asc(promo::Column::Slug)
        .all(db)
        .await?;
    let promo_slugs: HashMap<i32, String> =
        promo_rows.iter().map(|p| (p.id, p.slug.clone())).collect();
    let promos = promo_rows.iter().map(promo_from_row).collect();
    let feeling_lists: Vec<FeelingList> = library::load(db, Which::All)
        .await?
        .into_iter()
        .map(|(_, list)| list)
        .collect();
    let step_guides: Vec<StepGuide> = library::load(db, Which::All)
        .await?
        .into_iter()
        .map(|(_, guide)| guide)
        .collect();

    let refs = References::load(db).await?;
    let mut tags = articles::all_tags(db).await?;
    let mut blocks = articles::all_blocks(db).await?;
    let articles = article::Entity::find()
        .order_by_asc(article::Column::Slug)
        .all(db)
        .await?
        .into_iter()
        .map(|a| Article {
            tags: tags.remove(&a.id).unwrap_or_default().into_iter().collect(),
            blocks: blocks
                .remove(&a.id)
                .unwrap_or_default()
                .into_iter()
                .map(|row| refs.block(row))
                .collect(),
            status: effective_status(a.status, a.published_at, now),
            slug: a.slug,
            title: a.title,
            subtitle: a.subtitle,
            summary: a.summary,
            published_at: a.published_at,
        })
        .collect();

    let mut placements: Vec<Placement> = promo_placement::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|row| {
            Some(Placement {
                promo: promo_slugs.get(&row.promo_id)?.clone(),
                slot: row.slot,
                tag: row.tag,
                priority: row.priority,
                starts_at: row.starts_at,
                ends_at: row.ends_at,
            })
        })
        .collect();
    placements.sort_by(|a, b| {
        (&a.promo, &a.slot, &a.tag, -a.priority).cmp(&(&b.promo, &b.slot, &b.tag, -b.priority))
    });

    Ok(Bundle {
        version: BUNDLE_VERSION,
        perspectives,
        promos,
        feeling_lists,
        step_guides,
        articles,
        placements,
    })
}
