//! Importing a content bundle, all or nothing (`tether import`, and the sample content at the
//! first start), without holding the bundle in memory.
//!
//! The bundle is read twice from its source. The first reading checks every element against a
//! snapshot of what is stored, keeping only the keys references need, before the write begins,
//! so on SQLite the write lock is held only while writing. The second reading, inside the
//! write, hands the elements to the storage layer as they are parsed, which writes them in
//! batches. Every article, piece, promo and placement the import changes records its events,
//! as an editor's change would.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use sea_orm::EntityTrait;
use tokio::sync::mpsc;

use crate::domain::bundle::read::{self, ReadError};
use crate::domain::bundle::{Checker, Counts, Element, KnownSlugs, Section};
use crate::domain::content::{FeelingList, StepGuide};
use crate::domain::events::ArticleState;
use crate::domain::promotions::promo_shows;
use crate::domain::timestamp::Timestamp;
use crate::operations::{Actor, OpError, audience};
use crate::storage::bundle::{self, ImportReport, Importer};
use crate::storage::entities::promo;
use crate::storage::{StorageError, Store, maintenance};

/// Where a bundle's bytes come from. It is read twice (checked, then written), so it must
/// give the same bytes each time: bytes in memory, or a file nobody changes meanwhile (a
/// changed size or modification time stops the import).
#[derive(Debug, Clone)]
pub enum BundleSource {
    Bytes(bytes::Bytes),
    File(PathBuf),
}

impl BundleSource {
    fn open(&self) -> Result<Box<dyn Read + Send>, OpError> {
        match self {
            BundleSource::Bytes(bytes) => Ok(Box::new(std::io::Cursor::new(bytes.clone()))),
            BundleSource::File(path) => std::fs::File::open(path)
                .map(|f| Box::new(f) as Box<dyn Read + Send>)
                .map_err(|e| OpError::Unreadable(format!("{}: {e}", path.display()))),
        }
    }

    /// What tells a changed file apart: its size and modification time.
    fn stamp(&self) -> Result<Option<(u64, SystemTime)>, OpError> {
        match self {
            BundleSource::Bytes(_) => Ok(None),
            BundleSource::File(path) => std::fs::metadata(path)
                .and_then(|m| Ok(Some((m.len(), m.modified()?))))
                .map_err(|e| OpError::Unreadable(format!("{}: {e}", path.display()))),
        }
    }
}

/// Told how an import goes (the command line draws progress bars from it). Called from the
/// importing tasks; every method has a default that does nothing.
pub trait Progress: Send + Sync {
    /// `checked` elements of the bundle are checked so far.
    fn checking(&self, _checked: usize) {}
    /// The bundle is valid and its writing begins: how many elements of each kind it holds.
    fn writing(&self, _totals: &Counts) {}
    /// One more element of `section` is written (or found unchanged).
    fn wrote(&self, _section: Section) {}
}

/// No progress reports.
pub struct Quiet;

impl Progress for Quiet {}

/// What an import did.
#[derive(Debug, Clone, Copy)]
pub struct Imported {
    pub report: ImportReport,
    /// Elements of each kind in the bundle.
    pub counts: Counts,
    /// From the start of the checking to the commit.
    pub seconds: f64,
}

/// What the first reading learnt.
struct Checked {
    counts: Counts,
    /// Whether the articles come before a section they may refer to (then the second reading
    /// reads the file twice: everything else first, then the articles).
    articles_first: bool,
    stamp: Option<(u64, SystemTime)>,
}

/// Checks and writes a bundle; on any problem nothing is written and every problem is reported
/// with its JSON path.
pub async fn import(
    store: &Store,
    actor: Actor,
    source: BundleSource,
    now: Timestamp,
    progress: Arc<dyn Progress>,
) -> Result<Imported, OpError> {
    let started = Instant::now();
    let known = store
        .read(|txn| Box::pin(async move { Ok::<_, StorageError>(bundle::known_slugs(txn).await?) }))
        .await?;
    let checked = {
        let (source, progress) = (source.clone(), progress.clone());
        tokio::task::spawn_blocking(move || check(&source, &known, now, progress.as_ref()))
            .await
            .map_err(|e| OpError::Storage(StorageError::TaskFailed(e.to_string())))??
    };
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "bundle checked; writing it (other writers wait until it is written)"
    );
    progress.writing(&checked.counts);
    let writing = Instant::now();
    let counts = checked.counts;
    let report = store
        .write_content(now, move |tx| {
            Box::pin(async move {
                let (report, changes) = write_all(tx, source, checked, progress, now).await?;
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
                        // Where it was listed is not loaded: taken as moved.
                        Some(ArticleState {
                            slug: &a.slug,
                            visible: a.was_visible,
                            place: None,
                        }),
                        Some(ArticleState {
                            slug: &a.slug,
                            visible: a.visible,
                            place: None,
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
                Ok::<_, OpError>(report)
            })
        })
        .await?;
    tracing::info!(seconds = writing.elapsed().as_secs_f64(), "bundle written");
    if report.changed_anything() {
        // The import is done either way: stale statistics make reads slower, never wrong.
        if let Err(error) = maintenance::refresh_statistics(store).await {
            tracing::warn!(%error, "could not refresh the planner's statistics after the import");
        }
    }
    Ok(Imported {
        report,
        counts,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The first reading: every element checked, every problem collected.
fn check(
    source: &BundleSource,
    known: &KnownSlugs,
    now: Timestamp,
    progress: &dyn Progress,
) -> Result<Checked, OpError> {
    let stamp = source.stamp()?;
    let mut checker = Checker::new(known, now);
    let mut checked = 0;
    let structure = read::read(source.open()?, &|_| true, &mut |i, element| {
        checker.check(i, &element);
        checked += 1;
        if checked % 1000 == 0 {
            progress.checking(checked);
        }
        true
    })
    .map_err(read_failed)?;
    structure.problems.into_result().map_err(OpError::Invalid)?;
    checker.finish().map_err(OpError::Invalid)?;
    let position = |section| structure.order.iter().position(|s| *s == section);
    let articles_first = position(Section::Articles).is_some_and(|articles| {
        [
            Section::Perspectives,
            Section::Promos,
            Section::FeelingLists,
            Section::StepGuides,
        ]
        .into_iter()
        .any(|s| position(s).is_some_and(|p| p > articles))
    });
    Ok(Checked {
        counts: structure.counts,
        articles_first,
        stamp,
    })
}

fn read_failed(error: ReadError) -> OpError {
    match error {
        ReadError::Malformed(problems) => OpError::Invalid(problems),
        other => OpError::Unreadable(other.to_string()),
    }
}

/// The second reading, inside the write: a blocking task parses the bundle again and hands
/// the elements over through a short queue while this task writes them.
async fn write_all(
    tx: &mut crate::storage::write::ContentTxn,
    source: BundleSource,
    checked: Checked,
    progress: Arc<dyn Progress>,
    now: Timestamp,
) -> Result<(ImportReport, bundle::Changes), OpError> {
    let (elements, mut queue) = mpsc::channel::<Element>(64);
    let reading_source = source.clone();
    let articles_first = checked.articles_first;
    let reader = tokio::task::spawn_blocking(move || -> Result<Counts, OpError> {
        let mut send = |_: usize, element: Element| elements.blocking_send(element).is_ok();
        let mut counts = Counts::default();
        let mut scan = |wanted: &dyn Fn(Section) -> bool| -> Result<(), OpError> {
            let structure =
                read::read(reading_source.open()?, wanted, &mut send).map_err(read_failed)?;
            if !structure.problems.is_empty() {
                return Err(changed());
            }
            counts.merge(&structure.counts);
            Ok(())
        };
        if articles_first {
            scan(&|s| s != Section::Articles)?;
            scan(&|s| s == Section::Articles)?;
        } else {
            scan(&|_| true)?;
        }
        Ok(counts)
    });
    let mut importer = Importer::new(now);
    while let Some(element) = queue.recv().await {
        let section = element.section();
        importer.add(tx.db(), element).await?;
        progress.wrote(section);
    }
    let read_counts = reader
        .await
        .map_err(|e| OpError::Storage(StorageError::TaskFailed(e.to_string())))??;
    if read_counts != checked.counts || source.stamp()? != checked.stamp {
        return Err(changed());
    }
    Ok(importer.finish(tx.db()).await?)
}

fn changed() -> OpError {
    OpError::Unreadable(
        "the bundle changed while it was being imported; nothing was written".to_owned(),
    )
}
