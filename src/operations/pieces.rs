//! Feeling lists and step guides: saving (a new one, or one stored under a slug that may
//! change) and deleting one no article uses. One generic over the two kinds.

use sea_orm::ConnectionTrait;

use crate::domain::bundle::Bundle;
use crate::domain::problems::Problems;
use crate::domain::timestamp::Timestamp;
use crate::operations::{Actor, Found, OpError, audience};
use crate::storage::library::{self, StoredPiece};
use crate::storage::{Store, articles};

/// Runs the bundle checks (own rules, publishing rules and references) on a bundle of one
/// entity, reporting paths relative to it (`articles[0].title` becomes `title`).
pub(crate) async fn validate_alone<C: ConnectionTrait>(
    db: &C,
    bundle: Bundle,
    prefix: &str,
    now: Timestamp,
) -> Result<(), OpError> {
    let known = crate::storage::bundle::known_slugs(db).await?;
    bundle.validate(&known, now).map_err(|problems| {
        let mut relative = Problems::new();
        for p in problems.iter() {
            let path = p
                .path
                .strip_prefix(prefix)
                .map(|rest| rest.trim_start_matches('.'))
                .unwrap_or(&p.path);
            relative.push(path, p.message.clone());
        }
        OpError::Invalid(relative)
    })
}

/// Creates (`existing` = None) or replaces the piece stored under `existing`; the slug may
/// change.
pub async fn save<P: StoredPiece>(
    store: &Store,
    actor: Actor,
    existing: Option<String>,
    piece: P,
    now: Timestamp,
) -> Result<(), OpError> {
    store
        .write_content(now, move |tx| {
            Box::pin(async move {
                let prefix = format!("{}[0]", P::BUNDLE_KEY);
                validate_alone(tx.db(), piece.clone().alone_in_bundle(), &prefix, now).await?;
                let stored = match &existing {
                    Some(slug) => Some(library::find::<P, _>(tx.db(), slug).await?.found()?),
                    None => None,
                };
                let id =
                    library::save(tx.db(), stored.as_ref().map(|(id, _)| *id), &piece, now).await?;
                let before = stored.as_ref().map(|(_, p)| p.slug());
                audience::piece_changed::<P>(tx, id, before, Some(piece.slug())).await?;
                let what = if stored.is_some() {
                    "updated"
                } else {
                    "created"
                };
                let action = format!("{}_{what}", P::NAME);
                actor.audit(tx.db(), &action, piece.slug(), now).await?;
                Ok(())
            })
        })
        .await
}

/// Deletes a piece no article uses; one that is used is [`OpError::InUse`].
pub async fn delete<P: StoredPiece>(
    store: &Store,
    actor: Actor,
    slug: String,
    now: Timestamp,
) -> Result<(), OpError> {
    store
        .write_content(now, move |tx| {
            Box::pin(async move {
                let (id, _) = library::find::<P, _>(tx.db(), &slug).await?.found()?;
                library::lock::<P, _>(tx.db(), id).await?;
                let users = articles::using(tx.db(), P::BLOCK_COLUMN, id).await?;
                if !users.is_empty() {
                    return Err(OpError::InUse(users));
                }
                library::delete::<P, _>(tx.db(), id).await?;
                audience::piece_changed::<P>(tx, id, Some(&slug), None).await?;
                let action = format!("{}_deleted", P::NAME);
                actor.audit(tx.db(), &action, &slug, now).await?;
                Ok(())
            })
        })
        .await
}
