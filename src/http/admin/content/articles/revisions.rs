//! An article's revisions: the list, one revision compared with the current version, and
//! restoring one as the newest version.

use axum::extract::Path;
use axum::response::Response;
use minijinja::{Value, context};
use serde::Deserialize;

use crate::domain::accounts::Permission;
use crate::domain::content::Article;
use crate::http::admin::content::form::format_datetime;
use crate::http::admin::error::AdminError;
use crate::http::admin::render::page;
use crate::http::admin::request::{Submitted, Visit};
use crate::http::admin::session::{self, EditContent, ReadContent};
use crate::operations::{self, OpError};
use crate::state::AppState;
use crate::storage::articles;
use crate::storage::revisions::{self as stored, RevisionSummary};

use super::editor::conflict;
use super::{as_text, load_or_404};

/// The id of the article with this slug, or the 404 page.
async fn article_id(app: &AppState, slug: &str) -> Result<i32, AdminError> {
    let row = articles::row_by_slug(app.db.conn(), slug).await?;
    Ok(row.ok_or(AdminError::NotFound)?.id)
}

/// Revision `id` of article `article_id` (its summary and content), or the 404 page.
async fn revision_or_404(
    app: &AppState,
    article_id: i32,
    id: i64,
) -> Result<(RevisionSummary, Article), AdminError> {
    stored::find(app.db.conn(), article_id, id)
        .await?
        .ok_or(AdminError::NotFound)
}

pub async fn revisions(
    Visit { app, who, .. }: Visit<ReadContent>,
    Path(slug): Path<String>,
) -> Result<Response, AdminError> {
    let list = stored::list(app.db.conn(), article_id(&app, &slug).await?).await?;
    let values = context! { slug, revisions => Value::from(minijinja::value::Serde(&list)), keep => app.config.revisions_kept };
    page(&who, "content/revisions.html", "/admin/articles", values).await
}

/// What differs between two states of an article, field by field, for people.
fn differences(old: &Article, new: &Article) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = |name: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{name}: “{a}” → “{b}”"));
        }
    };
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    field("title", old.title.clone(), new.title.clone());
    field("slug", old.slug.clone(), new.slug.clone());
    field("subtitle", text(&old.subtitle), text(&new.subtitle));
    field("summary", text(&old.summary), text(&new.summary));
    field("status", old.status.to_string(), new.status.to_string());
    field(
        "publish at",
        format_datetime(old.published_at),
        format_datetime(new.published_at),
    );
    field("tags", old.tags.join(", "), new.tags.join(", "));
    for i in 0..old.blocks.len().max(new.blocks.len()) {
        match (old.blocks.get(i), new.blocks.get(i)) {
            (Some(a), Some(b)) if a != b => out.push(format!(
                "block {}: changed ({} → {})",
                i + 1,
                a.kind(),
                b.kind()
            )),
            (Some(a), None) => out.push(format!("block {}: {} removed", i + 1, a.kind())),
            (None, Some(b)) => out.push(format!("block {}: {} added", i + 1, b.kind())),
            _ => {}
        }
    }
    out
}

pub async fn revision(
    Visit { app, who, .. }: Visit<ReadContent>,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<Response, AdminError> {
    let current = load_or_404(&app, &slug).await?;
    let (summary, old) = revision_or_404(&app, current.id, id).await?;
    let values = context! {
        slug,
        revision => Value::from(minijinja::value::Serde(&summary)),
        current_version => current.version,
        differences => differences(&old, &current.article),
        old_text => as_text(&old),
        current_text => as_text(&current.article),
        can_edit => who.can(Permission::EditContent),
    };
    page(&who, "content/revision.html", "/admin/articles", values).await
}

#[derive(Deserialize, Default)]
pub struct RestoreForm {
    #[serde(default)]
    version: i32,
}

/// Saves an old revision as the newest version (which is itself a new revision).
pub async fn restore(
    Submitted {
        app,
        who,
        actor,
        path: Path((slug, id)),
        form,
        ..
    }: Submitted<EditContent, RestoreForm, Path<(String, i64)>>,
) -> Result<Response, AdminError> {
    let author = session::author(&who, app.config.revisions_kept);
    let now = app.clock.now();
    match operations::articles::restore(&app.db, actor, author, &slug, id, form.version, now).await
    {
        Ok((restored, saved)) => {
            let message = format!("Restored version {restored} as the newest version.");
            who.done(message, &format!("/admin/articles/{}", saved.article.slug))
                .await
        }
        Err(OpError::Conflict) => {
            let (_, old) = revision_or_404(&app, article_id(&app, &slug).await?, id).await?;
            conflict(&app, &who, &slug, &old).await
        }
        Err(OpError::Invalid(problems)) => {
            let message = problems
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("; ");
            Err(AdminError::BadRequest(format!(
                "this revision cannot be restored as it is: {message}"
            )))
        }
        Err(other) => Err(other.into()),
    }
}
