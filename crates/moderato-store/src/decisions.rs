//! Content items and their decisions: recording a decision (with its review
//! task and audit entry, atomically) and looking decisions up.
//!
//! The store holds no policy logic: it must never evaluate, change or second-
//! guess a decision. It only reads the few fields it indexes (ids, policy,
//! action, review flag, queue) and keeps the decision JSON verbatim.

use moderato_core::content::ContentItem;
use moderato_core::decision::Decision;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::audit::{append_audit, canonical_json, sha256_hex};
use crate::error::StoreError;
use crate::store::Store;

/// Review queue for decisions that need no special handling.
pub const DEFAULT_REVIEW_QUEUE: &str = "default";
/// Review queue for decisions where the public-interest exception was eligible.
pub const PUBLIC_INTEREST_REVIEW_QUEUE: &str = "public_interest";

/// What [`Store::record_decision`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordOutcome {
    /// The decision was stored.
    Recorded(RecordedDecision),
    /// The same content id with the same text was already decided; this is
    /// the stored decision JSON, and nothing was written.
    Existing(serde_json::Value),
}

/// Details of a newly stored decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedDecision {
    /// The decision id.
    pub decision_id: String,
    /// The decision this one replaces, when the content was edited.
    pub previous_decision_id: Option<String>,
    /// The review task created, when the decision requires review.
    pub review_task_id: Option<i64>,
    /// Seq of the audit entry written with the decision.
    pub audit_seq: i64,
}

/// A decision as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredDecision {
    /// The decision id.
    pub decision_id: String,
    /// The content id.
    pub content_id: String,
    /// The decision this one replaced, when the content was edited.
    pub previous_decision_id: Option<String>,
    /// When it was stored, in milliseconds since the Unix epoch.
    pub created_at: i64,
    /// The decision JSON, verbatim.
    pub decision: serde_json::Value,
}

/// The queue a decision's review task goes to.
fn review_queue(decision: &Decision) -> &'static str {
    match &decision.public_interest {
        Some(assessment) if assessment.eligible => PUBLIC_INTEREST_REVIEW_QUEUE,
        _ => DEFAULT_REVIEW_QUEUE,
    }
}

fn action_name(decision: &Decision) -> Result<String, StoreError> {
    match serde_json::to_value(decision.action).map_err(StoreError::json("decision action"))? {
        serde_json::Value::String(name) => Ok(name),
        other => Ok(other.to_string()),
    }
}

fn stored_decision_from_row(row: &sqlx::any::AnyRow) -> Result<StoredDecision, StoreError> {
    let read = || StoreError::database("read decision");
    let decision_json: String = row.try_get("decision_json").map_err(read())?;
    Ok(StoredDecision {
        decision_id: row.try_get("decision_id").map_err(read())?,
        content_id: row.try_get("content_id").map_err(read())?,
        previous_decision_id: row.try_get("previous_decision_id").map_err(read())?,
        created_at: row.try_get("created_at").map_err(read())?,
        decision: serde_json::from_str(&decision_json)
            .map_err(StoreError::json("decisions.decision_json"))?,
    })
}

impl Store {
    /// Stores `item` and `decision` with an audit entry, in one transaction.
    ///
    /// - Same content id and same text as already stored: nothing is written
    ///   and the stored decision is returned as [`RecordOutcome::Existing`].
    /// - Same content id with a different text (an edit): the new decision
    ///   links to the earlier one through `previous_decision_id` and becomes
    ///   the item's current decision.
    /// - When `decision.review.required`, a review task is created in the
    ///   `public_interest` queue if the exception was eligible, else in
    ///   `default`, with the decision's review priority.
    pub async fn record_decision(
        &self,
        item: &ContentItem,
        decision: &Decision,
        now_ms: i64,
    ) -> Result<RecordOutcome, StoreError> {
        let mut transaction = self.begin_write("record decision").await?;
        let existing =
            sqlx::query("SELECT text, current_decision_id FROM content_items WHERE id = $1")
                .bind(&item.id)
                .fetch_optional(&mut *transaction)
                .await
                .map_err(StoreError::database("read content item"))?;
        let mut previous_decision_id = None;
        if let Some(row) = existing {
            let text: String = row
                .try_get("text")
                .map_err(StoreError::database("read content item"))?;
            let current: Option<String> = row
                .try_get("current_decision_id")
                .map_err(StoreError::database("read content item"))?;
            if text == item.text
                && let Some(current) = &current
            {
                let row = sqlx::query("SELECT decision_json FROM decisions WHERE decision_id = $1")
                    .bind(current)
                    .fetch_one(&mut *transaction)
                    .await
                    .map_err(StoreError::database("read current decision"))?;
                let decision_json: String = row
                    .try_get("decision_json")
                    .map_err(StoreError::database("read current decision"))?;
                let stored = serde_json::from_str(&decision_json)
                    .map_err(StoreError::json("decisions.decision_json"))?;
                transaction
                    .rollback()
                    .await
                    .map_err(StoreError::database("record decision"))?;
                return Ok(RecordOutcome::Existing(stored));
            }
            previous_decision_id = current;
        }

        let duplicate = sqlx::query("SELECT decision_id FROM decisions WHERE decision_id = $1")
            .bind(&decision.decision_id)
            .fetch_optional(&mut *transaction)
            .await
            .map_err(StoreError::database("read decision"))?;
        if duplicate.is_some() {
            return Err(StoreError::DuplicateDecision {
                decision_id: decision.decision_id.clone(),
            });
        }

        let decision_value =
            serde_json::to_value(decision).map_err(StoreError::json("decision"))?;
        let decision_json = canonical_json(&decision_value);
        let item_value = serde_json::to_value(item).map_err(StoreError::json("content item"))?;
        let item_json = canonical_json(&item_value);
        let action = action_name(decision)?;

        sqlx::query(
            "INSERT INTO decisions (decision_id, content_id, previous_decision_id, policy_id, \
             policy_version, policy_digest, action, review_required, decision_json, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&decision.decision_id)
        .bind(&item.id)
        .bind(previous_decision_id.as_deref())
        .bind(&decision.policy.id)
        .bind(&decision.policy.version)
        .bind(&decision.policy.digest)
        .bind(&action)
        .bind(i64::from(decision.review.required))
        .bind(&decision_json)
        .bind(now_ms)
        .execute(&mut *transaction)
        .await
        .map_err(StoreError::database("insert decision"))?;

        sqlx::query(
            "INSERT INTO content_items (id, text, item_json, author_id, submitted_at, \
             current_decision_id) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (id) DO UPDATE SET text = excluded.text, item_json = excluded.item_json, \
             author_id = excluded.author_id, submitted_at = excluded.submitted_at, \
             current_decision_id = excluded.current_decision_id",
        )
        .bind(&item.id)
        .bind(&item.text)
        .bind(&item_json)
        .bind(item.author.id.as_deref())
        .bind(now_ms)
        .bind(&decision.decision_id)
        .execute(&mut *transaction)
        .await
        .map_err(StoreError::database("store content item"))?;

        let mut review_task_id = None;
        if decision.review.required {
            let queue = review_queue(decision);
            let row = sqlx::query(
                "INSERT INTO review_tasks (content_id, decision_id, queue, priority, status, \
                 created_at) VALUES ($1, $2, $3, $4, 'open', $5) RETURNING id",
            )
            .bind(&item.id)
            .bind(&decision.decision_id)
            .bind(queue)
            .bind(decision.review.priority)
            .bind(now_ms)
            .fetch_one(&mut *transaction)
            .await
            .map_err(StoreError::database("create review task"))?;
            review_task_id = Some(
                row.try_get::<i64, _>("id")
                    .map_err(StoreError::database("create review task"))?,
            );
        }

        let payload = serde_json::json!({
            "decision_id": decision.decision_id,
            "content_id": item.id,
            "previous_decision_id": previous_decision_id,
            "policy": {
                "id": decision.policy.id,
                "version": decision.policy.version,
                "digest": decision.policy.digest,
            },
            "action": action,
            "decision_sha256": sha256_hex(decision_json.as_bytes()),
            "text_sha256": sha256_hex(item.text.as_bytes()),
            "review_task_id": review_task_id,
            "review_queue": review_task_id.map(|_| review_queue(decision)),
        });
        let entry = append_audit(
            &mut transaction,
            "decision.recorded",
            &item.id,
            &payload,
            now_ms,
        )
        .await?;
        transaction
            .commit()
            .await
            .map_err(StoreError::database("commit decision"))?;
        Ok(RecordOutcome::Recorded(RecordedDecision {
            decision_id: decision.decision_id.clone(),
            previous_decision_id,
            review_task_id,
            audit_seq: entry.seq,
        }))
    }

    /// The current decision for a content id, if the item was ever decided.
    pub async fn find_content_decision(
        &self,
        content_id: &str,
    ) -> Result<Option<StoredDecision>, StoreError> {
        let row = sqlx::query(
            "SELECT d.decision_id, d.content_id, d.previous_decision_id, d.created_at, \
             d.decision_json FROM content_items c \
             JOIN decisions d ON d.decision_id = c.current_decision_id WHERE c.id = $1",
        )
        .bind(content_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::database("find content decision"))?;
        row.as_ref().map(stored_decision_from_row).transpose()
    }

    /// A decision by its id, current or replaced.
    pub async fn find_decision(
        &self,
        decision_id: &str,
    ) -> Result<Option<StoredDecision>, StoreError> {
        let row = sqlx::query(
            "SELECT decision_id, content_id, previous_decision_id, created_at, decision_json \
             FROM decisions WHERE decision_id = $1",
        )
        .bind(decision_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::database("find decision"))?;
        row.as_ref().map(stored_decision_from_row).transpose()
    }
}
