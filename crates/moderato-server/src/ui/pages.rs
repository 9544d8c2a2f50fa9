//! Console pages and form handlers.
//!
//! Every string from users or the store is rendered through askama's HTML
//! escaping. This module must never accept a state-changing form without the
//! session's CSRF token.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use moderato_core::review::{PublicInterestReview, ReviewOutcome};
use moderato_core::{CONTENT_ACTIONS_FOR_REVIEW, Decision};
use serde::Deserialize;

use super::charts::escape;
use super::{COOKIE, UiSession, is_cross_site, is_tls, session_id};
use crate::AppState;
use crate::auth::{Caller, Role};
use crate::error::ApiError;
use crate::routes::reviews::{ReviewRequest, claimed_task, perform_review};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    user: Option<String>,
    csrf: String,
    flash: Option<String>,
}

struct QueueRow {
    name: String,
    open: i64,
    claimed: i64,
    oldest: String,
}

#[derive(Template)]
#[template(path = "queues.html")]
struct QueuesPage {
    user: Option<String>,
    csrf: String,
    flash: Option<String>,
    queues: Vec<QueueRow>,
    can_review: bool,
}

struct RuleView {
    id: String,
    title: String,
    severity: u8,
    definition: String,
    evidence: Vec<EvidenceGroup>,
}

/// A rule's evidence for one signal: the signal's score and source exactly as the signals table
/// shows them (from the decision's `signals`), and the matches that support it.
struct EvidenceGroup {
    signal: String,
    score: String,
    source: String,
    matches: Vec<EvidenceMatch>,
}

/// One match: the text, why it counted, and its own weight when that differs from the signal's
/// score (an imminence indicator adds to the score; a weaker frame is outweighed by a stronger one).
struct EvidenceMatch {
    excerpt: Option<String>,
    note: String,
    weight: Option<String>,
}

/// A row of the signals table.
struct SignalRow {
    name: String,
    score: String,
    source: String,
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    user: Option<String>,
    csrf: String,
    flash: Option<String>,
    task_id: i64,
    kind: String,
    queue: String,
    content_id: String,
    appeal: Option<(String, String)>,
    segments: Vec<(String, bool)>,
    author: String,
    action: String,
    effects: String,
    rules: Vec<RuleView>,
    public_interest: Option<String>,
    /// Signals that scored, and those shown as 0.00 (folded away under a `<details>`).
    signals: Vec<SignalRow>,
    zero_signals: Vec<SignalRow>,
    mine: bool,
    ladder: Vec<(String, String)>,
    show_pi: bool,
}

pub(super) fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => ApiError::internal("render page", error).into_response(),
    }
}

pub(super) fn session(state: &AppState, headers: &HeaderMap) -> Option<UiSession> {
    session_id(headers).and_then(|id| state.sessions.get(&id))
}

/// "alice (moderator)" for the page header.
pub(super) fn user_label(session: &UiSession) -> String {
    format!("{} ({})", session.caller.name, session.caller.role.as_str())
}

pub(super) fn to_login() -> Response {
    Redirect::to("/ui/login").into_response()
}

pub(super) fn forbidden(message: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        Html(format!(
            "<!doctype html><title>Forbidden</title><p>{}</p><p><a href=\"/ui\">Back</a></p>",
            escape(message)
        )),
    )
        .into_response()
}

pub(super) fn check_csrf(session: &UiSession, token: &str) -> bool {
    // Constant-time enough for 64 hex characters compared once per form.
    session.csrf.len() == token.len()
        && session
            .csrf
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

fn age(created_ms: Option<i64>) -> String {
    match created_ms {
        None => "—".into(),
        Some(created) => {
            let minutes = (crate::now_ms() - created).max(0) / 60_000;
            if minutes < 60 {
                format!("{minutes} min")
            } else if minutes < 48 * 60 {
                format!("{} h", minutes / 60)
            } else {
                format!("{} days", minutes / 1440)
            }
        }
    }
}

/// `GET /ui/login`.
pub async fn login_form() -> Response {
    render(&LoginPage {
        user: None,
        csrf: String::new(),
        flash: None,
    })
}

/// Sign-in form fields.
#[derive(Deserialize)]
pub struct LoginForm {
    token: String,
}

/// `POST /ui/login`: a valid token starts a session.
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    // Cross-site sign-in attempts are refused (login CSRF).
    if is_cross_site(&headers) {
        return forbidden("cross-site sign-in refused");
    }
    let found = state
        .service
        .store
        .find_token(form.token.trim())
        .await
        .ok()
        .flatten();
    let Some(token) = found else {
        return (
            StatusCode::UNAUTHORIZED,
            render(&LoginPage {
                user: None,
                csrf: String::new(),
                flash: Some("That token is not valid.".into()),
            }),
        )
            .into_response();
    };
    let Some(role) = Role::parse(&token.role).filter(|role| *role != Role::Ingest) else {
        return (
            StatusCode::FORBIDDEN,
            render(&LoginPage {
                user: None,
                csrf: String::new(),
                flash: Some("Ingest tokens cannot use the console.".into()),
            }),
        )
            .into_response();
    };
    let Some(id) = state.sessions.start(Caller {
        token_id: token.id,
        name: token.name,
        role,
    }) else {
        return ApiError::internal("start session", "no randomness").into_response();
    };
    let secure = if is_tls(&headers) { "; Secure" } else { "" };
    let cookie = format!("{COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=28800{secure}");
    let mut response = Redirect::to("/ui").into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// Form with only the CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /ui/logout`.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let Some(session) = session(&state, &headers) else {
        return to_login();
    };
    if !check_csrf(&session, &form.csrf) {
        return forbidden("missing or wrong CSRF token");
    }
    if let Some(id) = session_id(&headers) {
        state.sessions.end(&id);
    }
    let mut response = Redirect::to("/ui/login").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("moderato_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    response
}

/// Set by a claim that found nothing for this reviewer.
#[derive(Deserialize)]
pub struct QueuesQuery {
    #[serde(default)]
    none: Option<String>,
}

/// `GET /ui`: the queues.
pub async fn queues(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<QueuesQuery>,
) -> Response {
    let Some(session) = session(&state, &headers) else {
        return to_login();
    };
    let summaries = match state.service.store.queue_summaries(crate::now_ms()).await {
        Ok(summaries) => summaries,
        Err(error) => return ApiError::internal("queues", error).into_response(),
    };
    render(&QueuesPage {
        user: Some(user_label(&session)),
        csrf: session.csrf.clone(),
        // Only a queue the store knows is named back; anything else in the link is ignored,
        // so the page never repeats text an attacker put in a URL.
        flash: query
            .none
            .as_deref()
            .and_then(|queue| summaries.iter().find(|summary| summary.name == queue))
            .map(|queue| {
                format!(
                    "No task in {} that you may take: the queue is empty, or its tasks are appeals of decisions you made.",
                    queue.name
                )
            }),
        queues: summaries
            .into_iter()
            .map(|queue| QueueRow {
                name: queue.name,
                open: queue.open,
                claimed: queue.claimed,
                oldest: age(queue.oldest_created_at),
            })
            .collect(),
        can_review: matches!(session.caller.role, Role::Moderator | Role::Admin),
    })
}

/// `POST /ui/queues/{name}/claim`.
pub async fn claim(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let Some(session) = session(&state, &headers) else {
        return to_login();
    };
    if !check_csrf(&session, &form.csrf) {
        return forbidden("missing or wrong CSRF token");
    }
    if session
        .caller
        .require(&[Role::Moderator], "review content")
        .is_err()
    {
        return forbidden("your role may not review content");
    }
    match state
        .service
        .store
        .claim_next_task(
            &name,
            &session.caller.name,
            state.config.lease_seconds * 1000,
            crate::now_ms(),
        )
        .await
    {
        Ok(Some(task)) => Redirect::to(&format!("/ui/tasks/{}", task.id)).into_response(),
        Ok(None) => Redirect::to(&format!("/ui?none={}", urlencode(&name))).into_response(),
        Err(error) => crate::error::from_store("claim", error).into_response(),
    }
}

/// A score as the task page shows it, in the signals table and in the evidence alike.
fn score_text(score: f64) -> String {
    format!("{score:.2}")
}

/// A rule's evidence grouped by signal, in order of first appearance; each group names the score
/// and source of the decision's signal of that name, the same the signals table shows.
fn evidence_groups(
    evidence: &[moderato_core::decision::Evidence],
    signals: &[moderato_core::decision::SignalScore],
) -> Vec<EvidenceGroup> {
    let mut groups: Vec<EvidenceGroup> = Vec::new();
    for item in evidence {
        let weight = score_text(item.score);
        if !groups.iter().any(|group| group.signal == item.signal) {
            let (score, source) = match signals.iter().find(|signal| signal.name == item.signal) {
                Some(signal) => (score_text(signal.score), signal.source.clone()),
                // Every decision the engine writes lists the signals its evidence names.
                None => (weight.clone(), "not in the signals table".to_string()),
            };
            groups.push(EvidenceGroup {
                signal: item.signal.clone(),
                score,
                source,
                matches: Vec::new(),
            });
        }
        if let Some(group) = groups.iter_mut().find(|group| group.signal == item.signal) {
            group.matches.push(EvidenceMatch {
                excerpt: item.excerpt.clone(),
                note: item.note.clone().unwrap_or_default(),
                weight: (weight != group.score).then_some(weight),
            });
        }
    }
    groups
}

/// The decision choices of the ladder with their shortcut keys: `1`–`9` in order, `x` for
/// `remove` (the tenth rung, which no digit reaches).
fn ladder() -> Vec<(String, String)> {
    CONTENT_ACTIONS_FOR_REVIEW
        .iter()
        .enumerate()
        .map(|(index, action)| {
            let key = if *action == moderato_core::ContentAction::Remove {
                "x".to_string()
            } else if index < 9 {
                (index + 1).to_string()
            } else {
                String::new()
            };
            (action.as_str().to_string(), key)
        })
        .collect()
}

fn segments(text: &str, decision: &Decision) -> Vec<(String, bool)> {
    let chars: Vec<char> = text.chars().collect();
    let mut marked = vec![false; chars.len()];
    for rule in &decision.rules {
        for evidence in &rule.evidence {
            if let Some([start, end]) = evidence.span {
                for flag in marked.iter_mut().take(end.min(chars.len())).skip(start) {
                    *flag = true;
                }
            }
        }
    }
    let mut out: Vec<(String, bool)> = Vec::new();
    for (c, flag) in chars.into_iter().zip(marked) {
        match out.last_mut() {
            Some((segment, last)) if *last == flag => segment.push(c),
            _ => out.push((c.to_string(), flag)),
        }
    }
    out
}

/// `GET /ui/tasks/{id}`.
pub async fn task(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    let Some(session) = session(&state, &headers) else {
        return to_login();
    };
    let task = match state.service.store.find_task(id).await {
        Ok(Some(task)) => task,
        Ok(None) => {
            return (
                StatusCode::NOT_FOUND,
                Html("<!doctype html><p>No such task.</p>".to_string()),
            )
                .into_response();
        }
        Err(error) => return ApiError::internal("task", error).into_response(),
    };
    let mine = task.status == "claimed"
        && task.lease_owner.as_deref() == Some(session.caller.name.as_str());
    let claimed = match claimed_task(&state, task).await {
        Ok(claimed) => claimed,
        Err(error) => return error.into_response(),
    };
    let decision: Decision = match serde_json::from_value(claimed.decision.clone()) {
        Ok(decision) => decision,
        Err(error) => return ApiError::internal("read decision", error).into_response(),
    };
    let item: Option<moderato_core::ContentItem> = claimed
        .item
        .clone()
        .and_then(|value| serde_json::from_value(value).ok());
    let text = item
        .as_ref()
        .map(|item| item.text.clone())
        .unwrap_or_default();
    let author = item
        .as_ref()
        .map(|item| {
            format!(
                "{} · role {} · {} · {} · {} prior strikes",
                item.author
                    .handle
                    .clone()
                    .or(item.author.id.clone())
                    .unwrap_or_else(|| "unknown".into()),
                item.author.public_role.as_str(),
                super::followers(item.author.followers),
                if item.author.verified {
                    "verified"
                } else {
                    "not verified"
                },
                item.author.prior_strikes
            )
        })
        .unwrap_or_default();
    let policy = state
        .service
        .engines
        .cached(&decision.policy.digest)
        .map(|engine| engine.policy().clone());
    let rules = decision
        .rules
        .iter()
        .map(|rule| RuleView {
            id: rule.id.clone(),
            title: rule.title.clone(),
            severity: rule.severity,
            definition: policy
                .as_ref()
                .and_then(|policy| {
                    policy
                        .rules
                        .iter()
                        .find(|candidate| candidate.id == rule.id)
                })
                .map(|found| found.definition.clone())
                .unwrap_or_default(),
            evidence: evidence_groups(&rule.evidence, &decision.signals),
        })
        .collect();
    let (signals, zero_signals): (Vec<SignalRow>, Vec<SignalRow>) = decision
        .signals
        .iter()
        .map(|signal| SignalRow {
            name: signal.name.clone(),
            score: score_text(signal.score),
            source: signal.source.clone(),
        })
        .partition(|row| row.score != score_text(0.0));
    let effects = &decision.effects;
    render(&TaskPage {
        user: Some(user_label(&session)),
        csrf: session.csrf.clone(),
        flash: None,
        task_id: id,
        kind: claimed.task.kind.clone(),
        queue: claimed.task.queue.clone(),
        content_id: claimed.task.content_id.clone(),
        appeal: claimed
            .appeal
            .as_ref()
            .map(|appeal| (appeal.appellant.clone(), appeal.statement.clone())),
        segments: segments(&text, &decision),
        author,
        action: decision
            .actions
            .iter()
            .map(|action| action.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        effects: format!(
            "visible {} · recommendable {} · replies {} · likes {} · reposts {} · quotes {}{}",
            effects.visible,
            effects.recommendable,
            effects.interactions.reply,
            effects.interactions.like,
            effects.interactions.repost,
            effects.interactions.quote,
            effects
                .interstitial
                .as_ref()
                .map(|text| format!(" · screen: {text}"))
                .unwrap_or_default()
        ),
        rules,
        public_interest: decision.public_interest.as_ref().map(|assessment| {
            format!(
                "eligible {} · applied {} · value {:.2} vs harm {:.2} · imminence {:.2} · {}",
                assessment.eligible,
                assessment.applied,
                assessment.value,
                assessment.harm.weight,
                assessment.harm.imminence,
                assessment.reason
            )
        }),
        signals,
        zero_signals,
        mine,
        ladder: ladder(),
        show_pi: decision.public_interest.is_some(),
    })
}

/// The review form.
#[derive(Deserialize)]
pub struct ReviewForm {
    csrf: String,
    choice: String,
    #[serde(default)]
    strike: Option<String>,
    reason: String,
    #[serde(default)]
    dissent: Option<String>,
    #[serde(default)]
    pi: Option<String>,
    #[serde(default)]
    pi_reason: Option<String>,
}

/// `POST /ui/tasks/{id}/review`: the same review function as the API.
pub async fn review(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<ReviewForm>,
) -> Response {
    let Some(session) = session(&state, &headers) else {
        return to_login();
    };
    if !check_csrf(&session, &form.csrf) {
        return forbidden("missing or wrong CSRF token");
    }
    let (outcome, mut actions) = match form.choice.as_str() {
        "uphold" => (ReviewOutcome::Uphold, Vec::new()),
        "overturn" => (ReviewOutcome::Overturn, Vec::new()),
        other => (ReviewOutcome::Change, vec![other.to_string()]),
    };
    if outcome == ReviewOutcome::Change && form.strike.is_some() {
        actions.push("strike".into());
    }
    let public_interest = match form.pi.as_deref() {
        Some("apply") | Some("refuse") => Some(PublicInterestReview {
            applied: form.pi.as_deref() == Some("apply"),
            reason: form.pi_reason.clone().unwrap_or_default(),
        }),
        _ => None,
    };
    let request = ReviewRequest {
        outcome,
        actions,
        reason: form.reason,
        dissent: form.dissent.filter(|text| !text.trim().is_empty()),
        public_interest,
    };
    match perform_review(&state, &session.caller, id, request).await {
        Ok(decision) => {
            Redirect::to(&format!("/ui/items/{}", urlencode(&decision.content_id))).into_response()
        }
        Err(error) => {
            let status = match &error {
                ApiError::InvalidInput { .. } => StatusCode::BAD_REQUEST,
                ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
                ApiError::Conflict(_) => StatusCode::CONFLICT,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            (status, Html(format!("<!doctype html><title>Not applied</title><p>{}</p><p><a href=\"/ui/tasks/{id}\">Back to the task</a></p>", escape(&error.to_string())))).into_response()
        }
    }
}

pub(super) fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
                (byte as char).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

/// Lookup form target.
#[derive(Deserialize)]
pub struct ItemQuery {
    id: String,
}

/// `GET /ui/items?id=…`.
pub async fn item_lookup(Query(query): Query<ItemQuery>) -> Response {
    Redirect::to(&format!("/ui/items/{}", urlencode(&query.id))).into_response()
}
