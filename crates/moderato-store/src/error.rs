//! Errors returned by the store.
//!
//! This module only describes failures; it must never perform IO or decide
//! how a caller should react to them.

use std::path::PathBuf;

/// Everything that can go wrong while talking to the database or reading an
/// audit export.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The connection URL names a database the store does not support.
    #[error("unsupported database url scheme `{scheme}` (expected sqlite: or postgres:)")]
    UnsupportedUrl {
        /// The scheme found in the URL, or the whole URL when it had none.
        scheme: String,
    },
    /// The data directory could not be created.
    #[error("failed to create data directory `{}`", path.display())]
    CreateDataDir {
        /// The directory.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// A database operation failed.
    #[error("database operation `{operation}` failed")]
    Database {
        /// What the store was doing, e.g. `record decision`.
        operation: &'static str,
        /// The driver error.
        #[source]
        source: sqlx::Error,
    },
    /// Running the embedded migrations failed.
    #[error("failed to run database migrations")]
    Migrate {
        /// The migration error.
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    /// A value could not be turned into JSON or a stored JSON column is invalid.
    #[error("invalid json in {what}")]
    Json {
        /// Which value or column.
        what: &'static str,
        /// The serde error.
        #[source]
        source: serde_json::Error,
    },
    /// A stored value does not fit the type the store expects.
    #[error("invalid stored value in {what}: {message}")]
    InvalidStoredValue {
        /// Which column.
        what: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// A policy version was uploaded again with a different digest.
    #[error("policy version `{version}` already exists with digest `{existing_digest}`")]
    PolicyVersionConflict {
        /// The version.
        version: String,
        /// The digest already stored for it.
        existing_digest: String,
    },
    /// A policy version that was never uploaded was named.
    #[error("unknown policy version `{version}`")]
    UnknownPolicyVersion {
        /// The version.
        version: String,
    },
    /// A decision id was recorded twice.
    #[error("decision `{decision_id}` is already recorded")]
    DuplicateDecision {
        /// The decision id.
        decision_id: String,
    },
    /// Writing an audit export failed.
    #[error("failed to write audit export")]
    ExportWrite {
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
}

impl StoreError {
    /// Wraps a driver error with the operation that failed.
    pub(crate) fn database(operation: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |source| StoreError::Database { operation, source }
    }

    /// Wraps a serde error with the value being (de)serialised.
    pub(crate) fn json(what: &'static str) -> impl FnOnce(serde_json::Error) -> StoreError {
        move |source| StoreError::Json { what, source }
    }
}
