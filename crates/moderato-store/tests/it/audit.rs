//! The audit chain: concurrent appends, tampering with rows directly in SQL,
//! and export re-verification without a database.
//!
//! Tampering here goes around the store on purpose; the store itself must
//! never update or delete audit entries.

use moderato_store::{AuditProblemKind, Store, VerifyReport, verify_audit_jsonl};

use crate::support::{TestDatabase, databases};

const ENTRIES: i64 = 10;

async fn append_entries(store: &Store, count: i64) {
    for index in 1..=count {
        let payload = serde_json::json!({"index": index, "note": "entry", "score": 0.25});
        store
            .append_audit_event("test.event", &format!("subject-{index}"), &payload, index)
            .await
            .unwrap();
    }
}

async fn tamper(database: &TestDatabase, statements: &[&'static str]) {
    let raw = database.raw().await;
    for statement in statements {
        sqlx::query(*statement).execute(&raw).await.unwrap();
    }
    raw.close().await;
}

/// Sets up `ENTRIES` entries, applies `statements` and checks the first
/// problem reported.
async fn check(statements: &[&'static str], expected_seq: i64, expected_kind: AuditProblemKind) {
    for database in databases().await {
        append_entries(&database.store, ENTRIES).await;
        assert!(database.store.verify_audit().await.unwrap().ok);
        tamper(&database, statements).await;
        let report = database.store.verify_audit().await.unwrap();
        let label = database.label;
        assert!(!report.ok, "{label}: tampering not detected: {report:?}");
        let problem = report.first_problem.unwrap();
        assert_eq!(problem.seq, expected_seq, "{label}: {problem:?}");
        assert_eq!(problem.kind, expected_kind, "{label}: {problem:?}");
        database.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_appends_keep_the_chain_intact() {
    for database in databases().await {
        let mut tasks = Vec::new();
        for task in 0..8 {
            let store = database.store.clone();
            tasks.push(tokio::spawn(async move {
                for index in 0..20 {
                    let payload = serde_json::json!({"task": task, "index": index});
                    store
                        .append_audit_event("test.concurrent", &format!("task-{task}"), &payload, 1)
                        .await
                        .unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let report = database.store.verify_audit().await.unwrap();
        assert!(report.ok, "{}: {report:?}", database.label);
        assert_eq!(report.entries, 160, "{}", database.label);
        assert_eq!(report.last_seq, 160, "{}", database.label);
        database.cleanup().await;
    }
}

#[tokio::test]
async fn altered_payload_is_reported_at_its_seq() {
    check(
        &["UPDATE audit_log SET payload_json = '{\"index\":4,\"note\":\"edited\",\"score\":0.25}' WHERE seq = 4"],
        4,
        AuditProblemKind::Altered,
    )
    .await;
}

#[tokio::test]
async fn deleted_middle_entry_is_reported_as_removed() {
    check(
        &["DELETE FROM audit_log WHERE seq = 5"],
        5,
        AuditProblemKind::Removed { next_seq: Some(6) },
    )
    .await;
}

#[tokio::test]
async fn deleted_last_entry_is_reported_against_the_head() {
    check(
        &["DELETE FROM audit_log WHERE seq = 10"],
        10,
        AuditProblemKind::Removed { next_seq: None },
    )
    .await;
}

#[tokio::test]
async fn swapped_entries_are_reported_as_reordered() {
    check(
        &[
            "UPDATE audit_log SET seq = -1 WHERE seq = 3",
            "UPDATE audit_log SET seq = 3 WHERE seq = 7",
            "UPDATE audit_log SET seq = 7 WHERE seq = -1",
        ],
        3,
        AuditProblemKind::Reordered,
    )
    .await;
}

fn verify_lines(lines: &[String]) -> VerifyReport {
    let text = lines.join("\n");
    verify_audit_jsonl(text.as_bytes()).unwrap()
}

#[tokio::test]
async fn export_round_trips_and_tampered_export_is_detected() {
    for database in databases().await {
        let label = database.label;
        append_entries(&database.store, ENTRIES).await;
        let mut export = Vec::new();
        let written = database
            .store
            .export_audit_jsonl(&mut export)
            .await
            .unwrap();
        assert_eq!(written, ENTRIES as u64, "{label}");
        let stored = database.store.verify_audit().await.unwrap();
        let exported = verify_audit_jsonl(export.as_slice()).unwrap();
        assert!(exported.ok, "{label}: {exported:?}");
        assert_eq!(exported.entries, ENTRIES as u64, "{label}");
        assert_eq!(exported.last_hash, stored.last_hash, "{label}");

        let lines: Vec<String> = String::from_utf8(export)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();

        let mut altered = lines.clone();
        altered[2] = altered[2].replace("\"note\":\"entry\"", "\"note\":\"forged\"");
        assert_ne!(altered[2], lines[2], "{label}: replacement did not apply");
        let report = verify_lines(&altered);
        let problem = report.first_problem.unwrap();
        assert_eq!(
            (problem.seq, problem.kind),
            (3, AuditProblemKind::Altered),
            "{label}"
        );

        let mut removed = lines.clone();
        removed.remove(5);
        let problem = verify_lines(&removed).first_problem.unwrap();
        assert_eq!(
            (problem.seq, problem.kind),
            (6, AuditProblemKind::Removed { next_seq: Some(7) }),
            "{label}"
        );

        let mut garbled = lines.clone();
        garbled[7] = "{not json".to_owned();
        let problem = verify_lines(&garbled).first_problem.unwrap();
        assert_eq!(
            (problem.seq, problem.kind),
            (8, AuditProblemKind::Altered),
            "{label}"
        );

        let mut truncated = lines.clone();
        truncated.pop();
        let report = verify_lines(&truncated);
        // A truncated export is internally consistent; it is caught by
        // comparing its last hash with the published head.
        assert!(report.ok, "{label}");
        assert_ne!(report.last_hash, stored.last_hash, "{label}");
        database.cleanup().await;
    }
}

/// Issue 12 §8: the history page verifies only what was appended since the
/// last verified entry, and notices when that entry itself was rewritten.
#[tokio::test]
async fn verification_since_a_verified_entry_reads_only_the_new_part() {
    for database in databases().await {
        let label = database.label;
        let store = &database.store;
        append_entries(store, ENTRIES).await;
        let full = store
            .verify_audit_since(0, moderato_store::GENESIS_HASH)
            .await
            .unwrap();
        assert!(full.ok, "{label}: {full:?}");
        assert_eq!((full.entries, full.last_seq), (10, 10), "{label}");
        append_entries(store, 5).await;
        let since = store.verify_audit_since(10, &full.last_hash).await.unwrap();
        assert!(since.ok, "{label}: {since:?}");
        assert_eq!((since.entries, since.last_seq), (5, 15), "{label}");
        let nothing_new = store
            .verify_audit_since(15, &since.last_hash)
            .await
            .unwrap();
        assert!(nothing_new.ok, "{label}: {nothing_new:?}");
        assert_eq!(nothing_new.entries, 0, "{label}");

        // An entry after the verified one, edited: found at its seq.
        tamper(
            &database,
            &["UPDATE audit_log SET payload_json = '{\"edited\":true}' WHERE seq = 12"],
        )
        .await;
        let edited = store.verify_audit_since(10, &full.last_hash).await.unwrap();
        assert!(!edited.ok, "{label}");
        assert_eq!(edited.first_problem.unwrap().seq, 12, "{label}");
        // The verified entry itself rewritten: found even with nothing after it read.
        tamper(
            &database,
            &["UPDATE audit_log SET hash = 'feed' WHERE seq = 10"],
        )
        .await;
        let rewritten = store.verify_audit_since(10, &full.last_hash).await.unwrap();
        let problem = rewritten.first_problem.unwrap();
        assert_eq!(
            (problem.seq, &problem.kind),
            (10, &AuditProblemKind::Altered),
            "{label}"
        );
        assert!(
            problem.message.contains("rewritten"),
            "{label}: {problem:?}"
        );
        database.cleanup().await;
    }
}

/// Issue 12 §8: one subject's entries, newest first, a page at a time.
#[tokio::test]
async fn a_subjects_entries_come_in_pages() {
    for database in databases().await {
        let label = database.label;
        let store = &database.store;
        for index in 1..=7_i64 {
            let subject = if index % 2 == 1 { "post-1" } else { "post-2" };
            store
                .append_audit_event(
                    "test.event",
                    subject,
                    &serde_json::json!({"i": index}),
                    index,
                )
                .await
                .unwrap();
        }
        let first = store
            .audit_entries_for_subject("post-1", None, 3)
            .await
            .unwrap();
        let seqs: Vec<i64> = first.iter().map(|entry| entry.seq).collect();
        assert_eq!(seqs, vec![7, 5, 3], "{label}");
        let second = store
            .audit_entries_for_subject("post-1", Some(3), 3)
            .await
            .unwrap();
        let seqs: Vec<i64> = second.iter().map(|entry| entry.seq).collect();
        assert_eq!(seqs, vec![1], "{label}");
        database.cleanup().await;
    }
}
