//! Who sees a change: the content events of changes to things articles show (a feeling list,
//! step guide, promo, placement or perspective), with the visible articles showing them, found
//! inside the writing transaction.

use std::collections::BTreeSet;

use crate::domain::content::Piece;
use crate::domain::events::{BULK_ARTICLES, ContentEvent, EventKind, paths};
use crate::domain::promotions::window_is_open;
use crate::storage::entities::{article_block, promo_placement};
use crate::storage::library::{self, StoredPiece};
use crate::storage::write::ContentTxn;
use crate::storage::{StorageError, events, placements};

/// Visible article slugs, gathered from several queries; more than [`BULK_ARTICLES`] is a bulk
/// change whatever the rest.
#[derive(Default)]
struct Audience {
    slugs: BTreeSet<String>,
    bulk: bool,
}

impl Audience {
    fn add(&mut self, slugs: Vec<String>) {
        self.bulk |= slugs.len() > BULK_ARTICLES;
        self.slugs.extend(slugs);
    }

    fn record(self, tx: &mut ContentTxn) {
        if self.bulk {
            tx.events().shown_by_too_many();
        } else {
            tx.events().shown_by(self.slugs.into_iter().collect());
        }
    }
}

/// A feeling list or step guide written (`before`/`after` are its slug before and after; `None`
/// when it did not exist or was deleted).
pub async fn piece_changed<P: StoredPiece>(
    tx: &mut ContentTxn,
    id: i32,
    before: Option<&str>,
    after: Option<&str>,
) -> Result<(), StorageError> {
    let own: Vec<String> = before
        .into_iter()
        .chain(after.filter(|a| Some(*a) != before))
        .map(P::api_path)
        .collect();
    tx.events()
        .push(ContentEvent::new(P::EVENT, after.or(before), own));
    if after.is_some() {
        let shown =
            events::visible_articles_showing(tx.db(), P::BLOCK_COLUMN, vec![id], tx.now()).await?;
        tx.events().shown_by(shown);
    }
    Ok(())
}

/// A promo written or deleted: readers notice only when it showed before or shows now.
pub async fn promo_changed(
    tx: &mut ContentTxn,
    id: i32,
    before: Option<&str>,
    after: Option<&str>,
    showed: bool,
    shows: bool,
) -> Result<(), StorageError> {
    if !showed && !shows {
        return Ok(());
    }
    let mut own: Vec<String> = before
        .into_iter()
        .chain(after.filter(|a| Some(*a) != before))
        .map(paths::promo)
        .collect();
    let now = tx.now();
    let mut audience = Audience::default();
    audience.add(
        events::visible_articles_showing(tx.db(), article_block::Column::PromoId, vec![id], now)
            .await?,
    );
    let placed: Vec<promo_placement::Model> = placements::rows_of_promo(tx.db(), id)
        .await?
        .into_iter()
        .filter(|p| window_is_open(p.starts_at, p.ends_at, now))
        .collect();
    for placement in &placed {
        let path = paths::placements(&placement.slot);
        if !own.contains(&path) {
            own.push(path);
        }
        audience
            .add(events::visible_articles_tagged(tx.db(), placement.tag.as_deref(), now).await?);
    }
    tx.events().push(ContentEvent::new(
        EventKind::PromoUpdated,
        after.or(before),
        own,
    ));
    audience.record(tx);
    Ok(())
}

/// A placement added, changed or removed: readers notice only while its promo shows and its own
/// window was or is open.
pub async fn placement_changed(
    tx: &mut ContentTxn,
    slot: &str,
    tag: Option<&str>,
    promo_shows: bool,
    was_open: bool,
    is_open: bool,
) -> Result<(), StorageError> {
    if !promo_shows || !(was_open || is_open) {
        return Ok(());
    }
    tx.events().push(ContentEvent::new(
        EventKind::PlacementsUpdated,
        Some(slot),
        vec![paths::placements(slot)],
    ));
    let shown = events::visible_articles_tagged(tx.db(), tag, tx.now()).await?;
    tx.events().shown_by(shown);
    Ok(())
}

/// Perspectives added, relabeled or removed; a new label shows in every feeling list (and so
/// every article) with a feeling from that perspective.
pub async fn perspectives_changed(
    tx: &mut ContentTxn,
    relabeled: &[i32],
) -> Result<(), StorageError> {
    use crate::domain::content::FeelingList;
    let mut own = vec![paths::PERSPECTIVES.to_owned()];
    let mut lists = Vec::new();
    for id in relabeled {
        lists.extend(library::using_perspective::<FeelingList, _>(tx.db(), *id).await?);
    }
    lists.sort_unstable();
    lists.dedup();
    let headers = crate::storage::library::headers::<FeelingList, _>(
        tx.db(),
        crate::storage::library::Which::Ids(lists.clone()),
    )
    .await?;
    for header in &headers {
        own.push(FeelingList::api_path(&header.slug));
    }
    tx.events()
        .push(ContentEvent::new(EventKind::PerspectivesUpdated, None, own));
    let shown = events::visible_articles_showing(
        tx.db(),
        article_block::Column::FeelingListId,
        lists,
        tx.now(),
    )
    .await?;
    tx.events().shown_by(shown);
    Ok(())
}
