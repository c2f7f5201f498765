//! Figures for the admin dashboard: how much content there is, and what changed lately.

use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::domain::content::ArticleStatus;
use crate::domain::timestamp::Timestamp;
use crate::storage::StorageError;
use crate::storage::entities::{article, feeling_list, perspective, promo, step_guide};

#[derive(Debug, Clone, serde::Serialize)]
pub struct ContentCounts {
    pub articles_by_status: Vec<(String, u64)>,
    pub promos: u64,
    pub feeling_lists: u64,
    pub step_guides: u64,
    pub perspectives: u64,
}

pub async fn content_counts(db: &DatabaseConnection) -> Result<ContentCounts, StorageError> {
    let mut articles_by_status = Vec::new();
    for status in ArticleStatus::ALL {
        let n = article::Entity::find()
            .filter(article::Column::Status.eq(status.as_str()))
            .count(db)
            .await?;
        articles_by_status.push((status.as_str().to_owned(), n));
    }
    Ok(ContentCounts {
        articles_by_status,
        promos: promo::Entity::find().count(db).await?,
        feeling_lists: feeling_list::Entity::find().count(db).await?,
        step_guides: step_guide::Entity::find().count(db).await?,
        perspectives: perspective::Entity::find().count(db).await?,
    })
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct RecentArticle {
    pub slug: String,
    pub title: String,
    pub status: String,
    pub updated_at: String,
}

pub async fn recently_changed_articles(
    db: &DatabaseConnection,
    limit: u64,
) -> Result<Vec<RecentArticle>, StorageError> {
    let rows: Vec<(String, String, String, Timestamp)> = article::Entity::find()
        .select_only()
        .columns([
            article::Column::Slug,
            article::Column::Title,
            article::Column::Status,
            article::Column::UpdatedAt,
        ])
        .order_by_desc(article::Column::UpdatedAt)
        .order_by_desc(article::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(slug, title, status, updated_at)| RecentArticle {
            slug,
            title,
            status,
            updated_at: crate::domain::timestamp::format(&updated_at),
        })
        .collect())
}
