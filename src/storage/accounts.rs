//! Users, sign-in attempts and the audit trail.

use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend,
    DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};

use crate::domain::accounts::{Role, email_key};
use crate::domain::timestamp::Timestamp;
use crate::storage::StorageError;
use crate::storage::entities::{audit_event, login_attempt, user};

/// Why an account change did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("users already exist")]
    AlreadySetUp,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<DbErr> for AccountError {
    fn from(e: DbErr) -> Self {
        if matches!(
            e.sql_err(),
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
        ) {
            AccountError::EmailTaken
        } else {
            AccountError::Storage(StorageError::Database(e))
        }
    }
}

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

async fn insert_user<C: ConnectionTrait>(
    db: &C,
    record: UserRecord<'_>,
    now: Timestamp,
) -> Result<user::Model, AccountError> {
    let key = email_key(record.email);
    if user::Entity::find()
        .filter(user::Column::EmailKey.eq(&key))
        .one(db)
        .await?
        .is_some()
    {
        return Err(AccountError::EmailTaken);
    }
    Ok(user::ActiveModel {
        email: Set(record.email.trim().to_owned()),
        email_key: Set(key),
        display_name: Set(record.display_name.trim().to_owned()),
        role: Set(record.role.as_str().to_owned()),
        active: Set(true),
        password_hash: Set(record.password_hash),
        password_changed_at: Set(now),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub async fn create_user(
    db: &DatabaseConnection,
    record: UserRecord<'_>,
    now: Timestamp,
) -> Result<user::Model, AccountError> {
    insert_user(db, record, now).await
}

/// Creates the first account, only while no account exists (the first-run setup).
pub async fn create_first_admin(
    db: &DatabaseConnection,
    record: UserRecord<'_>,
    now: Timestamp,
) -> Result<user::Model, AccountError> {
    let txn = db.begin().await?;
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        // Two simultaneous set-ups must not both succeed.
        txn.execute_unprepared("LOCK TABLE users IN EXCLUSIVE MODE")
            .await?;
    }
    if count_users(&txn).await? > 0 {
        return Err(AccountError::AlreadySetUp);
    }
    let created = insert_user(
        &txn,
        UserRecord {
            role: Role::Admin,
            ..record
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

pub async fn find_user(
    db: &DatabaseConnection,
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

/// Active admins other than `except`: the last active admin may not be demoted or deactivated.
pub async fn other_active_admins(
    db: &DatabaseConnection,
    except: i32,
) -> Result<u64, StorageError> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin.as_str()))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Id.ne(except))
        .count(db)
        .await?)
}

pub async fn update_user(
    db: &DatabaseConnection,
    existing: user::Model,
    display_name: &str,
    role: Role,
    active: bool,
    now: Timestamp,
) -> Result<user::Model, StorageError> {
    let mut row: user::ActiveModel = existing.into();
    row.display_name = Set(display_name.trim().to_owned());
    row.role = Set(role.as_str().to_owned());
    row.active = Set(active);
    row.updated_at = Set(now);
    Ok(row.update(db).await?)
}

pub async fn set_password(
    db: &DatabaseConnection,
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

/// Remembers a sign-in attempt for throttling.
pub async fn record_attempt(
    db: &DatabaseConnection,
    email: &str,
    client_addr: &str,
    succeeded: bool,
    now: Timestamp,
) -> Result<(), StorageError> {
    login_attempt::ActiveModel {
        at: Set(now),
        email_key: Set(truncate(&email_key(email), 254)),
        client_addr: Set(truncate(client_addr, 64)),
        succeeded: Set(succeeded),
        ..Default::default()
    }
    .insert(db)
    .await?;
    // Attempts older than a day serve no purpose.
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::At.lt(now - Duration::days(1)))
        .exec(db)
        .await?;
    Ok(())
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// Failed attempts since `since` matching the filters, and the time of the oldest of them.
pub async fn failures_since(
    db: &DatabaseConnection,
    email: Option<&str>,
    client_addr: Option<&str>,
    since: Timestamp,
) -> Result<(u64, Option<Timestamp>), StorageError> {
    let mut query = login_attempt::Entity::find()
        .filter(login_attempt::Column::Succeeded.eq(false))
        .filter(login_attempt::Column::At.gt(since));
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

pub async fn record_event(
    db: &DatabaseConnection,
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
