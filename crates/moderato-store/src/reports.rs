//! User reports (notices): storing a report and routing it to a review task,
//! and looking reports up.
//!
//! A reporter's contact is personal data: this module stores it but must
//! never copy it into an audit payload or return it. The report's free text
//! enters the audit log only as a hash.

use serde::Serialize;
use sqlx::Row;

use crate::audit::{append_audit, sha256_hex};
use crate::error::StoreError;
use crate::reviews::REPORTS_QUEUE;
use crate::store::Store;

/// A report as submitted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewReport {
    /// The content reported.
    pub content_id: String,
    /// Why it was reported.
    pub reason: String,
    /// The rule the reporter names, if any.
    pub rule: Option<String>,
    /// The reporter's explanation.
    pub text: Option<String>,
    /// How to reach the reporter; personal data, never audited or returned.
    pub reporter_contact: Option<String>,
    /// Priority of the review task the report opens (or raises).
    pub priority: f64,
}

/// A stored report, without the reporter's contact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportRecord {
    /// Report id.
    pub id: i64,
    /// The content reported.
    pub content_id: String,
    /// Why it was reported.
    pub reason: String,
    /// The rule the reporter named, if any.
    pub rule: Option<String>,
    /// The reporter's explanation.
    pub text: Option<String>,
    /// `open` or `resolved`.
    pub status: String,
    /// The review outcome, once resolved.
    pub outcome: Option<String>,
    /// The review task the report is routed to.
    pub task_id: Option<i64>,
    /// When the report was made.
    pub created_at: i64,
    /// When it was resolved.
    pub resolved_at: Option<i64>,
}

pub(crate) fn report_from_row(row: &sqlx::any::AnyRow) -> Result<ReportRecord, StoreError> {
    let read = || StoreError::database("read report");
    Ok(ReportRecord {
        id: row.try_get("id").map_err(read())?,
        content_id: row.try_get("content_id").map_err(read())?,
        reason: row.try_get("reason").map_err(read())?,
        rule: row.try_get("rule").map_err(read())?,
        text: row.try_get("text").map_err(read())?,
        status: row.try_get("status").map_err(read())?,
        outcome: row.try_get("outcome").map_err(read())?,
        task_id: row.try_get("task_id").map_err(read())?,
        created_at: row.try_get("created_at").map_err(read())?,
        resolved_at: row.try_get("resolved_at").map_err(read())?,
    })
}

impl Store {
    /// Stores a report and routes it to a review task, with its audit entry.
    ///
    /// When the content already has a task that is not done, the report is
    /// linked to it (raising its priority to the report's when that is
    /// higher); otherwise a `report` task is opened in the `reports` queue
    /// for the content's current decision. The report is resolved when that
    /// task's review completes.
    pub async fn create_report(
        &self,
        report: &NewReport,
        now_ms: i64,
    ) -> Result<ReportRecord, StoreError> {
        let mut transaction = self.begin_write("create report").await?;
        let row = sqlx::query("SELECT current_decision_id FROM content_items WHERE id = $1")
            .bind(&report.content_id)
            .fetch_optional(&mut *transaction)
            .await
            .map_err(StoreError::database("read content item"))?;
        let current_decision_id: Option<String> = match row {
            Some(row) => row
                .try_get("current_decision_id")
                .map_err(StoreError::database("read content item"))?,
            None => None,
        };
        let Some(current_decision_id) = current_decision_id else {
            return Err(StoreError::UnknownContent {
                content_id: report.content_id.clone(),
            });
        };

        let open_task = sqlx::query(
            "SELECT id, priority FROM review_tasks WHERE content_id = $1 AND status <> 'done' \
             ORDER BY id LIMIT 1",
        )
        .bind(&report.content_id)
        .fetch_optional(&mut *transaction)
        .await
        .map_err(StoreError::database("find open task"))?;
        let (task_id, task_created) = match open_task {
            Some(row) => {
                let read = || StoreError::database("read open task");
                let task_id: i64 = row.try_get("id").map_err(read())?;
                let priority: f64 = row.try_get("priority").map_err(read())?;
                if report.priority > priority {
                    sqlx::query("UPDATE review_tasks SET priority = $1 WHERE id = $2")
                        .bind(report.priority)
                        .bind(task_id)
                        .execute(&mut *transaction)
                        .await
                        .map_err(StoreError::database("raise task priority"))?;
                }
                (task_id, false)
            }
            None => {
                let row = sqlx::query(
                    "INSERT INTO review_tasks (content_id, decision_id, queue, kind, priority, \
                     status, created_at) VALUES ($1, $2, $3, 'report', $4, 'open', $5) \
                     RETURNING id",
                )
                .bind(&report.content_id)
                .bind(&current_decision_id)
                .bind(REPORTS_QUEUE)
                .bind(report.priority)
                .bind(now_ms)
                .fetch_one(&mut *transaction)
                .await
                .map_err(StoreError::database("create review task"))?;
                let task_id: i64 = row
                    .try_get("id")
                    .map_err(StoreError::database("create review task"))?;
                (task_id, true)
            }
        };

        let row = sqlx::query(
            "INSERT INTO reports (content_id, reason, rule, text, reporter_contact, priority, \
             status, task_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8) \
             RETURNING id",
        )
        .bind(&report.content_id)
        .bind(&report.reason)
        .bind(report.rule.as_deref())
        .bind(report.text.as_deref())
        .bind(report.reporter_contact.as_deref())
        .bind(report.priority)
        .bind(task_id)
        .bind(now_ms)
        .fetch_one(&mut *transaction)
        .await
        .map_err(StoreError::database("insert report"))?;
        let id: i64 = row
            .try_get("id")
            .map_err(StoreError::database("insert report"))?;

        // The contact never enters the log, and the free text only as a hash.
        let payload = serde_json::json!({
            "report_id": id,
            "content_id": report.content_id,
            "decision_id": current_decision_id,
            "reason": report.reason,
            "rule": report.rule,
            "text_sha256": report.text.as_deref().map(|text| sha256_hex(text.as_bytes())),
            "priority": report.priority,
            "task_id": task_id,
            "task_created": task_created,
        });
        append_audit(
            &mut transaction,
            "report.created",
            &report.content_id,
            &payload,
            now_ms,
        )
        .await?;
        transaction
            .commit()
            .await
            .map_err(StoreError::database("commit report"))?;
        Ok(ReportRecord {
            id,
            content_id: report.content_id.clone(),
            reason: report.reason.clone(),
            rule: report.rule.clone(),
            text: report.text.clone(),
            status: "open".to_owned(),
            outcome: None,
            task_id: Some(task_id),
            created_at: now_ms,
            resolved_at: None,
        })
    }

    /// A report by id.
    pub async fn find_report(&self, id: i64) -> Result<Option<ReportRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT id, content_id, reason, rule, text, status, outcome, task_id, created_at, \
             resolved_at FROM reports WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::database("find report"))?;
        row.as_ref().map(report_from_row).transpose()
    }
}
