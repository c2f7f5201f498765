//! The admin's article list (search, filters, sorting, pages) and the pickers of the article
//! editor.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::domain::content::{ArticleStatus, PromoKind};
use crate::storage::StorageError;
use crate::storage::articles::contains_word;
use crate::storage::entities::{
    article, article_block, article_tag, feeling_item, feeling_list, guide_step, perspective,
    promo, step_guide,
};

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
    pub status: ArticleStatus,
    pub published_at: Option<String>,
    pub updated_at: String,
}

pub async fn editor_articles<C: ConnectionTrait>(
    db: &C,
    filter: &EditorFilter,
) -> Result<(Vec<EditorRow>, u64), StorageError> {
    use sea_orm::Condition;
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let mut condition = Condition::all();
    if let Some(status) = filter.status {
        condition = condition.add(article::Column::Status.eq(status));
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
        condition = condition.add(contains_word(word));
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
    pub promos: Vec<(String, String, PromoKind)>,
}

pub async fn block_choices<C: ConnectionTrait>(db: &C) -> Result<BlockChoices, StorageError> {
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
