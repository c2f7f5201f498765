//! Storage: the database connection, the schema migrations, and every query Tether runs.
//!
//! Nothing above this layer writes SQL. The same code runs on SQLite (embedded default) and
//! PostgreSQL; where the two differ (connection tuning, snapshot reads) the difference is here.

pub mod accounts;
pub mod bundle_io;
pub mod clicks;
pub mod content_version;
pub mod content_write;
pub mod entities;
pub mod overview;
pub mod placements;
pub mod promos;
pub mod public_read;
pub mod sessions;
pub mod settings;

use std::str::FromStr;
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, DbErr, IsolationLevel, TransactionTrait,
};
use tether_migrations::{Migrator, MigratorTrait};

/// What can go wrong below the domain: the database itself, or data it refuses.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    #[error("invalid database URL {url:?}: {reason}")]
    BadUrl { url: String, reason: String },
}

/// Opens a pool. For SQLite: WAL journal, a busy timeout and several connections (one for an
/// in-memory database, where every connection would be a separate database).
pub async fn connect(url: &str) -> Result<DatabaseConnection, StorageError> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        SqliteConnectOptions::from_str(url).map_err(|e| StorageError::BadUrl {
            url: url.to_owned(),
            reason: e.to_string(),
        })?;
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        options
            .max_connections(if in_memory { 1 } else { 8 })
            .min_connections(1)
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
            });
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        options.max_connections(16).min_connections(1);
    } else {
        return Err(StorageError::BadUrl {
            url: url.to_owned(),
            reason: "use sqlite://FILE?mode=rwc or postgres://user:pass@host:port/db".to_owned(),
        });
    }
    Ok(Database::connect(options).await?)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), StorageError> {
    Migrator::up(db, None).await?;
    Ok(())
}

/// Answers whether the database responds at all (for `/healthz`).
pub async fn ping(db: &DatabaseConnection) -> Result<(), StorageError> {
    db.ping().await?;
    Ok(())
}

/// A read-only transaction that sees one consistent state across several queries
/// (REPEATABLE READ on PostgreSQL; any SQLite transaction already does).
pub async fn begin_snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            db.begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await
        }
        _ => db.begin().await,
    }
}

/// Whether any content exists (the sample bundle is only loaded into an empty database).
pub async fn has_content<C: ConnectionTrait>(db: &C) -> Result<bool, StorageError> {
    use entities::{article, feeling_list, perspective, promo, step_guide};
    use sea_orm::{EntityTrait, PaginatorTrait};
    Ok(article::Entity::find().count(db).await? > 0
        || promo::Entity::find().count(db).await? > 0
        || feeling_list::Entity::find().count(db).await? > 0
        || step_guide::Entity::find().count(db).await? > 0
        || perspective::Entity::find().count(db).await? > 0)
}
