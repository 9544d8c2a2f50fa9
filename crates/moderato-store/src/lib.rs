//! Moderato's persistence layer: content items, decisions, policy versions,
//! review tasks, appeals, strikes, API tokens and the hash-chained audit log,
//! on SQLite or PostgreSQL through one sqlx `Any` code path.
//!
//! Every state change is written together with its audit entry in a single
//! transaction. This crate is the only one with SQL; it must never hold
//! policy logic (it stores decisions, it does not make or change them) and
//! must never rewrite or delete audit entries.

#![warn(missing_docs)]

mod accounts;
mod appeals;
mod audit;
mod bulk;
mod charts;
mod checkpoint;
mod decisions;
mod deep;
mod error;
mod fingerprints;
mod policies;
mod reports;
mod reviews;
mod store;
mod tokens;

pub use accounts::{ACCOUNT_NOTICES_LIMIT, AccountStanding, RestrictionRecord, StrikeRecord};
pub use appeals::AppealRecord;

pub use audit::{
    AuditEntry, AuditProblem, AuditProblemKind, GENESIS_HASH, VerifyReport, append_audit,
    canonical_json, entry_hash, sha256_hex, verify_audit_jsonl,
};
pub use checkpoint::{Checkpoint, CheckpointError, generate_key as generate_checkpoint_key};
pub use decisions::{
    DEFAULT_REVIEW_QUEUE, PUBLIC_INTEREST_REVIEW_QUEUE, RecordOutcome, RecordedDecision,
    SYSTEM_DECIDER, StoredDecision, idempotency_key,
};
pub use deep::{DEEP_PROBLEMS_KEPT, DeepProblem, DeepReport};
pub use error::StoreError;
pub use fingerprints::StoredFingerprint;
pub use policies::{PolicyUpload, PolicyVersion};
pub use reports::{NewReport, ReportRecord};
pub use reviews::{
    APPEALS_QUEUE, CompletedReview, KNOWN_QUEUES, QueueSummary, REPORTS_QUEUE, ReviewInput,
    ReviewRecord, ReviewTask,
};
pub use store::{Backend, DATA_DIR_DATABASE_FILE, Store};
pub use tokens::{ApiToken, RESERVED_TOKEN_NAMES, TokenRecord};
