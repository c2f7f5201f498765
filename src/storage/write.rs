//! The transaction helpers: the only way Tether writes (and the way it reads several tables
//! consistently).
//!
//! - [`Store::write_content`] runs a content change in one write transaction, then appends the
//!   change's content events and, when there are any (readers will see a difference), bumps the
//!   content version, in that same transaction. No other code bumps the version, so no writer
//!   can forget it.
//! - [`Store::write`] is the same discipline for writes that are not content (clicks, accounts).
//! - [`Store::read`] is a read-only snapshot across several queries.
//!
//! Two rules make writes survive concurrency:
//! - On SQLite a write transaction takes the write lock when it begins (`BEGIN IMMEDIATE`, after
//!   the process's writers have queued on [`Store`]'s turn), so it waits for another writer
//!   instead of failing when it upgrades a read (`SQLITE_BUSY_SNAPSHOT`, 517). PostgreSQL needs
//!   no turn: row locks and constraints settle concurrent writers.
//! - Each transaction runs in a task of its own. A request dropped by its client cancels the
//!   request's future, never the transaction: it still commits or rolls back, and its pooled
//!   connection always goes back outside a transaction.

use std::future::Future;
use std::pin::Pin;

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseBackend, DatabaseTransaction, IsolationLevel,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::domain::events::EventLog;
use crate::domain::timestamp::Timestamp;
use crate::storage::entities::content_state;
use crate::storage::{StorageError, Store, events};

/// The future a transaction's work returns, borrowing the transaction.
pub type TxFuture<'t, T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 't>>;

/// A content write in progress: its transaction, the moment it happens, and what readers will
/// see change.
pub struct ContentTxn {
    txn: DatabaseTransaction,
    now: Timestamp,
    events: EventLog,
}

impl ContentTxn {
    /// The transaction, for queries.
    pub fn db(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// The time of the write (one reading of the clock for the whole transaction).
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// Where the write records the changes readers will see.
    pub fn events(&mut self) -> &mut EventLog {
        &mut self.events
    }
}

impl Store {
    /// Runs `work` as one content write: it commits, with its events appended (and the version
    /// bumped when there are any), when `work` succeeds, and rolls back when it fails.
    pub async fn write_content<T, E, F>(&self, now: Timestamp, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
        F: for<'t> FnOnce(&'t mut ContentTxn) -> TxFuture<'t, T, E> + Send + 'static,
    {
        let store = self.clone();
        detached(async move {
            let _turn = store.writer_turn().await;
            let txn = store.begin_as(Access::Write).await?;
            let mut tx = ContentTxn {
                txn,
                now,
                events: EventLog::new(),
            };
            match work(&mut tx).await {
                Ok(value) => {
                    let ContentTxn { txn, now, events } = tx;
                    let events = events.into_events();
                    if !events.is_empty() {
                        bump_version(&txn).await.map_err(StorageError::from)?;
                    }
                    events::append(&txn, now, &events)
                        .await
                        .map_err(StorageError::from)?;
                    txn.commit().await.map_err(StorageError::from)?;
                    store.committed(&events);
                    Ok(value)
                }
                Err(error) => {
                    rollback(tx.txn).await;
                    Err(error)
                }
            }
        })
        .await
    }

    /// Runs `work` in one write transaction that is not a content change (clicks, accounts,
    /// settings): the same turn and cancel safety, no version or events.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
        F: for<'t> FnOnce(&'t DatabaseTransaction) -> TxFuture<'t, T, E> + Send + 'static,
    {
        self.run(Access::Write, work).await
    }

    /// Runs `work` in a read-only snapshot: every query sees the same state of the database
    /// (REPEATABLE READ on PostgreSQL; any SQLite transaction already does).
    pub async fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
        F: for<'t> FnOnce(&'t DatabaseTransaction) -> TxFuture<'t, T, E> + Send + 'static,
    {
        self.run(Access::Read, work).await
    }

    async fn run<T, E, F>(&self, access: Access, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
        F: for<'t> FnOnce(&'t DatabaseTransaction) -> TxFuture<'t, T, E> + Send + 'static,
    {
        let store = self.clone();
        detached(async move {
            let _turn = match access {
                Access::Write => store.writer_turn().await,
                Access::Read => None,
            };
            let txn = store.begin_as(access).await?;
            match work(&txn).await {
                Ok(value) => {
                    txn.commit().await.map_err(StorageError::from)?;
                    Ok(value)
                }
                Err(error) => {
                    rollback(txn).await;
                    Err(error)
                }
            }
        })
        .await
    }

    /// On SQLite, waits for this process's earlier writers (one write lock per database).
    async fn writer_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.write_turns {
            Some(turns) => Some(turns.lock().await),
            None => None,
        }
    }

    /// Begins a transaction: a write takes SQLite's write lock at once; a read is a read-only
    /// snapshot.
    async fn begin_as(&self, access: Access) -> Result<DatabaseTransaction, StorageError> {
        let txn = match (self.get_database_backend(), access) {
            (DatabaseBackend::Sqlite, Access::Write) => {
                self.begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..TransactionOptions::default()
                })
                .await
            }
            (DatabaseBackend::Postgres, Access::Read) => {
                self.begin_with_config(
                    Some(IsolationLevel::RepeatableRead),
                    Some(AccessMode::ReadOnly),
                )
                .await
            }
            _ => self.begin().await,
        };
        Ok(txn?)
    }
}

#[derive(Debug, Clone, Copy)]
enum Access {
    Read,
    Write,
}

/// Runs a transaction's future in a task of its own, so dropping the caller cannot stop it
/// halfway (with its connection inside an open transaction).
async fn detached<T, E>(work: impl Future<Output = Result<T, E>> + Send + 'static) -> Result<T, E>
where
    T: Send + 'static,
    E: From<StorageError> + Send + 'static,
{
    match tokio::spawn(work).await {
        Ok(outcome) => outcome,
        Err(join) => Err(StorageError::TaskFailed(join.to_string()).into()),
    }
}

async fn rollback(txn: DatabaseTransaction) {
    if let Err(error) = txn.rollback().await {
        tracing::warn!(%error, "could not roll back a transaction");
    }
}

/// Marks that content readers see changed: the one place the content version grows.
async fn bump_version<C: ConnectionTrait>(db: &C) -> Result<(), sea_orm::DbErr> {
    let stmt = Query::update()
        .table(content_state::Entity)
        .value(
            content_state::Column::Version,
            Expr::col(content_state::Column::Version).add(1),
        )
        .and_where(Expr::col(content_state::Column::Id).eq(1))
        .to_owned();
    db.execute(&stmt).await?;
    Ok(())
}
