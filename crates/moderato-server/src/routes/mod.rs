//! Routes of the JSON API under `/v1`, plus health, readiness and metrics.
//!
//! Every `/v1` route needs a bearer token (see `auth`). Handlers must never
//! hold SQL or rule logic: they call the engine and the store.

pub mod accounts;
pub mod content;
pub mod ops;
pub mod policies;
pub mod reviews;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::routing::{delete, get, post};
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::ApiError;

/// All routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/v1/content", post(content::submit))
        .route("/v1/content:batch", post(content::submit_batch))
        .route("/v1/content/{id}", get(content::current))
        .route("/v1/reports", post(reviews::create_report))
        .route("/v1/reports/{id}", get(reviews::get_report))
        .route("/v1/queues", get(reviews::queues))
        .route("/v1/queues/{name}/next", get(reviews::claim_next))
        .route("/v1/reviews/{task}", post(reviews::submit_review))
        .route("/v1/appeals", post(reviews::create_appeal))
        .route("/v1/appeals/{id}", get(reviews::get_appeal))
        .route("/v1/accounts/{id}", get(accounts::standing))
        .route("/v1/policies", get(policies::list).post(policies::upload))
        .route("/v1/policies/{version_action}", post(policies::activate))
        .route("/v1/policies/{a}/diff/{b}", get(policies::diff))
        .route("/v1/audit/verify", get(accounts::verify_audit))
        .route("/v1/tokens", get(accounts::list_tokens))
        .route("/v1/tokens/{id}", delete(accounts::revoke_token))
}

/// Reads a body, turning an over-long body into 413 and other failures into 400.
pub fn body_bytes(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge { limit }
        } else {
            ApiError::InvalidInput {
                detail: rejection.body_text(),
                field: None,
            }
        }
    })
}

/// Parses JSON with precise errors: the path of the offending field, line and column.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let field = (path != "." && path != "?").then_some(path);
        ApiError::InvalidInput {
            detail: match &field {
                Some(field) => format!("field `{field}`: {inner}"),
                None => inner.to_string(),
            },
            field,
        }
    })?;
    deserializer.end().map_err(|error| ApiError::InvalidInput {
        detail: error.to_string(),
        field: None,
    })?;
    // Raw control characters are invalid JSON already; a NUL can only come escaped.
    if bytes.windows(6).any(|window| window == b"\\u0000")
        && let Ok(tree) = serde_json::from_slice::<serde_json::Value>(bytes)
        && let Some(field) = nul_path(&tree, String::new())
    {
        return Err(ApiError::InvalidInput {
            detail: format!(
                "field `{field}`: contains a NUL character (U+0000), which is not allowed"
            ),
            field: Some(field),
        });
    }
    Ok(value)
}

/// The path of the first string (or key) holding a NUL character.
fn nul_path(value: &serde_json::Value, path: String) -> Option<String> {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        serde_json::Value::String(text) => text.contains('\0').then_some(path),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, item)| nul_path(item, format!("{path}[{index}]"))),
        serde_json::Value::Object(map) => map.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                Some(join(key))
            } else {
                nul_path(item, join(key))
            }
        }),
        _ => None,
    }
}
