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

use std::collections::{HashMap, HashSet};

use crate::audit::{append_audit, append_audit_batch, canonical_json, sha256_hex};
use crate::bulk::{Param, insert_rows, select_in};
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

/// The account a content item is attributed to ([`ContentItem::account_id`]).
pub(crate) fn account_of(item: &ContentItem) -> Option<&str> {
    item.account_id()
}

/// Whether the decision's actions include a strike.
pub(crate) fn has_strike(decision: &Decision) -> bool {
    decision
        .actions
        .contains(&Action::Account(AccountAction::Strike))
}

/// Where a decision row belongs and who made it.
pub(crate) struct DecisionRow<'a> {
    /// The content decided.
    pub(crate) content_id: &'a str,
    /// `system`, or the reviewer.
    pub(crate) decided_by: &'a str,
    /// The decision it replaces.
    pub(crate) previous_decision_id: Option<&'a str>,
    /// The account the content is attributed to.
    pub(crate) account_id: Option<&'a str>,
    /// See [`idempotency_key`]; `None` for reviewers' decisions.
    pub(crate) idempotency_key: Option<String>,
}

/// Inserts a decision row. The caller moves the content's current decision
/// and writes the account outcome.
pub(crate) async fn insert_decision(
    transaction: &mut Transaction<'_, Any>,
    decision: &Decision,
    row: &DecisionRow<'_>,
    now_ms: i64,
) -> Result<InsertedDecision, StoreError> {
    let DecisionRow {
        content_id,
        decided_by,
        previous_decision_id,
        account_id,
        ref idempotency_key,
    } = *row;
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
    let InsertedDecision {
        decision_json,
        action,
    } = decision_columns(decision)?;
    sqlx::query(
        "INSERT INTO decisions (decision_id, content_id, previous_decision_id, policy_id, \
         policy_version, policy_digest, action, review_required, decision_json, decided_by, \
         account_id, created_at, idempotency_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
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
    .bind(idempotency_key.as_deref())
    .execute(&mut **transaction)
    .await
    .map_err(StoreError::database("insert decision"))?;
    Ok(InsertedDecision {
        decision_json,
        action,
    })
}

/// The idempotency key of an automated decision: SHA-256 over the content id,
/// the text and the decision it replaces (empty for the first), with the
/// text length-prefixed so that no two different triples share their bytes.
/// A redelivered item has the same key, so the unique index on
/// `decisions.idempotency_key` refuses a second decision for it.
pub fn idempotency_key(content_id: &str, text: &str, previous_decision_id: Option<&str>) -> String {
    let mut bytes = Vec::with_capacity(content_id.len() + text.len() + 64);
    bytes.extend_from_slice(content_id.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(&(text.len() as u64).to_be_bytes());
    bytes.extend_from_slice(text.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(previous_decision_id.unwrap_or_default().as_bytes());
    sha256_hex(&bytes)
}

/// The stored decision JSON and action name of `decision`.
fn decision_columns(decision: &Decision) -> Result<InsertedDecision, StoreError> {
    let decision_value = serde_json::to_value(decision).map_err(StoreError::json("decision"))?;
    Ok(InsertedDecision {
        decision_json: canonical_json(&decision_value),
        action: action_name(decision)?,
    })
}

/// A decision row just written, with what the audit entry needs.
pub(crate) struct InsertedDecision {
    /// The canonical decision JSON stored.
    pub(crate) decision_json: String,
    /// The content action name.
    pub(crate) action: String,
}

/// A strike row to write.
struct StrikeRow {
    weight: i64,
    expires_at: i64,
}

/// An account restriction row to write.
struct RestrictionRow {
    action: &'static str,
    ends_at: Option<i64>,
    permanent: bool,
}

/// The ledger rows `decision.account` adds for an account, and their
/// description for the audit payload (`null` when there are none).
struct AccountWrites {
    strike: Option<StrikeRow>,
    restriction: Option<RestrictionRow>,
    audit: serde_json::Value,
}

/// Works out the strike and the restriction of `decision.account` for
/// `account_id`. A decision that adds no strikes adds no strike row.
fn account_writes(account_id: &str, decision: &Decision, now_ms: i64) -> AccountWrites {
    let Some(outcome) = &decision.account else {
        return AccountWrites {
            strike: None,
            restriction: None,
            audit: serde_json::Value::Null,
        };
    };
    let mut strike_row = None;
    let mut strike = serde_json::Value::Null;
    if outcome.strikes_added > 0 {
        let expires_at = now_ms + i64::from(outcome.strike_expiry_days) * DAY_MS;
        strike_row = Some(StrikeRow {
            weight: i64::from(outcome.strikes_added),
            expires_at,
        });
        strike = serde_json::json!({
            "weight": outcome.strikes_added,
            "expires_at": expires_at,
        });
    }
    let mut restriction_row = None;
    let mut restriction = serde_json::Value::Null;
    if let Some(measure) = &outcome.measure {
        // A measure without a duration can only be permanent; treating it so
        // keeps the row valid under the table's CHECK.
        let permanent = measure.permanent || measure.duration_days.is_none();
        let ends_at = match measure.duration_days {
            Some(days) if !permanent => Some(now_ms + i64::from(days) * DAY_MS),
            _ => None,
        };
        restriction_row = Some(RestrictionRow {
            action: measure.action.as_str(),
            ends_at,
            permanent,
        });
        restriction = serde_json::json!({
            "action": measure.action.as_str(),
            "starts_at": now_ms,
            "ends_at": ends_at,
            "permanent": permanent,
        });
    }
    let audit = if strike.is_null() && restriction.is_null() {
        serde_json::Value::Null
    } else {
        serde_json::json!({
            "account_id": account_id,
            "strike": strike,
            "restriction": restriction,
        })
    };
    AccountWrites {
        strike: strike_row,
        restriction: restriction_row,
        audit,
    }
}

const INSERT_STRIKES: &str = "INSERT INTO strikes (account_id, decision_id, weight, created_at, \
     expires_at, withdrawn)";
const INSERT_RESTRICTIONS: &str = "INSERT INTO account_restrictions (account_id, decision_id, \
     action, starts_at, ends_at, permanent)";

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
    let writes = account_writes(account_id, decision, now_ms);
    if let Some(strike) = &writes.strike {
        sqlx::query(
            "INSERT INTO strikes (account_id, decision_id, weight, created_at, expires_at, \
             withdrawn) VALUES ($1, $2, $3, $4, $5, 0)",
        )
        .bind(account_id)
        .bind(&decision.decision_id)
        .bind(strike.weight)
        .bind(now_ms)
        .bind(strike.expires_at)
        .execute(&mut **transaction)
        .await
        .map_err(StoreError::database("insert strike"))?;
    }
    if let Some(restriction) = &writes.restriction {
        sqlx::query(
            "INSERT INTO account_restrictions (account_id, decision_id, action, starts_at, \
             ends_at, permanent) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(account_id)
        .bind(&decision.decision_id)
        .bind(restriction.action)
        .bind(now_ms)
        .bind(restriction.ends_at)
        .bind(i64::from(restriction.permanent))
        .execute(&mut **transaction)
        .await
        .map_err(StoreError::database("insert account restriction"))?;
    }
    Ok(writes.audit)
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
    ///
    /// The whole batch takes a fixed number of statements: the stored items and
    /// taken decision ids are read once, the outcomes are worked out in memory
    /// (a content id repeated in the batch sees its earlier entries), and the
    /// rows and audit entries are written with multi-row inserts.
    pub async fn record_decisions(
        &self,
        batch: &[(ContentItem, Decision)],
        now_ms: i64,
    ) -> Result<Vec<RecordOutcome>, StoreError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let mut transaction = self.begin_write("record decisions").await?;
        let outcomes = record_batch_in(&mut transaction, batch, now_ms).await?;
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

/// The audit payload of a recorded decision.
fn decision_payload(
    item: &ContentItem,
    decision: &Decision,
    previous_decision_id: Option<&str>,
    action: &str,
    decision_json: &str,
    account: serde_json::Value,
    review_task_id: Option<i64>,
) -> serde_json::Value {
    serde_json::json!({
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
    })
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
        decision,
        &DecisionRow {
            content_id: &item.id,
            decided_by: SYSTEM_DECIDER,
            previous_decision_id: previous_decision_id.as_deref(),
            account_id,
            idempotency_key: Some(idempotency_key(
                &item.id,
                &item.text,
                previous_decision_id.as_deref(),
            )),
        },
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

    let payload = decision_payload(
        item,
        decision,
        previous_decision_id.as_deref(),
        &action,
        &decision_json,
        account,
        review_task_id,
    );
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

/// What the batch knows of a content item: as stored, or as recorded earlier
/// in the batch.
struct KnownItem {
    text: String,
    current_decision_id: Option<String>,
    /// The current decision's JSON, when there is one.
    current_decision_json: Option<String>,
}

/// A decision of a batch that will be stored.
struct PlannedRecord<'a> {
    index: usize,
    item: &'a ContentItem,
    decision: &'a Decision,
    previous_decision_id: Option<String>,
    account_id: Option<&'a str>,
    item_json: String,
    decision_json: String,
    action: String,
    account: AccountWrites,
}

/// Records `batch` inside an open write transaction, with the meaning of
/// [`record_in`] for each in order, in a fixed number of statements.
async fn record_batch_in(
    transaction: &mut Transaction<'static, Any>,
    batch: &[(ContentItem, Decision)],
    now_ms: i64,
) -> Result<Vec<RecordOutcome>, StoreError> {
    // The stored items (with their current decision) and the decision ids
    // already taken, for the whole batch at once.
    let mut content_ids: Vec<&str> = batch.iter().map(|(item, _)| item.id.as_str()).collect();
    content_ids.sort_unstable();
    content_ids.dedup();
    let rows = select_in(
        transaction,
        "SELECT c.id, c.text, c.current_decision_id, d.decision_json FROM content_items c \
         LEFT JOIN decisions d ON d.decision_id = c.current_decision_id WHERE c.id",
        "",
        &content_ids,
        "read content item",
    )
    .await?;
    let mut known: HashMap<String, KnownItem> = HashMap::with_capacity(rows.len());
    for row in &rows {
        let read = || StoreError::database("read content item");
        let id: String = row.try_get("id").map_err(read())?;
        known.insert(
            id,
            KnownItem {
                text: row.try_get("text").map_err(read())?,
                current_decision_id: row.try_get("current_decision_id").map_err(read())?,
                current_decision_json: row.try_get("decision_json").map_err(read())?,
            },
        );
    }
    let mut decision_ids: Vec<&str> = batch
        .iter()
        .map(|(_, decision)| decision.decision_id.as_str())
        .collect();
    decision_ids.sort_unstable();
    decision_ids.dedup();
    let rows = select_in(
        transaction,
        "SELECT decision_id FROM decisions WHERE decision_id",
        "",
        &decision_ids,
        "read decision",
    )
    .await?;
    let mut taken: HashSet<String> = rows
        .iter()
        .map(|row| row.try_get("decision_id"))
        .collect::<Result<_, _>>()
        .map_err(StoreError::database("read decision"))?;

    // Work out each outcome in order, as record_in would one by one.
    let mut outcomes: Vec<Option<RecordOutcome>> = Vec::with_capacity(batch.len());
    let mut planned: Vec<PlannedRecord<'_>> = Vec::new();
    for (index, (item, decision)) in batch.iter().enumerate() {
        let mut previous_decision_id = None;
        if let Some(stored) = known.get(&item.id) {
            if stored.text == item.text && stored.current_decision_id.is_some() {
                let decision_json = stored.current_decision_json.as_deref().ok_or_else(|| {
                    StoreError::database("read current decision")(sqlx::Error::RowNotFound)
                })?;
                let stored = serde_json::from_str(decision_json)
                    .map_err(StoreError::json("decisions.decision_json"))?;
                outcomes.push(Some(RecordOutcome::Existing(stored)));
                continue;
            }
            previous_decision_id.clone_from(&stored.current_decision_id);
        }
        let item_value = serde_json::to_value(item).map_err(StoreError::json("content item"))?;
        let item_json = canonical_json(&item_value);
        let account_id = account_of(item);
        if !taken.insert(decision.decision_id.clone()) {
            return Err(StoreError::DuplicateDecision {
                decision_id: decision.decision_id.clone(),
            });
        }
        let InsertedDecision {
            decision_json,
            action,
        } = decision_columns(decision)?;
        let account = match account_id {
            Some(account_id) => account_writes(account_id, decision, now_ms),
            None => AccountWrites {
                strike: None,
                restriction: None,
                audit: serde_json::Value::Null,
            },
        };
        known.insert(
            item.id.clone(),
            KnownItem {
                text: item.text.clone(),
                current_decision_id: Some(decision.decision_id.clone()),
                current_decision_json: Some(decision_json.clone()),
            },
        );
        outcomes.push(None);
        planned.push(PlannedRecord {
            index,
            item,
            decision,
            previous_decision_id,
            account_id,
            item_json,
            decision_json,
            action,
            account,
        });
    }
    // Each insert below writes nothing for no rows, and the audit chain is
    // left alone without entries: a batch of resubmissions writes nothing.
    insert_rows(
        transaction,
        "INSERT INTO decisions (decision_id, content_id, previous_decision_id, policy_id, \
         policy_version, policy_digest, action, review_required, decision_json, decided_by, \
         account_id, created_at, idempotency_key)",
        "",
        13,
        planned
            .iter()
            .map(|record| {
                let decision = record.decision;
                vec![
                    Param::from(decision.decision_id.as_str()),
                    Param::from(record.item.id.as_str()),
                    Param::from(record.previous_decision_id.as_deref()),
                    Param::from(decision.policy.id.as_str()),
                    Param::from(decision.policy.version.as_str()),
                    Param::from(decision.policy.digest.as_str()),
                    Param::from(record.action.as_str()),
                    Param::from(i64::from(decision.review.required)),
                    Param::from(record.decision_json.as_str()),
                    Param::from(SYSTEM_DECIDER),
                    Param::from(record.account_id),
                    Param::from(now_ms),
                    Param::from(idempotency_key(
                        &record.item.id,
                        &record.item.text,
                        record.previous_decision_id.as_deref(),
                    )),
                ]
            })
            .collect(),
        "insert decision",
    )
    .await?;

    let strikes: Vec<Vec<Param>> = planned
        .iter()
        .filter_map(|record| {
            let strike = record.account.strike.as_ref()?;
            Some(vec![
                Param::from(record.account_id),
                Param::from(record.decision.decision_id.as_str()),
                Param::from(strike.weight),
                Param::from(now_ms),
                Param::from(strike.expires_at),
                Param::from(0_i64),
            ])
        })
        .collect();
    insert_rows(transaction, INSERT_STRIKES, "", 6, strikes, "insert strike").await?;
    let restrictions: Vec<Vec<Param>> = planned
        .iter()
        .filter_map(|record| {
            let restriction = record.account.restriction.as_ref()?;
            Some(vec![
                Param::from(record.account_id),
                Param::from(record.decision.decision_id.as_str()),
                Param::from(restriction.action),
                Param::from(now_ms),
                Param::from(restriction.ends_at),
                Param::from(i64::from(restriction.permanent)),
            ])
        })
        .collect();
    insert_rows(
        transaction,
        INSERT_RESTRICTIONS,
        "",
        6,
        restrictions,
        "insert account restriction",
    )
    .await?;

    // One upsert per content id, with its last recorded version: each upsert
    // overwrites every column, so the last one is what one-by-one recording
    // leaves (and PostgreSQL rejects a statement touching a row twice).
    let mut last_of: HashMap<&str, usize> = HashMap::with_capacity(planned.len());
    for (position, record) in planned.iter().enumerate() {
        last_of.insert(record.item.id.as_str(), position);
    }
    let items: Vec<Vec<Param>> = planned
        .iter()
        .enumerate()
        .filter(|(position, record)| last_of.get(record.item.id.as_str()) == Some(position))
        .map(|(_, record)| {
            vec![
                Param::from(record.item.id.as_str()),
                Param::from(record.item.text.as_str()),
                Param::from(record.item_json.as_str()),
                Param::from(record.item.author.id.as_deref()),
                Param::from(record.account_id),
                Param::from(now_ms),
                Param::from(record.decision.decision_id.as_str()),
            ]
        })
        .collect();
    insert_rows(
        transaction,
        "INSERT INTO content_items (id, text, item_json, author_id, account_id, \
         submitted_at, current_decision_id)",
        " ON CONFLICT (id) DO UPDATE SET text = excluded.text, item_json = excluded.item_json, \
         author_id = excluded.author_id, account_id = excluded.account_id, \
         submitted_at = excluded.submitted_at, \
         current_decision_id = excluded.current_decision_id",
        7,
        items,
        "store content item",
    )
    .await?;

    let tasks: Vec<Vec<Param>> = planned
        .iter()
        .filter(|record| record.decision.review.required)
        .map(|record| {
            vec![
                Param::from(record.item.id.as_str()),
                Param::from(record.decision.decision_id.as_str()),
                Param::from(review_queue(record.decision)),
                Param::from("decision"),
                Param::from(record.decision.review.priority),
                Param::from("open"),
                Param::from(now_ms),
            ]
        })
        .collect();
    let rows = insert_rows(
        transaction,
        "INSERT INTO review_tasks (content_id, decision_id, queue, kind, priority, status, \
         created_at)",
        " RETURNING id, decision_id",
        7,
        tasks,
        "create review task",
    )
    .await?;
    let mut task_ids: HashMap<String, i64> = HashMap::with_capacity(rows.len());
    for row in &rows {
        let read = || StoreError::database("create review task");
        task_ids.insert(
            row.try_get("decision_id").map_err(read())?,
            row.try_get("id").map_err(read())?,
        );
    }

    let mut entries = Vec::with_capacity(planned.len());
    for record in &mut planned {
        let review_task_id = task_ids.get(&record.decision.decision_id).copied();
        let account = std::mem::take(&mut record.account.audit);
        let payload = decision_payload(
            record.item,
            record.decision,
            record.previous_decision_id.as_deref(),
            &record.action,
            &record.decision_json,
            account,
            review_task_id,
        );
        entries.push(("decision.recorded", record.item.id.as_str(), payload));
    }
    let written = append_audit_batch(transaction, entries, now_ms).await?;
    for (record, entry) in planned.into_iter().zip(written) {
        let decision_id = record.decision.decision_id.clone();
        let review_task_id = task_ids.get(&decision_id).copied();
        outcomes[record.index] = Some(RecordOutcome::Recorded(RecordedDecision {
            decision_id,
            previous_decision_id: record.previous_decision_id,
            review_task_id,
            audit_seq: entry.seq,
        }));
    }
    outcomes
        .into_iter()
        .map(|outcome| {
            outcome
                .ok_or_else(|| StoreError::database("record decisions")(sqlx::Error::RowNotFound))
        })
        .collect()
}
