//! Fingerprints of actioned content, stored so the near-duplicate index can
//! be rebuilt at start-up.
//!
//! The fingerprints themselves are computed by `moderato-detect`; this module
//! only stores and returns them as hex text. It must never decide which
//! decisions deserve a fingerprint (the caller does, from the action ladder)
//! and writes no audit entry: a fingerprint follows from a decision that was
//! audited when it was recorded, and the foreign key ties it to that decision.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::StoreError;
use crate::store::Store;

/// The fingerprint of one actioned item, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFingerprint {
    /// Decision that actioned the content; one fingerprint per decision.
    pub decision_id: String,
    /// The content item.
    pub content_id: String,
    /// Name of the fingerprint algorithm, e.g. `minhash-v1:w2c6:128x32`.
    pub scheme: String,
    /// SHA-256 of the normalised words, 64 lowercase hex digits.
    pub exact_sha256: String,
    /// MinHash signature as hex; empty for texts too short for one.
    pub minhash_hex: String,
    /// The decision's action, e.g. `remove`.
    pub action: String,
    /// When the fingerprint was stored, milliseconds since the Unix epoch.
    pub created_at: i64,
}

impl Store {
    /// Stores `fingerprint`; returns `false` when its decision already has
    /// one (the first one stays). Fails when the decision was never recorded.
    pub async fn add_fingerprint(
        &self,
        fingerprint: &StoredFingerprint,
    ) -> Result<bool, StoreError> {
        Ok(self
            .add_fingerprints(std::slice::from_ref(fingerprint))
            .await?
            == 1)
    }

    /// Stores several fingerprints in one transaction (one commit); returns how many were new.
    pub async fn add_fingerprints(
        &self,
        fingerprints: &[StoredFingerprint],
    ) -> Result<u64, StoreError> {
        if fingerprints.is_empty() {
            return Ok(0);
        }
        let mut transaction = self
            .pool
            .begin()
            .await
            .map_err(StoreError::database("add fingerprints"))?;
        let mut added = 0;
        for fingerprint in fingerprints {
            let result = sqlx::query(
                "INSERT INTO content_fingerprints \
                 (decision_id, content_id, scheme, exact_sha256, minhash_hex, action, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (decision_id) DO NOTHING",
            )
            .bind(&fingerprint.decision_id)
            .bind(&fingerprint.content_id)
            .bind(&fingerprint.scheme)
            .bind(&fingerprint.exact_sha256)
            .bind(&fingerprint.minhash_hex)
            .bind(&fingerprint.action)
            .bind(fingerprint.created_at)
            .execute(&mut *transaction)
            .await
            .map_err(StoreError::database("add fingerprints"))?;
            added += result.rows_affected();
        }
        transaction
            .commit()
            .await
            .map_err(StoreError::database("add fingerprints"))?;
        Ok(added)
    }

    /// Fingerprints stored at or after `since_ms` (by their `created_at`),
    /// oldest first: what another process added since it last looked.
    pub async fn fingerprints_since(
        &self,
        since_ms: i64,
    ) -> Result<Vec<StoredFingerprint>, StoreError> {
        let rows = sqlx::query(
            "SELECT decision_id, content_id, scheme, exact_sha256, minhash_hex, action, created_at \
             FROM content_fingerprints WHERE created_at >= $1 ORDER BY created_at, decision_id",
        )
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::database("read fingerprints"))?;
        rows.iter().map(read_fingerprint).collect()
    }

    /// Every stored fingerprint, oldest first, so that inserting them in
    /// order lets newer decisions win ties as they did before the restart.
    pub async fn all_fingerprints(&self) -> Result<Vec<StoredFingerprint>, StoreError> {
        let rows = sqlx::query(
            "SELECT decision_id, content_id, scheme, exact_sha256, minhash_hex, action, created_at \
             FROM content_fingerprints ORDER BY created_at, decision_id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::database("read fingerprints"))?;
        rows.iter().map(read_fingerprint).collect()
    }
}

fn read_fingerprint(row: &AnyRow) -> Result<StoredFingerprint, StoreError> {
    let read = || StoreError::database("read fingerprint");
    Ok(StoredFingerprint {
        decision_id: row.try_get("decision_id").map_err(read())?,
        content_id: row.try_get("content_id").map_err(read())?,
        scheme: row.try_get("scheme").map_err(read())?,
        exact_sha256: row.try_get("exact_sha256").map_err(read())?,
        minhash_hex: row.try_get("minhash_hex").map_err(read())?,
        action: row.try_get("action").map_err(read())?,
        created_at: row.try_get("created_at").map_err(read())?,
    })
}
