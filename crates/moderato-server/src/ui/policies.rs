//! The console's policies page: stored versions, the active one, a
//! rule-by-rule comparison of two versions, and a replay of recent content
//! under a candidate version before it is activated.
//!
//! The comparison and the replay are the API's functions
//! (`routes::policies::policy_diff` and `policy_replay`, the latter running the
//! engine's `diff` like `moderato policy diff`); this module only renders
//! them. It must never activate a version or write anything, and the replay
//! form, though read-only, still requires the session's CSRF token because it
//! costs CPU.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use moderato_engine::diff::DiffReport;
use serde::Deserialize;

use super::pages::{check_csrf, forbidden, render, session, to_login, user_label};
use crate::AppState;
use crate::auth::Role;
use crate::error::ApiError;
use crate::routes::policies::{PolicyDiff, policy_diff, policy_replay};

/// Items replayed when the form does not say.
pub const DEFAULT_REPLAY_ITEMS: i64 = 200;
/// The most items one replay may take.
pub const MAX_REPLAY_ITEMS: i64 = 5000;
/// Changed items listed.
const SHOWN_CHANGES: usize = 50;

/// One stored version as listed.
struct VersionRow {
    version: String,
    digest: String,
    uploaded: String,
    by: String,
    active: bool,
}

/// One changed item of a replay.
struct ChangedRow {
    content_id: String,
    old_action: String,
    new_action: String,
    old_rules: String,
    new_rules: String,
}

/// A replay's outcome, rendered by `replay.html`.
struct ReplayView {
    from: String,
    to: String,
    items: u64,
    changed: u64,
    transitions: Vec<(String, u64)>,
    rules: Vec<(String, u64, u64)>,
    rows: Vec<ChangedRow>,
    error: Option<String>,
}

impl ReplayView {
    fn from_report(from: &str, to: &str, report: DiffReport) -> ReplayView {
        ReplayView {
            from: from.to_string(),
            to: to.to_string(),
            items: report.items,
            changed: report.changed,
            transitions: report.transitions.into_iter().collect(),
            rules: report
                .by_rule
                .into_iter()
                .filter(|(_, counts)| counts.old != counts.new)
                .map(|(rule, counts)| (rule, counts.old, counts.new))
                .collect(),
            rows: report
                .first_changes
                .into_iter()
                .map(|change| ChangedRow {
                    content_id: change.content_id,
                    old_action: change.old_action.to_string(),
                    new_action: change.new_action.to_string(),
                    old_rules: rules_or_none(&change.old_rules),
                    new_rules: rules_or_none(&change.new_rules),
                })
                .collect(),
            error: None,
        }
    }

    fn failed(from: &str, to: &str, error: String) -> ReplayView {
        ReplayView {
            from: from.to_string(),
            to: to.to_string(),
            items: 0,
            changed: 0,
            transitions: Vec::new(),
            rules: Vec::new(),
            rows: Vec::new(),
            error: Some(error),
        }
    }
}

fn rules_or_none(rules: &[String]) -> String {
    if rules.is_empty() {
        "none".to_string()
    } else {
        rules.join(", ")
    }
}

#[derive(Template)]
#[template(path = "policies.html")]
struct PoliciesPage {
    user: Option<String>,
    csrf: String,
    flash: Option<String>,
    versions: Vec<VersionRow>,
    active: String,
    from: String,
    to: String,
    diff: Option<PolicyDiff>,
    changed: Vec<(String, String)>,
    limit: i64,
    replay: Option<ReplayView>,
}

/// Only the replay's result, for htmx to swap into the page.
#[derive(Template)]
#[template(path = "replay.html")]
struct ReplayFragment {
    replay: Option<ReplayView>,
}

/// Which versions to compare.
#[derive(Deserialize)]
pub struct DiffQuery {
    #[serde(default)]
    a: Option<String>,
    #[serde(default)]
    b: Option<String>,
}

/// Builds the whole page; `replay` is shown under the replay form.
async fn policies_page(
    state: &AppState,
    headers: &HeaderMap,
    from: String,
    to: String,
    limit: i64,
    replay: Option<ReplayView>,
) -> Response {
    let Some(session) = session(state, headers) else {
        return to_login();
    };
    let versions = match state.service.store.list_policies().await {
        Ok(versions) => versions,
        Err(error) => return ApiError::internal("policies", error).into_response(),
    };
    let (diff, flash) = if from.is_empty() || to.is_empty() {
        (None, None)
    } else {
        match policy_diff(state, from.clone(), to.clone()).await {
            Ok(diff) => (Some(diff), None),
            Err(error) => (None, Some(error.to_string())),
        }
    };
    let changed = diff
        .as_ref()
        .map(|diff| {
            diff.changed
                .iter()
                .map(|(id, fields)| (id.clone(), fields.join(", ")))
                .collect()
        })
        .unwrap_or_default();
    let active = versions
        .iter()
        .find(|version| version.active)
        .map(|version| version.version.clone())
        .unwrap_or_default();
    render(&PoliciesPage {
        user: Some(user_label(&session)),
        csrf: session.csrf.clone(),
        flash,
        versions: versions
            .into_iter()
            .map(|version| VersionRow {
                version: version.version,
                digest: version.digest,
                uploaded: chrono::DateTime::from_timestamp_millis(version.uploaded_at)
                    .map(|time| time.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default(),
                by: version.uploaded_by,
                active: version.active,
            })
            .collect(),
        active,
        from,
        to,
        diff,
        changed,
        limit,
        replay,
    })
}

/// `GET /ui/policies`: versions, the active one, and a rule-by-rule comparison.
pub async fn policies(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<DiffQuery>,
) -> Response {
    let (from, to) = (query.a.unwrap_or_default(), query.b.unwrap_or_default());
    policies_page(&state, &headers, from, to, DEFAULT_REPLAY_ITEMS, None).await
}

/// The replay form.
#[derive(Deserialize)]
pub struct ReplayForm {
    csrf: String,
    to: String,
    #[serde(default)]
    limit: Option<String>,
}

/// `POST /ui/policies/replay`: replays recent content under the active version
/// and a candidate. htmx gets only the result; without JavaScript the whole
/// page comes back with the result in place.
pub async fn replay(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<ReplayForm>,
) -> Response {
    let Some(session) = session(&state, &headers) else {
        return to_login();
    };
    if !check_csrf(&session, &form.csrf) {
        return forbidden("missing or wrong CSRF token");
    }
    // The same roles as reading policies through the API; checked here too, not only at
    // sign-in, so a role added to the console later cannot run replays by accident.
    if session
        .caller
        .require(&[Role::Viewer, Role::Moderator], "replay policies")
        .is_err()
    {
        return forbidden("your role may not replay policies");
    }
    let limit = form
        .limit
        .as_deref()
        .and_then(|text| text.trim().parse::<i64>().ok())
        .unwrap_or(DEFAULT_REPLAY_ITEMS)
        .clamp(1, MAX_REPLAY_ITEMS);
    let active = match state.service.store.active_policy().await {
        Ok(Some(active)) => active.version,
        Ok(None) => String::new(),
        Err(error) => return ApiError::internal("active policy", error).into_response(),
    };
    let (view, status) = if active.is_empty() {
        (
            ReplayView::failed(&active, &form.to, "no version is active".into()),
            StatusCode::CONFLICT,
        )
    } else {
        match policy_replay(&state, &active, &form.to, limit, SHOWN_CHANGES).await {
            Ok(report) => (
                ReplayView::from_report(&active, &form.to, report),
                StatusCode::OK,
            ),
            Err(error) => {
                let status = match &error {
                    ApiError::NotFound(_) => StatusCode::NOT_FOUND,
                    _ => StatusCode::INTERNAL_SERVER_ERROR,
                };
                (
                    ReplayView::failed(&active, &form.to, error.to_string()),
                    status,
                )
            }
        }
    };
    let htmx = headers
        .get("hx-request")
        .is_some_and(|value| value.as_bytes() == b"true");
    let page = if htmx {
        render(&ReplayFragment { replay: Some(view) })
    } else {
        policies_page(
            &state,
            &headers,
            String::new(),
            String::new(),
            limit,
            Some(view),
        )
        .await
    };
    (status, page).into_response()
}
