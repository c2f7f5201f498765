//! The queries behind the public API: published content only, in a bounded number of queries.
//!
//! Reading an article costs at most nine queries whatever its number of blocks (one per table,
//! never one per block); listing never touches blocks. Every read runs in one snapshot
//! transaction so it cannot mix two versions of the content. Each result also says when it will
//! next change by the clock alone (a scheduled article going live, a promo starting or ending),
//! so a cache knows how long it may keep it.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::domain::content::{ArticleStatus, PromoKind};
use crate::domain::publishing::{
    READABLE_STATUSES, article_is_public, promo_is_running, promo_next_change,
};
use crate::domain::timestamp::Timestamp;
use crate::storage::entities::{
    article, article_block, article_tag, feeling_item, feeling_list, guide_step, perspective,
    promo, step_guide,
};
use crate::storage::{StorageError, begin_snapshot};

#[derive(Debug, Clone)]
pub struct ArticleSummary {
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub summary: Option<String>,
    pub tags: Vec<String>,
    pub published_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct PublishedArticle {
    pub summary: ArticleSummary,
    pub blocks: Vec<PublishedBlock>,
}

#[derive(Debug, Clone)]
pub enum PublishedBlock {
    Text {
        heading: Option<String>,
        body: String,
    },
    Feelings(FeelingListView),
    Steps(StepGuideView),
    Promo(PromoView),
}

#[derive(Debug, Clone)]
pub struct FeelingListView {
    pub slug: String,
    pub title: String,
    pub items: Vec<FeelingView>,
}

#[derive(Debug, Clone)]
pub struct FeelingView {
    pub perspective: String,
    pub perspective_label: String,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct StepGuideView {
    pub slug: String,
    pub title: String,
    pub steps: Vec<StepView>,
}

#[derive(Debug, Clone)]
pub struct StepView {
    pub title: String,
    pub body: String,
    pub perspective: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PromoView {
    pub slug: String,
    pub kind: PromoKind,
    pub eyebrow: Option<String>,
    pub title: String,
    pub body: Option<String>,
    pub icon: Option<String>,
    pub cta_label: Option<String>,
    pub target_url: String,
    pub disclosure: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PerspectiveView {
    pub key: String,
    pub label: String,
}

/// A value read at `now`, and the next moment the clock alone would change it.
#[derive(Debug, Clone)]
pub struct TimeBound<T> {
    pub value: T,
    pub changes_at: Option<Timestamp>,
}

/// Filters for the article list; `words` are matched (all of them) case-insensitively.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    pub page: u64,
    pub per_page: u64,
    pub tag: Option<String>,
    pub words: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ArticlePage {
    pub items: Vec<ArticleSummary>,
    pub total: u64,
}

type SummaryRow = (
    i32,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<Timestamp>,
    Timestamp,
);

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

fn readable_statuses() -> Vec<&'static str> {
    READABLE_STATUSES.iter().map(|s| s.as_str()).collect()
}

/// The SQL twin of [`article_is_public`].
fn public_at(now: Timestamp) -> Condition {
    Condition::all()
        .add(article::Column::Status.is_in(readable_statuses()))
        .add(article::Column::PublishedAt.is_not_null())
        .add(article::Column::PublishedAt.lte(now))
}

/// Escapes `%`, `_` and `\` so user words match literally inside LIKE.
fn like_contains(word: &str) -> String {
    let mut pattern = String::with_capacity(word.len() + 2);
    pattern.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// One page of published articles, newest first, with the moment the list next changes by itself
/// (the earliest scheduled article still to go live).
pub async fn list_articles(
    db: &DatabaseConnection,
    filter: &ArticleFilter,
    now: Timestamp,
) -> Result<TimeBound<ArticlePage>, StorageError> {
    let txn = begin_snapshot(db).await?;
    let mut condition = public_at(now);
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
    for word in &filter.words {
        condition = condition.add(
            Expr::col((article::Entity, article::Column::SearchText))
                .like(LikeExpr::new(like_contains(&word.to_lowercase())).escape('\\')),
        );
    }
    let total = article::Entity::find()
        .filter(condition.clone())
        .count(&txn)
        .await?;
    let rows: Vec<SummaryRow> = summary_columns(article::Entity::find())
        .filter(condition)
        .order_by_desc(article::Column::PublishedAt)
        .order_by_desc(article::Column::Id)
        .offset(
            filter
                .page
                .saturating_sub(1)
                .saturating_mul(filter.per_page),
        )
        .limit(filter.per_page)
        .into_tuple()
        .all(&txn)
        .await?;
    let mut tags = tags_of(&txn, rows.iter().map(|r| r.0).collect()).await?;
    let changes_at = next_scheduled(&txn, now).await?;
    txn.commit().await?;
    let items = rows
        .into_iter()
        .filter_map(|row| {
            let id = row.0;
            to_summary(row, tags.remove(&id).unwrap_or_default())
        })
        .collect();
    Ok(TimeBound {
        value: ArticlePage { items, total },
        changes_at,
    })
}

async fn next_scheduled<C: ConnectionTrait>(
    db: &C,
    now: Timestamp,
) -> Result<Option<Timestamp>, StorageError> {
    Ok(article::Entity::find()
        .select_only()
        .column_as(article::Column::PublishedAt.min(), "next")
        .filter(article::Column::Status.is_in(readable_statuses()))
        .filter(article::Column::PublishedAt.gt(now))
        .into_tuple::<Option<Timestamp>>()
        .one(db)
        .await?
        .flatten())
}

fn to_summary(row: SummaryRow, tags: Vec<String>) -> Option<ArticleSummary> {
    let (_, slug, title, subtitle, summary, _, published_at, updated_at) = row;
    Some(ArticleSummary {
        slug,
        title,
        subtitle,
        summary,
        tags,
        published_at: published_at?,
        updated_at,
    })
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
pub async fn find_article(
    db: &DatabaseConnection,
    slug: &str,
    now: Timestamp,
) -> Result<Option<TimeBound<PublishedArticle>>, StorageError> {
    resolve_article(db, slug, now, true).await
}

/// Any article, whatever its status, resolved as readers would see it now (for previews).
pub async fn find_article_for_preview(
    db: &DatabaseConnection,
    slug: &str,
    now: Timestamp,
) -> Result<Option<PublishedArticle>, StorageError> {
    Ok(resolve_article(db, slug, now, false)
        .await?
        .map(|found| found.value))
}

async fn resolve_article(
    db: &DatabaseConnection,
    slug: &str,
    now: Timestamp,
    public_only: bool,
) -> Result<Option<TimeBound<PublishedArticle>>, StorageError> {
    let txn = begin_snapshot(db).await?;
    let row: Option<SummaryRow> = summary_columns(article::Entity::find())
        .filter(article::Column::Slug.eq(slug))
        .into_tuple()
        .one(&txn)
        .await?;
    let Some(mut row) = row.filter(|r| {
        !public_only
            || ArticleStatus::parse(&r.5).is_some_and(|status| article_is_public(status, r.6, now))
    }) else {
        return Ok(None);
    };
    if !public_only && row.6.is_none() {
        row.6 = Some(now);
    }
    let id = row.0;
    let tags = tags_of(&txn, vec![id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let blocks = article_block::Entity::find()
        .filter(article_block::Column::ArticleId.eq(id))
        .order_by_asc(article_block::Column::Position)
        .all(&txn)
        .await?;

    let list_ids: Vec<i32> = blocks.iter().filter_map(|b| b.feeling_list_id).collect();
    let guide_ids: Vec<i32> = blocks.iter().filter_map(|b| b.step_guide_id).collect();
    let promo_ids: Vec<i32> = blocks.iter().filter_map(|b| b.promo_id).collect();
    let perspectives = if list_ids.is_empty() && guide_ids.is_empty() {
        HashMap::new()
    } else {
        perspectives_by_id(&txn).await?
    };
    let lists = feeling_lists_by_id(&txn, list_ids, &perspectives).await?;
    let guides = step_guides_by_id(&txn, guide_ids, &perspectives).await?;
    let promos = promos_by_id(&txn, promo_ids).await?;
    txn.commit().await?;

    let mut changes_at: Option<Timestamp> = None;
    let mut resolved = Vec::with_capacity(blocks.len());
    for block in blocks {
        let view = match block.kind.as_str() {
            "text" => Some(PublishedBlock::Text {
                heading: block.heading,
                body: block.body.unwrap_or_default(),
            }),
            // A list or guide used twice in one article is cloned for its second use.
            "feelings" => block
                .feeling_list_id
                .and_then(|id| lists.get(&id).cloned())
                .map(PublishedBlock::Feelings),
            "steps" => block
                .step_guide_id
                .and_then(|id| guides.get(&id).cloned())
                .map(PublishedBlock::Steps),
            "promo" => block.promo_id.and_then(|id| promos.get(&id)).and_then(|p| {
                if let Some(t) = promo_next_change(p.starts_at, p.ends_at, now) {
                    changes_at = Some(changes_at.map_or(t, |c| Ord::min(c, t)));
                }
                (!p.paused && promo_is_running(p.starts_at, p.ends_at, now))
                    .then(|| promo_view(p))
                    .flatten()
                    .map(PublishedBlock::Promo)
            }),
            _ => None,
        };
        resolved.extend(view);
    }
    let Some(summary) = to_summary(row, tags) else {
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

/// Promo rows by id (no query for none).
pub(crate) async fn promos_by_id<C: ConnectionTrait>(
    db: &C,
    ids: Vec<i32>,
) -> Result<HashMap<i32, promo::Model>, StorageError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(promo::Entity::find()
        .filter(promo::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect())
}

pub(crate) fn promo_view(p: &promo::Model) -> Option<PromoView> {
    Some(PromoView {
        slug: p.slug.clone(),
        kind: PromoKind::parse(&p.kind)?,
        eyebrow: p.eyebrow.clone(),
        title: p.title.clone(),
        body: p.body.clone(),
        icon: p.icon.clone(),
        cta_label: p.cta_label.clone(),
        target_url: p.target_url.clone(),
        disclosure: p.disclosure.clone(),
    })
}

async fn perspectives_by_id<C: ConnectionTrait>(
    db: &C,
) -> Result<HashMap<i32, PerspectiveView>, StorageError> {
    Ok(perspective::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| {
            (
                p.id,
                PerspectiveView {
                    key: p.key,
                    label: p.label,
                },
            )
        })
        .collect())
}

async fn feeling_lists_by_id<C: ConnectionTrait>(
    db: &C,
    ids: Vec<i32>,
    perspectives: &HashMap<i32, PerspectiveView>,
) -> Result<HashMap<i32, FeelingListView>, StorageError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut lists: HashMap<i32, FeelingListView> = feeling_list::Entity::find()
        .filter(feeling_list::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|l| {
            (
                l.id,
                FeelingListView {
                    slug: l.slug,
                    title: l.title,
                    items: Vec::new(),
                },
            )
        })
        .collect();
    for item in feeling_item::Entity::find()
        .filter(feeling_item::Column::FeelingListId.is_in(ids))
        .order_by_asc(feeling_item::Column::FeelingListId)
        .order_by_asc(feeling_item::Column::Position)
        .all(db)
        .await?
    {
        let (Some(list), Some(p)) = (
            lists.get_mut(&item.feeling_list_id),
            perspectives.get(&item.perspective_id),
        ) else {
            continue;
        };
        list.items.push(FeelingView {
            perspective: p.key.clone(),
            perspective_label: p.label.clone(),
            text: item.text,
        });
    }
    Ok(lists)
}

async fn step_guides_by_id<C: ConnectionTrait>(
    db: &C,
    ids: Vec<i32>,
    perspectives: &HashMap<i32, PerspectiveView>,
) -> Result<HashMap<i32, StepGuideView>, StorageError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut guides: HashMap<i32, StepGuideView> = step_guide::Entity::find()
        .filter(step_guide::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|g| {
            (
                g.id,
                StepGuideView {
                    slug: g.slug,
                    title: g.title,
                    steps: Vec::new(),
                },
            )
        })
        .collect();
    for step in guide_step::Entity::find()
        .filter(guide_step::Column::StepGuideId.is_in(ids))
        .order_by_asc(guide_step::Column::StepGuideId)
        .order_by_asc(guide_step::Column::Position)
        .all(db)
        .await?
    {
        if let Some(guide) = guides.get_mut(&step.step_guide_id) {
            guide.steps.push(StepView {
                title: step.title,
                body: step.body,
                perspective: step
                    .perspective_id
                    .and_then(|id| perspectives.get(&id))
                    .map(|p| p.key.clone()),
            });
        }
    }
    Ok(guides)
}

pub async fn find_feeling_list(
    db: &DatabaseConnection,
    slug: &str,
) -> Result<Option<FeelingListView>, StorageError> {
    let txn = begin_snapshot(db).await?;
    let Some(row) = feeling_list::Entity::find()
        .filter(feeling_list::Column::Slug.eq(slug))
        .one(&txn)
        .await?
    else {
        return Ok(None);
    };
    let perspectives = perspectives_by_id(&txn).await?;
    let list = feeling_lists_by_id(&txn, vec![row.id], &perspectives)
        .await?
        .remove(&row.id);
    txn.commit().await?;
    Ok(list)
}

pub async fn find_step_guide(
    db: &DatabaseConnection,
    slug: &str,
) -> Result<Option<StepGuideView>, StorageError> {
    let txn = begin_snapshot(db).await?;
    let Some(row) = step_guide::Entity::find()
        .filter(step_guide::Column::Slug.eq(slug))
        .one(&txn)
        .await?
    else {
        return Ok(None);
    };
    let perspectives = perspectives_by_id(&txn).await?;
    let guide = step_guides_by_id(&txn, vec![row.id], &perspectives)
        .await?
        .remove(&row.id);
    txn.commit().await?;
    Ok(guide)
}

/// A promo, only while it is running (inside its window, not paused).
pub async fn find_running_promo(
    db: &DatabaseConnection,
    slug: &str,
    now: Timestamp,
) -> Result<Option<TimeBound<PromoView>>, StorageError> {
    let row = promo::Entity::find()
        .filter(promo::Column::Slug.eq(slug))
        .one(db)
        .await?;
    Ok(row
        .filter(|p| !p.paused && promo_is_running(p.starts_at, p.ends_at, now))
        .and_then(|p| {
            Some(TimeBound {
                changes_at: promo_next_change(p.starts_at, p.ends_at, now),
                value: promo_view(&p)?,
            })
        }))
}

pub async fn list_perspectives(
    db: &DatabaseConnection,
) -> Result<Vec<PerspectiveView>, StorageError> {
    Ok(perspective::Entity::find()
        .order_by_asc(perspective::Column::Position)
        .order_by_asc(perspective::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|p| PerspectiveView {
            key: p.key,
            label: p.label,
        })
        .collect())
}
