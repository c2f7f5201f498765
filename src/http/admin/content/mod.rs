//! The editors' screens: articles, feeling lists, step guides and perspectives.
//! Editors and admins change content; marketers may look but not change.

pub mod articles;
pub mod feeling_lists;
pub mod form;
pub mod perspectives;
pub mod reusable;
pub mod step_guides;

use minijinja::{Value, context};

use crate::http::admin::error::AdminError;
use crate::state::AppState;

/// Articles (slug, title) that use something, for templates.
pub fn usage(users: &[(String, String)]) -> Vec<Value> {
    users
        .iter()
        .map(|(slug, title)| context! { slug => slug.clone(), title => title.clone() })
        .collect()
}

/// The perspectives for a select box: key and label.
pub async fn perspective_choices(app: &AppState) -> Result<Vec<Value>, AdminError> {
    Ok(
        crate::storage::public_read::list_perspectives(app.db.conn())
            .await?
            .into_iter()
            .map(|p| context! { key => p.key, label => p.label })
            .collect(),
    )
}
