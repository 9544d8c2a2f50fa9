//! Content items and their decisions: recording a decision (with its review
//! task and audit entry, atomically) and looking decisions up.
//!
//! The store holds no policy logic: it must never evaluate, change or second-
//! guess a decision. It only reads the few fields it indexes (ids, policy,
//! action, review flag, queue) and keeps the decision JSON verbatim.

use moderato_core::action::{AccountAction, Action};
use moderato_core::content::ContentItem;
use moderato_core::decision::Decision;
use serde::{Deserialize, Serialize};
use sqlx::{Any, Row, Transaction};

use crate::audit::{append_audit, canonical_json, sha256_hex};
use crate::error::StoreError;
use crate::store::Store;

/// Review queue for decisions that need no special handling.
pub const DEFAULT_REVIEW_QUEUE: &str = "default";
/// Review queue for decisions where the public-interest exception was eligible.
pub const PUBLIC_INTEREST_REVIEW_QUEUE: &str = "public_interest";
/// `decided_by` of decisions made by the engine without a person.
pub const SYSTEM_DECIDER: &str = "system";

const DAY_MS: i64 = 86_400_000;

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
    /// `system` for automated decisions, else the reviewer who made it.
    pub decided_by: String,
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

/// The account a content item is attributed to: the author id, else the
/// handle.
pub(crate) fn account_of(item: &ContentItem) -> Option<&str> {
    item.author
        .id
        .as_deref()
        .or(item.author.handle.as_deref())
        .filter(|account| !account.is_empty())
}

/// Whether the decision's actions include a strike.
pub(crate) fn has_strike(decision: &Decision) -> bool {
    decision
        .actions
        .contains(&Action::Account(AccountAction::Strike))
}

/// Inserts a decision row. The caller moves the content's current decision
/// and writes the account outcome.
pub(crate) async fn insert_decision(
    transaction: &mut Transaction<'_, Any>,
    content_id: &str,
    decision: &Decision,
    decided_by: &str,
    previous_decision_id: Option<&str>,
    account_id: Option<&str>,
    now_ms: i64,
) -> Result<InsertedDecision, StoreError> {
    let duplicate = sqlx::query("SELECT decision_id FROM decisions WHERE decision_id = $1")
        .bind(&decision.decision_id)
        .fetch_optional(&mut **transaction)
        .await
        .map_err(StoreError::database("read decision"))?;
    if duplicate.is_some() {
        return Err(StoreError::DuplicateDecision {
            decision_id: decision.decision_id.clone(),
        });
    }
    let decision_value = serde_json::to_value(decision).map_err(StoreError::json("decision"))?;
    let decision_json = canonical_json(&decision_value);
    let action = action_name(decision)?;
    sqlx::query(
        "INSERT INTO decisions (decision_id, content_id, previous_decision_id, policy_id, \
         policy_version, policy_digest, action, review_required, decision_json, decided_by, \
         account_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&decision.decision_id)
    .bind(content_id)
    .bind(previous_decision_id)
    .bind(&decision.policy.id)
    .bind(&decision.policy.version)
    .bind(&decision.policy.digest)
    .bind(&action)
    .bind(i64::from(decision.review.required))
    .bind(&decision_json)
    .bind(decided_by)
    .bind(account_id)
    .bind(now_ms)
    .execute(&mut **transaction)
    .await
    .map_err(StoreError::database("insert decision"))?;
    Ok(InsertedDecision {
        decision_json,
        action,
    })
}

/// A decision row just written, with what the audit entry needs.
pub(crate) struct InsertedDecision {
    /// The canonical decision JSON stored.
    pub(crate) decision_json: String,
    /// The content action name.
    pub(crate) action: String,
}

/// Writes the strike and the restriction of `decision.account` for
/// `account_id`, and describes them for the audit payload.
///
/// A decision that adds no strikes writes no strike row.
pub(crate) async fn apply_account_outcome(
    transaction: &mut Transaction<'_, Any>,
    account_id: &str,
    decision: &Decision,
    now_ms: i64,
) -> Result<serde_json::Value, StoreError> {
    let Some(outcome) = &decision.account else {
        return Ok(serde_json::Value::Null);
    };
    let mut strike = serde_json::Value::Null;
    if outcome.strikes_added > 0 {
        let expires_at = now_ms + i64::from(outcome.strike_expiry_days) * DAY_MS;
        sqlx::query(
            "INSERT INTO strikes (account_id, decision_id, weight, created_at, expires_at, \
             withdrawn) VALUES ($1, $2, $3, $4, $5, 0)",
        )
        .bind(account_id)
        .bind(&decision.decision_id)
        .bind(i64::from(outcome.strikes_added))
        .bind(now_ms)
        .bind(expires_at)
        .execute(&mut **transaction)
        .await
        .map_err(StoreError::database("insert strike"))?;
        strike = serde_json::json!({
            "weight": outcome.strikes_added,
            "expires_at": expires_at,
        });
    }
    let mut restriction = serde_json::Value::Null;
    if let Some(measure) = &outcome.measure {
        // A measure without a duration can only be permanent; treating it so
        // keeps the row valid under the table's CHECK.
        let permanent = measure.permanent || measure.duration_days.is_none();
        let ends_at = match measure.duration_days {
            Some(days) if !permanent => Some(now_ms + i64::from(days) * DAY_MS),
            _ => None,
        };
        sqlx::query(
            "INSERT INTO account_restrictions (account_id, decision_id, action, starts_at, \
             ends_at, permanent) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(account_id)
        .bind(&decision.decision_id)
        .bind(measure.action.as_str())
        .bind(now_ms)
        .bind(ends_at)
        .bind(i64::from(permanent))
        .execute(&mut **transaction)
        .await
        .map_err(StoreError::database("insert account restriction"))?;
        restriction = serde_json::json!({
            "action": measure.action.as_str(),
            "starts_at": now_ms,
            "ends_at": ends_at,
            "permanent": permanent,
        });
    }
    if strike.is_null() && restriction.is_null() {
        return Ok(serde_json::Value::Null);
    }
    Ok(serde_json::json!({
        "account_id": account_id,
        "strike": strike,
        "restriction": restriction,
    }))
}

pub(crate) fn stored_decision_from_row(
    row: &sqlx::any::AnyRow,
) -> Result<StoredDecision, StoreError> {
    let read = || StoreError::database("read decision");
    let decision_json: String = row.try_get("decision_json").map_err(read())?;
    Ok(StoredDecision {
        decision_id: row.try_get("decision_id").map_err(read())?,
        content_id: row.try_get("content_id").map_err(read())?,
        previous_decision_id: row.try_get("previous_decision_id").map_err(read())?,
        decided_by: row.try_get("decided_by").map_err(read())?,
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
    /// - The decision is stored with `decided_by = "system"`. When it has an
    ///   account outcome and the item an account (author id, else handle),
    ///   its strikes and account measure are written to the ledger.
    pub async fn record_decision(
        &self,
        item: &ContentItem,
        decision: &Decision,
        now_ms: i64,
    ) -> Result<RecordOutcome, StoreError> {
        let mut transaction = self.begin_write("record decision").await?;
        let outcome = record_in(&mut transaction, item, decision, now_ms).await?;
        match outcome {
            // Nothing was written for a resubmission.
            RecordOutcome::Existing(_) => transaction
                .rollback()
                .await
                .map_err(StoreError::database("record decision"))?,
            RecordOutcome::Recorded(_) => transaction
                .commit()
                .await
                .map_err(StoreError::database("commit decision"))?,
        }
        Ok(outcome)
    }

    /// Records several decisions in one transaction (group commit), with the same
    /// meaning as calling [`Store::record_decision`] for each in order. Either all
    /// are stored, or none is and the error is returned.
    pub async fn record_decisions(
        &self,
        batch: &[(ContentItem, Decision)],
        now_ms: i64,
    ) -> Result<Vec<RecordOutcome>, StoreError> {
        let mut transaction = self.begin_write("record decisions").await?;
        let mut outcomes = Vec::with_capacity(batch.len());
        for (item, decision) in batch {
            outcomes.push(record_in(&mut transaction, item, decision, now_ms).await?);
        }
        transaction
            .commit()
            .await
            .map_err(StoreError::database("commit decisions"))?;
        Ok(outcomes)
    }

    /// The current decision for a content id, if the item was ever decided.
    pub async fn find_content_decision(
        &self,
        content_id: &str,
    ) -> Result<Option<StoredDecision>, StoreError> {
        let row = sqlx::query(
            "SELECT d.decision_id, d.content_id, d.previous_decision_id, d.decided_by, \
             d.created_at, d.decision_json FROM content_items c \
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
            "SELECT decision_id, content_id, previous_decision_id, decided_by, created_at, \
             decision_json FROM decisions WHERE decision_id = $1",
        )
        .bind(decision_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::database("find decision"))?;
        row.as_ref().map(stored_decision_from_row).transpose()
    }

    /// Decisions stored in `[from_ms, to_ms)`, oldest first.
    pub async fn decisions_between(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<StoredDecision>, StoreError> {
        let rows = sqlx::query(
            "SELECT decision_id, content_id, previous_decision_id, decided_by, created_at, \
             decision_json FROM decisions WHERE created_at >= $1 AND created_at < $2 \
             ORDER BY created_at, decision_id",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::database("list decisions"))?;
        rows.iter().map(stored_decision_from_row).collect()
    }

    /// The stored JSON of a content item (as last submitted), if known.
    pub async fn content_item(
        &self,
        content_id: &str,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        let row = sqlx::query("SELECT item_json FROM content_items WHERE id = $1")
            .bind(content_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::database("find content item"))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let item_json: String = row
            .try_get("item_json")
            .map_err(StoreError::database("read content item"))?;
        serde_json::from_str(&item_json)
            .map(Some)
            .map_err(StoreError::json("content_items.item_json"))
    }
}

/// Records one decision inside an open write transaction.
async fn record_in(
    transaction: &mut Transaction<'static, Any>,
    item: &ContentItem,
    decision: &Decision,
    now_ms: i64,
) -> Result<RecordOutcome, StoreError> {
    let existing = sqlx::query("SELECT text, current_decision_id FROM content_items WHERE id = $1")
        .bind(&item.id)
        .fetch_optional(&mut **transaction)
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
                .fetch_one(&mut **transaction)
                .await
                .map_err(StoreError::database("read current decision"))?;
            let decision_json: String = row
                .try_get("decision_json")
                .map_err(StoreError::database("read current decision"))?;
            let stored = serde_json::from_str(&decision_json)
                .map_err(StoreError::json("decisions.decision_json"))?;
            return Ok(RecordOutcome::Existing(stored));
        }
        previous_decision_id = current;
    }

    let item_value = serde_json::to_value(item).map_err(StoreError::json("content item"))?;
    let item_json = canonical_json(&item_value);
    let account_id = account_of(item);
    let InsertedDecision {
        decision_json,
        action,
    } = insert_decision(
        transaction,
        &item.id,
        decision,
        SYSTEM_DECIDER,
        previous_decision_id.as_deref(),
        account_id,
        now_ms,
    )
    .await?;
    let account = match account_id {
        Some(account_id) => {
            apply_account_outcome(&mut *transaction, account_id, decision, now_ms).await?
        }
        None => serde_json::Value::Null,
    };

    sqlx::query(
        "INSERT INTO content_items (id, text, item_json, author_id, account_id, \
         submitted_at, current_decision_id) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (id) DO UPDATE SET text = excluded.text, item_json = excluded.item_json, \
         author_id = excluded.author_id, account_id = excluded.account_id, \
         submitted_at = excluded.submitted_at, \
         current_decision_id = excluded.current_decision_id",
    )
    .bind(&item.id)
    .bind(&item.text)
    .bind(&item_json)
    .bind(item.author.id.as_deref())
    .bind(account_id)
    .bind(now_ms)
    .bind(&decision.decision_id)
    .execute(&mut **transaction)
    .await
    .map_err(StoreError::database("store content item"))?;

    let mut review_task_id = None;
    if decision.review.required {
        let queue = review_queue(decision);
        let row = sqlx::query(
            "INSERT INTO review_tasks (content_id, decision_id, queue, kind, priority, \
             status, created_at) VALUES ($1, $2, $3, 'decision', $4, 'open', $5) RETURNING id",
        )
        .bind(&item.id)
        .bind(&decision.decision_id)
        .bind(queue)
        .bind(decision.review.priority)
        .bind(now_ms)
        .fetch_one(&mut **transaction)
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
        "decided_by": SYSTEM_DECIDER,
        "decision_sha256": sha256_hex(decision_json.as_bytes()),
        "text_sha256": sha256_hex(item.text.as_bytes()),
        "account": account,
        "review_task_id": review_task_id,
        "review_queue": review_task_id.map(|_| review_queue(decision)),
    });
    let entry = append_audit(
        &mut *transaction,
        "decision.recorded",
        &item.id,
        &payload,
        now_ms,
    )
    .await?;
    Ok(RecordOutcome::Recorded(RecordedDecision {
        decision_id: decision.decision_id.clone(),
        previous_decision_id,
        review_task_id,
        audit_seq: entry.seq,
    }))
}
