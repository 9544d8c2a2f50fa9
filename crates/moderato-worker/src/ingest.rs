//! `serve --ingest nats`: the server's [`Ingest`] on a JetStream stream.
//!
//! The server validates an item, then this publishes the request's own
//! bytes to the content subject and waits for the stream's acknowledgement,
//! so `202 Accepted` means the stream has stored the item. It must never
//! answer before that acknowledgement.

use async_nats::HeaderMap;
use async_nats::jetstream;
use moderato_core::ContentItem;
use moderato_service::ingest::{Ingest, IngestError, IngestFuture, IngestReceipt};

/// Publishes validated items to the content subject.
pub struct NatsIngest {
    context: jetstream::Context,
    subject: String,
}

impl NatsIngest {
    /// Publishes to `subject` (the stream must exist: see
    /// [`crate::ensure_streams`]).
    pub fn new(context: jetstream::Context, subject: String) -> NatsIngest {
        NatsIngest { context, subject }
    }
}

impl Ingest for NatsIngest {
    fn submit<'a>(&'a self, item: &'a ContentItem, raw: &'a [u8]) -> IngestFuture<'a> {
        Box::pin(async move {
            // No Nats-Msg-Id: one built from (id, text) would make the
            // stream drop an edit reverted to an earlier text within its
            // duplicate window. Repeats are harmless: the database keeps one
            // decision per item.
            let mut headers = HeaderMap::new();
            headers.insert("Moderato-Content-Id", item.id.as_str());
            let ack = self
                .context
                .publish_with_headers(self.subject.clone(), headers, raw.to_vec().into())
                .await
                .map_err(|error| IngestError(error.to_string()))?
                .await
                .map_err(|error| IngestError(error.to_string()))?;
            Ok(IngestReceipt {
                content_id: item.id.clone(),
                status: "queued",
                stream: ack.stream,
                sequence: ack.sequence,
                duplicate: ack.duplicate,
            })
        })
    }
}
