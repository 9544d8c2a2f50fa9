//! `verify_tables` (issue 12 §6, `audit verify --deep`): the decisions,
//! strikes, restrictions and content tables checked against the chain.
//!
//! Each tampering goes around the store in SQL, as an attacker with database
//! access would, and leaves the hash chain itself intact: only the deep check
//! can see it.

use moderato_store::Store;

use crate::support::{
    TestDatabase, allow_decision, databases, item, review_input, struck_decision,
};

/// post-1: d1 (a strike and a 7-day suspension), reported and overturned by
/// bob into d2 (strike withdrawn, suspension lifted). post-2 and post-3,
/// recorded as a batch: d3 (a strike and a permanent suspension) and d4 (a
/// strike).
async fn populate(store: &Store) {
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
    store
        .record_decisions(
            &[
                (
                    item("post-2", "another threat"),
                    struck_decision(
                        "d3",
                        "post-2",
                        1,
                        90,
                        Some(("suspend_account", None)),
                        false,
                    ),
                ),
                (
                    item("post-3", "a third one"),
                    struck_decision("d4", "post-3", 2, 30, None, false),
                ),
            ],
            1_500,
        )
        .await
        .unwrap();
    let report = moderato_store::NewReport {
        content_id: "post-1".to_owned(),
        reason: "threat".to_owned(),
        rule: None,
        text: None,
        reporter_contact: None,
        priority: 1.0,
    };
    let task_id = store
        .create_report(&report, 2_000)
        .await
        .unwrap()
        .task_id
        .unwrap();
    store
        .claim_next_task("reports", "bob", 60_000, 3_000)
        .await
        .unwrap()
        .unwrap();
    let mut input = review_input("overturn");
    input.actions = vec!["allow".to_owned()];
    store
        .complete_review(
            task_id,
            "bob",
            &input,
            Some(&allow_decision("d2", "post-1")),
            "post-1",
            4_000,
        )
        .await
        .unwrap();
}

async fn tampered(statement: &'static str, expected_table: &str, expected_words: &str) {
    for database in databases().await {
        let label = database.label;
        populate(&database.store).await;
        let clean = database.store.verify_tables().await.unwrap();
        assert!(clean.ok(), "{label}: untouched tables reported: {clean:?}");
        assert_eq!(
            (
                clean.chain_decisions,
                clean.decisions,
                clean.strikes,
                clean.restrictions,
                clean.contents
            ),
            (4, 4, 3, 2, 3),
            "{label}: {clean:?}"
        );
        run(&database, statement).await;
        assert!(
            database.store.verify_audit().await.unwrap().ok,
            "{label}: the chain itself must still verify"
        );
        let report = database.store.verify_tables().await.unwrap();
        assert!(
            !report.ok(),
            "{label}: `{statement}` not detected: {report:?}"
        );
        let problem = &report.problems[0];
        assert_eq!(problem.table, expected_table, "{label}: {report:?}");
        assert!(
            problem.message.contains(expected_words),
            "{label}: `{}` does not say `{expected_words}`",
            problem.message
        );
        database.cleanup().await;
    }
}

async fn run(database: &TestDatabase, statement: &'static str) {
    let raw = database.raw().await;
    sqlx::query(statement).execute(&raw).await.unwrap();
    raw.close().await;
}

#[tokio::test]
async fn a_withdrawn_strike_without_a_review_is_found() {
    tampered(
        "UPDATE strikes SET withdrawn = 1 WHERE decision_id = 'd3'",
        "strikes",
        "no review in the chain reversed",
    )
    .await;
}

#[tokio::test]
async fn a_deleted_strike_is_found() {
    tampered(
        "DELETE FROM strikes WHERE decision_id = 'd4'",
        "strikes",
        "strike of decision d4 (audit entry",
    )
    .await;
}

#[tokio::test]
async fn a_strike_the_chain_never_recorded_is_found() {
    tampered(
        "INSERT INTO strikes (account_id, decision_id, weight, created_at, expires_at, withdrawn) \
         VALUES ('account-9', 'd2', 3, 5000, 999999999, 0)",
        "strikes",
        "never recorded",
    )
    .await;
}

#[tokio::test]
async fn a_lightened_strike_is_found() {
    tampered(
        "UPDATE strikes SET weight = 1 WHERE decision_id = 'd4'",
        "strikes",
        "weight 1 (chain: 2)",
    )
    .await;
}

#[tokio::test]
async fn a_changed_action_is_found() {
    tampered(
        "UPDATE decisions SET action = 'allow' WHERE decision_id = 'd3'",
        "decisions",
        "action allow (chain: remove)",
    )
    .await;
}

#[tokio::test]
async fn rewritten_decision_json_is_found() {
    tampered(
        "UPDATE decisions SET decision_json = '{}' WHERE decision_id = 'd4'",
        "decisions",
        "SHA-256 differs",
    )
    .await;
}

#[tokio::test]
async fn a_deleted_decision_is_found() {
    tampered(
        "DELETE FROM decisions WHERE decision_id = 'd2'",
        "decisions",
        "decision d2 (audit entry",
    )
    .await;
}

#[tokio::test]
async fn a_reinstated_suspension_is_found() {
    tampered(
        "UPDATE account_restrictions SET lifted_at = NULL, ends_at = NULL, permanent = 1 \
         WHERE decision_id = 'd1'",
        "account_restrictions",
        "still in force, but a review in the chain lifted it",
    )
    .await;
}

#[tokio::test]
async fn a_shortened_suspension_is_found() {
    tampered(
        "UPDATE account_restrictions SET ends_at = 2000, permanent = 0 WHERE decision_id = 'd3'",
        "account_restrictions",
        "end 2000 (chain: never (permanent))",
    )
    .await;
}

#[tokio::test]
async fn a_moved_current_decision_is_found() {
    tampered(
        "UPDATE content_items SET current_decision_id = 'd1' WHERE id = 'post-1'",
        "content_items",
        "shows decision d1 but the chain's last decision for it is d2",
    )
    .await;
}
