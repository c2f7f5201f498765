//! A promo's report: total clicks, clicks per day over the last 30 or 90 days as a chart, and
//! the articles the clicks came from.

use axum::extract::{Path, Query};
use axum::response::Response;
use chrono::{Duration, NaiveDate};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::domain::promotions::PromoStatus;
use crate::http::admin::error::AdminError;
use crate::http::admin::promos::chart;
use crate::http::admin::render::page;
use crate::http::admin::request::Visit;
use crate::http::admin::session::ManagePromos;
use crate::storage::{clicks, promos};

#[derive(Debug, Deserialize)]
pub struct ReportParams {
    days: Option<String>,
}

pub async fn report(
    Visit { app, who, .. }: Visit<ManagePromos>,
    Path(slug): Path<String>,
    Query(params): Query<ReportParams>,
) -> Result<Response, AdminError> {
    let days: i64 = if params.days.as_deref() == Some("90") {
        90
    } else {
        30
    };
    let stored = promos::load(app.db.conn(), &slug)
        .await?
        .ok_or(AdminError::NotFound)?;
    app.clicks.flush().await;
    let now = app.clock.now();
    let today = now.date_naive();
    let first_day = today - Duration::days(days - 1);
    let since = first_day
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or(now);
    let counted = clicks::per_day(app.db.conn(), stored.id, since).await?;
    let series: Vec<(String, u64)> = (0..days)
        .map(|offset| {
            let day: NaiveDate = first_day + Duration::days(offset);
            let key = day.format("%Y-%m-%d").to_string();
            let n = counted.get(&key).copied().unwrap_or(0);
            (key, n)
        })
        .collect();
    let in_window: u64 = series.iter().map(|(_, n)| n).sum();
    let (total, last_30) = clicks::totals(app.db.conn(), now - Duration::days(30))
        .await?
        .get(&stored.id)
        .copied()
        .unwrap_or_default();
    let sources: Vec<Value> = clicks::by_article(app.db.conn(), stored.id)
        .await?
        .into_iter()
        .map(|(article, n)| match article {
            Some((slug, title)) => context! { slug, title, clicks => n },
            None => context! { clicks => n },
        })
        .collect();
    let p = &stored.promo;
    let values = context! {
        promo => context! { slug => p.slug.clone(), title => p.title.clone(), kind => p.kind.as_str() },
        status => PromoStatus::at(p.paused, p.starts_at, p.ends_at, now).as_str(),
        days,
        total,
        last_30,
        in_window,
        chart => Value::from_safe_string(chart::clicks_per_day(&series)),
        sources,
    };
    page(&who, "promos/report.html", "/admin/promos", values).await
}
