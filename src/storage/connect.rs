//! Opening the database that `DATABASE_URL` names, with failures explained in words an operator
//! can act on (a missing directory, a read-only file, a file that is not a database, a missing
//! PostgreSQL database, a server that does not answer), always naming `DATABASE_URL` and never
//! showing its password.

use std::str::FromStr;
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, RuntimeErr};

use crate::storage::StorageError;

/// How long SQLite lets a writer wait for another process's write lock (an import run from
/// the command line holds it while it writes).
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a request waits for a pooled connection before it is answered 503.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(1500);

/// How long to keep trying a database that does not answer.
#[derive(Debug, Clone, Copy)]
pub enum Patience {
    /// Commands (`migrate`, `import`, `export`, `user create`) give up after this long.
    GiveUpAfter(Duration),
    /// `serve` keeps trying while the server does not answer (it may still be starting),
    /// saying so every few seconds; other failures end it at once.
    KeepTrying,
}

impl Patience {
    /// What the command line allows.
    pub const COMMAND: Patience = Patience::GiveUpAfter(Duration::from_secs(5));
}

/// Opens a pool on `url`. SQLite: WAL journal, a busy timeout, several connections (one for an
/// in-memory database, where each connection would be a database of its own).
pub async fn connect(url: &str, patience: Patience) -> Result<DatabaseConnection, StorageError> {
    let shown = redacted(url);
    let attempt_timeout = match patience {
        Patience::GiveUpAfter(limit) => limit,
        Patience::KeepTrying => Duration::from_secs(5),
    };
    let options = options(url, &shown, attempt_timeout)?;
    let mut waited = Duration::ZERO;
    loop {
        let failure = match Database::connect(options.clone()).await {
            Ok(db) => match probe(&db).await {
                Ok(()) => return Ok(db),
                Err(e) => e,
            },
            Err(e) => e,
        };
        let reason = explain(&failure);
        let transient = is_unreachable(&failure);
        match patience {
            Patience::KeepTrying if transient => {
                waited += attempt_timeout;
                tracing::warn!(
                    "waiting for the database of DATABASE_URL={shown}: {reason} (for {}s so \
                     far; retrying)",
                    waited.as_secs()
                );
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            _ => {
                return Err(StorageError::Unavailable(format!(
                    "cannot open the database of DATABASE_URL={shown}: {reason}"
                )));
            }
        }
    }
}

fn options(url: &str, shown: &str, timeout: Duration) -> Result<ConnectOptions, StorageError> {
    let mut options = ConnectOptions::new(url.to_owned());
    // A request waits at most ACQUIRE_TIMEOUT for a pooled connection, then gets a 503.
    options
        .sqlx_logging(false)
        .connect_timeout(timeout)
        .acquire_timeout(timeout.min(ACQUIRE_TIMEOUT));
    if url.starts_with("sqlite:") {
        let parsed = SqliteConnectOptions::from_str(url).map_err(|e| {
            StorageError::BadUrl(format!("DATABASE_URL={shown} is not a SQLite URL: {e}"))
        })?;
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        if !in_memory {
            let file = parsed.get_filename();
            if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty())
                && !dir.is_dir()
            {
                return Err(StorageError::Unavailable(format!(
                    "cannot open the database of DATABASE_URL={shown}: the directory {} does \
                     not exist; create it, or point DATABASE_URL at a file in a directory that \
                     does",
                    dir.display()
                )));
            }
        }
        options
            .max_connections(if in_memory { 1 } else { sqlite_pool_size() })
            .min_connections(1)
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    .foreign_keys(true)
            });
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        if url::Url::parse(url).is_err() {
            return Err(StorageError::BadUrl(format!(
                "DATABASE_URL={shown} is not a URL; write postgres://USER:PASSWORD@HOST:PORT/DATABASE \
                 (percent-encode special characters in the password)"
            )));
        }
        options.max_connections(16).min_connections(1);
    } else {
        return Err(StorageError::BadUrl(format!(
            "DATABASE_URL={shown}: use sqlite://FILE?mode=rwc or postgres://user:pass@host:port/db"
        )));
    }
    Ok(options)
}

/// Connections to a SQLite file: two per core (a read holds its core while it runs; a second
/// one per core covers the moments it waits), at least 4 and at most 16. Each connection keeps
/// its own page cache and prepared statements, a few MB at 100,000 articles, so more than the
/// cores can use costs memory and gives no throughput.
fn sqlite_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    u32::try_from(cores * 2).unwrap_or(16).clamp(4, 16)
}

/// A first statement that needs what serving needs: on SQLite, a write (a read-only file, or
/// one that is not a database, fails here rather than at the first save). Nothing stays.
async fn probe(db: &DatabaseConnection) -> Result<(), DbErr> {
    match db.get_database_backend() {
        sea_orm::DatabaseBackend::Sqlite => {
            db.execute_unprepared(
                "BEGIN IMMEDIATE; CREATE TABLE tether_write_probe (x INTEGER); ROLLBACK",
            )
            .await?;
        }
        _ => {
            db.execute_unprepared("SELECT 1").await?;
        }
    }
    Ok(())
}

/// The database's own error code and message, when it gave one.
fn database_error(error: &DbErr) -> Option<(String, String)> {
    let (DbErr::Conn(RuntimeErr::SqlxError(e))
    | DbErr::Exec(RuntimeErr::SqlxError(e))
    | DbErr::Query(RuntimeErr::SqlxError(e))) = error
    else {
        return None;
    };
    match e.as_ref() {
        sea_orm::sqlx::Error::Database(d) => Some((
            d.code().map(|c| c.into_owned()).unwrap_or_default(),
            d.message().to_owned(),
        )),
        _ => None,
    }
}

/// Whether the server did not answer at all (worth waiting for, when serving).
fn is_unreachable(error: &DbErr) -> bool {
    if let DbErr::ConnectionAcquire(_) = error {
        return true;
    }
    let (DbErr::Conn(RuntimeErr::SqlxError(e))
    | DbErr::Exec(RuntimeErr::SqlxError(e))
    | DbErr::Query(RuntimeErr::SqlxError(e))) = error
    else {
        return false;
    };
    use sea_orm::sqlx::Error as E;
    match e.as_ref() {
        E::Io(_) | E::PoolTimedOut | E::Tls(_) => true,
        // PostgreSQL starting up or shutting down.
        E::Database(d) => d
            .code()
            .is_some_and(|c| c == "57P03" || c.starts_with("08")),
        _ => false,
    }
}

fn explain(error: &DbErr) -> String {
    if let Some((code, message)) = database_error(error) {
        let sqlite_primary = code.parse::<u32>().ok().map(|c| c & 0xff);
        return match (code.as_str(), sqlite_primary) {
            (_, Some(14)) => "the file cannot be opened or created (does its directory exist, and \
                              may Tether write there?)"
                .to_owned(),
            (_, Some(26)) => "the file is not a SQLite database".to_owned(),
            (_, Some(8)) => "the database file is read-only; Tether must be able to write to it \
                             and to its directory (for the -wal and -shm files)"
                .to_owned(),
            (_, Some(5)) => "another process holds the database's write lock".to_owned(),
            ("3D000", _) => format!("{message}; create it (createdb) or change DATABASE_URL"),
            ("28P01" | "28000", _) => format!("the server refused the user: {message}"),
            _ => message,
        };
    }
    match error {
        DbErr::ConnectionAcquire(_) => "no connection could be opened in time".to_owned(),
        DbErr::Conn(RuntimeErr::SqlxError(e)) => match e.as_ref() {
            sea_orm::sqlx::Error::Io(io) => {
                format!(
                    "the server does not answer ({io}); is it running, and is the address right?"
                )
            }
            sea_orm::sqlx::Error::PoolTimedOut => {
                "the server does not answer (no connection in time); is it running, and is the \
                 address right?"
                    .to_owned()
            }
            other => redact_text(&other.to_string()),
        },
        other => redact_text(&other.to_string()),
    }
}

/// The URL with its password replaced by `***`. A URL that does not parse is not shown at all
/// (it may hold a password in a place we cannot find).
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) if url.starts_with("sqlite:") => url.to_owned(),
        Err(_) => "(not shown: it is not a valid URL and may hold a password)".to_owned(),
    }
}

/// Error texts from drivers can quote the URL; hide anything that looks like `user:pass@`.
fn redact_text(text: &str) -> String {
    text.split_whitespace()
        .map(|word| {
            if word.contains("://") && word.contains('@') {
                redacted(word.trim_matches(|c| c == '"' || c == '\''))
            } else {
                word.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_never_shown() {
        assert_eq!(
            redacted("postgres://tether:s3cret@db:5432/tether"),
            "postgres://tether:***@db:5432/tether"
        );
        assert_eq!(
            redacted("postgres://tether@db/tether"),
            "postgres://tether@db/tether"
        );
        let unparsable = redacted("postgres://tether:pa ss@@db:x/tether");
        assert!(!unparsable.contains("pa ss"), "{unparsable}");
        assert_eq!(
            redacted("sqlite://tether.db?mode=rwc"),
            "sqlite://tether.db?mode=rwc"
        );
        assert!(!redact_text("error at postgres://u:secret@h/db now").contains("secret"));
    }
}
