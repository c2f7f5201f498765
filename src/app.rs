//! The running application: shared state, start-up (migrate, sample content), and the server
//! with graceful shutdown. `main` and the tests build Tether through the same functions here.

use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;

use axum::Router;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tower_sessions::ExpiredDeletion;

use crate::click_recorder::ClickRecorder;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::bundle::Bundle;
use crate::link_health::{LinkCheckSettings, LinkChecker};
use crate::read_cache::ReadCache;
use crate::storage::sessions::DbSessionStore;
use crate::storage::{self, StorageError, bundle_io};

/// The sample bundle: the anxious–avoidant page, as shipped in the binary.
pub const SAMPLE_BUNDLE: &str = include_str!("../sample-content/anxious-avoidant.json");

/// Everything a handler may need, shared by all requests.
pub struct App {
    pub db: DatabaseConnection,
    pub config: Config,
    pub clock: Arc<dyn Clock>,
    pub cache: ReadCache,
    pub clicks: ClickRecorder,
    pub links: LinkChecker,
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

/// Cheap to clone; handlers take `State<AppState>`.
#[derive(Clone)]
pub struct AppState(Arc<App>);

impl Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}

impl AppState {
    /// Must be called inside a Tokio runtime (the read cache and the click recorder start
    /// tasks).
    pub fn new(
        db: DatabaseConnection,
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartError> {
        let links = LinkChecker::new(LinkCheckSettings {
            allow_private: config.link_check_allow_private,
            user_agent: format!("Tether link check (+{})", config.public_url),
            ..LinkCheckSettings::default()
        })
        .map_err(|e| StartError::LinkChecker(e.to_string()))?;
        let cache = ReadCache::new(db.clone(), config.read_cache_entries);
        let clicks = ClickRecorder::start(db.clone());
        Ok(Self(Arc::new(App {
            db,
            config,
            clock,
            cache,
            clicks,
            links,
            preview_key: tokio::sync::OnceCell::new(),
        })))
    }
}

/// Why Tether could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("the built-in sample bundle is invalid:\n{0}")]
    Sample(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("server error: {0}")]
    Serve(std::io::Error),
    #[error("cannot set up the link checker: {0}")]
    LinkChecker(String),
}

/// Connects, migrates, and loads the sample content into an empty database when configured to.
pub async fn prepare_database(config: &Config) -> Result<DatabaseConnection, StartError> {
    let db = storage::connect(&config.database_url).await?;
    storage::migrate(&db).await?;
    if config.sample_content && !storage::has_content(&db).await? {
        let bundle = Bundle::parse(SAMPLE_BUNDLE).map_err(|p| StartError::Sample(p.to_string()))?;
        let report = bundle_io::import(&db, &bundle, SystemClock.now())
            .await
            .map_err(|e| StartError::Sample(e.to_string()))?;
        tracing::info!(
            created = report.created,
            "loaded the sample content into the empty database"
        );
    }
    Ok(db)
}

/// The full router for a state.
pub fn router(state: AppState) -> Router {
    crate::http::router(state)
}

/// Serves until Ctrl-C or SIGTERM, then finishes in-flight requests.
pub async fn serve(config: Config) -> Result<(), StartError> {
    let db = prepare_database(&config).await?;
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|source| StartError::Listen {
            addr: config.addr,
            source,
        })?;
    let state = AppState::new(db.clone(), config.clone(), Arc::new(SystemClock))?;
    tracing::info!(
        addr = %config.addr,
        public_url = %config.public_url,
        "Tether is serving: API at {0}/api/v1/articles, docs at {0}/api/docs",
        config.public_url
    );
    let cleanup = tokio::spawn(delete_expired_sessions(DbSessionStore::new(db.clone())));
    let link_checks = config
        .link_check_interval
        .map(|every| tokio::spawn(check_links_periodically(state.clone(), every)));
    let served = axum::serve(
        listener,
        router(state.clone()).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(StartError::Serve);
    // Requests are finished: store the clicks they counted before the pool closes.
    state.clicks.shutdown().await;
    served?;
    cleanup.abort();
    if let Some(task) = link_checks {
        task.abort();
    }
    db.close().await.map_err(StorageError::from)?;
    tracing::info!("Tether stopped");
    Ok(())
}

/// Removes expired admin sessions every ten minutes.
async fn delete_expired_sessions(store: DbSessionStore) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        every.tick().await;
        if let Err(error) = store.delete_expired().await {
            tracing::warn!(%error, "could not delete expired sessions");
        }
    }
}

/// Checks every promo that has not ended, one after another, every `every`.
async fn check_links_periodically(state: AppState, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        if let Err(error) = check_all_links(&state).await {
            tracing::warn!(%error, "could not list promo links to check");
        }
    }
}

/// Checks the target of every promo that has not ended and records each outcome; returns how
/// many were checked. A promo whose outcome cannot be recorded is logged and skipped.
pub async fn check_all_links(state: &AppState) -> Result<usize, StorageError> {
    let targets = storage::promos::link_targets(&state.db, state.clock.now()).await?;
    let checked = targets.len();
    for (slug, url) in targets {
        let report = state.links.check(&url).await;
        if report.verdict.is_problem() {
            tracing::warn!(%slug, verdict = %report.verdict, detail = %report.detail, "promo link problem");
        }
        let saved = storage::promos::record_link_check(
            &state.db,
            &slug,
            report.verdict.as_str(),
            report.status,
            &report.detail,
            state.clock.now(),
        )
        .await;
        if let Err(error) = saved {
            tracing::warn!(%slug, %error, "could not record a link check");
        }
    }
    Ok(checked)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
