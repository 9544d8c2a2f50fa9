//! Appeals: only against the current decision, within the window, once at a
//! time, and never decided by the person who made the appealed decision.
//!
//! These tests must never build a decision through policy evaluation: the
//! store only stores what it is given.

use moderato_store::StoreError;

use crate::support::{allow_decision, databases, item, review_input, struck_decision};

const LEASE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

#[tokio::test]
async fn appeal_of_a_reviewed_decision_is_decided_by_someone_else() {
    for database in databases().await {
        let store = &database.store;
        let label = database.label;
        store
            .record_decision(
                &item("post-1", "you will regret this"),
                &struck_decision("d1", "post-1", 1, 90, None, true),
                1_000,
            )
            .await
            .unwrap();

        // Xavier reviews the automated decision and keeps the strike.
        let task = store
            .claim_next_task("default", "xavier", LEASE_MS, 2_000)
            .await
            .unwrap()
            .unwrap();
        store
            .complete_review(
                task.id,
                "xavier",
                &review_input("change"),
                Some(&struck_decision("d2", "post-1", 1, 90, None, false)),
                "post-1",
                3_000,
            )
            .await
            .unwrap();
        // The strike stands once, not twice.
        assert_eq!(
            store.active_strike_count("account-1", 3_000).await.unwrap(),
            1,
            "{label}"
        );

        let replaced = store
            .create_appeal("d1", "account-1", "unfair", "platform", 30, 4_000)
            .await;
        assert!(
            matches!(replaced, Err(StoreError::DecisionNotCurrent { ref current_decision_id, .. }) if current_decision_id == "d2"),
            "{label}: {replaced:?}"
        );
        let appeal = store
            .create_appeal("d2", "account-1", "it was a joke", "platform", 30, 4_000)
            .await
            .unwrap();
        assert_eq!(
            (appeal.original_decider.as_str(), appeal.status.as_str()),
            ("xavier", "open"),
            "{label}"
        );
        let appeal_task = store.find_task(appeal.task_id).await.unwrap().unwrap();
        assert_eq!(
            (
                appeal_task.queue.as_str(),
                appeal_task.kind.as_str(),
                appeal_task.appeal_id,
                appeal_task.priority
            ),
            ("appeals", "appeal", Some(appeal.id), 7.5),
            "{label}"
        );
        let twice = store
            .create_appeal("d2", "account-1", "again", "platform", 30, 4_500)
            .await;
        assert!(
            matches!(twice, Err(StoreError::AppealAlreadyOpen { appeal_id, .. }) if appeal_id == appeal.id),
            "{label}: {twice:?}"
        );

        // Xavier cannot claim or decide it; Yvonne can.
        assert!(
            store
                .claim_next_task("appeals", "xavier", LEASE_MS, 5_000)
                .await
                .unwrap()
                .is_none(),
            "{label}"
        );
        let claimed = store
            .claim_next_task("appeals", "yvonne", LEASE_MS, 5_000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(claimed.id, appeal.task_id, "{label}");
        let same = store
            .complete_review(
                appeal.task_id,
                "xavier",
                &review_input("uphold"),
                None,
                "post-1",
                6_000,
            )
            .await;
        assert!(
            matches!(same, Err(StoreError::SameReviewer { ref reviewer, .. }) if reviewer == "xavier"),
            "{label}: {same:?}"
        );
        let completed = store
            .complete_review(
                appeal.task_id,
                "yvonne",
                &review_input("overturn"),
                Some(&allow_decision("d3", "post-1")),
                "post-1",
                6_000,
            )
            .await
            .unwrap();
        assert_eq!(completed.appeal_id, Some(appeal.id), "{label}");

        // The strike Xavier kept (imposed by d1) is withdrawn by the overturn.
        assert_eq!(
            store.active_strike_count("account-1", 6_000).await.unwrap(),
            0,
            "{label}"
        );
        let decided = store.find_appeal(appeal.id).await.unwrap().unwrap();
        assert_eq!(
            (
                decided.status.as_str(),
                decided.outcome.as_deref(),
                decided.reviewer.as_deref(),
                decided.reason.as_deref(),
                decided.decided_at
            ),
            (
                "decided",
                Some("overturn"),
                Some("yvonne"),
                Some("reviewed: overturn"),
                Some(6_000)
            ),
            "{label}"
        );
        assert_eq!(
            store.appeals_between(0, i64::MAX).await.unwrap(),
            vec![decided],
            "{label}"
        );
        let kinds: Vec<String> = store
            .audit_entries()
            .await
            .unwrap()
            .into_iter()
            .map(|entry| entry.kind)
            .collect();
        assert_eq!(
            kinds
                .iter()
                .filter(|kind| *kind == "appeal.decided")
                .count(),
            1,
            "{label}"
        );
        assert_eq!(
            kinds
                .iter()
                .filter(|kind| *kind == "appeal.created")
                .count(),
            1,
            "{label}"
        );
        let report = store.verify_audit().await.unwrap();
        assert!(report.ok, "{label}: {report:?}");
        database.cleanup().await;
    }
}

#[tokio::test]
async fn appeal_window_is_enforced_and_allow_decisions_can_be_appealed() {
    for database in databases().await {
        let store = &database.store;
        let label = database.label;
        store
            .record_decision(
                &item("post-1", "text"),
                &struck_decision("d1", "post-1", 1, 90, None, false),
                1_000,
            )
            .await
            .unwrap();
        store
            .record_decision(
                &item("post-2", "fine"),
                &allow_decision("d2", "post-2"),
                1_000,
            )
            .await
            .unwrap();

        let unknown = store
            .create_appeal("nope", "a", "s", "platform", 30, 2_000)
            .await;
        assert!(
            matches!(unknown, Err(StoreError::UnknownDecision { ref decision_id }) if decision_id == "nope"),
            "{label}: {unknown:?}"
        );
        let closed_at = 1_000 + 30 * DAY_MS;
        let late = store
            .create_appeal("d1", "account-1", "late", "platform", 30, closed_at + 1)
            .await;
        assert!(
            matches!(late, Err(StoreError::AppealWindowClosed { window_days: 30, closed_at: at, .. }) if at == closed_at),
            "{label}: {late:?}"
        );
        // Issue 12 §13: only the author contests a measure against their content.
        let stranger = store
            .create_appeal("d1", "someone-else", "restore it", "platform", 30, 2_000)
            .await;
        assert!(
            matches!(stranger, Err(StoreError::NotTheAuthor { ref appellant, .. }) if appellant == "someone-else"),
            "{label}: {stranger:?}"
        );
        let on_time = store
            .create_appeal("d1", "account-1", "just in time", "platform", 30, closed_at)
            .await
            .unwrap();
        assert_eq!(on_time.original_decider, "system", "{label}");

        // Appeals against non-action are allowed and take its review priority.
        let allow = store
            .create_appeal(
                "d2",
                "reporter-9",
                "should be removed",
                "platform",
                30,
                2_000,
            )
            .await
            .unwrap();
        let task = store.find_task(allow.task_id).await.unwrap().unwrap();
        assert_eq!(task.priority, 0.0, "{label}");
        let report = store.verify_audit().await.unwrap();
        assert!(report.ok, "{label}: {report:?}");
        database.cleanup().await;
    }
}
