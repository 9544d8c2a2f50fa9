//! The moderator console at `/ui`: server-rendered HTML (askama, escaped by
//! default) over the same services as the API.
//!
//! Sign-in takes an API token and gives a session cookie (HttpOnly,
//! SameSite=Strict, Secure behind TLS); every form carries a CSRF token bound
//! to the session. Reviews go through the API's own review function. This
//! module must never render unescaped user content or accept a form without
//! its CSRF token.

pub mod assets;
pub mod charts;
pub mod demo;
mod history;
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

/// The version of the vendored htmx (`static/htmx.min.js`, see `static/README.md`); pages ask
/// for `?v=` it so a long cache never serves a stale copy.
pub const HTMX_VERSION: &str = "2.0.11";

/// "30,000,000": a count with thousands separators, as the console shows follower counts.
pub fn thousands(count: u64) -> String {
    let digits = count.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// "1 follower", "30,000,000 followers".
pub fn followers(count: u64) -> String {
    match count {
        1 => "1 follower".into(),
        _ => format!("{} followers", thousands(count)),
    }
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
        .route("/ui/items/{id}", get(history::item))
        .route("/ui/policies", get(policies::policies))
        .route("/ui/policies/replay", post(policies::replay))
        .route("/ui/transparency", get(transparency::transparency))
        .route("/ui/static/{name}", get(assets::serve))
        .route("/demo", get(demo::feed))
        .route("/demo/post", post(demo::post))
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_have_thousands_separators() {
        for (count, shown) in [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (30_000_000, "30,000,000"),
            (1_234_567, "1,234,567"),
            (u64::MAX, "18,446,744,073,709,551,615"),
        ] {
            assert_eq!(super::thousands(count), shown);
        }
        assert_eq!(super::followers(1), "1 follower");
        assert_eq!(super::followers(12_000), "12,000 followers");
    }
}
