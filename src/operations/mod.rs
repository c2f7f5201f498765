//! Domain operations: every change to content and accounts, whoever asks for it (the admin,
//! `tether import`, the command line). Each one checks the domain's rules, writes through the
//! storage layer's transaction helper, and records, in that same transaction, the content
//! events readers will see and the audit entry. Handlers only parse input and render output.

pub mod articles;
mod audience;
pub mod import;
pub mod password_work;
pub mod perspectives;
pub mod pieces;
pub mod promos;
pub mod users;

use crate::domain::problems::Problems;
use crate::domain::timestamp::Timestamp;
use crate::storage::StorageError;
use crate::storage::accounts::{self, AuditEntry};

/// Why an operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// Problems keyed by field path (`slug`, `items[2].text`, `blocks[1].ref`).
    #[error("{0}")]
    Invalid(Problems),
    /// Someone saved a newer version since the form was opened.
    #[error("the record changed since it was opened")]
    Conflict,
    #[error("not found")]
    NotFound,
    /// Still used by these articles (slug, title).
    #[error("still in use by {} article(s)", .0.len())]
    InUse(Vec<(String, String)>),
    /// The database does not answer or is busy past the wait allowed; nothing was written.
    #[error("{0}")]
    Unavailable(String),
    /// An input (a bundle) could not be read, or changed while it was read.
    #[error("{0}")]
    Unreadable(String),
    #[error(transparent)]
    Storage(StorageError),
}

impl OpError {
    /// One problem with one field.
    pub fn invalid(path: &str, message: impl Into<String>) -> Self {
        let mut problems = Problems::new();
        problems.push(path, message);
        OpError::Invalid(problems)
    }
}

/// `None`, where something had to be found, is [`OpError::NotFound`].
pub(crate) trait Found<T> {
    fn found(self) -> Result<T, OpError>;
}

impl<T> Found<T> for Option<T> {
    fn found(self) -> Result<T, OpError> {
        self.ok_or(OpError::NotFound)
    }
}

/// The one mapping from what the database refused to what a person can fix: a value that must
/// be unique becomes that field's message, a broken reference a message about it.
impl From<StorageError> for OpError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::Duplicate { table, column } => {
                let (field, message) = duplicate_message(&table, column.as_deref());
                OpError::invalid(field, message)
            }
            StorageError::BrokenReference(detail) => OpError::invalid(
                "",
                format!(
                    "something this refers to was changed or deleted at the same moment ({detail}); \
                     reload and try again"
                ),
            ),
            StorageError::Unavailable(reason) => OpError::Unavailable(reason),
            other => OpError::Storage(other),
        }
    }
}

impl From<sea_orm::DbErr> for OpError {
    fn from(error: sea_orm::DbErr) -> Self {
        StorageError::from(error).into()
    }
}

fn duplicate_message(table: &str, column: Option<&str>) -> (&'static str, String) {
    let noun = match table {
        "articles" => "article",
        "feeling_lists" => "feeling list",
        "step_guides" => "step guide",
        "promos" => "promo",
        "perspectives" => return ("key", "another perspective already uses this key".into()),
        "users" => return ("email", "an account with this email already exists".into()),
        _ => return ("", "this would repeat a value that must be unique".into()),
    };
    match column {
        Some("slug") | None => ("slug", format!("another {noun} already uses this slug")),
        Some(_) => ("", format!("this would repeat a value another {noun} has")),
    }
}

/// Who asked for a change, for the audit trail.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i32>,
    /// The email of a signed-in user, or what an anonymous one typed, or "command line".
    pub name: String,
    /// Where the request came from ("local" for the command line).
    pub address: String,
}

impl Actor {
    pub fn command_line() -> Self {
        Self {
            user_id: None,
            name: "command line".to_owned(),
            address: "local".to_owned(),
        }
    }

    /// Records `action` on `subject` in the audit trail, inside the caller's transaction.
    pub(crate) async fn audit<C: sea_orm::ConnectionTrait>(
        &self,
        db: &C,
        action: &str,
        subject: &str,
        now: Timestamp,
    ) -> Result<(), StorageError> {
        accounts::record_event(
            db,
            AuditEntry {
                user_id: self.user_id,
                actor: &self.name,
                action,
                subject,
                client_addr: &self.address,
            },
            now,
        )
        .await
    }
}
