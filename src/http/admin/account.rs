//! Every user's own account: display name and password. Changing the password ends the user's
//! other sessions.

use axum::response::Response;
use minijinja::{Value, context};
use serde::Deserialize;

use crate::domain::accounts::check_password;
use crate::domain::problems::Problems;
use crate::http::admin::error::AdminError;
use crate::http::admin::login::verify_password;
use crate::http::admin::render::{field_errors, page};
use crate::http::admin::request::{Submitted, Visit};
use crate::http::admin::session::{SignedIn, UseDashboard};
use crate::operations::users::PasswordChange;
use crate::operations::{self, OpError};

async fn account_page(
    who: &SignedIn,
    name: &str,
    name_errors: Value,
    password_errors: Value,
) -> Result<Response, AdminError> {
    let values =
        context! { form => context! { display_name => name }, name_errors, password_errors };
    page(who, "account.html", "/admin/account", values).await
}

pub async fn show(Visit { who, .. }: Visit<UseDashboard>) -> Result<Response, AdminError> {
    let name = who.user.display_name.clone();
    account_page(&who, &name, context! {}, context! {}).await
}

#[derive(Deserialize, Default)]
pub struct RenameForm {
    #[serde(default)]
    display_name: String,
}

pub async fn rename(
    Submitted {
        app,
        who,
        actor,
        form,
        ..
    }: Submitted<UseDashboard, RenameForm>,
) -> Result<Response, AdminError> {
    let name = form.display_name.clone();
    let renamed =
        operations::users::rename_self(&app.db, actor, who.user.clone(), name, app.clock.now())
            .await;
    match renamed {
        Ok(_) => who.done("Your name is saved.", "/admin/account").await,
        Err(OpError::Invalid(problems)) => {
            let errors = field_errors(&problems);
            account_page(&who, &form.display_name, errors, context! {}).await
        }
        Err(other) => Err(other.into()),
    }
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

pub async fn change_password(
    Submitted {
        app,
        who,
        actor,
        form,
        ..
    }: Submitted<UseDashboard, PasswordForm>,
) -> Result<Response, AdminError> {
    let mut problems = Problems::new();
    if !verify_password(
        &app.passwords,
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
    let change = PasswordChange::Own {
        keep_session: who.session.id(),
    };
    operations::users::set_password(
        &app.db,
        &app.passwords,
        actor,
        who.user.clone(),
        form.new_password,
        change,
        app.clock.now(),
    )
    .await?;
    who.done(
        "Your password is changed; your other sessions have ended.",
        "/admin/account",
    )
    .await
}
