//! `moderato publish`: put a JSONL file of content items on the stream.
//!
//! Lines are published as they are (a platform's producer does the same):
//! validation is the workers' job, and a line they cannot use goes to the
//! dead-letter subject with its reason. Publishes are pipelined (a window of
//! acknowledgements in flight) and the call returns only after the stream
//! acknowledged every line. This module must never drop or reorder a line.

use std::collections::VecDeque;
use std::io::BufRead;

use async_nats::HeaderMap;
use async_nats::jetstream::{self, context::PublishAckFuture};

use crate::{WorkerError, content_message_id};

/// Publishes in flight before waiting for the oldest acknowledgement.
const WINDOW: usize = 4096;

/// What a publish run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PublishSummary {
    /// Lines published (blank lines are skipped).
    pub published: u64,
    /// Of those, how many the stream dropped as repeats of an earlier
    /// publish within its duplicate window.
    pub duplicates: u64,
}

/// Publishes every non-blank line of `input` to `subject`. With `dedupe`,
/// each line that holds an `id` and a `text` carries a `Nats-Msg-Id` so the
/// stream drops repeats; without it, repeats reach the workers (whose
/// database refuses a second decision anyway). `progress` is called with
/// the count acknowledged so far. With `rate` (items per second), publishes
/// are paced to that rate instead of going out as fast as possible.
pub async fn publish_lines(
    context: &jetstream::Context,
    subject: &str,
    input: impl BufRead,
    dedupe: bool,
    rate: Option<f64>,
    mut progress: impl FnMut(u64),
) -> Result<PublishSummary, WorkerError> {
    let mut summary = PublishSummary::default();
    let started = tokio::time::Instant::now();
    let mut sent: u64 = 0;
    let mut pending: VecDeque<PublishAckFuture> = VecDeque::with_capacity(WINDOW);
    for line in input.lines() {
        let line = line.map_err(|source| WorkerError::Read {
            path: "input".to_string(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        if let Some(rate) = rate.filter(|rate| *rate > 0.0) {
            let due = started + std::time::Duration::from_secs_f64(sent as f64 / rate);
            tokio::time::sleep_until(due).await;
        }
        sent += 1;
        let mut headers = HeaderMap::new();
        if dedupe && let Some(id) = message_id(&line) {
            headers.insert("Nats-Msg-Id", id.as_str());
        }
        let ack = context
            .publish_with_headers(subject.to_string(), headers, line.into_bytes().into())
            .await
            .map_err(|error| WorkerError::jetstream("publish")(error.to_string()))?;
        pending.push_back(ack);
        if pending.len() >= WINDOW {
            settle(pending.pop_front(), &mut summary, &mut progress).await?;
        }
    }
    while !pending.is_empty() {
        settle(pending.pop_front(), &mut summary, &mut progress).await?;
    }
    Ok(summary)
}

async fn settle(
    ack: Option<PublishAckFuture>,
    summary: &mut PublishSummary,
    progress: &mut impl FnMut(u64),
) -> Result<(), WorkerError> {
    let Some(ack) = ack else { return Ok(()) };
    let ack = ack
        .await
        .map_err(|error| WorkerError::jetstream("publish acknowledgement")(error.to_string()))?;
    summary.published += 1;
    if ack.duplicate {
        summary.duplicates += 1;
    }
    progress(summary.published);
    Ok(())
}

/// The message id of a line holding a JSON object with string `id` and `text`.
fn message_id(line: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Key {
        id: String,
        text: String,
    }
    let key: Key = serde_json::from_str(line).ok()?;
    Some(content_message_id(&key.id, &key.text))
}
