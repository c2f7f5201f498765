//! Writing one piece of content at a time, as the admin does: perspectives, feeling lists, step
//! guides and articles. The domain's validation runs first (the same as for bundles), slugs stay
//! unique, articles use optimistic locking on their version, entities still in use are not
//! deleted, and every write bumps the content version so readers see it on their next request.

use std::collections::BTreeSet;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

use crate::domain::bundle::Bundle;
use crate::domain::content::{
    Article, ArticleStatus, Block, FeelingItem, FeelingList, Perspective, Step, StepGuide,
};
use crate::domain::problems::Problems;
use crate::domain::timestamp::Timestamp;
use crate::storage::bundle_io::{self, References, block_row, known_slugs};
use crate::storage::entities::{
    article, article_block, article_revision, article_tag, feeling_item, feeling_list, guide_step,
    perspective, step_guide,
};
use crate::storage::{StorageError, content_version};

/// Why a write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Problems keyed by field path (`slug`, `items[2].text`, `blocks[1].ref`).
    #[error("{0}")]
    Invalid(Problems),
    /// Someone saved a newer version since the form was opened.
    #[error("the record changed since it was opened")]
    Conflict,
    #[error("not found")]
    NotFound,
    /// Still used by these articles (slug, title).
    #[error("still in use")]
    InUse(Vec<(String, String)>),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<DbErr> for WriteError {
    fn from(e: DbErr) -> Self {
        WriteError::Storage(StorageError::Database(e))
    }
}

pub(crate) fn invalid(path: &str, message: impl Into<String>) -> WriteError {
    let mut problems = Problems::new();
    problems.push(path, message);
    WriteError::Invalid(problems)
}

/// Runs the bundle checks (own rules and references) on a single-entity bundle, reporting paths
/// relative to the entity (`articles[0].title` becomes `title`).
pub(crate) async fn validate_in_context<C: ConnectionTrait>(
    db: &C,
    bundle: &Bundle,
    prefix: &str,
) -> Result<(), WriteError> {
    let known = known_slugs(db).await?;
    bundle.validate(&known).map_err(|problems| {
        let mut relative = Problems::new();
        for p in problems.iter() {
            let path = p
                .path
                .strip_prefix(prefix)
                .map(|rest| rest.trim_start_matches('.'))
                .unwrap_or(&p.path);
            // A duplicate within a one-entity bundle cannot happen; slug clashes are checked below.
            relative.push(path, p.message.clone());
        }
        WriteError::Invalid(relative)
    })
}

// ----- perspectives -----------------------------------------------------------------------

/// Every perspective in order, with how many feelings and steps use it.
pub async fn perspectives_with_usage(
    db: &DatabaseConnection,
) -> Result<Vec<(perspective::Model, u64)>, StorageError> {
    let mut out = Vec::new();
    for p in perspective::Entity::find()
        .order_by_asc(perspective::Column::Position)
        .order_by_asc(perspective::Column::Id)
        .all(db)
        .await?
    {
        let used = feeling_item::Entity::find()
            .filter(feeling_item::Column::PerspectiveId.eq(p.id))
            .count(db)
            .await?
            + guide_step::Entity::find()
                .filter(guide_step::Column::PerspectiveId.eq(p.id))
                .count(db)
                .await?;
        out.push((p, used));
    }
    Ok(out)
}

pub async fn create_perspective(
    db: &DatabaseConnection,
    new: &Perspective,
) -> Result<(), WriteError> {
    let mut problems = Problems::new();
    new.validate("", &mut problems);
    if !problems.is_empty() {
        return Err(WriteError::Invalid(problems));
    }
    let txn = db.begin().await?;
    if perspective::Entity::find()
        .filter(perspective::Column::Key.eq(&new.key))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(invalid("key", format!("the key \"{}\" is taken", new.key)));
    }
    let position = perspective::Entity::find().count(&txn).await? as i32;
    perspective::ActiveModel {
        key: Set(new.key.clone()),
        label: Set(new.label.clone()),
        position: Set(position),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    content_version::bump(&txn).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn relabel_perspective(
    db: &DatabaseConnection,
    key: &str,
    label: &str,
) -> Result<(), WriteError> {
    let candidate = Perspective {
        key: key.to_owned(),
        label: label.to_owned(),
    };
    let mut problems = Problems::new();
    candidate.validate("", &mut problems);
    if !problems.is_empty() {
        return Err(WriteError::Invalid(problems));
    }
    let txn = db.begin().await?;
    let row = perspective::Entity::find()
        .filter(perspective::Column::Key.eq(key))
        .one(&txn)
        .await?
        .ok_or(WriteError::NotFound)?;
    let mut row: perspective::ActiveModel = row.into();
    row.label = Set(label.to_owned());
    row.update(&txn).await?;
    content_version::bump(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Deletes a perspective no feeling or step uses.
pub async fn delete_perspective(db: &DatabaseConnection, key: &str) -> Result<(), WriteError> {
    let txn = db.begin().await?;
    let row = perspective::Entity::find()
        .filter(perspective::Column::Key.eq(key))
        .one(&txn)
        .await?
        .ok_or(WriteError::NotFound)?;
    let lists: Vec<i32> = feeling_item::Entity::find()
        .select_only()
        .column(feeling_item::Column::FeelingListId)
        .filter(feeling_item::Column::PerspectiveId.eq(row.id))
        .into_tuple()
        .all(&txn)
        .await?;
    let guides: Vec<i32> = guide_step::Entity::find()
        .select_only()
        .column(guide_step::Column::StepGuideId)
        .filter(guide_step::Column::PerspectiveId.eq(row.id))
        .into_tuple()
        .all(&txn)
        .await?;
    if !lists.is_empty() || !guides.is_empty() {
        let mut users = Vec::new();
        for l in feeling_list::Entity::find()
            .filter(feeling_list::Column::Id.is_in(lists))
            .all(&txn)
            .await?
        {
            users.push((l.slug, format!("feeling list: {}", l.title)));
        }
        for g in step_guide::Entity::find()
            .filter(step_guide::Column::Id.is_in(guides))
            .all(&txn)
            .await?
        {
            users.push((g.slug, format!("step guide: {}", g.title)));
        }
        return Err(WriteError::InUse(users));
    }
    perspective::Entity::delete_by_id(row.id).exec(&txn).await?;
    content_version::bump(&txn).await?;
    txn.commit().await?;
    Ok(())
}

// ----- usage ------------------------------------------------------------------------------

/// Articles (slug, title) with a block using this feeling list, step guide or promo.
pub async fn articles_using<C: ConnectionTrait>(
    db: &C,
    column: article_block::Column,
    id: i32,
) -> Result<Vec<(String, String)>, DbErr> {
    let article_ids: Vec<i32> = article_block::Entity::find()
        .select_only()
        .column(article_block::Column::ArticleId)
        .filter(column.eq(id))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    if article_ids.is_empty() {
        return Ok(Vec::new());
    }
    article::Entity::find()
        .select_only()
        .columns([article::Column::Slug, article::Column::Title])
        .filter(article::Column::Id.is_in(article_ids))
        .order_by_asc(article::Column::Title)
        .into_tuple()
        .all(db)
        .await
}

// ----- feeling lists and step guides --------------------------------------------------------

pub async fn load_feeling_list(
    db: &DatabaseConnection,
    slug: &str,
) -> Result<Option<FeelingList>, StorageError> {
    let Some(row) = feeling_list::Entity::find()
        .filter(feeling_list::Column::Slug.eq(slug))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let keys = perspective_keys(db).await?;
    let items = feeling_item::Entity::find()
        .filter(feeling_item::Column::FeelingListId.eq(row.id))
        .order_by_asc(feeling_item::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|i| FeelingItem {
            perspective: keys.get(&i.perspective_id).cloned().unwrap_or_default(),
            text: i.text,
        })
        .collect();
    Ok(Some(FeelingList {
        slug: row.slug,
        title: row.title,
        items,
    }))
}

pub async fn load_step_guide(
    db: &DatabaseConnection,
    slug: &str,
) -> Result<Option<StepGuide>, StorageError> {
    let Some(row) = step_guide::Entity::find()
        .filter(step_guide::Column::Slug.eq(slug))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let keys = perspective_keys(db).await?;
    let steps = guide_step::Entity::find()
        .filter(guide_step::Column::StepGuideId.eq(row.id))
        .order_by_asc(guide_step::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|s| Step {
            title: s.title,
            body: s.body,
            perspective: s.perspective_id.and_then(|id| keys.get(&id).cloned()),
        })
        .collect();
    Ok(Some(StepGuide {
        slug: row.slug,
        title: row.title,
        steps,
    }))
}

async fn perspective_keys<C: ConnectionTrait>(
    db: &C,
) -> Result<std::collections::HashMap<i32, String>, DbErr> {
    Ok(perspective::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.key))
        .collect())
}

/// Finds the row stored under `existing` (if any), refuses a slug another row uses, then updates
/// that row's slug and title or inserts a new one; evaluates to the row's id. Feeling lists and
/// step guides share this shape: a slug, a title, timestamps, and children written separately.
macro_rules! save_titled {
    ($txn:expr, $entity:ident, $existing:expr, $slug:expr, $title:expr, $now:expr, $what:literal) => {{
        let current = match $existing {
            Some(slug) => Some(
                $entity::Entity::find()
                    .filter($entity::Column::Slug.eq(slug))
                    .one($txn)
                    .await?
                    .ok_or(WriteError::NotFound)?,
            ),
            None => None,
        };
        if let Some(clash) = $entity::Entity::find()
            .filter($entity::Column::Slug.eq($slug))
            .one($txn)
            .await?
            && current.as_ref().is_none_or(|c| c.id != clash.id)
        {
            return Err(invalid(
                "slug",
                format!(concat!("another ", $what, " already uses \"{}\""), $slug),
            ));
        }
        match current {
            Some(row) => {
                let id = row.id;
                let mut row: $entity::ActiveModel = row.into();
                row.slug = Set($slug.to_owned());
                row.title = Set($title.to_owned());
                row.updated_at = Set($now);
                row.update($txn).await?;
                id
            }
            None => {
                $entity::ActiveModel {
                    slug: Set($slug.to_owned()),
                    title: Set($title.to_owned()),
                    created_at: Set($now),
                    updated_at: Set($now),
                    ..Default::default()
                }
                .insert($txn)
                .await?
                .id
            }
        }
    }};
}

/// Creates (`existing` = None) or replaces the feeling list stored under `existing`; the slug may
/// change.
pub async fn save_feeling_list(
    db: &DatabaseConnection,
    existing: Option<&str>,
    list: &FeelingList,
    now: Timestamp,
) -> Result<(), WriteError> {
    let txn = db.begin().await?;
    let single = Bundle {
        version: 1,
        feeling_lists: vec![list.clone()],
        ..Bundle::default()
    };
    validate_in_context(&txn, &single, "feeling_lists[0]").await?;
    let id = save_titled!(
        &txn,
        feeling_list,
        existing,
        list.slug.as_str(),
        list.title.as_str(),
        now,
        "feeling list"
    );
    feeling_item::Entity::delete_many()
        .filter(feeling_item::Column::FeelingListId.eq(id))
        .exec(&txn)
        .await?;
    let perspectives = perspective_ids(&txn).await?;
    let rows = list
        .items
        .iter()
        .enumerate()
        .map(|(position, item)| feeling_item::ActiveModel {
            feeling_list_id: Set(id),
            position: Set(position as i32),
            perspective_id: Set(perspectives
                .get(&item.perspective)
                .copied()
                .unwrap_or_default()),
            text: Set(item.text.clone()),
            ..Default::default()
        });
    bundle_io::insert_all(&txn, rows).await?;
    content_version::bump(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Creates (`existing` = None) or replaces the step guide stored under `existing`; the slug may
/// change.
pub async fn save_step_guide(
    db: &DatabaseConnection,
    existing: Option<&str>,
    guide: &StepGuide,
    now: Timestamp,
) -> Result<(), WriteError> {
    let txn = db.begin().await?;
    let single = Bundle {
        version: 1,
        step_guides: vec![guide.clone()],
        ..Bundle::default()
    };
    validate_in_context(&txn, &single, "step_guides[0]").await?;
    let id = save_titled!(
        &txn,
        step_guide,
        existing,
        guide.slug.as_str(),
        guide.title.as_str(),
        now,
        "step guide"
    );
    guide_step::Entity::delete_many()
        .filter(guide_step::Column::StepGuideId.eq(id))
        .exec(&txn)
        .await?;
    let perspectives = perspective_ids(&txn).await?;
    let rows = guide
        .steps
        .iter()
        .enumerate()
        .map(|(position, step)| guide_step::ActiveModel {
            step_guide_id: Set(id),
            position: Set(position as i32),
            title: Set(step.title.clone()),
            body: Set(step.body.clone()),
            perspective_id: Set(step
                .perspective
                .as_ref()
                .and_then(|k| perspectives.get(k).copied())),
            ..Default::default()
        });
    bundle_io::insert_all(&txn, rows).await?;
    content_version::bump(&txn).await?;
    txn.commit().await?;
    Ok(())
}

async fn perspective_ids<C: ConnectionTrait>(
    db: &C,
) -> Result<std::collections::HashMap<String, i32>, DbErr> {
    Ok(perspective::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.key, p.id))
        .collect())
}

/// Deletes a feeling list no article uses.
pub async fn delete_feeling_list(db: &DatabaseConnection, slug: &str) -> Result<(), WriteError> {
    let txn = db.begin().await?;
    let row = feeling_list::Entity::find()
        .filter(feeling_list::Column::Slug.eq(slug))
        .one(&txn)
        .await?
        .ok_or(WriteError::NotFound)?;
    let users = articles_using(&txn, article_block::Column::FeelingListId, row.id).await?;
    if !users.is_empty() {
        return Err(WriteError::InUse(users));
    }
    feeling_list::Entity::delete_by_id(row.id)
        .exec(&txn)
        .await?;
    content_version::bump(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Deletes a step guide no article uses.
pub async fn delete_step_guide(db: &DatabaseConnection, slug: &str) -> Result<(), WriteError> {
    let txn = db.begin().await?;
    let row = step_guide::Entity::find()
        .filter(step_guide::Column::Slug.eq(slug))
        .one(&txn)
        .await?
        .ok_or(WriteError::NotFound)?;
    let users = articles_using(&txn, article_block::Column::StepGuideId, row.id).await?;
    if !users.is_empty() {
        return Err(WriteError::InUse(users));
    }
    step_guide::Entity::delete_by_id(row.id).exec(&txn).await?;
    content_version::bump(&txn).await?;
    txn.commit().await?;
    Ok(())
}

// ----- articles -----------------------------------------------------------------------------

/// An article as the editor sees it, with the version its form must carry.
#[derive(Debug, Clone)]
pub struct StoredArticle {
    pub article: Article,
    pub version: i32,
    pub updated_at: Timestamp,
}

pub async fn load_article(
    db: &DatabaseConnection,
    slug: &str,
) -> Result<Option<StoredArticle>, StorageError> {
    let Some(row) = article::Entity::find()
        .filter(article::Column::Slug.eq(slug))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let tags: Vec<String> = article_tag::Entity::find()
        .select_only()
        .column(article_tag::Column::Tag)
        .filter(article_tag::Column::ArticleId.eq(row.id))
        .order_by_asc(article_tag::Column::Tag)
        .into_tuple()
        .all(db)
        .await?;
    let stored_blocks = article_block::Entity::find()
        .filter(article_block::Column::ArticleId.eq(row.id))
        .order_by_asc(article_block::Column::Position)
        .all(db)
        .await?;
    // id → slug of everything blocks may refer to (small tables).
    let refs = References::load(db).await?;
    let lists: std::collections::HashMap<i32, String> =
        refs.feeling_list_pairs().into_iter().collect();
    let guides: std::collections::HashMap<i32, String> =
        refs.step_guide_pairs().into_iter().collect();
    let promos: std::collections::HashMap<i32, String> = refs.promo_pairs().into_iter().collect();
    let name = |map: &std::collections::HashMap<i32, String>, id: Option<i32>| {
        id.and_then(|id| map.get(&id).cloned()).unwrap_or_default()
    };
    let blocks = stored_blocks
        .into_iter()
        .map(|b| match b.kind.as_str() {
            "feelings" => Block::Feelings {
                reference: name(&lists, b.feeling_list_id),
            },
            "steps" => Block::Steps {
                reference: name(&guides, b.step_guide_id),
            },
            "promo" => Block::Promo {
                reference: name(&promos, b.promo_id),
            },
            _ => Block::Text {
                heading: b.heading,
                body: b.body.unwrap_or_default(),
            },
        })
        .collect();
    let article = Article {
        slug: row.slug,
        title: row.title,
        subtitle: row.subtitle,
        summary: row.summary,
        status: ArticleStatus::parse(&row.status).unwrap_or(ArticleStatus::Draft),
        published_at: row.published_at,
        tags,
        blocks,
    };
    Ok(Some(StoredArticle {
        article,
        version: row.version,
        updated_at: row.updated_at,
    }))
}

/// Saves an article: a new one (`existing` = None) or the one stored under `existing.0`, but only
/// if its version is still `existing.1`. Returns the new version.
pub async fn save_article(
    db: &DatabaseConnection,
    existing: Option<(&str, i32)>,
    draft: &Article,
    saved_by: &Author<'_>,
    now: Timestamp,
) -> Result<i32, WriteError> {
    let txn = db.begin().await?;
    validate_in_context(
        &txn,
        &Bundle {
            version: 1,
            articles: vec![draft.clone()],
            ..Bundle::default()
        },
        "articles[0]",
    )
    .await?;
    let current = match existing {
        Some((slug, _)) => Some(
            article::Entity::find()
                .filter(article::Column::Slug.eq(slug))
                .one(&txn)
                .await?
                .ok_or(WriteError::NotFound)?,
        ),
        None => None,
    };
    if let Some(clash) = article::Entity::find()
        .filter(article::Column::Slug.eq(&draft.slug))
        .one(&txn)
        .await?
        && current.as_ref().is_none_or(|c| c.id != clash.id)
    {
        return Err(invalid(
            "slug",
            format!("another article already uses \"{}\"", draft.slug),
        ));
    }
    let (id, version) = match (current, existing) {
        (Some(row), Some((_, expected))) => {
            if row.version != expected {
                return Err(WriteError::Conflict);
            }
            // The version check and the write are one statement, so two saves cannot both win.
            let updated = article::Entity::update_many()
                .col_expr(article::Column::Slug, draft.slug.clone().into())
                .col_expr(article::Column::Title, draft.title.clone().into())
                .col_expr(article::Column::Subtitle, draft.subtitle.clone().into())
                .col_expr(article::Column::Summary, draft.summary.clone().into())
                .col_expr(article::Column::Status, draft.status.as_str().into())
                .col_expr(article::Column::PublishedAt, draft.published_at.into())
                .col_expr(article::Column::SearchText, draft.search_text().into())
                .col_expr(article::Column::Version, (expected + 1).into())
                .col_expr(article::Column::UpdatedAt, now.into())
                .filter(article::Column::Id.eq(row.id))
                .filter(article::Column::Version.eq(expected))
                .exec(&txn)
                .await?;
            if updated.rows_affected != 1 {
                return Err(WriteError::Conflict);
            }
            (row.id, expected + 1)
        }
        _ => {
            let row = article::ActiveModel {
                slug: Set(draft.slug.clone()),
                title: Set(draft.title.clone()),
                subtitle: Set(draft.subtitle.clone()),
                summary: Set(draft.summary.clone()),
                status: Set(draft.status.as_str().to_owned()),
                published_at: Set(draft.published_at),
                search_text: Set(draft.search_text()),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            (row.id, 1)
        }
    };
    bundle_io::replace_tags(
        &txn,
        id,
        draft.tags.iter().cloned().collect::<BTreeSet<_>>(),
    )
    .await?;
    let refs = References::load(&txn).await?;
    bundle_io::replace_blocks(
        &txn,
        id,
        draft.blocks.iter().map(|b| block_row(b, &refs)).collect(),
    )
    .await?;
    record_revision(&txn, id, version, draft, saved_by, now).await?;
    content_version::bump(&txn).await?;
    txn.commit().await?;
    Ok(version)
}

pub async fn delete_article(db: &DatabaseConnection, slug: &str) -> Result<(), WriteError> {
    let txn = db.begin().await?;
    let row = article::Entity::find()
        .filter(article::Column::Slug.eq(slug))
        .one(&txn)
        .await?
        .ok_or(WriteError::NotFound)?;
    article::Entity::delete_by_id(row.id).exec(&txn).await?;
    content_version::bump(&txn).await?;
    txn.commit().await?;
    Ok(())
}

// ----- overviews for the admin lists ----------------------------------------------------------

/// Feeling lists (slug, title, number of articles using it), by title.
pub async fn feeling_lists_overview(
    db: &DatabaseConnection,
) -> Result<Vec<(String, String, usize)>, StorageError> {
    let mut out = Vec::new();
    for row in feeling_list::Entity::find()
        .order_by_asc(feeling_list::Column::Title)
        .order_by_asc(feeling_list::Column::Slug)
        .all(db)
        .await?
    {
        let used = articles_using(db, article_block::Column::FeelingListId, row.id)
            .await?
            .len();
        out.push((row.slug, row.title, used));
    }
    Ok(out)
}

/// Step guides (slug, title, number of articles using it), by title.
pub async fn step_guides_overview(
    db: &DatabaseConnection,
) -> Result<Vec<(String, String, usize)>, StorageError> {
    let mut out = Vec::new();
    for row in step_guide::Entity::find()
        .order_by_asc(step_guide::Column::Title)
        .order_by_asc(step_guide::Column::Slug)
        .all(db)
        .await?
    {
        let used = articles_using(db, article_block::Column::StepGuideId, row.id)
            .await?
            .len();
        out.push((row.slug, row.title, used));
    }
    Ok(out)
}

/// Articles (slug, title) using the feeling list with this slug.
pub async fn feeling_list_users(
    db: &DatabaseConnection,
    slug: &str,
) -> Result<Vec<(String, String)>, StorageError> {
    match feeling_list::Entity::find()
        .filter(feeling_list::Column::Slug.eq(slug))
        .one(db)
        .await?
    {
        Some(row) => Ok(articles_using(db, article_block::Column::FeelingListId, row.id).await?),
        None => Ok(Vec::new()),
    }
}

/// Articles (slug, title) using the step guide with this slug.
pub async fn step_guide_users(
    db: &DatabaseConnection,
    slug: &str,
) -> Result<Vec<(String, String)>, StorageError> {
    match step_guide::Entity::find()
        .filter(step_guide::Column::Slug.eq(slug))
        .one(db)
        .await?
    {
        Some(row) => Ok(articles_using(db, article_block::Column::StepGuideId, row.id).await?),
        None => Ok(Vec::new()),
    }
}

// ----- the editors' article list ------------------------------------------------------------

/// Filters of the admin's article list.
#[derive(Debug, Clone, Default)]
pub struct EditorFilter {
    pub words: Vec<String>,
    pub status: Option<ArticleStatus>,
    pub tag: Option<String>,
    /// Articles with a feeling or step from this perspective.
    pub perspective: Option<String>,
    pub sort: EditorSort,
    pub page: u64,
    pub per_page: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EditorSort {
    #[default]
    RecentlyChanged,
    Title,
    NewestPublished,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct EditorRow {
    pub slug: String,
    pub title: String,
    pub status: String,
    pub published_at: Option<String>,
    pub updated_at: String,
}

pub async fn editor_articles(
    db: &DatabaseConnection,
    filter: &EditorFilter,
) -> Result<(Vec<EditorRow>, u64), StorageError> {
    use sea_orm::Condition;
    use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Query};
    let mut condition = Condition::all();
    if let Some(status) = filter.status {
        condition = condition.add(article::Column::Status.eq(status.as_str()));
    }
    if let Some(tag) = &filter.tag {
        condition = condition.add(
            article::Column::Id.in_subquery(
                Query::select()
                    .column(article_tag::Column::ArticleId)
                    .from(article_tag::Entity)
                    .and_where(Expr::col(article_tag::Column::Tag).eq(tag.as_str()))
                    .to_owned(),
            ),
        );
    }
    if let Some(key) = &filter.perspective {
        let Some(p) = perspective::Entity::find()
            .filter(perspective::Column::Key.eq(key))
            .one(db)
            .await?
        else {
            return Ok((Vec::new(), 0));
        };
        let lists = Query::select()
            .column(feeling_item::Column::FeelingListId)
            .from(feeling_item::Entity)
            .and_where(Expr::col(feeling_item::Column::PerspectiveId).eq(p.id))
            .to_owned();
        let guides = Query::select()
            .column(guide_step::Column::StepGuideId)
            .from(guide_step::Entity)
            .and_where(Expr::col(guide_step::Column::PerspectiveId).eq(p.id))
            .to_owned();
        let blocks = Query::select()
            .column(article_block::Column::ArticleId)
            .from(article_block::Entity)
            .cond_where(
                Condition::any()
                    .add(article_block::Column::FeelingListId.in_subquery(lists))
                    .add(article_block::Column::StepGuideId.in_subquery(guides)),
            )
            .to_owned();
        condition = condition.add(article::Column::Id.in_subquery(blocks));
    }
    for word in &filter.words {
        let mut pattern = String::from("%");
        for c in word.to_lowercase().chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        condition = condition.add(
            Expr::col((article::Entity, article::Column::SearchText))
                .like(LikeExpr::new(pattern).escape('\\')),
        );
    }
    let total = article::Entity::find()
        .filter(condition.clone())
        .count(db)
        .await?;
    let mut query = article::Entity::find().filter(condition);
    query = match filter.sort {
        EditorSort::RecentlyChanged => query.order_by_desc(article::Column::UpdatedAt),
        EditorSort::Title => query.order_by_asc(article::Column::Title),
        EditorSort::NewestPublished => query.order_by_desc(article::Column::PublishedAt),
    };
    let rows = query
        .order_by_desc(article::Column::Id)
        .offset(filter.page.saturating_sub(1) * filter.per_page)
        .limit(filter.per_page)
        .all(db)
        .await?;
    let format = crate::domain::timestamp::format;
    Ok((
        rows.into_iter()
            .map(|a| EditorRow {
                published_at: a.published_at.as_ref().map(format),
                updated_at: format(&a.updated_at),
                slug: a.slug,
                title: a.title,
                status: a.status,
            })
            .collect(),
        total,
    ))
}

/// What an article block may refer to, for the editor's pickers: (slug, title) of every feeling
/// list and step guide, and (slug, title, kind) of every promo, by title.
pub struct BlockChoices {
    pub feeling_lists: Vec<(String, String)>,
    pub step_guides: Vec<(String, String)>,
    pub promos: Vec<(String, String, String)>,
}

pub async fn block_choices(db: &DatabaseConnection) -> Result<BlockChoices, StorageError> {
    use crate::storage::entities::promo;
    Ok(BlockChoices {
        feeling_lists: feeling_list::Entity::find()
            .select_only()
            .columns([feeling_list::Column::Slug, feeling_list::Column::Title])
            .order_by_asc(feeling_list::Column::Title)
            .into_tuple()
            .all(db)
            .await?,
        step_guides: step_guide::Entity::find()
            .select_only()
            .columns([step_guide::Column::Slug, step_guide::Column::Title])
            .order_by_asc(step_guide::Column::Title)
            .into_tuple()
            .all(db)
            .await?,
        promos: promo::Entity::find()
            .select_only()
            .columns([
                promo::Column::Slug,
                promo::Column::Title,
                promo::Column::Kind,
            ])
            .order_by_asc(promo::Column::Title)
            .into_tuple()
            .all(db)
            .await?,
    })
}

// ----- revisions --------------------------------------------------------------------------

/// Who saved: the user's id (if still known) and a name to show.
pub struct Author<'a> {
    pub user_id: Option<i32>,
    pub name: &'a str,
    /// Revisions kept per article; older ones are pruned.
    pub keep: u64,
}

async fn record_revision<C: ConnectionTrait>(
    db: &C,
    article_id: i32,
    version: i32,
    article: &Article,
    saved_by: &Author<'_>,
    now: Timestamp,
) -> Result<(), DbErr> {
    let content = serde_json::to_string(article).map_err(|e| DbErr::Custom(e.to_string()))?;
    article_revision::ActiveModel {
        article_id: Set(article_id),
        version: Set(version),
        saved_at: Set(now),
        user_id: Set(saved_by.user_id),
        author: Set(saved_by.name.chars().take(254).collect()),
        content: Set(content),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let stale: Vec<i64> = article_revision::Entity::find()
        .select_only()
        .column(article_revision::Column::Id)
        .filter(article_revision::Column::ArticleId.eq(article_id))
        .order_by_desc(article_revision::Column::Id)
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .skip(usize::try_from(saved_by.keep.max(1)).unwrap_or(usize::MAX))
        .collect();
    if !stale.is_empty() {
        article_revision::Entity::delete_many()
            .filter(article_revision::Column::Id.is_in(stale))
            .exec(db)
            .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct RevisionSummary {
    pub id: i64,
    pub version: i32,
    pub saved_at: String,
    pub author: String,
}

fn summary_of(row: &article_revision::Model) -> RevisionSummary {
    RevisionSummary {
        id: row.id,
        version: row.version,
        saved_at: crate::domain::timestamp::format(&row.saved_at),
        author: row.author.clone(),
    }
}

/// An article's revisions, newest first.
pub async fn revisions(
    db: &DatabaseConnection,
    slug: &str,
) -> Result<Option<Vec<RevisionSummary>>, StorageError> {
    let Some(row) = article::Entity::find()
        .filter(article::Column::Slug.eq(slug))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let rows = article_revision::Entity::find()
        .filter(article_revision::Column::ArticleId.eq(row.id))
        .order_by_desc(article_revision::Column::Id)
        .all(db)
        .await?;
    Ok(Some(rows.iter().map(summary_of).collect()))
}

/// One revision of the article with this slug, and the article it holds.
pub async fn revision(
    db: &DatabaseConnection,
    slug: &str,
    id: i64,
) -> Result<Option<(RevisionSummary, Article)>, StorageError> {
    let Some(article_row) = article::Entity::find()
        .filter(article::Column::Slug.eq(slug))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(row) = article_revision::Entity::find_by_id(id)
        .filter(article_revision::Column::ArticleId.eq(article_row.id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let article: Article = serde_json::from_str(&row.content)
        .map_err(|e| StorageError::Database(DbErr::Custom(format!("revision {id}: {e}"))))?;
    Ok(Some((summary_of(&row), article)))
}

/// Every tag in use, alphabetically (for the editor's tag suggestions).
pub async fn known_tags(db: &DatabaseConnection) -> Result<Vec<String>, StorageError> {
    Ok(article_tag::Entity::find()
        .select_only()
        .column(article_tag::Column::Tag)
        .distinct()
        .order_by_asc(article_tag::Column::Tag)
        .into_tuple()
        .all(db)
        .await?)
}

/// Whether some article has this tag.
pub async fn tag_in_use(db: &DatabaseConnection, tag: &str) -> Result<bool, StorageError> {
    Ok(article_tag::Entity::find()
        .filter(article_tag::Column::Tag.eq(tag))
        .count(db)
        .await?
        > 0)
}

/// Whether an article other than `except` already uses `slug`.
pub async fn article_slug_taken(
    db: &DatabaseConnection,
    slug: &str,
    except: Option<&str>,
) -> Result<bool, StorageError> {
    let mut query = article::Entity::find().filter(article::Column::Slug.eq(slug));
    if let Some(except) = except {
        query = query.filter(article::Column::Slug.ne(except));
    }
    Ok(query.count(db).await? > 0)
}
