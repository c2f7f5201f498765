//! Reading every piece of content as one bundle, in a fixed order (perspectives as arranged,
//! everything else by slug, rows and blocks by position, tags alphabetically), so export →
//! import → export gives the same bytes.
//!
//! [`stream`] reads from one snapshot and hands the bundle over in parts (the small sections,
//! then articles a page at a time by slug, then placements), so an export's memory does not
//! grow with the site. [`export`] gathers a whole [`Bundle`] (small sites and tests).

use std::collections::{BTreeSet, HashMap};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio::sync::mpsc;

use crate::domain::bundle::{BUNDLE_VERSION, Bundle};
use crate::domain::content::{Article, FeelingList, Perspective, Promo, StepGuide};
use crate::domain::promotions::Placement;
use crate::domain::publishing::effective_status;
use crate::domain::timestamp::Timestamp;
use crate::storage::articles::BlockRow;
use crate::storage::entities::{article, promo, promo_placement};
use crate::storage::library::{self, References, Which};
use crate::storage::promos::promo_from_row;
use crate::storage::{StorageError, Store, articles, perspectives};

/// Articles read (with their tags and blocks) per query when streaming.
pub const ARTICLE_PAGE: u64 = 500;

/// One part of a bundle, in the order [`stream`] hands them over.
#[derive(Debug)]
pub enum Part {
    /// Everything before the articles.
    Head {
        perspectives: Vec<Perspective>,
        promos: Vec<Promo>,
        feeling_lists: Vec<FeelingList>,
        step_guides: Vec<StepGuide>,
    },
    /// The next articles, by slug.
    Articles(Vec<Article>),
    /// The placements; the last part.
    Placements(Vec<Placement>),
}

/// Reads everything from one snapshot, as [`export`] would, and hands it over in parts through
/// the returned channel (a few pages ahead of the reader). A failure is the last item; dropping
/// the receiver stops the reading.
pub fn stream(store: &Store, now: Timestamp) -> mpsc::Receiver<Result<Part, StorageError>> {
    let (parts, receiver) = mpsc::channel(2);
    let store = store.clone();
    tokio::spawn(async move {
        let sender = parts.clone();
        let outcome = store
            .read(move |txn| Box::pin(async move { send_all(txn, now, &sender).await }))
            .await;
        if let Err(error) = outcome {
            // The reader may be gone already; then nobody needs the error.
            let _ = parts.send(Err(error)).await;
        }
    });
    receiver
}

/// Sends every part; stops quietly when the receiver is gone.
async fn send_all<C: ConnectionTrait>(
    db: &C,
    now: Timestamp,
    parts: &mpsc::Sender<Result<Part, StorageError>>,
) -> Result<(), StorageError> {
    let head = read_head(db).await?;
    let refs = References::load(db).await?;
    let placements = read_placements(db, &refs).await?;
    if parts.send(Ok(head.into())).await.is_err() {
        return Ok(());
    }
    let mut after: Option<String> = None;
    loop {
        let mut query = article::Entity::find();
        if let Some(last) = &after {
            query = query.filter(article::Column::Slug.gt(last.as_str()));
        }
        let rows = query
            .order_by_asc(article::Column::Slug)
            .limit(ARTICLE_PAGE)
            .all(db)
            .await?;
        let Some(last) = rows.last() else {
            break;
        };
        after = Some(last.slug.clone());
        let ids: Vec<i32> = rows.iter().map(|a| a.id).collect();
        let mut tags = articles::tags_of(db, &ids).await?;
        let mut blocks = articles::blocks_of(db, &ids).await?;
        let page = rows
            .into_iter()
            .map(|a| article_of(a, &mut tags, &mut blocks, &refs, now))
            .collect();
        if parts.send(Ok(Part::Articles(page))).await.is_err() {
            return Ok(());
        }
    }
    // A closed channel here only means nobody reads any more.
    let _ = parts.send(Ok(Part::Placements(placements))).await;
    Ok(())
}

/// The small sections, read before the articles.
struct Head {
    perspectives: Vec<Perspective>,
    promos: Vec<Promo>,
    feeling_lists: Vec<FeelingList>,
    step_guides: Vec<StepGuide>,
}

impl From<Head> for Part {
    fn from(head: Head) -> Self {
        Part::Head {
            perspectives: head.perspectives,
            promos: head.promos,
            feeling_lists: head.feeling_lists,
            step_guides: head.step_guides,
        }
    }
}

async fn read_head<C: ConnectionTrait>(db: &C) -> Result<Head, StorageError> {
    let perspectives = perspectives::all(db)
        .await?
        .into_iter()
        .map(|p| Perspective {
            key: p.key,
            label: p.label,
        })
        .collect();
    let promos = promo::Entity::find()
        .order_by_asc(promo::Column::Slug)
        .all(db)
        .await?
        .iter()
        .map(promo_from_row)
        .collect();
    let feeling_lists = library::load(db, Which::All)
        .await?
        .into_iter()
        .map(|(_, list)| list)
        .collect();
    let step_guides = library::load(db, Which::All)
        .await?
        .into_iter()
        .map(|(_, guide)| guide)
        .collect();
    Ok(Head {
        perspectives,
        promos,
        feeling_lists,
        step_guides,
    })
}

/// Placements by promo slug, slot, tag, then highest priority first.
async fn read_placements<C: ConnectionTrait>(
    db: &C,
    refs: &References,
) -> Result<Vec<Placement>, StorageError> {
    let mut placements: Vec<Placement> = promo_placement::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|row| {
            Some(Placement {
                promo: refs.promos.slug(row.promo_id)?.to_owned(),
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
    Ok(placements)
}

fn article_of(
    a: article::Model,
    tags: &mut HashMap<i32, BTreeSet<String>>,
    blocks: &mut HashMap<i32, Vec<BlockRow>>,
    refs: &References,
    now: Timestamp,
) -> Article {
    Article {
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
    }
}

/// Everything, as one bundle, from one snapshot. A scheduled article whose time has passed at
/// `now` is written as published: that is what it is for readers, and what an import accepts.
pub async fn export(store: &Store, now: Timestamp) -> Result<Bundle, StorageError> {
    store
        .read(move |txn| Box::pin(async move { read_all(txn, now).await }))
        .await
}

async fn read_all<C: ConnectionTrait>(db: &C, now: Timestamp) -> Result<Bundle, StorageError> {
    let Head {
        perspectives,
        promos,
        feeling_lists,
        step_guides,
    } = read_head(db).await?;
    let refs = References::load(db).await?;
    let mut tags = articles::all_tags(db).await?;
    let mut blocks = articles::all_blocks(db).await?;
    let articles = article::Entity::find()
        .order_by_asc(article::Column::Slug)
        .all(db)
        .await?
        .into_iter()
        .map(|a| article_of(a, &mut tags, &mut blocks, &refs, now))
        .collect();
    let placements = read_placements(db, &refs).await?;
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
