//! Test support shared by Moderato's crates; a dev-dependency only, never a
//! dependency of a crate that ships.
//!
//! [`PgSchema`] gives a test a PostgreSQL schema of its own and drops it (with
//! everything in it) when the test lets go of it, passing or failing. This
//! crate must never touch a schema it did not create.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The variable naming the PostgreSQL server the tests use.
pub const DATABASE_URL_VARIABLE: &str = "MODERATO_TEST_DATABASE_URL";

/// A fresh schema on the test server, dropped on drop.
#[derive(Debug)]
pub struct PgSchema {
    base_url: String,
    name: String,
    url: String,
}

/// `prefix_<pid>_<nanos>_<counter>`: unique across test binaries running at once.
fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos() % 1_000_000_000_000)
        .unwrap_or_default();
    format!(
        "{prefix}_{}_{nanos}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

impl PgSchema {
    /// Creates `<prefix>_<unique>` on the server at `base_url`. `prefix` must be lowercase
    /// letters (the name is used unquoted in SQL).
    ///
    /// # Panics
    /// When the server cannot be reached or the schema cannot be created: a test that
    /// asked for PostgreSQL must fail loudly.
    pub async fn create(base_url: &str, prefix: &str) -> PgSchema {
        assert!(
            !prefix.is_empty() && prefix.bytes().all(|byte| byte.is_ascii_lowercase()),
            "schema prefix must be lowercase letters: {prefix}"
        );
        let name = unique_name(prefix);
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(base_url)
            .await
            .unwrap_or_else(|error| panic!("cannot reach {DATABASE_URL_VARIABLE}: {error}"));
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}")))
            .execute(&pool)
            .await
            .unwrap_or_else(|error| panic!("cannot create schema {name}: {error}"));
        pool.close().await;
        let separator = if base_url.contains('?') { '&' } else { '?' };
        let url = format!("{base_url}{separator}options=-c%20search_path%3D{name}");
        PgSchema {
            base_url: base_url.to_owned(),
            name,
            url,
        }
    }

    /// A URL whose connections use this schema (and only it).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The schema's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for PgSchema {
    /// Drops the schema on a thread of its own (with its own runtime), so dropping works
    /// inside or outside an async test. A failure is printed, never a panic in a drop.
    fn drop(&mut self) {
        let base_url = self.base_url.clone();
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|error| error.to_string())?;
            runtime.block_on(async {
                let pool = sqlx::AnyPool::connect(&base_url)
                    .await
                    .map_err(|error| error.to_string())?;
                let result = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS {name} CASCADE"
                )))
                .execute(&pool)
                .await
                .map(|_| ())
                .map_err(|error| error.to_string());
                pool.close().await;
                result
            })
        })
        .join();
        if let Ok(Err(error)) | Err(error) = dropped.map_err(|_| "panicked".to_string()) {
            eprintln!("could not drop test schema {}: {error}", self.name);
        }
    }
}
