//! Following the shared database: what other processes changed.
//!
//! Several servers and stream workers share one PostgreSQL database. Each
//! process holds the active policy's engine and the near-duplicate index in
//! memory, so each polls the database for a policy activated elsewhere and
//! for fingerprints of content actioned elsewhere. An activation reaches
//! every process within one poll interval; every decision records the
//! version it was made with, whichever process made it.
//!
//! This module only reads the store and swaps in-memory state. It must never
//! write to the store, and never activate a policy the store does not name as
//! active.

use std::time::Duration;

use crate::{Service, error_chain, now_ms};

/// Default time between two polls.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(2);

/// How far back each poll re-reads fingerprints, so that a row whose
/// `created_at` was taken before a slower transaction committed is not
/// missed. Rows seen before are skipped by the index.
const FINGERPRINT_OVERLAP_MS: i64 = 30_000;

/// What one poll changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PollOutcome {
    /// The version activated in this process, when the active one changed.
    pub activated: Option<String>,
    /// Fingerprints read (some may have been indexed already).
    pub fingerprints_read: usize,
}

/// A poll failed; the process keeps its current state and tries again.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    /// The store could not be read.
    #[error("reading the shared database failed")]
    Store(#[source] moderato_store::StoreError),
    /// The version the store names as active could not be loaded.
    #[error("the active policy version `{version}` could not be loaded")]
    Policy {
        /// The version.
        version: String,
        /// Why.
        #[source]
        source: moderato_engine::EngineError,
    },
}

/// Follows the database for one process.
pub struct Follower {
    service: Service,
    fingerprints_since: i64,
    /// The active digest the database named at the last poll. The follower
    /// acts only when this changes, so it never undoes an activation this
    /// process made between its read and its swap.
    last_seen_digest: String,
}

impl Follower {
    /// A follower for `service`, which was loaded from the store just now.
    pub fn new(service: Service) -> Follower {
        let last_seen_digest = service.engines.active().policy().digest.clone();
        Follower {
            service,
            fingerprints_since: now_ms() - FINGERPRINT_OVERLAP_MS,
            last_seen_digest,
        }
    }

    /// Polls once: activates the stored active policy if it is not the one
    /// in memory, and indexes fingerprints stored since the last poll.
    pub async fn poll(&mut self) -> Result<PollOutcome, FollowError> {
        let mut outcome = PollOutcome::default();
        let store = &self.service.store;
        if let Some(active) = store.active_policy().await.map_err(FollowError::Store)?
            && active.digest != self.last_seen_digest
        {
            let engine = match self.service.engines.cached(&active.digest) {
                Some(engine) => engine,
                None => self
                    .service
                    .engine_from_files(&active.files)
                    .map_err(|source| FollowError::Policy {
                        version: active.version.clone(),
                        source,
                    })?,
            };
            self.service.engines.activate(engine);
            self.last_seen_digest = active.digest.clone();
            tracing::info!(version = %active.version, "activated the policy version made active elsewhere");
            outcome.activated = Some(active.version);
        }
        let rows = store
            .fingerprints_since(self.fingerprints_since - FINGERPRINT_OVERLAP_MS)
            .await
            .map_err(FollowError::Store)?;
        outcome.fingerprints_read = rows.len();
        if let Some(last) = rows.last() {
            self.fingerprints_since = self.fingerprints_since.max(last.created_at);
        }
        if !rows.is_empty()
            && let Ok(mut index) = self.service.actioned.write()
        {
            crate::actioned::index_stored(&mut index, &rows);
        }
        Ok(outcome)
    }

    /// Polls every `every`, for ever (run it as a task). Failures are logged
    /// and retried at the next poll.
    pub async fn run(mut self, every: Duration) {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(error) = self.poll().await {
                tracing::warn!(error = %error_chain(&error), "following the shared database failed");
            }
        }
    }
}
