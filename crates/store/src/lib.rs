//! Madoguchi's storage. One code path for SQLite (the embedded default) and PostgreSQL
//! (production) through sqlx's `Any` driver with `$N` placeholders and portable SQL.
//!
//! Architecture invariant: this is the only crate that knows SQL. The few real differences
//! between the backends (PRAGMAs, BLOB vs BYTEA, the migration lock) are marked `Backend::`.
//! Every state change writes its audit entry in the same transaction.

pub mod applications;
pub mod audit;
pub mod catalog;
pub mod crypto;
pub mod drafts;
pub mod forms;
pub mod guide;
pub mod jobs;
pub mod migrations;
pub mod postal;
pub mod sessions;
mod sqlite_writer;
pub mod uploads;
pub mod versioned;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use applications::{NewApplication, StoredApplication, SubmitError, SubmitOutcome};
pub use crypto::Secrets;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Invalid(String),
    #[error("the database is busy; try again")]
    Unavailable,
    #[error("cannot start the submission writer: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Connection options beyond the URL.
#[derive(Debug, Clone, Default)]
pub struct DbOptions {
    /// PostgreSQL schema to use (tests give each run its own).
    pub pg_schema: Option<String>,
    /// Maximum connections for reads (PostgreSQL; SQLite uses a small fixed pool).
    pub max_connections: Option<u32>,
}

/// The database: a read pool, a write pool (one connection on SQLite, where writes are
/// serialised anyway) and the group-commit writer for applications.
#[derive(Clone)]
pub struct Db {
    pub backend: Backend,
    read: AnyPool,
    write: AnyPool,
    pub(crate) submitter: Arc<applications::Submitter>,
}

impl Db {
    /// Connects and applies pending migrations.
    pub async fn open(url: &str, opts: DbOptions) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::Invalid(format!(
                "unsupported database URL \"{}\": use sqlite://PATH or postgres://USER@HOST/DB",
                url.split('@').next_back().unwrap_or(url)
            )));
        };
        let connect = AnyConnectOptions::from_str(url)?;
        let schema = opts.pg_schema.clone();
        let make_pool = |max: u32| {
            let schema = schema.clone();
            AnyPoolOptions::new()
                .max_connections(max)
                .min_connections(0)
                .acquire_timeout(Duration::from_secs(10))
                .test_before_acquire(false)
                .after_connect(move |conn, _meta| {
                    let schema = schema.clone();
                    Box::pin(async move {
                        match backend {
                            Backend::Sqlite => {
                                // WAL with synchronous=FULL: a commit is on disk before it returns.
                                conn.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;").await?;
                            }
                            Backend::Postgres => {
                                // Statements are prepared once per connection; a generic plan
                                // chosen while a table was small (a sequential scan) would stay
                                // as the table grows. Plan each execution for its values
                                // (measured: an unprepared lookup instead costs a round trip).
                                sqlx::query("SET plan_cache_mode = force_custom_plan").execute(&mut *conn).await?;
                                if let Some(s) = schema {
                                    sqlx::query(sqlx::AssertSqlSafe(format!("SET search_path TO \"{s}\""))).execute(&mut *conn).await?;
                                }
                            }
                        }
                        Ok(())
                    })
                })
        };
        let (read_max, write_max) = match backend {
            // One connection stays with the submission writer, one serves other writes.
            Backend::Sqlite => (4, 2),
            Backend::Postgres => (opts.max_connections.unwrap_or(16), 4),
        };
        let write = make_pool(write_max).connect_with(connect.clone()).await?;
        migrations::apply(&write, backend).await?;
        let read = make_pool(read_max).connect_with(connect).await?;
        let secrets = crypto::Secrets::load_or_create(&write).await?;
        let submitter =
            applications::Submitter::start(write.clone(), backend, secrets, sqlite_file(url))?;
        Ok(Db {
            backend,
            read,
            write,
            submitter,
        })
    }

    pub fn reader(&self) -> &AnyPool {
        &self.read
    }

    pub fn writer(&self) -> &AnyPool {
        &self.write
    }

    pub fn secrets(&self) -> &Secrets {
        &self.submitter.secrets
    }

    /// A cheap round trip, for `/healthz`.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    /// Stops the group-commit writer after the queued submissions are stored.
    pub async fn close(&self) {
        self.submitter.shutdown().await;
        self.write.close().await;
        self.read.close().await;
    }
}

/// The file of a `sqlite://PATH?…` URL (none for in-memory databases).
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && !path.contains(":memory:")).then(|| std::path::PathBuf::from(path))
}

/// Now, as stored: RFC 3339 UTC with milliseconds, which sorts as text on both backends.
pub fn now_text() -> String {
    time_text(chrono::Utc::now())
}

/// A moment as stored (see [`now_text`]).
pub fn time_text(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The value of a row of `counters` (0 if it does not exist yet).
pub(crate) async fn counter_value(pool: &AnyPool, name: &str) -> Result<i64> {
    use sqlx::Row;
    let row = sqlx::query("SELECT value FROM counters WHERE name = $1")
        .bind(name)
        .fetch_optional(pool)
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64, _>(0))
        .transpose()?
        .unwrap_or(0))
}

/// `$1, $2, …` starting after `offset` placeholders.
pub(crate) fn placeholders(offset: usize, count: usize) -> String {
    (offset + 1..=offset + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub mod testing;
