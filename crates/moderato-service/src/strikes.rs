//! A short-lived cache of active strike counts, so a busy ingest path does not
//! read the strike ledger on every request.
//!
//! This process keeps its own entries exact: the writer adds the strikes it
//! records and reviews drop the entry of the author they touch. Strikes
//! recorded by *another* server process are seen when the entry expires
//! (`TTL`). This module must never be the ledger: the store is.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use moderato_store::{Store, StoreError};

/// How long a count read from the ledger is trusted.
pub const TTL: Duration = Duration::from_secs(10);

/// Cached counts by account.
#[derive(Default)]
pub struct StrikeCache {
    entries: Mutex<HashMap<String, (u32, Instant)>>,
}

impl StrikeCache {
    /// Active strikes of `account`, from the cache or the ledger.
    pub async fn active(
        &self,
        store: &Store,
        account: &str,
        now_ms: i64,
    ) -> Result<u32, StoreError> {
        if let Ok(entries) = self.entries.lock()
            && let Some((count, at)) = entries.get(account)
            && at.elapsed() < TTL
        {
            return Ok(*count);
        }
        let count = store.active_strike_count(account, now_ms).await?;
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() > 200_000 {
                entries.clear();
            }
            entries.insert(account.to_string(), (count, Instant::now()));
        }
        Ok(count)
    }

    /// Strikes this process just recorded for `account`.
    pub fn add(&self, account: &str, strikes: u32) {
        if let Ok(mut entries) = self.entries.lock()
            && let Some((count, _)) = entries.get_mut(account)
        {
            *count = count.saturating_add(strikes);
        }
    }

    /// Forgets `account` (a review may have withdrawn strikes).
    pub fn forget(&self, account: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(account);
        }
    }
}
