//! Articles in the admin: the list, the editor (metadata and ordered blocks, with the workflow
//! buttons), revisions and the conflict page, the preview, and deletion. Their routes are in
//! [`crate::http::admin::routes`].

pub mod editor;
pub mod list;
pub mod preview;
pub mod revisions;
