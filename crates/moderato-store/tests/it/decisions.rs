//! Recording decisions: first submission, idempotent resubmission, edits and
//! review task creation.
//!
//! These tests must never build a decision through policy evaluation: the
//! store only stores what it is given.

use moderato_core::content::ContentItem;
use moderato_core::decision::Decision;
use moderato_store::{RecordOutcome, Store, StoreError};
use sqlx::{AnyPool, Row};

use crate::support::{allow_decision, databases, decision, item, item_by, struck_decision};

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

/// Every row of `sql`, each column read as `i` (BIGINT), `f` (DOUBLE) or
/// `t` (TEXT), rendered for comparison.
async fn dump(raw: &AnyPool, sql: &'static str, kinds: &str) -> Vec<Vec<String>> {
    let rows = sqlx::query(sql).fetch_all(raw).await.unwrap();
    rows.iter()
        .map(|row| {
            assert_eq!(row.len(), kinds.len(), "{sql}");
            kinds
                .chars()
                .enumerate()
                .map(|(index, kind)| match kind {
                    'i' => format!("{:?}", row.get::<Option<i64>, _>(index)),
                    'f' => format!("{:?}", row.get::<Option<f64>, _>(index)),
                    _ => format!("{:?}", row.get::<Option<String>, _>(index)),
                })
                .collect()
        })
        .collect()
}

/// Everything `record_decision(s)` writes, in a comparable form.
async fn stored_state(raw: &AnyPool) -> Vec<Vec<Vec<String>>> {
    vec![
        dump(
            raw,
            "SELECT decision_id, content_id, previous_decision_id, policy_id, policy_version, \
             policy_digest, action, review_required, decision_json, decided_by, account_id, \
             created_at FROM decisions ORDER BY decision_id",
            "tttttttittti",
        )
        .await,
        dump(
            raw,
            "SELECT id, text, item_json, author_id, account_id, submitted_at, \
             current_decision_id FROM content_items ORDER BY id",
            "tttttit",
        )
        .await,
        dump(
            raw,
            "SELECT id, account_id, decision_id, weight, created_at, expires_at, withdrawn \
             FROM strikes ORDER BY id",
            "ittiiii",
        )
        .await,
        dump(
            raw,
            "SELECT id, account_id, decision_id, action, starts_at, ends_at, permanent \
             FROM account_restrictions ORDER BY id",
            "itttiii",
        )
        .await,
        dump(
            raw,
            "SELECT id, content_id, decision_id, queue, kind, priority, status, created_at \
             FROM review_tasks ORDER BY id",
            "ittttfti",
        )
        .await,
        dump(
            raw,
            "SELECT seq, created_at, kind, subject, payload_json, prev_hash, hash \
             FROM audit_log ORDER BY seq",
            "iittttt",
        )
        .await,
        dump(raw, "SELECT seq, hash FROM audit_head", "it").await,
    ]
}

/// Decisions recorded before the batch, so that it meets stored items.
async fn seed(store: &Store) {
    store
        .record_decision(
            &item("old-same", "unchanged"),
            &decision("s1", "old-same", false, None),
            500,
        )
        .await
        .unwrap();
    store
        .record_decision(
            &item("old-edit", "before"),
            &decision("s2", "old-edit", true, None),
            600,
        )
        .await
        .unwrap();
}

/// A batch with every case: new items, a content id repeated (resubmitted
/// unchanged, then edited), resubmissions and edits of stored items, strikes,
/// account measures, review tasks in both queues and an item without account.
fn mixed_batch() -> Vec<(ContentItem, Decision)> {
    vec![
        (
            item("a", "first"),
            struck_decision("b1", "a", 1, 30, Some(("limit_account", Some(3))), true),
        ),
        (item("b", "second"), decision("b2", "b", true, Some(true))),
        // Same content id and text as earlier in the batch: nothing written.
        (
            item("a", "first"),
            struck_decision("b3", "a", 2, 30, None, true),
        ),
        (
            item("old-same", "unchanged"),
            decision("b4", "old-same", true, None),
        ),
        // Edits: of an item earlier in the batch and of a stored item.
        (
            item("a", "first, edited"),
            struck_decision("b5", "a", 2, 90, Some(("terminate_account", None)), false),
        ),
        (item("old-edit", "after"), allow_decision("b6", "old-edit")),
        (
            item_by("c", "nobody's", None, None),
            struck_decision("b7", "c", 1, 30, None, true),
        ),
        (
            item_by("d", "by handle", None, Some("handle-1")),
            struck_decision("b8", "d", 1, 30, None, false),
        ),
        (item("b", "second"), decision("b9", "b", false, None)),
        (
            item("a", "first, edited twice"),
            decision("b10", "a", true, Some(false)),
        ),
        (
            item("a", "first, edited twice"),
            decision("b11", "a", false, None),
        ),
    ]
}

#[tokio::test]
async fn record_decisions_matches_recording_one_by_one() {
    for (single, batched) in databases().await.into_iter().zip(databases().await) {
        let label = single.label;
        assert_eq!(label, batched.label);
        seed(&single.store).await;
        seed(&batched.store).await;
        let batch = mixed_batch();

        let mut one_by_one = Vec::new();
        for (item, decision) in &batch {
            one_by_one.push(
                single
                    .store
                    .record_decision(item, decision, 1_000)
                    .await
                    .unwrap(),
            );
        }
        let together = batched.store.record_decisions(&batch, 1_000).await.unwrap();
        assert_eq!(together, one_by_one, "{label}");
        let existing: Vec<usize> = together
            .iter()
            .enumerate()
            .filter(|(_, outcome)| matches!(outcome, RecordOutcome::Existing(_)))
            .map(|(index, _)| index)
            .collect();
        assert_eq!(existing, vec![2, 3, 8, 10], "{label}");

        let single_raw = single.raw().await;
        let batched_raw = batched.raw().await;
        let expected = stored_state(&single_raw).await;
        assert_eq!(stored_state(&batched_raw).await, expected, "{label}");
        assert_eq!(expected[5].len(), 2 + 7, "{label}: audit entries");
        let report = batched.store.verify_audit().await.unwrap();
        assert!(report.ok, "{label}: {report:?}");
        assert_eq!(report.entries, 9, "{label}");

        // A second batch continues the chain, and a batch of resubmissions
        // alone writes nothing.
        let again = vec![mixed_batch()[10].clone(), mixed_batch()[1].clone()];
        let together = batched.store.record_decisions(&again, 2_000).await.unwrap();
        assert!(
            together
                .iter()
                .all(|outcome| matches!(outcome, RecordOutcome::Existing(_))),
            "{label}"
        );
        let more = vec![
            (item("e", "new"), decision("b12", "e", true, None)),
            (
                item("b", "second, edited"),
                decision("b13", "b", false, None),
            ),
        ];
        let mut one_by_one = Vec::new();
        for (item, decision) in &more {
            one_by_one.push(
                single
                    .store
                    .record_decision(item, decision, 3_000)
                    .await
                    .unwrap(),
            );
        }
        let together = batched.store.record_decisions(&more, 3_000).await.unwrap();
        assert_eq!(together, one_by_one, "{label}");
        assert_eq!(
            stored_state(&batched_raw).await,
            stored_state(&single_raw).await,
            "{label}"
        );
        let report = batched.store.verify_audit().await.unwrap();
        assert!(report.ok && report.entries == 11, "{label}: {report:?}");

        single_raw.close().await;
        batched_raw.close().await;
        single.cleanup().await;
        batched.cleanup().await;
    }
}

#[tokio::test]
async fn record_decisions_with_a_taken_decision_id_writes_nothing() {
    for database in databases().await {
        let store = &database.store;
        let label = database.label;
        seed(store).await;
        let raw = database.raw().await;
        let before = stored_state(&raw).await;
        for batch in [
            // Taken by a stored decision.
            vec![
                (item("x", "one"), decision("x1", "x", true, None)),
                (item("y", "two"), decision("s2", "y", false, None)),
            ],
            // Taken earlier in the same batch.
            vec![
                (item("x", "one"), decision("x1", "x", true, None)),
                (item("y", "two"), decision("x1", "y", false, None)),
            ],
        ] {
            let error = store.record_decisions(&batch, 1_000).await.unwrap_err();
            assert!(
                matches!(&error, StoreError::DuplicateDecision { decision_id } if decision_id != "x"),
                "{label}: {error:?}"
            );
            assert_eq!(stored_state(&raw).await, before, "{label}");
        }
        raw.close().await;
        database.cleanup().await;
    }
}

/// The database itself refuses a second automated decision for the same item
/// (same id, text and predecessor): a stream worker that raced past the
/// store's own check could not write one. An edit back to an earlier text is
/// a new decision, since its predecessor differs.
#[tokio::test]
async fn the_idempotency_key_is_enforced_by_the_database() {
    for database in databases().await {
        let store = &database.store;
        let label = database.label;
        for (decision_id, text) in [("k1", "first"), ("k2", "second"), ("k3", "first")] {
            let outcome = store
                .record_decision(
                    &item("post-k", text),
                    &decision(decision_id, "post-k", false, None),
                    1_000,
                )
                .await
                .unwrap();
            assert!(
                matches!(outcome, RecordOutcome::Recorded(_)),
                "{label}: {decision_id} {outcome:?}"
            );
        }
        // A row with k1's key, written behind the store's back, is refused.
        let key = moderato_store::idempotency_key("post-k", "first", None);
        let pool = database.raw().await;
        let refused = sqlx::query(
            "INSERT INTO decisions (decision_id, content_id, previous_decision_id, policy_id, \
             policy_version, policy_digest, action, review_required, decision_json, decided_by, \
             account_id, created_at, idempotency_key) \
             VALUES ('k4', 'post-k', NULL, 'p', 'v', 'd', 'allow', 0, '{}', 'system', NULL, 1, $1)",
        )
        .bind(&key)
        .execute(&pool)
        .await;
        assert!(
            refused.is_err(),
            "{label}: a second decision with k1's key was stored"
        );
        let stored: i64 = sqlx::query("SELECT COUNT(*) FROM decisions WHERE content_id = 'post-k'")
            .fetch_one(&pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        assert_eq!(stored, 3, "{label}");
        pool.close().await;
        database.cleanup().await;
    }
}
