//! `article_counts.moves`: a counter per list (`tag` '' for all articles, else per tag) that
//! grows whenever an article enters or leaves that list's order, or moves within it: inserted or
//! deleted with a `visible_from`, or its `visible_from` changed. Time passing moves nothing (an
//! article going live was already in the order, after every live one).
//!
//! Readers keep markers along each list (the key of every 500th article, oldest first) and reuse
//! them while the counter is unchanged, so a deep page is a short walk from the nearest marker
//! instead of a walk from the top (see `storage::public_read::anchors`). The counter is kept by
//! triggers in the writer's transaction, so every process sees it change with the rows.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE: &[&str] = &[
    "ALTER TABLE article_counts ADD COLUMN moves INTEGER NOT NULL DEFAULT 0",
    "CREATE TRIGGER articles_moves_insert AFTER INSERT ON articles WHEN NEW.visible_from IS NOT \
     NULL BEGIN UPDATE article_counts SET moves = moves + 1 WHERE tag = ''; END",
    "CREATE TRIGGER articles_moves_delete AFTER DELETE ON articles WHEN OLD.visible_from IS NOT \
     NULL BEGIN UPDATE article_counts SET moves = moves + 1 WHERE tag = ''; END",
    "CREATE TRIGGER articles_moves_update AFTER UPDATE OF status, published_at ON articles WHEN \
     OLD.visible_from IS NOT NEW.visible_from BEGIN UPDATE article_counts SET moves = moves + 1 \
     WHERE tag = ''; END",
    // Upserts: the tag's row may not exist yet (its count trigger creates it, in either order).
    "CREATE TRIGGER article_tags_moves_insert AFTER INSERT ON article_tags WHEN NEW.visible_from \
     IS NOT NULL BEGIN INSERT INTO article_counts (tag, readable, moves) VALUES (NEW.tag, 0, 1) \
     ON CONFLICT (tag) DO UPDATE SET moves = moves + 1; END",
    "CREATE TRIGGER article_tags_moves_delete AFTER DELETE ON article_tags WHEN OLD.visible_from \
     IS NOT NULL BEGIN INSERT INTO article_counts (tag, readable, moves) VALUES (OLD.tag, 0, 1) \
     ON CONFLICT (tag) DO UPDATE SET moves = moves + 1; END",
    "CREATE TRIGGER article_tags_moves_update AFTER UPDATE OF visible_from ON article_tags WHEN \
     OLD.visible_from IS NOT NEW.visible_from BEGIN INSERT INTO article_counts (tag, readable, \
     moves) VALUES (NEW.tag, 0, 1) ON CONFLICT (tag) DO UPDATE SET moves = moves + 1; END",
];

const POSTGRES: &[&str] = &[
    "ALTER TABLE article_counts ADD COLUMN moves BIGINT NOT NULL DEFAULT 0",
    "CREATE FUNCTION tether_moved(moved_tag TEXT) RETURNS void LANGUAGE sql AS $$ INSERT INTO \
     article_counts (tag, readable, moves) VALUES (moved_tag, 0, 1) ON CONFLICT (tag) DO UPDATE \
     SET moves = article_counts.moves + 1 $$",
    "CREATE FUNCTION tether_articles_moved() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF \
     (TG_OP = 'INSERT' AND NEW.visible_from IS NOT NULL) OR (TG_OP = 'DELETE' AND \
     OLD.visible_from IS NOT NULL) OR (TG_OP = 'UPDATE' AND OLD.visible_from IS DISTINCT FROM \
     NEW.visible_from) THEN PERFORM tether_moved(''); END IF; RETURN NULL; END $$",
    "CREATE TRIGGER articles_moves AFTER INSERT OR DELETE OR UPDATE OF status, published_at ON \
     articles FOR EACH ROW EXECUTE FUNCTION tether_articles_moved()",
    "CREATE FUNCTION tether_tags_moved() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP = \
     'INSERT' AND NEW.visible_from IS NOT NULL THEN PERFORM tether_moved(NEW.tag); ELSIF TG_OP = \
     'DELETE' AND OLD.visible_from IS NOT NULL THEN PERFORM tether_moved(OLD.tag); ELSIF TG_OP = \
     'UPDATE' AND OLD.visible_from IS DISTINCT FROM NEW.visible_from THEN PERFORM \
     tether_moved(NEW.tag); END IF; RETURN NULL; END $$",
    "CREATE TRIGGER article_tags_moves AFTER INSERT OR DELETE OR UPDATE OF visible_from ON \
     article_tags FOR EACH ROW EXECUTE FUNCTION tether_tags_moved()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements = match db.get_database_backend() {
            DatabaseBackend::Postgres => POSTGRES,
            _ => SQLITE,
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements: &[&str] = match db.get_database_backend() {
            DatabaseBackend::Postgres => &[
                "DROP TRIGGER IF EXISTS article_tags_moves ON article_tags",
                "DROP TRIGGER IF EXISTS articles_moves ON articles",
                "DROP FUNCTION IF EXISTS tether_tags_moved",
                "DROP FUNCTION IF EXISTS tether_articles_moved",
                "DROP FUNCTION IF EXISTS tether_moved",
                "ALTER TABLE article_counts DROP COLUMN moves",
            ],
            _ => &[
                "DROP TRIGGER IF EXISTS article_tags_moves_update",
                "DROP TRIGGER IF EXISTS article_tags_moves_delete",
                "DROP TRIGGER IF EXISTS article_tags_moves_insert",
                "DROP TRIGGER IF EXISTS articles_moves_update",
                "DROP TRIGGER IF EXISTS articles_moves_delete",
                "DROP TRIGGER IF EXISTS articles_moves_insert",
                "ALTER TABLE article_counts DROP COLUMN moves",
            ],
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}
