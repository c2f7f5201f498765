//! Installation-wide settings for admins: the disclosure new affiliate promos start with.

use axum::response::Response;
use minijinja::context;

use crate::domain::content::SHORT_TEXT_MAX;
use crate::domain::problems::Problems;
use crate::domain::rules;
use crate::http::admin::audit::{self, Actor};
use crate::http::admin::content::form::Fields;
use crate::http::admin::error::AdminError;
use crate::http::admin::promos::editor::default_disclosure;
use crate::http::admin::render::{field_errors, page};
use crate::http::admin::request::{Submitted, Visit};
use crate::http::admin::session::ManageSettings;
use crate::storage::settings;

pub async fn show(Visit { app, who, .. }: Visit<ManageSettings>) -> Result<Response, AdminError> {
    let values = context! {
        default_disclosure => default_disclosure(&app).await?,
        errors => field_errors(&Problems::new()),
    };
    page(&who, "settings.html", "/admin/settings", values).await
}

pub async fn save(
    Submitted {
        app,
        who,
        actor,
        form: fields,
        ..
    }: Submitted<ManageSettings, Fields>,
) -> Result<Response, AdminError> {
    let text = fields.get("default_disclosure").trim().to_owned();
    let mut problems = Problems::new();
    rules::check_required(&mut problems, "default_disclosure", &text, SHORT_TEXT_MAX);
    if !problems.is_empty() {
        let values = context! { default_disclosure => text, errors => field_errors(&problems) };
        return page(&who, "settings.html", "/admin/settings", values).await;
    }
    settings::set_default_disclosure(app.db.conn(), &text).await?;
    audit::record(
        &app,
        Actor::User(&who.user),
        "settings_updated",
        "default_disclosure",
        &actor.address,
    )
    .await;
    who.done("Settings saved.", "/admin/settings").await
}
