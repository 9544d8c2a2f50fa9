//! Appeals: filing an appeal against a content's current decision (which
//! opens an appeal task), and looking appeals up.
//!
//! Appeals are decided through [`Store::complete_review`] on their task. This
//! module must never decide an appeal itself, and the appellant's statement
//! enters the audit log only as a hash.

use serde::Serialize;
use sqlx::Row;

use crate::audit::{append_audit, sha256_hex};
use crate::error::StoreError;
use crate::reviews::APPEALS_QUEUE;
use crate::store::Store;

const DAY_MS: i64 = 86_400_000;

/// Priority of an appeal task when the appealed decision states none.
const DEFAULT_APPEAL_PRIORITY: f64 = 1.0;

/// An appeal against a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppealRecord {
    /// Appeal id.
    pub id: i64,
    /// The decision appealed.
    pub decision_id: String,
    /// The content it is about.
    pub content_id: String,
    /// Who appealed.
    pub appellant: String,
    /// The appellant's statement.
    pub statement: String,
    /// `open` or `decided`.
    pub status: String,
    /// Who made the appealed decision (`system` for automated decisions);
    /// they may not decide the appeal.
    pub original_decider: String,
    /// Who decided the appeal.
    pub reviewer: Option<String>,
    /// `uphold`, `overturn` or `change`, once decided.
    pub outcome: Option<String>,
    /// The reviewer's reason, once decided.
    pub reason: Option<String>,
    /// The appeal task.
    pub task_id: i64,
    /// When the appeal was filed.
    pub created_at: i64,
    /// When it was decided.
    pub decided_at: Option<i64>,
}

fn appeal_from_row(row: &sqlx::any::AnyRow) -> Result<AppealRecord, StoreError> {
    let read = || StoreError::database("read appeal");
    let task_id: Option<i64> = row.try_get("task_id").map_err(read())?;
    let id: i64 = row.try_get("id").map_err(read())?;
    Ok(AppealRecord {
        id,
        decision_id: row.try_get("decision_id").map_err(read())?,
        content_id: row.try_get("content_id").map_err(read())?,
        appellant: row.try_get("appellant").map_err(read())?,
        statement: row.try_get("statement").map_err(read())?,
        status: row.try_get("status").map_err(read())?,
        original_decider: row.try_get("original_decider").map_err(read())?,
        reviewer: row.try_get("reviewer").map_err(read())?,
        outcome: row.try_get("outcome").map_err(read())?,
        reason: row.try_get("reason").map_err(read())?,
        task_id: task_id.ok_or_else(|| StoreError::InvalidStoredValue {
            what: "appeals.task_id",
            message: format!("appeal {id} has no task"),
        })?,
        created_at: row.try_get("created_at").map_err(read())?,
        decided_at: row.try_get("decided_at").map_err(read())?,
    })
}

impl Store {
    /// Files an appeal against `decision_id` and opens its task in the
    /// `appeals` queue, with an audit entry.
    ///
    /// The decision must exist, be its content's current decision and be at
    /// most `window_days` old; it may have no open appeal. Decisions that
    /// restricted nothing can be appealed too. The task's priority is the
    /// decision's review priority, or 1.0.
    ///
    /// An appeal against a measure (any action above `allow`) must come from the author of the
    /// content (the account it was stored under) where the content has one; a decision to leave
    /// content up may be appealed by anyone who reported it. `filed_by` (the token that filed
    /// it: the platform, or an admin acting for the author) is recorded in the audit entry.
    pub async fn create_appeal(
        &self,
        decision_id: &str,
        appellant: &str,
        statement: &str,
        filed_by: &str,
        window_days: u32,
        now_ms: i64,
    ) -> Result<AppealRecord, StoreError> {
        let mut transaction = self.begin_write("create appeal").await?;
        let row = sqlx::query(
            "SELECT d.content_id, d.decided_by, d.created_at, d.decision_json, \
             c.current_decision_id, c.account_id FROM decisions d \
             LEFT JOIN content_items c ON c.id = d.content_id WHERE d.decision_id = $1",
        )
        .bind(decision_id)
        .fetch_optional(&mut *transaction)
        .await
        .map_err(StoreError::database("read decision"))?;
        let Some(row) = row else {
            return Err(StoreError::UnknownDecision {
                decision_id: decision_id.to_owned(),
            });
        };
        let read = || StoreError::database("read decision");
        let content_id: String = row.try_get("content_id").map_err(read())?;
        let original_decider: String = row.try_get("decided_by").map_err(read())?;
        let decided_at: i64 = row.try_get("created_at").map_err(read())?;
        let decision_json: String = row.try_get("decision_json").map_err(read())?;
        let current_decision_id: Option<String> =
            row.try_get("current_decision_id").map_err(read())?;
        let author: Option<String> = row.try_get("account_id").map_err(read())?;
        if current_decision_id.as_deref() != Some(decision_id) {
            return Err(StoreError::DecisionNotCurrent {
                decision_id: decision_id.to_owned(),
                current_decision_id: current_decision_id.unwrap_or_default(),
            });
        }
        let closed_at = decided_at.saturating_add(i64::from(window_days) * DAY_MS);
        if now_ms > closed_at {
            return Err(StoreError::AppealWindowClosed {
                decision_id: decision_id.to_owned(),
                window_days,
                closed_at,
            });
        }
        let open = sqlx::query(
            "SELECT id FROM appeals WHERE decision_id = $1 AND status = 'open' LIMIT 1",
        )
        .bind(decision_id)
        .fetch_optional(&mut *transaction)
        .await
        .map_err(StoreError::database("find open appeal"))?;
        if let Some(open) = open {
            return Err(StoreError::AppealAlreadyOpen {
                decision_id: decision_id.to_owned(),
                appeal_id: open
                    .try_get("id")
                    .map_err(StoreError::database("find open appeal"))?,
            });
        }
        let decision: serde_json::Value = serde_json::from_str(&decision_json)
            .map_err(StoreError::json("decisions.decision_json"))?;
        // Only the author may contest a measure against their content; a decision to leave
        // content up may also be contested by whoever reported it (DSA Art. 20).
        let restricts = decision["action"]
            .as_str()
            .is_some_and(|action| action != "allow");
        if restricts
            && let Some(author) = author
            && author != appellant
        {
            return Err(StoreError::NotTheAuthor {
                appellant: appellant.to_owned(),
                content_id,
            });
        }
        let priority = decision["review"]["priority"]
            .as_f64()
            .unwrap_or(DEFAULT_APPEAL_PRIORITY);

        let row = sqlx::query(
            "INSERT INTO appeals (decision_id, content_id, appellant, statement, status, \
             original_decider, created_at) VALUES ($1, $2, $3, $4, 'open', $5, $6) RETURNING id",
        )
        .bind(decision_id)
        .bind(&content_id)
        .bind(appellant)
        .bind(statement)
        .bind(&original_decider)
        .bind(now_ms)
        .fetch_one(&mut *transaction)
        .await
        .map_err(StoreError::database("insert appeal"))?;
        let id: i64 = row
            .try_get("id")
            .map_err(StoreError::database("insert appeal"))?;
        let row = sqlx::query(
            "INSERT INTO review_tasks (content_id, decision_id, queue, kind, appeal_id, priority, \
             status, created_at) VALUES ($1, $2, $3, 'appeal', $4, $5, 'open', $6) RETURNING id",
        )
        .bind(&content_id)
        .bind(decision_id)
        .bind(APPEALS_QUEUE)
        .bind(id)
        .bind(priority)
        .bind(now_ms)
        .fetch_one(&mut *transaction)
        .await
        .map_err(StoreError::database("create appeal task"))?;
        let task_id: i64 = row
            .try_get("id")
            .map_err(StoreError::database("create appeal task"))?;
        sqlx::query("UPDATE appeals SET task_id = $1 WHERE id = $2")
            .bind(task_id)
            .bind(id)
            .execute(&mut *transaction)
            .await
            .map_err(StoreError::database("link appeal task"))?;

        let payload = serde_json::json!({
            "appeal_id": id,
            "decision_id": decision_id,
            "content_id": content_id,
            "appellant": appellant,
            "filed_by": filed_by,
            "statement_sha256": sha256_hex(statement.as_bytes()),
            "original_decider": original_decider,
            "task_id": task_id,
            "priority": priority,
        });
        append_audit(
            &mut transaction,
            "appeal.created",
            &content_id,
            &payload,
            now_ms,
        )
        .await?;
        transaction
            .commit()
            .await
            .map_err(StoreError::database("commit appeal"))?;
        Ok(AppealRecord {
            id,
            decision_id: decision_id.to_owned(),
            content_id,
            appellant: appellant.to_owned(),
            statement: statement.to_owned(),
            status: "open".to_owned(),
            original_decider,
            reviewer: None,
            outcome: None,
            reason: None,
            task_id,
            created_at: now_ms,
            decided_at: None,
        })
    }

    /// An appeal by id.
    pub async fn find_appeal(&self, id: i64) -> Result<Option<AppealRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT id, decision_id, content_id, appellant, statement, status, original_decider, \
             reviewer, outcome, reason, task_id, created_at, decided_at FROM appeals WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::database("find appeal"))?;
        row.as_ref().map(appeal_from_row).transpose()
    }

    /// Appeals filed in `[from_ms, to_ms)`, oldest first.
    pub async fn appeals_between(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<AppealRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, decision_id, content_id, appellant, statement, status, original_decider, \
             reviewer, outcome, reason, task_id, created_at, decided_at FROM appeals \
             WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at, id",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::database("list appeals"))?;
        rows.iter().map(appeal_from_row).collect()
    }
}
