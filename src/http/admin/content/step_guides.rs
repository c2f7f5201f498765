//! Step guides: list, create, edit (numbered steps with a bold lead, a Markdown body and an
//! optional perspective, reordered with buttons), see which articles use a guide, delete only
//! when none does.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};

use crate::app::AppState;
use crate::domain::accounts::Permission;
use crate::domain::content::{Step, StepGuide};
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
        .route("/admin/step-guides", get(list))
        .route("/admin/step-guides/new", get(new_form).post(create))
        .route("/admin/step-guides/{slug}", get(edit_form).post(update))
        .route("/admin/step-guides/{slug}/delete", post(delete))
}

async fn list(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<ReadContent>,
) -> Result<Response, AdminError> {
    let lists: Vec<Value> = content_write::step_guides_overview(&app.db)
        .await?
        .into_iter()
        .map(|(slug, title, used)| context! { slug, title, used })
        .collect();
    let can_edit = who.can(Permission::EditContent);
    Ok(page(
        &who,
        "content/step_guides.html",
        "/admin/step-guides",
        context! { lists, can_edit },
    )
    .await?
    .into_response())
}

/// The form's draft: slug, title and steps in the order shown.
fn draft_from(fields: &Fields) -> StepGuide {
    let titles = fields.all("step_title");
    let bodies = fields.all("step_body");
    let perspectives = fields.all("step_perspective");
    let steps = titles
        .into_iter()
        .zip(bodies)
        .zip(perspectives)
        .map(|((title, body), perspective)| Step {
            title: title.to_owned(),
            body: body.to_owned(),
            perspective: (!perspective.is_empty()).then(|| perspective.to_owned()),
        })
        .collect();
    StepGuide {
        slug: fields.get("slug").trim().to_owned(),
        title: fields.get("title").to_owned(),
        steps,
    }
}

async fn editor(
    app: &AppState,
    who: &SignedIn,
    original: Option<&str>,
    draft: &StepGuide,
    errors: &Problems,
    unsaved: bool,
) -> Result<Response, AdminError> {
    let used_by = match original {
        Some(slug) => content_write::step_guide_users(&app.db, slug).await?,
        None => Vec::new(),
    };
    let values = context! {
        original,
        guide => Value::from(minijinja::value::Serde(draft)),
        errors => field_errors(errors),
        perspectives => perspective_choices(app).await?,
        used_by => usage(&used_by),
        unsaved,
        can_edit => who.can(Permission::EditContent),
    };
    Ok(
        page(who, "content/step_guide.html", "/admin/step-guides", values)
            .await?
            .into_response(),
    )
}

async fn new_form(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<EditContent>,
) -> Result<Response, AdminError> {
    let draft = StepGuide {
        slug: String::new(),
        title: String::new(),
        steps: vec![Step {
            title: String::new(),
            body: String::new(),
            perspective: None,
        }],
    };
    editor(&app, &who, None, &draft, &Problems::new(), false).await
}

async fn edit_form(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<ReadContent>,
    Path(slug): Path<String>,
) -> Result<Response, AdminError> {
    let guide = content_write::load_step_guide(&app.db, &slug)
        .await?
        .ok_or(AdminError::NotFound)?;
    editor(&app, &who, Some(&slug), &guide, &Problems::new(), false).await
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
        draft.steps.push(Step {
            title: String::new(),
            body: String::new(),
            perspective: None,
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
    if action.rearrange(&mut draft.steps) {
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
    match content_write::save_step_guide(&app.db, original.as_deref(), &draft, app.clock.now())
        .await
    {
        Ok(()) => {
            let what = if original.is_some() {
                "step_guide_updated"
            } else {
                "step_guide_created"
            };
            audit::record(&app, Actor::User(&who.user), what, &draft.slug, &addr).await;
            session::flash(&who.session, format!("Saved \"{}\".", draft.title)).await?;
            Ok(Redirect::to(&format!("/admin/step-guides/{}", draft.slug)).into_response())
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
    match content_write::delete_step_guide(&app.db, &slug).await {
        Ok(()) => {
            audit::record(
                &app,
                Actor::User(&who.user),
                "step_guide_deleted",
                &slug,
                &addr,
            )
            .await;
            session::flash(&who.session, format!("Step guide \"{slug}\" deleted.")).await?;
            Ok(Redirect::to("/admin/step-guides").into_response())
        }
        Err(WriteError::InUse(users)) => {
            let guide = content_write::load_step_guide(&app.db, &slug)
                .await?
                .ok_or(AdminError::NotFound)?;
            let mut problems = Problems::new();
            problems.push(
                "delete",
                format!(
                    "this guide is used by {} article(s); remove it from them first",
                    users.len()
                ),
            );
            editor(&app, &who, Some(&slug), &guide, &problems, false).await
        }
        Err(other) => Err(other.into()),
    }
}
