//! Reports, review queues, leases and completing reviews: a report opens a
//! task, reviewers claim it under a lease, and an overturn withdraws the
//! strikes and restriction of the reviewed decision.
//!
//! These tests must never build a decision through policy evaluation: the
//! store only stores what it is given.

use std::collections::HashSet;

use moderato_store::{NewReport, StoreError};

use crate::support::{allow_decision, databases, item, review_input, struck_decision};

const LEASE_MS: i64 = 60_000;
const CONTACT: &str = "reporter@example.org";

fn report(content_id: &str, priority: f64) -> NewReport {
    NewReport {
        content_id: content_id.to_owned(),
        reason: "threat".to_owned(),
        rule: Some("violence.threat".to_owned()),
        text: Some("this threatens someone".to_owned()),
        reporter_contact: Some(CONTACT.to_owned()),
        priority,
    }
}

#[tokio::test]
async fn report_claim_lease_and_overturn_withdraws_strikes_and_resolves_reports() {
    for database in databases().await {
        let store = &database.store;
        let label = database.label;
        store
            .record_decision(
                &item("post-1", "you will regret this"),
                &struck_decision(
                    "d1",
                    "post-1",
                    1,
                    90,
                    Some(("suspend_account", Some(7))),
                    false,
                ),
                1_000,
            )
            .await
            .unwrap();
        assert_eq!(
            store.active_strike_count("account-1", 2_000).await.unwrap(),
            1,
            "{label}"
        );
        assert_eq!(
            store.find_decision("d1").await.unwrap().unwrap().decided_by,
            "system",
            "{label}"
        );

        let unknown = store.create_report(&report("post-404", 1.0), 2_000).await;
        assert!(
            matches!(unknown, Err(StoreError::UnknownContent { ref content_id }) if content_id == "post-404"),
            "{label}: {unknown:?}"
        );

        // The first report opens a task; the second joins it and raises it.
        let first = store
            .create_report(&report("post-1", 3.0), 2_000)
            .await
            .unwrap();
        let second = store
            .create_report(&report("post-1", 5.0), 2_500)
            .await
            .unwrap();
        let task_id = first.task_id.unwrap();
        assert_eq!(second.task_id, Some(task_id), "{label}");
        assert_eq!(first.status, "open", "{label}");
        let task = store.find_task(task_id).await.unwrap().unwrap();
        assert_eq!(
            (
                task.queue.as_str(),
                task.kind.as_str(),
                task.decision_id.as_str()
            ),
            ("reports", "report", "d1"),
            "{label}"
        );
        assert_eq!(task.priority, 5.0, "{label}");
        let reports = store
            .queue_summaries(3_000)
            .await
            .unwrap()
            .into_iter()
            .find(|summary| summary.name == "reports")
            .unwrap();
        assert_eq!(
            (reports.open, reports.claimed, reports.oldest_created_at),
            (1, 0, Some(2_000)),
            "{label}"
        );

        // A claims; B finds nothing while A's lease lives; A gets it back.
        let claimed = store
            .claim_next_task("reports", "alice", LEASE_MS, 3_000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(claimed.id, task_id, "{label}");
        assert_eq!(claimed.lease_owner.as_deref(), Some("alice"), "{label}");
        assert!(
            store
                .claim_next_task("reports", "bob", LEASE_MS, 4_000)
                .await
                .unwrap()
                .is_none(),
            "{label}"
        );
        let entries_before = store.audit_entries().await.unwrap().len();
        let reclaimed = store
            .claim_next_task("reports", "alice", LEASE_MS, 5_000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (reclaimed.id, reclaimed.lease_expires_at),
            (task_id, Some(5_000 + LEASE_MS)),
            "{label}"
        );
        // Issue 12 §8: renewing one's own lease appends no audit entry.
        assert_eq!(
            store.audit_entries().await.unwrap().len(),
            entries_before,
            "{label}"
        );
        let reports = store
            .queue_summaries(6_000)
            .await
            .unwrap()
            .into_iter()
            .find(|summary| summary.name == "reports")
            .unwrap();
        assert_eq!((reports.open, reports.claimed), (0, 1), "{label}");

        // After the lease expires it counts as open and B can take it over.
        let expired_at = 5_000 + LEASE_MS + 1;
        let reports = store
            .queue_summaries(expired_at)
            .await
            .unwrap()
            .into_iter()
            .find(|summary| summary.name == "reports")
            .unwrap();
        assert_eq!((reports.open, reports.claimed), (1, 0), "{label}");
        let taken = store
            .claim_next_task("reports", "bob", LEASE_MS, expired_at)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(taken.id, task_id, "{label}");
        let late = store
            .complete_review(
                task_id,
                "alice",
                &review_input("uphold"),
                None,
                "post-1",
                expired_at + 1,
            )
            .await;
        assert!(
            matches!(late, Err(StoreError::TaskConflict { ref lease_owner, .. }) if lease_owner.as_deref() == Some("bob")),
            "{label}: {late:?}"
        );

        // B overturns: the strike is withdrawn and the suspension ends now.
        let now = expired_at + 2;
        let mut input = review_input("overturn");
        input.actions = vec!["allow".to_owned()];
        input.dissent = Some("borderline".to_owned());
        let completed = store
            .complete_review(
                task_id,
                "bob",
                &input,
                Some(&allow_decision("d2", "post-1")),
                "post-1",
                now,
            )
            .await
            .unwrap();
        assert_eq!(completed.new_decision_id.as_deref(), Some("d2"), "{label}");
        assert_eq!(completed.task.status, "done", "{label}");
        assert_eq!(completed.appeal_id, None, "{label}");
        let current = store
            .find_content_decision("post-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                current.decision_id.as_str(),
                current.decided_by.as_str(),
                current.previous_decision_id.as_deref()
            ),
            ("d2", "bob", Some("d1")),
            "{label}"
        );
        assert_eq!(
            store.active_strike_count("account-1", now).await.unwrap(),
            0,
            "{label}"
        );
        let standing = store.account_standing("account-1", now).await.unwrap();
        assert_eq!(standing.active_strikes, 0, "{label}");
        assert_eq!(standing.strikes.len(), 1, "{label}");
        assert!(standing.strikes[0].withdrawn, "{label}");
        assert_eq!(standing.restrictions.len(), 1, "{label}");
        let restriction = &standing.restrictions[0];
        assert_eq!(
            (
                restriction.action.as_str(),
                restriction.ends_at,
                restriction.lifted_at,
                restriction.permanent
            ),
            ("suspend_account", Some(now), Some(now), false),
            "{label}"
        );
        for id in [first.id, second.id] {
            let resolved = store.find_report(id).await.unwrap().unwrap();
            assert_eq!(
                (
                    resolved.status.as_str(),
                    resolved.outcome.as_deref(),
                    resolved.resolved_at
                ),
                ("resolved", Some("overturn"), Some(now)),
                "{label}"
            );
        }

        let again = store
            .complete_review(task_id, "bob", &input, None, "post-1", now + 1)
            .await;
        assert!(
            matches!(again, Err(StoreError::TaskAlreadyDone { task_id: id }) if id == task_id),
            "{label}: {again:?}"
        );
        let missing = store
            .complete_review(9_999, "bob", &input, None, "post-1", now + 1)
            .await;
        assert!(
            matches!(missing, Err(StoreError::TaskNotFound { task_id: 9_999 })),
            "{label}: {missing:?}"
        );
        assert_eq!(store.open_tasks_total().await.unwrap(), 0, "{label}");

        let reviews = store.reviews_between(0, i64::MAX).await.unwrap();
        assert_eq!(reviews.len(), 1, "{label}");
        let review = &reviews[0];
        assert_eq!(
            (
                review.kind.as_str(),
                review.reviewer.as_str(),
                review.outcome.as_str(),
                review.reviewed_decision_id.as_str(),
                review.new_decision_id.as_deref(),
                review.dissent.as_deref(),
                review.task_created_at,
                review.created_at
            ),
            (
                "report",
                "bob",
                "overturn",
                "d1",
                Some("d2"),
                Some("borderline"),
                2_000,
                now
            ),
            "{label}"
        );
        assert_eq!(review.actions, vec!["allow".to_owned()], "{label}");
        let decisions = store.decisions_between(0, i64::MAX).await.unwrap();
        let deciders: Vec<(&str, &str)> = decisions
            .iter()
            .map(|decision| (decision.decision_id.as_str(), decision.decided_by.as_str()))
            .collect();
        assert_eq!(deciders, vec![("d1", "system"), ("d2", "bob")], "{label}");
        assert!(store.decisions_between(0, 1_000).await.unwrap().is_empty());

        // The chain holds, records every step, and never holds the contact.
        let report = store.verify_audit().await.unwrap();
        assert!(report.ok, "{label}: {report:?}");
        let entries = store.audit_entries().await.unwrap();
        let kinds: Vec<&str> = entries.iter().map(|entry| entry.kind.as_str()).collect();
        assert_eq!(
            kinds,
            vec![
                "decision.recorded",
                "report.created",
                "report.created",
                // Alice's claim and Bob's takeover; Alice renewing her own lease adds nothing.
                "task.claimed",
                "task.claimed",
                "decision.recorded",
                "review.completed",
            ],
            "{label}"
        );
        for entry in &entries {
            assert!(
                !entry.payload.to_string().contains(CONTACT),
                "{label}: contact in audit entry {}",
                entry.seq
            );
        }
        database.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claimers_never_get_the_same_task() {
    for database in databases().await {
        let store = &database.store;
        let label = database.label;
        const TASKS: usize = 6;
        const CLAIMERS: usize = 12;
        for index in 0..TASKS {
            let content_id = format!("post-{index}");
            store
                .record_decision(
                    &item(&content_id, "text"),
                    &allow_decision(&format!("d{index}"), &content_id),
                    1_000,
                )
                .await
                .unwrap();
            store
                .create_report(&report(&content_id, index as f64), 2_000)
                .await
                .unwrap();
        }
        let mut handles = Vec::new();
        for claimer in 0..CLAIMERS {
            let store = store.clone();
            handles.push(tokio::spawn(async move {
                store
                    .claim_next_task("reports", &format!("reviewer-{claimer}"), LEASE_MS, 3_000)
                    .await
                    .unwrap()
            }));
        }
        let mut claimed = Vec::new();
        for handle in handles {
            if let Some(task) = handle.await.unwrap() {
                claimed.push(task);
            }
        }
        assert_eq!(claimed.len(), TASKS, "{label}: {claimed:?}");
        let ids: HashSet<i64> = claimed.iter().map(|task| task.id).collect();
        assert_eq!(ids.len(), TASKS, "{label}: a task was claimed twice");
        let owners: HashSet<&str> = claimed
            .iter()
            .filter_map(|task| task.lease_owner.as_deref())
            .collect();
        assert_eq!(owners.len(), TASKS, "{label}");
        let summary = store.queue_summaries(3_000).await.unwrap();
        let reports = summary.iter().find(|s| s.name == "reports").unwrap();
        assert_eq!(
            (reports.open, reports.claimed),
            (0, TASKS as i64),
            "{label}"
        );
        let report = store.verify_audit().await.unwrap();
        assert!(report.ok, "{label}: {report:?}");
        database.cleanup().await;
    }
}

#[tokio::test]
async fn claims_take_the_highest_priority_then_the_oldest() {
    for database in databases().await {
        let store = &database.store;
        let label = database.label;
        for (index, (priority, at)) in [(1.0, 1_000), (9.0, 3_000), (9.0, 2_000)]
            .into_iter()
            .enumerate()
        {
            let content_id = format!("post-{index}");
            store
                .record_decision(
                    &item(&content_id, "text"),
                    &allow_decision(&format!("d{index}"), &content_id),
                    at,
                )
                .await
                .unwrap();
            store
                .create_report(&report(&content_id, priority), at)
                .await
                .unwrap();
        }
        let mut order = Vec::new();
        while let Some(task) = store
            .claim_next_task("reports", &format!("r{}", order.len()), LEASE_MS, 5_000)
            .await
            .unwrap()
        {
            order.push(task.content_id);
        }
        assert_eq!(order, vec!["post-2", "post-1", "post-0"], "{label}");
        database.cleanup().await;
    }
}
