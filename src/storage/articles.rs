//! Article rows: reading one as the editor sees it, writing its header, tags and blocks (the
//! operations in [`crate::operations::articles`] decide what to write), deleting, the slug and
//! tag lookups the editor needs, and which articles use a piece.

use std::collections::{BTreeSet, HashMap};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::domain::content::{Article, ArticleStatus, BlockKind};
use crate::domain::publishing::READABLE_STATUSES;
use crate::domain::timestamp::Timestamp;
use crate::storage::entities::{article, article_block, article_tag};
use crate::storage::insert_all;
use crate::storage::library::References;

/// The SQL twin of [`crate::domain::publishing::article_is_public`].
pub(crate) fn visible_at(now: Timestamp) -> Condition {
    Condition::all()
        .add(article::Column::Status.is_in(READABLE_STATUSES))
        .add(article::Column::PublishedAt.is_not_null())
        .add(article::Column::PublishedAt.lte(now))
}

/// Articles whose search text contains `word`, case-insensitively; `%`, `_` and `\` in it match
/// themselves.
pub(crate) fn contains_word(word: &str) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
    let mut pattern = String::from("%");
    for c in word.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Expr::col((article::Entity, article::Column::SearchText))
        .like(LikeExpr::new(pattern).escape('\\'))
}

/// An article as the editor sees it, with the version its form must carry.
#[derive(Debug, Clone)]
pub struct StoredArticle {
    pub id: i32,
    pub article: Article,
    pub version: i32,
    pub updated_at: Timestamp,
}

/// The article row with this slug, if any.
pub async fn row_by_slug<C: ConnectionTrait>(
    db: &C,
    slug: &str,
) -> Result<Option<article::Model>, DbErr> {
    article::Entity::find()
        .filter(article::Column::Slug.eq(slug))
        .one(db)
        .await
}

/// One article with its tags (alphabetically) and blocks (in order).
pub async fn load<C: ConnectionTrait>(db: &C, slug: &str) -> Result<Option<StoredArticle>, DbErr> {
    let Some(row) = row_by_slug(db, slug).await? else {
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
    let refs = References::load(db).await?;
    let blocks = stored_blocks
        .into_iter()
        .map(|b| refs.block(BlockRow::of(b)))
        .collect();
    Ok(Some(StoredArticle {
        id: row.id,
        version: row.version,
        updated_at: row.updated_at,
        article: Article {
            slug: row.slug,
            title: row.title,
            subtitle: row.subtitle,
            summary: row.summary,
            status: row.status,
            published_at: row.published_at,
            tags,
            blocks,
        },
    }))
}

/// The header columns of `article` (everything but tags and blocks) on a row.
fn set_header(row: &mut article::ActiveModel, article: &Article) {
    row.slug = Set(article.slug.clone());
    row.title = Set(article.title.clone());
    row.subtitle = Set(article.subtitle.clone());
    row.summary = Set(article.summary.clone());
    row.status = Set(article.status);
    row.published_at = Set(article.published_at);
    row.search_text = Set(article.search_text());
    row.body_text = Set(article.body_text());
}

/// Inserts a new article's row (version 1); returns its id.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    article: &Article,
    now: Timestamp,
) -> Result<i32, DbErr> {
    let mut row = article::ActiveModel {
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    set_header(&mut row, article);
    Ok(row.insert(db).await?.id)
}

/// Rewrites the header of the article `id`, but only while its version is still `expected`
/// (the check and the write are one statement, so two saves cannot both win); returns whether
/// it was written. The version becomes `expected + 1`.
pub async fn update_if_version<C: ConnectionTrait>(
    db: &C,
    id: i32,
    expected: i32,
    article: &Article,
    now: Timestamp,
) -> Result<bool, DbErr> {
    let updated = article::Entity::update_many()
        .col_expr(article::Column::Slug, article.slug.clone().into())
        .col_expr(article::Column::Title, article.title.clone().into())
        .col_expr(article::Column::Subtitle, article.subtitle.clone().into())
        .col_expr(article::Column::Summary, article.summary.clone().into())
        .col_expr(article::Column::Status, article.status.into())
        .col_expr(article::Column::PublishedAt, article.published_at.into())
        .col_expr(article::Column::SearchText, article.search_text().into())
        .col_expr(article::Column::BodyText, article.body_text().into())
        .col_expr(article::Column::Version, (expected + 1).into())
        .col_expr(article::Column::UpdatedAt, now.into())
        .filter(article::Column::Id.eq(id))
        .filter(article::Column::Version.eq(expected))
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

pub async fn delete<C: ConnectionTrait>(db: &C, id: i32) -> Result<(), DbErr> {
    article::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Replaces an article's tags; `visible_from` is the article's (see
/// [`crate::domain::publishing::visible_from`]).
pub async fn replace_tags<C: ConnectionTrait>(
    db: &C,
    article_id: i32,
    tags: &BTreeSet<String>,
    visible_from: Option<Timestamp>,
) -> Result<(), DbErr> {
    article_tag::Entity::delete_many()
        .filter(article_tag::Column::ArticleId.eq(article_id))
        .exec(db)
        .await?;
    insert_all(
        db,
        tags.iter().map(|tag| article_tag::ActiveModel {
            article_id: Set(article_id),
            tag: Set(tag.clone()),
            visible_from: Set(visible_from),
        }),
    )
    .await
}

/// A block as stored: its kind, heading and body (text), and the one id its kind refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRow {
    pub kind: BlockKind,
    pub heading: Option<String>,
    pub body: Option<String>,
    pub feeling_list_id: Option<i32>,
    pub step_guide_id: Option<i32>,
    pub promo_id: Option<i32>,
}

impl BlockRow {
    pub(crate) fn of(row: article_block::Model) -> Self {
        Self {
            kind: row.kind,
            heading: row.heading,
            body: row.body,
            feeling_list_id: row.feeling_list_id,
            step_guide_id: row.step_guide_id,
            promo_id: row.promo_id,
        }
    }
}

/// Replaces an article's blocks, keeping their order.
pub async fn replace_blocks<C: ConnectionTrait>(
    db: &C,
    article_id: i32,
    blocks: Vec<BlockRow>,
) -> Result<(), DbErr> {
    article_block::Entity::delete_many()
        .filter(article_block::Column::ArticleId.eq(article_id))
        .exec(db)
        .await?;
    let rows = blocks
        .into_iter()
        .enumerate()
        .map(|(position, b)| block_model(article_id, position, b));
    insert_all(db, rows).await
}

/// Inserts new articles' rows (version 1) with multi-row statements; returns slug → id.
pub async fn insert_many<C: ConnectionTrait>(
    db: &C,
    articles: &[&Article],
    now: Timestamp,
) -> Result<HashMap<String, i32>, DbErr> {
    if articles.is_empty() {
        return Ok(HashMap::new());
    }
    insert_all(
        db,
        articles.iter().map(|a| {
            let mut row = article::ActiveModel {
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            };
            set_header(&mut row, a);
            row
        }),
    )
    .await?;
    let slugs: Vec<String> = articles.iter().map(|a| a.slug.clone()).collect();
    let ids: Vec<(i32, String)> = article::Entity::find()
        .select_only()
        .columns([article::Column::Id, article::Column::Slug])
        .filter(article::Column::Slug.is_in(slugs))
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().map(|(id, slug)| (slug, id)).collect())
}

/// Deletes every tag of the articles `ids` (before their new tags are inserted).
pub async fn delete_tags_of<C: ConnectionTrait>(db: &C, ids: &[i32]) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    article_tag::Entity::delete_many()
        .filter(article_tag::Column::ArticleId.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

/// Inserts the tags of several articles with multi-row statements: (article id, tags, its
/// `visible_from`).
pub async fn insert_tags<C: ConnectionTrait>(
    db: &C,
    tags: Vec<(i32, BTreeSet<String>, Option<Timestamp>)>,
) -> Result<(), DbErr> {
    insert_all(
        db,
        tags.into_iter()
            .flat_map(|(article_id, tags, visible_from)| {
                tags.into_iter().map(move |tag| article_tag::ActiveModel {
                    article_id: Set(article_id),
                    tag: Set(tag),
                    visible_from: Set(visible_from),
                })
            }),
    )
    .await
}

/// Deletes every block of the articles `ids` (before their new blocks are inserted).
pub async fn delete_blocks_of<C: ConnectionTrait>(db: &C, ids: &[i32]) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    article_block::Entity::delete_many()
        .filter(article_block::Column::ArticleId.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

/// Inserts the blocks of several articles with multi-row statements, each in its order.
pub async fn insert_blocks<C: ConnectionTrait>(
    db: &C,
    blocks: Vec<(i32, Vec<BlockRow>)>,
) -> Result<(), DbErr> {
    insert_all(
        db,
        blocks.into_iter().flat_map(|(article_id, rows)| {
            rows.into_iter()
                .enumerate()
                .map(move |(position, b)| block_model(article_id, position, b))
        }),
    )
    .await
}

fn block_model(article_id: i32, position: usize, b: BlockRow) -> article_block::ActiveModel {
    article_block::ActiveModel {
        article_id: Set(article_id),
        position: Set(position as i32),
        kind: Set(b.kind),
        heading: Set(b.heading),
        body: Set(b.body),
        feeling_list_id: Set(b.feeling_list_id),
        step_guide_id: Set(b.step_guide_id),
        promo_id: Set(b.promo_id),
        ..Default::default()
    }
}

/// The tags of the articles `ids`, by article id.
pub async fn tags_of<C: ConnectionTrait>(
    db: &C,
    ids: &[i32],
) -> Result<HashMap<i32, BTreeSet<String>>, DbErr> {
    let mut tags: HashMap<i32, BTreeSet<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(tags);
    }
    for row in article_tag::Entity::find()
        .filter(article_tag::Column::ArticleId.is_in(ids.iter().copied()))
        .all(db)
        .await?
    {
        tags.entry(row.article_id).or_default().insert(row.tag);
    }
    Ok(tags)
}

/// The blocks of the articles `ids` as stored, in order, by article id.
pub async fn blocks_of<C: ConnectionTrait>(
    db: &C,
    ids: &[i32],
) -> Result<HashMap<i32, Vec<BlockRow>>, DbErr> {
    let mut blocks: HashMap<i32, Vec<BlockRow>> = HashMap::new();
    if ids.is_empty() {
        return Ok(blocks);
    }
    for row in article_block::Entity::find()
        .filter(article_block::Column::ArticleId.is_in(ids.iter().copied()))
        .order_by_asc(article_block::Column::ArticleId)
        .order_by_asc(article_block::Column::Position)
        .all(db)
        .await?
    {
        blocks
            .entry(row.article_id)
            .or_default()
            .push(BlockRow::of(row));
    }
    Ok(blocks)
}

/// Every article's tags (for an import to compare with), by article id.
pub async fn all_tags<C: ConnectionTrait>(db: &C) -> Result<HashMap<i32, BTreeSet<String>>, DbErr> {
    let mut tags: HashMap<i32, BTreeSet<String>> = HashMap::new();
    for row in article_tag::Entity::find().all(db).await? {
        tags.entry(row.article_id).or_default().insert(row.tag);
    }
    Ok(tags)
}

/// Every article's blocks as stored, in order, by article id.
pub async fn all_blocks<C: ConnectionTrait>(db: &C) -> Result<HashMap<i32, Vec<BlockRow>>, DbErr> {
    let mut blocks: HashMap<i32, Vec<BlockRow>> = HashMap::new();
    for row in article_block::Entity::find()
        .order_by_asc(article_block::Column::ArticleId)
        .order_by_asc(article_block::Column::Position)
        .all(db)
        .await?
    {
        blocks
            .entry(row.article_id)
            .or_default()
            .push(BlockRow::of(row));
    }
    Ok(blocks)
}

/// Articles (slug, title) with a block using the piece `id` of the kind `column` refers to.
pub async fn using<C: ConnectionTrait>(
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

/// Every tag in use, alphabetically (for the editor's tag suggestions).
pub async fn known_tags<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, DbErr> {
    article_tag::Entity::find()
        .select_only()
        .column(article_tag::Column::Tag)
        .distinct()
        .order_by_asc(article_tag::Column::Tag)
        .into_tuple()
        .all(db)
        .await
}

/// Whether some article has this tag.
pub async fn tag_in_use<C: ConnectionTrait>(db: &C, tag: &str) -> Result<bool, DbErr> {
    Ok(article_tag::Entity::find()
        .filter(article_tag::Column::Tag.eq(tag))
        .count(db)
        .await?
        > 0)
}

/// Whether an article other than `except` already uses `slug`.
pub async fn slug_taken<C: ConnectionTrait>(
    db: &C,
    slug: &str,
    except: Option<&str>,
) -> Result<bool, DbErr> {
    let mut query = article::Entity::find().filter(article::Column::Slug.eq(slug));
    if let Some(except) = except {
        query = query.filter(article::Column::Slug.ne(except));
    }
    Ok(query.count(db).await? > 0)
}

/// Counts of articles by status, in the order of [`ArticleStatus::ALL`].
pub async fn count_by_status<C: ConnectionTrait>(
    db: &C,
) -> Result<Vec<(ArticleStatus, u64)>, DbErr> {
    let mut out = Vec::new();
    for status in ArticleStatus::ALL {
        let n = article::Entity::find()
            .filter(article::Column::Status.eq(*status))
            .count(db)
            .await?;
        out.push((*status, n));
    }
    Ok(out)
}
