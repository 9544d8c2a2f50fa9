//! Stateless stream workers: content items from NATS JetStream, decisions
//! into the shared database and back onto the stream.
//!
//! A worker pulls items from a durable JetStream consumer, decides each one
//! through the same function as `POST /v1/content`
//! ([`moderato_service::Service::decide`]: the engine, then the group-commit
//! writer and its audit entry), publishes the decision, and only then
//! acknowledges the item. Delivery is at least once; effects are exactly
//! once because the database refuses a second decision for the same item
//! (idempotency key, see the store's migration 0003) and a redelivered item
//! gets the stored decision back.
//!
//! Workers hold no state of their own: any number can share a consumer and a
//! database, and one killed mid-item loses nothing (its unacknowledged items
//! are redelivered to the others after the ack wait).
//!
//! This crate must never decide or store anything except through the server
//! library's pipeline, and must never acknowledge an item before its
//! decision is committed.

pub mod ingest;
pub mod publish;
pub mod topology;
pub mod worker;

pub use ingest::NatsIngest;
pub use publish::{PublishSummary, publish_lines};
pub use topology::{Topology, ensure_streams};
pub use worker::{WorkerConfig, WorkerSummary, run_worker, serve_metrics};

/// What can go wrong talking to the stream.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// Connecting to NATS failed.
    #[error("could not connect to NATS at {url}")]
    Connect {
        /// The server URL.
        url: String,
        /// Why.
        #[source]
        source: async_nats::ConnectError,
    },
    /// A JetStream call failed.
    #[error("JetStream: {context}: {message}")]
    JetStream {
        /// What was being done.
        context: &'static str,
        /// The client's error.
        message: String,
    },
    /// Reading an input failed.
    #[error("could not read {path}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The metrics listener could not start.
    #[error("could not serve metrics on {addr}")]
    Metrics {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl WorkerError {
    pub(crate) fn jetstream(context: &'static str) -> impl FnOnce(String) -> WorkerError {
        move |message| WorkerError::JetStream { context, message }
    }
}

/// Connects to NATS with a name that shows in the server's connection list.
pub async fn connect(url: &str, name: &str) -> Result<async_nats::Client, WorkerError> {
    async_nats::ConnectOptions::new()
        .name(name)
        .connect(url)
        .await
        .map_err(|source| WorkerError::Connect {
            url: url.to_string(),
            source,
        })
}

/// The `Nats-Msg-Id` of a content item, so that JetStream itself drops a
/// repeated publish of the same item (same id and text) within its
/// duplicate window. The database's idempotency key is what guarantees
/// exactly-once effects; this only saves work, and only for producers that
/// never revert an edit within the window (a revert has an earlier id and
/// text and would be dropped), which is why `moderato publish` uses it only
/// with `--dedupe` and `serve --ingest nats` not at all.
pub fn content_message_id(content_id: &str, text: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(content_id.as_bytes());
    hasher.update([0]);
    hasher.update((text.len() as u64).to_be_bytes());
    hasher.update(text.as_bytes());
    format!("content-{}", hex::encode(hasher.finalize()))
}
