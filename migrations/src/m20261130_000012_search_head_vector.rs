//! PostgreSQL: `articles.head_vector`, the weighted English vector of an article's title (A)
//! and subtitle and summary (B) alone, for ranking search results.
//!
//! Ranking by `search_vector` (which also holds the whole text) read kilobytes per match from
//! out-of-line storage: at 100,000 articles that was most of a search's time. This vector is a
//! few hundred bytes, kept in the row the search has already read. SQLite ranks with FTS5's
//! bm25, which reads only the matched terms' positions, and needs nothing here.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE articles ADD COLUMN head_vector tsvector GENERATED ALWAYS AS \
                 (setweight(to_tsvector('english'::regconfig, title), 'A') || \
                 setweight(to_tsvector('english'::regconfig, COALESCE(subtitle, '') || ' ' || \
                 COALESCE(summary, '')), 'B')) STORED",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE articles DROP COLUMN head_vector")
            .await?;
        Ok(())
    }
}
