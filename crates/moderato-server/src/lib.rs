//! Moderato as a service: the axum application, its state and its routes.
//!
//! Handlers parse and authorise requests, call the engine (decisions and
//! reviews) and the store (persistence and audit), and render JSON. They hold
//! no SQL and no rule logic. The server escapes all output, bounds request
//! bodies, and never logs secrets.
#![warn(missing_docs)]

pub mod auth;
pub mod chain;
pub mod error;
pub mod listen;
pub mod openapi;
pub mod routes;
pub mod ui;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use moderato_service::Service;
use moderato_store::Store;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use auth::{Role, generate_token};
pub use error::ApiError;
pub use moderato_service::{files_from_json, files_to_json, now_ms};

/// Largest accepted request body, in bytes (a batch of 1,000 items of a few KiB).
pub const DEFAULT_BODY_LIMIT: usize = 8 * 1024 * 1024;
/// Largest batch.
pub const MAX_BATCH_ITEMS: usize = 1000;

/// Settings of a server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Largest accepted request body.
    pub body_limit: usize,
    /// Review task lease.
    pub lease_seconds: i64,
    /// Serve the demo feed at `/demo`.
    pub demo: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            body_limit: DEFAULT_BODY_LIMIT,
            lease_seconds: 15 * 60,
            demo: false,
        }
    }
}

/// Shared state of the application: the application layer and what only the HTTP front end
/// needs (tokens, settings, console sessions, the demo feed, the stream to hand content to, the
/// audit chain's watch).
#[derive(Clone)]
pub struct AppState {
    /// Engines, store, decision writer, strikes, near-duplicates.
    pub service: Service,
    /// Token lookups.
    pub tokens: Arc<auth::TokenCache>,
    /// Settings.
    pub config: Arc<ServerConfig>,
    /// Console sessions.
    pub sessions: Arc<ui::UiSessions>,
    /// Posts shown in the demo feed.
    pub demo: Arc<ui::demo::DemoFeed>,
    /// Where submitted content goes when it is not decided inline
    /// (`serve --ingest nats`); `None` decides inline.
    pub ingest: Option<Arc<dyn moderato_service::ingest::Ingest>>,
    /// The audit chain's integrity, kept current incrementally.
    pub chain: Arc<chain::ChainWatch>,
}

/// Opens the state: the application layer on `store` (see [`Service::open`]) and the HTTP
/// front end's own parts.
pub async fn prepare_state(store: Store, config: ServerConfig) -> Result<AppState, StartError> {
    let service = Service::open(store).await?;
    let chain = Arc::new(chain::ChainWatch::default());
    chain.start_full_walk(service.store.clone(), now_ms);
    Ok(AppState {
        chain,
        service,
        demo: Arc::new(ui::demo::DemoFeed::default()),
        ingest: None,
        sessions: Arc::new(ui::UiSessions::default()),
        tokens: Arc::new(auth::TokenCache::default()),
        config: Arc::new(config),
    })
}

/// The server could not start: the application layer did not open.
pub type StartError = moderato_service::OpenError;

/// The Content-Security-Policy of every response except the API docs (see
/// [`openapi::DOCS_CONTENT_SECURITY_POLICY`]): nothing loads unless named here; scripts, styles,
/// images and requests come from this origin only, and never inline (no `<script>` or `<style>`
/// blocks, no `style=` or `on…=` attributes: the console's are files under `/ui/static/`); no
/// plugins, no foreign `<base>`, no foreign form targets, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; object-src 'none'; base-uri 'none'";

/// Builds the application router.
pub fn app(state: AppState) -> Router {
    let body_limit = state.config.body_limit;
    routes::router()
        .merge(ui::router())
        .merge(openapi::docs_router())
        .with_state(state)
        .layer(DefaultBodyLimit::max(body_limit))
        // A body must arrive within 30 s, and a whole request be answered within 60 s (408):
        // a slow sender cannot hold a connection and a worker forever.
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            std::time::Duration::from_secs(30),
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            std::time::Duration::from_secs(60),
        ))
        .layer(axum::middleware::from_fn(refuse_nul_in_uri))
        .layer(axum::middleware::from_fn(error::problem_documents))
        // Headers on every response: no framing (clickjacking of the console's review
        // buttons); no referrer to other sites (task and decision ids stay on the server;
        // `no-referrer` would make browsers send `Origin: null` on the console's own forms,
        // which the sign-in refuses); no MIME sniffing; and the Content-Security-Policy below
        // (the API docs set their own, which this layer leaves alone).
        .layer(always(
            header::CONTENT_SECURITY_POLICY,
            CONTENT_SECURITY_POLICY,
        ))
        .layer(always(header::X_FRAME_OPTIONS, "DENY"))
        .layer(always(header::REFERRER_POLICY, "same-origin"))
        .layer(always(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::new())
}

/// A NUL character (`%00`) in a path parameter or a query is refused with a 400 problem on
/// every route before any handler or database sees it (PostgreSQL cannot hold it in text).
async fn refuse_nul_in_uri(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let uri = request.uri();
    let has_nul = |part: &str| part.contains("%00");
    if has_nul(uri.path()) || uri.query().is_some_and(has_nul) {
        use axum::response::IntoResponse;
        return error::ApiError::InvalidInput {
            detail: "the URL contains a NUL character (%00), which is not allowed".into(),
            field: None,
        }
        .into_response();
    }
    next.run(request).await
}

/// A response header set wherever a handler did not set it.
fn always(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}
