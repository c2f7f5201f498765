//! The state every request shares: the database, configuration, clock, read cache, click
//! recorder and link checker. Handlers take `State<AppState>`.

use std::ops::Deref;
use std::sync::Arc;

use crate::click_recorder::{ClickLimits, ClickRecorder};
use crate::clock::Clock;
use crate::config::Config;
use crate::link_health::{LinkCheckSettings, LinkChecker};
use crate::operations::password_work::PasswordWork;
use crate::read_cache::{Limits, ReadCache};
use crate::storage::public_read::ListAnchors;
use crate::storage::{self, StorageError, Store};

/// Everything a handler may need, shared by all requests.
pub struct App {
    pub db: Store,
    pub config: Config,
    pub clock: Arc<dyn Clock>,
    pub cache: Arc<ReadCache>,
    pub clicks: ClickRecorder,
    pub links: LinkChecker,
    /// Turns for password hashing and checks (argon2), shared by every request.
    pub passwords: PasswordWork,
    /// Markers along the public lists, for deep pages (in memory, checked against the database).
    pub list_anchors: ListAnchors,
    preview_key: tokio::sync::OnceCell<Vec<u8>>,
}

impl App {
    /// The key that signs preview links, read from the database once.
    pub async fn preview_key(&self) -> Result<&[u8], StorageError> {
        self.preview_key
            .get_or_try_init(|| storage::settings::preview_signing_key(&self.db))
            .await
            .map(Vec::as_slice)
    }
}

/// Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<App>);

impl Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}

/// The link checker could not be set up (its HTTP client).
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the link checker: {0}")]
pub struct LinkCheckerError(String);

impl AppState {
    /// Must be called inside a Tokio runtime (the read cache and the click recorder start
    /// tasks).
    pub fn new(db: Store, config: Config, clock: Arc<dyn Clock>) -> Result<Self, LinkCheckerError> {
        let links = LinkChecker::new(LinkCheckSettings {
            allow_private: config.link_check_allow_private,
            user_agent: format!("Tether link check (+{})", config.public_url),
            ..LinkCheckSettings::default()
        })
        .map_err(|e| LinkCheckerError(e.to_string()))?;
        let limits = Limits {
            bytes: config.read_cache_mb.saturating_mul(1024 * 1024),
            entries: u64::try_from(config.read_cache_entries).unwrap_or(u64::MAX),
        };
        let cache = ReadCache::new(&db, limits);
        let listening = Arc::downgrade(&cache);
        db.on_commit(Box::new(move |events| {
            if let Some(cache) = listening.upgrade() {
                cache.apply(events);
            }
        }));
        let clicks = ClickRecorder::start_with(
            db.clone(),
            ClickLimits {
                max_waiting: config.click_backlog_max,
                ..ClickLimits::default()
            },
        );
        Ok(Self(Arc::new(App {
            db,
            config,
            clock,
            cache,
            clicks,
            links,
            list_anchors: ListAnchors::new(),
            passwords: PasswordWork::new(),
            preview_key: tokio::sync::OnceCell::new(),
        })))
    }
}
