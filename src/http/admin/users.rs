//! User management for admins: list, create, change name/role/active, reset passwords.
//! Deactivating a user or resetting their password ends their sessions at once; the last
//! active admin cannot be demoted or deactivated.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::accounts::{NewUser, Role, check_display_name, check_password};
use crate::domain::problems::Problems;
use crate::domain::timestamp;
use crate::http::admin::audit::{self, Actor};
use crate::http::admin::client::ClientAddr;
use crate::http::admin::csrf::CsrfForm;
use crate::http::admin::error::AdminError;
use crate::http::admin::login::hash_password;
use crate::http::admin::render::{field_errors, page};
use crate::http::admin::session::{self, Authorized, ManageUsers};
use crate::storage::accounts::{self, AccountError, UserRecord};
use crate::storage::entities::user;
use crate::storage::sessions::end_sessions_of;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list).post(create))
        .route("/admin/users/new", get(new_form))
        .route("/admin/users/{id}", get(edit_form).post(update))
        .route("/admin/users/{id}/password", post(reset_password))
}

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
        role => u.role.clone(),
        role_label => Role::parse(&u.role).map(Role::label).unwrap_or("?"),
        active => u.active,
        last_login_at => u.last_login_at.as_ref().map(timestamp::format),
        created_at => timestamp::format(&u.created_at),
    }
}

async fn list(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<ManageUsers>,
) -> Result<Response, AdminError> {
    let users: Vec<Value> = accounts::list_users(&app.db)
        .await?
        .iter()
        .map(user_view)
        .collect();
    Ok(
        page(&who, "users/list.html", "/admin/users", context! { users })
            .await?
            .into_response(),
    )
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

async fn new_form(Authorized { who, .. }: Authorized<ManageUsers>) -> Result<Response, AdminError> {
    let values =
        context! { form => context! { role => "editor" }, errors => context! {}, roles => roles() };
    Ok(page(&who, "users/new.html", "/admin/users", values)
        .await?
        .into_response())
}

async fn create(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<ManageUsers>,
    ClientAddr(addr): ClientAddr,
    CsrfForm(form): CsrfForm<CreateForm>,
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
    if let Err(found) = new_user.validate() {
        problems.extend(found);
    }
    if problems.is_empty() {
        let hash = hash_password(new_user.password.clone()).await?;
        let record = UserRecord {
            email: &new_user.email,
            display_name: &new_user.display_name,
            role: new_user.role,
            password_hash: hash,
        };
        match accounts::create_user(&app.db, record, app.clock.now()).await {
            Ok(created) => {
                audit::record(
                    &app,
                    Actor::User(&who.user),
                    "user_created",
                    &format!("{} as {}", created.email, created.role),
                    &addr,
                )
                .await;
                session::flash(
                    &who.session,
                    format!(
                        "{} can now sign in as {}.",
                        created.email,
                        new_user.role.label()
                    ),
                )
                .await?;
                return Ok(Redirect::to("/admin/users").into_response());
            }
            Err(AccountError::EmailTaken) => {
                problems.push("email", "an account with this email already exists")
            }
            Err(AccountError::AlreadySetUp) => return Err(AdminError::Internal),
            Err(AccountError::Storage(e)) => return Err(e.into()),
        }
    }
    // The password is not sent back into the page.
    let values = context! {
        form => context! { email => form.email, display_name => form.display_name, role => form.role },
        errors => field_errors(&problems),
        roles => roles(),
    };
    Ok(page(&who, "users/new.html", "/admin/users", values)
        .await?
        .into_response())
}

async fn find(app: &AppState, id: i32) -> Result<user::Model, AdminError> {
    accounts::find_user(&app.db, id)
        .await?
        .ok_or(AdminError::NotFound)
}

async fn edit_page(
    who: &crate::http::admin::session::SignedIn,
    target: &user::Model,
    form: Value,
    errors: Value,
) -> Result<Response, AdminError> {
    let values = context! { target => user_view(target), form, errors, roles => roles(), password_errors => context! {} };
    Ok(page(who, "users/edit.html", "/admin/users", values)
        .await?
        .into_response())
}

async fn edit_form(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<ManageUsers>,
    Path(id): Path<i32>,
) -> Result<Response, AdminError> {
    let target = find(&app, id).await?;
    let form = context! { display_name => target.display_name.clone(), role => target.role.clone(), active => target.active };
    edit_page(&who, &target, form, context! {}).await
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

async fn update(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<ManageUsers>,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<UpdateForm>,
) -> Result<Response, AdminError> {
    let target = find(&app, id).await?;
    let mut problems = Problems::new();
    check_display_name(&mut problems, "display_name", &form.display_name);
    let role = Role::parse(&form.role);
    if role.is_none() {
        problems.push("role", "choose one of the roles");
    }
    let active = form.active.is_some();
    let stays_admin = role == Some(Role::Admin) && active;
    if target.role == Role::Admin.as_str()
        && target.active
        && !stays_admin
        && accounts::other_active_admins(&app.db, target.id).await? == 0
    {
        problems.push(
            "role",
            "this is the last active admin: make another admin first",
        );
    }
    let (Some(role), true) = (role, problems.is_empty()) else {
        let form = context! { display_name => form.display_name, role => form.role, active };
        return edit_page(&who, &target, form, field_errors(&problems)).await;
    };
    let was_active = target.active;
    let updated = accounts::update_user(
        &app.db,
        target,
        &form.display_name,
        role,
        active,
        app.clock.now(),
    )
    .await?;
    if was_active && !active {
        end_sessions_of(&app.db, updated.id, None)
            .await
            .map_err(crate::storage::StorageError::from)?;
    }
    let summary = format!(
        "{}: name \"{}\", role {}, {}",
        updated.email,
        updated.display_name,
        updated.role,
        if active { "active" } else { "deactivated" }
    );
    audit::record(
        &app,
        Actor::User(&who.user),
        "user_updated",
        &summary,
        &addr,
    )
    .await;
    session::flash(&who.session, format!("Saved {}.", updated.email)).await?;
    Ok(Redirect::to("/admin/users").into_response())
}

#[derive(Deserialize, Default)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
}

async fn reset_password(
    State(app): State<AppState>,
    Authorized { who, .. }: Authorized<ManageUsers>,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> Result<Response, AdminError> {
    let target = find(&app, id).await?;
    let mut problems = Problems::new();
    check_password(&mut problems, "password", &form.password);
    if !problems.is_empty() {
        let edit = context! { display_name => target.display_name.clone(), role => target.role.clone(), active => target.active };
        let values = context! { target => user_view(&target), form => edit, errors => context! {}, roles => roles(), password_errors => field_errors(&problems) };
        return Ok(page(&who, "users/edit.html", "/admin/users", values)
            .await?
            .into_response());
    }
    let hash = hash_password(form.password).await?;
    let updated = accounts::set_password(&app.db, target, hash, app.clock.now()).await?;
    let keep = (updated.id == who.user.id)
        .then(|| who.session.id())
        .flatten();
    end_sessions_of(&app.db, updated.id, keep)
        .await
        .map_err(crate::storage::StorageError::from)?;
    audit::record(
        &app,
        Actor::User(&who.user),
        "password_reset",
        &updated.email,
        &addr,
    )
    .await;
    session::flash(
        &who.session,
        format!(
            "New password set for {}; their other sessions have ended.",
            updated.email
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/users/{}", updated.id)).into_response())
}
