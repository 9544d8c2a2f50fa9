//! API tokens are stored hashed and found by their plain value.
//!
//! These tests must never print a token.

use sqlx::Row;

use crate::support::databases;

#[tokio::test]
async fn tokens_are_stored_only_as_sha256() {
    for database in databases().await {
        let store = &database.store;
        let label = database.label;
        let plain = "mdr_9f8e7d6c5b4a39281706f5e4d3c2b1a0";
        let id = store
            .create_token("ci", "admin", plain, 1_000)
            .await
            .unwrap();
        let found = store.find_token(plain).await.unwrap().unwrap();
        assert_eq!(
            (found.id, found.name.as_str(), found.role.as_str()),
            (id, "ci", "admin"),
            "{label}"
        );
        assert!(
            store.find_token("wrong").await.unwrap().is_none(),
            "{label}"
        );

        let raw = database.raw().await;
        let rows = sqlx::query("SELECT name, role, token_sha256 FROM api_tokens")
            .fetch_all(&raw)
            .await
            .unwrap();
        for row in &rows {
            for column in ["name", "role", "token_sha256"] {
                let value: String = row.get(column);
                assert!(!value.contains(plain), "{label}: plain token in {column}");
            }
            let stored: String = row.get("token_sha256");
            assert_eq!(
                stored,
                moderato_store::sha256_hex(plain.as_bytes()),
                "{label}"
            );
        }
        let audit = store.audit_entries().await.unwrap();
        assert!(
            audit
                .iter()
                .all(|entry| !entry.payload.to_string().contains(plain)),
            "{label}: plain token in the audit log"
        );
        raw.close().await;

        assert!(
            store.revoke_token(id, "admin", 2_000).await.unwrap(),
            "{label}"
        );
        assert!(store.find_token(plain).await.unwrap().is_none(), "{label}");
        assert!(store.verify_audit().await.unwrap().ok, "{label}");
        database.cleanup().await;
    }
}
