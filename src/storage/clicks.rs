//! Click rows: storing batches of counted clicks, and the counts the reports show (totals, per
//! day, per referring article). Days are UTC calendar days on both databases.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseBackend, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::domain::timestamp::{Timestamp, normalize};
use crate::storage::entities::{article, promo_click};
use crate::storage::{StorageError, Store, insert_all};

/// A click waiting to be stored: which promo, when, and the slug of the article it came from
/// (resolved to an article when stored; unknown slugs are dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingClick {
    pub promo_id: i32,
    pub at: Timestamp,
    pub from_article: Option<String>,
}

/// Stores a batch of clicks in one write transaction.
pub async fn store(store: &Store, clicks: Vec<PendingClick>) -> Result<(), StorageError> {
    if clicks.is_empty() {
        return Ok(());
    }
    store
        .write(move |txn| {
            Box::pin(async move {
                let mut slugs: Vec<&str> = clicks
                    .iter()
                    .filter_map(|c| c.from_article.as_deref())
                    .collect();
                slugs.sort_unstable();
                slugs.dedup();
                let articles: HashMap<String, i32> = if slugs.is_empty() {
                    HashMap::new()
                } else {
                    article::Entity::find()
                        .select_only()
                        .columns([article::Column::Slug, article::Column::Id])
                        .filter(article::Column::Slug.is_in(slugs))
                        .into_tuple::<(String, i32)>()
                        .all(txn)
                        .await?
                        .into_iter()
                        .collect()
                };
                let rows = clicks.iter().map(|c| promo_click::ActiveModel {
                    promo_id: Set(c.promo_id),
                    clicked_at: Set(normalize(c.at)),
                    article_id: Set(c
                        .from_article
                        .as_ref()
                        .and_then(|slug| articles.get(slug).copied())),
                    ..Default::default()
                });
                insert_all(txn, rows).await?;
                Ok::<_, StorageError>(())
            })
        })
        .await
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

async fn count_by_promo(
    db: &DatabaseConnection,
    since: Option<Timestamp>,
) -> Result<Vec<(i32, u64)>, StorageError> {
    let mut query = promo_click::Entity::find()
        .select_only()
        .column(promo_click::Column::PromoId)
        .column_as(promo_click::Column::Id.count(), "n")
        .group_by(promo_click::Column::PromoId);
    if let Some(since) = since {
        query = query.filter(promo_click::Column::ClickedAt.gte(since));
    }
    Ok(query
        .into_tuple::<(i32, i64)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, n)| (id, u64::try_from(n).unwrap_or(0)))
        .collect())
}

/// The UTC calendar day of a click, as `YYYY-MM-DD`, in each database's dialect.
fn click_day(backend: DatabaseBackend) -> SimpleExpr {
    match backend {
        DatabaseBackend::Postgres => {
            Expr::cust("to_char(\"promo_clicks\".\"clicked_at\" AT TIME ZONE 'UTC', 'YYYY-MM-DD')")
        }
        // SQLite keeps timestamps as RFC 3339 text in UTC.
        _ => Expr::cust("substr(\"promo_clicks\".\"clicked_at\", 1, 10)"),
    }
}

/// Clicks on one promo per UTC day since `since` (days without clicks are absent).
pub async fn per_day(
    db: &DatabaseConnection,
    promo_id: i32,
    since: Timestamp,
) -> Result<HashMap<String, u64>, StorageError> {
    let day = click_day(db.get_database_backend());
    Ok(promo_click::Entity::find()
        .select_only()
        .column_as(day.clone(), "day")
        .column_as(promo_click::Column::Id.count(), "n")
        .filter(promo_click::Column::PromoId.eq(promo_id))
        .filter(promo_click::Column::ClickedAt.gte(since))
        .group_by(day)
        .into_tuple::<(String, i64)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(day, n)| (day, u64::try_from(n).unwrap_or(0)))
        .collect())
}

/// Where one promo's clicks came from: (article slug, title, clicks), most clicks first; clicks
/// without a known article are counted under `None`.
pub async fn by_article(
    db: &DatabaseConnection,
    promo_id: i32,
) -> Result<Vec<(Option<(String, String)>, u64)>, StorageError> {
    let counts: Vec<(Option<i32>, i64)> = promo_click::Entity::find()
        .select_only()
        .column(promo_click::Column::ArticleId)
        .column_as(promo_click::Column::Id.count(), "n")
        .filter(promo_click::Column::PromoId.eq(promo_id))
        .group_by(promo_click::Column::ArticleId)
        .into_tuple()
        .all(db)
        .await?;
    let ids: Vec<i32> = counts.iter().filter_map(|(id, _)| *id).collect();
    let titles: HashMap<i32, (String, String)> = if ids.is_empty() {
        HashMap::new()
    } else {
        article::Entity::find()
            .select_only()
            .columns([
                article::Column::Id,
                article::Column::Slug,
                article::Column::Title,
            ])
            .filter(article::Column::Id.is_in(ids))
            .order_by_asc(article::Column::Id)
            .into_tuple::<(i32, String, String)>()
            .all(db)
            .await?
            .into_iter()
            .map(|(id, slug, title)| (id, (slug, title)))
            .collect()
    };
    let mut out: Vec<(Option<(String, String)>, u64)> = counts
        .into_iter()
        .map(|(id, n)| {
            (
                id.and_then(|id| titles.get(&id).cloned()),
                u64::try_from(n).unwrap_or(0),
            )
        })
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}
