//! Policy versions: list, upload (validated first), activate, compare.
//!
//! A pack that fails validation is rejected with every diagnostic and never
//! stored; activation is explicit and audited. This module must never
//! activate a pack on upload.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use moderato_engine::{Engine, EngineError, load_pack};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{body_bytes, parse_json};
use crate::auth::{Caller, Role};
use crate::error::{ApiError, from_store};
use crate::{AppState, files_from_json, files_to_json, now_ms};

/// A pack to upload: its files by name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyUploadRequest {
    /// File name → TOML text, e.g. `{"policy.toml": "...", "violence.toml": "..."}`.
    pub files: BTreeMap<String, String>,
}

/// A stored version without its files.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicySummary {
    /// Version.
    pub version: String,
    /// Digest.
    pub digest: String,
    /// Upload time (ms since epoch).
    pub uploaded_at: i64,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// Whether it is in force.
    pub active: bool,
}

/// What changed between two versions, rule by rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyDiff {
    /// Old version.
    pub from: String,
    /// New version.
    pub to: String,
    /// Rules only in the new version.
    pub added: Vec<String>,
    /// Rules only in the old version.
    pub removed: Vec<String>,
    /// Rules whose definition, condition, actions or settings changed, with the fields that changed.
    #[schema(value_type = Object)]
    pub changed: BTreeMap<String, Vec<String>>,
    /// Whether the public-interest test or the strike ladder changed.
    pub settings_changed: Vec<String>,
}

/// Stored policy versions.
#[utoipa::path(get, path = "/v1/policies", tag = "policies", responses((status = 200, body = Vec<PolicySummary>)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<PolicySummary>>, ApiError> {
    caller.require(&[Role::Viewer, Role::Moderator], "read policies")?;
    let versions = state
        .service
        .store
        .list_policies()
        .await
        .map_err(|error| from_store("list policies", error))?;
    Ok(Json(
        versions
            .into_iter()
            .map(|version| PolicySummary {
                version: version.version,
                digest: version.digest,
                uploaded_at: version.uploaded_at,
                uploaded_by: version.uploaded_by,
                active: version.active,
            })
            .collect(),
    ))
}

/// Upload a pack; it is validated and stored, not activated.
#[utoipa::path(post, path = "/v1/policies", tag = "policies", request_body = PolicyUploadRequest,
    responses((status = 201, body = PolicySummary), (status = 200, description = "Already stored", body = PolicySummary),
        (status = 422, description = "Invalid pack: every problem with file, line, column and field", body = crate::error::Problem),
        (status = 409, description = "Version exists with other content", body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[], "upload policies")?;
    let request: PolicyUploadRequest = parse_json(&body_bytes(body, state.config.body_limit)?)?;
    let policy = load_pack(&request.files).map_err(|error| match error {
        EngineError::InvalidPolicy(error) => ApiError::InvalidPolicy(error),
        other => ApiError::internal("load uploaded pack", other),
    })?;
    let now = now_ms();
    let outcome = state
        .service
        .store
        .upload_policy(
            &policy.version,
            &policy.digest,
            &files_to_json(&policy),
            &caller.name,
            now,
        )
        .await
        .map_err(|error| from_store("upload policy", error))?;
    let status = match outcome {
        moderato_store::PolicyUpload::Created => StatusCode::CREATED,
        moderato_store::PolicyUpload::AlreadyPresent => StatusCode::OK,
    };
    Ok((
        status,
        Json(PolicySummary {
            version: policy.version.clone(),
            digest: policy.digest.clone(),
            uploaded_at: now,
            uploaded_by: caller.name,
            active: false,
        }),
    )
        .into_response())
}

/// Activate a stored version: `POST /v1/policies/{version}:activate`.
#[utoipa::path(post, path = "/v1/policies/{version}:activate", tag = "policies", params(("version" = String, Path)),
    responses((status = 200, body = PolicySummary), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn activate(
    State(state): State<AppState>,
    caller: Caller,
    Path(version_action): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(&[], "activate policies")?;
    let version = version_action.strip_suffix(":activate").ok_or_else(|| {
        ApiError::NotFound(format!(
            "no such action `{version_action}`; use POST /v1/policies/{{version}}:activate"
        ))
    })?;
    let stored = state
        .service
        .store
        .list_policies()
        .await
        .map_err(|error| from_store("list policies", error))?
        .into_iter()
        .find(|candidate| candidate.version == version)
        .ok_or_else(|| ApiError::NotFound(format!("no policy version `{version}`")))?;
    // Validate again before activation: a pack that fails validation can never be used.
    let engine = state
        .service
        .engine_from_files(&stored.files)
        .map_err(|error| match error {
            EngineError::InvalidPolicy(error) => ApiError::InvalidPolicy(error),
            other => ApiError::internal("load stored pack", other),
        })?;
    state
        .service
        .store
        .activate_policy(version, &caller.name, now_ms())
        .await
        .map_err(|error| from_store("activate policy", error))?;
    state.service.engines.activate(engine);
    Ok(Json(PolicySummary {
        version: stored.version,
        digest: stored.digest,
        uploaded_at: stored.uploaded_at,
        uploaded_by: stored.uploaded_by,
        active: true,
    })
    .into_response())
}

/// Rule-by-rule differences between two stored versions.
#[utoipa::path(get, path = "/v1/policies/{a}/diff/{b}", tag = "policies", params(("a" = String, Path), ("b" = String, Path)),
    responses((status = 200, body = PolicyDiff), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn diff(
    State(state): State<AppState>,
    caller: Caller,
    Path((a, b)): Path<(String, String)>,
) -> Result<Json<PolicyDiff>, ApiError> {
    caller.require(&[Role::Viewer, Role::Moderator], "read policies")?;
    Ok(Json(policy_diff(&state, a, b).await?))
}

/// Rule-by-rule differences between two stored versions: the one code path of the API and the console.
pub(crate) async fn policy_diff(
    state: &AppState,
    a: String,
    b: String,
) -> Result<PolicyDiff, ApiError> {
    let versions = state
        .service
        .store
        .list_policies()
        .await
        .map_err(|error| from_store("list policies", error))?;
    let load = |wanted: &str| -> Result<moderato_core::Policy, ApiError> {
        let version = versions
            .iter()
            .find(|candidate| candidate.version == wanted)
            .ok_or_else(|| ApiError::NotFound(format!("no policy version `{wanted}`")))?;
        load_pack(&files_from_json(&version.files))
            .map_err(|error| ApiError::internal("load stored pack", error))
    };
    let (old, new) = (load(&a)?, load(&b)?);
    let rules = |policy: &moderato_core::Policy| -> BTreeMap<String, serde_json::Value> {
        policy
            .rules
            .iter()
            .map(|rule| {
                (
                    rule.id.clone(),
                    serde_json::to_value(rule).unwrap_or(serde_json::Value::Null),
                )
            })
            .collect()
    };
    let (old_rules, new_rules) = (rules(&old), rules(&new));
    let mut changed = BTreeMap::new();
    for (id, old_rule) in &old_rules {
        if let Some(new_rule) = new_rules.get(id)
            && old_rule != new_rule
        {
            let fields = match (old_rule.as_object(), new_rule.as_object()) {
                (Some(old_fields), Some(new_fields)) => old_fields
                    .iter()
                    .filter(|(key, value)| new_fields.get(*key) != Some(*value))
                    .map(|(key, _)| key.clone())
                    .collect(),
                _ => vec!["rule".to_string()],
            };
            changed.insert(id.clone(), fields);
        }
    }
    let mut settings_changed = Vec::new();
    if old.public_interest != new.public_interest {
        settings_changed.push("public_interest".to_string());
    }
    if old.strikes != new.strikes {
        settings_changed.push("strikes".to_string());
    }
    if old.claims != new.claims {
        settings_changed.push("claims".to_string());
    }
    Ok(PolicyDiff {
        from: a,
        to: b,
        added: new_rules
            .keys()
            .filter(|id| !old_rules.contains_key(*id))
            .cloned()
            .collect(),
        removed: old_rules
            .keys()
            .filter(|id| !new_rules.contains_key(*id))
            .cloned()
            .collect(),
        changed,
        settings_changed,
    })
}

/// Replays the `limit` most recently submitted items under two stored versions,
/// with the engine's `diff` (the one `moderato policy diff` runs): what would
/// change if `to` replaced `from`. Nothing is written. The console's replay
/// calls this; like the CLI, both engines run without the actioned-content index.
pub(crate) async fn policy_replay(
    state: &AppState,
    from: &str,
    to: &str,
    limit: i64,
    show: usize,
) -> Result<moderato_engine::diff::DiffReport, ApiError> {
    let versions = state
        .service
        .store
        .list_policies()
        .await
        .map_err(|error| from_store("list policies", error))?;
    let engine = |wanted: &str| -> Result<Engine, ApiError> {
        let version = versions
            .iter()
            .find(|candidate| candidate.version == wanted)
            .ok_or_else(|| ApiError::NotFound(format!("no policy version `{wanted}`")))?;
        let policy = load_pack(&files_from_json(&version.files))
            .map_err(|error| ApiError::internal("load stored pack", error))?;
        Engine::new(policy).map_err(|error| ApiError::internal("build engine", error))
    };
    let (old, new) = (engine(from)?, engine(to)?);
    let items = state
        .service
        .store
        .recent_content_items(limit)
        .await
        .map_err(|error| from_store("recent content", error))?;
    // Newest first from the store; replayed oldest first so "line" reads as a position in time.
    let corpus: Vec<(usize, moderato_core::ContentItem)> = items
        .into_iter()
        .rev()
        .filter_map(|value| serde_json::from_value(value).ok())
        .enumerate()
        .map(|(index, item)| (index + 1, item))
        .collect();
    // Evaluation is CPU-bound: keep it off the async workers.
    tokio::task::spawn_blocking(move || moderato_engine::diff::diff(&old, &new, &corpus, show))
        .await
        .map_err(|error| ApiError::internal("replay", error))
}
