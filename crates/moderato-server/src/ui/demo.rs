//! The demo feed at `/demo` (only with `moderato serve --demo`): bundled example
//! posts, and posts a visitor types, rendered as a platform would render each
//! rung of the ladder.
//!
//! Posts go through the same decide-and-store path as `POST /v1/content`. This
//! module must never render a post without escaping it, or show a removed
//! post's text.

use std::sync::Mutex;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use moderato_core::{ContentAction, ContentItem, Decision};
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;

/// The bundled example posts.
const EXAMPLES: &str = include_str!("../../../../examples/posts.jsonl");
const MAX_POSTS: usize = 50;

/// Ids of the posts shown in the feed, newest first.
#[derive(Default)]
pub struct DemoFeed {
    ids: Mutex<Vec<String>>,
}

impl DemoFeed {
    fn push(&self, id: String) {
        if let Ok(mut ids) = self.ids.lock() {
            ids.retain(|known| known != &id);
            ids.insert(0, id);
            ids.truncate(MAX_POSTS);
        }
    }

    fn ids(&self) -> Vec<String> {
        self.ids.lock().map(|ids| ids.clone()).unwrap_or_default()
    }
}

/// Seeds the feed with the bundled examples (idempotent: resubmissions return the stored decision).
pub async fn seed(state: &AppState) -> Result<usize, ApiError> {
    let engine = state.service.engines.active();
    let mut count = 0;
    let mut seeded = Vec::new();
    for line in EXAMPLES.lines().filter(|line| !line.trim().is_empty()) {
        let mut item = engine.parse(line)?;
        item.id = format!("demo-{}", item.id);
        let id = item.id.clone();
        state.service.decide(item).await?;
        seeded.push(id);
        count += 1;
    }
    // Shown in file order, the first example on top.
    for id in seeded.into_iter().rev() {
        state.demo.push(id);
    }
    Ok(count)
}

struct PostView {
    author: String,
    role: String,
    text: String,
    action: String,
    removed: bool,
    tombstone: String,
    screen: Option<String>,
    label: Option<(String, Option<String>)>,
    recommendable: bool,
    reply: bool,
    like: bool,
    repost: bool,
    quote: bool,
    why: String,
}

#[derive(Template)]
#[template(path = "demo.html")]
struct DemoPage {
    posts: Vec<PostView>,
}

fn view(item: &ContentItem, decision: &Decision) -> PostView {
    let rule = decision
        .rules
        .first()
        .map(|rule| format!("“{}”", rule.title))
        .unwrap_or_else(|| "our rules".into());
    let effects = &decision.effects;
    let removed = !effects.visible;
    let tombstone = match decision.action {
        ContentAction::HoldForReview => {
            format!("This post is hidden while a moderator checks it against the rule {rule}.")
        }
        _ => format!("This post was removed for breaking the rule {rule}."),
    };
    let screen = effects.interstitial.clone().or_else(|| {
        effects
            .age_restricted
            .then(|| "Age-restricted: confirm you are an adult to view this post.".to_string())
    });
    PostView {
        author: item
            .author
            .handle
            .clone()
            .or(item.author.id.clone())
            .map(|name| format!("@{name}"))
            .unwrap_or_else(|| "@visitor".into()),
        role: match item.author.public_role {
            moderato_core::content::PublicRole::None => String::new(),
            role => format!(
                "{} · {}",
                role.as_str().replace('_', " "),
                super::followers(item.author.followers)
            ),
        },
        text: item.text.clone(),
        action: decision
            .actions
            .iter()
            .map(|action| action.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        removed,
        tombstone,
        screen,
        label: effects.label.as_ref().map(|label| {
            (
                label.text.clone(),
                label
                    .link
                    .clone()
                    .filter(|link| link.starts_with("https://")),
            )
        }),
        recommendable: effects.recommendable,
        reply: effects.interactions.reply,
        like: effects.interactions.like,
        repost: effects.interactions.repost,
        quote: effects.interactions.quote,
        why: format!("Turned off because this post broke the rule {rule}."),
    }
}

/// `GET /demo`.
pub async fn feed(State(state): State<AppState>) -> Response {
    if !state.config.demo {
        return (
            StatusCode::NOT_FOUND,
            "the demo feed is off; start the server with --demo",
        )
            .into_response();
    }
    let mut posts = Vec::new();
    for id in state.demo.ids() {
        let Ok(Some(stored)) = state.service.store.find_content_decision(&id).await else {
            continue;
        };
        let Ok(Some(item_json)) = state.service.store.content_item(&id).await else {
            continue;
        };
        let (Ok(decision), Ok(item)) = (
            serde_json::from_value::<Decision>(stored.decision),
            serde_json::from_value::<ContentItem>(item_json),
        ) else {
            continue;
        };
        posts.push(view(&item, &decision));
    }
    match (DemoPage { posts }).render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => ApiError::internal("render demo", error).into_response(),
    }
}

/// The post form.
#[derive(Deserialize)]
pub struct PostForm {
    text: String,
}

/// `POST /demo/post`: a visitor's post goes through the same path as the API.
pub async fn post(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<PostForm>,
) -> Response {
    if !state.config.demo {
        return StatusCode::NOT_FOUND.into_response();
    }
    if super::is_cross_site(&headers) {
        return (StatusCode::FORBIDDEN, "cross-site posts are refused").into_response();
    }
    let text: String = form.text.chars().take(2000).collect();
    if text.trim().is_empty() {
        return Redirect::to("/demo").into_response();
    }
    let id = format!("demo-visitor-{}", moderato_engine::new_decision_id());
    let item: ContentItem =
        match serde_json::from_value(serde_json::json!({"id": id, "text": text})) {
            Ok(item) => item,
            Err(error) => return ApiError::internal("demo item", error).into_response(),
        };
    match state.service.decide(item).await {
        Ok(_) => {
            state.demo.push(id);
            Redirect::to("/demo").into_response()
        }
        Err(error) => ApiError::from(error).into_response(),
    }
}
