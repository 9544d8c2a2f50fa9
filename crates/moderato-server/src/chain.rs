//! What the server knows of the audit chain's integrity, kept current
//! without re-walking the whole chain on every page view.
//!
//! A full walk ([`Store::verify_audit`]) runs in the background when the
//! server starts and again when the last one is older than [`FULL_WALK_EVERY_MS`];
//! between walks each look ([`ChainWatch::status`]) verifies only the entries
//! appended since the last verified one, and that this entry still carries
//! the hash it was verified with (so a rewrite of the chain up to it is seen).
//! Once a problem is found it stays reported until a full walk finds the
//! chain intact again.
//!
//! This module must never make a request wait for a full walk: a page shows
//! "being verified" instead, and `/healthz` never touches the chain.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use moderato_store::{Store, VerifyReport};
use std::time::Duration;

use tokio::sync::{Mutex, Notify};

/// How old the last full walk may be before a look starts another.
pub const FULL_WALK_EVERY_MS: i64 = 60 * 60 * 1000;

/// What a look at the chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainStatus {
    /// No full walk has finished yet since the server started.
    Pending,
    /// Entries 1 to `through_seq` verify.
    Verified {
        /// Last entry verified.
        through_seq: i64,
        /// When the last full walk finished (ms since the epoch).
        full_walk_at: i64,
        /// Entries verified incrementally since that walk.
        checked_since: u64,
    },
    /// The chain does not verify.
    Broken {
        /// The first entry that is wrong or missing.
        seq: i64,
        /// What is wrong.
        message: String,
    },
}

#[derive(Default)]
struct Watermark {
    /// Last verified entry `(seq, hash)`.
    through: Option<(i64, String)>,
    full_walk_at: i64,
    checked_since: u64,
    problem: Option<(i64, String)>,
}

/// Shared by every request of a server.
#[derive(Default)]
pub struct ChainWatch {
    state: Mutex<Watermark>,
    walking: AtomicBool,
    walked: Notify,
}

/// How long a look waits for a running first walk before answering
/// [`ChainStatus::Pending`]: short chains verify within it.
pub const FIRST_WALK_WAIT: Duration = Duration::from_secs(2);

impl ChainWatch {
    /// Starts a full walk in the background unless one is running.
    pub fn start_full_walk(self: &Arc<Self>, store: Store, now_ms: fn() -> i64) {
        if self.walking.swap(true, Ordering::AcqRel) {
            return;
        }
        let watch = self.clone();
        tokio::spawn(async move {
            match store.verify_audit().await {
                Ok(report) => watch.record_full_walk(&report, now_ms()).await,
                Err(error) => tracing::warn!(%error, "full audit chain walk failed"),
            }
            watch.walking.store(false, Ordering::Release);
            watch.walked.notify_waiters();
        });
    }

    /// Takes in the result of a full walk (the background one, or
    /// `GET /v1/audit/verify`).
    pub async fn record_full_walk(&self, report: &VerifyReport, now_ms: i64) {
        let mut state = self.state.lock().await;
        state.full_walk_at = now_ms;
        state.checked_since = 0;
        if report.ok {
            state.through = Some((report.last_seq, report.last_hash.clone()));
            state.problem = None;
        } else if let Some(problem) = &report.first_problem {
            state.problem = Some((problem.seq, problem.message.clone()));
        }
    }

    /// The chain's state now: verifies what was appended since the last
    /// look, never the whole chain (that happens in the background).
    pub async fn status(self: &Arc<Self>, store: &Store, now_ms: fn() -> i64) -> ChainStatus {
        let walked = self.walked.notified();
        let mut state = self.state.lock().await;
        if state.through.is_none() && state.problem.is_none() {
            drop(state);
            self.start_full_walk(store.clone(), now_ms);
            if tokio::time::timeout(FIRST_WALK_WAIT, walked).await.is_err() {
                return ChainStatus::Pending;
            }
            state = self.state.lock().await;
            if state.through.is_none() && state.problem.is_none() {
                return ChainStatus::Pending;
            }
        }
        if now_ms() - state.full_walk_at > FULL_WALK_EVERY_MS {
            self.start_full_walk(store.clone(), now_ms);
        }
        if state.problem.is_none()
            && let Some((seq, hash)) = state.through.clone()
        {
            match store.verify_audit_since(seq, &hash).await {
                Ok(report) if report.ok => {
                    state.checked_since += report.entries;
                    state.through = Some((report.last_seq, report.last_hash));
                }
                Ok(report) => {
                    let (seq, message) = report
                        .first_problem
                        .map(|problem| (problem.seq, problem.message))
                        .unwrap_or((seq, "the chain does not verify".to_owned()));
                    state.problem = Some((seq, message));
                }
                Err(error) => tracing::warn!(%error, "incremental audit chain check failed"),
            }
        }
        match (&state.problem, &state.through) {
            (Some((seq, message)), _) => ChainStatus::Broken {
                seq: *seq,
                message: message.clone(),
            },
            (None, Some((through_seq, _))) => ChainStatus::Verified {
                through_seq: *through_seq,
                full_walk_at: state.full_walk_at,
                checked_since: state.checked_since,
            },
            (None, None) => ChainStatus::Pending,
        }
    }
}
