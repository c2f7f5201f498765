//! The dashboard: content counts, recent changes, and for those who see promos the ones ending
//! within a week and the ones whose link is broken or redirects.

use axum::response::Response;
use minijinja::context;

use crate::domain::accounts::Permission;
use crate::domain::timestamp;
use crate::http::admin::error::AdminError;
use crate::http::admin::render::page;
use crate::http::admin::request::Visit;
use crate::http::admin::session::UseDashboard;
use crate::link_health::LinkVerdict;
use crate::state::AppState;
use crate::storage::{accounts, overview, promos};

pub async fn dashboard(
    Visit { app, who, .. }: Visit<UseDashboard>,
) -> Result<Response, AdminError> {
    let counts = overview::content_counts(app.db.conn()).await?;
    let recent_articles = overview::recently_changed_articles(app.db.conn(), 8).await?;
    let recent_events = if who.can(Permission::ManageUsers) {
        let (events, _) = accounts::recent_events(app.db.conn(), 1, 8).await?;
        events
            .into_iter()
            .map(|e| context! { at => timestamp::format(&e.at), actor => e.actor, action => e.action, subject => e.subject })
            .collect()
    } else {
        Vec::new()
    };
    let (ending_soon, link_problems) = if who.can(Permission::ReadPromos) {
        promo_alerts(&app).await?
    } else {
        (Vec::new(), Vec::new())
    };
    let values = context! {
        ending_soon,
        link_problems,
        counts => minijinja::Value::from(minijinja::value::Serde(&counts)),
        recent_articles => minijinja::Value::from(minijinja::value::Serde(&recent_articles)),
        recent_events,
        user_count => if who.can(Permission::ManageUsers) { Some(accounts::count_users(app.db.conn()).await?) } else { None },
    };
    page(&who, "dashboard.html", "/admin", values).await
}

/// Promos ending within 7 days (still running or scheduled), and promos whose last link check
/// found a problem.
async fn promo_alerts(
    app: &AppState,
) -> Result<(Vec<minijinja::Value>, Vec<minijinja::Value>), AdminError> {
    let now = app.clock.now();
    let soon = now + chrono::Duration::days(7);
    let rows = promos::overview(app.db.conn(), now, now - chrono::Duration::days(30)).await?;
    let mut ending: Vec<&promos::PromoRow> = rows
        .iter()
        .filter(|r| r.ends_at.is_some_and(|e| now < e && e <= soon))
        .collect();
    ending.sort_by_key(|r| r.ends_at);
    let ending_soon = ending
        .into_iter()
        .map(|r| {
            context! {
                slug => r.slug.clone(),
                title => r.title.clone(),
                status => r.status.as_str(),
                ends_at => r.ends_at.map(|t| timestamp::format(&t)),
            }
        })
        .collect();
    let link_problems = rows
        .iter()
        .filter(|r| {
            r.link_verdict
                .as_deref()
                .and_then(LinkVerdict::parse)
                .is_some_and(LinkVerdict::is_problem)
        })
        .map(|r| {
            context! {
                slug => r.slug.clone(),
                title => r.title.clone(),
                verdict => r.link_verdict.clone(),
                detail => r.link_detail.clone(),
            }
        })
        .collect();
    Ok((ending_soon, link_problems))
}
