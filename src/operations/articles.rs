//! Articles: saving (with the editor's workflow buttons), restoring a revision, deleting.
//!
//! Every save carries the version its form was opened at; saving over a newer version is a
//! [`OpError::Conflict`], never a silent overwrite. The version check and the write are one
//! statement, so two saves of one version cannot both win, on either database.

use std::collections::BTreeSet;

use crate::domain::content::Article;
use crate::domain::events::{ArticleState, ListPlace};
use crate::domain::publishing::{EditorAction, article_is_public, effective_status, visible_from};
use crate::domain::rules::slug_from_title;
use crate::domain::timestamp::Timestamp;
use crate::operations::{Actor, Found, OpError, pieces::validate_alone};
use crate::storage::library::References;
use crate::storage::revisions::{self, Author};
use crate::storage::{Store, articles};

/// An article the editor sends.
#[derive(Debug, Clone)]
pub struct ArticleSave {
    /// The slug and version the form was opened at; `None` for a new article.
    pub existing: Option<(String, i32)>,
    pub draft: Article,
    pub action: EditorAction,
}

/// A saved article: as stored (after the action), and its new version.
#[derive(Debug, Clone)]
pub struct Saved {
    pub article: Article,
    pub version: i32,
}

/// Saves an article: applies the action (publish, unpublish, archive), proposes a slug from the
/// title when none is given, checks every rule (its own, publishing, references), then writes
/// header, tags, blocks and a revision, with the events readers will see.
pub async fn save(
    store: &Store,
    actor: Actor,
    author: Author,
    request: ArticleSave,
    now: Timestamp,
) -> Result<Saved, OpError> {
    write(store, actor, author, request, now, None).await
}

/// [`save`], recording `audit` (action, subject) instead of the usual entry.
async fn write(
    store: &Store,
    actor: Actor,
    author: Author,
    request: ArticleSave,
    now: Timestamp,
    audit: Option<(&'static str, String)>,
) -> Result<Saved, OpError> {
    let ArticleSave {
        existing,
        mut draft,
        action,
    } = request;
    action.apply(&mut draft, now);
    if draft.slug.is_empty() {
        draft.slug = slug_from_title(&draft.title);
    }
    store
        .write_content(now, move |tx| {
            Box::pin(async move {
                validate_alone(
                    tx.db(),
                    crate::domain::bundle::Bundle {
                        articles: vec![draft.clone()],
                        ..crate::domain::bundle::Bundle::empty()
                    },
                    "articles[0]",
                    now,
                )
                .await?;
                let before = match &existing {
                    Some((slug, expected)) => {
                        let row = articles::row_by_slug(tx.db(), slug).await?.found()?;
                        if row.version != *expected {
                            return Err(OpError::Conflict);
                        }
                        Some(row)
                    }
                    None => None,
                };
                let (id, version) = match &before {
                    Some(row) => {
                        if !articles::update_if_version(tx.db(), row.id, row.version, &draft, now)
                            .await?
                        {
                            return Err(OpError::Conflict);
                        }
                        (row.id, row.version + 1)
                    }
                    None => (articles::insert(tx.db(), &draft, now).await?, 1),
                };
                let old_tags = match &before {
                    Some(row) => articles::tags_of(tx.db(), &[row.id])
                        .await?
                        .remove(&row.id)
                        .unwrap_or_default(),
                    None => BTreeSet::new(),
                };
                let tags: BTreeSet<String> = draft.tags.iter().cloned().collect();
                let visible = visible_from(draft.status, draft.published_at);
                articles::replace_tags(tx.db(), id, &tags, visible).await?;
                let refs = References::load(tx.db()).await?;
                let blocks = draft
                    .blocks
                    .iter()
                    .map(|b| refs.block_row(b))
                    .collect::<Result<Vec<_>, _>>()?;
                articles::replace_blocks(tx.db(), id, blocks).await?;
                revisions::record(tx.db(), id, version, &draft, &author, now).await?;
                tx.events().article_changed(
                    before.as_ref().map(|row| ArticleState {
                        slug: &row.slug,
                        visible: article_is_public(row.status, row.published_at, now),
                        place: Some(ListPlace {
                            visible_from: visible_from(row.status, row.published_at),
                            tags: &old_tags,
                        }),
                    }),
                    Some(ArticleState {
                        slug: &draft.slug,
                        visible: article_is_public(draft.status, draft.published_at, now),
                        place: Some(ListPlace {
                            visible_from: visible,
                            tags: &tags,
                        }),
                    }),
                );
                let (what, subject) = audit.unwrap_or_else(|| {
                    let what = if before.is_some() {
                        "article_updated"
                    } else {
                        "article_created"
                    };
                    (what, format!("{} ({})", draft.slug, draft.status))
                });
                actor.audit(tx.db(), what, &subject, now).await?;
                Ok(Saved {
                    article: draft,
                    version,
                })
            })
        })
        .await
}

/// Saves an old revision as the newest version of the article `slug` (opened at `version`).
/// A scheduled time that has passed since is restored as published.
pub async fn restore(
    store: &Store,
    actor: Actor,
    author: Author,
    slug: &str,
    revision: i64,
    version: i32,
    now: Timestamp,
) -> Result<(i32, Saved), OpError> {
    let row = articles::row_by_slug(store.conn(), slug).await?.found()?;
    let (summary, mut old) = revisions::find(store.conn(), row.id, revision)
        .await?
        .found()?;
    old.status = effective_status(old.status, old.published_at, now);
    let subject = format!("{} to version {}", old.slug, summary.version);
    let request = ArticleSave {
        existing: Some((slug.to_owned(), version)),
        draft: old,
        action: EditorAction::Save,
    };
    let audit = Some(("article_restored", subject));
    let saved = write(store, actor, author, request, now, audit).await?;
    Ok((summary.version, saved))
}

/// Deletes an article (its tags, blocks and revisions go with it).
pub async fn delete(
    store: &Store,
    actor: Actor,
    slug: String,
    now: Timestamp,
) -> Result<(), OpError> {
    store
        .write_content(now, move |tx| {
            Box::pin(async move {
                let row = articles::row_by_slug(tx.db(), &slug).await?.found()?;
                articles::delete(tx.db(), row.id).await?;
                tx.events().article_changed(
                    Some(ArticleState {
                        slug: &row.slug,
                        visible: article_is_public(row.status, row.published_at, now),
                        place: None,
                    }),
                    None,
                );
                actor.audit(tx.db(), "article_deleted", &slug, now).await?;
                Ok(())
            })
        })
        .await
}
