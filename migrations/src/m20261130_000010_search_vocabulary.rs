//! SQLite: a view of the plain-word index's vocabulary, and an index that answers "is this
//! article visible, and since when" without reading the article's row.
//!
//! - `article_words_vocab` lists the distinct words of `article_words`. A search's last word is
//!   matched as a prefix by looking up the words that start with it there (a range read of the
//!   index's term list), then searching the stemmed index for them, in the same query as the
//!   other terms. That replaces a second full-text query over `article_words` joined with the
//!   first, which cost most of a search at 100,000 articles.
//! - `ix_articles_id_visible_from` covers the search's visibility check and its tie-break; rows
//!   of `articles` hold whole texts, so looking each match up in the table read a page per match.
//!
//! PostgreSQL has neither (its prefix search is a GIN lookup; its planner reads index-only).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Sqlite {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE VIRTUAL TABLE article_words_vocab USING fts5vocab(article_words, 'row')",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX ix_articles_id_visible_from ON articles (id, visible_from)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Sqlite {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX ix_articles_id_visible_from")
            .await?;
        db.execute_unprepared("DROP TABLE article_words_vocab")
            .await?;
        Ok(())
    }
}
