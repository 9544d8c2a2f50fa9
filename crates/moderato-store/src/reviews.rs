//! Review queues and tasks: summarising queues, claiming a task under a
//! lease, and completing a review (which may replace the reviewed decision,
//! withdraw its strikes, resolve reports and decide an appeal), each with its
//! audit entries in one transaction.
//!
//! The store holds no policy logic: it must never choose a review outcome or
//! build a decision. It records the reviewer's outcome and the decision the
//! caller built, and applies the ledger consequences the API defines.

use moderato_core::decision::Decision;
use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use crate::audit::{append_audit, sha256_hex};
use crate::decisions::{
    DEFAULT_REVIEW_QUEUE, DecisionRow, InsertedDecision, PUBLIC_INTEREST_REVIEW_QUEUE,
    apply_account_outcome, has_strike, insert_decision,
};
use crate::error::StoreError;
use crate::store::Store;

/// Queue of tasks opened by user reports.
pub const REPORTS_QUEUE: &str = "reports";
/// Queue of appeal tasks.
pub const APPEALS_QUEUE: &str = "appeals";
/// Every queue the store creates tasks in; [`Store::queue_summaries`] lists
/// each of them even when it is empty.
pub const KNOWN_QUEUES: [&str; 4] = [
    DEFAULT_REVIEW_QUEUE,
    PUBLIC_INTEREST_REVIEW_QUEUE,
    REPORTS_QUEUE,
    APPEALS_QUEUE,
];

/// How far back [`Store::complete_review`] follows decisions made by review
/// to find the strikes they carried over. Chains are short in practice (a
/// review, then an appeal); the bound only guards against a corrupt cycle.
const MAX_REVIEW_CHAIN: usize = 64;

/// A unit of work in a review queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewTask {
    /// Task id.
    pub id: i64,
    /// Queue name.
    pub queue: String,
    /// `decision`, `report` or `appeal`.
    pub kind: String,
    /// The content under review.
    pub content_id: String,
    /// The decision under review.
    pub decision_id: String,
    /// The appeal, for appeal tasks.
    pub appeal_id: Option<i64>,
    /// Higher is reviewed first.
    pub priority: f64,
    /// `open`, `claimed` or `done`. A `claimed` task whose lease expired can
    /// be claimed again.
    pub status: String,
    /// Who holds (or last held) the lease.
    pub lease_owner: Option<String>,
    /// When the lease expires, in milliseconds since the Unix epoch.
    pub lease_expires_at: Option<i64>,
    /// When the task was created.
    pub created_at: i64,
}

/// Counts for one queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueSummary {
    /// Queue name.
    pub name: String,
    /// Tasks waiting for a reviewer, including claimed tasks whose lease
    /// expired.
    pub open: i64,
    /// Tasks under a live lease.
    pub claimed: i64,
    /// Creation time of the oldest task not done.
    pub oldest_created_at: Option<i64>,
}

/// What a reviewer decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewInput {
    /// `uphold`, `overturn` or `change`.
    pub outcome: String,
    /// The actions the reviewer chose.
    pub actions: Vec<String>,
    /// The reviewer's reason.
    pub reason: String,
    /// A recorded dissent, if any.
    pub dissent: Option<String>,
    /// The reviewer's public-interest assessment, if any.
    pub public_interest: Option<serde_json::Value>,
}

/// The result of [`Store::complete_review`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompletedReview {
    /// The review id.
    pub review_id: i64,
    /// The task, now done.
    pub task: ReviewTask,
    /// The decision stored by the review, if it made one.
    pub new_decision_id: Option<String>,
    /// The appeal decided, for appeal tasks.
    pub appeal_id: Option<i64>,
}

/// A completed review, for reports and exports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewRecord {
    /// Review id.
    pub id: i64,
    /// The task reviewed.
    pub task_id: i64,
    /// The task's kind: `decision`, `report` or `appeal`.
    pub kind: String,
    /// The task's queue.
    pub queue: String,
    /// The appeal, for appeal tasks.
    pub appeal_id: Option<i64>,
    /// Who reviewed.
    pub reviewer: String,
    /// `uphold`, `overturn` or `change`.
    pub outcome: String,
    /// The actions the reviewer chose.
    pub actions: Vec<String>,
    /// The reviewer's reason.
    pub reason: String,
    /// A recorded dissent, if any.
    pub dissent: Option<String>,
    /// The decision reviewed.
    pub reviewed_decision_id: String,
    /// The decision the review stored, if any.
    pub new_decision_id: Option<String>,
    /// When the review was completed.
    pub created_at: i64,
    /// When the task was created (for time-to-review figures).
    pub task_created_at: i64,
}

const TASK_COLUMNS: &str = "id, queue, kind, content_id, decision_id, appeal_id, priority, \
     status, lease_owner, lease_expires_at, created_at";

pub(crate) fn task_from_row(row: &sqlx::any::AnyRow) -> Result<ReviewTask, StoreError> {
    let read = || StoreError::database("read review task");
    Ok(ReviewTask {
        id: row.try_get("id").map_err(read())?,
        queue: row.try_get("queue").map_err(read())?,
        kind: row.try_get("kind").map_err(read())?,
        content_id: row.try_get("content_id").map_err(read())?,
        decision_id: row.try_get("decision_id").map_err(read())?,
        appeal_id: row.try_get("appeal_id").map_err(read())?,
        priority: row.try_get("priority").map_err(read())?,
        status: row.try_get("status").map_err(read())?,
        lease_owner: row.try_get("lease_owner").map_err(read())?,
        lease_expires_at: row.try_get("lease_expires_at").map_err(read())?,
        created_at: row.try_get("created_at").map_err(read())?,
    })
}

async fn fetch_task(
    executor: impl sqlx::Executor<'_, Database = Any>,
    task_id: i64,
) -> Result<Option<ReviewTask>, StoreError> {
    let query = format!("SELECT {TASK_COLUMNS} FROM review_tasks WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(query))
        .bind(task_id)
        .fetch_optional(executor)
        .await
        .map_err(StoreError::database("find review task"))?;
    row.as_ref().map(task_from_row).transpose()
}

fn review_from_row(row: &sqlx::any::AnyRow) -> Result<ReviewRecord, StoreError> {
    let read = || StoreError::database("read review");
    let actions_json: String = row.try_get("actions_json").map_err(read())?;
    Ok(ReviewRecord {
        id: row.try_get("id").map_err(read())?,
        task_id: row.try_get("task_id").map_err(read())?,
        kind: row.try_get("kind").map_err(read())?,
        queue: row.try_get("queue").map_err(read())?,
        appeal_id: row.try_get("appeal_id").map_err(read())?,
        reviewer: row.try_get("reviewer").map_err(read())?,
        outcome: row.try_get("outcome").map_err(read())?,
        actions: serde_json::from_str(&actions_json)
            .map_err(StoreError::json("reviews.actions_json"))?,
        reason: row.try_get("reason").map_err(read())?,
        dissent: row.try_get("dissent").map_err(read())?,
        reviewed_decision_id: row.try_get("reviewed_decision_id").map_err(read())?,
        new_decision_id: row.try_get("new_decision_id").map_err(read())?,
        created_at: row.try_get("created_at").map_err(read())?,
        task_created_at: row.try_get("task_created_at").map_err(read())?,
    })
}

/// The reviewed decision and the decisions made by review before it whose
/// strikes it carried over, newest first.
///
/// A review that keeps a strike does not write new strike rows (that would
/// count the same violation twice): the strikes stay on the decision that
/// first imposed them. So reversing a reviewed decision must reach back
/// through review-made decisions to the one that imposed the strikes.
async fn carried_decisions(
    transaction: &mut Transaction<'_, Any>,
    reviewed_decision_id: &str,
) -> Result<Vec<String>, StoreError> {
    let mut chain = vec![reviewed_decision_id.to_owned()];
    let mut current = reviewed_decision_id.to_owned();
    while chain.len() < MAX_REVIEW_CHAIN {
        let row = sqlx::query(
            "SELECT decided_by, previous_decision_id FROM decisions WHERE decision_id = $1",
        )
        .bind(&current)
        .fetch_optional(&mut **transaction)
        .await
        .map_err(StoreError::database("read decision chain"))?;
        let Some(row) = row else { break };
        let decided_by: String = row
            .try_get("decided_by")
            .map_err(StoreError::database("read decision chain"))?;
        let previous: Option<String> = row
            .try_get("previous_decision_id")
            .map_err(StoreError::database("read decision chain"))?;
        match previous {
            Some(previous)
                if decided_by != crate::decisions::SYSTEM_DECIDER && !chain.contains(&previous) =>
            {
                chain.push(previous.clone());
                current = previous;
            }
            _ => break,
        }
    }
    Ok(chain)
}

/// Withdraws the strikes and lifts the live restrictions of `decision_ids`
/// at `now_ms`, and describes what changed for the audit payload.
async fn reverse_account_outcome(
    transaction: &mut Transaction<'_, Any>,
    decision_ids: &[String],
    now_ms: i64,
) -> Result<serde_json::Value, StoreError> {
    let mut strikes_withdrawn = 0_u64;
    let mut restrictions_lifted = 0_u64;
    for decision_id in decision_ids {
        strikes_withdrawn += sqlx::query(
            "UPDATE strikes SET withdrawn = 1 WHERE decision_id = $1 AND withdrawn = 0",
        )
        .bind(decision_id)
        .execute(&mut **transaction)
        .await
        .map_err(StoreError::database("withdraw strikes"))?
        .rows_affected();
        restrictions_lifted += sqlx::query(
            "UPDATE account_restrictions SET ends_at = $1, permanent = 0, lifted_at = $2 \
             WHERE decision_id = $3 AND lifted_at IS NULL AND (ends_at IS NULL OR ends_at > $4)",
        )
        .bind(now_ms)
        .bind(now_ms)
        .bind(decision_id)
        .bind(now_ms)
        .execute(&mut **transaction)
        .await
        .map_err(StoreError::database("lift account restrictions"))?
        .rows_affected();
    }
    Ok(serde_json::json!({
        "decisions": decision_ids,
        "strikes_withdrawn": strikes_withdrawn,
        "restrictions_lifted": restrictions_lifted,
    }))
}

async fn live_strikes(
    transaction: &mut Transaction<'_, Any>,
    decision_ids: &[String],
) -> Result<u64, StoreError> {
    let mut count = 0;
    for decision_id in decision_ids {
        count += sqlx::query("SELECT id FROM strikes WHERE decision_id = $1 AND withdrawn = 0")
            .bind(decision_id)
            .fetch_all(&mut **transaction)
            .await
            .map_err(StoreError::database("read strikes"))?
            .len() as u64;
    }
    Ok(count)
}

impl Store {
    /// Counts per queue of the tasks not done. Every known queue is listed,
    /// empty or not, followed by any other queue in name order.
    pub async fn queue_summaries(&self, now_ms: i64) -> Result<Vec<QueueSummary>, StoreError> {
        let rows = sqlx::query(
            "SELECT queue, \
             SUM(CASE WHEN status = 'open' OR lease_expires_at IS NULL OR lease_expires_at <= $1 \
                 THEN 1 ELSE 0 END) AS open_count, \
             SUM(CASE WHEN status = 'claimed' AND lease_expires_at > $2 \
                 THEN 1 ELSE 0 END) AS claimed_count, \
             MIN(created_at) AS oldest_created_at \
             FROM review_tasks WHERE status <> 'done' GROUP BY queue ORDER BY queue",
        )
        .bind(now_ms)
        .bind(now_ms)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::database("summarise queues"))?;
        let read = || StoreError::database("read queue summary");
        let mut found = Vec::with_capacity(rows.len());
        for row in &rows {
            found.push(QueueSummary {
                name: row.try_get("queue").map_err(read())?,
                open: row.try_get("open_count").map_err(read())?,
                claimed: row.try_get("claimed_count").map_err(read())?,
                oldest_created_at: row.try_get("oldest_created_at").map_err(read())?,
            });
        }
        let mut summaries: Vec<QueueSummary> = KNOWN_QUEUES
            .iter()
            .map(|name| {
                found
                    .iter()
                    .find(|summary| summary.name == *name)
                    .cloned()
                    .unwrap_or_else(|| QueueSummary {
                        name: (*name).to_owned(),
                        open: 0,
                        claimed: 0,
                        oldest_created_at: None,
                    })
            })
            .collect();
        summaries.extend(
            found
                .into_iter()
                .filter(|summary| !KNOWN_QUEUES.contains(&summary.name.as_str())),
        );
        Ok(summaries)
    }

    /// Claims the next task of `queue` for `reviewer` with a lease of
    /// `lease_ms`, or returns `None` when there is nothing to claim.
    ///
    /// The reviewer's own claimed task comes back first (with its lease
    /// renewed); then the highest priority, then the oldest. Tasks under
    /// someone else's live lease are skipped, and so are appeal tasks whose
    /// appealed decision `reviewer` made. Two reviewers never get the same
    /// task: the claim is a conditional update inside a write transaction.
    pub async fn claim_next_task(
        &self,
        queue: &str,
        reviewer: &str,
        lease_ms: i64,
        now_ms: i64,
    ) -> Result<Option<ReviewTask>, StoreError> {
        let lease_expires_at = now_ms.saturating_add(lease_ms);
        let mut transaction = self.begin_write("claim review task").await?;
        // Writers are serialised by `begin_write`, so the conditional update
        // below cannot lose a race; the retry only guards the invariant.
        for _attempt in 0..8 {
            let candidate = sqlx::query(
                "SELECT t.id, t.status, t.lease_owner FROM review_tasks t \
                 LEFT JOIN appeals a ON a.id = t.appeal_id \
                 WHERE t.queue = $1 AND t.status <> 'done' \
                 AND (t.status = 'open' OR t.lease_owner = $2 OR t.lease_expires_at IS NULL \
                      OR t.lease_expires_at <= $3) \
                 AND (a.id IS NULL OR (a.original_decider <> $4 AND NOT EXISTS \
                      (SELECT 1 FROM decisions d WHERE d.content_id = t.content_id \
                       AND d.decided_by = $4))) \
                 ORDER BY CASE WHEN t.status = 'claimed' AND t.lease_owner = $5 THEN 0 ELSE 1 END, \
                 t.priority DESC, t.created_at, t.id LIMIT 1",
            )
            .bind(queue)
            .bind(reviewer)
            .bind(now_ms)
            .bind(reviewer)
            .bind(reviewer)
            .fetch_optional(&mut *transaction)
            .await
            .map_err(StoreError::database("find task to claim"))?;
            let Some(candidate) = candidate else {
                transaction
                    .rollback()
                    .await
                    .map_err(StoreError::database("claim review task"))?;
                return Ok(None);
            };
            let read = || StoreError::database("read task to claim");
            let task_id: i64 = candidate.try_get("id").map_err(read())?;
            let previous_status: String = candidate.try_get("status").map_err(read())?;
            let previous_owner: Option<String> = candidate.try_get("lease_owner").map_err(read())?;
            let claimed = sqlx::query(
                "UPDATE review_tasks SET status = 'claimed', lease_owner = $1, \
                 lease_expires_at = $2 WHERE id = $3 AND status <> 'done' \
                 AND (status = 'open' OR lease_owner = $4 OR lease_expires_at IS NULL \
                      OR lease_expires_at <= $5)",
            )
            .bind(reviewer)
            .bind(lease_expires_at)
            .bind(task_id)
            .bind(reviewer)
            .bind(now_ms)
            .execute(&mut *transaction)
            .await
            .map_err(StoreError::database("claim review task"))?;
            if claimed.rows_affected() == 0 {
                continue;
            }
            let task = fetch_task(&mut *transaction, task_id)
                .await?
                .ok_or(StoreError::TaskNotFound { task_id })?;
            let taken_over = previous_status == "claimed"
                && previous_owner
                    .as_deref()
                    .is_some_and(|owner| owner != reviewer);
            // Claiming again a task one already holds only renews the lease: no new entry,
            // so polling a queue cannot flood the audit log.
            let renewed =
                previous_status == "claimed" && previous_owner.as_deref() == Some(reviewer);
            if !renewed {
                let payload = serde_json::json!({
                    "task_id": task.id,
                    "queue": task.queue,
                    "kind": task.kind,
                    "decision_id": task.decision_id,
                    "appeal_id": task.appeal_id,
                    "reviewer": reviewer,
                    "lease_expires_at": lease_expires_at,
                    "expired_lease_of": if taken_over { previous_owner } else { None },
                });
                append_audit(
                    &mut transaction,
                    "task.claimed",
                    &task.content_id,
                    &payload,
                    now_ms,
                )
                .await?;
            }
            transaction
                .commit()
                .await
                .map_err(StoreError::database("commit task claim"))?;
            return Ok(Some(task));
        }
        transaction
            .rollback()
            .await
            .map_err(StoreError::database("claim review task"))?;
        Ok(None)
    }

    /// A task by id.
    pub async fn find_task(&self, id: i64) -> Result<Option<ReviewTask>, StoreError> {
        fetch_task(&self.pool, id).await
    }

    /// Number of tasks not done, in every queue.
    pub async fn open_tasks_total(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS total FROM review_tasks WHERE status <> 'done'")
            .fetch_one(&self.pool)
            .await
            .map_err(StoreError::database("count open tasks"))?;
        row.try_get("total")
            .map_err(StoreError::database("count open tasks"))
    }

    /// Completes `task_id` for `reviewer`, who must hold its live lease.
    ///
    /// In one transaction: stores the review; when `new_decision` is given,
    /// stores it (decided by `reviewer`, replacing the task's decision) and
    /// makes it the content's current decision; when that decision has no
    /// strike, withdraws the strikes and lifts the restrictions of the
    /// reviewed decision (and of the review-made decisions it carried them
    /// from) at `now_ms`; marks the task done; resolves the reports linked to
    /// it; and decides the appeal of an appeal task.
    ///
    /// A new decision that keeps a strike writes no new strikes when the
    /// reviewed decision's strikes are still live: they stand, once. When the
    /// reviewed decision had none (e.g. an `allow` overturned on appeal), the
    /// new decision's strikes and measure are written.
    pub async fn complete_review(
        &self,
        task_id: i64,
        reviewer: &str,
        input: &ReviewInput,
        new_decision: Option<&Decision>,
        item_content_id: &str,
        now_ms: i64,
    ) -> Result<CompletedReview, StoreError> {
        let mut transaction = self.begin_write("complete review").await?;
        let task = fetch_task(&mut *transaction, task_id)
            .await?
            .ok_or(StoreError::TaskNotFound { task_id })?;
        if task.status == "done" {
            return Err(StoreError::TaskAlreadyDone { task_id });
        }
        if let Some(appeal_id) = task.appeal_id {
            let row = sqlx::query("SELECT original_decider FROM appeals WHERE id = $1")
                .bind(appeal_id)
                .fetch_optional(&mut *transaction)
                .await
                .map_err(StoreError::database("read appeal"))?;
            if let Some(row) = row {
                let original_decider: String = row
                    .try_get("original_decider")
                    .map_err(StoreError::database("read appeal"))?;
                // Separation of duties covers the whole chain: whoever made any decision on
                // this content (the appealed one, or a later change) may not decide its appeal.
                let decided_in_chain = sqlx::query(
                    "SELECT 1 AS found FROM decisions WHERE content_id = $1 AND decided_by = $2 LIMIT 1",
                )
                .bind(&task.content_id)
                .bind(reviewer)
                .fetch_optional(&mut *transaction)
                .await
                .map_err(StoreError::database("read decision chain"))?
                .is_some();
                if original_decider == reviewer || decided_in_chain {
                    return Err(StoreError::SameReviewer {
                        appeal_id,
                        reviewer: reviewer.to_owned(),
                    });
                }
            }
        }
        let holds_lease = task.status == "claimed"
            && task.lease_owner.as_deref() == Some(reviewer)
            && task
                .lease_expires_at
                .is_some_and(|expires| expires > now_ms);
        if !holds_lease {
            return Err(StoreError::TaskConflict {
                task_id,
                reviewer: reviewer.to_owned(),
                lease_owner: task.lease_owner.clone(),
                lease_expires_at: task.lease_expires_at,
            });
        }
        // A review acts on the decision in force: a task opened on a decision that another
        // review has since replaced would otherwise overwrite the newer one and hide it.
        let current: Option<String> =
            sqlx::query("SELECT current_decision_id FROM content_items WHERE id = $1")
                .bind(&task.content_id)
                .fetch_optional(&mut *transaction)
                .await
                .map_err(StoreError::database("read current decision"))?
                .map(|row| row.try_get("current_decision_id"))
                .transpose()
                .map_err(StoreError::database("read current decision"))?
                .flatten();
        if let Some(current) = current
            && current != task.decision_id
        {
            return Err(StoreError::DecisionNotCurrent {
                decision_id: task.decision_id.clone(),
                current_decision_id: current,
            });
        }
        for content_id in
            std::iter::once(item_content_id).chain(new_decision.map(|d| d.content_id.as_str()))
        {
            if content_id != task.content_id {
                return Err(StoreError::ContentMismatch {
                    task_id,
                    task_content_id: task.content_id.clone(),
                    content_id: content_id.to_owned(),
                });
            }
        }

        let mut decision_audit = None;
        if let Some(decision) = new_decision {
            let row = sqlx::query("SELECT account_id FROM content_items WHERE id = $1")
                .bind(&task.content_id)
                .fetch_optional(&mut *transaction)
                .await
                .map_err(StoreError::database("read content item"))?;
            let account_id: Option<String> = match row {
                Some(row) => row
                    .try_get("account_id")
                    .map_err(StoreError::database("read content item"))?,
                None => None,
            };
            let InsertedDecision {
                decision_json,
                action,
            } = insert_decision(
                &mut transaction,
                decision,
                &DecisionRow {
                    content_id: &task.content_id,
                    decided_by: reviewer,
                    previous_decision_id: Some(&task.decision_id),
                    account_id: account_id.as_deref(),
                    idempotency_key: None,
                },
                now_ms,
            )
            .await?;
            let carried = carried_decisions(&mut transaction, &task.decision_id).await?;
            let mut reversal = serde_json::Value::Null;
            let mut account = serde_json::Value::Null;
            if !has_strike(decision) {
                if live_strikes(&mut transaction, &carried).await? > 0 {
                    reversal = reverse_account_outcome(&mut transaction, &carried, now_ms).await?;
                }
                if let Some(account_id) = &account_id {
                    account = apply_account_outcome(&mut transaction, account_id, decision, now_ms)
                        .await?;
                }
            } else if live_strikes(&mut transaction, &carried).await? == 0
                && let Some(account_id) = &account_id
            {
                account =
                    apply_account_outcome(&mut transaction, account_id, decision, now_ms).await?;
            }
            sqlx::query("UPDATE content_items SET current_decision_id = $1 WHERE id = $2")
                .bind(&decision.decision_id)
                .bind(&task.content_id)
                .execute(&mut *transaction)
                .await
                .map_err(StoreError::database("move current decision"))?;
            decision_audit = Some(serde_json::json!({
                "decision_id": decision.decision_id,
                "content_id": task.content_id,
                "previous_decision_id": task.decision_id,
                "policy": {
                    "id": decision.policy.id,
                    "version": decision.policy.version,
                    "digest": decision.policy.digest,
                },
                "action": action,
                "decided_by": reviewer,
                "decision_sha256": sha256_hex(decision_json.as_bytes()),
                "review_task_id": task.id,
                "account": account,
                "reversed": reversal,
            }));
        }
        let new_decision_id = new_decision.map(|decision| decision.decision_id.clone());

        let actions_json =
            serde_json::to_string(&input.actions).map_err(StoreError::json("review actions"))?;
        let public_interest_json = input
            .public_interest
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(StoreError::json("review public interest"))?;
        let row = sqlx::query(
            "INSERT INTO reviews (task_id, reviewer, outcome, actions_json, reason, dissent, \
             public_interest_json, reviewed_decision_id, new_decision_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(task.id)
        .bind(reviewer)
        .bind(&input.outcome)
        .bind(&actions_json)
        .bind(&input.reason)
        .bind(input.dissent.as_deref())
        .bind(public_interest_json.as_deref())
        .bind(&task.decision_id)
        .bind(new_decision_id.as_deref())
        .bind(now_ms)
        .fetch_one(&mut *transaction)
        .await
        .map_err(StoreError::database("insert review"))?;
        let review_id: i64 = row
            .try_get("id")
            .map_err(StoreError::database("insert review"))?;

        sqlx::query("UPDATE review_tasks SET status = 'done' WHERE id = $1")
            .bind(task.id)
            .execute(&mut *transaction)
            .await
            .map_err(StoreError::database("close review task"))?;
        let resolved_reports: Vec<i64> = sqlx::query(
            "UPDATE reports SET status = 'resolved', outcome = $1, resolved_at = $2 \
             WHERE task_id = $3 AND status = 'open' RETURNING id",
        )
        .bind(&input.outcome)
        .bind(now_ms)
        .bind(task.id)
        .fetch_all(&mut *transaction)
        .await
        .map_err(StoreError::database("resolve reports"))?
        .iter()
        .map(|row| row.try_get::<i64, _>("id"))
        .collect::<Result<_, _>>()
        .map_err(StoreError::database("resolve reports"))?;
        if let Some(appeal_id) = task.appeal_id {
            sqlx::query(
                "UPDATE appeals SET status = 'decided', outcome = $1, reason = $2, \
                 reviewer = $3, decided_at = $4 WHERE id = $5",
            )
            .bind(&input.outcome)
            .bind(&input.reason)
            .bind(reviewer)
            .bind(now_ms)
            .bind(appeal_id)
            .execute(&mut *transaction)
            .await
            .map_err(StoreError::database("decide appeal"))?;
        }

        if let Some(payload) = &decision_audit {
            append_audit(
                &mut transaction,
                "decision.recorded",
                &task.content_id,
                payload,
                now_ms,
            )
            .await?;
        }
        let payload = serde_json::json!({
            "review_id": review_id,
            "task_id": task.id,
            "queue": task.queue,
            "kind": task.kind,
            "reviewer": reviewer,
            "outcome": input.outcome,
            "actions": input.actions,
            "reason": input.reason,
            "dissent": input.dissent,
            "reviewed_decision_id": task.decision_id,
            "new_decision_id": new_decision_id,
            "resolved_reports": resolved_reports,
        });
        append_audit(
            &mut transaction,
            "review.completed",
            &task.content_id,
            &payload,
            now_ms,
        )
        .await?;
        if let Some(appeal_id) = task.appeal_id {
            let payload = serde_json::json!({
                "appeal_id": appeal_id,
                "decision_id": task.decision_id,
                "reviewer": reviewer,
                "outcome": input.outcome,
                "reason": input.reason,
                "new_decision_id": new_decision_id,
            });
            append_audit(
                &mut transaction,
                "appeal.decided",
                &task.content_id,
                &payload,
                now_ms,
            )
            .await?;
        }
        let task = fetch_task(&mut *transaction, task.id)
            .await?
            .ok_or(StoreError::TaskNotFound { task_id })?;
        transaction
            .commit()
            .await
            .map_err(StoreError::database("commit review"))?;
        Ok(CompletedReview {
            review_id,
            appeal_id: task.appeal_id,
            task,
            new_decision_id,
        })
    }

    /// Reviews completed in `[from_ms, to_ms)`, oldest first.
    pub async fn reviews_between(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<ReviewRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.id, r.task_id, t.kind, t.queue, t.appeal_id, r.reviewer, r.outcome, \
             r.actions_json, r.reason, r.dissent, r.reviewed_decision_id, r.new_decision_id, \
             r.created_at, t.created_at AS task_created_at \
             FROM reviews r JOIN review_tasks t ON t.id = r.task_id \
             WHERE r.created_at >= $1 AND r.created_at < $2 ORDER BY r.created_at, r.id",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::database("list reviews"))?;
        rows.iter().map(review_from_row).collect()
    }
}
