//! The streams, subjects and consumer a deployment uses, and creating them.
//!
//! Three streams: content in, decisions out (a platform subscribes to them),
//! and dead letters (items no worker can process, with the reason). All
//! names derive from a stream name and a subject prefix, so that several
//! deployments (or tests) can share one NATS server. This module must never
//! delete or reconfigure a stream that already exists.

use std::time::Duration;

use async_nats::jetstream::{self, stream};

use crate::WorkerError;

/// Names of the streams, subjects and consumer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    /// Stream of content items.
    pub stream: String,
    /// Subject items are published on.
    pub content_subject: String,
    /// Durable consumer shared by the workers.
    pub consumer: String,
    /// Stream of decisions.
    pub decisions_stream: String,
    /// Subject decisions are published on.
    pub decisions_subject: String,
    /// Stream of dead letters.
    pub dead_letter_stream: String,
    /// Subject dead letters are published on.
    pub dead_letter_subject: String,
}

impl Default for Topology {
    fn default() -> Topology {
        Topology::new("MODERATO_CONTENT", "moderato", "moderato-workers")
    }
}

impl Topology {
    /// Streams `{stream}`, `{stream}_DECISIONS`, `{stream}_DEAD_LETTERS` on
    /// subjects `{prefix}.content`, `{prefix}.decisions`,
    /// `{prefix}.dead_letters`, and the durable consumer `consumer`.
    pub fn new(stream: &str, prefix: &str, consumer: &str) -> Topology {
        Topology {
            stream: stream.to_string(),
            content_subject: format!("{prefix}.content"),
            consumer: consumer.to_string(),
            decisions_stream: format!("{stream}_DECISIONS"),
            decisions_subject: format!("{prefix}.decisions"),
            dead_letter_stream: format!("{stream}_DEAD_LETTERS"),
            dead_letter_subject: format!("{prefix}.dead_letters"),
        }
    }
}

/// How long JetStream remembers a `Nats-Msg-Id` to drop repeated publishes.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

/// Creates the three streams if they do not exist (file storage, limits
/// retention); returns the content stream.
pub async fn ensure_streams(
    context: &jetstream::Context,
    topology: &Topology,
) -> Result<stream::Stream, WorkerError> {
    let config = |name: &str, subject: &str| stream::Config {
        name: name.to_string(),
        subjects: vec![subject.to_string()],
        storage: stream::StorageType::File,
        duplicate_window: DUPLICATE_WINDOW,
        ..Default::default()
    };
    for (name, subject) in [
        (&topology.decisions_stream, &topology.decisions_subject),
        (&topology.dead_letter_stream, &topology.dead_letter_subject),
    ] {
        context
            .get_or_create_stream(config(name, subject))
            .await
            .map_err(|error| WorkerError::jetstream("create stream")(error.to_string()))?;
    }
    context
        .get_or_create_stream(config(&topology.stream, &topology.content_subject))
        .await
        .map_err(|error| WorkerError::jetstream("create stream")(error.to_string()))
}
