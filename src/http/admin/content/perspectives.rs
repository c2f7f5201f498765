//! Perspectives: list, add, rename the label; a key in use cannot be deleted.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::content::Perspective;
use crate::http::admin::audit::{self, Actor};
use crate::http::admin::client::ClientAddr;
use crate::http::admin::content::usage;
use crate::http::admin::csrf::CsrfForm;
use crate::http::admin::error::AdminError;
use crate::http::admin::render::{field_errors, page};
use crate::http::admin::session::{self, Authorized, EditContent, ReadContent, SignedIn};
use crate::storage::content_write::{self, WriteError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/perspectives", get(list).post(create))
        .route("/admin/perspectives/{key}", post(relabel))
        .route("/admin/perspectives/{key}/delete", post(delete))
}

async fn show(
    app: &AppState,
    who: &SignedIn,
    form: Value,
    errors: Value,
    in_use: Value,
) -> Result<Response, AdminError> {
    let perspectives: Vec<Value> = content_write::perspectives_with_usage(&app.db)
        .await?
        .into_iter()
        .map(|(p, used)| context! { key => p.key, label => p.label, used })
        .collect();
    let can_edit = who.can(crate::domain::accounts::Permission::EditContent);
    let values = context! { perspectives, form, errors, in_use, can_edit };
    Ok(page(
        who,
        "content/perspectives.html",
        "/admin/perspectives",
        values,
    )
    .await?
    .into_response())
}

async fn list(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<ReadContent>,
) -> Result<Response, AdminError> {
    show(&app, &who, context! {}, context! {}, Value::from(())).await
}

#[derive(Deserialize, Default)]
pub struct PerspectiveForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    label: String,
}

async fn create(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<EditContent>,
    ClientAddr(addr): ClientAddr,
    CsrfForm(form): CsrfForm<PerspectiveForm>,
) -> Result<Response, AdminError> {
    let new = Perspective {
        key: form.key.trim().to_owned(),
        label: form.label.trim().to_owned(),
    };
    match content_write::create_perspective(&app.db, &new).await {
        Ok(()) => {
            audit::record(
                &app,
                Actor::User(&who.user),
                "perspective_created",
                &format!("{} ({})", new.key, new.label),
                &addr,
            )
            .await;
            session::flash(
                &who.session,
                format!("Perspective \"{}\" added.", new.label),
            )
            .await?;
            Ok(Redirect::to("/admin/perspectives").into_response())
        }
        Err(WriteError::Invalid(problems)) => {
            show(
                &app,
                &who,
                context! { key => form.key, label => form.label },
                field_errors(&problems),
                Value::from(()),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct LabelForm {
    #[serde(default)]
    label: String,
}

async fn relabel(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<EditContent>,
    ClientAddr(addr): ClientAddr,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<LabelForm>,
) -> Result<Response, AdminError> {
    match content_write::relabel_perspective(&app.db, &key, form.label.trim()).await {
        Ok(()) => {
            audit::record(
                &app,
                Actor::User(&who.user),
                "perspective_renamed",
                &format!("{key} → {}", form.label.trim()),
                &addr,
            )
            .await;
            session::flash(&who.session, "Label saved.").await?;
            Ok(Redirect::to("/admin/perspectives").into_response())
        }
        Err(WriteError::Invalid(problems)) => {
            let message = problems
                .iter()
                .map(|p| p.message.clone())
                .collect::<Vec<_>>()
                .join("; ");
            session::flash(
                &who.session,
                format!("The label of \"{key}\" was not changed: {message}."),
            )
            .await?;
            Ok(Redirect::to("/admin/perspectives").into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct Empty {}

async fn delete(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<EditContent>,
    ClientAddr(addr): ClientAddr,
    Path(key): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AdminError> {
    match content_write::delete_perspective(&app.db, &key).await {
        Ok(()) => {
            audit::record(
                &app,
                Actor::User(&who.user),
                "perspective_deleted",
                &key,
                &addr,
            )
            .await;
            session::flash(&who.session, format!("Perspective \"{key}\" deleted.")).await?;
            Ok(Redirect::to("/admin/perspectives").into_response())
        }
        Err(WriteError::InUse(users)) => {
            show(
                &app,
                &who,
                context! {},
                context! {},
                context! { key, users => usage(&users) },
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
