//! Every user's own account: display name and password. Changing the password ends the user's
//! other sessions.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::accounts::{check_display_name, check_password};
use crate::domain::problems::Problems;
use crate::http::admin::audit::{self, Actor};
use crate::http::admin::client::ClientAddr;
use crate::http::admin::csrf::CsrfForm;
use crate::http::admin::error::AdminError;
use crate::http::admin::login::{hash_password, verify_password};
use crate::http::admin::render::{field_errors, page};
use crate::http::admin::session::{self, Authorized, SignedIn, UseDashboard};
use crate::storage::accounts;
use crate::storage::sessions::end_sessions_of;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/account", get(show).post(rename))
        .route("/admin/account/password", post(change_password))
}

async fn account_page(
    who: &SignedIn,
    name: &str,
    name_errors: Value,
    password_errors: Value,
) -> Result<Response, AdminError> {
    let values =
        context! { form => context! { display_name => name }, name_errors, password_errors };
    Ok(page(who, "account.html", "/admin/account", values)
        .await?
        .into_response())
}

async fn show(Authorized { who, .. }: Authorized<UseDashboard>) -> Result<Response, AdminError> {
    let name = who.user.display_name.clone();
    account_page(&who, &name, context! {}, context! {}).await
}

#[derive(Deserialize, Default)]
pub struct RenameForm {
    #[serde(default)]
    display_name: String,
}

async fn rename(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<UseDashboard>,
    ClientAddr(addr): ClientAddr,
    CsrfForm(form): CsrfForm<RenameForm>,
) -> Result<Response, AdminError> {
    let mut problems = Problems::new();
    check_display_name(&mut problems, "display_name", &form.display_name);
    if !problems.is_empty() {
        return account_page(
            &who,
            &form.display_name,
            field_errors(&problems),
            context! {},
        )
        .await;
    }
    let role = crate::domain::accounts::Role::parse(&who.user.role).unwrap_or(who.role);
    let active = who.user.active;
    let updated = accounts::update_user(
        &app.db,
        who.user.clone(),
        &form.display_name,
        role,
        active,
        app.clock.now(),
    )
    .await?;
    audit::record(
        &app,
        Actor::User(&updated),
        "account_renamed",
        &format!("name \"{}\"", updated.display_name),
        &addr,
    )
    .await;
    session::flash(&who.session, "Your name is saved.").await?;
    Ok(Redirect::to("/admin/account").into_response())
}

#[derive(Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
}

async fn change_password(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<UseDashboard>,
    ClientAddr(addr): ClientAddr,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, AdminError> {
    let mut problems = Problems::new();
    if !verify_password(
        form.current_password.clone(),
        Some(who.user.password_hash.clone()),
    )
    .await?
    {
        problems.push("current_password", "this is not your current password");
    }
    check_password(&mut problems, "new_password", &form.new_password);
    if form.new_password != form.new_password_confirm {
        problems.push("new_password_confirm", "the two new passwords differ");
    }
    if !problems.is_empty() {
        let name = who.user.display_name.clone();
        return account_page(&who, &name, context! {}, field_errors(&problems)).await;
    }
    let hash = hash_password(form.new_password).await?;
    let updated = accounts::set_password(&app.db, who.user.clone(), hash, app.clock.now()).await?;
    end_sessions_of(&app.db, updated.id, who.session.id())
        .await
        .map_err(crate::storage::StorageError::from)?;
    audit::record(
        &app,
        Actor::User(&updated),
        "password_changed",
        "changed their password",
        &addr,
    )
    .await;
    session::flash(
        &who.session,
        "Your password is changed; your other sessions have ended.",
    )
    .await?;
    Ok(Redirect::to("/admin/account").into_response())
}
