//! Placements: promos put into named slots, optionally for one article tag, with a priority and
//! a schedule. Also the read behind `placements` in the public API: the running promos of each
//! slot for a page's tags, and the next moment that answer changes by the clock alone.

use std::collections::{BTreeMap, HashSet};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, TransactionTrait,
};

use crate::domain::problems::Problems;
use crate::domain::promotions::{Placement, PromoStatus};
use crate::domain::publishing::{promo_is_running, promo_next_change};
use crate::domain::timestamp::Timestamp;
use crate::storage::content_write::{WriteError, tag_in_use};
use crate::storage::entities::promo_placement;
use crate::storage::public_read::{PromoView, TimeBound, promo_view, promos_by_id};
use crate::storage::{StorageError, begin_snapshot, content_version, promos};

/// A stored placement and its id (for removing it).
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoredPlacement {
    pub id: i32,
    pub placement: Placement,
}

/// The placements of one promo, by slot then priority (highest first).
pub async fn of_promo(
    db: &DatabaseConnection,
    promo_id: i32,
    promo_slug: &str,
) -> Result<Vec<StoredPlacement>, StorageError> {
    Ok(promo_placement::Entity::find()
        .filter(promo_placement::Column::PromoId.eq(promo_id))
        .order_by_asc(promo_placement::Column::Slot)
        .order_by_desc(promo_placement::Column::Priority)
        .order_by_asc(promo_placement::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|row| StoredPlacement {
            id: row.id,
            placement: to_placement(row, promo_slug),
        })
        .collect())
}

/// One line of the placements overview.
#[derive(Debug, Clone)]
pub struct PlacementLine {
    pub id: i32,
    pub placement: Placement,
    pub promo_title: String,
    pub promo_status: PromoStatus,
    /// Whether readers see it now (the promo runs and so does the placement).
    pub live: bool,
}

/// Every placement, by slot, then priority (highest first), as frontends receive them.
pub async fn overview(
    db: &DatabaseConnection,
    now: Timestamp,
) -> Result<Vec<PlacementLine>, StorageError> {
    let rows = promo_placement::Entity::find()
        .order_by_asc(promo_placement::Column::Slot)
        .order_by_desc(promo_placement::Column::Priority)
        .order_by_asc(promo_placement::Column::Id)
        .all(db)
        .await?;
    let promos = promos_by_id(db, rows.iter().map(|r| r.promo_id).collect()).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let promo = promos.get(&row.promo_id)?;
            let promo_status = PromoStatus::at(promo.paused, promo.starts_at, promo.ends_at, now);
            let placement = to_placement(row.clone(), &promo.slug);
            Some(PlacementLine {
                id: row.id,
                live: promo_status == PromoStatus::Running && placement.is_running(now),
                placement,
                promo_title: promo.title.clone(),
                promo_status,
            })
        })
        .collect())
}

fn to_placement(row: promo_placement::Model, promo_slug: &str) -> Placement {
    Placement {
        promo: promo_slug.to_owned(),
        slot: row.slot,
        tag: row.tag,
        priority: row.priority,
        starts_at: row.starts_at,
        ends_at: row.ends_at,
    }
}

/// Adds a placement after checking it: a slot of this site, a tag some article has, a sane
/// priority and schedule. Problems are keyed by field (`slot`, `tag`, `priority`, `ends_at`).
pub async fn add(
    db: &DatabaseConnection,
    placement: &Placement,
    slots: &[String],
    now: Timestamp,
) -> Result<(), WriteError> {
    let mut problems = Problems::new();
    placement.validate("", Some(slots), &mut problems);
    if let Some(tag) = &placement.tag
        && problems.iter().all(|p| p.path != "tag")
        && !tag_in_use(db, tag).await?
    {
        problems.push(
            "tag",
            format!("no article has the tag \"{tag}\"; choose one of the articles' tags"),
        );
    }
    if !problems.is_empty() {
        return Err(WriteError::Invalid(problems));
    }
    let txn = db.begin().await?;
    let promo = promos::find(&txn, &placement.promo).await?;
    promo_placement::ActiveModel {
        promo_id: Set(promo.id),
        slot: Set(placement.slot.clone()),
        tag: Set(placement.tag.clone()),
        priority: Set(placement.priority),
        starts_at: Set(placement.starts_at),
        ends_at: Set(placement.ends_at),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    content_version::bump(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Removes one placement of a promo.
pub async fn remove(db: &DatabaseConnection, promo_slug: &str, id: i32) -> Result<(), WriteError> {
    let txn = db.begin().await?;
    let promo = promos::find(&txn, promo_slug).await?;
    let deleted = promo_placement::Entity::delete_many()
        .filter(promo_placement::Column::Id.eq(id))
        .filter(promo_placement::Column::PromoId.eq(promo.id))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(WriteError::NotFound);
    }
    content_version::bump(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// The running promos of each of `slots` for a page with `tags` (untargeted placements apply to
/// every page), highest priority first, each promo once per slot. Every slot has a key.
pub async fn running(
    db: &DatabaseConnection,
    slots: &[String],
    tags: &[String],
    now: Timestamp,
) -> Result<TimeBound<BTreeMap<String, Vec<PromoView>>>, StorageError> {
    let mut by_slot: BTreeMap<String, Vec<PromoView>> =
        slots.iter().map(|s| (s.clone(), Vec::new())).collect();
    if slots.is_empty() {
        return Ok(TimeBound {
            value: by_slot,
            changes_at: None,
        });
    }
    let mut targeting = Condition::any().add(promo_placement::Column::Tag.is_null());
    if !tags.is_empty() {
        targeting = targeting.add(promo_placement::Column::Tag.is_in(tags.iter().cloned()));
    }
    let txn = begin_snapshot(db).await?;
    let rows = promo_placement::Entity::find()
        .filter(promo_placement::Column::Slot.is_in(slots.iter().cloned()))
        .filter(targeting)
        .order_by_desc(promo_placement::Column::Priority)
        .order_by_asc(promo_placement::Column::Id)
        .all(&txn)
        .await?;
    let promo_ids: HashSet<i32> = rows.iter().map(|r| r.promo_id).collect();
    let promos = promos_by_id(&txn, promo_ids.into_iter().collect()).await?;
    txn.commit().await?;

    let mut changes_at: Option<Timestamp> = None;
    let mut note_change = |t: Option<Timestamp>| {
        if let Some(t) = t {
            changes_at = Some(changes_at.map_or(t, |c: Timestamp| c.min(t)));
        }
    };
    let mut shown: HashSet<(String, i32)> = HashSet::new();
    for row in rows {
        let Some(promo) = promos.get(&row.promo_id) else {
            continue;
        };
        if promo.paused {
            continue;
        }
        note_change(promo_next_change(row.starts_at, row.ends_at, now));
        note_change(promo_next_change(promo.starts_at, promo.ends_at, now));
        if !promo_is_running(row.starts_at, row.ends_at, now)
            || !promo_is_running(promo.starts_at, promo.ends_at, now)
        {
            continue;
        }
        if !shown.insert((row.slot.clone(), promo.id)) {
            continue;
        }
        if let (Some(list), Some(view)) = (by_slot.get_mut(&row.slot), promo_view(promo)) {
            list.push(view);
        }
    }
    Ok(TimeBound {
        value: by_slot,
        changes_at,
    })
}
