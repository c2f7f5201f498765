//! Published articles: the list (filters, pages, search) and one article with its blocks
//! resolved.

use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::domain::content::{ArticleStatus, BlockKind, FeelingList, StepGuide};
use crate::domain::promotions::{promo_shows, window_next_change};
use crate::domain::publishing::article_is_public;
use crate::domain::search::SearchQuery;
use crate::domain::timestamp::Timestamp;
use crate::storage::StorageError;
use crate::storage::entities::{article, article_block, article_tag, perspective};
use crate::storage::library::{self, StoredPiece, Which};
use crate::storage::promos::promo_from_row;
use crate::storage::public_read::anchors::ListAnchors;
use crate::storage::public_read::library::{feeling_list_view, step_guide_view};
use crate::storage::public_read::pages::{self, PageIds, Selection};
use crate::storage::public_read::{
    ArticleSummary, PublishedArticle, PublishedBlock, TimeBound, promos_by_id,
};

/// Filters for the article list: a tag, a search (ranked by relevance), a page.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    pub page: u64,
    pub per_page: u64,
    pub tag: Option<String>,
    pub search: Option<SearchQuery>,
}

#[derive(Debug, Clone)]
pub struct ArticlePage {
    pub items: Vec<ArticleSummary>,
    pub total: u64,
}

/// The columns of an article's summary, as selected.
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
struct SummaryRow {
    id: i32,
    slug: String,
    title: String,
    subtitle: Option<String>,
    summary: Option<String>,
    status: ArticleStatus,
    published_at: Option<Timestamp>,
    updated_at: Timestamp,
}

impl SummaryRow {
    fn into_summary(self, tags: Vec<String>) -> Option<ArticleSummary> {
        Some(ArticleSummary {
            slug: self.slug,
            title: self.title,
            subtitle: self.subtitle,
            summary: self.summary,
            tags,
            published_at: self.published_at?,
            updated_at: self.updated_at,
        })
    }
}

fn summary_columns<E: EntityTrait<Column = article::Column>>(
    select: sea_orm::Select<E>,
) -> sea_orm::Select<E> {
    select.select_only().columns([
        article::Column::Id,
        article::Column::Slug,
        article::Column::Title,
        article::Column::Subtitle,
        article::Column::Summary,
        article::Column::Status,
        article::Column::PublishedAt,
        article::Column::UpdatedAt,
    ])
}

/// One page of published articles (newest first, or by relevance for a search), with the
/// moment the list next changes by itself (the earliest scheduled article still to go live).
pub async fn list_articles<C: ConnectionTrait>(
    db: &C,
    anchors: &ListAnchors,
    filter: &ArticleFilter,
    now: Timestamp,
) -> Result<TimeBound<ArticlePage>, StorageError> {
    let selection = Selection {
        tag: filter.tag.as_deref(),
        anchors,
        search: filter.search.as_ref(),
        offset: filter
            .page
            .saturating_sub(1)
            .saturating_mul(filter.per_page),
        limit: filter.per_page,
    };
    let PageIds { ids, total } = pages::page(db, &selection, now).await?;
    let mut rows: HashMap<i32, SummaryRow> = if ids.is_empty() {
        HashMap::new()
    } else {
        summary_columns(article::Entity::find())
            .filter(article::Column::Id.is_in(ids.clone()))
            .into_model::<SummaryRow>()
            .all(db)
            .await?
            .into_iter()
            .map(|row| (row.id, row))
            .collect()
    };
    let mut tags = tags_of(db, ids.clone()).await?;
    let changes_at = next_scheduled(db, now).await?;
    let items = ids
        .iter()
        .filter_map(|id| {
            let row = rows.remove(id)?;
            row.into_summary(tags.remove(id).unwrap_or_default())
        })
        .collect();
    Ok(TimeBound {
        value: ArticlePage { items, total },
        changes_at,
    })
}

/// The earliest moment a scheduled article goes live after `now` (a walk of one index entry).
async fn next_scheduled<C: ConnectionTrait>(
    db: &C,
    now: Timestamp,
) -> Result<Option<Timestamp>, StorageError> {
    let visible_from = Expr::col(Alias::new("visible_from"));
    Ok(article::Entity::find()
        .select_only()
        .column_as(visible_from.clone().min(), "next")
        .filter(visible_from.gt(now))
        .into_tuple::<Option<Timestamp>>()
        .one(db)
        .await?
        .flatten())
}

async fn tags_of<C: ConnectionTrait>(
    db: &C,
    article_ids: Vec<i32>,
) -> Result<HashMap<i32, Vec<String>>, StorageError> {
    let mut tags: HashMap<i32, Vec<String>> = HashMap::new();
    if article_ids.is_empty() {
        return Ok(tags);
    }
    for row in article_tag::Entity::find()
        .filter(article_tag::Column::ArticleId.is_in(article_ids))
        .order_by_asc(article_tag::Column::Tag)
        .all(db)
        .await?
    {
        tags.entry(row.article_id).or_default().push(row.tag);
    }
    Ok(tags)
}

/// One published article with its blocks resolved, or `None` when readers may not see it.
pub async fn find_article<C: ConnectionTrait>(
    db: &C,
    slug: &str,
    now: Timestamp,
) -> Result<Option<TimeBound<PublishedArticle>>, StorageError> {
    resolve_article(db, slug, now, true).await
}

/// Any article, whatever its status, resolved as readers would see it now (for previews).
pub async fn find_article_for_preview<C: ConnectionTrait>(
    db: &C,
    slug: &str,
    now: Timestamp,
) -> Result<Option<PublishedArticle>, StorageError> {
    Ok(resolve_article(db, slug, now, false)
        .await?
        .map(|found| found.value))
}

/// The pieces with these ids, as the API shows them.
async fn pieces<P: StoredPiece, C: ConnectionTrait>(
    db: &C,
    ids: Vec<i32>,
    keys: &HashMap<i32, String>,
) -> Result<HashMap<i32, P>, StorageError> {
    let headers = library::headers::<P, C>(db, Which::Ids(ids)).await?;
    if headers.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(library::assemble::<P, C>(db, headers, keys)
        .await?
        .into_iter()
        .collect())
}

async fn resolve_article<C: ConnectionTrait>(
    db: &C,
    slug: &str,
    now: Timestamp,
    public_only: bool,
) -> Result<Option<TimeBound<PublishedArticle>>, StorageError> {
    let row: Option<SummaryRow> = summary_columns(article::Entity::find())
        .filter(article::Column::Slug.eq(slug))
        .into_model()
        .one(db)
        .await?;
    let Some(mut row) =
        row.filter(|r| !public_only || article_is_public(r.status, r.published_at, now))
    else {
        return Ok(None);
    };
    if !public_only && row.published_at.is_none() {
        row.published_at = Some(now);
    }
    let id = row.id;
    let tags = tags_of(db, vec![id]).await?.remove(&id).unwrap_or_default();
    let blocks = article_block::Entity::find()
        .filter(article_block::Column::ArticleId.eq(id))
        .order_by_asc(article_block::Column::Position)
        .all(db)
        .await?;

    let list_ids: Vec<i32> = blocks.iter().filter_map(|b| b.feeling_list_id).collect();
    let guide_ids: Vec<i32> = blocks.iter().filter_map(|b| b.step_guide_id).collect();
    let promo_ids: Vec<i32> = blocks.iter().filter_map(|b| b.promo_id).collect();
    let perspectives = if list_ids.is_empty() && guide_ids.is_empty() {
        Vec::new()
    } else {
        perspective::Entity::find().all(db).await?
    };
    let keys: HashMap<i32, String> = perspectives.iter().map(|p| (p.id, p.key.clone())).collect();
    let labels: HashMap<String, String> =
        perspectives.into_iter().map(|p| (p.key, p.label)).collect();
    let mut lists = pieces::<FeelingList, C>(db, list_ids, &keys).await?;
    let mut guides = pieces::<StepGuide, C>(db, guide_ids, &keys).await?;
    let promos = promos_by_id(db, promo_ids).await?;

    let mut changes_at: Option<Timestamp> = None;
    let mut resolved = Vec::with_capacity(blocks.len());
    for block in blocks {
        let view = match block.kind {
            BlockKind::Text => Some(PublishedBlock::Text {
                heading: block.heading,
                body: block.body.unwrap_or_default(),
            }),
            // A list or guide used twice in one article is cloned for its second use.
            BlockKind::Feelings => block
                .feeling_list_id
                .and_then(|id| lists.get_mut(&id).map(|l| l.clone()))
                .map(|l| PublishedBlock::Feelings(feeling_list_view(l, &labels))),
            BlockKind::Steps => block
                .step_guide_id
                .and_then(|id| guides.get_mut(&id).map(|g| g.clone()))
                .map(|g| PublishedBlock::Steps(step_guide_view(g))),
            BlockKind::Promo => block.promo_id.and_then(|id| promos.get(&id)).and_then(|p| {
                changes_at = TimeBound::<()>::earliest(
                    changes_at,
                    window_next_change(p.starts_at, p.ends_at, now),
                );
                promo_shows(p.paused, p.starts_at, p.ends_at, now)
                    .then(|| PublishedBlock::Promo(promo_from_row(p)))
            }),
        };
        resolved.extend(view);
    }
    let Some(summary) = row.into_summary(tags) else {
        return Ok(None);
    };
    Ok(Some(TimeBound {
        value: PublishedArticle {
            summary,
            blocks: resolved,
        },
        changes_at,
    }))
}
