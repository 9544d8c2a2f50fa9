//! A short-lived cache of active strike counts, so a busy ingest path does not
//! read the strike ledger on every request.
//!
//! This process keeps its own entries exact: the writer adds the strikes it
//! records and reviews drop the entry of the author they touch. Strikes
//! recorded by *another* server process are seen when the entry expires
//! (`TTL`). This module must never be the ledger: the store is.

use std::time::{Duration, Instant};

use moderato_store::{Store, StoreError};

/// How long a count read from the ledger is trusted.
pub const TTL: Duration = Duration::from_secs(10);

/// Most accounts held; past it the least recently used entries are evicted (never all at once).
pub const CAPACITY: usize = 200_000;

/// Cached counts by account.
pub struct StrikeCache {
    entries: quick_cache::sync::Cache<String, (u32, Instant)>,
    /// Serialises [`StrikeCache::add`]'s read-modify-write, so two strikes recorded at once
    /// for one account both count.
    adding: std::sync::Mutex<()>,
}

impl Default for StrikeCache {
    fn default() -> StrikeCache {
        StrikeCache::with_capacity(CAPACITY)
    }
}

impl StrikeCache {
    /// A cache of at most `capacity` accounts.
    pub fn with_capacity(capacity: usize) -> StrikeCache {
        StrikeCache {
            entries: quick_cache::sync::Cache::new(capacity),
            adding: std::sync::Mutex::new(()),
        }
    }

    /// Active strikes of `account`, from the cache or the ledger.
    pub async fn active(
        &self,
        store: &Store,
        account: &str,
        now_ms: i64,
    ) -> Result<u32, StoreError> {
        if let Some((count, at)) = self.entries.get(account)
            && at.elapsed() < TTL
        {
            return Ok(count);
        }
        let count = store.active_strike_count(account, now_ms).await?;
        self.entries
            .insert(account.to_string(), (count, Instant::now()));
        Ok(count)
    }

    /// Strikes this process just recorded for `account`.
    pub fn add(&self, account: &str, strikes: u32) {
        let _serialised = self
            .adding
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((count, at)) = self.entries.get(account) {
            self.entries
                .insert(account.to_string(), (count.saturating_add(strikes), at));
        }
    }

    /// Forgets `account` (a review may have withdrawn strikes).
    pub fn forget(&self, account: &str) {
        self.entries.remove(account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_cache_evicts_some_entries_not_all_and_adds_count() {
        let cache = StrikeCache::with_capacity(100);
        for index in 0..1_000 {
            cache
                .entries
                .insert(format!("account-{index}"), (1, Instant::now()));
        }
        let held = (0..1_000)
            .filter(|index| cache.entries.get(&format!("account-{index}")).is_some())
            .count();
        // Bounded, and never emptied at once (the old cache cleared everything at its limit).
        assert!(held > 0 && held <= 110, "{held} entries held");
        assert!(cache.entries.get("account-999").is_some());

        cache.add("account-999", 2);
        assert_eq!(
            cache.entries.get("account-999").map(|(count, _)| count),
            Some(3)
        );
        cache.forget("account-999");
        assert!(cache.entries.get("account-999").is_none());
        // Only cached accounts are counted up: the ledger is read on the next look.
        cache.add("never-seen", 1);
        assert!(cache.entries.get("never-seen").is_none());
    }
}
