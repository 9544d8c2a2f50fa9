//! Policy versions: uploading a pack's files, activating a version and
//! reading them back.
//!
//! The store keeps packs as opaque JSON with the digest the caller computed.
//! It must never parse, validate or evaluate a policy.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::audit::{append_audit, canonical_json};
use crate::error::StoreError;
use crate::store::Store;

/// A stored policy version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyVersion {
    /// Version label.
    pub version: String,
    /// `sha256:<hex>` digest given at upload.
    pub digest: String,
    /// The pack files as uploaded (e.g. `{"path": "contents"}`).
    pub files: serde_json::Value,
    /// Upload time, in milliseconds since the Unix epoch.
    pub uploaded_at: i64,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// Whether this is the active version.
    pub active: bool,
}

/// What [`Store::upload_policy`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyUpload {
    /// The version was stored.
    Created,
    /// The same version with the same digest was already stored; nothing was
    /// written.
    AlreadyPresent,
}

fn policy_from_row(row: &sqlx::any::AnyRow) -> Result<PolicyVersion, StoreError> {
    let read = || StoreError::database("read policy version");
    let files_json: String = row.try_get("files_json").map_err(read())?;
    let active_version: Option<String> = row.try_get("active_version").map_err(read())?;
    Ok(PolicyVersion {
        version: row.try_get("version").map_err(read())?,
        digest: row.try_get("digest").map_err(read())?,
        files: serde_json::from_str(&files_json)
            .map_err(StoreError::json("policy_versions.files_json"))?,
        uploaded_at: row.try_get("uploaded_at").map_err(read())?,
        uploaded_by: row.try_get("uploaded_by").map_err(read())?,
        active: active_version.is_some(),
    })
}

impl Store {
    /// Stores a policy version. Uploading the same version again with the
    /// same digest does nothing; with another digest it is an error.
    pub async fn upload_policy(
        &self,
        version: &str,
        digest: &str,
        files: &serde_json::Value,
        by: &str,
        now_ms: i64,
    ) -> Result<PolicyUpload, StoreError> {
        let mut transaction = self.begin_write("upload policy").await?;
        let inserted = sqlx::query(
            "INSERT INTO policy_versions (version, digest, files_json, uploaded_at, uploaded_by) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (version) DO NOTHING RETURNING version",
        )
        .bind(version)
        .bind(digest)
        .bind(canonical_json(files))
        .bind(now_ms)
        .bind(by)
        .fetch_optional(&mut *transaction)
        .await
        .map_err(StoreError::database("upload policy"))?;
        if inserted.is_none() {
            let row = sqlx::query("SELECT digest FROM policy_versions WHERE version = $1")
                .bind(version)
                .fetch_one(&mut *transaction)
                .await
                .map_err(StoreError::database("read policy version"))?;
            let existing_digest: String = row
                .try_get("digest")
                .map_err(StoreError::database("read policy version"))?;
            return if existing_digest == digest {
                Ok(PolicyUpload::AlreadyPresent)
            } else {
                Err(StoreError::PolicyVersionConflict {
                    version: version.to_owned(),
                    existing_digest,
                })
            };
        }
        let payload = serde_json::json!({ "version": version, "digest": digest, "by": by });
        append_audit(
            &mut transaction,
            "policy.uploaded",
            version,
            &payload,
            now_ms,
        )
        .await?;
        transaction
            .commit()
            .await
            .map_err(StoreError::database("commit policy upload"))?;
        Ok(PolicyUpload::Created)
    }

    /// Makes `version` the active policy.
    pub async fn activate_policy(
        &self,
        version: &str,
        by: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut transaction = self.begin_write("activate policy").await?;
        let row = sqlx::query("SELECT digest FROM policy_versions WHERE version = $1")
            .bind(version)
            .fetch_optional(&mut *transaction)
            .await
            .map_err(StoreError::database("read policy version"))?;
        let Some(row) = row else {
            return Err(StoreError::UnknownPolicyVersion {
                version: version.to_owned(),
            });
        };
        let digest: String = row
            .try_get("digest")
            .map_err(StoreError::database("read policy version"))?;
        let previous = sqlx::query("SELECT version FROM active_policy WHERE id = 1")
            .fetch_optional(&mut *transaction)
            .await
            .map_err(StoreError::database("read active policy"))?
            .map(|row| row.try_get::<String, _>("version"))
            .transpose()
            .map_err(StoreError::database("read active policy"))?;
        sqlx::query(
            "INSERT INTO active_policy (id, version, activated_at, activated_by) \
             VALUES (1, $1, $2, $3) ON CONFLICT (id) DO UPDATE SET version = excluded.version, \
             activated_at = excluded.activated_at, activated_by = excluded.activated_by",
        )
        .bind(version)
        .bind(now_ms)
        .bind(by)
        .execute(&mut *transaction)
        .await
        .map_err(StoreError::database("activate policy"))?;
        let payload = serde_json::json!({
            "version": version,
            "digest": digest,
            "previous_version": previous,
            "by": by,
        });
        append_audit(
            &mut transaction,
            "policy.activated",
            version,
            &payload,
            now_ms,
        )
        .await?;
        transaction
            .commit()
            .await
            .map_err(StoreError::database("commit policy activation"))?;
        Ok(())
    }

    /// The active policy version, if one was activated.
    pub async fn active_policy(&self) -> Result<Option<PolicyVersion>, StoreError> {
        let row = sqlx::query(
            "SELECT p.version, p.digest, p.files_json, p.uploaded_at, p.uploaded_by, \
             a.version AS active_version FROM active_policy a \
             JOIN policy_versions p ON p.version = a.version WHERE a.id = 1",
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::database("read active policy"))?;
        row.as_ref().map(policy_from_row).transpose()
    }

    /// Every stored policy version, oldest upload first.
    pub async fn list_policies(&self) -> Result<Vec<PolicyVersion>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.version, p.digest, p.files_json, p.uploaded_at, p.uploaded_by, \
             a.version AS active_version FROM policy_versions p \
             LEFT JOIN active_policy a ON a.version = p.version \
             ORDER BY p.uploaded_at, p.version",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::database("list policies"))?;
        rows.iter().map(policy_from_row).collect()
    }
}
