//! PostgreSQL's full-text indexes keep new entries in a small pending list instead of the
//! default 4 MB one. A GIN index's pending list is read in full by every search until it is
//! merged (by autovacuum, or when it outgrows its limit); at 4 MB that added 100 ms and more to
//! each search after a few saves or an import. At 64 kB (the least allowed) a search never pays
//! more than a fraction of a millisecond, and writes still merge in batches. SQLite has nothing
//! of the kind.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [&str; 2] = ["ix_articles_search", "ix_articles_words"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for index in INDEXES {
            db.execute_unprepared(&format!(
                "ALTER INDEX {index} SET (gin_pending_list_limit = 64)"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for index in INDEXES {
            db.execute_unprepared(&format!(
                "ALTER INDEX {index} RESET (gin_pending_list_limit)"
            ))
            .await?;
        }
        Ok(())
    }
}
