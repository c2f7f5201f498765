//! An in-process cache of public API answers that never serves outdated content.
//!
//! Every lookup first learns the database's content version (see
//! [`crate::storage::content_version`]) from a read that *started after the request arrived*; if
//! the version moved, the whole cache is dropped. So a change committed by any Tether process
//! sharing the database is visible on the next request, here too. Entries also expire at the
//! moment the clock alone changes them (a scheduled article going live, a promo ending).
//!
//! The version reads are coalesced: one background task answers every request that arrived before
//! its read began, so under load the cache costs one tiny query per batch of requests, not one
//! per request.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use sea_orm::{DatabaseConnection, DbErr};
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::domain::timestamp::Timestamp;
use crate::storage::{StorageError, content_version};

/// A serialized JSON answer with its strong ETag.
#[derive(Debug)]
pub struct CachedBody {
    pub body: Bytes,
    pub etag: String,
    /// The moment this answer stops being right by the clock alone.
    pub expires: Option<Timestamp>,
}

impl CachedBody {
    pub fn new(body: Bytes, expires: Option<Timestamp>) -> Self {
        let digest = Sha256::digest(&body);
        let etag = format!("\"{}\"", hex(&digest[..16]));
        Self {
            body,
            etag,
            expires,
        }
    }
}

/// One cached value, whatever its type, and when the clock alone makes it wrong.
struct Entry {
    value: Arc<dyn Any + Send + Sync>,
    expires: Option<Timestamp>,
}

impl Entry {
    fn fresh_at(&self, now: Timestamp) -> bool {
        self.expires.is_none_or(|t| now < t)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Clone, Debug)]
struct VersionAnswer {
    /// Every ticket up to this one was issued before the read began.
    ticket: u64,
    version: Result<i64, String>,
}

struct Shared {
    db: DatabaseConnection,
    issued: AtomicU64,
    wake: Notify,
    answers: watch::Sender<VersionAnswer>,
    entries: Mutex<Entries>,
    max_entries: usize,
}

#[derive(Default)]
struct Entries {
    version: Option<i64>,
    map: HashMap<String, Entry>,
}

pub struct ReadCache {
    shared: Arc<Shared>,
    checker: Option<JoinHandle<()>>,
}

impl Drop for ReadCache {
    fn drop(&mut self) {
        if let Some(task) = &self.checker {
            task.abort();
        }
    }
}

impl ReadCache {
    /// A cache of at most `max_entries` answers; 0 disables caching (every request loads).
    /// Must be called inside a Tokio runtime.
    pub fn new(db: DatabaseConnection, max_entries: usize) -> Self {
        let (answers, _) = watch::channel(VersionAnswer {
            ticket: 0,
            version: Err("not read yet".to_owned()),
        });
        let shared = Arc::new(Shared {
            db,
            issued: AtomicU64::new(0),
            wake: Notify::new(),
            answers,
            entries: Mutex::new(Entries::default()),
            max_entries,
        });
        let checker = (max_entries > 0).then(|| tokio::spawn(check_versions(Arc::clone(&shared))));
        Self { shared, checker }
    }

    /// The cached answer for `key`, or the one `load` produces (`None`: nothing to answer,
    /// which is not cached).
    pub async fn get_or_load<E, F, Fut>(
        &self,
        key: &str,
        now: Timestamp,
        load: F,
    ) -> Result<Option<Arc<CachedBody>>, E>
    where
        E: From<StorageError>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<CachedBody>, E>>,
    {
        self.get_or_load_value(key, now, || async {
            Ok(load().await?.map(|body| {
                let expires = body.expires;
                (body, expires)
            }))
        })
        .await
    }

    /// Like [`Self::get_or_load`] for any value (keys of different value types must differ):
    /// `load` returns the value and the moment it stops being right by the clock alone.
    pub async fn get_or_load_value<T, E, F, Fut>(
        &self,
        key: &str,
        now: Timestamp,
        load: F,
    ) -> Result<Option<Arc<T>>, E>
    where
        T: Any + Send + Sync,
        E: From<StorageError>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<(T, Option<Timestamp>)>, E>>,
    {
        if self.shared.max_entries == 0 {
            return Ok(load().await?.map(|(value, _)| Arc::new(value)));
        }
        let version = self
            .current_version()
            .await
            .map_err(|e| E::from(StorageError::Database(DbErr::Custom(e))))?;
        {
            let mut entries = self.lock_entries();
            if entries.version != Some(version) {
                entries.map.clear();
                entries.version = Some(version);
            }
            if let Some(hit) = entries
                .map
                .get(key)
                .filter(|e| e.fresh_at(now))
                .and_then(|e| Arc::clone(&e.value).downcast::<T>().ok())
            {
                return Ok(Some(hit));
            }
        }
        // `load` starts after the version read, so it sees that version or a newer one: an entry
        // filed under `version` is never older than what `version` promises.
        let Some((value, expires)) = load().await? else {
            return Ok(None);
        };
        let value = Arc::new(value);
        let mut entries = self.lock_entries();
        if entries.version == Some(version)
            && (entries.map.len() < self.shared.max_entries || entries.map.contains_key(key))
        {
            let shared: Arc<dyn Any + Send + Sync> = Arc::clone(&value) as _;
            entries.map.insert(
                key.to_owned(),
                Entry {
                    value: shared,
                    expires,
                },
            );
        }
        Ok(Some(value))
    }

    fn lock_entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.shared
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The content version, from a database read that began after this call.
    async fn current_version(&self) -> Result<i64, String> {
        let mut answers = self.shared.answers.subscribe();
        let ticket = self.shared.issued.fetch_add(1, Ordering::SeqCst) + 1;
        self.shared.wake.notify_one();
        loop {
            {
                let answer = answers.borrow_and_update();
                if answer.ticket >= ticket {
                    return answer.version.clone();
                }
            }
            if answers.changed().await.is_err() {
                return Err("the version checker stopped".to_owned());
            }
        }
    }
}

/// Answers version requests in batches: each read covers every ticket issued before it began.
async fn check_versions(shared: Arc<Shared>) {
    let mut answered = 0;
    loop {
        let target = shared.issued.load(Ordering::SeqCst);
        if target <= answered {
            shared.wake.notified().await;
            continue;
        }
        let version = content_version::current(&shared.db)
            .await
            .map_err(|e| e.to_string());
        if let Err(error) = &version {
            tracing::warn!(%error, "could not read the content version");
        }
        answered = target;
        shared.answers.send_replace(VersionAnswer {
            ticket: target,
            version,
        });
    }
}
