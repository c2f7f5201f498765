//! The article editor: the form (metadata and ordered blocks), its buttons, and the conflict
//! page. Arranging blocks changes only the draft on screen; Save and the workflow buttons write
//! through [`operations::articles`].
//!
//! Every form carries the version it was opened at; saving over a newer version shows the
//! conflict page with both versions and the editor's text kept, never a silent overwrite.

use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::domain::accounts::Permission;
use crate::domain::content::{Article, ArticleStatus, Block, BlockKind};
use crate::domain::problems::Problems;
use crate::domain::publishing::{EditorAction, effective_status};
use crate::domain::timestamp;
use crate::http::admin::content::form::{self, Fields, format_datetime};
use crate::http::admin::error::AdminError;
use crate::http::admin::render::{field_errors, page};
use crate::http::admin::request::{Submitted, Visit};
use crate::http::admin::session::{self, EditContent, ReadContent, SignedIn};
use crate::operations::OpError;
use crate::operations::articles::{self, ArticleSave};
use crate::state::AppState;
use crate::storage::{article_list, articles as stored_articles};

use super::{as_text, load_or_404};

/// What the button that sent the form asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormAction {
    /// Adds an empty text section to the draft.
    AddText,
    /// Adds a block showing the piece chosen in that kind's picker.
    AddPiece(BlockKind),
    /// Re-reads the pickers (after creating a list or guide in another tab), keeping the draft.
    Refresh,
    /// Moves or removes a block of the draft.
    Arrange(form::Action),
    /// Writes the draft, with a workflow step.
    Write(EditorAction),
}

impl FormAction {
    fn parse(fields: &Fields) -> Self {
        match fields.get("action") {
            "add_text" => Self::AddText,
            "add_feelings" => Self::AddPiece(BlockKind::Feelings),
            "add_steps" => Self::AddPiece(BlockKind::Steps),
            "add_promo" => Self::AddPiece(BlockKind::Promo),
            "refresh" => Self::Refresh,
            "publish" => Self::Write(EditorAction::Publish),
            "unpublish" => Self::Write(EditorAction::Unpublish),
            "archive" => Self::Write(EditorAction::Archive),
            _ => match fields.action() {
                form::Action::Save | form::Action::Add => Self::Write(EditorAction::Save),
                moved => Self::Arrange(moved),
            },
        }
    }
}

/// The editor's draft as sent, plus problems found while reading it (a bad date, a status).
fn draft_from(fields: &Fields) -> (Article, Problems) {
    let mut problems = Problems::new();
    let published_at = form::optional_datetime(fields, "published_at", &mut problems);
    let status = ArticleStatus::parse(fields.get("status")).unwrap_or_else(|| {
        problems.push("status", "choose a status");
        ArticleStatus::Draft
    });
    let headings = fields.all("block_heading");
    let bodies = fields.all("block_body");
    let refs = fields.all("block_ref");
    let blocks = fields
        .all("block_type")
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            let get = |v: &Vec<&str>| v.get(i).copied().unwrap_or("").to_owned();
            match BlockKind::parse(kind) {
                Some(BlockKind::Feelings) => Block::Feelings {
                    reference: get(&refs),
                },
                Some(BlockKind::Steps) => Block::Steps {
                    reference: get(&refs),
                },
                Some(BlockKind::Promo) => Block::Promo {
                    reference: get(&refs),
                },
                Some(BlockKind::Text) | None => Block::Text {
                    heading: Some(get(&headings)).filter(|h| !h.trim().is_empty()),
                    body: get(&bodies),
                },
            }
        })
        .collect();
    let mut tags: Vec<String> = Vec::new();
    for tag in fields
        .get("tags")
        .split(',')
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty())
    {
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    let article = Article {
        slug: fields.get("slug").trim().to_owned(),
        title: fields.get("title").to_owned(),
        subtitle: fields.optional("subtitle"),
        summary: fields.optional("summary"),
        status,
        published_at,
        tags,
        blocks,
    };
    (article, problems)
}

/// Choices for the block pickers.
async fn picker_choices(app: &AppState) -> Result<Value, AdminError> {
    let choices = article_list::block_choices(app.db.conn()).await?;
    let pair = |(slug, title): &(String, String)| context! { slug, title };
    Ok(context! {
        feeling_lists => choices.feeling_lists.iter().map(pair).collect::<Vec<_>>(),
        step_guides => choices.step_guides.iter().map(pair).collect::<Vec<_>>(),
        promos => choices.promos.iter().map(|(slug, title, kind)| context! { slug, title, kind => kind.as_str() }).collect::<Vec<_>>(),
    })
}

pub(super) fn block_views(blocks: &[Block]) -> Vec<Value> {
    blocks
        .iter()
        .map(|b| match b {
            Block::Text { heading, body } => context! { kind => "text", heading => heading.clone().unwrap_or_default(), body, reference => "" },
            other => context! { kind => other.kind().as_str(), heading => "", body => "", reference => other.reference() },
        })
        .collect()
}

/// The form's header fields, for the editor and the conflict page.
pub(super) fn header_view(article: &Article) -> Value {
    context! {
        slug => article.slug.clone(),
        title => article.title.clone(),
        subtitle => article.subtitle.clone().unwrap_or_default(),
        summary => article.summary.clone().unwrap_or_default(),
        status => article.status.as_str(),
        published_at => format_datetime(article.published_at),
        tags => article.tags.join(", "),
    }
}

struct EditorState<'a> {
    original: Option<&'a str>,
    version: Option<i32>,
    draft: &'a Article,
    errors: &'a Problems,
    unsaved: bool,
}

async fn editor(
    app: &AppState,
    who: &SignedIn,
    state: EditorState<'_>,
) -> Result<Response, AdminError> {
    let values = context! {
        original => state.original,
        version => state.version,
        article => header_view(state.draft),
        blocks => block_views(&state.draft.blocks),
        errors => field_errors(state.errors),
        unsaved => state.unsaved,
        statuses => ArticleStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        choices => picker_choices(app).await?,
        known_tags => stored_articles::known_tags(app.db.conn()).await?,
        can_edit => who.can(Permission::EditContent),
    };
    page(who, "content/article.html", "/admin/articles", values).await
}

pub async fn new_form(Visit { app, who, .. }: Visit<EditContent>) -> Result<Response, AdminError> {
    let draft = Article {
        slug: String::new(),
        title: String::new(),
        subtitle: None,
        summary: None,
        status: ArticleStatus::Draft,
        published_at: None,
        tags: Vec::new(),
        blocks: vec![Block::Text {
            heading: None,
            body: String::new(),
        }],
    };
    let state = EditorState {
        original: None,
        version: None,
        draft: &draft,
        errors: &Problems::new(),
        unsaved: false,
    };
    editor(&app, &who, state).await
}

pub async fn edit_form(
    Visit { app, who, .. }: Visit<ReadContent>,
    Path(slug): Path<String>,
) -> Result<Response, AdminError> {
    let mut stored = load_or_404(&app, &slug).await?;
    let article = &mut stored.article;
    article.status = effective_status(article.status, article.published_at, app.clock.now());
    let state = EditorState {
        original: Some(&slug),
        version: Some(stored.version),
        draft: &stored.article,
        errors: &Problems::new(),
        unsaved: false,
    };
    editor(&app, &who, state).await
}

/// Saves the new-article form (`/admin/articles/new`) or an article's form (at the slug it was
/// opened with), or applies the button that arranges its draft.
pub async fn save(
    Submitted {
        app,
        who,
        actor,
        path,
        form: fields,
        ..
    }: Submitted<EditContent, Fields, Option<Path<String>>>,
) -> Result<Response, AdminError> {
    let original = path.map(|Path(slug)| slug);
    let (mut draft, problems) = draft_from(&fields);
    let version: Option<i32> = fields.get("version").parse().ok();
    if original.is_some() && version.is_none() {
        return Err(AdminError::BadRequest(
            "the form has no version; reload the article and edit again".into(),
        ));
    }
    let unsaved = |draft, errors| EditorState {
        original: original.as_deref(),
        version,
        draft,
        errors,
        unsaved: true,
    };
    let none = Problems::new();
    let action = match FormAction::parse(&fields) {
        FormAction::AddText => {
            draft.blocks.push(Block::Text {
                heading: None,
                body: String::new(),
            });
            return editor(&app, &who, unsaved(&draft, &none)).await;
        }
        FormAction::AddPiece(kind) => {
            let reference = fields.get(&format!("new_{kind}")).to_owned();
            if !reference.is_empty() {
                draft.blocks.push(match kind {
                    BlockKind::Feelings => Block::Feelings { reference },
                    BlockKind::Steps => Block::Steps { reference },
                    BlockKind::Promo | BlockKind::Text => Block::Promo { reference },
                });
            }
            return editor(&app, &who, unsaved(&draft, &none)).await;
        }
        FormAction::Refresh => return editor(&app, &who, unsaved(&draft, &none)).await,
        FormAction::Arrange(moved) => {
            moved.rearrange(&mut draft.blocks);
            return editor(&app, &who, unsaved(&draft, &none)).await;
        }
        FormAction::Write(action) => action,
    };
    if !problems.is_empty() {
        return editor(&app, &who, unsaved(&draft, &problems)).await;
    }
    let request = ArticleSave {
        existing: original.clone().zip(version),
        draft: draft.clone(),
        action,
    };
    let author = session::author(&who, app.config.revisions_kept);
    let now = app.clock.now();
    match articles::save(&app.db, actor, author, request, now).await {
        Ok(saved) => {
            let message = format!(
                "Saved \"{}\" ({}).",
                saved.article.title, saved.article.status
            );
            who.done(message, &format!("/admin/articles/{}", saved.article.slug))
                .await
        }
        Err(OpError::Invalid(found)) => {
            action.apply(&mut draft, now);
            editor(&app, &who, unsaved(&draft, &found)).await
        }
        Err(OpError::Conflict) => {
            conflict(&app, &who, original.as_deref().unwrap_or(""), &draft).await
        }
        Err(other) => Err(other.into()),
    }
}

/// Both versions side by side; the editor's draft stays in a form that can be saved over the
/// newer version on purpose.
pub(super) async fn conflict(
    app: &AppState,
    who: &SignedIn,
    slug: &str,
    mine: &Article,
) -> Result<Response, AdminError> {
    let theirs = load_or_404(app, slug).await?;
    let values = context! {
        slug,
        current_version => theirs.version,
        updated_at => timestamp::format(&theirs.updated_at),
        theirs => as_text(&theirs.article),
        mine_text => as_text(mine),
        article => header_view(mine),
        blocks => block_views(&mine.blocks),
    };
    let mut response = page(who, "content/conflict.html", "/admin/articles", values).await?;
    *response.status_mut() = axum::http::StatusCode::CONFLICT;
    Ok(response)
}

#[derive(Deserialize, Default)]
pub struct SlugQuery {
    #[serde(default)]
    slug: String,
    /// The slug the article has now (an article may keep its own slug).
    #[serde(default)]
    current: String,
}

/// Checks a slug as the editor types: `{"ok": bool, "message": "..."}`.
pub async fn slug_check(
    Visit { app, .. }: Visit<EditContent>,
    Query(query): Query<SlugQuery>,
) -> Result<Response, AdminError> {
    let slug = query.slug.trim();
    let (ok, message) = if slug.is_empty() {
        (true, "will be proposed from the title".to_owned())
    } else if !crate::domain::rules::is_valid_slug(slug) {
        (
            false,
            "use lowercase letters, digits and single hyphens".to_owned(),
        )
    } else if stored_articles::slug_taken(
        app.db.conn(),
        slug,
        Some(query.current.as_str()).filter(|c| !c.is_empty()),
    )
    .await?
    {
        (false, format!("another article already uses \"{slug}\""))
    } else {
        (true, "available".to_owned())
    };
    Ok(axum::Json(serde_json::json!({ "ok": ok, "message": message })).into_response())
}

#[derive(Deserialize, Default)]
pub struct MarkdownForm {
    #[serde(default)]
    markdown: String,
}

/// The editor's live preview: Markdown in, the same sanitized HTML the API serves out.
pub async fn markdown_preview(
    Submitted { form, .. }: Submitted<EditContent, MarkdownForm>,
) -> Response {
    let html = crate::domain::markdown::to_safe_html(&form.markdown);
    (
        [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(value: &str) -> FormAction {
        FormAction::parse(&Fields(vec![("action".into(), value.into())]))
    }

    #[test]
    fn every_button_has_one_meaning() {
        assert_eq!(action("save"), FormAction::Write(EditorAction::Save));
        assert_eq!(action(""), FormAction::Write(EditorAction::Save));
        assert_eq!(action("publish"), FormAction::Write(EditorAction::Publish));
        assert_eq!(
            action("unpublish"),
            FormAction::Write(EditorAction::Unpublish)
        );
        assert_eq!(action("archive"), FormAction::Write(EditorAction::Archive));
        assert_eq!(action("add_text"), FormAction::AddText);
        assert_eq!(action("add_steps"), FormAction::AddPiece(BlockKind::Steps));
        assert_eq!(action("refresh"), FormAction::Refresh);
        assert_eq!(action("up:2"), FormAction::Arrange(form::Action::MoveUp(2)));
    }
}
