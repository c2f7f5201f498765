//! Which articles are on one page of the public list, and how many there are in all: newest
//! first, by tag, or by full-text search ranked by relevance.
//!
//! Each page is a walk along an index: `articles (visible_from, id)` for the list, `article_tags
//! (tag, visible_from, article_id)` for a tag (from the top, or for a deep page from a marker
//! just below it: [`super::anchors`]), the full-text index for a search (FTS5 on SQLite, a GIN
//! index on PostgreSQL). Totals of the list and of a tag come from `article_counts` (kept
//! by triggers) less the few articles scheduled for later, never from a count over every row.
//! The queries are written per database where their dialects differ; they mean the same.

use sea_orm::{ConnectionTrait, DatabaseBackend};

use super::anchors::ListAnchors;
use super::sql::{ListRows, Sql, to_i64};
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
    /// Markers along the lists, for deep pages.
    pub anchors: &'a ListAnchors,
    pub search: Option<&'a SearchQuery>,
    pub offset: u64,
    pub limit: u64,
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

/// Newest first, all or one tag's. Near the top, a walk down from the newest; deeper, a walk up
/// from the nearest marker below the page (see [`super::anchors`]), so no page walks more than
/// about twice the markers' spacing in index entries, whatever the number of articles.
async fn newest<C: ConnectionTrait>(
    db: &C,
    selection: &Selection<'_>,
    now: Timestamp,
) -> Result<PageIds, StorageError> {
    let backend = db.get_database_backend();
    let list = ListRows::of(selection.tag);
    let id = list.id();
    let rows_of_list = |columns: &str| {
        let mut sql = Sql::new(backend);
        list.select(&mut sql, columns);
        sql
    };
    let mut counted = Sql::new(backend);
    counted
        .push("SELECT readable, moves FROM article_counts WHERE tag = ")
        .bind(selection.tag.unwrap_or(""));
    let (readable, moves) = match db.query_one_raw(counted.statement()).await? {
        Some(row) => (
            row.try_get_by_index::<i64>(0)?,
            row.try_get_by_index::<i64>(1)?,
        ),
        None => (0, 0),
    };
    let mut later = rows_of_list("count(*)");
    later.push("visible_from > ").bind(now);
    let scheduled = number(db, &later).await?;
    let total = u64::try_from(readable - scheduled).unwrap_or(0);

    let mut ids = rows_of_list(id);
    ids.push("visible_from <= ").bind(now);
    // The page as positions from the oldest: `first..end`.
    let end = total.saturating_sub(selection.offset);
    let first = end.saturating_sub(selection.limit);
    if selection.offset < 2 * selection.anchors.spacing() || end == 0 {
        ids.push(&format!(" ORDER BY visible_from DESC, {id} DESC LIMIT "))
            .bind(to_i64(selection.limit))
            .push(" OFFSET ")
            .bind(to_i64(selection.offset));
        return Ok(PageIds {
            ids: ids_of(db, &ids).await?,
            total,
        });
    }
    let skip = match selection
        .anchors
        .start_before(db, selection.tag, moves, first)
        .await?
    {
        Some(start) => {
            ids.push(&format!(" AND (visible_from, {id}) >= ("))
                .bind(start.visible_from)
                .push(", ")
                .bind(start.id)
                .push(")");
            first - start.position
        }
        None => first,
    };
    ids.push(&format!(" ORDER BY visible_from, {id} LIMIT "))
        .bind(to_i64(end - first))
        .push(" OFFSET ")
        .bind(to_i64(skip));
    let mut page = ids_of(db, &ids).await?;
    page.reverse();
    Ok(PageIds { ids: page, total })
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
    let completions = match (backend, parts(query).1) {
        (DatabaseBackend::Sqlite, Some(prefix)) => {
            words_starting_with(db, &prefix.words.join(" ")).await?
        }
        _ => Vec::new(),
    };
    let build = |counting: bool| {
        let mut sql = Sql::new(backend);
        // Articles readers see (`a`), of the tag if one is asked for.
        let readable = |sql: &mut Sql| {
            sql.push(" AND a.visible_from <= ").bind(now);
            if let Some(tag) = selection.tag {
                sql.push(" AND a.id IN (SELECT article_id FROM article_tags WHERE tag = ")
                    .bind(tag)
                    .push(")");
            }
        };
        match backend {
            DatabaseBackend::Postgres => postgres_search(&mut sql, query, counting, &readable),
            _ => {
                sqlite_search(&mut sql, query, &completions, counting);
                readable(&mut sql);
            }
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

/// At most this many words completing the last word typed are searched for (SQLite). A prefix
/// with more completions is one or two letters long, and the stemmed index's own prefix match
/// (`"at"*`) already finds nearly all of them: a stem is a prefix of its word, unless the word
/// was cut inside its suffix (`attachm`), which only a longer prefix can be.
const COMPLETIONS_MAX: u64 = 64;

/// SQLite: the plain words (of any article) that start with `prefix`, from the index's
/// vocabulary (a range read of its sorted term list).
async fn words_starting_with<C: ConnectionTrait>(
    db: &C,
    prefix: &str,
) -> Result<Vec<String>, StorageError> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT term FROM article_words_vocab WHERE term >= ")
        .bind(prefix)
        .push(" AND term < ")
        .bind(format!("{prefix}{}", char::MAX))
        .push(" LIMIT ")
        .bind(to_i64(COMPLETIONS_MAX));
    db.query_all_raw(sql.statement())
        .await?
        .iter()
        .map(|row| Ok(row.try_get_by_index::<String>(0)?))
        .collect()
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

/// An FTS5 string: words in quotes (letters and digits only; a quote would be doubled), `*` for
/// a prefix.
fn fts5_string(words: &str, prefix: bool) -> String {
    format!(
        "\"{}\"{}",
        words.replace('"', "\"\""),
        if prefix { "*" } else { "" }
    )
}

fn fts5_term(term: &Term) -> String {
    fts5_string(&term.words.join(" "), false)
}

/// SQLite: one query of the stemmed index, ranked by bm25 (lower is better). Every wanted term
/// must match; the last word typed matches as a prefix of a stem, or as any of its completions
/// among plain words (`completions`, which the stemmer then reduces to their stems: `attachm`
/// finds `attachment`, and with it `attached`).
fn sqlite_search(sql: &mut Sql, query: &SearchQuery, completions: &[String], counting: bool) {
    let (others, prefix, excluded) = parts(query);
    let mut wanted: Vec<String> = others.iter().map(|t| fts5_term(t)).collect();
    if let Some(prefix) = prefix {
        let typed = prefix.words.join(" ");
        // The typed word itself is already matched by the prefix (a tenth of a search's time
        // at 100,000 articles went to ranking it twice).
        let alternatives: Vec<String> = std::iter::once(fts5_string(&typed, true))
            .chain(
                completions
                    .iter()
                    .filter(|word| **word != typed)
                    .map(|word| fts5_string(word, false)),
            )
            .collect();
        wanted.push(format!("({})", alternatives.join(" OR ")));
    }
    let mut expression = format!("({})", wanted.join(" AND "));
    for term in &excluded {
        expression.push_str(" NOT ");
        expression.push_str(&fts5_term(term));
    }
    // MATERIALIZED keeps bm25 inside the scan of its own table (a flattened query cannot use it).
    sql.push("WITH hits(id, rank) AS MATERIALIZED (SELECT rowid, bm25(article_search, 10.0, 4.0, 1.0) FROM ")
        .push("article_search WHERE article_search MATCH ")
        .bind(expression);
    // The covering index answers the visibility check and tie-break without reading the rows of
    // `articles`, which hold whole texts (SQLite looks a rowid up in the table unless told).
    sql.push(if counting {
        ") SELECT count(*) FROM hits h"
    } else {
        ") SELECT a.id, count(*) OVER () FROM hits h"
    })
    .push(" JOIN articles a INDEXED BY ix_articles_id_visible_from ON a.id = h.id WHERE 1 = 1");
}

/// PostgreSQL: the stemmed vector matches every term, or (a second branch) the plain-word
/// vector matches the prefix while the stemmed one matches the rest. Ranked by `ts_rank` of the
/// title (A, 1.0) and subtitle and summary (B, 0.4) against the wanted terms, negated so that
/// lower is better, as on SQLite; articles that match in their text only rank 0, newest first.
///
/// The branches are a `UNION` rather than one `OR`, so that each is answered from its GIN
/// indexes (the second by a `BitmapAnd` of both); with an `OR` the planner rechecks, or scans,
/// every article's vectors, which takes seconds at 20,000 articles. Each branch also checks
/// visibility and computes the rank from the row it has already read, so no match is looked up
/// again. The rank reads `head_vector` (title, subtitle and summary: a few hundred bytes, kept
/// in the row) rather than the whole text's vector, which is kilobytes stored out of line: at
/// 100,000 articles, fetching that for every match was most of a search's time.
fn postgres_search(
    sql: &mut Sql,
    query: &SearchQuery,
    counting: bool,
    readable: &dyn Fn(&mut Sql),
) {
    let (others, prefix, excluded) = parts(query);
    let mut wanted = others.clone();
    wanted.extend(prefix);
    let prefix_query = prefix.map(|term| format!("{}:*", term.words.join(" ")));
    let rank = |sql: &mut Sql| {
        if counting {
            return;
        }
        // Ranked by the wanted terms only (ts_rank scores exclusions oddly), the last word as a
        // prefix of a stem.
        sql.push(", -ts_rank(a.head_vector, ");
        postgres_tsquery(sql, &others, &[]);
        if let Some(p) = &prefix_query {
            if !others.is_empty() {
                sql.push(" && ");
            }
            sql.push("to_tsquery('english', ").bind(p.clone()).push(")");
        }
        sql.push(") AS rank");
    };
    sql.push(if counting {
        "SELECT count(*) FROM (SELECT a.id"
    } else {
        "SELECT a.id, count(*) OVER () FROM (SELECT id, min(rank) AS rank, max(visible_from) \
         AS visible_from FROM (SELECT a.id, a.visible_from"
    });
    rank(sql);
    sql.push(" FROM articles a WHERE a.search_vector @@ (");
    postgres_tsquery(sql, &wanted, &excluded);
    sql.push(")");
    readable(sql);
    if let Some(p) = &prefix_query {
        sql.push(if counting {
            " UNION SELECT a.id"
        } else {
            " UNION ALL SELECT a.id, a.visible_from"
        });
        rank(sql);
        sql.push(" FROM articles a WHERE a.words_vector @@ to_tsquery('simple', ")
            .bind(p.clone())
            .push(")");
        if !others.is_empty() || !excluded.is_empty() {
            sql.push(" AND a.search_vector @@ (");
            postgres_tsquery(sql, &others, &excluded);
            sql.push(")");
        }
        readable(sql);
    }
    sql.push(if counting {
        ") a"
    } else {
        ") hits GROUP BY id) a"
    });
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

#[cfg(test)]
mod tests {
    use sea_orm::Value;

    use super::*;

    #[test]
    fn sqlite_searches_quote_every_term_and_complete_the_last_word() {
        let mut sql = Sql::new(DatabaseBackend::Sqlite);
        let completions = [
            "attach".to_owned(),
            "attached".to_owned(),
            "attachment".to_owned(),
        ];
        sqlite_search(
            &mut sql,
            &SearchQuery::parse(r#"calm "pursue withdraw" -anxious attach"#),
            &completions,
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
                r#"("calm" AND "pursue withdraw" AND ("attach"* OR "attached" OR "attachment")) NOT "anxious""#
            ]
        );
        assert!(!sql.text.contains("calm"));
    }

    #[test]
    fn a_quote_inside_an_fts5_string_is_doubled() {
        assert_eq!(fts5_string("a\"b", true), r#""a""b"*"#);
    }

    #[test]
    fn postgres_searches_bind_every_term() {
        let query = SearchQuery::parse("calm -anxious attach");
        let readable = |sql: &mut Sql| {
            sql.push(" AND a.visible_from <= ").bind(1_i64);
        };
        // Counting: both branches (3 terms, then the prefix and the 2 other terms), each with
        // its visibility.
        let mut sql = Sql::new(DatabaseBackend::Postgres);
        postgres_search(&mut sql, &query, true, &readable);
        assert_eq!(sql.values.len(), 8, "{}", sql.text);
        assert!(!sql.text.contains("calm") && !sql.text.contains("anxious"));
        // The page: the same, and each branch's rank of the wanted term and the prefix.
        let mut sql = Sql::new(DatabaseBackend::Postgres);
        postgres_search(&mut sql, &query, false, &readable);
        assert_eq!(sql.values.len(), 12, "{}", sql.text);
        assert!(!sql.text.contains("calm") && !sql.text.contains("attach"));
    }
}
