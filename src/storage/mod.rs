//! Storage: the database connection, the schema migrations, and every query Tether runs.
//!
//! Nothing above this layer writes SQL. The same code runs on SQLite (embedded default) and
//! PostgreSQL; where the two differ (connection tuning, how a write transaction starts, snapshot
//! reads, error codes) the difference is here. Writes go through [`write`]'s transaction helper;
//! errors are read in [`errors`].

pub mod accounts;
pub mod article_list;
pub mod articles;
pub mod bundle;
pub mod clicks;
mod columns;
pub mod connect;
pub mod content_version;
pub mod entities;
pub mod errors;
pub mod events;
pub mod library;
pub mod maintenance;
pub mod overview;
pub mod perspectives;
pub mod placements;
pub mod promos;
pub mod public_read;
pub mod revisions;
pub mod sessions;
pub mod settings;
pub mod write;

use std::ops::Deref;
use std::sync::Arc;

use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, ExecResult, QueryResult, Statement,
};
use tether_migrations::{Migrator, MigratorTrait};

pub use connect::{Patience, connect};
pub use errors::StorageError;

/// The database, as every layer above storage holds it: the pool, and (on SQLite) the turn
/// every writer of this process takes before it asks for SQLite's single write lock. Cheap to
/// clone; it derefs to the pool for reads.
#[derive(Clone)]
pub struct Store {
    conn: DatabaseConnection,
    write_turns: Option<Arc<tokio::sync::Mutex<()>>>,
    /// Told of every committed content write's events, before the write returns.
    on_commit: Arc<std::sync::RwLock<Vec<CommitHook>>>,
}

/// Something that must hear of committed content events at once (the read cache).
pub type CommitHook = Box<dyn Fn(&[crate::domain::events::ContentEvent]) + Send + Sync>;

impl Store {
    pub fn new(conn: DatabaseConnection) -> Self {
        let sqlite = conn.get_database_backend() == DatabaseBackend::Sqlite;
        Self {
            conn,
            write_turns: sqlite.then(|| Arc::new(tokio::sync::Mutex::new(()))),
            on_commit: Arc::default(),
        }
    }

    /// Calls `hook` with the events of every content write committed through this store (and
    /// its clones), before the write returns.
    pub fn on_commit(&self, hook: CommitHook) {
        self.on_commit
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(hook);
    }

    pub(crate) fn committed(&self, events: &[crate::domain::events::ContentEvent]) {
        if events.is_empty() {
            return;
        }
        for hook in self
            .on_commit
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            hook(events);
        }
    }

    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub async fn close(self) -> Result<(), StorageError> {
        self.conn.close().await?;
        Ok(())
    }
}

/// Single statements run on the pool directly (each is its own transaction). Several statements
/// that belong together go through [`Store::read`], [`Store::write`] or [`Store::write_content`].
#[async_trait::async_trait]
impl ConnectionTrait for Store {
    fn get_database_backend(&self) -> DatabaseBackend {
        self.conn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.conn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.conn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.conn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.conn.query_all_raw(stmt).await
    }
}

impl Deref for Store {
    type Target = DatabaseConnection;

    fn deref(&self) -> &DatabaseConnection {
        &self.conn
    }
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

/// Holds the row `id` of `E` until the transaction ends, so nothing can start referring to it
/// meanwhile (a row lock on PostgreSQL; SQLite's writers already take turns).
pub async fn hold<E, C>(db: &C, id: i32) -> Result<(), sea_orm::DbErr>
where
    E: sea_orm::EntityTrait,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i32>,
    C: ConnectionTrait,
{
    use sea_orm::QuerySelect;
    E::find_by_id(id).lock_exclusive().one(db).await?;
    Ok(())
}

/// Inserts rows in batches small enough for SQLite's bound-parameter limit.
pub(crate) async fn insert_all<C, A, I>(db: &C, rows: I) -> Result<(), sea_orm::DbErr>
where
    C: ConnectionTrait,
    A: sea_orm::ActiveModelTrait + Send,
    I: IntoIterator<Item = A>,
{
    use sea_orm::EntityTrait;
    let rows: Vec<A> = rows.into_iter().collect();
    for chunk in rows.chunks(100) {
        <A::Entity as EntityTrait>::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
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
