//! Importing a content bundle, all or nothing (`tether import`, and the sample content at the
//! first start).
//!
//! The bundle is parsed by the caller and checked here against a snapshot of what is stored
//! before the write begins, so on SQLite the write lock is held only while writing. Every
//! article, piece, promo and placement the import changes records its events, as an editor's
//! change would.

use sea_orm::EntityTrait;

use crate::domain::bundle::Bundle;
use crate::domain::content::{FeelingList, StepGuide};
use crate::domain::events::ArticleState;
use crate::domain::promotions::promo_shows;
use crate::domain::timestamp::Timestamp;
use crate::operations::{Actor, OpError, audience};
use crate::storage::bundle::{self, ImportReport};
use crate::storage::entities::promo;
use crate::storage::{StorageError, Store};

/// Checks and writes a bundle; on any problem nothing is written and every problem is reported
/// with its JSON path.
pub async fn import(
    store: &Store,
    actor: Actor,
    bundle: Bundle,
    now: Timestamp,
) -> Result<ImportReport, OpError> {
    let started = std::time::Instant::now();
    let known = store
        .read(|txn| Box::pin(async move { Ok::<_, StorageError>(bundle::known_slugs(txn).await?) }))
        .await?;
    bundle.validate(&known, now).map_err(OpError::Invalid)?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "bundle checked; writing it (other writers wait until it is written)"
    );
    let writing = std::time::Instant::now();
    store
        .write_content(now, move |tx| {
            Box::pin(async move {
                let (report, changes) = bundle::write(tx.db(), &bundle, now).await?;
                if changes.perspectives {
                    audience::perspectives_changed(tx, &changes.relabeled).await?;
                }
                for p in &changes.promos {
                    let slug = Some(p.slug.as_str());
                    audience::promo_changed(tx, p.id, slug, slug, p.showed, p.shows).await?;
                }
                for (id, slug) in &changes.feeling_lists {
                    audience::piece_changed::<FeelingList>(tx, *id, None, Some(slug)).await?;
                }
                for (id, slug) in &changes.step_guides {
                    audience::piece_changed::<StepGuide>(tx, *id, None, Some(slug)).await?;
                }
                for a in &changes.articles {
                    tx.events().article_changed(
                        Some(ArticleState {
                            slug: &a.slug,
                            visible: a.was_visible,
                        }),
                        Some(ArticleState {
                            slug: &a.slug,
                            visible: a.visible,
                        }),
                    );
                }
                for p in &changes.placements {
                    let shows = promo::Entity::find_by_id(p.promo_id)
                        .one(tx.db())
                        .await?
                        .is_some_and(|row| {
                            promo_shows(row.paused, row.starts_at, row.ends_at, now)
                        });
                    audience::placement_changed(
                        tx,
                        &p.slot,
                        p.tag.as_deref(),
                        shows,
                        p.was_open,
                        p.is_open,
                    )
                    .await?;
                }
                if report.changed_anything() {
                    let subject = format!(
                        "{} created, {} updated, {} unchanged",
                        report.created, report.updated, report.unchanged
                    );
                    actor
                        .audit(tx.db(), "bundle_imported", &subject, now)
                        .await?;
                }
                Ok(report)
            })
        })
        .await
        .inspect(|_| {
            tracing::info!(seconds = writing.elapsed().as_secs_f64(), "bundle written");
        })
}
