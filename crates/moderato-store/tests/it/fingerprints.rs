//! Fingerprints of actioned content are stored, survive reopening the
//! database, come back oldest first and belong to a recorded decision.
//!
//! These tests must never depend on how fingerprints are computed: the store
//! only keeps hex text, so the values here are arbitrary.

use moderato_store::{Store, StoredFingerprint};

use crate::support::{databases, decision, item};

fn stored(
    decision_id: &str,
    content_id: &str,
    minhash_hex: &str,
    created_at: i64,
) -> StoredFingerprint {
    StoredFingerprint {
        decision_id: decision_id.to_owned(),
        content_id: content_id.to_owned(),
        scheme: "minhash-v1:w2c6:128x32".to_owned(),
        exact_sha256: moderato_store::sha256_hex(decision_id.as_bytes()),
        minhash_hex: minhash_hex.to_owned(),
        action: "remove".to_owned(),
        created_at,
    }
}

#[tokio::test]
async fn fingerprints_survive_reopening_and_come_back_oldest_first() {
    for database in databases().await {
        let store = &database.store;
        let label = database.label;
        for (decision_id, content_id) in [("d-1", "c-1"), ("d-2", "c-2")] {
            store
                .record_decision(
                    &item(content_id, "the same spam again"),
                    &decision(decision_id, content_id, false, None),
                    1_000,
                )
                .await
                .unwrap();
        }
        let audit_before = store.audit_entries().await.unwrap().len();
        let long_signature = "0a1b2c3d".repeat(128);
        let newer = stored("d-2", "c-2", &long_signature, 3_000);
        let older = stored("d-1", "c-1", "", 2_000);
        assert!(store.add_fingerprint(&newer).await.unwrap(), "{label}");
        assert!(store.add_fingerprint(&older).await.unwrap(), "{label}");

        // A second fingerprint for the same decision is ignored; the first stays.
        let mut again = newer.clone();
        again.action = "reduce_distribution".to_owned();
        assert!(!store.add_fingerprint(&again).await.unwrap(), "{label}");

        // Fingerprints follow from audited decisions and add no audit entry.
        assert_eq!(
            store.audit_entries().await.unwrap().len(),
            audit_before,
            "{label}"
        );

        store.close().await;
        let reopened = Store::connect(&database.url).await.unwrap();
        assert_eq!(
            reopened.all_fingerprints().await.unwrap(),
            vec![older.clone(), newer.clone()],
            "{label}"
        );
        assert!(reopened.verify_audit().await.unwrap().ok, "{label}");
        reopened.close().await;
        database.cleanup().await;
    }
}

#[tokio::test]
async fn fingerprint_of_an_unrecorded_decision_is_refused() {
    for database in databases().await {
        let store = &database.store;
        let result = store
            .add_fingerprint(&stored("never-recorded", "c-9", "", 1_000))
            .await;
        assert!(result.is_err(), "{}", database.label);
        assert!(
            store.all_fingerprints().await.unwrap().is_empty(),
            "{}",
            database.label
        );
        database.cleanup().await;
    }
}
