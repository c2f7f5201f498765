//! Click counts: storing the clicks the [`crate::click_recorder`] has added up, and the counts the
//! reports show (totals, per day, per referring article). Days are UTC calendar days on both
//! databases.
//!
//! Clicks are stored as counters, one row per (promo, second, referring article) holding how
//! many clicks happened then (`promo_click_counts`). A batch is one multi-row upsert
//! (`count = count + n`), so the cost of a write follows the number of distinct (promo, second,
//! article) in it, not the number of clicks: under a flood of clicks a quarter second of them is a
//! few dozen rows instead of thousands.
//!
//! The second is the bucket because it is the precision of every time Tether keeps (see
//! [`crate::domain::timestamp`]): "since `t`" over counters is exactly "since `t`" over single
//! clicks, so the reports show the numbers the one-row-per-click table gave (a minute bucket would
//! blur the rolling 30-day figure at its edge). Migration 7 turned the old click rows into such
//! counters.
//!
//! The referring article is kept by id, `0` meaning none (it is part of the key, and a key column
//! cannot be NULL for the upsert to find its row). There is no foreign key on it: when an article
//! is deleted its counters keep the id, and reports count them as "no referring article", as the
//! old rows (set to NULL) were.

use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::domain::timestamp::{Timestamp, normalize};
use crate::storage::entities::{article, promo, promo_click_count};
use crate::storage::{StorageError, Store};

/// `article_id` of clicks without a (known) referring article.
pub const NO_ARTICLE: i32 = 0;
/// Rows per upsert statement (4 bound values each: well within both databases' limits).
const ROWS_PER_STATEMENT: usize = 500;
/// Ids or slugs per `IN (...)` lookup.
const KEYS_PER_LOOKUP: usize = 500;

/// A click to count: which promo, when, and the slug of the article it came from (resolved to an
/// article when stored; unknown slugs count as no article).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingClick {
    pub promo_id: i32,
    pub at: Timestamp,
    pub from_article: Option<String>,
}

/// Clicks waiting to be stored, added up per (promo, second, referring slug): memory follows the
/// distinct keys, not the clicks.
#[derive(Debug, Default, Clone)]
pub struct ClickTally {
    counts: HashMap<(i32, Timestamp, Option<String>), u64>,
    total: u64,
}

impl ClickTally {
    pub fn add(&mut self, click: PendingClick) {
        *self
            .counts
            .entry((click.promo_id, normalize(click.at), click.from_article))
            .or_default() += 1;
        self.total += 1;
    }

    /// Adds `other`'s clicks to these.
    pub fn merge(&mut self, other: ClickTally) {
        if self.counts.is_empty() {
            *self = other;
            return;
        }
        for (key, n) in other.counts {
            *self.counts.entry(key).or_default() += n;
        }
        self.total += other.total;
    }

    /// How many clicks.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// How many counter rows they touch at most.
    pub fn keys(&self) -> usize {
        self.counts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }
}

/// Adds `tally` to the stored counts in one write transaction. Clicks on promos deleted
/// meanwhile are dropped (their counts went with the promo).
pub async fn store(store: &Store, tally: &ClickTally) -> Result<(), StorageError> {
    if tally.is_empty() {
        return Ok(());
    }
    let clicks: Vec<(i32, Timestamp, Option<String>, u64)> = tally
        .counts
        .iter()
        .map(|((promo_id, at, slug), n)| (*promo_id, *at, slug.clone(), *n))
        .collect();
    store
        .write(move |txn| Box::pin(async move { add_counts(txn, clicks).await }))
        .await
}

async fn add_counts(
    txn: &DatabaseTransaction,
    clicks: Vec<(i32, Timestamp, Option<String>, u64)>,
) -> Result<(), StorageError> {
    let mut promo_ids: Vec<i32> = clicks.iter().map(|c| c.0).collect();
    promo_ids.sort_unstable();
    promo_ids.dedup();
    let mut promos: Vec<i32> = Vec::with_capacity(promo_ids.len());
    for chunk in promo_ids.chunks(KEYS_PER_LOOKUP) {
        promos.extend(
            promo::Entity::find()
                .select_only()
                .column(promo::Column::Id)
                .filter(promo::Column::Id.is_in(chunk.iter().copied()))
                .into_tuple::<i32>()
                .all(txn)
                .await?,
        );
    }
    // The database returns them in no particular order; they are looked up by binary search.
    promos.sort_unstable();
    let mut slugs: Vec<&str> = clicks.iter().filter_map(|c| c.2.as_deref()).collect();
    slugs.sort_unstable();
    slugs.dedup();
    let mut articles: HashMap<String, i32> = HashMap::new();
    for chunk in slugs.chunks(KEYS_PER_LOOKUP) {
        articles.extend(
            article::Entity::find()
                .select_only()
                .columns([article::Column::Slug, article::Column::Id])
                .filter(article::Column::Slug.is_in(chunk.iter().copied()))
                .into_tuple::<(String, i32)>()
                .all(txn)
                .await?,
        );
    }
    // Several slugs can land on one row (unknown ones all count as no article): add them up
    // first, since one upsert statement may not touch a row twice.
    let mut rows: HashMap<(i32, Timestamp, i32), u64> = HashMap::new();
    for (promo_id, at, slug, n) in clicks {
        if promos.binary_search(&promo_id).is_err() {
            continue;
        }
        let article_id = slug
            .and_then(|s| articles.get(&s).copied())
            .unwrap_or(NO_ARTICLE);
        *rows.entry((promo_id, at, article_id)).or_default() += n;
    }
    let rows: Vec<((i32, Timestamp, i32), u64)> = rows.into_iter().collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        txn.execute(&upsert(chunk)?).await?;
    }
    Ok(())
}

/// `INSERT ... VALUES (...), (...) ON CONFLICT (key) DO UPDATE SET clicks = clicks + excluded.clicks`
fn upsert(
    rows: &[((i32, Timestamp, i32), u64)],
) -> Result<sea_orm::sea_query::InsertStatement, StorageError> {
    use promo_click_count::{Column, Entity};
    let mut insert = Query::insert();
    insert.into_table(Entity).columns([
        Column::PromoId,
        Column::ClickedAt,
        Column::ArticleId,
        Column::Clicks,
    ]);
    for ((promo_id, at, article_id), n) in rows {
        let n = i64::try_from(*n).unwrap_or(i64::MAX);
        insert
            .values([
                (*promo_id).into(),
                (*at).into(),
                (*article_id).into(),
                n.into(),
            ])
            .map_err(|e| StorageError::from(sea_orm::DbErr::Custom(e.to_string())))?;
    }
    insert.on_conflict(
        OnConflict::columns([Column::PromoId, Column::ClickedAt, Column::ArticleId])
            .value(
                Column::Clicks,
                Expr::col((Entity, Column::Clicks))
                    .add(Expr::col((Alias::new("excluded"), Column::Clicks))),
            )
            .to_owned(),
    );
    Ok(insert.to_owned())
}

/// Clicks per promo id: (all time, since `since`).
pub async fn totals(
    db: &DatabaseConnection,
    since: Timestamp,
) -> Result<HashMap<i32, (u64, u64)>, StorageError> {
    let mut out: HashMap<i32, (u64, u64)> = HashMap::new();
    for (promo_id, n) in count_by_promo(db, None).await? {
        out.entry(promo_id).or_default().0 = n;
    }
    for (promo_id, n) in count_by_promo(db, Some(since)).await? {
        out.entry(promo_id).or_default().1 = n;
    }
    Ok(out)
}

/// `SUM(clicks)`, as a 64-bit integer on both databases (PostgreSQL sums a BIGINT as NUMERIC).
fn sum_of_clicks() -> SimpleExpr {
    Expr::cust("CAST(SUM(\"promo_click_counts\".\"clicks\") AS BIGINT)")
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

async fn count_by_promo(
    db: &DatabaseConnection,
    since: Option<Timestamp>,
) -> Result<Vec<(i32, u64)>, StorageError> {
    use promo_click_count::{Column, Entity};
    let mut query = Entity::find()
        .select_only()
        .column(Column::PromoId)
        .column_as(sum_of_clicks(), "n")
        .group_by(Column::PromoId);
    if let Some(since) = since {
        query = query.filter(Column::ClickedAt.gte(since));
    }
    Ok(query
        .into_tuple::<(i32, i64)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, n)| (id, count(n)))
        .collect())
}

/// The UTC calendar day of a click, as `YYYY-MM-DD`, in each database's dialect.
fn click_day(backend: DatabaseBackend) -> SimpleExpr {
    match backend {
        DatabaseBackend::Postgres => Expr::cust(
            "to_char(\"promo_click_counts\".\"clicked_at\" AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
        ),
        // SQLite keeps timestamps as RFC 3339 text in UTC.
        _ => Expr::cust("substr(\"promo_click_counts\".\"clicked_at\", 1, 10)"),
    }
}

/// Clicks on one promo per UTC day since `since` (days without clicks are absent).
pub async fn per_day(
    db: &DatabaseConnection,
    promo_id: i32,
    since: Timestamp,
) -> Result<HashMap<String, u64>, StorageError> {
    use promo_click_count::{Column, Entity};
    let day = click_day(db.get_database_backend());
    Ok(Entity::find()
        .select_only()
        .column_as(day.clone(), "day")
        .column_as(sum_of_clicks(), "n")
        .filter(Column::PromoId.eq(promo_id))
        .filter(Column::ClickedAt.gte(since))
        .group_by(day)
        .into_tuple::<(String, i64)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(day, n)| (day, count(n)))
        .collect())
}

/// Where one promo's clicks came from: (article slug, title, clicks), most clicks first; clicks
/// without a known article (none sent, or deleted since) are counted under `None`.
pub async fn by_article(
    db: &DatabaseConnection,
    promo_id: i32,
) -> Result<Vec<(Option<(String, String)>, u64)>, StorageError> {
    use promo_click_count::{Column, Entity};
    let counts: Vec<(i32, i64)> = Entity::find()
        .select_only()
        .column(Column::ArticleId)
        .column_as(sum_of_clicks(), "n")
        .filter(Column::PromoId.eq(promo_id))
        .group_by(Column::ArticleId)
        .into_tuple()
        .all(db)
        .await?;
    let ids: Vec<i32> = counts
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| *id != NO_ARTICLE)
        .collect();
    let mut titles: HashMap<i32, (String, String)> = HashMap::new();
    for chunk in ids.chunks(KEYS_PER_LOOKUP) {
        titles.extend(
            article::Entity::find()
                .select_only()
                .columns([
                    article::Column::Id,
                    article::Column::Slug,
                    article::Column::Title,
                ])
                .filter(article::Column::Id.is_in(chunk.iter().copied()))
                .order_by_asc(article::Column::Id)
                .into_tuple::<(i32, String, String)>()
                .all(db)
                .await?
                .into_iter()
                .map(|(id, slug, title)| (id, (slug, title))),
        );
    }
    // Deleted articles' counters join the ones without an article.
    let mut merged: HashMap<Option<(String, String)>, u64> = HashMap::new();
    for (id, n) in counts {
        *merged.entry(titles.get(&id).cloned()).or_default() += count(n);
    }
    let mut out: Vec<(Option<(String, String)>, u64)> = merged.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}
