//! Opening the database: URL parsing, driver installation, connection pool
//! settings and the embedded migrations for each backend.
//!
//! This is the only place where the two backends are told apart, and only for
//! connection settings, migration directories and how a write transaction
//! starts. It must never hold queries that differ between backends.

use std::path::Path;
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyConnection, AnyPool, Executor, Transaction};

use crate::error::StoreError;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Name of the SQLite file inside a data directory.
pub const DATA_DIR_DATABASE_FILE: &str = "moderato.db";

/// Which database the store is connected to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, a file or in memory.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// Picks the backend from a connection URL's scheme.
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(StoreError::UnsupportedUrl {
                scheme: scheme.to_owned(),
            }),
        }
    }
}

/// The persistent store: a connection pool plus the backend it talks to.
///
/// Cloning is cheap and shares the pool.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
}

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc`, `sqlite::memory:` or
    /// `postgres://...`) and runs the migrations for that backend.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        Store::connect_with(url, false).await
    }

    /// [`Store::connect`], creating a PostgreSQL database that does not exist yet (for the
    /// commands that write: `serve`, `worker`). Returns the store and whether it created the
    /// database. The server's maintenance database `postgres` is used to create it.
    pub async fn connect_creating(url: &str) -> Result<(Store, bool), StoreError> {
        match Store::connect(url).await {
            Err(StoreError::Database {
                source: sqlx::Error::Database(error),
                ..
            }) if error.code().as_deref() == Some("3D000") => {
                let mut maintenance =
                    url::Url::parse(url).map_err(|error| StoreError::InvalidStoredValue {
                        what: "database url",
                        message: error.to_string(),
                    })?;
                let name = maintenance.path().trim_start_matches('/').to_string();
                maintenance.set_path("/postgres");
                sqlx::any::install_default_drivers();
                let pool = sqlx::AnyPool::connect(maintenance.as_str())
                    .await
                    .map_err(StoreError::database("connect to the maintenance database"))?;
                let statement = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
                sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
                    .execute(&pool)
                    .await
                    .map_err(StoreError::database("create database"))?;
                pool.close().await;
                Ok((Store::connect(url).await?, true))
            }
            other => other.map(|store| (store, false)),
        }
    }

    /// Creates `dir` if needed and opens the SQLite database `moderato.db`
    /// inside it in WAL journal mode.
    pub async fn open_data_dir(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDataDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let file = dir.join(DATA_DIR_DATABASE_FILE);
        let url = format!("sqlite://{}?mode=rwc", file.display());
        // The database holds personal data (authors, reports, appeal statements): readable by
        // its owner only. Created first so SQLite's WAL and shared-memory files, which take the
        // database file's mode, are private too.
        restrict_to_owner(&file)?;
        Store::connect_with(&url, true).await
    }

    async fn connect_with(url: &str, wal: bool) -> Result<Store, StoreError> {
        // Installs the SQLite and PostgreSQL drivers; later calls do nothing.
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let mut options = AnyPoolOptions::new();
        match backend {
            Backend::Sqlite => {
                let in_memory = url.contains(":memory:") || url.contains("mode=memory");
                if in_memory {
                    // Every SQLite connection to `:memory:` opens its own empty
                    // database, so the pool must hold exactly one connection
                    // and never let it go.
                    options = options
                        .max_connections(1)
                        .min_connections(1)
                        .idle_timeout(None)
                        .max_lifetime(None);
                } else {
                    options = options.max_connections(8);
                }
                options = options.after_connect(|connection: &mut AnyConnection, _| {
                    Box::pin(async move {
                        connection.execute("PRAGMA busy_timeout = 5000").await?;
                        connection.execute("PRAGMA foreign_keys = ON").await?;
                        Ok(())
                    })
                });
            }
            Backend::Postgres => {
                options = options.max_connections(10);
            }
        }
        let pool = options
            .acquire_timeout(Duration::from_secs(30))
            .connect(url)
            .await
            .map_err(StoreError::database("connect"))?;
        if wal && backend == Backend::Sqlite {
            // The journal mode is stored in the database file, so setting it
            // once is enough for every later connection.
            pool.execute("PRAGMA journal_mode = WAL")
                .await
                .map_err(StoreError::database("enable wal journal mode"))?;
            pool.execute("PRAGMA synchronous = NORMAL")
                .await
                .map_err(StoreError::database("set synchronous mode"))?;
        }
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate { source })?;
        Ok(Store { pool, backend })
    }

    /// The backend this store is connected to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection of the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a write transaction.
    ///
    /// On SQLite the transaction takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a deferred transaction that reads first and writes later
    /// fails with "database is locked" in WAL mode instead of waiting, when
    /// another writer committed in between.
    ///
    /// On PostgreSQL the transaction starts by locking the audit head row,
    /// which every write ends up locking anyway to append its audit entry.
    /// Taking it first serialises writers for their whole transaction, as
    /// SQLite does: check-then-write steps (one open appeal per decision, one
    /// open task per reported item, claiming a task) cannot race, and writers
    /// cannot deadlock by locking rows in different orders before the head.
    pub(crate) async fn begin_write(
        &self,
        operation: &'static str,
    ) -> Result<Transaction<'static, Any>, StoreError> {
        match self.backend {
            Backend::Sqlite => self
                .pool
                .begin_with("BEGIN IMMEDIATE")
                .await
                .map_err(StoreError::database(operation)),
            Backend::Postgres => {
                let mut transaction = self
                    .pool
                    .begin()
                    .await
                    .map_err(StoreError::database(operation))?;
                sqlx::query("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE")
                    .execute(&mut *transaction)
                    .await
                    .map_err(StoreError::database(operation))?;
                Ok(transaction)
            }
        }
    }
}

/// Creates `file` if missing and makes it readable and writable by its owner only (0600).
fn restrict_to_owner(file: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let failed = |source| StoreError::CreateDataDir {
        path: file.to_path_buf(),
        source,
    };
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(file)
        .map_err(failed)?;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600)).map_err(failed)
}
