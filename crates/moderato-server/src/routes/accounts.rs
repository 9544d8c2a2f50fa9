//! Account standing (strikes, restrictions, notices), audit verification and API tokens.
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
        .service
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
        .service
        .store
        .verify_audit()
        .await
        .map_err(|error| from_store("verify audit", error))?;
    state.chain.record_full_walk(&report, crate::now_ms()).await;
    let status = if report.ok {
        StatusCode::OK
    } else {
        StatusCode::CONFLICT
    };
    Ok((status, Json(report)).into_response())
}

/// Every API token (never the token itself): id, name, role, creation time, revoked. Admin only.
#[utoipa::path(get, path = "/v1/tokens", tag = "tokens",
    responses((status = 200, body = Object), (status = 403, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    caller.require(&[], "list tokens")?;
    let tokens = state
        .service
        .store
        .list_tokens()
        .await
        .map_err(|error| from_store("list tokens", error))?;
    Ok(Json(tokens).into_response())
}

/// Revokes a token (204); it stops working within 30 seconds. Admin only.
#[utoipa::path(delete, path = "/v1/tokens/{id}", tag = "tokens", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem), (status = 403, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    caller.require(&[], "revoke tokens")?;
    let revoked = state
        .service
        .store
        .revoke_token(id, &caller.name, crate::now_ms())
        .await
        .map_err(|error| from_store("revoke token", error))?;
    if revoked {
        state.tokens.forget(id);
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::NotFound(format!("no active token {id}")))
    }
}
