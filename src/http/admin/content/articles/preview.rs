//! An article as readers will see it (with a preview link for the frontend), and deleting one
//! after asking on a page of its own.

use axum::extract::Path;
use axum::response::Response;
use minijinja::{Value, context};

use crate::domain::timestamp;
use crate::http::admin::error::AdminError;
use crate::http::admin::render::page;
use crate::http::admin::request::{Empty, Submitted, Visit};
use crate::http::admin::session::{EditContent, ReadContent};
use crate::http::api::dto;
use crate::operations;
use crate::storage::{StorageError, articles, placements, public_read};

use super::load_or_404;

pub async fn preview(
    Visit { app, who, .. }: Visit<ReadContent>,
    Path(slug): Path<String>,
) -> Result<Response, AdminError> {
    let now = app.clock.now();
    let slots = app.config.promo_slots.clone();
    let wanted = slug.clone();
    let found = app
        .db
        .read(move |txn| {
            Box::pin(async move {
                let Some(stored) = articles::load(txn, &wanted).await? else {
                    return Ok::<_, StorageError>(None);
                };
                let Some(resolved) =
                    public_read::find_article_for_preview(txn, &wanted, now).await?
                else {
                    return Ok(None);
                };
                let placed = placements::running(txn, &slots, &resolved.summary.tags, now).await?;
                Ok(Some((stored.article.status, resolved, placed.value)))
            })
        })
        .await?;
    let (status, resolved, placed) = found.ok_or(AdminError::NotFound)?;
    let article = dto::Article::new(resolved, placed, &app.config.public_url);
    let expires = now + crate::domain::preview::lifetime();
    let token = crate::domain::preview::sign(app.preview_key().await?, &slug, expires);
    let values = context! {
        article => Value::from(minijinja::value::Serde(&article)),
        status => status.as_str(),
        preview_url => format!("{}/api/v1/articles/{slug}?preview={token}", app.config.public_url),
        preview_expires => timestamp::format(&expires),
    };
    page(&who, "content/preview.html", "/admin/articles", values).await
}

/// Asks before deleting (works without JavaScript).
pub async fn confirm_delete(
    Visit { app, who, .. }: Visit<EditContent>,
    Path(slug): Path<String>,
) -> Result<Response, AdminError> {
    let stored = load_or_404(&app, &slug).await?;
    let values =
        context! { slug, title => stored.article.title, status => stored.article.status.as_str() };
    page(
        &who,
        "content/delete_article.html",
        "/admin/articles",
        values,
    )
    .await
}

pub async fn delete(
    Submitted {
        app,
        who,
        actor,
        path: Path(slug),
        ..
    }: Submitted<EditContent, Empty, Path<String>>,
) -> Result<Response, AdminError> {
    operations::articles::delete(&app.db, actor, slug.clone(), app.clock.now()).await?;
    who.done(format!("Article \"{slug}\" deleted."), "/admin/articles")
        .await
}
