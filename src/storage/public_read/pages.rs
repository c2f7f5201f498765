//! Which articles are on one page of the public list, and how many there are in all: newest
//! first, by tag, or by full-text search ranked by relevance.
//!
//! Each page is a walk along an index: `articles (visible_from, id)` for the list, `article_tags
//! (tag, visible_from, article_id)` for a tag, the full-text index for a search (FTS5 on SQLite,
//! a GIN index on PostgreSQL). Totals of the list and of a tag come from `article_counts` (kept
//! by triggers) less the few articles scheduled for later, never from a count over every row.
//! The queries are written per database where their dialects differ; they mean the same.

use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, Value};

use crate::domain::search::{SearchQuery, Term};
use crate::domain::timestamp::Timestamp;
use crate::storage::StorageError;

/// Article ids of one page, in order, and the number of matching articles in all.
pub struct PageIds {
    pub ids: Vec<i32>,
    pub total: u64,
}

/// What to list.
pub struct Selection<'a> {
    pub tag: Option<&'a str>,
    pub search: Option<&'a SearchQuery>,
    pub offset: u64,
    pub limit: u64,
}

/// SQL text with its values, numbered the way the database wants (`?` or `$n`).
struct Sql {
    backend: DatabaseBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn new(backend: DatabaseBackend) -> Self {
        Self {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        match self.backend {
            DatabaseBackend::Postgres => {
                let n = self.values.len();
                self.text.push_str(&format!("${n}"));
            }
            _ => self.text.push('?'),
        }
        self
    }

    fn statement(&self) -> Statement {
        Statement::from_sql_and_values(self.backend, &self.text, self.values.clone())
    }
}

/// The page of ids and the total for `selection`, as readers see it at `now`.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    selection: &Selection<'_>,
    now: Timestamp,
) -> Result<PageIds, StorageError> {
    match selection.search {
        Some(query) if !query.finds_anything() => Ok(PageIds {
            ids: Vec::new(),
            total: 0,
        }),
        Some(query) => search(db, selection, query, now).await,
        None => newest(db, selection, now).await,
    }
}

async fn ids_of<C: ConnectionTrait>(db: &C, sql: &Sql) -> Result<Vec<i32>, StorageError> {
    db.query_all_raw(sql.statement())
        .await?
        .iter()
        .map(|row| Ok(row.try_get_by_index::<i32>(0)?))
        .collect()
}

async fn number<C: ConnectionTrait>(db: &C, sql: &Sql) -> Result<i64, StorageError> {
    Ok(match db.query_one_raw(sql.statement()).await? {
        Some(row) => row.try_get_by_index::<Option<i64>>(0)?.unwrap_or(0),
        None => 0,
    })
}

/// Newest first, all or one tag's.
async fn newest<C: ConnectionTrait>(
    db: &C,
    selection: &Selection<'_>,
    now: Timestamp,
) -> Result<PageIds, StorageError> {
    let backend = db.get_database_backend();
    let mut ids = Sql::new(backend);
    let mut later = Sql::new(backend);
    match selection.tag {
        Some(tag) => {
            ids.push("SELECT article_id FROM article_tags WHERE tag = ")
                .bind(tag)
                .push(" AND visible_from <= ")
                .bind(now)
                .push(" ORDER BY visible_from DESC, article_id DESC");
            later
                .push("SELECT count(*) FROM article_tags WHERE tag = ")
                .bind(tag)
                .push(" AND visible_from > ")
                .bind(now);
        }
        None => {
            ids.push("SELECT id FROM articles WHERE visible_from <= ")
                .bind(now)
                .push(" ORDER BY visible_from DESC, id DESC");
            later
                .push("SELECT count(*) FROM articles WHERE visible_from > ")
                .bind(now);
        }
    }
    ids.push(" LIMIT ")
        .bind(to_i64(selection.limit))
        .push(" OFFSET ")
        .bind(to_i64(selection.offset));
    let mut counted = Sql::new(backend);
    counted
        .push("SELECT readable FROM article_counts WHERE tag = ")
        .bind(selection.tag.unwrap_or(""));
    let readable = number(db, &counted).await?;
    let scheduled = number(db, &later).await?;
    Ok(PageIds {
        ids: ids_of(db, &ids).await?,
        total: u64::try_from(readable - scheduled).unwrap_or(0),
    })
}

/// Matching articles by relevance (title first, then subtitle and summary, then text), newest
/// first among equals. Every wanted term matches in its English forms; the last word typed
/// also matches as a prefix of a plain word (the stems of `attachment` and `attachm` differ, so
/// prefixes are looked up among plain words).
async fn search<C: ConnectionTrait>(
    db: &C,
    selection: &Selection<'_>,
    query: &SearchQuery,
    now: Timestamp,
) -> Result<PageIds, StorageError> {
    let backend = db.get_database_backend();
    let build = |counting: bool| {
        let mut sql = Sql::new(backend);
        match backend {
            DatabaseBackend::Postgres => postgres_search(&mut sql, query, counting),
            _ => sqlite_search(&mut sql, query, counting),
        }
        sql.push(" AND a.visible_from <= ").bind(now);
        if let Some(tag) = selection.tag {
            sql.push(" AND a.id IN (SELECT article_id FROM article_tags WHERE tag = ")
                .bind(tag)
                .push(")");
        }
        if !counting {
            sql.push(" ORDER BY rank, a.visible_from DESC, a.id DESC LIMIT ")
                .bind(to_i64(selection.limit))
                .push(" OFFSET ")
                .bind(to_i64(selection.offset));
        }
        sql
    };
    // One evaluation gives the page and (by a window count) the total; only a page past the end,
    // which has no row to carry it, is counted separately.
    let rows = db.query_all_raw(build(false).statement()).await?;
    let mut ids = Vec::with_capacity(rows.len());
    let mut total = 0_i64;
    for row in &rows {
        ids.push(row.try_get_by_index::<i32>(0)?);
        total = row.try_get_by_index::<i64>(1)?;
    }
    if ids.is_empty() && selection.offset > 0 {
        total = number(db, &build(true)).await?;
    }
    Ok(PageIds {
        ids,
        total: u64::try_from(total).unwrap_or(0),
    })
}

/// The parts of a query: wanted terms other than the prefix, the prefix term, excluded terms.
fn parts(query: &SearchQuery) -> (Vec<&Term>, Option<&Term>, Vec<&Term>) {
    let prefix = query.terms.iter().find(|t| t.prefix);
    let others = query
        .terms
        .iter()
        .filter(|t| !t.excluded && !t.prefix)
        .collect();
    let excluded = query.terms.iter().filter(|t| t.excluded).collect();
    (others, prefix, excluded)
}

/// An FTS5 string: the term's words in quotes (letters and digits only), `*` for a prefix.
fn fts5_term(term: &Term, prefix: bool) -> String {
    format!(
        "\"{}\"{}",
        term.words.join(" "),
        if prefix { "*" } else { "" }
    )
}

fn fts5_all(terms: &[&Term], joiner: &str) -> String {
    let quoted: Vec<String> = terms.iter().map(|t| fts5_term(t, false)).collect();
    format!("({})", quoted.join(joiner))
}

/// SQLite: hits from the stemmed index (every term), and from the plain-word index for the
/// prefix (with the other terms, stemmed, as a filter), ranked by bm25 (lower is better).
fn sqlite_search(sql: &mut Sql, query: &SearchQuery, counting: bool) {
    let (others, prefix, excluded) = parts(query);
    let mut wanted = others.clone();
    wanted.extend(prefix);
    let mut stemmed = fts5_all(&wanted, " AND ");
    for term in &excluded {
        stemmed.push_str(" NOT ");
        stemmed.push_str(&fts5_term(term, false));
    }
    // MATERIALIZED keeps bm25 inside the scan of its own table (a flattened query cannot use it).
    sql.push("WITH hits(id, rank) AS MATERIALIZED (SELECT rowid, bm25(article_search, 10.0, 4.0, 1.0) FROM ")
        .push("article_search WHERE article_search MATCH ")
        .bind(stemmed);
    if let Some(prefix) = prefix {
        sql.push(
            " UNION ALL SELECT rowid, bm25(article_words, 10.0, 4.0, 1.0) FROM article_words ",
        )
        .push("WHERE article_words MATCH ")
        .bind(fts5_term(prefix, true));
        if !others.is_empty() {
            // `+rowid`: a plain `rowid IN` is handed to FTS5, which then runs the prefix query
            // once per listed row (600 ms at 20,000 articles instead of 4 ms).
            sql.push(
                " AND +rowid IN (SELECT rowid FROM article_search WHERE article_search MATCH ",
            )
            .bind(fts5_all(&others, " AND "))
            .push(")");
        }
        if !excluded.is_empty() {
            sql.push(" AND +rowid NOT IN (SELECT rowid FROM article_search WHERE ")
                .push("article_search MATCH ")
                .bind(fts5_all(&excluded, " OR "))
                .push(")");
        }
    }
    sql.push(if counting {
        ") SELECT count(*) FROM (SELECT id FROM hits GROUP BY id) h"
    } else {
        ") SELECT a.id, count(*) OVER () FROM (SELECT id, min(rank) AS rank FROM hits GROUP BY id) h"
    })
    .push(" JOIN articles a ON a.id = h.id WHERE 1 = 1");
}

/// PostgreSQL: the stemmed vector matches every term, or (a second branch) the plain-word
/// vector matches the prefix while the stemmed one matches the rest; ranked by `ts_rank`
/// (A 1.0, B 0.4, C 0.2), negated so that lower is better, as on SQLite.
///
/// The branches are a `UNION` rather than one `OR`, so that each is answered from its GIN
/// indexes (the second by a `BitmapAnd` of both); with an `OR` the planner rechecks, or scans,
/// every article's vectors, which takes seconds at 20,000 articles.
fn postgres_search(sql: &mut Sql, query: &SearchQuery, counting: bool) {
    let (others, prefix, excluded) = parts(query);
    let mut wanted = others.clone();
    wanted.extend(prefix);
    let prefix_query = prefix.map(|term| format!("{}:*", term.words.join(" ")));
    // The branches select ids only: a GIN match needs no look at the vectors themselves, so
    // each article's (large, compressed) vectors are read once, for its rank.
    sql.push(if counting {
        "SELECT count(*) FROM articles a WHERE a.id IN ("
    } else {
        "SELECT a.id, count(*) OVER () FROM ("
    });
    sql.push("SELECT id FROM articles WHERE search_vector @@ (");
    postgres_tsquery(sql, &wanted, &excluded);
    sql.push(")");
    if let Some(p) = &prefix_query {
        sql.push(" UNION SELECT id FROM articles WHERE words_vector @@ to_tsquery('simple', ")
            .bind(p.clone())
            .push(")");
        if !others.is_empty() || !excluded.is_empty() {
            sql.push(" AND search_vector @@ (");
            postgres_tsquery(sql, &others, &excluded);
            sql.push(")");
        }
    }
    if counting {
        sql.push(")");
        return;
    }
    // Ranked by the wanted terms only (ts_rank scores exclusions oddly).
    sql.push(
        ") h JOIN articles a ON a.id = h.id, LATERAL (SELECT -GREATEST(ts_rank(a.search_vector, ",
    );
    postgres_tsquery(sql, &wanted, &[]);
    sql.push("), ");
    match &prefix_query {
        Some(p) => {
            sql.push("ts_rank(a.words_vector, to_tsquery('simple', ")
                .bind(p.clone())
                .push("))");
        }
        None => {
            sql.push("0");
        }
    }
    sql.push(") AS rank) ranked WHERE 1 = 1");
}

/// Terms as a `tsquery` expression of bound values: phrases (and words) in their English forms,
/// exclusions negated.
fn postgres_tsquery(sql: &mut Sql, wanted: &[&Term], excluded: &[&Term]) {
    let mut first = true;
    for (term, negated) in wanted
        .iter()
        .map(|t| (t, false))
        .chain(excluded.iter().map(|t| (t, true)))
    {
        if !first {
            sql.push(" && ");
        }
        first = false;
        if negated {
            sql.push("!!");
        }
        sql.push("phraseto_tsquery('english', ")
            .bind(term.words.join(" "))
            .push(")");
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_searches_quote_every_term_and_look_up_the_prefix_among_plain_words() {
        let mut sql = Sql::new(DatabaseBackend::Sqlite);
        sqlite_search(
            &mut sql,
            &SearchQuery::parse(r#"calm "pursue withdraw" -anxious attach"#),
            false,
        );
        let values: Vec<String> = sql
            .values
            .iter()
            .map(|v| match v {
                Value::String(Some(s)) => s.to_string(),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            values,
            [
                r#"("calm" AND "pursue withdraw" AND "attach") NOT "anxious""#,
                r#""attach"*"#,
                r#"("calm" AND "pursue withdraw")"#,
                r#"("anxious")"#,
            ]
        );
    }

    #[test]
    fn postgres_searches_bind_every_term() {
        let query = SearchQuery::parse("calm -anxious attach");
        // Counting: both branches (3 terms, then the prefix and the 2 other terms).
        let mut sql = Sql::new(DatabaseBackend::Postgres);
        postgres_search(&mut sql, &query, true);
        assert_eq!(sql.values.len(), 6, "{}", sql.text);
        assert!(!sql.text.contains("calm") && !sql.text.contains("anxious"));
        // The page: the same, and the rank's 2 wanted terms and prefix.
        let mut sql = Sql::new(DatabaseBackend::Postgres);
        postgres_search(&mut sql, &query, false);
        assert_eq!(sql.values.len(), 9, "{}", sql.text);
        assert!(!sql.text.contains("calm") && !sql.text.contains("attach"));
    }
}
