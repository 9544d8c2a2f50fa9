//! API tokens: creating, looking up and revoking them.
//!
//! Only the SHA-256 of a token is stored. This module must never store, log
//! or return a plain token, and holds no rule about what a role may do.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::audit::{append_audit, sha256_hex};
use crate::error::StoreError;
use crate::store::Store;

/// A token's identity, without the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    /// Token id.
    pub id: i64,
    /// Human-readable name.
    pub name: String,
    /// Role name, interpreted by the server.
    pub role: String,
}

/// A token as listed to an admin: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Token id.
    pub id: i64,
    /// Name; reviews and decisions are recorded under it.
    pub name: String,
    /// Role name.
    pub role: String,
    /// Creation time, milliseconds since the epoch.
    pub created_at: i64,
    /// Whether the token was revoked.
    pub revoked: bool,
}

/// Names no token may take: the engine records its own decisions as `system`.
pub const RESERVED_TOKEN_NAMES: &[&str] = &[
    crate::decisions::SYSTEM_DECIDER,
    "root-system",
    "engine",
    "moderato",
];

/// Whether `name` may name a token: 1 to 64 letters, digits, `-`, `_` or `.`, not reserved.
fn check_token_name(name: &str) -> Result<(), StoreError> {
    let shaped = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !shaped {
        return Err(StoreError::InvalidTokenName {
            name: name.to_owned(),
            reason: "use 1 to 64 letters, digits, `-`, `_` or `.`",
        });
    }
    if RESERVED_TOKEN_NAMES.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(StoreError::InvalidTokenName {
            name: name.to_owned(),
            reason: "the name is reserved for the engine's own records",
        });
    }
    Ok(())
}

impl Store {
    /// Stores the SHA-256 of `token_plain` under `name` and `role` and
    /// returns the new token id. Names are unique over every token ever made (reviews are
    /// recorded under them) and may not be reserved ones such as `system`.
    pub async fn create_token(
        &self,
        name: &str,
        role: &str,
        token_plain: &str,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        check_token_name(name)?;
        let mut transaction = self.begin_write("create token").await?;
        let taken = sqlx::query("SELECT id FROM api_tokens WHERE name = $1 LIMIT 1")
            .bind(name)
            .fetch_optional(&mut *transaction)
            .await
            .map_err(StoreError::database("find token name"))?;
        if taken.is_some() {
            return Err(StoreError::TokenNameTaken {
                name: name.to_owned(),
            });
        }
        let row = sqlx::query(
            "INSERT INTO api_tokens (name, role, token_sha256, created_at, revoked) \
             VALUES ($1, $2, $3, $4, 0) RETURNING id",
        )
        .bind(name)
        .bind(role)
        .bind(sha256_hex(token_plain.as_bytes()))
        .bind(now_ms)
        .fetch_one(&mut *transaction)
        .await
        .map_err(StoreError::database("create token"))?;
        let id: i64 = row
            .try_get("id")
            .map_err(StoreError::database("create token"))?;
        let payload = serde_json::json!({ "id": id, "name": name, "role": role });
        append_audit(
            &mut transaction,
            "token.created",
            &id.to_string(),
            &payload,
            now_ms,
        )
        .await?;
        transaction
            .commit()
            .await
            .map_err(StoreError::database("commit token"))?;
        Ok(id)
    }

    /// The token whose SHA-256 matches `token_plain`, unless it was revoked.
    ///
    /// The lookup is by hash, so the comparison never touches the plain
    /// token's bytes in the database.
    pub async fn find_token(&self, token_plain: &str) -> Result<Option<ApiToken>, StoreError> {
        let row = sqlx::query(
            "SELECT id, name, role FROM api_tokens WHERE token_sha256 = $1 AND revoked = 0",
        )
        .bind(sha256_hex(token_plain.as_bytes()))
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::database("find token"))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let read = || StoreError::database("read token");
        Ok(Some(ApiToken {
            id: row.try_get("id").map_err(read())?,
            name: row.try_get("name").map_err(read())?,
            role: row.try_get("role").map_err(read())?,
        }))
    }

    /// Every token, oldest first, without the tokens themselves.
    pub async fn list_tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let rows =
            sqlx::query("SELECT id, name, role, created_at, revoked FROM api_tokens ORDER BY id")
                .fetch_all(&self.pool)
                .await
                .map_err(StoreError::database("list tokens"))?;
        let read = || StoreError::database("read token");
        rows.iter()
            .map(|row| {
                Ok(TokenRecord {
                    id: row.try_get("id").map_err(read())?,
                    name: row.try_get("name").map_err(read())?,
                    role: row.try_get("role").map_err(read())?,
                    created_at: row.try_get("created_at").map_err(read())?,
                    revoked: row.try_get::<i64, _>("revoked").map_err(read())? != 0,
                })
            })
            .collect()
    }

    /// The id of the token named `name`, if there is one.
    pub async fn token_id_by_name(&self, name: &str) -> Result<Option<i64>, StoreError> {
        sqlx::query("SELECT id FROM api_tokens WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::database("find token"))?
            .map(|row| row.try_get("id"))
            .transpose()
            .map_err(StoreError::database("read token"))
    }

    /// Revokes a token; returns whether a live token with that id existed.
    pub async fn revoke_token(&self, id: i64, by: &str, now_ms: i64) -> Result<bool, StoreError> {
        let mut transaction = self.begin_write("revoke token").await?;
        let result = sqlx::query("UPDATE api_tokens SET revoked = 1 WHERE id = $1 AND revoked = 0")
            .bind(id)
            .execute(&mut *transaction)
            .await
            .map_err(StoreError::database("revoke token"))?;
        if result.rows_affected() == 0 {
            return Ok(false);
        }
        let payload = serde_json::json!({ "id": id, "by": by });
        append_audit(
            &mut transaction,
            "token.revoked",
            &id.to_string(),
            &payload,
            now_ms,
        )
        .await?;
        transaction
            .commit()
            .await
            .map_err(StoreError::database("commit token revocation"))?;
        Ok(true)
    }
}
