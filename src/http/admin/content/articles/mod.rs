//! Articles in the admin: the list, the editor (metadata and ordered blocks, with the workflow
//! buttons), revisions and the conflict page, the preview, and deletion.

mod editor;
mod list;
mod preview;
mod revisions;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/articles", get(list::list))
        .route(
            "/admin/articles/new",
            get(editor::new_form).post(editor::create),
        )
        .route("/admin/articles/slug-check", get(editor::slug_check))
        .route(
            "/admin/articles/{slug}",
            get(editor::edit_form).post(editor::update),
        )
        .route("/admin/articles/{slug}/preview", get(preview::preview))
        .route(
            "/admin/articles/{slug}/delete",
            get(preview::confirm_delete).post(preview::delete),
        )
        .route(
            "/admin/articles/{slug}/revisions",
            get(revisions::revisions),
        )
        .route(
            "/admin/articles/{slug}/revisions/{id}",
            get(revisions::revision),
        )
        .route(
            "/admin/articles/{slug}/revisions/{id}/restore",
            post(revisions::restore),
        )
        .route("/admin/markdown-preview", post(editor::markdown_preview))
}
