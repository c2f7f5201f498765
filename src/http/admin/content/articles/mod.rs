//! Articles in the admin: the list, the editor (metadata and ordered blocks, with the workflow
//! buttons), revisions and the conflict page, the preview, and deletion. Their routes are in
//! [`crate::http::admin::routes`].

pub mod editor;
pub mod list;
pub mod preview;
pub mod revisions;

use crate::domain::content::Article;
use crate::http::admin::error::AdminError;
use crate::state::AppState;
use crate::storage::articles::{self, StoredArticle};

/// The stored article with this slug, or the 404 page.
async fn load_or_404(app: &AppState, slug: &str) -> Result<StoredArticle, AdminError> {
    articles::load(app.db.conn(), slug)
        .await?
        .ok_or(AdminError::NotFound)
}

/// An article as indented JSON, to compare two versions of it as text.
fn as_text(article: &Article) -> String {
    serde_json::to_string_pretty(article).unwrap_or_default()
}
