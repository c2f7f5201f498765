//! The marketers' screens: promos (list, editor with live preview, pause, duplicate, delete),
//! their placements in slots, click reports with a server-drawn chart, the CSV export and link
//! checks. Marketers and admins change promos; editors may look but not change.

pub mod chart;
pub mod editor;
pub mod list;
pub mod overview;
pub mod placements;
pub mod report;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/promos", get(list::list))
        .route("/admin/promos/report.csv", get(list::report_csv))
        .route("/admin/placements", get(overview::placements))
        .route(
            "/admin/promos/new",
            get(editor::new_form).post(editor::create),
        )
        .route(
            "/admin/promos/{slug}",
            get(editor::edit_form).post(editor::update),
        )
        .route("/admin/promos/{slug}/pause", post(editor::pause))
        .route("/admin/promos/{slug}/resume", post(editor::resume))
        .route("/admin/promos/{slug}/duplicate", post(editor::duplicate))
        .route("/admin/promos/{slug}/delete", post(editor::delete))
        .route("/admin/promos/{slug}/check-link", post(editor::check_link))
        .route("/admin/promos/{slug}/placements", post(placements::add))
        .route(
            "/admin/promos/{slug}/placements/{id}/delete",
            post(placements::remove),
        )
        .route("/admin/promos/{slug}/report", get(report::report))
}

/// The last 30 days, the window of the list's and the CSV's recent clicks.
pub fn recent_window() -> chrono::Duration {
    chrono::Duration::days(30)
}
