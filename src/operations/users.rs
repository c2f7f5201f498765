//! Accounts: creating a user (the admin's users page, the command line and the first-run setup
//! all come here), changing a user's name, role or standing, and setting a password. The last
//! active admin cannot be demoted or deactivated, even by two admins at the same moment.

use crate::domain::accounts::{
    NewUser, Role, check_display_name, check_password, may_leave_admins,
};
use crate::domain::problems::Problems;
use crate::domain::timestamp::Timestamp;
use crate::operations::password_work::{PasswordWork, PasswordWorkError};
use crate::operations::{Actor, Found, OpError};
use crate::storage::accounts::{self, UserRecord};
use crate::storage::entities::user;
use crate::storage::sessions::end_sessions_of;
use crate::storage::{StorageError, Store};

/// Hashes on a blocking thread, in turn with other password work: argon2 is deliberately slow
/// and large.
pub async fn hash_password(work: &PasswordWork, password: String) -> Result<String, OpError> {
    work.hash(password).await.map_err(|e| match e {
        PasswordWorkError::Busy => OpError::Unavailable(e.to_string()),
        e => OpError::Storage(StorageError::TaskFailed(e.to_string())),
    })
}

fn checked(new_user: &NewUser) -> Result<(), OpError> {
    new_user.validate().map_err(OpError::Invalid)
}

/// Creates a user with the role asked for.
pub async fn create(
    store: &Store,
    passwords: &PasswordWork,
    actor: Actor,
    new_user: NewUser,
    now: Timestamp,
) -> Result<user::Model, OpError> {
    checked(&new_user)?;
    let hash = hash_password(passwords, new_user.password.clone()).await?;
    store
        .write(move |txn| {
            Box::pin(async move {
                let record = UserRecord {
                    email: &new_user.email,
                    display_name: &new_user.display_name,
                    role: new_user.role,
                    password_hash: hash,
                };
                let created = accounts::insert_user(txn, record, now).await?;
                let subject = format!("{} as {}", created.email, created.role);
                actor.audit(txn, "user_created", &subject, now).await?;
                Ok(created)
            })
        })
        .await
}

/// Creates the first admin, only while no user exists ([`OpError::NotFound`] afterwards, as the
/// setup page itself is then gone). Concurrent set-ups create one admin.
pub async fn set_up_first_admin(
    store: &Store,
    passwords: &PasswordWork,
    address: &str,
    mut new_user: NewUser,
    now: Timestamp,
) -> Result<user::Model, OpError> {
    new_user.role = Role::Admin;
    checked(&new_user)?;
    let hash = hash_password(passwords, new_user.password.clone()).await?;
    let address = address.to_owned();
    store
        .write(move |txn| {
            Box::pin(async move {
                accounts::lock_users(txn).await?;
                if accounts::count_users(txn).await? > 0 {
                    return Err(OpError::NotFound);
                }
                let record = UserRecord {
                    email: &new_user.email,
                    display_name: &new_user.display_name,
                    role: Role::Admin,
                    password_hash: hash,
                };
                let created = accounts::insert_user(txn, record, now).await?;
                let actor = Actor {
                    user_id: Some(created.id),
                    name: created.email.clone(),
                    address,
                };
                let subject = format!("created the first admin {}", created.email);
                actor.audit(txn, "setup", &subject, now).await?;
                Ok(created)
            })
        })
        .await
}

/// What an admin changes about a user.
#[derive(Debug, Clone)]
pub struct UserChanges {
    pub display_name: String,
    pub role: Role,
    pub active: bool,
}

/// Changes a user's name, role and standing; a deactivated user's sessions end at once.
pub async fn update(
    store: &Store,
    actor: Actor,
    id: i32,
    changes: UserChanges,
    now: Timestamp,
) -> Result<user::Model, OpError> {
    let mut problems = Problems::new();
    check_display_name(&mut problems, "display_name", &changes.display_name);
    if !problems.is_empty() {
        return Err(OpError::Invalid(problems));
    }
    store
        .write(move |txn| {
            Box::pin(async move {
                let admins = accounts::active_admins_locked(txn).await?;
                let target = accounts::find_user(txn, id).await?.found()?;
                let stays_admin = changes.role == Role::Admin && changes.active;
                if !may_leave_admins(target.id, &admins, stays_admin) {
                    return Err(OpError::invalid(
                        "role",
                        "this is the last active admin: make another admin first",
                    ));
                }
                let was_active = target.active;
                let updated = accounts::update_user(
                    txn,
                    target,
                    &changes.display_name,
                    changes.role,
                    changes.active,
                    now,
                )
                .await?;
                if was_active && !changes.active {
                    end_sessions_of(txn, updated.id, None).await?;
                }
                let summary = format!(
                    "{}: name \"{}\", role {}, {}",
                    updated.email,
                    updated.display_name,
                    updated.role,
                    if changes.active {
                        "active"
                    } else {
                        "deactivated"
                    }
                );
                actor.audit(txn, "user_updated", &summary, now).await?;
                Ok(updated)
            })
        })
        .await
}

/// A signed-in user renames themselves.
pub async fn rename_self(
    store: &Store,
    actor: Actor,
    me: user::Model,
    display_name: String,
    now: Timestamp,
) -> Result<user::Model, OpError> {
    let mut problems = Problems::new();
    check_display_name(&mut problems, "display_name", &display_name);
    if !problems.is_empty() {
        return Err(OpError::Invalid(problems));
    }
    store
        .write(move |txn| {
            Box::pin(async move {
                let (role, active) = (me.role, me.active);
                let updated =
                    accounts::update_user(txn, me, &display_name, role, active, now).await?;
                let subject = format!("name \"{}\"", updated.display_name);
                actor.audit(txn, "account_renamed", &subject, now).await?;
                Ok(updated)
            })
        })
        .await
}

/// Whose password is set, and which session survives.
pub enum PasswordChange {
    /// Users change their own: their other sessions end.
    Own {
        keep_session: Option<tower_sessions::session::Id>,
    },
    /// An admin resets someone's: all their sessions end (but the admin's own, if it is theirs).
    Reset {
        keep_session: Option<tower_sessions::session::Id>,
    },
}

/// Sets a user's password (12 to 128 characters) and ends their other sessions.
pub async fn set_password(
    store: &Store,
    passwords: &PasswordWork,
    actor: Actor,
    target: user::Model,
    password: String,
    change: PasswordChange,
    now: Timestamp,
) -> Result<user::Model, OpError> {
    let mut problems = Problems::new();
    let field = match change {
        PasswordChange::Own { .. } => "new_password",
        PasswordChange::Reset { .. } => "password",
    };
    check_password(&mut problems, field, &password);
    if !problems.is_empty() {
        return Err(OpError::Invalid(problems));
    }
    let hash = hash_password(passwords, password).await?;
    store
        .write(move |txn| {
            Box::pin(async move {
                let updated = accounts::set_password(txn, target, hash, now).await?;
                let (keep, action, subject) = match change {
                    PasswordChange::Own { keep_session } => (
                        keep_session,
                        "password_changed",
                        "changed their password".to_owned(),
                    ),
                    PasswordChange::Reset { keep_session } => {
                        (keep_session, "password_reset", updated.email.clone())
                    }
                };
                end_sessions_of(txn, updated.id, keep).await?;
                actor.audit(txn, action, &subject, now).await?;
                Ok(updated)
            })
        })
        .await
}
