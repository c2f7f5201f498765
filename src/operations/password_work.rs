//! Password hashing and verification off the async threads, a few at a time.
//!
//! Each argon2 run takes 19 MiB (OWASP's parameters) and tens of milliseconds of a core. Without
//! a bound, a hundred simultaneous sign-ins (anonymous ones included: an unknown email is
//! verified against a dummy hash, to take the same time) held 1.9 GB. At most one run per core
//! goes at once; the others wait their turn, holding no memory but their request.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Semaphore;

use crate::domain::passwords::{self, HashError};

/// Runs at once: one per core.
static TURNS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(runs_at_once()));
/// Runs going on now, and the most ever seen at once (for tests and diagnostics).
static RUNNING: AtomicUsize = AtomicUsize::new(0);
static MOST_AT_ONCE: AtomicUsize = AtomicUsize::new(0);

/// How many argon2 runs may go at once.
pub fn runs_at_once() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
}

/// The most argon2 runs this process has had going at once.
pub fn most_at_once() -> usize {
    MOST_AT_ONCE.load(Ordering::Acquire)
}

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum PasswordWorkError {
    #[error(transparent)]
    Hash(#[from] HashError),
    /// The blocking task failed (it panicked or the runtime is shutting down).
    #[error("password work did not finish: {0}")]
    Task(String),
}

/// Runs `work` on a blocking thread once a turn is free.
async fn in_turn<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PasswordWorkError> {
    let _turn = TURNS
        .acquire()
        .await
        .map_err(|e| PasswordWorkError::Task(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let now = RUNNING.fetch_add(1, Ordering::AcqRel) + 1;
        MOST_AT_ONCE.fetch_max(now, Ordering::AcqRel);
        let result = work();
        RUNNING.fetch_sub(1, Ordering::AcqRel);
        result
    })
    .await
    .map_err(|e| PasswordWorkError::Task(e.to_string()))
}

/// A PHC hash of `password` with a fresh salt.
pub async fn hash(password: String) -> Result<String, PasswordWorkError> {
    Ok(in_turn(move || passwords::hash(&password)).await??)
}

/// Whether `password` matches `stored`; `None` (no such account) spends the same time and
/// answers `false`.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, PasswordWorkError> {
    in_turn(move || match stored {
        Some(hash) => passwords::verify(&password, &hash),
        None => passwords::verify_against_nothing(&password),
    })
    .await
}
