//! Submitting content for a decision, and reading what a platform must render.
//!
//! The decision pipeline is the engine's; persistence and the audit entry are
//! the store's, in one transaction, before the answer is sent (no acknowledged
//! decision is ever lost). This module must never decide anything itself.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use moderato_core::ContentItem;
use moderato_service::Recorded;
use serde::Serialize;
use utoipa::ToSchema;

use super::{body_bytes, parse_json};
use crate::auth::{Caller, Role};
use crate::error::{ApiError, from_store};
use crate::{AppState, MAX_BATCH_ITEMS};

/// The state of a piece of content a platform renders.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContentState {
    /// Content id.
    pub content_id: String,
    /// Id of the decision in force.
    pub decision_id: String,
    /// `system` for the engine, else the reviewer.
    pub decided_by: String,
    /// The decision that replaced, if the content was edited or reviewed.
    pub previous_decision_id: Option<String>,
    /// The decision in force (see `POST /v1/content`).
    #[schema(value_type = Object)]
    pub decision: serde_json::Value,
}

/// One result of a batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResult {
    /// Index in the request.
    pub index: usize,
    /// HTTP-like status: 201 new, 200 existing, 202 queued on the stream, 400 invalid.
    pub status: u16,
    /// The decision, when there is one (null for an invalid or queued item).
    #[schema(value_type = Option<Object>)]
    pub decision: Option<serde_json::Value>,
    /// The stream's receipt, when the item was queued (`serve --ingest nats`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queued: Option<moderato_service::ingest::IngestReceipt>,
    /// The problem, for invalid items.
    pub error: Option<String>,
}

/// Decides one item through the application layer ([`moderato_service::Service::decide`]):
/// 201 and the new decision, or 200 and the stored one for a resubmission (same id and text).
async fn decide(
    state: &AppState,
    item: ContentItem,
) -> Result<(StatusCode, serde_json::Value), ApiError> {
    match state.service.decide(item).await? {
        Recorded::New(decision) => Ok((StatusCode::CREATED, decision)),
        Recorded::Existing(decision) => Ok((StatusCode::OK, decision)),
    }
}

/// Hands a validated item to the stream (`serve --ingest nats`); a stream
/// that does not take it is a 503.
async fn queue(
    ingest: &dyn moderato_service::ingest::Ingest,
    item: &ContentItem,
    raw: &[u8],
) -> Result<moderato_service::ingest::IngestReceipt, ApiError> {
    ingest
        .submit(item, raw)
        .await
        .map_err(|error| ApiError::Unavailable(error.to_string()))
}

/// Evaluate and store one item; returns the decision.
#[utoipa::path(post, path = "/v1/content", tag = "content",
    request_body(content = crate::openapi::ContentItemDoc, description = "One content item; unknown fields are rejected"),
    responses(
        (status = 201, description = "New decision", body = Object),
        (status = 200, description = "Same id and text as before: the stored decision", body = Object),
        (status = 202, description = "Queued on the stream (`serve --ingest nats`); a worker decides it", body = moderato_service::ingest::IngestReceipt),
        (status = 400, description = "Invalid item", body = crate::error::Problem),
        (status = 401, description = "No valid token", body = crate::error::Problem),
        (status = 403, description = "Role may not submit", body = crate::error::Problem),
        (status = 413, description = "Body too large", body = crate::error::Problem),
    ),
    security(("bearer" = [])))]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Ingest], "submit content")?;
    let bytes = body_bytes(body, state.config.body_limit)?;
    let text = std::str::from_utf8(&bytes).map_err(|error| ApiError::InvalidInput {
        detail: format!("body is not UTF-8: {error}"),
        field: None,
    })?;
    let item = state.service.engines.active().parse(text)?;
    if let Some(ingest) = &state.ingest {
        let receipt = queue(ingest.as_ref(), &item, &bytes).await?;
        return Ok((StatusCode::ACCEPTED, Json(receipt)).into_response());
    }
    let (status, decision) = decide(&state, item).await?;
    Ok((status, Json(decision)).into_response())
}

/// Evaluate and store up to 1,000 items; each gets its own result.
#[utoipa::path(post, path = "/v1/content:batch", tag = "content",
    request_body(content = Vec<crate::openapi::ContentItemDoc>, description = "An array of up to 1,000 items"),
    responses(
        (status = 200, description = "One result per item, in order", body = Vec<BatchResult>),
        (status = 400, description = "Not an array, or more than 1,000 items", body = crate::error::Problem),
    ),
    security(("bearer" = [])))]
pub async fn submit_batch(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Vec<BatchResult>>, ApiError> {
    caller.require(&[Role::Ingest], "submit content")?;
    let bytes = body_bytes(body, state.config.body_limit)?;
    // Each item stays as it was sent, so it is parsed exactly as the single route parses it
    // (duplicate keys refused, not silently collapsed by an intermediate `Value`).
    let items: Vec<Box<serde_json::value::RawValue>> = parse_json(&bytes)?;
    if items.len() > MAX_BATCH_ITEMS {
        return Err(ApiError::InvalidInput {
            detail: format!(
                "a batch holds at most {MAX_BATCH_ITEMS} items; this one has {}",
                items.len()
            ),
            field: None,
        });
    }
    // Items are parsed in order, then decided concurrently, so that they meet in the decision
    // writer's group commits instead of waiting for one commit each.
    let engine = &state.service.engines.active();
    let state = &state;
    let results = futures_util::future::join_all(items.into_iter().enumerate().map(
        |(index, value)| async move {
            let raw = value.get();
            let parsed = engine.parse(raw);
            let result = match (parsed, &state.ingest) {
                (Ok(item), Some(ingest)) => BatchResult {
                    index,
                    status: 202,
                    decision: None,
                    queued: Some(queue(ingest.as_ref(), &item, raw.as_bytes()).await?),
                    error: None,
                },
                (Ok(item), None) => match decide(state, item).await {
                    Ok((status, decision)) => BatchResult {
                        index,
                        status: status.as_u16(),
                        decision: Some(decision),
                        queued: None,
                        error: None,
                    },
                    Err(error @ (ApiError::Internal(_) | ApiError::Unavailable(_))) => {
                        return Err(error);
                    }
                    Err(error) => BatchResult {
                        index,
                        status: 400,
                        decision: None,
                        queued: None,
                        error: Some(error.to_string()),
                    },
                },
                (Err(error), _) => BatchResult {
                    index,
                    status: 400,
                    decision: None,
                    queued: None,
                    error: Some(format!("[{index}] {error}")),
                },
            };
            Ok(result)
        },
    ))
    .await
    .into_iter()
    .collect::<Result<Vec<BatchResult>, ApiError>>()?;
    Ok(Json(results))
}

/// The current state of a piece of content, after any review or appeal.
#[utoipa::path(get, path = "/v1/content/{id}", tag = "content",
    params(("id" = String, Path, description = "Content id")),
    responses((status = 200, body = ContentState), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn current(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ContentState>, ApiError> {
    caller.require(
        &[Role::Ingest, Role::Viewer, Role::Moderator],
        "read content",
    )?;
    let stored = state
        .service
        .store
        .find_content_decision(&id)
        .await
        .map_err(|error| from_store("find content", error))?
        .ok_or_else(|| ApiError::NotFound(format!("no content with id `{id}`")))?;
    Ok(Json(ContentState {
        content_id: stored.content_id,
        decision_id: stored.decision_id,
        decided_by: stored.decided_by,
        previous_decision_id: stored.previous_decision_id,
        decision: stored.decision,
    }))
}
