//! Connecting: in-memory SQLite, re-opening a data directory, and unknown
//! URL schemes.
//!
//! These tests must never need PostgreSQL; the backend tests cover it.

use moderato_store::{Backend, Store, StoreError};

#[tokio::test]
async fn in_memory_sqlite_keeps_its_data_across_calls() {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    for index in 0..3 {
        store
            .append_audit_event("test.event", "memory", &serde_json::json!({"i": index}), 1)
            .await
            .unwrap();
    }
    let report = store.verify_audit().await.unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(report.entries, 3);
}

#[tokio::test]
async fn reopening_a_data_directory_keeps_the_chain() {
    let directory = tempfile::tempdir().unwrap();
    let data_dir = directory.path().join("nested").join("data");
    let store = Store::open_data_dir(&data_dir).await.unwrap();
    store
        .append_audit_event("test.event", "first", &serde_json::json!({}), 1)
        .await
        .unwrap();
    store.close().await;
    let store = Store::open_data_dir(&data_dir).await.unwrap();
    store
        .append_audit_event("test.event", "second", &serde_json::json!({}), 2)
        .await
        .unwrap();
    let report = store.verify_audit().await.unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(report.entries, 2);
    let file = data_dir.join(moderato_store::DATA_DIR_DATABASE_FILE);
    let raw = sqlx::AnyPool::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    let journal_mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&raw)
        .await
        .unwrap();
    assert_eq!(journal_mode, "wal");
    raw.close().await;
}

#[tokio::test]
async fn unknown_url_scheme_is_rejected() {
    let error = Store::connect("mysql://localhost/x").await.unwrap_err();
    assert!(
        matches!(&error, StoreError::UnsupportedUrl { scheme } if scheme == "mysql"),
        "{error:?}"
    );
}
