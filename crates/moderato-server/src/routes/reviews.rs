//! People in the loop: user reports, review queues, reviews and appeals.
//!
//! Queues are ordered by severity × reach and age (the store sorts by the
//! decision's priority). Appeals go to a different reviewer than the one who
//! decided. The new decision is built by the core (`apply_review`) under the
//! policy the reviewed decision was made with. This module must never write
//! to the database except through the store.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use moderato_core::review::{HumanReview, PublicInterestReview, ReviewOutcome, apply_review};
use moderato_core::{Action, ContentItem, Decision};
use moderato_engine::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{body_bytes, parse_json};
use crate::auth::{Caller, Role};
use crate::error::{ApiError, from_store};
use crate::{AppState, now_ms};

/// A user report about a piece of content.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// The content reported.
    pub content_id: String,
    /// Why, in the reporter's words or a platform code.
    pub reason: String,
    /// The rule the reporter thinks was broken.
    #[serde(default)]
    pub rule: Option<String>,
    /// Free text.
    #[serde(default)]
    pub text: Option<String>,
    /// How to tell the reporter the outcome (kept private).
    #[serde(default)]
    pub reporter_contact: Option<String>,
}

/// A reviewer's decision on a task.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// `uphold`, `overturn` or `change`.
    #[schema(value_type = String)]
    pub outcome: ReviewOutcome,
    /// For `change`: the actions to apply (content actions and `strike`).
    #[serde(default)]
    pub actions: Vec<String>,
    /// Why; required.
    pub reason: String,
    /// A dissenting note, recorded with the review.
    #[serde(default)]
    pub dissent: Option<String>,
    /// The public-interest balancing, when the exception was considered.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub public_interest: Option<PublicInterestReview>,
}

/// An appeal by an author (against an action) or a reporter (against non-action).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealRequest {
    /// The decision appealed.
    pub decision_id: String,
    /// Who appeals (account id).
    pub appellant: String,
    /// Their statement.
    pub statement: String,
}

/// A claimed task with everything a reviewer needs.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimedTask {
    /// The task.
    #[schema(value_type = Object)]
    pub task: moderato_store::ReviewTask,
    /// The decision under review.
    #[schema(value_type = Object)]
    pub decision: serde_json::Value,
    /// The content as submitted.
    #[schema(value_type = Object)]
    pub item: Option<serde_json::Value>,
    /// The appeal, for appeal tasks.
    #[schema(value_type = Object)]
    pub appeal: Option<moderato_store::AppealRecord>,
}

fn store_error(context: &str, error: moderato_store::StoreError) -> ApiError {
    from_store(context, error)
}

/// Report content.
#[utoipa::path(post, path = "/v1/reports", tag = "reports", request_body = ReportRequest,
    responses((status = 201, description = "Report received", body = Object), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create_report(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Ingest], "submit reports")?;
    let request: ReportRequest = parse_json(&body_bytes(body, state.config.body_limit)?)?;
    let current = state
        .service
        .store
        .find_content_decision(&request.content_id)
        .await
        .map_err(|error| store_error("find content", error))?
        .ok_or_else(|| {
            ApiError::NotFound(format!("no content with id `{}`", request.content_id))
        })?;
    let priority = current.decision["review"]["priority"]
        .as_f64()
        .unwrap_or(1.0)
        .max(1.0);
    let report = state
        .service
        .store
        .create_report(
            &moderato_store::NewReport {
                content_id: request.content_id,
                reason: request.reason,
                rule: request.rule,
                text: request.text,
                reporter_contact: request.reporter_contact,
                priority,
            },
            now_ms(),
        )
        .await
        .map_err(|error| store_error("create report", error))?;
    Ok((StatusCode::CREATED, Json(report)).into_response())
}

/// The outcome of a report, for the reporter.
#[utoipa::path(get, path = "/v1/reports/{id}", tag = "reports", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get_report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    caller.require(
        &[Role::Ingest, Role::Viewer, Role::Moderator],
        "read reports",
    )?;
    let report = state
        .service
        .store
        .find_report(id)
        .await
        .map_err(|error| store_error("find report", error))?
        .ok_or_else(|| ApiError::NotFound(format!("no report {id}")))?;
    Ok(Json(report).into_response())
}

/// One review queue as `GET /v1/queues` lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueView {
    /// Queue name (`public_interest`, `reports`, `appeals`, `default`, …).
    pub name: String,
    /// Tasks waiting for a reviewer, claimed tasks whose lease expired included.
    pub open: i64,
    /// Tasks under a live lease.
    pub claimed: i64,
    /// Creation time (ms since the epoch) of the oldest task not done; null when there is none.
    pub oldest_created_at: Option<i64>,
}

impl From<moderato_store::QueueSummary> for QueueView {
    fn from(summary: moderato_store::QueueSummary) -> QueueView {
        QueueView {
            name: summary.name,
            open: summary.open,
            claimed: summary.claimed,
            oldest_created_at: summary.oldest_created_at,
        }
    }
}

/// Queues with their open and claimed counts and the oldest task: every known queue, empty
/// or not, then any other in name order.
#[utoipa::path(get, path = "/v1/queues", tag = "review",
    responses((status = 200, description = "Every queue", body = [QueueView]), (status = 403, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn queues(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    caller.require(&[Role::Moderator, Role::Viewer], "read queues")?;
    let summaries: Vec<QueueView> = state
        .service
        .store
        .queue_summaries(now_ms())
        .await
        .map_err(|error| store_error("queue summaries", error))?
        .into_iter()
        .map(QueueView::from)
        .collect();
    Ok(Json(summaries).into_response())
}

/// Claims the next task of a queue, with a lease; 204 when the queue is empty.
#[utoipa::path(get, path = "/v1/queues/{name}/next", tag = "review", params(("name" = String, Path)),
    responses((status = 200, body = ClaimedTask), (status = 204, description = "Nothing to review")), security(("bearer" = [])))]
pub async fn claim_next(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Moderator], "review content")?;
    let lease_ms = state.config.lease_seconds * 1000;
    let Some(task) = state
        .service
        .store
        .claim_next_task(&name, &caller.name, lease_ms, now_ms())
        .await
        .map_err(|error| store_error("claim task", error))?
    else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    Ok(Json(claimed_task(&state, task).await?).into_response())
}

pub(crate) async fn claimed_task(
    state: &AppState,
    task: moderato_store::ReviewTask,
) -> Result<ClaimedTask, ApiError> {
    let decision = state
        .service
        .store
        .find_decision(&task.decision_id)
        .await
        .map_err(|error| store_error("find decision", error))?
        .map(|stored| stored.decision)
        .unwrap_or(serde_json::Value::Null);
    let item = state
        .service
        .store
        .content_item(&task.content_id)
        .await
        .map_err(|error| store_error("find item", error))?;
    let appeal = match task.appeal_id {
        Some(id) => state
            .service
            .store
            .find_appeal(id)
            .await
            .map_err(|error| store_error("find appeal", error))?,
        None => None,
    };
    Ok(ClaimedTask {
        task,
        decision,
        item,
        appeal,
    })
}

/// The engine of the policy a decision was made with (loaded from the store if needed).
pub(crate) async fn engine_for(state: &AppState, digest: &str) -> Result<Arc<Engine>, ApiError> {
    if let Some(engine) = state.service.engines.cached(digest) {
        return Ok(engine);
    }
    let versions = state
        .service
        .store
        .list_policies()
        .await
        .map_err(|error| store_error("list policies", error))?;
    let version = versions
        .into_iter()
        .find(|version| version.digest == digest)
        .ok_or_else(|| {
            ApiError::Conflict(format!(
                "the policy {digest} of this decision is not stored"
            ))
        })?;
    let engine = state
        .service
        .engine_from_files(&version.files)
        .map_err(|error| ApiError::internal("load stored policy", error))?;
    state.service.engines.remember(engine.clone());
    Ok(engine)
}

/// Decide a claimed task: uphold, overturn or change, with reason and optional dissent.
#[utoipa::path(post, path = "/v1/reviews/{task}", tag = "review", params(("task" = i64, Path)), request_body = ReviewRequest,
    responses((status = 200, description = "The decision now in force", body = Object), (status = 400, body = crate::error::Problem), (status = 409, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn submit_review(
    State(state): State<AppState>,
    caller: Caller,
    Path(task_id): Path<i64>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let request: ReviewRequest = parse_json(&body_bytes(body, state.config.body_limit)?)?;
    let new_decision = perform_review(&state, &caller, task_id, request).await?;
    Ok(Json(new_decision).into_response())
}

/// Applies a reviewer's decision to a claimed task: the one code path of the API and the console.
pub(crate) async fn perform_review(
    state: &AppState,
    caller: &Caller,
    task_id: i64,
    request: ReviewRequest,
) -> Result<Decision, ApiError> {
    caller.require(&[Role::Moderator], "review content")?;
    let mut actions = Vec::new();
    for (index, name) in request.actions.iter().enumerate() {
        actions.push(
            name.parse::<Action>()
                .map_err(|error| ApiError::InvalidInput {
                    detail: format!("field `actions[{index}]`: {error}"),
                    field: Some(format!("actions[{index}]")),
                })?,
        );
    }
    let task = state
        .service
        .store
        .find_task(task_id)
        .await
        .map_err(|error| store_error("find task", error))?
        .ok_or_else(|| ApiError::NotFound(format!("no review task {task_id}")))?;
    if task.status == "done" {
        return Err(ApiError::Conflict(format!(
            "task {task_id} is already decided"
        )));
    }
    if task.lease_owner.as_deref() != Some(caller.name.as_str()) {
        return Err(ApiError::Conflict(format!(
            "task {task_id} is not claimed by you; claim it from its queue first"
        )));
    }
    let stored = state
        .service
        .store
        .find_decision(&task.decision_id)
        .await
        .map_err(|error| store_error("find decision", error))?
        .ok_or_else(|| ApiError::NotFound(format!("decision {} is missing", task.decision_id)))?;
    let original: Decision = serde_json::from_value(stored.decision)
        .map_err(|error| ApiError::internal("read decision", error))?;
    let item_json = state
        .service
        .store
        .content_item(&task.content_id)
        .await
        .map_err(|error| store_error("find item", error))?
        .ok_or_else(|| ApiError::NotFound(format!("content {} is missing", task.content_id)))?;
    let item: ContentItem = serde_json::from_value(item_json)
        .map_err(|error| ApiError::internal("read item", error))?;
    let engine = engine_for(state, &original.policy.digest).await?;
    let decision_id = ulid_string();
    let decided_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let new_decision = apply_review(
        engine.policy(),
        &original,
        &item,
        &HumanReview {
            reviewer: &caller.name,
            outcome: request.outcome,
            actions: &actions,
            reason: &request.reason,
            public_interest: request.public_interest.as_ref(),
            decision_id: &decision_id,
            decided_at: &decided_at,
        },
    )
    .map_err(|error| ApiError::InvalidInput {
        field: error
            .to_string()
            .strip_prefix("field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_string),
        detail: error.to_string(),
    })?;
    let input = moderato_store::ReviewInput {
        outcome: serde_json::to_value(request.outcome)
            .ok()
            .and_then(|value| value.as_str().map(str::to_string))
            .unwrap_or_default(),
        actions: request.actions.clone(),
        reason: request.reason.clone(),
        dissent: request.dissent.clone(),
        public_interest: request
            .public_interest
            .as_ref()
            .and_then(|balancing| serde_json::to_value(balancing).ok()),
    };
    state
        .service
        .store
        .complete_review(
            task_id,
            &caller.name,
            &input,
            Some(&new_decision),
            &task.content_id,
            now_ms(),
        )
        .await
        .map_err(|error| store_error("complete review", error))?;
    moderato_service::actioned::remember(
        &state.service.store,
        &state.service.actioned,
        &item.text,
        &new_decision,
    )
    .await;
    if let Some(account) = item.account_id() {
        state.service.strikes.forget(account);
    }
    metrics::counter!("moderato_reviews_total", "outcome" => input.outcome.clone()).increment(1);
    Ok(new_decision)
}

fn ulid_string() -> String {
    // The engine owns id generation for decisions; reviews reuse its format.
    moderato_engine::new_decision_id()
}

/// Appeal a decision (an action, or non-action); open for the pack's appeal window.
#[utoipa::path(post, path = "/v1/appeals", tag = "appeals", request_body = AppealRequest,
    responses((status = 201, body = Object), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create_appeal(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Ingest], "file appeals")?;
    let request: AppealRequest = parse_json(&body_bytes(body, state.config.body_limit)?)?;
    if request.statement.trim().is_empty() {
        return Err(ApiError::InvalidInput {
            detail: "field `statement`: must not be empty".into(),
            field: Some("statement".into()),
        });
    }
    let window = state.service.engines.active().policy().appeal_window_days;
    let appeal = state
        .service
        .store
        .create_appeal(
            &request.decision_id,
            &request.appellant,
            &request.statement,
            &caller.name,
            window,
            now_ms(),
        )
        .await
        .map_err(|error| store_error("create appeal", error))?;
    Ok((StatusCode::CREATED, Json(appeal)).into_response())
}

/// An appeal and its outcome.
#[utoipa::path(get, path = "/v1/appeals/{id}", tag = "appeals", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get_appeal(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    caller.require(
        &[Role::Ingest, Role::Viewer, Role::Moderator],
        "read appeals",
    )?;
    let appeal = state
        .service
        .store
        .find_appeal(id)
        .await
        .map_err(|error| store_error("find appeal", error))?
        .ok_or_else(|| ApiError::NotFound(format!("no appeal {id}")))?;
    Ok(Json(appeal).into_response())
}
