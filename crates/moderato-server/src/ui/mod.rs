//! The moderator console at `/ui`: server-rendered HTML (askama, escaped by
//! default) over the same services as the API.
//!
//! Sign-in takes an API token and gives a session cookie (HttpOnly,
//! SameSite=Strict, Secure behind TLS); every form carries a CSRF token bound
//! to the session. Reviews go through the API's own review function. This
//! module must never render unescaped user content or accept a form without
//! its CSRF token.

pub mod charts;
pub mod demo;
mod pages;
mod policies;
mod transparency;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::{get, post};

use crate::AppState;
use crate::auth::Caller;

/// Session cookie name.
pub const COOKIE: &str = "moderato_session";
const LIFETIME: Duration = Duration::from_secs(8 * 3600);

/// One signed-in browser.
#[derive(Clone)]
pub struct UiSession {
    /// Who.
    pub caller: Caller,
    /// The CSRF token every form must carry.
    pub csrf: String,
    created: Instant,
}

/// Sessions of this process (a restart signs everyone out).
#[derive(Default)]
pub struct UiSessions {
    sessions: Mutex<HashMap<String, UiSession>>,
}

impl UiSessions {
    /// Starts a session; returns its id.
    pub fn start(&self, caller: Caller) -> Option<String> {
        let id = crate::auth::generate_token().ok()?;
        let csrf = crate::auth::generate_token().ok()?;
        let mut sessions = self.sessions.lock().ok()?;
        sessions.retain(|_, session| session.created.elapsed() < LIFETIME);
        sessions.insert(
            id.clone(),
            UiSession {
                caller,
                csrf,
                created: Instant::now(),
            },
        );
        Some(id)
    }

    /// The live session with this id.
    pub fn get(&self, id: &str) -> Option<UiSession> {
        let sessions = self.sessions.lock().ok()?;
        sessions
            .get(id)
            .filter(|session| session.created.elapsed() < LIFETIME)
            .cloned()
    }

    /// Ends a session.
    pub fn end(&self, id: &str) {
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.remove(id);
        }
    }
}

/// The session id from the cookie header.
pub fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
}

/// Whether a form post comes from another site (its `Origin` is not this host).
/// Forms without a session (sign-in, the demo feed) rely on this instead of a CSRF token.
pub fn is_cross_site(headers: &HeaderMap) -> bool {
    match (
        headers.get(axum::http::header::ORIGIN),
        headers.get(axum::http::header::HOST),
    ) {
        (Some(origin), Some(host)) => match (origin.to_str(), host.to_str()) {
            (Ok(origin), Ok(host)) => !origin.ends_with(&format!("//{host}")),
            _ => false,
        },
        _ => false,
    }
}

/// Whether the request came over TLS (directly or through a proxy that says so).
pub fn is_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|proto| proto.eq_ignore_ascii_case("https"))
}

/// htmx 2.0.11 (Zero-Clause BSD), vendored: see `static/README.md`.
const HTMX: &[u8] = include_bytes!("../../static/htmx.min.js");
/// The version in the file above; pages ask for `?v=` it so a long cache never serves a stale copy.
pub const HTMX_VERSION: &str = "2.0.11";

/// `GET /ui/static/htmx.min.js`: the vendored htmx, cacheable for a year.
async fn htmx() -> impl axum::response::IntoResponse {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/javascript; charset=utf-8",
            ),
            (
                axum::http::header::CACHE_CONTROL,
                "public, max-age=31536000, immutable",
            ),
            (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        HTMX,
    )
}

/// The console routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ui", get(pages::queues))
        // `/ui/` is what people type and bookmark: the same page.
        .route(
            "/ui/",
            get(|| async { axum::response::Redirect::permanent("/ui") }),
        )
        .route("/ui/login", get(pages::login_form).post(pages::login))
        .route("/ui/logout", post(pages::logout))
        .route("/ui/queues/{name}/claim", post(pages::claim))
        .route("/ui/tasks/{id}", get(pages::task))
        .route("/ui/tasks/{id}/review", post(pages::review))
        .route("/ui/items", get(pages::item_lookup))
        .route("/ui/items/{id}", get(pages::item))
        .route("/ui/policies", get(policies::policies))
        .route("/ui/policies/replay", post(policies::replay))
        .route("/ui/transparency", get(transparency::transparency))
        .route("/ui/static/htmx.min.js", get(htmx))
        .route("/demo", get(demo::feed))
        .route("/demo/post", post(demo::post))
}
