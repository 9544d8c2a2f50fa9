//! Test support: an app on a fresh database with one token per role, and request helpers.

#[path = "../common/tokens.rs"]
mod tokens;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use moderato_server::{ServerConfig, app, prepare_state};
use moderato_store::Store;
use moderato_testkit::PgSchema;
use serde_json::Value;
use tower::ServiceExt;

pub struct TestApp {
    pub router: Router,
    pub store: Store,
    pub admin: String,
    pub ingest: String,
    pub alice: String,
    pub bob: String,
    pub viewer: String,
    _dir: Option<tempfile::TempDir>,
    /// Last, so the app and its pool go first.
    _schema: Option<PgSchema>,
}

/// The backends to run on: SQLite always, PostgreSQL when its variable is set.
pub fn backends() -> Vec<&'static str> {
    match std::env::var("MODERATO_TEST_DATABASE_URL") {
        Ok(_) => vec!["sqlite", "postgres"],
        Err(_) => {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: PostgreSQL server tests — MODERATO_TEST_DATABASE_URL is unset"
            );
            vec!["sqlite"]
        }
    }
}

/// The store for `backend`, and what must live as long as it: the SQLite folder, or the
/// PostgreSQL schema (dropped with the app).
async fn open(backend: &str) -> (Store, Option<tempfile::TempDir>, Option<PgSchema>) {
    if backend == "postgres" {
        let url = std::env::var(moderato_testkit::DATABASE_URL_VARIABLE).unwrap();
        let schema = PgSchema::create(&url, "srv").await;
        (
            Store::connect(schema.url()).await.unwrap(),
            None,
            Some(schema),
        )
    } else {
        let dir = tempfile::tempdir().unwrap();
        (
            Store::open_data_dir(dir.path()).await.unwrap(),
            Some(dir),
            None,
        )
    }
}

impl TestApp {
    pub async fn new(backend: &str) -> TestApp {
        let (store, dir, schema) = open(backend).await;
        let state = prepare_state(store.clone(), ServerConfig::default())
            .await
            .unwrap();
        let tokens = tokens::create_role_tokens(&store).await;
        TestApp {
            router: app(state),
            store,
            admin: tokens[0].clone(),
            ingest: tokens[1].clone(),
            alice: tokens[2].clone(),
            bob: tokens[3].clone(),
            viewer: tokens[4].clone(),
            _dir: dir,
            _schema: schema,
        }
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
    ) -> (StatusCode, Value, String) {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        if body.is_some() {
            builder = builder.header("content-type", "application/json");
        }
        let request = builder
            .body(body.map(Body::from).unwrap_or_else(Body::empty))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|value| value.to_str().unwrap().to_string())
            .unwrap_or_default();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        (status, json, content_type)
    }

    /// A raw pool on the SQLite database, for tampering around the store.
    pub async fn raw_sqlite(&self) -> sqlx::AnyPool {
        let dir = self._dir.as_ref().expect("a SQLite test app");
        sqlx::any::install_default_drivers();
        let url = format!(
            "sqlite://{}",
            dir.path()
                .join(moderato_store::DATA_DIR_DATABASE_FILE)
                .display()
        );
        sqlx::AnyPool::connect(&url).await.unwrap()
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        let (status, json, _) = self
            .send("POST", path, Some(token), Some(body.to_string()))
            .await;
        (status, json)
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let (status, json, _) = self.send("GET", path, Some(token), None).await;
        (status, json)
    }
}

/// The version of the embedded default pack (tests upload candidates next to it).
pub fn default_version() -> String {
    moderato_engine::Engine::with_default_policy()
        .expect("default pack")
        .policy()
        .version
        .clone()
}
