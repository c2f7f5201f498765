//! Counting clicks without slowing the redirect: handlers hand each click to a background task
//! that stores them in batches (every few hundred milliseconds, or sooner when many are waiting).
//!
//! Nothing is lost on a graceful shutdown: [`ClickRecorder::shutdown`] stores what is waiting
//! before returning, and a failed write keeps its batch for the next attempt. Reports call
//! [`ClickRecorder::flush`] first, so what they show includes every click answered so far.

use std::time::Duration;

use tokio::sync::{Mutex, mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::storage::Store;
use crate::storage::clicks::{self, PendingClick};

/// Clicks stored per write at most; more waiting triggers an early write.
const BATCH_MAX: usize = 2_000;
const FLUSH_EVERY: Duration = Duration::from_millis(250);
/// How many times shutdown retries a failing write before giving up on the rest.
const SHUTDOWN_ATTEMPTS: u32 = 5;

enum Message {
    Click(PendingClick),
    Flush(oneshot::Sender<()>),
}

pub struct ClickRecorder {
    sender: mpsc::UnboundedSender<Message>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl ClickRecorder {
    /// Starts the writer task; must be called inside a Tokio runtime.
    pub fn start(db: Store) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        let task = tokio::spawn(write_batches(db, receiver));
        Self {
            sender,
            task: Mutex::new(Some(task)),
        }
    }

    /// Queues a click; never waits.
    pub fn record(&self, click: PendingClick) {
        if self.sender.send(Message::Click(click)).is_err() {
            tracing::error!("a click arrived after the click recorder stopped; it was not counted");
        }
    }

    /// Returns once every click recorded before this call is stored (or a write failed; the
    /// clicks then stay queued for the next attempt).
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.sender.send(Message::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }

    /// Stores everything still queued and stops the writer. Later clicks are not counted.
    pub async fn shutdown(&self) {
        let (done, wait) = oneshot::channel();
        // Closing is by message, not by dropping the sender (the recorder is shared).
        let _ = self.sender.send(Message::Flush(done));
        let _ = wait.await;
        if let Some(task) = self.task.lock().await.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

async fn write_batches(db: Store, mut inbox: mpsc::UnboundedReceiver<Message>) {
    let mut pending: Vec<PendingClick> = Vec::new();
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            message = inbox.recv() => match message {
                Some(Message::Click(click)) => {
                    pending.push(click);
                    if pending.len() >= BATCH_MAX {
                        write(&db, &mut pending, 1).await;
                    }
                }
                Some(Message::Flush(done)) => {
                    // Everything sent before the flush is already in `pending` (one channel);
                    // clicks queued meanwhile go along in the same write.
                    let mut waiting = vec![done];
                    while let Ok(message) = inbox.try_recv() {
                        match message {
                            Message::Click(click) => pending.push(click),
                            Message::Flush(other) => waiting.push(other),
                        }
                    }
                    write(&db, &mut pending, SHUTDOWN_ATTEMPTS).await;
                    for done in waiting {
                        let _ = done.send(());
                    }
                }
                None => {
                    write(&db, &mut pending, SHUTDOWN_ATTEMPTS).await;
                    if !pending.is_empty() {
                        tracing::error!(lost = pending.len(), "clicks could not be stored before stopping");
                    }
                    return;
                }
            },
            _ = tick.tick() => write(&db, &mut pending, 1).await,
        }
    }
}

/// Writes `pending` in batches; on failure keeps what was not written and retries up to
/// `attempts` times in all.
async fn write(db: &Store, pending: &mut Vec<PendingClick>, attempts: u32) {
    let mut attempt = 0;
    while !pending.is_empty() {
        let take = pending.len().min(BATCH_MAX);
        match clicks::store(db, pending[..take].to_vec()).await {
            Ok(()) => {
                pending.drain(..take);
            }
            Err(error) => {
                attempt += 1;
                tracing::error!(%error, waiting = pending.len(), "could not store clicks; will retry");
                if attempt >= attempts {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
            }
        }
    }
}
