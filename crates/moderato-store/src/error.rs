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
    /// A report or review named content that was never decided.
    #[error("unknown content `{content_id}`")]
    UnknownContent {
        /// The content id.
        content_id: String,
    },
    /// A decision id that was never recorded was named.
    #[error("unknown decision `{decision_id}`")]
    UnknownDecision {
        /// The decision id.
        decision_id: String,
    },
    /// An appeal named a decision that has since been replaced.
    #[error(
        "decision `{decision_id}` is no longer current for its content (current is `{current_decision_id}`)"
    )]
    DecisionNotCurrent {
        /// The decision appealed.
        decision_id: String,
        /// The content's current decision.
        current_decision_id: String,
    },
    /// The appeal window of a decision has passed.
    #[error(
        "appeal window of {window_days} days for decision `{decision_id}` closed at {closed_at}"
    )]
    AppealWindowClosed {
        /// The decision appealed.
        decision_id: String,
        /// The window, in days from the decision.
        window_days: u32,
        /// When the window closed, in milliseconds since the Unix epoch.
        closed_at: i64,
    },
    /// A decision already has an open appeal.
    #[error("decision `{decision_id}` already has open appeal {appeal_id}")]
    AppealAlreadyOpen {
        /// The decision appealed.
        decision_id: String,
        /// The open appeal.
        appeal_id: i64,
    },
    /// A review task id that does not exist was named.
    #[error("unknown review task {task_id}")]
    TaskNotFound {
        /// The task id.
        task_id: i64,
    },
    /// The review task was already completed.
    #[error("review task {task_id} is already done")]
    TaskAlreadyDone {
        /// The task id.
        task_id: i64,
    },
    /// The reviewer does not hold a live lease on the task: it is unclaimed,
    /// claimed by someone else, or the reviewer's lease expired.
    #[error("review task {task_id} is not claimed by `{reviewer}` with a live lease")]
    TaskConflict {
        /// The task id.
        task_id: i64,
        /// The reviewer who tried to complete it.
        reviewer: String,
        /// Who holds or last held the lease, if anyone.
        lease_owner: Option<String>,
        /// When that lease expires or expired.
        lease_expires_at: Option<i64>,
    },
    /// A token name is malformed or reserved.
    #[error("token name `{name}` is not allowed: {reason}")]
    InvalidTokenName {
        /// The name.
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// A token with that name exists (or existed).
    #[error(
        "a token named `{name}` already exists; names are never reused, since reviews are recorded under them"
    )]
    TokenNameTaken {
        /// The name.
        name: String,
    },
    /// Someone other than the content's author tried to appeal its decision.
    #[error(
        "appellant `{appellant}` is not the author of content `{content_id}`; only its author may appeal"
    )]
    NotTheAuthor {
        /// Who tried to appeal.
        appellant: String,
        /// The content.
        content_id: String,
    },
    /// A person who made a decision on the content tried to decide its appeal.
    #[error(
        "reviewer `{reviewer}` made a decision on this content and cannot decide appeal {appeal_id}"
    )]
    SameReviewer {
        /// The appeal.
        appeal_id: i64,
        /// The reviewer, who is also the original decider.
        reviewer: String,
    },
    /// A review's new decision is for other content than its task.
    #[error("review task {task_id} is for content `{task_content_id}`, not `{content_id}`")]
    ContentMismatch {
        /// The task id.
        task_id: i64,
        /// The content the task is about.
        task_content_id: String,
        /// The content named by the caller or the new decision.
        content_id: String,
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
