//! Password hashing and verification off the async threads, a few at a time.
//!
//! Each argon2 run takes 19 MiB (OWASP's parameters) and tens of milliseconds of a core. Without
//! a bound, a hundred simultaneous sign-ins (anonymous ones included: an unknown email is
//! verified against a dummy hash, to take the same time) held 1.9 GB. At most one run per core
//! goes at once, on threads of its own (one per core): on the shared blocking pool, each of the
//! many threads that took a turn kept its own 19 MiB in the allocator's per-thread arena, and
//! 200 sign-ins still left 680 MB behind. The others wait their turn, holding no memory but
//! their request. At most
//! [`PasswordWork::waiting_at_most`] wait: past that, an attempt is refused at once
//! ([`PasswordWorkError::Busy`], a 503 with `Retry-After`), so a crowd cannot queue up minutes of
//! work either. The server keeps one [`PasswordWork`] for all its requests.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use tokio::sync::{Semaphore, oneshot};

use crate::domain::passwords::{self, HashError};

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum PasswordWorkError {
    #[error(transparent)]
    Hash(#[from] HashError),
    /// Too many attempts already wait for a turn; try again in a second.
    #[error("too many password checks are waiting; try again in a moment")]
    Busy,
    /// The blocking task failed (it panicked or the runtime is shutting down).
    #[error("password work did not finish: {0}")]
    Task(String),
}

/// A run for a password thread.
type Job = Box<dyn FnOnce() + Send>;

/// Turns for argon2 runs, the queue for them, and the threads that do them.
pub struct PasswordWork {
    turns: Arc<Semaphore>,
    /// To the password threads (they end when this is dropped).
    jobs: mpsc::Sender<Job>,
    runs_at_once: usize,
    waiting_at_most: usize,
    waiting: AtomicUsize,
    /// Runs going on now and the most at once, counted on the password thread itself (a run
    /// goes on after its request is dropped, and keeps its turn until it ends).
    running: Arc<(AtomicUsize, AtomicUsize)>,
}

impl Default for PasswordWork {
    fn default() -> Self {
        Self::new()
    }
}

impl PasswordWork {
    /// One run per core; about two seconds of work may wait (a run takes about 50 ms of a core
    /// in a release build).
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..cores {
            let queue = Arc::clone(&queue);
            let spawned = std::thread::Builder::new()
                .name(format!("tether-password-{n}"))
                .spawn(move || {
                    loop {
                        let job = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a password thread");
            }
        }
        Self {
            turns: Arc::new(Semaphore::new(cores)),
            jobs,
            runs_at_once: cores,
            waiting_at_most: cores * 40,
            waiting: AtomicUsize::new(0),
            running: Arc::default(),
        }
    }

    /// How many argon2 runs may go at once.
    pub fn runs_at_once(&self) -> usize {
        self.runs_at_once
    }

    /// How many attempts may wait for a turn.
    pub fn waiting_at_most(&self) -> usize {
        self.waiting_at_most
    }

    /// The most argon2 runs that have gone at once.
    pub fn most_at_once(&self) -> usize {
        self.running.1.load(Ordering::Acquire)
    }

    /// A PHC hash of `password` with a fresh salt.
    pub async fn hash(&self, password: String) -> Result<String, PasswordWorkError> {
        Ok(self.in_turn(move || passwords::hash(&password)).await??)
    }

    /// Whether `password` matches `stored`; `None` (no such account) spends the same time and
    /// answers `false`.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, PasswordWorkError> {
        self.in_turn(move || match stored {
            Some(hash) => passwords::verify(&password, &hash),
            None => passwords::verify_against_nothing(&password),
        })
        .await
    }

    /// Runs `work` on a password thread once a turn is free.
    async fn in_turn<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PasswordWorkError> {
        let turn = match Arc::clone(&self.turns).try_acquire_owned() {
            Ok(turn) => turn,
            Err(_) => {
                let _place = self.queue()?;
                Arc::clone(&self.turns)
                    .acquire_owned()
                    .await
                    .map_err(|e| PasswordWorkError::Task(e.to_string()))?
            }
        };
        let running = Arc::clone(&self.running);
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move || {
            let now = running.0.fetch_add(1, Ordering::AcqRel) + 1;
            running.1.fetch_max(now, Ordering::AcqRel);
            let result = work();
            running.0.fetch_sub(1, Ordering::AcqRel);
            drop(turn);
            // The request may have gone; its answer is then not needed.
            let _ = answer.send(result);
        });
        self.jobs
            .send(job)
            .map_err(|_| PasswordWorkError::Task("the password threads have stopped".into()))?;
        answered
            .await
            .map_err(|_| PasswordWorkError::Task("a password thread stopped mid-run".into()))
    }

    /// A place in the queue, or `Busy` when it is full.
    fn queue(&self) -> Result<Release<'_>, PasswordWorkError> {
        let before = self.waiting.fetch_add(1, Ordering::AcqRel);
        let place = Release(&self.waiting);
        if before >= self.waiting_at_most {
            return Err(PasswordWorkError::Busy);
        }
        Ok(place)
    }
}

/// Takes one off the queue's length when dropped (also when the request is dropped mid-wait).
struct Release<'a>(&'a AtomicUsize);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}
