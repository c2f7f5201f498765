//! Placements: promos put into named slots, optionally for one article tag, with a priority and
//! a schedule. Also the read behind `placements` in the public API: the running promos of each
//! slot for a page's tags, and the next moment that answer changes by the clock alone.

use std::collections::{BTreeMap, HashSet};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

use crate::domain::content::Promo;
use crate::domain::promotions::{
    Placement, PromoStatus, promo_shows, window_is_open, window_next_change,
};
use crate::domain::timestamp::Timestamp;
use crate::storage::StorageError;
use crate::storage::entities::promo_placement;
use crate::storage::promos::promo_from_row;
use crate::storage::public_read::{TimeBound, promos_by_id};

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
                live: promo_status.shows() && placement.is_running(now),
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

/// Stores a placement of the promo `promo_id`.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    promo_id: i32,
    placement: &Placement,
    now: Timestamp,
) -> Result<(), DbErr> {
    promo_placement::ActiveModel {
        promo_id: Set(promo_id),
        slot: Set(placement.slot.clone()),
        tag: Set(placement.tag.clone()),
        priority: Set(placement.priority),
        starts_at: Set(placement.starts_at),
        ends_at: Set(placement.ends_at),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Removes the placement `id` of the promo `promo_id`; returns it, if there was one.
pub async fn delete<C: ConnectionTrait>(
    db: &C,
    promo_id: i32,
    id: i32,
) -> Result<Option<promo_placement::Model>, DbErr> {
    let Some(row) = promo_placement::Entity::find_by_id(id)
        .filter(promo_placement::Column::PromoId.eq(promo_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    promo_placement::Entity::delete_by_id(id).exec(db).await?;
    Ok(Some(row))
}

/// The placement rows of one promo.
pub async fn rows_of_promo<C: ConnectionTrait>(
    db: &C,
    promo_id: i32,
) -> Result<Vec<promo_placement::Model>, DbErr> {
    promo_placement::Entity::find()
        .filter(promo_placement::Column::PromoId.eq(promo_id))
        .all(db)
        .await
}

/// The running promos of each of `slots` for a page with `tags` (untargeted placements apply to
/// every page), highest priority first, each promo once per slot. Every slot has a key.
pub async fn running<C: ConnectionTrait>(
    db: &C,
    slots: &[String],
    tags: &[String],
    now: Timestamp,
) -> Result<TimeBound<BTreeMap<String, Vec<Promo>>>, StorageError> {
    let mut by_slot: BTreeMap<String, Vec<Promo>> =
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
    let rows = promo_placement::Entity::find()
        .filter(promo_placement::Column::Slot.is_in(slots.iter().cloned()))
        .filter(targeting)
        .order_by_desc(promo_placement::Column::Priority)
        .order_by_asc(promo_placement::Column::Id)
        .all(db)
        .await?;
    let promo_ids: HashSet<i32> = rows.iter().map(|r| r.promo_id).collect();
    let promos = promos_by_id(db, promo_ids.into_iter().collect()).await?;

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
        note_change(window_next_change(row.starts_at, row.ends_at, now));
        note_change(window_next_change(promo.starts_at, promo.ends_at, now));
        if !window_is_open(row.starts_at, row.ends_at, now)
            || !promo_shows(promo.paused, promo.starts_at, promo.ends_at, now)
        {
            continue;
        }
        if !shown.insert((row.slot.clone(), promo.id)) {
            continue;
        }
        if let Some(list) = by_slot.get_mut(&row.slot) {
            list.push(promo_from_row(promo));
        }
    }
    Ok(TimeBound {
        value: by_slot,
        changes_at,
    })
}
