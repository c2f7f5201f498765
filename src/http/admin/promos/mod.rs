//! The marketers' screens: promos (list, editor with live preview, pause, duplicate, delete),
//! their placements in slots, click reports with a server-drawn chart, the CSV export and link
//! checks. Marketers and admins change promos; editors may look but not change.

pub mod chart;
pub mod editor;
pub mod list;
pub mod overview;
pub mod placements;
pub mod report;

/// The last 30 days, the window of the list's and the CSV's recent clicks.
pub fn recent_window() -> chrono::Duration {
    chrono::Duration::days(30)
}
