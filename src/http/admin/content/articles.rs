//! Articles: the list (search, filters, sorting, pages), the editor (metadata and ordered
//! blocks, publish/schedule/unpublish/archive), the conflict page, the preview, and deletion.
//!
//! Every edit form carries the version it was opened at; saving over a newer version shows the
//! conflict page with both versions and the editor's text kept, never a silent overwrite.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use minijinja::{Value, context};
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::accounts::Permission;
use crate::domain::content::{Article, ArticleStatus, Block};
use crate::domain::problems::Problems;
use crate::domain::timestamp;
use crate::http::admin::audit::{self, Actor};
use crate::http::admin::client::ClientAddr;
use crate::http::admin::content::form::{Fields, format_datetime, parse_datetime};
use crate::http::admin::csrf::CsrfForm;
use crate::http::admin::error::AdminError;
use crate::http::admin::render::{field_errors, page};
use crate::http::admin::session::{self, Authorized, EditContent, ReadContent, SignedIn};
use crate::http::api::dto;
use crate::storage::content_write::{self, Author, EditorFilter, EditorSort, WriteError};
use crate::storage::public_read;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/articles", get(list))
        .route("/admin/articles/new", get(new_form).post(create))
        .route("/admin/articles/{slug}", get(edit_form).post(update))
        .route("/admin/articles/{slug}/preview", get(preview))
        .route(
            "/admin/articles/{slug}/delete",
            get(confirm_delete).post(delete),
        )
        .route("/admin/articles/{slug}/revisions", get(revisions))
        .route("/admin/markdown-preview", post(markdown_preview))
        .route("/admin/articles/slug-check", get(slug_check))
        .route("/admin/articles/{slug}/revisions/{id}", get(revision))
        .route(
            "/admin/articles/{slug}/revisions/{id}/restore",
            post(restore),
        )
}

const PER_PAGE: u64 = 25;

#[derive(Deserialize, Default)]
struct ListQuery {
    q: Option<String>,
    status: Option<String>,
    tag: Option<String>,
    perspective: Option<String>,
    sort: Option<String>,
    page: Option<u64>,
}

async fn list(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<ReadContent>,
    Query(query): Query<ListQuery>,
) -> Result<Response, AdminError> {
    let blank = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let sort = match query.sort.as_deref() {
        Some("title") => EditorSort::Title,
        Some("published") => EditorSort::NewestPublished,
        _ => EditorSort::RecentlyChanged,
    };
    let page_number = query.page.unwrap_or(1).clamp(1, 100_000);
    let filter = EditorFilter {
        words: query
            .q
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .take(10)
            .map(str::to_owned)
            .collect(),
        status: blank(&query.status).and_then(|s| ArticleStatus::parse(&s)),
        tag: blank(&query.tag),
        perspective: blank(&query.perspective),
        sort,
        page: page_number,
        per_page: PER_PAGE,
    };
    let (articles, total) = content_write::editor_articles(&app.db, &filter).await?;
    let values = context! {
        articles => Value::from(minijinja::value::Serde(&articles)),
        total,
        page => page_number,
        pages => total.div_ceil(PER_PAGE).max(1),
        query => context! {
            q => query.q.unwrap_or_default(),
            status => query.status.unwrap_or_default(),
            tag => query.tag.unwrap_or_default(),
            perspective => query.perspective.unwrap_or_default(),
            sort => query.sort.unwrap_or_default(),
        },
        statuses => ArticleStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        perspectives => super::perspective_choices(&app).await?,
        can_edit => who.can(Permission::EditContent),
    };
    Ok(
        page(&who, "content/articles.html", "/admin/articles", values)
            .await?
            .into_response(),
    )
}

/// The editor's draft as sent, plus problems found while reading it (a bad date).
fn draft_from(fields: &Fields) -> (Article, Problems) {
    let mut problems = Problems::new();
    let published_text = fields.get("published_at");
    let published_at = if published_text.trim().is_empty() {
        None
    } else {
        let parsed = parse_datetime(published_text);
        if parsed.is_none() {
            problems.push(
                "published_at",
                "enter a date and time such as 2026-12-01T09:00",
            );
        }
        parsed
    };
    let status = ArticleStatus::parse(fields.get("status")).unwrap_or_else(|| {
        problems.push("status", "choose a status");
        ArticleStatus::Draft
    });
    let types = fields.all("block_type");
    let headings = fields.all("block_heading");
    let bodies = fields.all("block_body");
    let refs = fields.all("block_ref");
    let blocks = types
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            let get = |v: &Vec<&str>| v.get(i).copied().unwrap_or("").to_owned();
            match *kind {
                "feelings" => Block::Feelings {
                    reference: get(&refs),
                },
                "steps" => Block::Steps {
                    reference: get(&refs),
                },
                "promo" => Block::Promo {
                    reference: get(&refs),
                },
                _ => Block::Text {
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
    let choices = content_write::block_choices(&app.db).await?;
    let pair = |(slug, title): &(String, String)| context! { slug => slug.clone(), title => title.clone() };
    Ok(context! {
        feeling_lists => choices.feeling_lists.iter().map(pair).collect::<Vec<_>>(),
        step_guides => choices.step_guides.iter().map(pair).collect::<Vec<_>>(),
        promos => choices.promos.iter().map(|(slug, title, kind)| context! { slug => slug.clone(), title => title.clone(), kind => kind.clone() }).collect::<Vec<_>>(),
    })
}

fn block_views(blocks: &[Block]) -> Vec<Value> {
    blocks
        .iter()
        .map(|b| match b {
            Block::Text { heading, body } => context! { kind => "text", heading => heading.clone().unwrap_or_default(), body => body.clone(), reference => "" },
            Block::Feelings { reference } | Block::Steps { reference } | Block::Promo { reference } => {
                context! { kind => b.kind(), heading => "", body => "", reference => reference.clone() }
            }
        })
        .collect()
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
    let draft = state.draft;
    let values = context! {
        original => state.original,
        version => state.version,
        article => context! {
            slug => draft.slug.clone(),
            title => draft.title.clone(),
            subtitle => draft.subtitle.clone().unwrap_or_default(),
            summary => draft.summary.clone().unwrap_or_default(),
            status => draft.status.as_str(),
            published_at => format_datetime(draft.published_at),
            tags => draft.tags.join(", "),
        },
        blocks => block_views(&draft.blocks),
        errors => field_errors(state.errors),
        unsaved => state.unsaved,
        statuses => ArticleStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        choices => picker_choices(app).await?,
        known_tags => content_write::known_tags(&app.db).await?,
        can_edit => who.can(Permission::EditContent),
    };
    Ok(page(who, "content/article.html", "/admin/articles", values)
        .await?
        .into_response())
}

async fn new_form(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<EditContent>,
) -> Result<Response, AdminError> {
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
    editor(
        &app,
        &who,
        EditorState {
            original: None,
            version: None,
            draft: &draft,
            errors: &Problems::new(),
            unsaved: false,
        },
    )
    .await
}

async fn edit_form(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<ReadContent>,
    Path(slug): Path<String>,
) -> Result<Response, AdminError> {
    let stored = content_write::load_article(&app.db, &slug)
        .await?
        .ok_or(AdminError::NotFound)?;
    let state = EditorState {
        original: Some(&slug),
        version: Some(stored.version),
        draft: &stored.article,
        errors: &Problems::new(),
        unsaved: false,
    };
    editor(&app, &who, state).await
}

async fn create(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<EditContent>,
    ClientAddr(addr): ClientAddr,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AdminError> {
    submit(app, who, addr, None, Fields(fields)).await
}

async fn update(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<EditContent>,
    ClientAddr(addr): ClientAddr,
    Path(slug): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AdminError> {
    submit(app, who, addr, Some(slug), Fields(fields)).await
}

/// Suggests a slug from a title: lowercase ASCII words joined by hyphens.
pub fn slug_from_title(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-')
        .chars()
        .take(120)
        .collect::<String>()
        .trim_end_matches('-')
        .to_owned()
}

async fn submit(
    app: AppState,
    who: SignedIn,
    addr: String,
    original: Option<String>,
    fields: Fields,
) -> Result<Response, AdminError> {
    let (mut draft, mut problems) = draft_from(&fields);
    let version: Option<i32> = fields.get("version").parse().ok();
    if original.is_some() && version.is_none() {
        return Err(AdminError::BadRequest(
            "the form has no version; reload the article and edit again".into(),
        ));
    }
    let raw_action = fields.get("action").to_owned();
    let show = |draft: Article, problems: Problems, unsaved: bool| {
        let app = app.clone();
        let original = original.clone();
        let who = &who;
        async move {
            editor(
                &app,
                who,
                EditorState {
                    original: original.as_deref(),
                    version,
                    draft: &draft,
                    errors: &problems,
                    unsaved,
                },
            )
            .await
        }
    };
    // Arranging blocks changes only the draft on screen.
    match raw_action.as_str() {
        "add_text" => {
            draft.blocks.push(Block::Text {
                heading: None,
                body: String::new(),
            });
            return show(draft, Problems::new(), true).await;
        }
        // Re-reads the pickers (after creating a list or guide in another tab), keeping the draft.
        "refresh" => return show(draft, Problems::new(), true).await,
        "add_feelings" | "add_steps" | "add_promo" => {
            let reference = fields.get(&format!("new_{}", &raw_action[4..])).to_owned();
            if !reference.is_empty() {
                draft.blocks.push(match raw_action.as_str() {
                    "add_feelings" => Block::Feelings { reference },
                    "add_steps" => Block::Steps { reference },
                    _ => Block::Promo { reference },
                });
            }
            return show(draft, Problems::new(), true).await;
        }
        _ => {}
    }
    if fields.action().rearrange(&mut draft.blocks) {
        return show(draft, Problems::new(), true).await;
    }
    let now = app.clock.now();
    match raw_action.as_str() {
        "publish" => {
            draft.status = ArticleStatus::Published;
            if draft.published_at.is_none_or(|t| t > now) {
                draft.published_at = Some(now);
            }
        }
        "unpublish" => draft.status = ArticleStatus::Draft,
        "archive" => draft.status = ArticleStatus::Archived,
        _ => {}
    }
    if draft.slug.is_empty() {
        draft.slug = slug_from_title(&draft.title);
    }
    if draft.status == ArticleStatus::Scheduled
        && draft.published_at.is_some_and(|t| t <= now)
        && raw_action != "publish"
    {
        problems.push(
            "published_at",
            "a scheduled article needs a time in the future",
        );
    }
    if !problems.is_empty() {
        return show(draft, problems, true).await;
    }
    let existing = original.as_deref().zip(version);
    let author = Author {
        user_id: Some(who.user.id),
        name: &who.user.email,
        keep: app.config.revisions_kept,
    };
    match content_write::save_article(&app.db, existing, &draft, &author, now).await {
        Ok(_) => {
            let what = if original.is_some() {
                "article_updated"
            } else {
                "article_created"
            };
            audit::record(
                &app,
                Actor::User(&who.user),
                what,
                &format!("{} ({})", draft.slug, draft.status.as_str()),
                &addr,
            )
            .await;
            session::flash(
                &who.session,
                format!("Saved \"{}\" ({}).", draft.title, draft.status.as_str()),
            )
            .await?;
            Ok(Redirect::to(&format!("/admin/articles/{}", draft.slug)).into_response())
        }
        Err(WriteError::Invalid(found)) => show(draft, found, true).await,
        Err(WriteError::Conflict) => {
            conflict(&app, &who, original.as_deref().unwrap_or(""), &draft).await
        }
        Err(other) => Err(other.into()),
    }
}

/// Both versions side by side; the editor's draft stays in a form that can be saved over the
/// newer version on purpose.
async fn conflict(
    app: &AppState,
    who: &SignedIn,
    slug: &str,
    mine: &Article,
) -> Result<Response, AdminError> {
    let Some(theirs) = content_write::load_article(&app.db, slug).await? else {
        return Err(AdminError::NotFound);
    };
    let as_text = |a: &Article| serde_json::to_string_pretty(a).unwrap_or_default();
    let values = context! {
        slug,
        current_version => theirs.version,
        updated_at => timestamp::format(&theirs.updated_at),
        theirs => as_text(&theirs.article),
        mine_text => as_text(mine),
        article => context! {
            slug => mine.slug.clone(),
            title => mine.title.clone(),
            subtitle => mine.subtitle.clone().unwrap_or_default(),
            summary => mine.summary.clone().unwrap_or_default(),
            status => mine.status.as_str(),
            published_at => format_datetime(mine.published_at),
            tags => mine.tags.join(", "),
        },
        blocks => block_views(&mine.blocks),
    };
    let body = page(who, "content/conflict.html", "/admin/articles", values).await?;
    Ok((axum::http::StatusCode::CONFLICT, body).into_response())
}

async fn preview(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<ReadContent>,
    Path(slug): Path<String>,
) -> Result<Response, AdminError> {
    let stored = content_write::load_article(&app.db, &slug)
        .await?
        .ok_or(AdminError::NotFound)?;
    let resolved = public_read::find_article_for_preview(&app.db, &slug, app.clock.now())
        .await?
        .ok_or(AdminError::NotFound)?;
    let placed = crate::storage::placements::running(
        &app.db,
        &app.config.promo_slots,
        &resolved.summary.tags,
        app.clock.now(),
    )
    .await?;
    let article = dto::Article::new(resolved, placed.value, &app.config.public_url);
    let expires = app.clock.now() + crate::domain::preview::lifetime();
    let token = crate::domain::preview::sign(app.preview_key().await?, &slug, expires);
    let values = context! {
        article => Value::from(minijinja::value::Serde(&article)),
        status => stored.article.status.as_str(),
        preview_url => format!("{}/api/v1/articles/{slug}?preview={token}", app.config.public_url),
        preview_expires => timestamp::format(&expires),
    };
    Ok(
        page(&who, "content/preview.html", "/admin/articles", values)
            .await?
            .into_response(),
    )
}

/// Asks before deleting (works without JavaScript).
async fn confirm_delete(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<EditContent>,
    Path(slug): Path<String>,
) -> Result<Response, AdminError> {
    let stored = content_write::load_article(&app.db, &slug)
        .await?
        .ok_or(AdminError::NotFound)?;
    let values =
        context! { slug, title => stored.article.title, status => stored.article.status.as_str() };
    Ok(page(
        &who,
        "content/delete_article.html",
        "/admin/articles",
        values,
    )
    .await?
    .into_response())
}

#[derive(Deserialize, Default)]
pub struct Empty {}

async fn delete(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<EditContent>,
    ClientAddr(addr): ClientAddr,
    Path(slug): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AdminError> {
    content_write::delete_article(&app.db, &slug).await?;
    audit::record(
        &app,
        Actor::User(&who.user),
        "article_deleted",
        &slug,
        &addr,
    )
    .await;
    session::flash(&who.session, format!("Article \"{slug}\" deleted.")).await?;
    Ok(Redirect::to("/admin/articles").into_response())
}

async fn revisions(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<ReadContent>,
    Path(slug): Path<String>,
) -> Result<Response, AdminError> {
    let list = content_write::revisions(&app.db, &slug)
        .await?
        .ok_or(AdminError::NotFound)?;
    let values = context! { slug, revisions => Value::from(minijinja::value::Serde(&list)), keep => app.config.revisions_kept };
    Ok(
        page(&who, "content/revisions.html", "/admin/articles", values)
            .await?
            .into_response(),
    )
}

/// What differs between two states of an article, field by field, for people.
fn differences(old: &Article, new: &Article) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = |name: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{name}: “{a}” → “{b}”"));
        }
    };
    field("title", old.title.clone(), new.title.clone());
    field("slug", old.slug.clone(), new.slug.clone());
    field(
        "subtitle",
        old.subtitle.clone().unwrap_or_default(),
        new.subtitle.clone().unwrap_or_default(),
    );
    field(
        "summary",
        old.summary.clone().unwrap_or_default(),
        new.summary.clone().unwrap_or_default(),
    );
    field(
        "status",
        old.status.as_str().to_owned(),
        new.status.as_str().to_owned(),
    );
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

async fn revision(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<ReadContent>,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<Response, AdminError> {
    let (summary, old) = content_write::revision(&app.db, &slug, id)
        .await?
        .ok_or(AdminError::NotFound)?;
    let current = content_write::load_article(&app.db, &slug)
        .await?
        .ok_or(AdminError::NotFound)?;
    let pretty = |a: &Article| serde_json::to_string_pretty(a).unwrap_or_default();
    let values = context! {
        slug,
        revision => Value::from(minijinja::value::Serde(&summary)),
        current_version => current.version,
        differences => differences(&old, &current.article),
        old_text => pretty(&old),
        current_text => pretty(&current.article),
        can_edit => who.can(Permission::EditContent),
    };
    Ok(
        page(&who, "content/revision.html", "/admin/articles", values)
            .await?
            .into_response(),
    )
}

#[derive(Deserialize, Default)]
pub struct RestoreForm {
    #[serde(default)]
    version: i32,
}

/// Saves an old revision as the newest version (which is itself a new revision).
async fn restore(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<EditContent>,
    ClientAddr(addr): ClientAddr,
    Path((slug, id)): Path<(String, i64)>,
    CsrfForm(form): CsrfForm<RestoreForm>,
) -> Result<Response, AdminError> {
    let (summary, old) = content_write::revision(&app.db, &slug, id)
        .await?
        .ok_or(AdminError::NotFound)?;
    let author = Author {
        user_id: Some(who.user.id),
        name: &who.user.email,
        keep: app.config.revisions_kept,
    };
    match content_write::save_article(
        &app.db,
        Some((&slug, form.version)),
        &old,
        &author,
        app.clock.now(),
    )
    .await
    {
        Ok(_) => {
            audit::record(
                &app,
                Actor::User(&who.user),
                "article_restored",
                &format!("{} to version {}", old.slug, summary.version),
                &addr,
            )
            .await;
            session::flash(
                &who.session,
                format!(
                    "Restored version {} as the newest version.",
                    summary.version
                ),
            )
            .await?;
            Ok(Redirect::to(&format!("/admin/articles/{}", old.slug)).into_response())
        }
        Err(WriteError::Conflict) => conflict(&app, &who, &slug, &old).await,
        Err(WriteError::Invalid(problems)) => {
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

#[derive(Deserialize, Default)]
struct SlugQuery {
    #[serde(default)]
    slug: String,
    /// The slug the article has now (an article may keep its own slug).
    #[serde(default)]
    current: String,
}

/// Checks a slug as the editor types: `{"ok": bool, "message": "..."}`.
async fn slug_check(
    State(app): State<AppState>,
    Authorized { .. }: Authorized<EditContent>,
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
    } else if content_write::article_slug_taken(
        &app.db,
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
async fn markdown_preview(
    Authorized { .. }: Authorized<EditContent>,
    CsrfForm(form): CsrfForm<MarkdownForm>,
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
    use super::slug_from_title;

    #[test]
    fn slugs_from_titles() {
        assert_eq!(
            slug_from_title("The Anxious-Avoidant Relationship Dynamic"),
            "the-anxious-avoidant-relationship-dynamic"
        );
        assert_eq!(slug_from_title("  What's   next?! "), "what-s-next");
        assert_eq!(slug_from_title("Été 2026"), "t-2026");
        assert_eq!(slug_from_title("!!!"), "");
    }
}
