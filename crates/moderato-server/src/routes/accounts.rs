//! Account standing (strikes, restrictions, notices) and audit verification.
//!
//! Notices stay readable here after an account is suspended. This module must
//! never alter the ledger or the audit chain.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::auth::{Caller, Role};
use crate::error::{ApiError, from_store};

/// Strikes in force, restrictions with their end dates, and the author's notices.
#[utoipa::path(get, path = "/v1/accounts/{id}", tag = "accounts", params(("id" = String, Path, description = "Author id (or handle)")),
    responses((status = 200, body = Object)), security(("bearer" = [])))]
pub async fn standing(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(
        &[Role::Ingest, Role::Viewer, Role::Moderator],
        "read accounts",
    )?;
    let standing = state
        .store
        .account_standing(&id, crate::now_ms())
        .await
        .map_err(|error| from_store("account standing", error))?;
    Ok(Json(standing).into_response())
}

/// Walks the audit chain; 200 when it verifies, 409 with the first bad entry otherwise.
#[utoipa::path(get, path = "/v1/audit/verify", tag = "audit",
    responses((status = 200, description = "The chain verifies", body = Object), (status = 409, description = "Tampering found", body = Object)),
    security(("bearer" = [])))]
pub async fn verify_audit(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    caller.require(&[], "verify the audit log")?;
    let report = state
        .store
        .verify_audit()
        .await
        .map_err(|error| from_store("verify audit", error))?;
    let status = if report.ok {
        StatusCode::OK
    } else {
        StatusCode::CONFLICT
    };
    Ok((status, Json(report)).into_response())
}
