//! Feeling lists: list, create, edit (items with their perspective, reordered with buttons),
//! see which articles use a list, delete only when none does.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};

use crate::app::AppState;
use crate::domain::accounts::Permission;
use crate::domain::content::{FeelingItem, FeelingList};
use crate::domain::problems::Problems;
use crate::http::admin::audit::{self, Actor};
use crate::http::admin::client::ClientAddr;
use crate::http::admin::content::form::{Action, Fields};
use crate::http::admin::content::{perspective_choices, usage};
use crate::http::admin::csrf::CsrfForm;
use crate::http::admin::error::AdminError;
use crate::http::admin::render::{field_errors, page};
use crate::http::admin::session::{self, Authorized, EditContent, ReadContent, SignedIn};
use crate::storage::content_write::{self, WriteError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/feeling-lists", get(list))
        .route("/admin/feeling-lists/new", get(new_form).post(create))
        .route("/admin/feeling-lists/{slug}", get(edit_form).post(update))
        .route("/admin/feeling-lists/{slug}/delete", post(delete))
}

async fn list(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<ReadContent>,
) -> Result<Response, AdminError> {
    let lists: Vec<Value> = content_write::feeling_lists_overview(&app.db)
        .await?
        .into_iter()
        .map(|(slug, title, used)| context! { slug, title, used })
        .collect();
    let can_edit = who.can(Permission::EditContent);
    Ok(page(
        &who,
        "content/feeling_lists.html",
        "/admin/feeling-lists",
        context! { lists, can_edit },
    )
    .await?
    .into_response())
}

/// The form's draft: slug, title and items in the order shown.
fn draft_from(fields: &Fields) -> FeelingList {
    let items = fields
        .all("item_perspective")
        .into_iter()
        .zip(fields.all("item_text"))
        .map(|(perspective, text)| FeelingItem {
            perspective: perspective.to_owned(),
            text: text.to_owned(),
        })
        .collect();
    FeelingList {
        slug: fields.get("slug").trim().to_owned(),
        title: fields.get("title").to_owned(),
        items,
    }
}

async fn editor(
    app: &AppState,
    who: &SignedIn,
    original: Option<&str>,
    draft: &FeelingList,
    errors: &Problems,
    unsaved: bool,
) -> Result<Response, AdminError> {
    let used_by = match original {
        Some(slug) => content_write::feeling_list_users(&app.db, slug).await?,
        None => Vec::new(),
    };
    let values = context! {
        original,
        list => Value::from(minijinja::value::Serde(draft)),
        errors => field_errors(errors),
        perspectives => perspective_choices(app).await?,
        used_by => usage(&used_by),
        unsaved,
        can_edit => who.can(Permission::EditContent),
    };
    Ok(page(
        who,
        "content/feeling_list.html",
        "/admin/feeling-lists",
        values,
    )
    .await?
    .into_response())
}

async fn new_form(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<EditContent>,
) -> Result<Response, AdminError> {
    let first = perspective_choices(&app)
        .await?
        .first()
        .and_then(|p| p.get_attr("key").ok())
        .map(|k| k.to_string())
        .unwrap_or_default();
    let draft = FeelingList {
        slug: String::new(),
        title: String::new(),
        items: vec![FeelingItem {
            perspective: first,
            text: String::new(),
        }],
    };
    editor(&app, &who, None, &draft, &Problems::new(), false).await
}

async fn edit_form(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<ReadContent>,
    Path(slug): Path<String>,
) -> Result<Response, AdminError> {
    let list = content_write::load_feeling_list(&app.db, &slug)
        .await?
        .ok_or(AdminError::NotFound)?;
    editor(&app, &who, Some(&slug), &list, &Problems::new(), false).await
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

async fn submit(
    app: AppState,
    who: SignedIn,
    addr: String,
    original: Option<String>,
    fields: Fields,
) -> Result<Response, AdminError> {
    let mut draft = draft_from(&fields);
    let action = fields.action();
    if action == Action::Add {
        let perspective = draft
            .items
            .last()
            .map(|i| i.perspective.clone())
            .unwrap_or_default();
        draft.items.push(FeelingItem {
            perspective,
            text: String::new(),
        });
        return editor(
            &app,
            &who,
            original.as_deref(),
            &draft,
            &Problems::new(),
            true,
        )
        .await;
    }
    if action.rearrange(&mut draft.items) {
        return editor(
            &app,
            &who,
            original.as_deref(),
            &draft,
            &Problems::new(),
            true,
        )
        .await;
    }
    match content_write::save_feeling_list(&app.db, original.as_deref(), &draft, app.clock.now())
        .await
    {
        Ok(()) => {
            let what = if original.is_some() {
                "feeling_list_updated"
            } else {
                "feeling_list_created"
            };
            audit::record(&app, Actor::User(&who.user), what, &draft.slug, &addr).await;
            session::flash(&who.session, format!("Saved \"{}\".", draft.title)).await?;
            Ok(Redirect::to(&format!("/admin/feeling-lists/{}", draft.slug)).into_response())
        }
        Err(WriteError::Invalid(problems)) => {
            editor(&app, &who, original.as_deref(), &draft, &problems, true).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct Empty {}

async fn delete(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<EditContent>,
    ClientAddr(addr): ClientAddr,
    Path(slug): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AdminError> {
    match content_write::delete_feeling_list(&app.db, &slug).await {
        Ok(()) => {
            audit::record(
                &app,
                Actor::User(&who.user),
                "feeling_list_deleted",
                &slug,
                &addr,
            )
            .await;
            session::flash(&who.session, format!("Feeling list \"{slug}\" deleted.")).await?;
            Ok(Redirect::to("/admin/feeling-lists").into_response())
        }
        Err(WriteError::InUse(users)) => {
            let list = content_write::load_feeling_list(&app.db, &slug)
                .await?
                .ok_or(AdminError::NotFound)?;
            let mut problems = Problems::new();
            problems.push(
                "delete",
                format!(
                    "this list is used by {} article(s); remove it from them first",
                    users.len()
                ),
            );
            editor(&app, &who, Some(&slug), &list, &problems, false).await
        }
        Err(other) => Err(other.into()),
    }
}
