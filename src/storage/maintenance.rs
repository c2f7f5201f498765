//! Keeping the query planner informed after bulk writes. A large import changes the tables'
//! sizes and value spreads at once; until the planner's statistics catch up (autovacuum on
//! PostgreSQL may take a minute; SQLite has none until asked), it may pick a scan where an
//! index would do, and the first searches after an import are slow.

use sea_orm::{ConnectionTrait, DatabaseBackend};

use crate::storage::{StorageError, Store};

/// The tables whose statistics drive the public reads' plans.
const READ_TABLES: &str = "articles, article_tags, article_blocks, article_counts";

/// Refreshes the planner's statistics: `ANALYZE` of the tables public reads use on PostgreSQL
/// (a sample, a second or two at 100,000 articles), `PRAGMA optimize` on SQLite (which analyzes
/// only what needs it). Runs outside any transaction and takes no write lock.
pub async fn refresh_statistics(store: &Store) -> Result<(), StorageError> {
    let db = store.conn();
    let statement = match db.get_database_backend() {
        DatabaseBackend::Postgres => format!("ANALYZE {READ_TABLES}"),
        _ => "PRAGMA optimize".to_owned(),
    };
    db.execute_unprepared(&statement).await?;
    Ok(())
}
