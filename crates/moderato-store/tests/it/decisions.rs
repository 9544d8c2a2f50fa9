//! Recording decisions: first submission, idempotent resubmission, edits and
//! review task creation.
//!
//! These tests must never build a decision through policy evaluation: the
//! store only stores what it is given.

use moderato_store::RecordOutcome;
use sqlx::Row;

use crate::support::{databases, decision, item};

#[tokio::test]
async fn record_resubmit_and_edit_link_decisions() {
    for database in databases().await {
        let store = &database.store;
        let label = database.label;
        let first = store
            .record_decision(
                &item("post-1", "hello"),
                &decision("d1", "post-1", false, None),
                1_000,
            )
            .await
            .unwrap();
        let RecordOutcome::Recorded(first) = first else {
            panic!("{label}: first submission was not recorded: {first:?}");
        };
        assert_eq!(first.previous_decision_id, None, "{label}");
        assert_eq!(first.review_task_id, None, "{label}");

        // The same text again returns the stored decision and writes nothing.
        let again = store
            .record_decision(
                &item("post-1", "hello"),
                &decision("d2", "post-1", false, None),
                2_000,
            )
            .await
            .unwrap();
        let RecordOutcome::Existing(existing) = again else {
            panic!("{label}: resubmission was recorded again: {again:?}");
        };
        assert_eq!(existing["decision_id"], "d1", "{label}");
        assert!(
            store.find_decision("d2").await.unwrap().is_none(),
            "{label}"
        );

        // An edit stores a new decision linked to the earlier one.
        let edited = store
            .record_decision(
                &item("post-1", "hello, edited"),
                &decision("d3", "post-1", false, None),
                3_000,
            )
            .await
            .unwrap();
        let RecordOutcome::Recorded(edited) = edited else {
            panic!("{label}: edit was not recorded: {edited:?}");
        };
        assert_eq!(
            edited.previous_decision_id.as_deref(),
            Some("d1"),
            "{label}"
        );
        let current = store
            .find_content_decision("post-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(current.decision_id, "d3", "{label}");
        assert_eq!(
            current.previous_decision_id.as_deref(),
            Some("d1"),
            "{label}"
        );
        assert_eq!(current.decision["action"], "remove", "{label}");
        assert!(
            store
                .find_content_decision("post-2")
                .await
                .unwrap()
                .is_none()
        );

        // Two decisions, two audit entries, and the chain holds.
        let report = store.verify_audit().await.unwrap();
        assert!(report.ok, "{label}: {report:?}");
        assert_eq!(report.entries, 2, "{label}");
        database.cleanup().await;
    }
}

#[tokio::test]
async fn review_required_creates_a_task_in_the_right_queue() {
    for database in databases().await {
        let store = &database.store;
        let label = database.label;
        let outcomes = [
            ("post-a", "da", None),
            ("post-b", "db", Some(true)),
            ("post-c", "dc", Some(false)),
        ];
        for (content_id, decision_id, eligible) in outcomes {
            let outcome = store
                .record_decision(
                    &item(content_id, "text"),
                    &decision(decision_id, content_id, true, eligible),
                    1_000,
                )
                .await
                .unwrap();
            let RecordOutcome::Recorded(recorded) = outcome else {
                panic!("{label}: not recorded");
            };
            assert!(recorded.review_task_id.is_some(), "{label}");
        }
        let raw = database.raw().await;
        let rows = sqlx::query(
            "SELECT decision_id, queue, priority, status FROM review_tasks ORDER BY decision_id",
        )
        .fetch_all(&raw)
        .await
        .unwrap();
        let tasks: Vec<(String, String, f64, String)> = rows
            .iter()
            .map(|row| {
                (
                    row.get("decision_id"),
                    row.get("queue"),
                    row.get("priority"),
                    row.get("status"),
                )
            })
            .collect();
        assert_eq!(
            tasks,
            vec![
                ("da".into(), "default".into(), 7.5, "open".into()),
                ("db".into(), "public_interest".into(), 7.5, "open".into()),
                ("dc".into(), "default".into(), 7.5, "open".into()),
            ],
            "{label}"
        );
        raw.close().await;
        database.cleanup().await;
    }
}
