//! Writing a validated bundle inside a content write, element by element as it is read
//! ([`Importer`]): upserts by slug, writing only what differs, so importing the same bundle
//! twice changes nothing. The small sections (perspectives, promos, lists, guides, placements)
//! are kept until they are needed; articles are compared and written in batches of
//! [`ARTICLE_BATCH`] with multi-row statements, so memory does not grow with the bundle. What
//! changed is reported back ([`Changes`]) so the operation can record the events readers will
//! see.

use std::collections::{BTreeSet, HashMap};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter,
};

use crate::domain::bundle::Element;
use crate::domain::content::{Article, FeelingList, Perspective, Promo, StepGuide};
use crate::domain::promotions::{Placement, promo_shows, window_is_open};
use crate::domain::publishing::{article_is_public, visible_from};
use crate::domain::timestamp::Timestamp;
use crate::storage::StorageError;
use crate::storage::articles::{self, BlockRow};
use crate::storage::entities::{article, perspective, promo, promo_placement};
use crate::storage::library::{self, References, SlugIds, StoredPiece, Which};
use crate::storage::placements;
use crate::storage::promos::{promo_from_row, set_promo_fields};

/// How many entities an import created, changed, or found already identical.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl ImportReport {
    fn record(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Created => self.created += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
        }
    }

    pub fn changed_anything(&self) -> bool {
        self.created + self.updated > 0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// An article an import wrote: its slug, and whether readers saw it before and see it now.
#[derive(Debug, Clone)]
pub struct ArticleChange {
    pub slug: String,
    pub was_visible: bool,
    pub visible: bool,
}

/// A promo an import wrote, and whether readers saw it before and see it now.
#[derive(Debug, Clone)]
pub struct PromoChange {
    pub id: i32,
    pub slug: String,
    pub showed: bool,
    pub shows: bool,
}

/// A placement an import wrote, and whether its own window was and is open.
#[derive(Debug, Clone)]
pub struct PlacementChange {
    pub promo_id: i32,
    pub slot: String,
    pub tag: Option<String>,
    pub was_open: bool,
    pub is_open: bool,
}

/// What an import changed, for the events it records.
#[derive(Debug, Default, Clone)]
pub struct Changes {
    pub perspectives: bool,
    /// Perspectives whose label changed (their lists and guides show it).
    pub relabeled: Vec<i32>,
    pub promos: Vec<PromoChange>,
    /// (id, slug) of feeling lists and step guides written.
    pub feeling_lists: Vec<(i32, String)>,
    pub step_guides: Vec<(i32, String)>,
    pub articles: Vec<ArticleChange>,
    pub placements: Vec<PlacementChange>,
}

/// Articles compared and written together (one query per table to read, multi-row writes).
pub const ARTICLE_BATCH: usize = 500;

/// A bundle being written, element by element, inside the caller's transaction. The elements
/// must have been checked against what is stored; the small sections must all come before the
/// first article (the caller reads the bundle in that order).
#[derive(Debug)]
pub struct Importer {
    now: Timestamp,
    report: ImportReport,
    changes: Changes,
    perspectives: Vec<Perspective>,
    promos: Vec<Promo>,
    feeling_lists: Vec<FeelingList>,
    step_guides: Vec<StepGuide>,
    placements: Vec<Placement>,
    /// Set once the small sections are written (at the first article, or at the end).
    refs: Option<References>,
    batch: Vec<Article>,
}

impl Importer {
    pub fn new(now: Timestamp) -> Self {
        Self {
            now,
            report: ImportReport::default(),
            changes: Changes::default(),
            perspectives: Vec::new(),
            promos: Vec::new(),
            feeling_lists: Vec::new(),
            step_guides: Vec::new(),
            placements: Vec::new(),
            refs: None,
            batch: Vec::with_capacity(ARTICLE_BATCH),
        }
    }

    /// Takes the next element; writes when a batch of articles is full.
    pub async fn add<C: ConnectionTrait>(
        &mut self,
        db: &C,
        element: Element,
    ) -> Result<(), StorageError> {
        if self.refs.is_some() && !matches!(element, Element::Article(_) | Element::Placement(_)) {
            return Err(StorageError::BrokenReference(format!(
                "the bundle's {} came after its articles",
                element.section().key()
            )));
        }
        match element {
            Element::Perspective(p) => self.perspectives.push(p),
            Element::Promo(p) => self.promos.push(p),
            Element::FeelingList(l) => self.feeling_lists.push(l),
            Element::StepGuide(g) => self.step_guides.push(g),
            Element::Placement(p) => self.placements.push(p),
            Element::Article(a) => {
                self.write_head(db).await?;
                self.batch.push(a);
                if self.batch.len() >= ARTICLE_BATCH {
                    self.write_batch(db).await?;
                }
            }
        }
        Ok(())
    }

    /// Writes what is left; returns what the import did and changed.
    pub async fn finish<C: ConnectionTrait>(
        mut self,
        db: &C,
    ) -> Result<(ImportReport, Changes), StorageError> {
        self.write_head(db).await?;
        self.write_batch(db).await?;
        let placements = std::mem::take(&mut self.placements);
        if let Some(refs) = &self.refs {
            upsert_placements(
                db,
                &placements,
                &refs.promos,
                self.now,
                &mut self.report,
                &mut self.changes,
            )
            .await?;
        }
        Ok((self.report, self.changes))
    }

    /// Writes the perspectives, promos, lists and guides (once), so articles can refer to them.
    async fn write_head<C: ConnectionTrait>(&mut self, db: &C) -> Result<(), StorageError> {
        if self.refs.is_some() {
            return Ok(());
        }
        let (report, changes, now) = (&mut self.report, &mut self.changes, self.now);
        upsert_perspectives(db, &std::mem::take(&mut self.perspectives), report, changes).await?;
        let promos =
            upsert_promos(db, &std::mem::take(&mut self.promos), now, report, changes).await?;
        let feeling_lists =
            upsert_pieces(db, &std::mem::take(&mut self.feeling_lists), now, report).await?;
        let step_guides =
            upsert_pieces(db, &std::mem::take(&mut self.step_guides), now, report).await?;
        changes.feeling_lists = feeling_lists.1;
        changes.step_guides = step_guides.1;
        self.refs = Some(References {
            feeling_lists: feeling_lists.0,
            step_guides: step_guides.0,
            promos,
        });
        Ok(())
    }

    async fn write_batch<C: ConnectionTrait>(&mut self, db: &C) -> Result<(), StorageError> {
        let batch = std::mem::take(&mut self.batch);
        if batch.is_empty() {
            return Ok(());
        }
        let Some(refs) = &self.refs else {
            return Err(StorageError::BrokenReference(
                "articles were written before what they refer to".to_owned(),
            ));
        };
        upsert_articles(
            db,
            &batch,
            refs,
            self.now,
            &mut self.report,
            &mut self.changes,
        )
        .await
    }
}

async fn upsert_perspectives<C: ConnectionTrait>(
    db: &C,
    incoming: &[Perspective],
    report: &mut ImportReport,
    changes: &mut Changes,
) -> Result<(), DbErr> {
    let stored = perspective::Entity::find().all(db).await?;
    let mut next_position = stored.iter().map(|p| p.position + 1).max().unwrap_or(0);
    let by_key: HashMap<&str, &perspective::Model> =
        stored.iter().map(|p| (p.key.as_str(), p)).collect();
    for p in incoming {
        match by_key.get(p.key.as_str()) {
            Some(existing) if existing.label == p.label => report.record(Outcome::Unchanged),
            Some(existing) => {
                let mut row: perspective::ActiveModel = (*existing).clone().into();
                row.label = Set(p.label.clone());
                row.update(db).await?;
                report.record(Outcome::Updated);
                changes.perspectives = true;
                changes.relabeled.push(existing.id);
            }
            None => {
                perspective::ActiveModel {
                    key: Set(p.key.clone()),
                    label: Set(p.label.clone()),
                    position: Set(next_position),
                    ..Default::default()
                }
                .insert(db)
                .await?;
                next_position += 1;
                report.record(Outcome::Created);
                changes.perspectives = true;
            }
        }
    }
    Ok(())
}

async fn upsert_promos<C: ConnectionTrait>(
    db: &C,
    incoming: &[Promo],
    now: Timestamp,
    report: &mut ImportReport,
    changes: &mut Changes,
) -> Result<SlugIds, DbErr> {
    let stored = promo::Entity::find().all(db).await?;
    let mut ids = SlugIds::default();
    for row in &stored {
        ids.insert(&row.slug, row.id);
    }
    let by_slug: HashMap<&str, &promo::Model> =
        stored.iter().map(|p| (p.slug.as_str(), p)).collect();
    for p in incoming {
        let existing = by_slug.get(p.slug.as_str()).copied();
        if existing.is_some_and(|row| promo_from_row(row) == *p) {
            report.record(Outcome::Unchanged);
            continue;
        }
        let showed =
            existing.is_some_and(|row| promo_shows(row.paused, row.starts_at, row.ends_at, now));
        let mut row = match existing {
            Some(row) => {
                let mut active: promo::ActiveModel = row.clone().into();
                active.updated_at = Set(now);
                active
            }
            None => promo::ActiveModel {
                slug: Set(p.slug.clone()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            },
        };
        set_promo_fields(&mut row, p);
        let id = match existing {
            Some(existing) => {
                row.update(db).await?;
                report.record(Outcome::Updated);
                existing.id
            }
            None => {
                let row = row.insert(db).await?;
                ids.insert(&row.slug, row.id);
                report.record(Outcome::Created);
                row.id
            }
        };
        changes.promos.push(PromoChange {
            id,
            slug: p.slug.clone(),
            showed,
            shows: promo_shows(p.paused, p.starts_at, p.ends_at, now),
        });
    }
    Ok(ids)
}

/// Feeling lists or step guides: a piece that differs from the stored one is rewritten whole.
/// Returns every slug → id, and the (id, slug) of those written.
async fn upsert_pieces<P: StoredPiece, C: ConnectionTrait>(
    db: &C,
    incoming: &[P],
    now: Timestamp,
    report: &mut ImportReport,
) -> Result<(SlugIds, Vec<(i32, String)>), StorageError> {
    let stored = library::load::<P, C>(db, Which::All).await?;
    let mut ids = SlugIds::default();
    let mut by_slug: HashMap<String, (i32, P)> = HashMap::new();
    for (id, piece) in stored {
        ids.insert(piece.slug(), id);
        by_slug.insert(piece.slug().to_owned(), (id, piece));
    }
    let mut written = Vec::new();
    for piece in incoming {
        let existing = by_slug.get(piece.slug());
        if existing.is_some_and(|(_, stored)| stored == piece) {
            report.record(Outcome::Unchanged);
            continue;
        }
        let id = library::save(db, existing.map(|(id, _)| *id), piece, now).await?;
        report.record(if existing.is_some() {
            Outcome::Updated
        } else {
            Outcome::Created
        });
        ids.insert(piece.slug(), id);
        written.push((id, piece.slug().to_owned()));
    }
    Ok((ids, written))
}

/// Where an article's tags and blocks go: a stored article's id, or a new one's slug (its id
/// is known once the batch's new rows are inserted).
#[derive(Clone, Copy)]
enum Target<'a> {
    Stored(i32),
    New(&'a str),
}

/// One batch of articles: compared with what is stored for the same slugs, then written with
/// one statement per table where the rows allow (new headers, tags, blocks), updated headers
/// one by one (each checks its version).
async fn upsert_articles<C: ConnectionTrait>(
    db: &C,
    incoming: &[Article],
    refs: &References,
    now: Timestamp,
    report: &mut ImportReport,
    changes: &mut Changes,
) -> Result<(), StorageError> {
    let stored = article::Entity::find()
        .filter(article::Column::Slug.is_in(incoming.iter().map(|a| a.slug.clone())))
        .all(db)
        .await?;
    let ids: Vec<i32> = stored.iter().map(|a| a.id).collect();
    let by_slug: HashMap<&str, &article::Model> =
        stored.iter().map(|a| (a.slug.as_str(), a)).collect();
    let mut stored_tags = articles::tags_of(db, &ids).await?;
    let mut stored_blocks = articles::blocks_of(db, &ids).await?;

    let mut new_articles: Vec<&Article> = Vec::new();
    let mut tag_writes = Vec::new();
    let mut block_writes = Vec::new();
    for a in incoming {
        let tags: BTreeSet<String> = a.tags.iter().cloned().collect();
        let blocks: Vec<BlockRow> = a
            .blocks
            .iter()
            .map(|b| refs.block_row(b))
            .collect::<Result<_, _>>()?;
        let existing = by_slug.get(a.slug.as_str()).copied();
        let (tags_changed, blocks_changed) = match existing {
            Some(row) => (
                stored_tags.remove(&row.id).unwrap_or_default() != tags,
                stored_blocks.remove(&row.id).unwrap_or_default() != blocks,
            ),
            None => (true, true),
        };
        let header_same = existing.is_some_and(|row| {
            row.title == a.title
                && row.subtitle == a.subtitle
                && row.summary == a.summary
                && row.status == a.status
                && row.published_at == a.published_at
        });
        if header_same && !tags_changed && !blocks_changed {
            report.record(Outcome::Unchanged);
            continue;
        }
        let target = match existing {
            Some(row) => {
                if !articles::update_if_version(db, row.id, row.version, a, now).await? {
                    return Err(StorageError::Database(DbErr::RecordNotUpdated));
                }
                report.record(Outcome::Updated);
                Target::Stored(row.id)
            }
            None => {
                report.record(Outcome::Created);
                new_articles.push(a);
                Target::New(&a.slug)
            }
        };
        if tags_changed {
            tag_writes.push((target, tags, visible_from(a.status, a.published_at)));
        }
        if blocks_changed {
            block_writes.push((target, blocks));
        }
        changes.articles.push(ArticleChange {
            slug: a.slug.clone(),
            was_visible: existing
                .is_some_and(|row| article_is_public(row.status, row.published_at, now)),
            visible: article_is_public(a.status, a.published_at, now),
        });
    }

    let new_ids = articles::insert_many(db, &new_articles, now).await?;
    let id_of = |target: Target<'_>| match target {
        Target::Stored(id) => Ok(id),
        Target::New(slug) => new_ids.get(slug).copied().ok_or_else(|| {
            StorageError::Database(DbErr::RecordNotFound(format!("article \"{slug}\"")))
        }),
    };
    // Only stored articles have rows to replace; new ones get theirs inserted.
    let stored_of = |target: &Target<'_>| match target {
        Target::Stored(id) => Some(*id),
        Target::New(_) => None,
    };
    let replaced: Vec<i32> = tag_writes
        .iter()
        .filter_map(|(t, _, _)| stored_of(t))
        .collect();
    articles::delete_tags_of(db, &replaced).await?;
    let tag_writes = tag_writes
        .into_iter()
        .map(|(target, tags, from)| Ok((id_of(target)?, tags, from)))
        .collect::<Result<Vec<_>, StorageError>>()?;
    articles::insert_tags(db, tag_writes).await?;
    let replaced: Vec<i32> = block_writes
        .iter()
        .filter_map(|(t, _)| stored_of(t))
        .collect();
    articles::delete_blocks_of(db, &replaced).await?;
    let block_writes = block_writes
        .into_iter()
        .map(|(target, blocks)| Ok((id_of(target)?, blocks)))
        .collect::<Result<Vec<_>, StorageError>>()?;
    articles::insert_blocks(db, block_writes).await?;
    Ok(())
}

/// Placements are identified by (promo, slot, tag): an import adds the missing ones and updates
/// the priority and schedule of the others; it never removes any.
async fn upsert_placements<C: ConnectionTrait>(
    db: &C,
    incoming: &[Placement],
    promo_ids: &SlugIds,
    now: Timestamp,
    report: &mut ImportReport,
    changes: &mut Changes,
) -> Result<(), DbErr> {
    if incoming.is_empty() {
        return Ok(());
    }
    let stored = promo_placement::Entity::find().all(db).await?;
    for p in incoming {
        let Some(promo_id) = promo_ids.id(&p.promo) else {
            return Err(DbErr::RecordNotFound(format!("promo \"{}\"", p.promo)));
        };
        let existing = stored
            .iter()
            .find(|row| row.promo_id == promo_id && row.slot == p.slot && row.tag == p.tag);
        let was_open = existing.is_some_and(|row| window_is_open(row.starts_at, row.ends_at, now));
        match existing {
            Some(row)
                if row.priority == p.priority
                    && row.starts_at == p.starts_at
                    && row.ends_at == p.ends_at =>
            {
                report.record(Outcome::Unchanged);
                continue;
            }
            Some(row) => {
                let mut active: promo_placement::ActiveModel = row.clone().into();
                active.priority = Set(p.priority);
                active.starts_at = Set(p.starts_at);
                active.ends_at = Set(p.ends_at);
                active.update(db).await?;
                report.record(Outcome::Updated);
            }
            None => {
                placements::insert(db, promo_id, p, now).await?;
                report.record(Outcome::Created);
            }
        }
        changes.placements.push(PlacementChange {
            promo_id,
            slot: p.slot.clone(),
            tag: p.tag.clone(),
            was_open,
            is_open: p.is_running(now),
        });
    }
    Ok(())
}
