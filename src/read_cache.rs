//! An in-process cache of public API answers, bounded by memory, that never serves outdated
//! content, and answers a hit without asking the database anything.
//!
//! - **Bounded.** At most `TETHER_READ_CACHE_MB` of answers (and `TETHER_READ_CACHE_ENTRIES`
//!   answers); the least recently used go first (moka's TinyLFU).
//! - **Invalidated by target.** Answers are cached under their public API path. A content event
//!   names the paths whose answers changed; only those go (a list or search page under
//!   `/api/v1/articles`, a placements slot with its `?tag=` variants, every article for
//!   `/api/v1/articles/*`). One editor's save leaves the rest of the site cached.
//! - **Never stale, here or elsewhere.** A write in this process evicts its paths before the
//!   write returns (the store calls [`ReadCache::apply`] after commit). Writes of other processes
//!   (another server behind the load balancer, `tether import`) are found by polling the content
//!   events every [`POLL_EVERY`]; while polling fails, the cache is bypassed, so it never
//!   answers from an unknown state. A load that ran while anything was evicted is not cached (it
//!   may have read the state before the change).
//! - **Clock-driven expiry.** An answer also expires at the moment the clock alone changes it
//!   (a scheduled article going live, a promo starting or ending).

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use moka::sync::Cache;
use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;

use crate::domain::events::{ContentEvent, paths};
use crate::domain::timestamp::Timestamp;
use crate::storage::{StorageError, Store, events};

/// How often other processes' changes are looked for.
pub const POLL_EVERY: Duration = Duration::from_millis(50);
/// Without a successful poll for this long, the cache is bypassed.
const TRUSTED_FOR: Duration = Duration::from_millis(500);
/// What an answer costs beyond its bytes (key, entry, bookkeeping).
const ENTRY_OVERHEAD: usize = 256;

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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Roughly how much memory a cached value holds.
pub trait Weigh {
    fn bytes(&self) -> usize;
}

impl Weigh for CachedBody {
    fn bytes(&self) -> usize {
        self.body.len() + self.etag.len()
    }
}

/// The limits of the cache (`TETHER_READ_CACHE_MB`, `TETHER_READ_CACHE_ENTRIES`); either 0
/// turns it off.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub bytes: u64,
    pub entries: u64,
}

impl Limits {
    fn enabled(self) -> bool {
        self.bytes > 0 && self.entries > 0
    }
}

/// One cached value, with what it was loaded under.
#[derive(Clone)]
struct Entry {
    value: Arc<dyn Any + Send + Sync>,
    expires: Option<Timestamp>,
    /// The generation of the entry's group when it was loaded (see [`group_of`]).
    group: Option<(&'static str, u64)>,
    /// The generation of every article when it was loaded (article answers only).
    every_article: Option<u64>,
}

/// Paths that one event can evict many of at once: all list and search pages, all of a slot's
/// placements (`?tag=` variants), every article.
fn group_of(key: &str) -> Option<(&'static str, String)> {
    if key.starts_with("/api/v1/articles?") {
        return Some(("lists", paths::ARTICLES.to_owned()));
    }
    if let Some(rest) = key.strip_prefix("/api/v1/placements/") {
        let slot = rest.split('?').next().unwrap_or(rest);
        return Some(("slot", paths::placements(slot)));
    }
    None
}

fn is_article(key: &str) -> bool {
    key.starts_with("/api/v1/articles/")
}

struct Shared {
    cache: Cache<String, Entry>,
    /// Grows with every eviction; a load that saw it change is not cached.
    epoch: AtomicU64,
    /// Generations of groups of paths (`/api/v1/articles`, `/api/v1/placements/{slot}`, and
    /// `/api/v1/articles/*` for every article).
    generations: Mutex<HashMap<String, u64>>,
    /// The last content event applied.
    applied: AtomicI64,
    /// When polling last succeeded (monotonic), as nanoseconds since `started`.
    polled_ok: AtomicU64,
    started: Instant,
}

impl Shared {
    fn generation(&self, group: &str) -> u64 {
        self.generations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(group)
            .copied()
            .unwrap_or(0)
    }

    fn bump(&self, group: &str) {
        *self
            .generations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(group.to_owned())
            .or_insert(0) += 1;
    }

    fn trusted(&self) -> bool {
        let last = Duration::from_nanos(self.polled_ok.load(Ordering::Acquire));
        self.started.elapsed().saturating_sub(last) < TRUSTED_FOR
    }

    fn mark_polled(&self) {
        let now = u64::try_from(self.started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.polled_ok.store(now, Ordering::Release);
    }

    fn valid(&self, key: &str, entry: &Entry, now: Timestamp) -> bool {
        entry.expires.is_none_or(|t| now < t)
            && entry.group.is_none_or(|(_, generation)| {
                group_of(key).is_some_and(|(_, g)| self.generation(&g) == generation)
            })
            && entry
                .every_article
                .is_none_or(|generation| self.generation(paths::EVERY_ARTICLE) == generation)
    }

    /// Evicts the answers at `paths`.
    fn evict(&self, paths: &[String]) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        for path in paths {
            match path.as_str() {
                paths::ARTICLES | paths::EVERY_ARTICLE => self.bump(path),
                p if p.starts_with("/api/v1/placements/") => {
                    self.bump(p);
                    self.cache.invalidate(p);
                }
                p => {
                    self.cache.invalidate(p);
                    // A promo's tracked link is cached beside its API answer.
                    if let Some(slug) = p.strip_prefix("/api/v1/promos/") {
                        self.cache.invalidate(&format!("go/{slug}"));
                    }
                }
            }
        }
        // Bumped again so that a load which began before this eviction and ends after it
        // cannot be cached with the new epoch.
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }
}

pub struct ReadCache {
    shared: Option<Arc<Shared>>,
    store: Store,
    poller: Option<JoinHandle<()>>,
}

impl Drop for ReadCache {
    fn drop(&mut self) {
        if let Some(task) = &self.poller {
            task.abort();
        }
    }
}

impl ReadCache {
    /// A cache within `limits`, kept current from `store`'s content events. Must be called
    /// inside a Tokio runtime (it starts the poller).
    pub fn new(store: &Store, limits: Limits) -> Arc<Self> {
        if !limits.enabled() {
            return Arc::new(Self {
                shared: None,
                store: store.clone(),
                poller: None,
            });
        }
        // Every answer weighs at least its share of the entry limit, so both limits hold.
        let floor = usize::try_from(limits.bytes / limits.entries).unwrap_or(usize::MAX);
        let cache = Cache::builder()
            .max_capacity(limits.bytes)
            .weigher(move |key: &String, entry: &Entry| {
                let bytes = entry_bytes(entry) + key.len() + ENTRY_OVERHEAD;
                u32::try_from(bytes.max(floor)).unwrap_or(u32::MAX)
            })
            .build();
        let shared = Arc::new(Shared {
            cache,
            epoch: AtomicU64::new(0),
            generations: Mutex::new(HashMap::new()),
            applied: AtomicI64::new(-1),
            polled_ok: AtomicU64::new(0),
            started: Instant::now(),
        });
        let poller = tokio::spawn(poll(store.clone(), Arc::clone(&shared)));
        Arc::new(Self {
            shared: Some(shared),
            store: store.clone(),
            poller: Some(poller),
        })
    }

    /// Applies other processes' changes now, rather than at the next poll.
    pub async fn refresh(&self) -> Result<(), StorageError> {
        if let Some(shared) = &self.shared {
            catch_up(&self.store, shared).await?;
            shared.mark_polled();
        }
        Ok(())
    }

    /// Evicts what committed events changed (called by the store after each content write).
    pub fn apply(&self, events: &[ContentEvent]) {
        if let Some(shared) = &self.shared {
            for event in events {
                shared.evict(&event.paths);
            }
        }
    }

    /// The cached answer for `key` (a public API path), or the one `load` produces (`None`:
    /// nothing to answer, which is not cached).
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
        T: Any + Send + Sync + Weigh,
        E: From<StorageError>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<(T, Option<Timestamp>)>, E>>,
    {
        let Some(shared) = self.shared.as_ref().filter(|s| s.trusted()) else {
            return Ok(load().await?.map(|(value, _)| Arc::new(value)));
        };
        if let Some(entry) = shared.cache.get(key)
            && shared.valid(key, &entry, now)
            && let Ok(hit) = Arc::clone(&entry.value).downcast::<T>()
        {
            return Ok(Some(hit));
        }
        let epoch = shared.epoch.load(Ordering::Acquire);
        let group = group_of(key).map(|(name, g)| (name, shared.generation(&g)));
        let every_article = is_article(key).then(|| shared.generation(paths::EVERY_ARTICLE));
        let Some((value, expires)) = load().await? else {
            return Ok(None);
        };
        let value = Arc::new(value);
        if shared.epoch.load(Ordering::Acquire) == epoch && shared.trusted() {
            let entry = Entry {
                value: Arc::clone(&value) as _,
                expires,
                group,
                every_article,
            };
            shared.cache.insert(key.to_owned(), entry);
        }
        Ok(Some(value))
    }
}

fn entry_bytes(entry: &Entry) -> usize {
    if let Some(body) = entry.value.downcast_ref::<CachedBody>() {
        return body.bytes();
    }
    ENTRY_OVERHEAD
}

/// Applies the content events of every process, in order, every [`POLL_EVERY`].
async fn poll(store: Store, shared: Arc<Shared>) {
    let mut tick = tokio::time::interval(POLL_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        tick.tick().await;
        let outcome = catch_up(&store, &shared).await;
        match outcome {
            Ok(()) => {
                shared.mark_polled();
                if failing {
                    tracing::info!("content events are read again; the read cache is back");
                    failing = false;
                }
            }
            Err(error) => {
                if !failing {
                    tracing::warn!(%error, "cannot read content events; the read cache is bypassed");
                    failing = true;
                }
            }
        }
    }
}

async fn catch_up(store: &Store, shared: &Shared) -> Result<(), StorageError> {
    let mut applied = shared.applied.load(Ordering::Acquire);
    if applied < 0 {
        // First poll: what is cached was loaded from now on.
        applied = events::last_seq(store).await?;
        shared.applied.store(applied, Ordering::Release);
        return Ok(());
    }
    loop {
        let batch = events::after(store, applied, 500).await?;
        let Some(last) = batch.last().map(|e| e.seq) else {
            return Ok(());
        };
        for event in &batch {
            shared.evict(&event.paths);
        }
        applied = last;
        shared.applied.store(applied, Ordering::Release);
        if batch.len() < 500 {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_of_paths() {
        assert_eq!(
            group_of("/api/v1/articles?page=2&per_page=20&tag="),
            Some(("lists", "/api/v1/articles".to_owned()))
        );
        assert_eq!(
            group_of("/api/v1/placements/sidebar?tag=calm"),
            Some(("slot", "/api/v1/placements/sidebar".to_owned()))
        );
        assert_eq!(group_of("/api/v1/articles/calm"), None);
        assert!(is_article("/api/v1/articles/calm"));
        assert!(!is_article("/api/v1/articles?page=1"));
    }
}
