//! Perspectives: list, add, rename the label; a key in use cannot be deleted.

use axum::extract::Path;
use axum::response::Response;
use minijinja::{Value, context};
use serde::Deserialize;

use crate::domain::content::Perspective;
use crate::http::admin::content::usage;
use crate::http::admin::error::AdminError;
use crate::http::admin::render::{field_errors, page};
use crate::http::admin::request::{Empty, Submitted, Visit};
use crate::http::admin::session::{EditContent, ReadContent, SignedIn};
use crate::operations::{self, OpError};
use crate::state::AppState;
use crate::storage::{StorageError, perspectives};

/// Where the perspectives' page is.
const PATH: &str = "/admin/perspectives";

pub async fn show(
    app: &AppState,
    who: &SignedIn,
    form: Value,
    errors: Value,
    in_use: Value,
) -> Result<Response, AdminError> {
    let mut rows: Vec<Value> = Vec::new();
    for p in perspectives::all(app.db.conn())
        .await
        .map_err(StorageError::from)?
    {
        let used = perspectives::usage(app.db.conn(), p.id)
            .await
            .map_err(StorageError::from)?;
        rows.push(context! { key => p.key, label => p.label, used });
    }
    let perspectives = rows;
    let can_edit = who.can(crate::domain::accounts::Permission::EditContent);
    let values = context! { perspectives, form, errors, in_use, can_edit };
    page(who, "content/perspectives.html", PATH, values).await
}

pub async fn list(Visit { app, who, .. }: Visit<ReadContent>) -> Result<Response, AdminError> {
    show(&app, &who, context! {}, context! {}, Value::from(())).await
}

#[derive(Deserialize, Default)]
pub struct PerspectiveForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    label: String,
}

pub async fn create(
    Submitted {
        app,
        who,
        actor,
        form,
        ..
    }: Submitted<EditContent, PerspectiveForm>,
) -> Result<Response, AdminError> {
    let new = Perspective {
        key: form.key.trim().to_owned(),
        label: form.label.trim().to_owned(),
    };
    let label = new.label.clone();
    let created = operations::perspectives::create(&app.db, actor, new, app.clock.now()).await;
    match created {
        Ok(()) => {
            who.done(format!("Perspective \"{label}\" added."), PATH)
                .await
        }
        Err(OpError::Invalid(problems)) => {
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

pub async fn relabel(
    Submitted {
        app,
        who,
        actor,
        path: Path(key),
        form,
        ..
    }: Submitted<EditContent, LabelForm, Path<String>>,
) -> Result<Response, AdminError> {
    let label = form.label.trim();
    match operations::perspectives::relabel(&app.db, actor, &key, label, app.clock.now()).await {
        Ok(()) => who.done("Label saved.", PATH).await,
        Err(OpError::Invalid(problems)) => {
            let message = problems
                .iter()
                .map(|p| p.message.clone())
                .collect::<Vec<_>>()
                .join("; ");
            who.done(
                format!("The label of \"{key}\" was not changed: {message}."),
                PATH,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn delete(
    Submitted {
        app,
        who,
        actor,
        path: Path(key),
        ..
    }: Submitted<EditContent, Empty, Path<String>>,
) -> Result<Response, AdminError> {
    match operations::perspectives::delete(&app.db, actor, key.clone(), app.clock.now()).await {
        Ok(()) => {
            who.done(format!("Perspective \"{key}\" deleted."), PATH)
                .await
        }
        Err(OpError::InUse(users)) => {
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
