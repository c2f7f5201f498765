//! The audit trail: recording (sign-ins, failures, every change made through the admin) and the
//! admins' page that reads it.

use axum::extract::Query;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use crate::domain::timestamp;
use crate::http::admin::error::AdminError;
use crate::http::admin::render::page;
use crate::http::admin::request::Visit;
use crate::http::admin::session::ManageUsers;
use crate::state::AppState;
use crate::storage::accounts::{self, AuditEntry};
use crate::storage::entities::user;

/// Who did something.
pub enum Actor<'a> {
    User(&'a user::Model),
    /// Someone not signed in, by the email they typed.
    Anonymous(&'a str),
}

/// Records an event. A failure to record is logged, not shown: the action itself already happened.
pub async fn record(
    app: &AppState,
    actor: Actor<'_>,
    action: &str,
    subject: &str,
    client_addr: &str,
) {
    let (user_id, name) = match actor {
        Actor::User(user) => (Some(user.id), user.email.as_str()),
        Actor::Anonymous(email) => (None, email),
    };
    let entry = AuditEntry {
        user_id,
        actor: name,
        action,
        subject,
        client_addr,
    };
    if let Err(error) = accounts::record_event(app.db.conn(), entry, app.clock.now()).await {
        tracing::error!(%error, action, "could not record an audit event");
    }
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<u64>,
}

const PER_PAGE: u64 = 50;

pub async fn audit_log(
    Visit { app, who, .. }: Visit<ManageUsers>,
    Query(query): Query<PageQuery>,
) -> Result<Response, AdminError> {
    let page_number = query.page.unwrap_or(1).max(1);
    let (events, total) = accounts::recent_events(app.db.conn(), page_number, PER_PAGE).await?;
    let events: Vec<_> = events
        .into_iter()
        .map(|e| {
            context! {
                at => timestamp::format(&e.at),
                actor => e.actor,
                action => e.action,
                subject => e.subject,
                client_addr => e.client_addr,
            }
        })
        .collect();
    let pages = total.div_ceil(PER_PAGE).max(1);
    page(
        &who,
        "audit.html",
        "/admin/audit",
        context! { events, page => page_number, pages, total },
    )
    .await
}
