//! The storage layer's one error type, and the one place that reads database errors.
//!
//! Every `DbErr` becomes a [`StorageError`] through [`From`], which sorts it by what the layers
//! above must do with it: a repeated unique value and a missing reference are the user's to fix
//! (the operations turn them into field messages), an unreachable or busy database is a 503, and
//! anything else is a bug to log. Both databases' errors are read here, so a race that breaks a
//! constraint reads the same on SQLite and PostgreSQL.

use std::sync::Arc;

use sea_orm::sqlx::error::{DatabaseError, ErrorKind};
use sea_orm::{DbErr, RuntimeErr};

/// What can go wrong below the domain.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StorageError {
    /// The database does not answer, or stayed busy past the wait allowed (another process
    /// holds SQLite's write lock).
    #[error("the database is not available: {0}")]
    Unavailable(String),
    /// A write would repeat a value that must be unique (`table.column`; the column when the
    /// database says which).
    #[error("duplicate value in {table}{}", column.as_ref().map(|c| format!(".{c}")).unwrap_or_default())]
    Duplicate {
        table: String,
        column: Option<String>,
    },
    /// A write refers to a row that does not exist, or removes one still referred to.
    #[error("a reference between rows would break: {0}")]
    BrokenReference(String),
    /// A stored value this version of Tether does not know, with the row it is in.
    #[error("{0}")]
    UnknownValue(String),
    #[error("database error: {0}")]
    Database(DbErr),
    #[error("invalid database URL: {0}")]
    BadUrl(String),
    /// The task running a transaction stopped without an answer (it panicked).
    #[error("a database task stopped: {0}")]
    TaskFailed(String),
}

impl StorageError {
    /// Whether the database could not be reached or used right now (a 503, not a bug).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StorageError::Unavailable(_))
    }
}

impl From<DbErr> for StorageError {
    fn from(error: DbErr) -> Self {
        classify(error)
    }
}

fn classify(error: DbErr) -> StorageError {
    match &error {
        DbErr::ConnectionAcquire(e) => return StorageError::Unavailable(e.to_string()),
        DbErr::Conn(e) => return StorageError::Unavailable(e.to_string()),
        DbErr::Type(text) if text.contains(UNKNOWN_VALUE_MARK) => {
            return StorageError::UnknownValue(text.clone());
        }
        DbErr::TryIntoErr { source, .. } if source.to_string().contains(UNKNOWN_VALUE_MARK) => {
            return StorageError::UnknownValue(source.to_string());
        }
        _ => {}
    }
    let (DbErr::Exec(RuntimeErr::SqlxError(sqlx)) | DbErr::Query(RuntimeErr::SqlxError(sqlx))) =
        &error
    else {
        return StorageError::Database(error);
    };
    classify_sqlx(sqlx).unwrap_or(StorageError::Database(error))
}

fn classify_sqlx(error: &Arc<sea_orm::sqlx::Error>) -> Option<StorageError> {
    use sea_orm::sqlx::Error as E;
    match error.as_ref() {
        E::Io(e) => Some(StorageError::Unavailable(e.to_string())),
        E::Tls(e) => Some(StorageError::Unavailable(e.to_string())),
        E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed => {
            Some(StorageError::Unavailable(error.to_string()))
        }
        E::Database(e) => classify_database(e.as_ref()),
        _ => None,
    }
}

fn classify_database(e: &dyn DatabaseError) -> Option<StorageError> {
    let code = e.code().map(|c| c.into_owned()).unwrap_or_default();
    match e.kind() {
        ErrorKind::UniqueViolation => return Some(duplicate(e)),
        ErrorKind::ForeignKeyViolation => {
            return Some(StorageError::BrokenReference(e.message().to_owned()));
        }
        _ => {}
    }
    // SQLite: BUSY (5, and its extended codes such as 517) and LOCKED (6) outlasting the busy
    // timeout. PostgreSQL: connection exceptions (08...), shutdown and crash (57P0x), too many
    // connections (53300).
    let busy = matches!(code.as_str(), "5" | "6" | "261" | "262" | "517" | "773");
    let down =
        code.starts_with("08") || code.starts_with("57P") || code == "53300" || code == "53400";
    (busy || down).then(|| StorageError::Unavailable(e.message().to_owned()))
}

/// Which table and column a unique violation is about, from either database's report.
fn duplicate(e: &dyn DatabaseError) -> StorageError {
    // PostgreSQL names the table and the constraint (`articles_slug_key` for a column's own
    // UNIQUE); SQLite says "UNIQUE constraint failed: articles.slug".
    if let Some(table) = e.table() {
        let column = e.constraint().and_then(|c| {
            c.strip_prefix(table)
                .and_then(|rest| rest.strip_prefix('_'))
                .and_then(|rest| rest.strip_suffix("_key"))
                .map(str::to_owned)
        });
        return StorageError::Duplicate {
            table: table.to_owned(),
            column,
        };
    }
    let message = e.message();
    let target = message
        .split_once("constraint failed: ")
        .map_or("", |(_, rest)| rest);
    let first = target.split(',').next().unwrap_or("").trim();
    match first.split_once('.') {
        Some((table, column)) if !target.contains(',') => StorageError::Duplicate {
            table: table.to_owned(),
            column: Some(column.to_owned()),
        },
        Some((table, _)) => StorageError::Duplicate {
            table: table.to_owned(),
            column: None,
        },
        None => StorageError::Duplicate {
            table: String::new(),
            column: None,
        },
    }
}

/// Marks the messages of [`unknown_value`], so [`classify`] can tell them from other type errors.
const UNKNOWN_VALUE_MARK: &str = "this version of Tether does not know";

/// The message for a stored word a closed set does not contain, naming the row.
pub(crate) fn unknown_value(what: &str, value: &str, row: Option<i64>, known: &[&str]) -> String {
    let row = row.map_or_else(|| "a row".to_owned(), |id| format!("the row with id {id}"));
    format!(
        "{row} holds {what} {value:?}, which {UNKNOWN_VALUE_MARK} (it knows {})",
        known.join(", ")
    )
}
