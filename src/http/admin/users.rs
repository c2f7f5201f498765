//! User management for admins: list, create, change name/role/active, reset passwords.
//! Deactivating a user or resetting their password ends their sessions at once; the last
//! active admin cannot be demoted or deactivated.

use axum::extract::Path;
use axum::response::Response;
use minijinja::{Value, context};
use serde::Deserialize;

use crate::domain::accounts::{NewUser, Role};
use crate::domain::problems::Problems;
use crate::domain::timestamp;
use crate::http::admin::error::AdminError;
use crate::http::admin::render::{field_errors, page};
use crate::http::admin::request::{Submitted, Visit};
use crate::http::admin::session::{ManageUsers, SignedIn};
use crate::operations::users::{PasswordChange, UserChanges};
use crate::operations::{self, OpError};
use crate::state::AppState;
use crate::storage::accounts;
use crate::storage::entities::user;

fn roles() -> Vec<Value> {
    Role::ALL
        .iter()
        .map(|r| context! { value => r.as_str(), label => r.label() })
        .collect()
}

fn user_view(u: &user::Model) -> Value {
    context! {
        id => u.id,
        email => u.email.clone(),
        display_name => u.display_name.clone(),
        role => u.role.as_str(),
        role_label => u.role.label(),
        active => u.active,
        last_login_at => u.last_login_at.as_ref().map(timestamp::format),
        created_at => timestamp::format(&u.created_at),
    }
}

pub async fn list(Visit { app, who, .. }: Visit<ManageUsers>) -> Result<Response, AdminError> {
    let users: Vec<Value> = accounts::list_users(app.db.conn())
        .await?
        .iter()
        .map(user_view)
        .collect();
    page(&who, "users/list.html", "/admin/users", context! { users }).await
}

#[derive(Deserialize, Default)]
pub struct CreateForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

/// The new-user page: the form with `form`'s values (never a password) and their `errors`.
async fn new_page(who: &SignedIn, form: Value, errors: Value) -> Result<Response, AdminError> {
    let values = context! { form, errors, roles => roles() };
    page(who, "users/new.html", "/admin/users", values).await
}

pub async fn new_form(Visit { who, .. }: Visit<ManageUsers>) -> Result<Response, AdminError> {
    new_page(&who, context! { role => "editor" }, context! {}).await
}

pub async fn create(
    Submitted {
        app,
        who,
        actor,
        form,
        ..
    }: Submitted<ManageUsers, CreateForm>,
) -> Result<Response, AdminError> {
    let mut problems = Problems::new();
    let role = Role::parse(&form.role);
    if role.is_none() {
        problems.push("role", "choose one of the roles");
    }
    let new_user = NewUser {
        email: form.email.clone(),
        display_name: form.display_name.clone(),
        role: role.unwrap_or(Role::Editor),
        password: form.password.clone(),
    };
    if problems.is_empty() {
        match operations::users::create(
            &app.db,
            &app.passwords,
            actor,
            new_user.clone(),
            app.clock.now(),
        )
        .await
        {
            Ok(created) => {
                return who
                    .done(
                        format!(
                            "{} can now sign in as {}.",
                            created.email,
                            new_user.role.label()
                        ),
                        "/admin/users",
                    )
                    .await;
            }
            Err(OpError::Invalid(found)) => problems.extend(found),
            Err(other) => return Err(other.into()),
        }
    } else if let Err(found) = new_user.validate() {
        problems.extend(found);
    }
    // The password is not sent back into the page.
    let sent =
        context! { email => form.email, display_name => form.display_name, role => form.role };
    new_page(&who, sent, field_errors(&problems)).await
}

async fn find(app: &AppState, id: i32) -> Result<user::Model, AdminError> {
    accounts::find_user(app.db.conn(), id)
        .await?
        .ok_or(AdminError::NotFound)
}

/// The details form's values as `target` has them now.
fn stored_details(target: &user::Model) -> Value {
    context! {
        display_name => target.display_name.clone(),
        role => target.role.as_str(),
        active => target.active,
    }
}

/// A user's page: the details form with `form`'s values and their `errors`, and the password
/// form's `password_errors`.
async fn edit_page(
    who: &SignedIn,
    target: &user::Model,
    form: Value,
    errors: Value,
    password_errors: Value,
) -> Result<Response, AdminError> {
    let values =
        context! { target => user_view(target), form, errors, roles => roles(), password_errors };
    page(who, "users/edit.html", "/admin/users", values).await
}

pub async fn edit_form(
    Visit { app, who, .. }: Visit<ManageUsers>,
    Path(id): Path<i32>,
) -> Result<Response, AdminError> {
    let target = find(&app, id).await?;
    edit_page(
        &who,
        &target,
        stored_details(&target),
        context! {},
        context! {},
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct UpdateForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    /// A checkbox: present when checked.
    #[serde(default)]
    active: Option<String>,
}

pub async fn update(
    Submitted {
        app,
        who,
        actor,
        path: Path(id),
        form,
        ..
    }: Submitted<ManageUsers, UpdateForm, Path<i32>>,
) -> Result<Response, AdminError> {
    let target = find(&app, id).await?;
    let active = form.active.is_some();
    let outcome = match Role::parse(&form.role) {
        Some(role) => {
            let changes = UserChanges {
                display_name: form.display_name.clone(),
                role,
                active,
            };
            operations::users::update(&app.db, actor, target.id, changes, app.clock.now()).await
        }
        None => Err(OpError::invalid("role", "choose one of the roles")),
    };
    match outcome {
        Ok(updated) => {
            who.done(format!("Saved {}.", updated.email), "/admin/users")
                .await
        }
        Err(OpError::Invalid(problems)) => {
            let form = context! { display_name => form.display_name, role => form.role, active };
            let errors = field_errors(&problems);
            edit_page(&who, &target, form, errors, context! {}).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
}

pub async fn reset_password(
    Submitted {
        app,
        who,
        actor,
        path: Path(id),
        form,
        ..
    }: Submitted<ManageUsers, ResetForm, Path<i32>>,
) -> Result<Response, AdminError> {
    let target = find(&app, id).await?;
    let keep = (target.id == who.user.id)
        .then(|| who.session.id())
        .flatten();
    let change = PasswordChange::Reset { keep_session: keep };
    let outcome = operations::users::set_password(
        &app.db,
        &app.passwords,
        actor,
        target.clone(),
        form.password,
        change,
        app.clock.now(),
    )
    .await;
    match outcome {
        Ok(updated) => {
            who.done(
                format!(
                    "New password set for {}; their other sessions have ended.",
                    updated.email
                ),
                &format!("/admin/users/{}", updated.id),
            )
            .await
        }
        Err(OpError::Invalid(problems)) => {
            let details = stored_details(&target);
            edit_page(&who, &target, details, context! {}, field_errors(&problems)).await
        }
        Err(other) => Err(other.into()),
    }
}
