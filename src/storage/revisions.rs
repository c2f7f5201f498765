//! Article revisions: every admin save keeps the whole article (with its blocks) as JSON, with
//! who saved it and when; the oldest beyond the configured number are pruned.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::domain::content::Article;
use crate::domain::timestamp::Timestamp;
use crate::storage::StorageError;
use crate::storage::entities::article_revision;

/// Who saved: the user's id (if still known) and a name to show.
#[derive(Debug, Clone)]
pub struct Author {
    pub user_id: Option<i32>,
    pub name: String,
    /// Revisions kept per article; older ones are pruned.
    pub keep: u64,
}

/// Keeps `article` as revision `version` of the article `article_id`, pruning the oldest.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    article_id: i32,
    version: i32,
    article: &Article,
    saved_by: &Author,
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
        // SQLite needs a LIMIT before an OFFSET.
        .limit(i64::MAX as u64)
        .offset(saved_by.keep.max(1))
        .into_tuple::<i64>()
        .all(db)
        .await?;
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

/// The revisions of the article `article_id`, newest first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    article_id: i32,
) -> Result<Vec<RevisionSummary>, StorageError> {
    let rows = article_revision::Entity::find()
        .filter(article_revision::Column::ArticleId.eq(article_id))
        .order_by_desc(article_revision::Column::Id)
        .all(db)
        .await?;
    Ok(rows.iter().map(summary_of).collect())
}

/// One revision of the article `article_id`, and the article it holds.
pub async fn find<C: ConnectionTrait>(
    db: &C,
    article_id: i32,
    id: i64,
) -> Result<Option<(RevisionSummary, Article)>, StorageError> {
    let Some(row) = article_revision::Entity::find_by_id(id)
        .filter(article_revision::Column::ArticleId.eq(article_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let article: Article = serde_json::from_str(&row.content)
        .map_err(|e| StorageError::UnknownValue(format!("revision {id} cannot be read: {e}")))?;
    Ok(Some((summary_of(&row), article)))
}
