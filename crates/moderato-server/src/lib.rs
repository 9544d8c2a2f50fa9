//! Moderato as a service: the axum application, its state and its routes.
//!
//! Handlers parse and authorise requests, call the engine (decisions and
//! reviews) and the store (persistence and audit), and render JSON. They hold
//! no SQL and no rule logic. The server escapes all output, bounds request
//! bodies, and never logs secrets.
#![warn(missing_docs)]

pub mod accountability;
pub mod actioned;
pub mod auth;
pub mod chain;
pub mod error;
pub mod follow;
pub mod ingest;
pub mod listen;
pub mod metrics;
pub mod openapi;
pub mod routes;
pub mod strikes;
pub mod ui;
pub mod writer;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use moderato_core::Policy;
use moderato_engine::{Engine, load_pack};
use moderato_external::{BreakerSettings, ExternalClassifiers};
use moderato_store::Store;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use auth::{Role, generate_token};
pub use error::ApiError;
pub use routes::content::decide_and_store;

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

/// Engines by policy digest: decisions are reviewed under the policy they were made with.
pub struct Engines {
    active: RwLock<Arc<Engine>>,
    external: RwLock<Arc<ExternalClassifiers>>,
    by_digest: Mutex<HashMap<String, Arc<Engine>>>,
}

impl Engines {
    fn new(engine: Engine) -> Engines {
        let engine = Arc::new(engine);
        let by_digest = HashMap::from([(engine.policy().digest.clone(), engine.clone())]);
        let external = Arc::new(ExternalClassifiers::from_policy(
            engine.policy(),
            BreakerSettings::default(),
        ));
        Engines {
            active: RwLock::new(engine),
            external: RwLock::new(external),
            by_digest: Mutex::new(by_digest),
        }
    }

    /// The engine of the active policy.
    pub fn active(&self) -> Arc<Engine> {
        match self.active.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The external classifiers of the active policy.
    pub fn external(&self) -> Arc<ExternalClassifiers> {
        match self.external.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Makes `engine` the active one.
    pub fn activate(&self, engine: Arc<Engine>) {
        let external = Arc::new(ExternalClassifiers::from_policy(
            engine.policy(),
            BreakerSettings::default(),
        ));
        match self.external.write() {
            Ok(mut guard) => *guard = external,
            Err(poisoned) => *poisoned.into_inner() = external,
        }
        if let Ok(mut map) = self.by_digest.lock() {
            map.insert(engine.policy().digest.clone(), engine.clone());
        }
        match self.active.write() {
            Ok(mut guard) => *guard = engine,
            Err(poisoned) => *poisoned.into_inner() = engine,
        }
    }

    /// The engine for a digest, if already loaded.
    pub fn cached(&self, digest: &str) -> Option<Arc<Engine>> {
        self.by_digest.lock().ok()?.get(digest).cloned()
    }

    /// Remembers an engine.
    pub fn remember(&self, engine: Arc<Engine>) {
        if let Ok(mut map) = self.by_digest.lock() {
            map.insert(engine.policy().digest.clone(), engine);
        }
    }
}

/// Shared state of the application.
#[derive(Clone)]
pub struct AppState {
    /// Persistence and audit.
    pub store: Store,
    /// Engines.
    pub engines: Arc<Engines>,
    /// Token lookups.
    pub tokens: Arc<auth::TokenCache>,
    /// Settings.
    pub config: Arc<ServerConfig>,
    /// Group commit of decisions.
    pub writer: writer::DecisionWriter,
    /// Console sessions.
    pub sessions: Arc<ui::UiSessions>,
    /// Fingerprints of actioned content, shared by every engine.
    pub actioned: actioned::SharedIndex,
    /// Active strike counts, cached briefly.
    pub strikes: Arc<strikes::StrikeCache>,
    /// Posts shown in the demo feed.
    pub demo: Arc<ui::demo::DemoFeed>,
    /// Where submitted content goes when it is not decided inline
    /// (`serve --ingest nats`); `None` decides inline.
    pub ingest: Option<Arc<dyn ingest::Ingest>>,
    /// The audit chain's integrity, kept current incrementally.
    pub chain: Arc<chain::ChainWatch>,
}

impl AppState {
    /// Validates and loads stored pack files (`{"name": "text"}`) into an
    /// engine that consults this process's near-duplicate index.
    pub fn engine_from_files(
        &self,
        files: &serde_json::Value,
    ) -> Result<Arc<Engine>, moderato_engine::EngineError> {
        let policy = load_pack(&files_from_json(files))?;
        Ok(Arc::new(
            Engine::new(policy)?.with_actioned_index(self.actioned.clone()),
        ))
    }
}

/// Converts stored pack files (`{"name": "text"}`) into the loader's map.
pub fn files_from_json(files: &serde_json::Value) -> BTreeMap<String, String> {
    files
        .as_object()
        .map(|object| {
            object
                .iter()
                .filter_map(|(name, text)| {
                    text.as_str().map(|text| (name.clone(), text.to_string()))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Converts a pack into stored JSON.
pub fn files_to_json(policy: &Policy) -> serde_json::Value {
    serde_json::Value::Object(
        policy
            .files
            .iter()
            .map(|(name, text)| (name.clone(), serde_json::Value::String(text.clone())))
            .collect(),
    )
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Opens the state: loads the active policy from the store, or stores and
/// activates the embedded default pack on first start.
pub async fn prepare_state(store: Store, config: ServerConfig) -> Result<AppState, StartError> {
    let actioned = actioned::load(&store).await.map_err(StartError::Store)?;
    let active = store.active_policy().await.map_err(StartError::Store)?;
    let engine = match active {
        Some(version) => {
            let policy = load_pack(&files_from_json(&version.files)).map_err(StartError::Engine)?;
            Engine::new(policy).map_err(StartError::Engine)?
        }
        None => {
            let engine = Engine::with_default_policy().map_err(StartError::Engine)?;
            let policy = engine.policy().clone();
            let now = now_ms();
            store
                .upload_policy(
                    &policy.version,
                    &policy.digest,
                    &files_to_json(&policy),
                    "system",
                    now,
                )
                .await
                .map_err(StartError::Store)?;
            store
                .activate_policy(&policy.version, "system", now)
                .await
                .map_err(StartError::Store)?;
            engine
        }
    };
    let engine = engine.with_actioned_index(actioned.clone());
    let strike_cache = Arc::new(strikes::StrikeCache::default());
    let chain = Arc::new(chain::ChainWatch::default());
    chain.start_full_walk(store.clone(), now_ms);
    Ok(AppState {
        chain,
        writer: writer::DecisionWriter::start(
            store.clone(),
            actioned.clone(),
            strike_cache.clone(),
        ),
        strikes: strike_cache,
        demo: Arc::new(ui::demo::DemoFeed::default()),
        ingest: None,
        sessions: Arc::new(ui::UiSessions::default()),
        actioned,
        store,
        engines: Arc::new(Engines::new(engine)),
        tokens: Arc::new(auth::TokenCache::default()),
        config: Arc::new(config),
    })
}

/// The server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The store failed.
    #[error("storage failed")]
    Store(#[source] moderato_store::StoreError),
    /// The stored active policy could not be loaded.
    #[error("the active policy could not be loaded")]
    Engine(#[source] moderato_engine::EngineError),
}

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
