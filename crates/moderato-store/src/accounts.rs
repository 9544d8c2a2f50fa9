//! Account standing: the strike ledger, account restrictions and the notices
//! sent about an account's content.
//!
//! Strikes and restrictions are written with the decisions that impose them
//! (see `decisions.rs`) and withdrawn by reviews (see `reviews.rs`). This
//! module only reads them; it must never decide what a strike count means.

use serde::Serialize;
use sqlx::Row;

use crate::error::StoreError;
use crate::store::Store;

/// How many notices [`Store::account_standing`] returns at most, newest
/// first.
pub const ACCOUNT_NOTICES_LIMIT: i64 = 100;

/// Everything recorded against an account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountStanding {
    /// The account.
    pub account_id: String,
    /// Sum of the weights of the strikes neither withdrawn nor expired.
    pub active_strikes: u32,
    /// Every strike, newest first, including withdrawn and expired ones.
    pub strikes: Vec<StrikeRecord>,
    /// Every restriction, newest first, including ended and lifted ones.
    pub restrictions: Vec<RestrictionRecord>,
    /// The `notice` objects of decisions about the account's content, newest
    /// first, each with `decision_id`, `content_id` and `created_at` added.
    pub notices: Vec<serde_json::Value>,
}

/// One strike in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StrikeRecord {
    /// The decision that imposed it.
    pub decision_id: String,
    /// How many strikes it counts for.
    pub weight: u32,
    /// When it was imposed.
    pub created_at: i64,
    /// When it expires.
    pub expires_at: i64,
    /// Withdrawn by a review.
    pub withdrawn: bool,
}

/// One restriction of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestrictionRecord {
    /// The decision that imposed it.
    pub decision_id: String,
    /// `limit_account`, `suspend_account` or `terminate_account`.
    pub action: String,
    /// When it started.
    pub starts_at: i64,
    /// When it ends (or ended); `None` only when permanent.
    pub ends_at: Option<i64>,
    /// Permanent (until lifted).
    pub permanent: bool,
    /// When a review lifted it, if one did.
    pub lifted_at: Option<i64>,
}

fn to_u32(value: i64, what: &'static str) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::InvalidStoredValue {
        what,
        message: format!("{value} is not a strike weight"),
    })
}

impl Store {
    /// Sum of the weights of `account_id`'s strikes that are neither
    /// withdrawn nor expired at `now_ms`.
    pub async fn active_strike_count(
        &self,
        account_id: &str,
        now_ms: i64,
    ) -> Result<u32, StoreError> {
        // Summed here rather than with SUM(), which PostgreSQL types as
        // NUMERIC for BIGINT columns, a type the `Any` driver cannot read.
        let rows = sqlx::query(
            "SELECT weight FROM strikes WHERE account_id = $1 AND withdrawn = 0 \
             AND expires_at > $2",
        )
        .bind(account_id)
        .bind(now_ms)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::database("count strikes"))?;
        let mut total = 0_u32;
        for row in &rows {
            let weight: i64 = row
                .try_get("weight")
                .map_err(StoreError::database("read strike"))?;
            total = total.saturating_add(to_u32(weight, "strikes.weight")?);
        }
        Ok(total)
    }

    /// Strikes, restrictions and notices of `account_id` as of `now_ms`.
    pub async fn account_standing(
        &self,
        account_id: &str,
        now_ms: i64,
    ) -> Result<AccountStanding, StoreError> {
        let rows = sqlx::query(
            "SELECT decision_id, weight, created_at, expires_at, withdrawn FROM strikes \
             WHERE account_id = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::database("list strikes"))?;
        let read = || StoreError::database("read strike");
        let mut strikes = Vec::with_capacity(rows.len());
        let mut active_strikes = 0_u32;
        for row in &rows {
            let weight: i64 = row.try_get("weight").map_err(read())?;
            let withdrawn: i64 = row.try_get("withdrawn").map_err(read())?;
            let strike = StrikeRecord {
                decision_id: row.try_get("decision_id").map_err(read())?,
                weight: to_u32(weight, "strikes.weight")?,
                created_at: row.try_get("created_at").map_err(read())?,
                expires_at: row.try_get("expires_at").map_err(read())?,
                withdrawn: withdrawn != 0,
            };
            if !strike.withdrawn && strike.expires_at > now_ms {
                active_strikes = active_strikes.saturating_add(strike.weight);
            }
            strikes.push(strike);
        }

        let rows = sqlx::query(
            "SELECT decision_id, action, starts_at, ends_at, permanent, lifted_at \
             FROM account_restrictions WHERE account_id = $1 ORDER BY starts_at DESC, id DESC",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::database("list account restrictions"))?;
        let read = || StoreError::database("read account restriction");
        let mut restrictions = Vec::with_capacity(rows.len());
        for row in &rows {
            let decision_id: Option<String> = row.try_get("decision_id").map_err(read())?;
            let permanent: i64 = row.try_get("permanent").map_err(read())?;
            restrictions.push(RestrictionRecord {
                decision_id: decision_id.unwrap_or_default(),
                action: row.try_get("action").map_err(read())?,
                starts_at: row.try_get("starts_at").map_err(read())?,
                ends_at: row.try_get("ends_at").map_err(read())?,
                permanent: permanent != 0,
                lifted_at: row.try_get("lifted_at").map_err(read())?,
            });
        }

        let rows = sqlx::query(
            "SELECT decision_id, content_id, created_at, decision_json FROM decisions \
             WHERE account_id = $1 ORDER BY created_at DESC, decision_id DESC LIMIT $2",
        )
        .bind(account_id)
        .bind(ACCOUNT_NOTICES_LIMIT)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::database("list notices"))?;
        let read = || StoreError::database("read notice");
        let mut notices = Vec::new();
        for row in &rows {
            let decision_json: String = row.try_get("decision_json").map_err(read())?;
            let decision: serde_json::Value = serde_json::from_str(&decision_json)
                .map_err(StoreError::json("decisions.decision_json"))?;
            let Some(serde_json::Value::Object(mut notice)) = decision.get("notice").cloned()
            else {
                continue;
            };
            let decision_id: String = row.try_get("decision_id").map_err(read())?;
            let content_id: String = row.try_get("content_id").map_err(read())?;
            let created_at: i64 = row.try_get("created_at").map_err(read())?;
            notice.insert("decision_id".to_owned(), decision_id.into());
            notice.insert("content_id".to_owned(), content_id.into());
            notice.insert("created_at".to_owned(), created_at.into());
            notices.push(serde_json::Value::Object(notice));
        }
        Ok(AccountStanding {
            account_id: account_id.to_owned(),
            active_strikes,
            strikes,
            restrictions,
            notices,
        })
    }
}
