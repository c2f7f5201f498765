//! Running Tether: start-up (connect, migrate, sample content), the server with graceful
//! shutdown, and the background jobs (expired sessions, old content events, link checks).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tower_sessions::ExpiredDeletion;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::operations::import::{BundleSource, Quiet};
use crate::operations::{self, Actor, OpError};
use crate::state::{AppState, LinkCheckerError};
use crate::storage::sessions::DbSessionStore;
use crate::storage::{self, Patience, StorageError, Store};

/// The sample bundle: the anxious–avoidant page, as shipped in the binary.
pub const SAMPLE_BUNDLE: &str = include_str!("../sample-content/anxious-avoidant.json");

/// Why Tether could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("the built-in sample bundle could not be loaded:\n{0}")]
    Sample(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("server error: {0}")]
    Serve(std::io::Error),
    #[error(transparent)]
    LinkChecker(#[from] LinkCheckerError),
}

/// Connects (waiting for a database that is still starting when `patience` says so),
/// migrates, and loads the sample content into an empty database when configured to.
pub async fn prepare_database(config: &Config, patience: Patience) -> Result<Store, StartError> {
    let db = Store::new(storage::connect(&config.database_url, patience).await?);
    storage::migrate(&db).await?;
    if config.sample_content && !storage::has_content(db.conn()).await? {
        let sample = BundleSource::Bytes(bytes::Bytes::from_static(SAMPLE_BUNDLE.as_bytes()));
        let imported = operations::import::import(
            &db,
            Actor::command_line(),
            sample,
            SystemClock.now(),
            Arc::new(Quiet),
        )
        .await
        .map_err(|e| match e {
            OpError::Invalid(problems) => StartError::Sample(problems.to_string()),
            other => StartError::Sample(other.to_string()),
        })?;
        tracing::info!(
            created = imported.report.created,
            "loaded the sample content into the empty database"
        );
    }
    Ok(db)
}

/// Serves until Ctrl-C or SIGTERM, then finishes in-flight requests.
pub async fn serve(config: Config) -> Result<(), StartError> {
    let db = prepare_database(&config, Patience::KeepTrying).await?;
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
    let jobs = [
        tokio::spawn(delete_expired_sessions(DbSessionStore::new(
            db.conn().clone(),
        ))),
        tokio::spawn(prune_content_events(state.clone())),
    ];
    let link_checks = config
        .link_check_interval
        .map(|every| tokio::spawn(check_links_periodically(state.clone(), every)));
    let served = axum::serve(
        listener,
        crate::http::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(StartError::Serve);
    // Requests are finished: store the clicks they counted before the pool closes.
    state.clicks.shutdown().await;
    served?;
    for job in jobs.into_iter().chain(link_checks) {
        job.abort();
    }
    db.close().await?;
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

/// Deletes content events older than `TETHER_EVENTS_KEEP_DAYS`, every hour.
async fn prune_content_events(state: AppState) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every.tick().await;
        let before = state.clock.now() - state.config.events_kept;
        match storage::events::prune(&state.db, before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "deleted old content events"),
            Err(error) => tracing::warn!(%error, "could not delete old content events"),
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
