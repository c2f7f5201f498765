//! Content events in the database: appending a write's events (inside its transaction), reading
//! them back in order, pruning old ones, and the queries that tell a writer which visible
//! articles show what it changed.

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::domain::content::ArticleStatus;
use crate::domain::events::{BULK_ARTICLES, ContentEvent, EventKind};
use crate::domain::publishing;
use crate::domain::timestamp::Timestamp;
use crate::storage::articles::visible_at;
use crate::storage::entities::{article, article_block, article_tag, content_event};
use crate::storage::{StorageError, Store};

/// A stored event and its place in the order of all events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub seq: i64,
    pub at: Timestamp,
    pub kind: EventKind,
    pub subject: Option<String>,
    pub paths: Vec<String>,
    /// See [`ContentEvent::lists_in_place`].
    pub lists_in_place: bool,
}

/// Appends events, in order (called by the write helper, inside the write's transaction).
pub(crate) async fn append<C: ConnectionTrait>(
    db: &C,
    at: Timestamp,
    events: &[ContentEvent],
) -> Result<(), DbErr> {
    if events.is_empty() {
        return Ok(());
    }
    let rows = events
        .iter()
        .map(|e| {
            Ok(content_event::ActiveModel {
                at: Set(at),
                kind: Set(e.kind),
                subject: Set(e.subject.clone()),
                paths: Set(serde_json::to_string(&e.paths)
                    .map_err(|error| DbErr::Custom(error.to_string()))?),
                lists_in_place: Set(e.lists_in_place),
                ..Default::default()
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    crate::storage::insert_all(db, rows).await
}

/// Events after `seq`, oldest first, at most `limit`.
pub async fn after(store: &Store, seq: i64, limit: u64) -> Result<Vec<StoredEvent>, StorageError> {
    content_event::Entity::find()
        .filter(content_event::Column::Seq.gt(seq))
        .order_by_asc(content_event::Column::Seq)
        .limit(limit)
        .all(store.conn())
        .await?
        .into_iter()
        .map(|row| {
            let paths = serde_json::from_str(&row.paths).map_err(|e| {
                StorageError::UnknownValue(format!("content event {} has bad paths: {e}", row.seq))
            })?;
            Ok(StoredEvent {
                seq: row.seq,
                at: row.at,
                kind: row.kind,
                subject: row.subject,
                paths,
                lists_in_place: row.lists_in_place,
            })
        })
        .collect()
}

/// The newest event's sequence number (0 before the first).
pub async fn last_seq(store: &Store) -> Result<i64, StorageError> {
    Ok(content_event::Entity::find()
        .select_only()
        .column_as(content_event::Column::Seq.max(), "last")
        .into_tuple::<Option<i64>>()
        .one(store.conn())
        .await?
        .flatten()
        .unwrap_or(0))
}

/// Deletes events older than `before`; returns how many.
pub async fn prune(store: &Store, before: Timestamp) -> Result<u64, StorageError> {
    Ok(content_event::Entity::delete_many()
        .filter(content_event::Column::At.lt(before))
        .exec(store.conn())
        .await?
        .rows_affected)
}

/// Slugs of the articles readers see at `now` that have a block of the kind `column` refers to
/// with one of `ids`: at most one more than [`BULK_ARTICLES`] (enough to know it is a bulk
/// change).
pub async fn visible_articles_showing<C: ConnectionTrait>(
    db: &C,
    column: article_block::Column,
    ids: Vec<i32>,
    now: Timestamp,
) -> Result<Vec<String>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Two steps, each by an index: the articles using the pieces (the blocks' index), then those
    // articles by id, with visibility decided here. In one query a planner without statistics
    // (a first import) starts from the status index and checks every published article, once
    // per piece written: most of a 100,000-article import's time.
    let using: Vec<i32> = article_block::Entity::find()
        .select_only()
        .column(article_block::Column::ArticleId)
        .filter(Expr::col(column).is_in(ids))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let mut slugs = Vec::new();
    for chunk in using.chunks(IDS_PER_LOOKUP) {
        let rows: Vec<(String, ArticleStatus, Option<Timestamp>)> = article::Entity::find()
            .select_only()
            .columns([
                article::Column::Slug,
                article::Column::Status,
                article::Column::PublishedAt,
            ])
            .filter(article::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        slugs.extend(rows.into_iter().filter_map(|(slug, status, published_at)| {
            publishing::article_is_public(status, published_at, now).then_some(slug)
        }));
        if slugs.len() > BULK_ARTICLES {
            break;
        }
    }
    slugs.sort_unstable();
    slugs.truncate(BULK_ARTICLES + 1);
    Ok(slugs)
}

/// Article ids per lookup (well under every database's limit on bound values).
const IDS_PER_LOOKUP: usize = 500;

/// Slugs of the visible articles with `tag` (every visible article for `None`), as for
/// [`visible_articles_showing`]: what a placement for that tag shows on.
pub async fn visible_articles_tagged<C: ConnectionTrait>(
    db: &C,
    tag: Option<&str>,
    now: Timestamp,
) -> Result<Vec<String>, DbErr> {
    let filter = tag.map(|tag| {
        article::Column::Id.in_subquery(
            Query::select()
                .column(article_tag::Column::ArticleId)
                .from(article_tag::Entity)
                .and_where(Expr::col(article_tag::Column::Tag).eq(tag))
                .to_owned(),
        )
    });
    visible_slugs(db, filter, now).await
}

async fn visible_slugs<C: ConnectionTrait>(
    db: &C,
    filter: Option<sea_orm::sea_query::SimpleExpr>,
    now: Timestamp,
) -> Result<Vec<String>, DbErr> {
    let mut query = article::Entity::find()
        .select_only()
        .column(article::Column::Slug)
        .filter(visible_at(now));
    if let Some(filter) = filter {
        query = query.filter(filter);
    }
    // No ORDER BY in SQL: with one, the database walks every article in slug order looking for
    // the few that show a piece (seconds at 100,000 articles, once per piece an import writes);
    // without, it starts from the blocks' index. Any BULK_ARTICLES + 1 rows tell "too many".
    let mut slugs: Vec<String> = query
        .limit(BULK_ARTICLES as u64 + 1)
        .into_tuple()
        .all(db)
        .await?;
    slugs.sort_unstable();
    Ok(slugs)
}
