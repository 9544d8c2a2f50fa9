//! The history page of one item (`/ui/items/{id}`): every decision in its
//! chain, a page of its audit entries, and whether the audit chain verifies.
//!
//! The chain mark comes from [`crate::chain::ChainWatch`], which verifies only
//! what was appended since the last look. This module must never walk the
//! whole chain or read the whole log for one page view.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use moderato_core::Decision;
use serde::Deserialize;

use super::pages::{render, session, to_login, urlencode, user_label};
use crate::AppState;
use crate::chain::ChainStatus;
use crate::error::ApiError;

/// Audit entries per page.
pub const AUDIT_PAGE: i64 = 50;

/// One decision in the item's chain.
struct DecisionRow {
    when: String,
    decision_id: String,
    decided_by: String,
    action: String,
    policy: String,
    notice: String,
}

/// One audit entry: a one-line summary, the full payload folded away.
struct AuditRow {
    seq: i64,
    when: String,
    kind: String,
    summary: String,
    details: String,
}

#[derive(Template)]
#[template(path = "item.html")]
struct ItemPage {
    user: Option<String>,
    csrf: String,
    flash: Option<String>,
    content_id: String,
    /// `ok`, `pending` or `broken`.
    chain: &'static str,
    chain_text: String,
    decisions: Vec<DecisionRow>,
    audit: Vec<AuditRow>,
    /// Link to the next (older) page of entries.
    older: Option<String>,
    /// Link back to the newest entries, when not on the first page.
    newest: Option<String>,
}

/// `?before=SEQ`: the page of entries older than SEQ.
#[derive(Deserialize)]
pub struct HistoryQuery {
    before: Option<i64>,
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|time| time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// The payload's scalar fields, `key: value`, up to 120 characters.
fn summarise(payload: &serde_json::Value) -> String {
    let mut parts = Vec::new();
    if let Some(map) = payload.as_object() {
        for (key, value) in map {
            let text = match value {
                serde_json::Value::String(text) => text.clone(),
                serde_json::Value::Number(number) => number.to_string(),
                serde_json::Value::Bool(flag) => flag.to_string(),
                _ => continue,
            };
            parts.push(format!("{key}: {text}"));
        }
    }
    let mut summary = parts.join(" · ");
    if summary.chars().count() > 120 {
        summary = summary.chars().take(119).collect::<String>() + "…";
    }
    summary
}

/// `GET /ui/items/{id}`.
pub async fn item(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(content_id): Path<String>,
    Query(query): Query<HistoryQuery>,
) -> Response {
    let Some(session) = session(&state, &headers) else {
        return to_login();
    };
    let mut decisions = Vec::new();
    let mut next = match state.service.store.find_content_decision(&content_id).await {
        Ok(found) => found,
        Err(error) => return ApiError::internal("item", error).into_response(),
    };
    while let Some(stored) = next.take() {
        if decisions.len() >= 200 {
            break;
        }
        let decision: Option<Decision> = serde_json::from_value(stored.decision.clone()).ok();
        decisions.push(DecisionRow {
            when: rfc3339(stored.created_at),
            decision_id: stored.decision_id.clone(),
            decided_by: stored.decided_by.clone(),
            action: decision
                .as_ref()
                .map(|decision| decision.action.to_string())
                .unwrap_or_default(),
            policy: decision
                .as_ref()
                .map(|decision| format!("{}@{}", decision.policy.id, decision.policy.version))
                .unwrap_or_default(),
            notice: decision
                .as_ref()
                .and_then(|decision| decision.notice.as_ref())
                .map(|notice| notice.author.clone())
                .unwrap_or_default(),
        });
        next = match stored.previous_decision_id {
            Some(previous) => state
                .service
                .store
                .find_decision(&previous)
                .await
                .ok()
                .flatten(),
            None => None,
        };
    }
    let (chain, chain_text) = match state
        .chain
        .status(&state.service.store, crate::now_ms)
        .await
    {
        ChainStatus::Verified {
            through_seq,
            full_walk_at,
            checked_since,
        } => (
            "ok",
            format!(
                "✔ verifies: entries 1 to {through_seq} (full walk {}, {checked_since} entries checked since)",
                rfc3339(full_walk_at)
            ),
        ),
        ChainStatus::Pending => (
            "pending",
            "… being verified (a full walk is running; reload in a moment)".to_owned(),
        ),
        ChainStatus::Broken { seq, message } => (
            "broken",
            format!("✘ does not verify: entry {seq}: {message}"),
        ),
    };
    let entries = match state
        .service
        .store
        .audit_entries_for_subject(&content_id, query.before, AUDIT_PAGE + 1)
        .await
    {
        Ok(entries) => entries,
        Err(error) => return ApiError::internal("audit", error).into_response(),
    };
    let base = format!("/ui/items/{}", urlencode(&content_id));
    let older = (entries.len() as i64 > AUDIT_PAGE)
        .then(|| entries.get(AUDIT_PAGE as usize - 1))
        .flatten()
        .map(|last| format!("{base}?before={}", last.seq));
    let audit = entries
        .into_iter()
        .take(AUDIT_PAGE as usize)
        .map(|entry| AuditRow {
            seq: entry.seq,
            when: rfc3339(entry.created_at),
            summary: summarise(&entry.payload),
            details: serde_json::to_string_pretty(&entry.payload).unwrap_or_default(),
            kind: entry.kind,
        })
        .collect();
    render(&ItemPage {
        user: Some(user_label(&session)),
        csrf: session.csrf.clone(),
        flash: None,
        newest: query.before.map(|_| base.clone()),
        content_id,
        chain,
        chain_text,
        decisions,
        audit,
        older,
    })
}
