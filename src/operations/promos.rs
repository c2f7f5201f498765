//! Promos and their placements: saving (with the same checks as an import), pausing and
//! resuming, duplicating, deleting one no article shows, placing one into a slot and removing a
//! placement. Readers notice a change only while the promo shows; the events say so.

use crate::domain::content::Promo;
use crate::domain::problems::Problems;
use crate::domain::promotions::{Placement, promo_shows, window_is_open};
use crate::domain::timestamp::Timestamp;
use crate::operations::pieces::validate_alone;
use crate::operations::{Actor, Found, OpError, audience};
use crate::storage::entities::promo;
use crate::storage::{self, Store, articles, placements, promos};

fn shows_now(row: &promo::Model, now: Timestamp) -> bool {
    promo_shows(row.paused, row.starts_at, row.ends_at, now)
}

/// Creates (`existing` = None) or replaces the promo stored under `existing`; the slug may
/// change (articles refer to promos by id, so they follow). Pausing has operations of its own:
/// a replaced promo keeps its paused state.
pub async fn save(
    store: &Store,
    actor: Actor,
    existing: Option<String>,
    mut promo: Promo,
    now: Timestamp,
) -> Result<(), OpError> {
    store
        .write_content(now, move |tx| {
            Box::pin(async move {
                let stored = match &existing {
                    Some(slug) => Some(promos::by_slug(tx.db(), slug).await?.found()?),
                    None => None,
                };
                if let Some(row) = &stored {
                    promo.paused = row.paused;
                }
                let bundle = crate::domain::bundle::Bundle {
                    promos: vec![promo.clone()],
                    ..crate::domain::bundle::Bundle::empty()
                };
                validate_alone(tx.db(), bundle, "promos[0]", now).await?;
                let showed = stored.as_ref().is_some_and(|row| shows_now(row, now));
                let before = stored.as_ref().map(|row| row.slug.clone());
                let id = match stored {
                    Some(row) => {
                        let id = row.id;
                        promos::update(tx.db(), row, &promo, now).await?;
                        id
                    }
                    None => promos::insert(tx.db(), &promo, now).await?,
                };
                let shows = promo_shows(promo.paused, promo.starts_at, promo.ends_at, now);
                audience::promo_changed(
                    tx,
                    id,
                    before.as_deref(),
                    Some(&promo.slug),
                    showed,
                    shows,
                )
                .await?;
                let what = if before.is_some() {
                    "promo_updated"
                } else {
                    "promo_created"
                };
                actor.audit(tx.db(), what, &promo.slug, now).await?;
                Ok(())
            })
        })
        .await
}

/// Pauses (hidden everywhere, its tracked link answers 404) or resumes a promo.
pub async fn set_paused(
    store: &Store,
    actor: Actor,
    slug: String,
    paused: bool,
    now: Timestamp,
) -> Result<(), OpError> {
    store
        .write_content(now, move |tx| {
            Box::pin(async move {
                let row = promos::by_slug(tx.db(), &slug).await?.found()?;
                let id = row.id;
                let showed = shows_now(&row, now);
                let mut promo = promos::promo_from_row(&row);
                promo.paused = paused;
                promos::update(tx.db(), row, &promo, now).await?;
                let shows = promo_shows(paused, promo.starts_at, promo.ends_at, now);
                audience::promo_changed(tx, id, Some(&slug), Some(&slug), showed, shows).await?;
                let action = if paused {
                    "promo_paused"
                } else {
                    "promo_resumed"
                };
                actor.audit(tx.db(), action, &slug, now).await?;
                Ok(())
            })
        })
        .await
}

/// Copies a promo (not its placements or clicks) under a free slug `{slug}-copy`,
/// `{slug}-copy-2`, ...; the copy starts paused, so readers see nothing new. Returns its slug.
pub async fn duplicate(
    store: &Store,
    actor: Actor,
    slug: String,
    now: Timestamp,
) -> Result<String, OpError> {
    store
        .write_content(now, move |tx| {
            Box::pin(async move {
                let row = promos::by_slug(tx.db(), &slug).await?.found()?;
                let copy_slug = promos::free_copy_slug(tx.db(), &row.slug)
                    .await?
                    .ok_or_else(|| {
                        OpError::invalid(
                            "slug",
                            "no free slug for a copy; rename some copies first",
                        )
                    })?;
                let mut copy = promos::promo_from_row(&row);
                copy.slug = copy_slug.clone();
                copy.paused = true;
                promos::insert(tx.db(), &copy, now).await?;
                actor
                    .audit(tx.db(), "promo_duplicated", &copy_slug, now)
                    .await?;
                Ok(copy_slug)
            })
        })
        .await
}

/// Deletes a promo no article shows as a block; its placements and clicks go with it.
pub async fn delete(
    store: &Store,
    actor: Actor,
    slug: String,
    now: Timestamp,
) -> Result<(), OpError> {
    store
        .write_content(now, move |tx| {
            Box::pin(async move {
                let row = promos::by_slug(tx.db(), &slug).await?.found()?;
                storage::hold::<promo::Entity, _>(tx.db(), row.id).await?;
                let users = promos::users(tx.db(), row.id).await?;
                if !users.is_empty() {
                    return Err(OpError::InUse(users));
                }
                // Its placements are still there to say who saw it.
                let showed = shows_now(&row, now);
                audience::promo_changed(tx, row.id, Some(&slug), None, showed, false).await?;
                promos::delete(tx.db(), row.id).await?;
                actor.audit(tx.db(), "promo_deleted", &slug, now).await?;
                Ok(())
            })
        })
        .await
}

/// Places a promo into one of the site's `slots`, after checking it: a slot of this site, a tag
/// some article has, a sane priority and schedule. Problems are keyed by field (`slot`, `tag`,
/// `priority`, `ends_at`).
pub async fn place(
    store: &Store,
    actor: Actor,
    placement: Placement,
    slots: &[String],
    now: Timestamp,
) -> Result<(), OpError> {
    let mut problems = Problems::new();
    placement.validate("", Some(slots), &mut problems);
    store
        .write_content(now, move |tx| {
            Box::pin(async move {
                if let Some(tag) = &placement.tag
                    && problems.iter().all(|p| p.path != "tag")
                    && !articles::tag_in_use(tx.db(), tag).await?
                {
                    problems.push(
                        "tag",
                        format!(
                            "no article has the tag \"{tag}\"; choose one of the articles' tags"
                        ),
                    );
                }
                if !problems.is_empty() {
                    return Err(OpError::Invalid(problems));
                }
                let row = promos::by_slug(tx.db(), &placement.promo).await?.found()?;
                placements::insert(tx.db(), row.id, &placement, now).await?;
                let open = placement.is_running(now);
                audience::placement_changed(
                    tx,
                    &placement.slot,
                    placement.tag.as_deref(),
                    shows_now(&row, now),
                    false,
                    open,
                )
                .await?;
                let subject = format!("{} → {}", placement.promo, placement.slot);
                actor.audit(tx.db(), "promo_placed", &subject, now).await?;
                Ok(())
            })
        })
        .await
}

/// Removes the placement `id` of the promo `slug`.
pub async fn unplace(
    store: &Store,
    actor: Actor,
    slug: String,
    id: i32,
    now: Timestamp,
) -> Result<(), OpError> {
    store
        .write_content(now, move |tx| {
            Box::pin(async move {
                let row = promos::by_slug(tx.db(), &slug).await?.found()?;
                let removed = placements::delete(tx.db(), row.id, id).await?.found()?;
                let was_open = window_is_open(removed.starts_at, removed.ends_at, now);
                audience::placement_changed(
                    tx,
                    &removed.slot,
                    removed.tag.as_deref(),
                    shows_now(&row, now),
                    was_open,
                    false,
                )
                .await?;
                actor.audit(tx.db(), "promo_unplaced", &slug, now).await?;
                Ok(())
            })
        })
        .await
}
