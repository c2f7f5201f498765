//! The dashboard: content counts and recent changes.

use axum::extract::State;
use axum::response::Html;
use minijinja::context;

use crate::app::AppState;
use crate::domain::accounts::Permission;
use crate::domain::timestamp;
use crate::http::admin::error::AdminError;
use crate::http::admin::render::page;
use crate::http::admin::session::{Authorized, UseDashboard};
use crate::storage::{accounts, overview};

pub async fn dashboard(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<UseDashboard>,
) -> Result<Html<String>, AdminError> {
    let counts = overview::content_counts(&app.db).await?;
    let recent_articles = overview::recently_changed_articles(&app.db, 8).await?;
    let recent_events = if who.can(Permission::ManageUsers) {
        let (events, _) = accounts::recent_events(&app.db, 1, 8).await?;
        events
            .into_iter()
            .map(|e| context! { at => timestamp::format(&e.at), actor => e.actor, action => e.action, subject => e.subject })
            .collect()
    } else {
        Vec::new()
    };
    let values = context! {
        counts => minijinja::Value::from(minijinja::value::Serde(&counts)),
        recent_articles => minijinja::Value::from(minijinja::value::Serde(&recent_articles)),
        recent_events,
        user_count => if who.can(Permission::ManageUsers) { Some(accounts::count_users(&app.db).await?) } else { None },
    };
    page(&who, "dashboard.html", "/admin", values).await
}
