//! Policy versions: upload, idempotent re-upload, conflicts and activation.
//!
//! These tests must never parse a policy: packs are opaque JSON to the store.

use moderato_store::{PolicyUpload, StoreError};

use crate::support::databases;

#[tokio::test]
async fn upload_and_activate_policy_versions() {
    for database in databases().await {
        let store = &database.store;
        let label = database.label;
        let files = serde_json::json!({"pack.toml": "id = \"default\"", "rules/hate.toml": "x"});
        assert!(store.active_policy().await.unwrap().is_none(), "{label}");
        let upload = store
            .upload_policy("1.0.0", "sha256:aaa", &files, "alice", 1_000)
            .await
            .unwrap();
        assert_eq!(upload, PolicyUpload::Created, "{label}");
        let again = store
            .upload_policy("1.0.0", "sha256:aaa", &files, "alice", 1_500)
            .await
            .unwrap();
        assert_eq!(again, PolicyUpload::AlreadyPresent, "{label}");
        let conflict = store
            .upload_policy("1.0.0", "sha256:bbb", &files, "alice", 1_600)
            .await;
        assert!(
            matches!(conflict, Err(StoreError::PolicyVersionConflict { .. })),
            "{label}: {conflict:?}"
        );
        store
            .upload_policy("1.1.0", "sha256:ccc", &files, "bob", 2_000)
            .await
            .unwrap();

        let unknown = store.activate_policy("9.9.9", "alice", 2_500).await;
        assert!(
            matches!(unknown, Err(StoreError::UnknownPolicyVersion { .. })),
            "{label}: {unknown:?}"
        );
        store
            .activate_policy("1.0.0", "alice", 3_000)
            .await
            .unwrap();
        store.activate_policy("1.1.0", "bob", 4_000).await.unwrap();
        let active = store.active_policy().await.unwrap().unwrap();
        assert_eq!(active.version, "1.1.0", "{label}");
        assert_eq!(active.digest, "sha256:ccc", "{label}");
        assert_eq!(active.files, files, "{label}");
        assert!(active.active, "{label}");

        let listed: Vec<(String, bool)> = store
            .list_policies()
            .await
            .unwrap()
            .into_iter()
            .map(|policy| (policy.version, policy.active))
            .collect();
        assert_eq!(
            listed,
            vec![("1.0.0".into(), false), ("1.1.0".into(), true)],
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
            kinds,
            [
                "policy.uploaded",
                "policy.uploaded",
                "policy.activated",
                "policy.activated"
            ],
            "{label}"
        );
        assert!(store.verify_audit().await.unwrap().ok, "{label}");
        database.cleanup().await;
    }
}
