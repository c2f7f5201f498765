//! Reads whose cost does not grow with the number of articles.
//!
//! - `articles.visible_from`: `published_at` for articles readers may see once it has passed
//!   (`published` or `scheduled`), else NULL; derived by the database (a generated column), with
//!   an index in reading order. A page of the list is a walk along it.
//! - `article_tags.visible_from`: the same, beside each tag (kept in step by a trigger when an
//!   article's status or time changes), so a tag's page is a walk along its own index.
//! - `article_counts`: how many articles readers may see (`tag` '' for all, else per tag), kept
//!   by triggers, so a page's total is not a count over every row.
//! - `articles.body_text`: the text of an article's text blocks (written by Tether), for
//!   full-text search: FTS5 tables kept by triggers on SQLite, weighted `tsvector` columns with
//!   GIN indexes on PostgreSQL (title first, then subtitle and summary, then text). Each has two
//!   forms: English stems (`running` finds `run`) and plain words, for the last word typed,
//!   which also matches as a prefix (`attachm` finds `attachment`, whose stem is `attach`).
//!
//! The two databases differ here (generated columns, triggers, search), so each gets its own
//! statements; what they compute is the same.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE: &[&str] = &[
    // The text of text blocks, for search (Tether writes it with every article from now on).
    "ALTER TABLE articles ADD COLUMN body_text TEXT NOT NULL DEFAULT ''",
    "UPDATE articles SET body_text = COALESCE((SELECT group_concat(COALESCE(heading, '') || ' ' \
     || COALESCE(body, ''), ' ') FROM (SELECT heading, body FROM article_blocks b WHERE \
     b.article_id = articles.id AND b.kind = 'text' ORDER BY b.position)), '')",
    // A virtual generated column can be indexed in SQLite.
    "ALTER TABLE articles ADD COLUMN visible_from TEXT GENERATED ALWAYS AS (CASE WHEN status IN \
     ('published', 'scheduled') THEN published_at ELSE NULL END) VIRTUAL",
    "CREATE INDEX ix_articles_visible_from ON articles (visible_from, id)",
    "ALTER TABLE article_tags ADD COLUMN visible_from TEXT",
    "UPDATE article_tags SET visible_from = (SELECT visible_from FROM articles a WHERE a.id = \
     article_tags.article_id)",
    "CREATE INDEX ix_article_tags_tag_visible_from ON article_tags (tag, visible_from, article_id)",
    "CREATE TRIGGER articles_visibility_to_tags AFTER UPDATE OF status, published_at ON articles \
     BEGIN UPDATE article_tags SET visible_from = NEW.visible_from WHERE article_id = NEW.id; END",
    // Counts of visible articles: '' for all, else per tag.
    "CREATE TABLE article_counts (tag TEXT NOT NULL PRIMARY KEY, readable INTEGER NOT NULL)",
    "INSERT INTO article_counts (tag, readable) SELECT '', count(*) FROM articles WHERE \
     visible_from IS NOT NULL",
    "INSERT INTO article_counts (tag, readable) SELECT tag, count(*) FROM article_tags WHERE \
     visible_from IS NOT NULL GROUP BY tag",
    "CREATE TRIGGER articles_count_insert AFTER INSERT ON articles WHEN NEW.visible_from IS NOT \
     NULL BEGIN UPDATE article_counts SET readable = readable + 1 WHERE tag = ''; END",
    "CREATE TRIGGER articles_count_delete AFTER DELETE ON articles WHEN OLD.visible_from IS NOT \
     NULL BEGIN UPDATE article_counts SET readable = readable - 1 WHERE tag = ''; END",
    "CREATE TRIGGER articles_count_update AFTER UPDATE OF status, published_at ON articles WHEN \
     (OLD.visible_from IS NULL) <> (NEW.visible_from IS NULL) BEGIN UPDATE article_counts SET \
     readable = readable + (CASE WHEN NEW.visible_from IS NULL THEN -1 ELSE 1 END) WHERE tag = \
     ''; END",
    "CREATE TRIGGER article_tags_count_insert AFTER INSERT ON article_tags WHEN NEW.visible_from \
     IS NOT NULL BEGIN INSERT INTO article_counts (tag, readable) VALUES (NEW.tag, 1) ON \
     CONFLICT (tag) DO UPDATE SET readable = readable + 1; END",
    "CREATE TRIGGER article_tags_count_delete AFTER DELETE ON article_tags WHEN OLD.visible_from \
     IS NOT NULL BEGIN UPDATE article_counts SET readable = readable - 1 WHERE tag = OLD.tag; END",
    "CREATE TRIGGER article_tags_count_update AFTER UPDATE OF visible_from ON article_tags WHEN \
     (OLD.visible_from IS NULL) <> (NEW.visible_from IS NULL) BEGIN INSERT INTO article_counts \
     (tag, readable) VALUES (NEW.tag, CASE WHEN NEW.visible_from IS NULL THEN -1 ELSE 1 END) ON \
     CONFLICT (tag) DO UPDATE SET readable = readable + excluded.readable; END",
    // Full-text search: English stemming (porter), any script folded to lowercase.
    // (`meta` is the subtitle and summary; the row id is the article's id.)
    "CREATE VIRTUAL TABLE article_search USING fts5(title, meta, body, tokenize='porter \
     unicode61 remove_diacritics 0', prefix='2 3 4')",
    "INSERT INTO article_search (rowid, title, meta, body) SELECT id, title, COALESCE(subtitle, \
     '') || ' ' || COALESCE(summary, ''), body_text FROM articles",
    "CREATE VIRTUAL TABLE article_words USING fts5(title, meta, body, tokenize='unicode61 \
     remove_diacritics 0', prefix='2 3 4')",
    "INSERT INTO article_words (rowid, title, meta, body) SELECT id, title, COALESCE(subtitle, \
     '') || ' ' || COALESCE(summary, ''), body_text FROM articles",
    "CREATE TRIGGER article_search_insert AFTER INSERT ON articles BEGIN INSERT INTO \
     article_search (rowid, title, meta, body) VALUES (NEW.id, NEW.title, COALESCE(NEW.subtitle, \
     '') || ' ' || COALESCE(NEW.summary, ''), NEW.body_text); INSERT INTO article_words (rowid, \
     title, meta, body) VALUES (NEW.id, NEW.title, COALESCE(NEW.subtitle, '') || ' ' || \
     COALESCE(NEW.summary, ''), NEW.body_text); END",
    "CREATE TRIGGER article_search_delete AFTER DELETE ON articles BEGIN DELETE FROM \
     article_search WHERE rowid = OLD.id; DELETE FROM article_words WHERE rowid = OLD.id; END",
    "CREATE TRIGGER article_search_update AFTER UPDATE OF title, subtitle, summary, body_text ON \
     articles BEGIN UPDATE article_search SET title = NEW.title, meta = COALESCE(NEW.subtitle, \
     '') || ' ' || COALESCE(NEW.summary, ''), body = NEW.body_text WHERE rowid = NEW.id; UPDATE \
     article_words SET title = NEW.title, meta = COALESCE(NEW.subtitle, '') || ' ' || \
     COALESCE(NEW.summary, ''), body = NEW.body_text WHERE rowid = NEW.id; END",
];

const POSTGRES: &[&str] = &[
    "ALTER TABLE articles ADD COLUMN body_text TEXT NOT NULL DEFAULT ''",
    "UPDATE articles SET body_text = COALESCE((SELECT string_agg(COALESCE(heading, '') || ' ' || \
     COALESCE(body, ''), ' ' ORDER BY position) FROM article_blocks b WHERE b.article_id = \
     articles.id AND b.kind = 'text'), '')",
    "ALTER TABLE articles ADD COLUMN visible_from TIMESTAMPTZ GENERATED ALWAYS AS (CASE WHEN \
     status IN ('published', 'scheduled') THEN published_at ELSE NULL END) STORED",
    "CREATE INDEX ix_articles_visible_from ON articles (visible_from, id)",
    "ALTER TABLE article_tags ADD COLUMN visible_from TIMESTAMPTZ",
    "UPDATE article_tags t SET visible_from = a.visible_from FROM articles a WHERE a.id = \
     t.article_id",
    "CREATE INDEX ix_article_tags_tag_visible_from ON article_tags (tag, visible_from, article_id)",
    "CREATE FUNCTION tether_visibility_to_tags() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
     UPDATE article_tags SET visible_from = NEW.visible_from WHERE article_id = NEW.id; RETURN \
     NULL; END $$",
    "CREATE TRIGGER articles_visibility_to_tags AFTER UPDATE OF status, published_at ON articles \
     FOR EACH ROW EXECUTE FUNCTION tether_visibility_to_tags()",
    "CREATE TABLE article_counts (tag VARCHAR(120) NOT NULL PRIMARY KEY, readable BIGINT NOT NULL)",
    "INSERT INTO article_counts (tag, readable) SELECT '', count(*) FROM articles WHERE \
     visible_from IS NOT NULL",
    "INSERT INTO article_counts (tag, readable) SELECT tag, count(*) FROM article_tags WHERE \
     visible_from IS NOT NULL GROUP BY tag",
    "CREATE FUNCTION tether_count(counted_tag TEXT, delta BIGINT) RETURNS void LANGUAGE sql AS $$ \
     INSERT INTO article_counts (tag, readable) VALUES (counted_tag, delta) ON CONFLICT (tag) DO \
     UPDATE SET readable = article_counts.readable + EXCLUDED.readable $$",
    "CREATE FUNCTION tether_count_articles() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE \
     before BOOLEAN := TG_OP <> 'INSERT' AND OLD.visible_from IS NOT NULL; after BOOLEAN := \
     TG_OP <> 'DELETE' AND NEW.visible_from IS NOT NULL; BEGIN IF before <> after THEN PERFORM \
     tether_count('', CASE WHEN after THEN 1 ELSE -1 END); END IF; RETURN NULL; END $$",
    "CREATE TRIGGER articles_count AFTER INSERT OR DELETE OR UPDATE OF status, published_at ON \
     articles FOR EACH ROW EXECUTE FUNCTION tether_count_articles()",
    "CREATE FUNCTION tether_count_tags() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP <> \
     'INSERT' AND OLD.visible_from IS NOT NULL THEN PERFORM tether_count(OLD.tag, -1); END IF; \
     IF TG_OP <> 'DELETE' AND NEW.visible_from IS NOT NULL THEN PERFORM tether_count(NEW.tag, \
     1); END IF; RETURN NULL; END $$",
    "CREATE TRIGGER article_tags_count AFTER INSERT OR DELETE OR UPDATE OF visible_from ON \
     article_tags FOR EACH ROW EXECUTE FUNCTION tether_count_tags()",
    // Weighted for ranking: title (A), subtitle and summary (B), text (C).
    "ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS \
     (setweight(to_tsvector('english'::regconfig, title), 'A') || \
     setweight(to_tsvector('english'::regconfig, COALESCE(subtitle, '') || ' ' || \
     COALESCE(summary, '')), 'B') || setweight(to_tsvector('english'::regconfig, body_text), \
     'C')) STORED",
    "CREATE INDEX ix_articles_search ON articles USING GIN (search_vector)",
    "ALTER TABLE articles ADD COLUMN words_vector tsvector GENERATED ALWAYS AS \
     (setweight(to_tsvector('simple'::regconfig, title), 'A') || \
     setweight(to_tsvector('simple'::regconfig, COALESCE(subtitle, '') || ' ' || \
     COALESCE(summary, '')), 'B') || setweight(to_tsvector('simple'::regconfig, body_text), \
     'C')) STORED",
    "CREATE INDEX ix_articles_words ON articles USING GIN (words_vector)",
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
        let postgres = db.get_database_backend() == DatabaseBackend::Postgres;
        let mut statements = vec![
            "DROP TABLE IF EXISTS article_counts",
            "DROP INDEX IF EXISTS ix_article_tags_tag_visible_from",
            "DROP INDEX IF EXISTS ix_articles_visible_from",
        ];
        if postgres {
            statements.extend([
                "DROP TRIGGER IF EXISTS article_tags_count ON article_tags",
                "DROP TRIGGER IF EXISTS articles_count ON articles",
                "DROP TRIGGER IF EXISTS articles_visibility_to_tags ON articles",
                "DROP FUNCTION IF EXISTS tether_count_tags",
                "DROP FUNCTION IF EXISTS tether_count_articles",
                "DROP FUNCTION IF EXISTS tether_count",
                "DROP FUNCTION IF EXISTS tether_visibility_to_tags",
                "ALTER TABLE articles DROP COLUMN search_vector",
                "ALTER TABLE articles DROP COLUMN words_vector",
            ]);
        } else {
            statements.extend([
                "DROP TABLE IF EXISTS article_search",
                "DROP TABLE IF EXISTS article_words",
                "DROP TRIGGER IF EXISTS article_search_insert",
                "DROP TRIGGER IF EXISTS article_search_delete",
                "DROP TRIGGER IF EXISTS article_search_update",
                "DROP TRIGGER IF EXISTS article_tags_count_insert",
                "DROP TRIGGER IF EXISTS article_tags_count_delete",
                "DROP TRIGGER IF EXISTS article_tags_count_update",
                "DROP TRIGGER IF EXISTS articles_count_insert",
                "DROP TRIGGER IF EXISTS articles_count_delete",
                "DROP TRIGGER IF EXISTS articles_count_update",
                "DROP TRIGGER IF EXISTS articles_visibility_to_tags",
            ]);
        }
        statements.extend([
            "ALTER TABLE article_tags DROP COLUMN visible_from",
            "ALTER TABLE articles DROP COLUMN visible_from",
            "ALTER TABLE articles DROP COLUMN body_text",
        ]);
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}
