//! Memory of actioned content: fingerprints of removed or restricted posts,
//! kept in the store and in an in-memory index that the engines consult.
//!
//! Loaded at start-up so the index survives restarts; fed after every
//! decision or review whose action is at least `reduce_distribution`. This
//! module must never decide anything: a match is a signal for the policy.

use std::sync::{Arc, RwLock};

use moderato_core::{ContentAction, Decision};
use moderato_detect::neardup::{ActionedIndex, Fingerprint, SCHEME, fingerprint};
use moderato_store::{Store, StoreError, StoredFingerprint};

/// The shared index.
pub type SharedIndex = Arc<RwLock<ActionedIndex>>;

/// Builds the index from every stored fingerprint of the current scheme.
pub async fn load(store: &Store) -> Result<SharedIndex, StoreError> {
    let mut index = ActionedIndex::new();
    let rows = store.all_fingerprints().await?;
    index.reserve(rows.len());
    index_stored(&mut index, &rows);
    Ok(Arc::new(RwLock::new(index)))
}

/// Adds stored fingerprints of the current scheme to `index`, in order
/// (rows of an older scheme, or unreadable ones, are skipped; a decision
/// already indexed is not added twice).
pub fn index_stored(index: &mut ActionedIndex, rows: &[StoredFingerprint]) {
    for row in rows.iter().filter(|row| row.scheme == SCHEME) {
        if let Ok(fingerprint) = Fingerprint::from_hex(&row.exact_sha256, &row.minhash_hex) {
            let _ = index.insert(&fingerprint, &row.decision_id, &row.action);
        }
    }
}

/// Whether a decision's action puts its content in the index.
pub fn is_actioned(decision: &Decision) -> bool {
    decision.action >= ContentAction::ReduceDistribution
        && decision.action != ContentAction::HoldForReview
}

/// The fingerprint to keep for a decision, when its action puts it in the index.
pub fn prepare(text: &str, decision: &Decision) -> Option<(StoredFingerprint, Fingerprint)> {
    if !is_actioned(decision) {
        return None;
    }
    let print = fingerprint(text)?;
    let row = StoredFingerprint {
        decision_id: decision.decision_id.clone(),
        content_id: decision.content_id.clone(),
        scheme: SCHEME.to_string(),
        exact_sha256: print.exact_hex(),
        minhash_hex: print.minhash_hex(),
        action: decision.action.to_string(),
        created_at: crate::now_ms(),
    };
    Some((row, print))
}

/// Adds stored fingerprints to the in-memory index.
pub fn index_all(index: &SharedIndex, prints: &[(StoredFingerprint, Fingerprint)]) {
    if let Ok(mut index) = index.write() {
        for (row, print) in prints {
            let _ = index.insert(print, &row.decision_id, &row.action);
        }
    }
}

/// Remembers an actioned item: stored first, then indexed.
pub async fn remember(store: &Store, index: &SharedIndex, text: &str, decision: &Decision) {
    let Some((row, print)) = prepare(text, decision) else {
        return;
    };
    match store.add_fingerprint(&row).await {
        Ok(_) => index_all(index, &[(row, print)]),
        Err(error) => tracing::warn!(%error, "failed to store a fingerprint of actioned content"),
    }
}
