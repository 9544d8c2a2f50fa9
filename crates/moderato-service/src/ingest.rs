//! Handing submitted content to a stream instead of deciding it inline.
//!
//! With `serve --ingest nats`, `POST /v1/content` validates the item and
//! publishes it; stream workers decide it. The server only knows this trait;
//! the NATS implementation lives with the workers, so this crate never
//! depends on a broker client. An implementation must never report success
//! before the stream has stored the item.

use std::future::Future;
use std::pin::Pin;

use moderato_core::ContentItem;
use serde::Serialize;
use utoipa::ToSchema;

/// What the stream said when it took an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct IngestReceipt {
    /// Content id.
    pub content_id: String,
    /// Always `queued`: a worker decides it; read it at `GET /v1/content/{id}`.
    pub status: &'static str,
    /// The stream that holds it.
    pub stream: String,
    /// Its sequence number in the stream.
    pub sequence: u64,
    /// The stream had already taken the same item (same id and text) within
    /// its duplicate window.
    pub duplicate: bool,
}

/// The future an [`Ingest`] returns.
pub type IngestFuture<'a> =
    Pin<Box<dyn Future<Output = Result<IngestReceipt, IngestError>> + Send + 'a>>;

/// The stream did not take the item.
#[derive(Debug, thiserror::Error)]
#[error("the stream did not take the item: {0}")]
pub struct IngestError(pub String);

/// A destination for validated content items.
pub trait Ingest: Send + Sync {
    /// Publishes `raw` (the request's JSON for `item`, already validated);
    /// resolves once the stream has stored it.
    fn submit<'a>(&'a self, item: &'a ContentItem, raw: &'a [u8]) -> IngestFuture<'a>;
}
