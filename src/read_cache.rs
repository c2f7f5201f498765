//! An in-process cache of public API answers, bounded by memory, that never serves outdated
//! content, and answers a hit without asking the database anything.
//!
//! - **Bounded.** At most `TETHER_READ_CACHE_MB` of answers (and `TETHER_READ_CACHE_ENTRIES`
//!   answers); the least recently used go first (moka's TinyLFU).
//! - **Invalidated by target.** Answers are cached under their public API path. A content event
//!   names the paths whose answers changed; only those go (every list and search page for
//!   `/api/v1/articles`, a placements slot with its `?tag=` variants, every article for
//!   `/api/v1/articles/*`). One editor's save leaves the rest of the site cached.
//! - **Lists kept through updates in place.** An article updated in place (it keeps its slug,
//!   its time and its tags: see [`ContentEvent::lists_in_place`]) stays where it was in every
//!   list, so of the list pages only those showing it go (each remembers its articles), with
//!   every search page (its text may match differently now).
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
    /// For a list page: the slugs of the articles it shows (`None`: not known, so any
    /// article's update evicts it).
    pub articles: Option<Vec<String>>,
}

impl CachedBody {
    pub fn new(body: Bytes, expires: Option<Timestamp>) -> Self {
        let digest = Sha256::digest(&body);
        let etag = format!("\"{}\"", hex(&digest[..16]));
        Self {
            body,
            etag,
            expires,
            articles: None,
        }
    }

    /// The answer of a list page showing the articles `slugs`.
    pub fn listing(self, slugs: Vec<String>) -> Self {
        Self {
            articles: Some(slugs),
            ..self
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
        let articles = self.articles.iter().flatten();
        self.body.len() + self.etag.len() + articles.map(|s| s.len() + 24).sum::<usize>()
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
    /// The count of updates in place when it was loaded (list pages only).
    in_place: Option<u64>,
}

/// The group of search pages (that of list pages is `/api/v1/articles`).
const SEARCHES: &str = "/api/v1/articles?q";
/// At most this many articles are remembered as updated in place; past it, every list page
/// goes instead.
const MAX_UPDATED_IN_PLACE: usize = 10_000;

/// Paths that one event can evict many of at once: all list pages, all search pages, all of a
/// slot's placements (`?tag=` variants), every article.
fn group_of(key: &str) -> Option<(&'static str, String)> {
    if let Some(query) = key.strip_prefix("/api/v1/articles?") {
        // Tags cannot hold `&`, so only the search adds `&q=`.
        if query.starts_with("q=") || query.contains("&q=") {
            return Some(("search", SEARCHES.to_owned()));
        }
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

/// What groups of answers were evicted since they were loaded.
#[derive(Default)]
struct Generations {
    /// Generations of groups of paths (`/api/v1/articles` for list pages, [`SEARCHES`],
    /// `/api/v1/placements/{slot}`, and `/api/v1/articles/*` for every article).
    groups: HashMap<String, u64>,
    /// Counts the updates in place.
    in_place: u64,
    /// The last update in place (its count) of each article updated in place since the list
    /// pages last all went: a list page loaded before it and showing the article is out of date.
    updated_in_place: HashMap<String, u64>,
}

impl Generations {
    fn of(&self, group: &str) -> u64 {
        self.groups.get(group).copied().unwrap_or(0)
    }

    fn bump(&mut self, group: &str) {
        *self.groups.entry(group.to_owned()).or_insert(0) += 1;
    }

    /// Every list and search page goes.
    fn bump_lists(&mut self) {
        self.bump(paths::ARTICLES);
        self.bump(SEARCHES);
        // List pages loaded before are out of date anyway.
        self.updated_in_place.clear();
    }

    /// `slug` was updated in place: the list pages showing it go, and every search page.
    fn updated_in_place(&mut self, slug: &str) {
        if self.updated_in_place.len() >= MAX_UPDATED_IN_PLACE
            && !self.updated_in_place.contains_key(slug)
        {
            self.bump_lists();
            return;
        }
        self.bump(SEARCHES);
        self.in_place += 1;
        self.updated_in_place.insert(slug.to_owned(), self.in_place);
    }

    /// Whether a list page loaded at update in place `seen`, showing `articles`, is still right.
    fn list_kept(&self, seen: u64, articles: Option<&Vec<String>>) -> bool {
        seen == self.in_place
            || articles.is_some_and(|slugs| {
                slugs
                    .iter()
                    .all(|s| self.updated_in_place.get(s).is_none_or(|&at| at <= seen))
            })
    }
}

struct Shared {
    cache: Cache<String, Entry>,
    /// Grows with every eviction; a load that saw it change is not cached.
    epoch: AtomicU64,
    generations: Mutex<Generations>,
    /// The last content event applied.
    applied: AtomicI64,
    /// When polling last succeeded (monotonic), as nanoseconds since `started`.
    polled_ok: AtomicU64,
    started: Instant,
}

impl Shared {
    fn generations(&self) -> std::sync::MutexGuard<'_, Generations> {
        self.generations.lock().unwrap_or_else(|e| e.into_inner())
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
        if entry.expires.is_some_and(|t| now >= t) {
            return false;
        }
        let generations = self.generations();
        entry.group.is_none_or(|(_, generation)| {
            group_of(key).is_some_and(|(_, g)| generations.of(&g) == generation)
        }) && entry
            .every_article
            .is_none_or(|generation| generations.of(paths::EVERY_ARTICLE) == generation)
            && entry.in_place.is_none_or(|seen| {
                let body = entry.value.downcast_ref::<CachedBody>();
                generations.list_kept(seen, body.and_then(|b| b.articles.as_ref()))
            })
    }

    /// What an answer for `key` is loaded under: its group's generation, every article's
    /// generation (articles), and the count of updates in place (list pages).
    fn loading(&self, key: &str) -> (Option<(&'static str, u64)>, Option<u64>, Option<u64>) {
        let generations = self.generations();
        let group = group_of(key).map(|(name, g)| (name, generations.of(&g)));
        let every_article = is_article(key).then(|| generations.of(paths::EVERY_ARTICLE));
        let in_place = matches!(group, Some(("lists", _))).then_some(generations.in_place);
        (group, every_article, in_place)
    }

    /// Evicts the answers at `paths` of an event about `subject`; the list pages only as far as
    /// an update in place of the subject changed them, when `lists_in_place`.
    fn evict(&self, paths: &[String], subject: Option<&str>, lists_in_place: bool) {
        let in_place = subject.filter(|_| lists_in_place);
        self.epoch.fetch_add(1, Ordering::AcqRel);
        for path in paths {
            match path.as_str() {
                paths::ARTICLES => match in_place {
                    Some(slug) => self.generations().updated_in_place(slug),
                    None => self.generations().bump_lists(),
                },
                paths::EVERY_ARTICLE => self.generations().bump(path),
                p if p.starts_with("/api/v1/placements/") => {
                    self.generations().bump(p);
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
            generations: Mutex::new(Generations::default()),
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
                shared.evict(&event.paths, event.subject.as_deref(), event.lists_in_place);
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
        let (group, every_article, in_place) = shared.loading(key);
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
                in_place,
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
            shared.evict(&event.paths, event.subject.as_deref(), event.lists_in_place);
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
        assert_eq!(
            group_of("/api/v1/articles?page=1&per_page=20&tag=calm&q=calm"),
            Some(("search", SEARCHES.to_owned()))
        );
        assert_eq!(group_of("/api/v1/articles/calm"), None);
        assert!(is_article("/api/v1/articles/calm"));
        assert!(!is_article("/api/v1/articles?page=1"));
    }

    fn slugs(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn an_update_in_place_outdates_only_the_list_pages_showing_the_article() {
        let mut generations = Generations::default();
        let shows_a = slugs(&["a", "b"]);
        let shows_c = slugs(&["c"]);
        let seen = generations.in_place;
        let (lists, searches) = (generations.of(paths::ARTICLES), generations.of(SEARCHES));

        generations.updated_in_place("a");
        assert!(!generations.list_kept(seen, Some(&shows_a)));
        assert!(generations.list_kept(seen, Some(&shows_c)));
        assert!(generations.list_kept(seen, Some(&Vec::new())));
        // A page whose articles are not known goes.
        assert!(!generations.list_kept(seen, None));
        // Loaded after the update: right.
        assert!(generations.list_kept(generations.in_place, Some(&shows_a)));
        assert!(generations.list_kept(generations.in_place, None));
        assert_eq!(generations.of(paths::ARTICLES), lists);
        assert_eq!(generations.of(SEARCHES), searches + 1);

        // Any other change: every list page goes, and what was remembered is forgotten.
        generations.bump_lists();
        assert_eq!(generations.of(paths::ARTICLES), lists + 1);
        assert_eq!(generations.of(SEARCHES), searches + 2);
        assert!(generations.updated_in_place.is_empty());
        let seen = generations.in_place;
        generations.updated_in_place("c");
        assert!(generations.list_kept(seen, Some(&shows_a)));
        assert!(!generations.list_kept(seen, Some(&shows_c)));
    }

    #[test]
    fn too_many_articles_updated_in_place_outdate_every_list_page() {
        let mut generations = Generations::default();
        for i in 0..MAX_UPDATED_IN_PLACE {
            generations.updated_in_place(&format!("a{i}"));
        }
        // Updating one of them again is remembered as before.
        generations.updated_in_place("a0");
        assert_eq!(generations.of(paths::ARTICLES), 0);
        assert_eq!(generations.updated_in_place.len(), MAX_UPDATED_IN_PLACE);
        generations.updated_in_place("one-more");
        assert_eq!(generations.of(paths::ARTICLES), 1);
        assert!(generations.updated_in_place.is_empty());
    }
}
