//! Users, sign-in attempts and the audit trail. The rules (who may be created, the last
//! admin) are in [`crate::operations::users`]; this reads and writes the rows.

use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend,
    DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::domain::accounts::{Role, email_key};
use crate::domain::timestamp::Timestamp;
use crate::storage::StorageError;
use crate::storage::entities::{audit_event, login_attempt, user};

/// What is stored about a new account (the password already hashed).
pub struct UserRecord<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password_hash: String,
}

pub async fn count_users<C: ConnectionTrait>(db: &C) -> Result<u64, StorageError> {
    Ok(user::Entity::find().count(db).await?)
}

/// Inserts an account; an email already used (in any case) is [`StorageError::Duplicate`].
pub async fn insert_user<C: ConnectionTrait>(
    db: &C,
    record: UserRecord<'_>,
    now: Timestamp,
) -> Result<user::Model, DbErr> {
    user::ActiveModel {
        email: Set(record.email.trim().to_owned()),
        email_key: Set(email_key(record.email)),
        display_name: Set(record.display_name.trim().to_owned()),
        role: Set(record.role),
        active: Set(true),
        password_hash: Set(record.password_hash),
        password_changed_at: Set(now),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Keeps other writers of `users` out until the transaction ends (PostgreSQL; a SQLite write
/// transaction already holds the database's write lock), so a check of all users (none exist
/// yet) stays true until the write.
pub async fn lock_users<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        db.execute_unprepared("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")
            .await?;
    }
    Ok(())
}

/// The ids of the active admins, locked until the transaction ends (so two demotions cannot
/// both count the other as the admin who remains).
pub async fn active_admins_locked<C: ConnectionTrait>(db: &C) -> Result<Vec<i32>, DbErr> {
    user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Role.eq(Role::Admin))
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Id)
        .lock_exclusive()
        .into_tuple()
        .all(db)
        .await
}

pub async fn find_user<C: ConnectionTrait>(
    db: &C,
    id: i32,
) -> Result<Option<user::Model>, StorageError> {
    Ok(user::Entity::find_by_id(id).one(db).await?)
}

pub async fn find_user_by_email(
    db: &DatabaseConnection,
    email: &str,
) -> Result<Option<user::Model>, StorageError> {
    Ok(user::Entity::find()
        .filter(user::Column::EmailKey.eq(email_key(email)))
        .one(db)
        .await?)
}

pub async fn list_users(db: &DatabaseConnection) -> Result<Vec<user::Model>, StorageError> {
    Ok(user::Entity::find()
        .order_by_asc(user::Column::EmailKey)
        .all(db)
        .await?)
}

pub async fn update_user<C: ConnectionTrait>(
    db: &C,
    existing: user::Model,
    display_name: &str,
    role: Role,
    active: bool,
    now: Timestamp,
) -> Result<user::Model, StorageError> {
    let mut row: user::ActiveModel = existing.into();
    row.display_name = Set(display_name.trim().to_owned());
    row.role = Set(role);
    row.active = Set(active);
    row.updated_at = Set(now);
    Ok(row.update(db).await?)
}

pub async fn set_password<C: ConnectionTrait>(
    db: &C,
    existing: user::Model,
    password_hash: String,
    now: Timestamp,
) -> Result<user::Model, StorageError> {
    let mut row: user::ActiveModel = existing.into();
    row.password_hash = Set(password_hash);
    row.password_changed_at = Set(now);
    row.updated_at = Set(now);
    Ok(row.update(db).await?)
}

pub async fn record_login(
    db: &DatabaseConnection,
    existing: user::Model,
    now: Timestamp,
) -> Result<(), StorageError> {
    let mut row: user::ActiveModel = existing.into();
    row.last_login_at = Set(Some(now));
    row.update(db).await?;
    Ok(())
}

/// Records a sign-in attempt before it is judged, as a failure until [`attempt_succeeded`]
/// says otherwise, and answers its id. Attempts made at the same moment thus see each other
/// when they count failures (only those recorded before theirs: [`failures_since`]), instead of
/// each counting before any of them is recorded.
pub async fn begin_attempt(
    db: &DatabaseConnection,
    email: &str,
    client_addr: &str,
    now: Timestamp,
) -> Result<i64, StorageError> {
    let row = login_attempt::ActiveModel {
        at: Set(now),
        email_key: Set(truncate(&email_key(email), 254)),
        client_addr: Set(truncate(client_addr, 64)),
        succeeded: Set(false),
        ..Default::default()
    }
    .insert(db)
    .await?;
    // Attempts older than a day serve no purpose.
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::At.lt(now - Duration::days(1)))
        .exec(db)
        .await?;
    Ok(row.id)
}

/// The attempt `id` found the right password.
pub async fn attempt_succeeded(db: &DatabaseConnection, id: i64) -> Result<(), StorageError> {
    login_attempt::Entity::update_many()
        .col_expr(
            login_attempt::Column::Succeeded,
            sea_orm::sea_query::Expr::value(true),
        )
        .filter(login_attempt::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The attempt `id` was refused unheard (throttled): it does not count as a failure.
pub async fn forget_attempt(db: &DatabaseConnection, id: i64) -> Result<(), StorageError> {
    login_attempt::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// Failed attempts since `since`, recorded before attempt `before`, matching the filters, and
/// the time of the oldest of them.
pub async fn failures_since(
    db: &DatabaseConnection,
    email: Option<&str>,
    client_addr: Option<&str>,
    since: Timestamp,
    before: i64,
) -> Result<(u64, Option<Timestamp>), StorageError> {
    let mut query = login_attempt::Entity::find()
        .filter(login_attempt::Column::Succeeded.eq(false))
        .filter(login_attempt::Column::At.gt(since))
        .filter(login_attempt::Column::Id.lt(before));
    if let Some(email) = email {
        query = query.filter(login_attempt::Column::EmailKey.eq(truncate(&email_key(email), 254)));
    }
    if let Some(addr) = client_addr {
        query = query.filter(login_attempt::Column::ClientAddr.eq(truncate(addr, 64)));
    }
    let (count, oldest): (i64, Option<Timestamp>) = query
        .select_only()
        .column_as(login_attempt::Column::Id.count(), "count")
        .column_as(login_attempt::Column::At.min(), "oldest")
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or((0, None));
    Ok((u64::try_from(count).unwrap_or(0), oldest))
}

/// One entry of the audit trail.
pub struct AuditEntry<'a> {
    pub user_id: Option<i32>,
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: &'a str,
    pub client_addr: &'a str,
}

pub async fn record_event<C: ConnectionTrait>(
    db: &C,
    entry: AuditEntry<'_>,
    now: Timestamp,
) -> Result<(), StorageError> {
    audit_event::ActiveModel {
        at: Set(now),
        user_id: Set(entry.user_id),
        actor: Set(truncate(entry.actor, 254)),
        action: Set(truncate(entry.action, 60)),
        subject: Set(truncate(entry.subject, 2000)),
        client_addr: Set(truncate(entry.client_addr, 64)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Newest first, one page.
pub async fn recent_events(
    db: &DatabaseConnection,
    page: u64,
    per_page: u64,
) -> Result<(Vec<audit_event::Model>, u64), StorageError> {
    let total = audit_event::Entity::find().count(db).await?;
    let events = audit_event::Entity::find()
        .order_by_desc(audit_event::Column::At)
        .order_by_desc(audit_event::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    Ok((events, total))
}
