//! Importing and exporting content bundles.
//!
//! Import is one transaction: it validates the whole bundle against what is stored, then upserts
//! by slug, writing only what differs, so importing the same bundle twice changes nothing.
//! Export reads everything in a fixed order, so export → import → export is byte-identical.

use std::collections::{BTreeSet, HashMap};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

use crate::domain::bundle::{BUNDLE_VERSION, Bundle, KnownSlugs};
use crate::domain::content::{
    Article, ArticleStatus, Block, FeelingItem, FeelingList, Perspective, Promo, PromoKind, Step,
    StepGuide,
};
use crate::domain::problems::Problems;
use crate::domain::promotions::Placement;
use crate::domain::timestamp::Timestamp;
use crate::storage::entities::{
    article, article_block, article_tag, feeling_item, feeling_list, guide_step, perspective,
    promo, promo_placement, step_guide,
};
use crate::storage::{StorageError, begin_snapshot, content_version};

/// Why an import did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Invalid(Problems),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<DbErr> for ImportError {
    fn from(e: DbErr) -> Self {
        Self::Storage(StorageError::Database(e))
    }
}

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

#[derive(Debug, Clone, Copy)]
enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// Validates and imports a bundle, all or nothing.
pub async fn import(
    db: &DatabaseConnection,
    bundle: &Bundle,
    now: Timestamp,
) -> Result<ImportReport, ImportError> {
    let txn = db.begin().await?;
    let known = known_slugs(&txn).await?;
    bundle.validate(&known).map_err(ImportError::Invalid)?;

    let mut report = ImportReport::default();
    let perspective_ids = upsert_perspectives(&txn, &bundle.perspectives, &mut report).await?;
    let promo_ids = upsert_promos(&txn, &bundle.promos, now, &mut report).await?;
    let list_ids = upsert_feeling_lists(
        &txn,
        &bundle.feeling_lists,
        &perspective_ids,
        now,
        &mut report,
    )
    .await?;
    let guide_ids = upsert_step_guides(
        &txn,
        &bundle.step_guides,
        &perspective_ids,
        now,
        &mut report,
    )
    .await?;
    let refs = References {
        promos: promo_ids,
        feeling_lists: list_ids,
        step_guides: guide_ids,
    };
    upsert_articles(&txn, &bundle.articles, &refs, now, &mut report).await?;
    upsert_placements(&txn, &bundle.placements, &refs.promos, now, &mut report).await?;

    if report.changed_anything() {
        content_version::bump(&txn).await?;
    }
    txn.commit().await?;
    Ok(report)
}

pub(crate) async fn known_slugs<C: ConnectionTrait>(db: &C) -> Result<KnownSlugs, DbErr> {
    Ok(KnownSlugs {
        perspectives: perspective::Entity::find()
            .select_only()
            .column(perspective::Column::Key)
            .into_tuple::<String>()
            .all(db)
            .await?
            .into_iter()
            .collect(),
        promos: slugs_of::<promo::Entity, _>(db, promo::Column::Slug).await?,
        feeling_lists: slugs_of::<feeling_list::Entity, _>(db, feeling_list::Column::Slug).await?,
        step_guides: slugs_of::<step_guide::Entity, _>(db, step_guide::Column::Slug).await?,
    })
}

async fn slugs_of<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    column: E::Column,
) -> Result<std::collections::HashSet<String>, DbErr> {
    Ok(E::find()
        .select_only()
        .column(column)
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// Slug → id of every stored entity that article blocks can refer to.
pub(crate) struct References {
    promos: HashMap<String, i32>,
    feeling_lists: HashMap<String, i32>,
    step_guides: HashMap<String, i32>,
}

impl References {
    fn pairs(map: &HashMap<String, i32>) -> Vec<(i32, String)> {
        map.iter().map(|(slug, id)| (*id, slug.clone())).collect()
    }

    pub(crate) fn promo_pairs(&self) -> Vec<(i32, String)> {
        Self::pairs(&self.promos)
    }

    pub(crate) fn feeling_list_pairs(&self) -> Vec<(i32, String)> {
        Self::pairs(&self.feeling_lists)
    }

    pub(crate) fn step_guide_pairs(&self) -> Vec<(i32, String)> {
        Self::pairs(&self.step_guides)
    }

    /// Everything stored, for writing one article.
    pub(crate) async fn load<C: ConnectionTrait>(db: &C) -> Result<Self, DbErr> {
        let pairs =
            |rows: Vec<(i32, String)>| rows.into_iter().map(|(id, slug)| (slug, id)).collect();
        Ok(Self {
            promos: pairs(
                promo::Entity::find()
                    .select_only()
                    .columns([promo::Column::Id, promo::Column::Slug])
                    .into_tuple()
                    .all(db)
                    .await?,
            ),
            feeling_lists: pairs(
                feeling_list::Entity::find()
                    .select_only()
                    .columns([feeling_list::Column::Id, feeling_list::Column::Slug])
                    .into_tuple()
                    .all(db)
                    .await?,
            ),
            step_guides: pairs(
                step_guide::Entity::find()
                    .select_only()
                    .columns([step_guide::Column::Id, step_guide::Column::Slug])
                    .into_tuple()
                    .all(db)
                    .await?,
            ),
        })
    }
}

async fn upsert_perspectives<C: ConnectionTrait>(
    db: &C,
    incoming: &[Perspective],
    report: &mut ImportReport,
) -> Result<HashMap<String, i32>, DbErr> {
    let stored = perspective::Entity::find().all(db).await?;
    let mut next_position = stored.iter().map(|p| p.position + 1).max().unwrap_or(0);
    let mut ids: HashMap<String, i32> = stored.iter().map(|p| (p.key.clone(), p.id)).collect();
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
            }
            None => {
                let row = perspective::ActiveModel {
                    key: Set(p.key.clone()),
                    label: Set(p.label.clone()),
                    position: Set(next_position),
                    ..Default::default()
                }
                .insert(db)
                .await?;
                next_position += 1;
                ids.insert(row.key, row.id);
                report.record(Outcome::Created);
            }
        }
    }
    Ok(ids)
}

async fn upsert_promos<C: ConnectionTrait>(
    db: &C,
    incoming: &[Promo],
    now: Timestamp,
    report: &mut ImportReport,
) -> Result<HashMap<String, i32>, DbErr> {
    let stored = promo::Entity::find().all(db).await?;
    let mut ids: HashMap<String, i32> = stored.iter().map(|p| (p.slug.clone(), p.id)).collect();
    let by_slug: HashMap<&str, &promo::Model> =
        stored.iter().map(|p| (p.slug.as_str(), p)).collect();
    for p in incoming {
        let existing = by_slug.get(p.slug.as_str()).copied();
        if existing.is_some_and(|row| promo_from_row(row).as_ref() == Some(p)) {
            report.record(Outcome::Unchanged);
            continue;
        }
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
        if existing.is_some() {
            row.update(db).await?;
            report.record(Outcome::Updated);
        } else {
            let row = row.insert(db).await?;
            ids.insert(row.slug, row.id);
            report.record(Outcome::Created);
        }
    }
    Ok(ids)
}

/// Copies every field of a promo but its slug into a row.
pub(crate) fn set_promo_fields(row: &mut promo::ActiveModel, p: &Promo) {
    row.kind = Set(p.kind.as_str().to_owned());
    row.eyebrow = Set(p.eyebrow.clone());
    row.title = Set(p.title.clone());
    row.body = Set(p.body.clone());
    row.icon = Set(p.icon.clone());
    row.cta_label = Set(p.cta_label.clone());
    row.target_url = Set(p.target_url.clone());
    row.disclosure = Set(p.disclosure.clone());
    row.starts_at = Set(p.starts_at);
    row.ends_at = Set(p.ends_at);
    row.paused = Set(p.paused);
}

/// Placements are identified by (promo, slot, tag): an import adds the missing ones and updates
/// the priority and schedule of the others; it never removes any.
async fn upsert_placements<C: ConnectionTrait>(
    db: &C,
    incoming: &[Placement],
    promo_ids: &HashMap<String, i32>,
    now: Timestamp,
    report: &mut ImportReport,
) -> Result<(), DbErr> {
    if incoming.is_empty() {
        return Ok(());
    }
    let stored = promo_placement::Entity::find().all(db).await?;
    for p in incoming {
        let Some(&promo_id) = promo_ids.get(&p.promo) else {
            continue;
        };
        let existing = stored
            .iter()
            .find(|row| row.promo_id == promo_id && row.slot == p.slot && row.tag == p.tag);
        match existing {
            Some(row)
                if row.priority == p.priority
                    && row.starts_at == p.starts_at
                    && row.ends_at == p.ends_at =>
            {
                report.record(Outcome::Unchanged);
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
                promo_placement::ActiveModel {
                    promo_id: Set(promo_id),
                    slot: Set(p.slot.clone()),
                    tag: Set(p.tag.clone()),
                    priority: Set(p.priority),
                    starts_at: Set(p.starts_at),
                    ends_at: Set(p.ends_at),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(db)
                .await?;
                report.record(Outcome::Created);
            }
        }
    }
    Ok(())
}

/// Creates or updates a titled, slugged parent row (feeling list or step guide) and reports
/// whether its children must be rewritten.
macro_rules! upsert_parent {
    ($db:expr, $entity:ident, $existing:expr, $slug:expr, $title:expr, $children_changed:expr, $now:expr) => {{
        match $existing {
            Some(row) if row.title == *$title && !$children_changed => (row.id, Outcome::Unchanged),
            Some(row) => {
                let mut active: $entity::ActiveModel = row.clone().into();
                active.title = Set($title.clone());
                active.updated_at = Set($now);
                active.update($db).await?;
                (row.id, Outcome::Updated)
            }
            None => {
                let row = $entity::ActiveModel {
                    slug: Set($slug.clone()),
                    title: Set($title.clone()),
                    created_at: Set($now),
                    updated_at: Set($now),
                    ..Default::default()
                }
                .insert($db)
                .await?;
                (row.id, Outcome::Created)
            }
        }
    }};
}

async fn upsert_feeling_lists<C: ConnectionTrait>(
    db: &C,
    incoming: &[FeelingList],
    perspective_ids: &HashMap<String, i32>,
    now: Timestamp,
    report: &mut ImportReport,
) -> Result<HashMap<String, i32>, DbErr> {
    let stored = feeling_list::Entity::find().all(db).await?;
    let mut stored_items: HashMap<i32, Vec<(i32, String)>> = HashMap::new();
    for item in feeling_item::Entity::find()
        .order_by_asc(feeling_item::Column::FeelingListId)
        .order_by_asc(feeling_item::Column::Position)
        .all(db)
        .await?
    {
        stored_items
            .entry(item.feeling_list_id)
            .or_default()
            .push((item.perspective_id, item.text));
    }
    let mut ids: HashMap<String, i32> = stored.iter().map(|l| (l.slug.clone(), l.id)).collect();
    let by_slug: HashMap<&str, &feeling_list::Model> =
        stored.iter().map(|l| (l.slug.as_str(), l)).collect();

    for list in incoming {
        let wanted: Vec<(i32, String)> = list
            .items
            .iter()
            .map(|item| (perspective_ids[&item.perspective], item.text.clone()))
            .collect();
        let existing = by_slug.get(list.slug.as_str()).copied();
        let items_changed = existing
            .is_none_or(|row| stored_items.get(&row.id).map_or(&[][..], Vec::as_slice) != wanted);
        let (id, outcome) = upsert_parent!(
            db,
            feeling_list,
            existing,
            &list.slug,
            &list.title,
            items_changed,
            now
        );
        if items_changed {
            feeling_item::Entity::delete_many()
                .filter(feeling_item::Column::FeelingListId.eq(id))
                .exec(db)
                .await?;
            let rows = wanted
                .into_iter()
                .enumerate()
                .map(
                    |(position, (perspective_id, text))| feeling_item::ActiveModel {
                        feeling_list_id: Set(id),
                        position: Set(position as i32),
                        perspective_id: Set(perspective_id),
                        text: Set(text),
                        ..Default::default()
                    },
                );
            insert_all(db, rows).await?;
        }
        ids.insert(list.slug.clone(), id);
        report.record(outcome);
    }
    Ok(ids)
}

async fn upsert_step_guides<C: ConnectionTrait>(
    db: &C,
    incoming: &[StepGuide],
    perspective_ids: &HashMap<String, i32>,
    now: Timestamp,
    report: &mut ImportReport,
) -> Result<HashMap<String, i32>, DbErr> {
    type StepRow = (String, String, Option<i32>);
    let stored = step_guide::Entity::find().all(db).await?;
    let mut stored_steps: HashMap<i32, Vec<StepRow>> = HashMap::new();
    for step in guide_step::Entity::find()
        .order_by_asc(guide_step::Column::StepGuideId)
        .order_by_asc(guide_step::Column::Position)
        .all(db)
        .await?
    {
        stored_steps.entry(step.step_guide_id).or_default().push((
            step.title,
            step.body,
            step.perspective_id,
        ));
    }
    let mut ids: HashMap<String, i32> = stored.iter().map(|g| (g.slug.clone(), g.id)).collect();
    let by_slug: HashMap<&str, &step_guide::Model> =
        stored.iter().map(|g| (g.slug.as_str(), g)).collect();

    for guide in incoming {
        let wanted: Vec<StepRow> = guide
            .steps
            .iter()
            .map(|s| {
                (
                    s.title.clone(),
                    s.body.clone(),
                    s.perspective.as_ref().map(|k| perspective_ids[k]),
                )
            })
            .collect();
        let existing = by_slug.get(guide.slug.as_str()).copied();
        let steps_changed = existing
            .is_none_or(|row| stored_steps.get(&row.id).map_or(&[][..], Vec::as_slice) != wanted);
        let (id, outcome) = upsert_parent!(
            db,
            step_guide,
            existing,
            &guide.slug,
            &guide.title,
            steps_changed,
            now
        );
        if steps_changed {
            guide_step::Entity::delete_many()
                .filter(guide_step::Column::StepGuideId.eq(id))
                .exec(db)
                .await?;
            let rows =
                wanted
                    .into_iter()
                    .enumerate()
                    .map(
                        |(position, (title, body, perspective_id))| guide_step::ActiveModel {
                            step_guide_id: Set(id),
                            position: Set(position as i32),
                            title: Set(title),
                            body: Set(body),
                            perspective_id: Set(perspective_id),
                            ..Default::default()
                        },
                    );
            insert_all(db, rows).await?;
        }
        ids.insert(guide.slug.clone(), id);
        report.record(outcome);
    }
    Ok(ids)
}

/// A block as stored: kind, heading, body and the one id its kind uses.
pub(crate) type BlockRow = (
    String,
    Option<String>,
    Option<String>,
    Option<i32>,
    Option<i32>,
    Option<i32>,
);

pub(crate) fn block_row(block: &Block, refs: &References) -> BlockRow {
    match block {
        Block::Text { heading, body } => (
            "text".into(),
            heading.clone(),
            Some(body.clone()),
            None,
            None,
            None,
        ),
        Block::Feelings { reference } => (
            "feelings".into(),
            None,
            None,
            Some(refs.feeling_lists[reference]),
            None,
            None,
        ),
        Block::Steps { reference } => (
            "steps".into(),
            None,
            None,
            None,
            Some(refs.step_guides[reference]),
            None,
        ),
        Block::Promo { reference } => (
            "promo".into(),
            None,
            None,
            None,
            None,
            Some(refs.promos[reference]),
        ),
    }
}

async fn upsert_articles<C: ConnectionTrait>(
    db: &C,
    incoming: &[Article],
    refs: &References,
    now: Timestamp,
    report: &mut ImportReport,
) -> Result<(), DbErr> {
    let stored = article::Entity::find().all(db).await?;
    let by_slug: HashMap<&str, &article::Model> =
        stored.iter().map(|a| (a.slug.as_str(), a)).collect();
    let mut stored_tags: HashMap<i32, BTreeSet<String>> = HashMap::new();
    for tag in article_tag::Entity::find().all(db).await? {
        stored_tags
            .entry(tag.article_id)
            .or_default()
            .insert(tag.tag);
    }
    let mut stored_blocks: HashMap<i32, Vec<BlockRow>> = HashMap::new();
    for b in article_block::Entity::find()
        .order_by_asc(article_block::Column::ArticleId)
        .order_by_asc(article_block::Column::Position)
        .all(db)
        .await?
    {
        stored_blocks.entry(b.article_id).or_default().push((
            b.kind,
            b.heading,
            b.body,
            b.feeling_list_id,
            b.step_guide_id,
            b.promo_id,
        ));
    }

    for a in incoming {
        let tags: BTreeSet<String> = a.tags.iter().cloned().collect();
        let blocks: Vec<BlockRow> = a.blocks.iter().map(|b| block_row(b, refs)).collect();
        let search_text = a.search_text();
        let existing = by_slug.get(a.slug.as_str()).copied();
        let (tags_changed, blocks_changed) = match existing {
            Some(row) => (
                stored_tags.get(&row.id).cloned().unwrap_or_default() != tags,
                stored_blocks.get(&row.id).map_or(&[][..], Vec::as_slice) != blocks,
            ),
            None => (true, true),
        };
        let header_same = existing.is_some_and(|row| {
            row.title == a.title
                && row.subtitle == a.subtitle
                && row.summary == a.summary
                && row.status == a.status.as_str()
                && row.published_at == a.published_at
        });
        if header_same && !tags_changed && !blocks_changed {
            report.record(Outcome::Unchanged);
            continue;
        }
        let mut row = match existing {
            Some(row) => {
                let mut active: article::ActiveModel = row.clone().into();
                active.version = Set(row.version + 1);
                active.updated_at = Set(now);
                active
            }
            None => article::ActiveModel {
                slug: Set(a.slug.clone()),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            },
        };
        row.title = Set(a.title.clone());
        row.subtitle = Set(a.subtitle.clone());
        row.summary = Set(a.summary.clone());
        row.status = Set(a.status.as_str().to_owned());
        row.published_at = Set(a.published_at);
        row.search_text = Set(search_text);
        let id = match existing {
            Some(existing_row) => {
                row.update(db).await?;
                report.record(Outcome::Updated);
                existing_row.id
            }
            None => {
                let inserted = row.insert(db).await?;
                report.record(Outcome::Created);
                inserted.id
            }
        };
        if tags_changed {
            replace_tags(db, id, tags).await?;
        }
        if blocks_changed {
            replace_blocks(db, id, blocks).await?;
        }
    }
    Ok(())
}

/// Replaces an article's tags.
pub(crate) async fn replace_tags<C: ConnectionTrait>(
    db: &C,
    article_id: i32,
    tags: BTreeSet<String>,
) -> Result<(), DbErr> {
    article_tag::Entity::delete_many()
        .filter(article_tag::Column::ArticleId.eq(article_id))
        .exec(db)
        .await?;
    insert_all(
        db,
        tags.into_iter().map(|tag| article_tag::ActiveModel {
            article_id: Set(article_id),
            tag: Set(tag),
        }),
    )
    .await
}

/// Replaces an article's blocks, keeping their order.
pub(crate) async fn replace_blocks<C: ConnectionTrait>(
    db: &C,
    article_id: i32,
    blocks: Vec<BlockRow>,
) -> Result<(), DbErr> {
    article_block::Entity::delete_many()
        .filter(article_block::Column::ArticleId.eq(article_id))
        .exec(db)
        .await?;
    let rows = blocks.into_iter().enumerate().map(
        |(position, (kind, heading, body, feeling_list_id, step_guide_id, promo_id))| {
            article_block::ActiveModel {
                article_id: Set(article_id),
                position: Set(position as i32),
                kind: Set(kind),
                heading: Set(heading),
                body: Set(body),
                feeling_list_id: Set(feeling_list_id),
                step_guide_id: Set(step_guide_id),
                promo_id: Set(promo_id),
                ..Default::default()
            }
        },
    );
    insert_all(db, rows).await
}

/// Inserts rows in batches small enough for SQLite's bound-parameter limit.
pub(crate) async fn insert_all<C, A, I>(db: &C, rows: I) -> Result<(), DbErr>
where
    C: ConnectionTrait,
    A: ActiveModelTrait + Send,
    I: IntoIterator<Item = A>,
{
    let rows: Vec<A> = rows.into_iter().collect();
    for chunk in rows.chunks(100) {
        <A::Entity as EntityTrait>::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

pub(crate) fn promo_from_row(row: &promo::Model) -> Option<Promo> {
    Some(Promo {
        slug: row.slug.clone(),
        kind: PromoKind::parse(&row.kind)?,
        eyebrow: row.eyebrow.clone(),
        title: row.title.clone(),
        body: row.body.clone(),
        icon: row.icon.clone(),
        cta_label: row.cta_label.clone(),
        target_url: row.target_url.clone(),
        disclosure: row.disclosure.clone(),
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        paused: row.paused,
    })
}

/// Reads every piece of content as one bundle, in a fixed order: perspectives as arranged,
/// everything else by slug, items and blocks by position, tags alphabetically.
pub async fn export(db: &DatabaseConnection) -> Result<Bundle, StorageError> {
    let txn = begin_snapshot(db).await?;
    let perspectives = perspective::Entity::find()
        .order_by_asc(perspective::Column::Position)
        .order_by_asc(perspective::Column::Id)
        .all(&txn)
        .await?;
    let perspective_keys: HashMap<i32, String> =
        perspectives.iter().map(|p| (p.id, p.key.clone())).collect();
    let key_of = |id: i32| perspective_keys.get(&id).cloned().unwrap_or_default();

    let promos = promo::Entity::find()
        .order_by_asc(promo::Column::Slug)
        .all(&txn)
        .await?;
    let promo_slugs: HashMap<i32, String> = promos.iter().map(|p| (p.id, p.slug.clone())).collect();

    let lists = feeling_list::Entity::find()
        .order_by_asc(feeling_list::Column::Slug)
        .all(&txn)
        .await?;
    let list_slugs: HashMap<i32, String> = lists.iter().map(|l| (l.id, l.slug.clone())).collect();
    let mut items: HashMap<i32, Vec<FeelingItem>> = HashMap::new();
    for item in feeling_item::Entity::find()
        .order_by_asc(feeling_item::Column::FeelingListId)
        .order_by_asc(feeling_item::Column::Position)
        .all(&txn)
        .await?
    {
        items
            .entry(item.feeling_list_id)
            .or_default()
            .push(FeelingItem {
                perspective: key_of(item.perspective_id),
                text: item.text,
            });
    }

    let guides = step_guide::Entity::find()
        .order_by_asc(step_guide::Column::Slug)
        .all(&txn)
        .await?;
    let guide_slugs: HashMap<i32, String> = guides.iter().map(|g| (g.id, g.slug.clone())).collect();
    let mut steps: HashMap<i32, Vec<Step>> = HashMap::new();
    for step in guide_step::Entity::find()
        .order_by_asc(guide_step::Column::StepGuideId)
        .order_by_asc(guide_step::Column::Position)
        .all(&txn)
        .await?
    {
        steps.entry(step.step_guide_id).or_default().push(Step {
            title: step.title,
            body: step.body,
            perspective: step.perspective_id.map(key_of),
        });
    }

    let articles = article::Entity::find()
        .order_by_asc(article::Column::Slug)
        .all(&txn)
        .await?;
    let mut tags: HashMap<i32, Vec<String>> = HashMap::new();
    for tag in article_tag::Entity::find()
        .order_by_asc(article_tag::Column::ArticleId)
        .order_by_asc(article_tag::Column::Tag)
        .all(&txn)
        .await?
    {
        tags.entry(tag.article_id).or_default().push(tag.tag);
    }
    let mut blocks: HashMap<i32, Vec<Block>> = HashMap::new();
    for b in article_block::Entity::find()
        .order_by_asc(article_block::Column::ArticleId)
        .order_by_asc(article_block::Column::Position)
        .all(&txn)
        .await?
    {
        let slug_in = |map: &HashMap<i32, String>, id: Option<i32>| {
            id.and_then(|id| map.get(&id).cloned()).unwrap_or_default()
        };
        let block = match b.kind.as_str() {
            "feelings" => Block::Feelings {
                reference: slug_in(&list_slugs, b.feeling_list_id),
            },
            "steps" => Block::Steps {
                reference: slug_in(&guide_slugs, b.step_guide_id),
            },
            "promo" => Block::Promo {
                reference: slug_in(&promo_slugs, b.promo_id),
            },
            _ => Block::Text {
                heading: b.heading,
                body: b.body.unwrap_or_default(),
            },
        };
        blocks.entry(b.article_id).or_default().push(block);
    }
    let mut placements: Vec<Placement> = promo_placement::Entity::find()
        .all(&txn)
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
    txn.commit().await?;

    Ok(Bundle {
        version: BUNDLE_VERSION,
        placements,
        perspectives: perspectives
            .into_iter()
            .map(|p| Perspective {
                key: p.key,
                label: p.label,
            })
            .collect(),
        promos: promos.iter().filter_map(promo_from_row).collect(),
        feeling_lists: lists
            .into_iter()
            .map(|l| FeelingList {
                items: items.remove(&l.id).unwrap_or_default(),
                slug: l.slug,
                title: l.title,
            })
            .collect(),
        step_guides: guides
            .into_iter()
            .map(|g| StepGuide {
                steps: steps.remove(&g.id).unwrap_or_default(),
                slug: g.slug,
                title: g.title,
            })
            .collect(),
        articles: articles
            .into_iter()
            .map(|a| Article {
                tags: tags.remove(&a.id).unwrap_or_default(),
                blocks: blocks.remove(&a.id).unwrap_or_default(),
                status: ArticleStatus::parse(&a.status).unwrap_or(ArticleStatus::Draft),
                slug: a.slug,
                title: a.title,
                subtitle: a.subtitle,
                summary: a.summary,
                published_at: a.published_at,
            })
            .collect(),
    })
}
