//! A fresh database for each test: a temporary SQLite file, or — when
//! `MADOGUCHI_TEST_DATABASE_URL` names a PostgreSQL server — a schema of its own there.
//! `MADOGUCHI_EXPECT_BACKEND=postgres` makes a test fail instead of quietly using SQLite,
//! so CI notices when the PostgreSQL suite did not really run on PostgreSQL.

use std::str::FromStr;

use sqlx::Connection;

use crate::{Backend, Db, DbOptions};

/// Keeps the temporary directory (SQLite) alive as long as the test needs it.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    pub schema: Option<String>,
    _dir: Option<tempdir::TempDir>,
}

mod tempdir {
    /// A directory removed on drop; avoids a dev-dependency in library code.
    pub struct TempDir(pub std::path::PathBuf);
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

pub async fn test_db() -> TestDb {
    let expected = std::env::var("MADOGUCHI_EXPECT_BACKEND").ok();
    match std::env::var("MADOGUCHI_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            sqlx::any::install_default_drivers();
            let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
            let opts = sqlx::any::AnyConnectOptions::from_str(&url)
                .unwrap_or_else(|e| panic!("bad test URL: {e}"));
            let mut conn = sqlx::AnyConnection::connect_with(&opts)
                .await
                .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {url}: {e}"));
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA \"{schema}\"")))
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("create schema: {e}"));
            let _ = conn.close().await;
            let db = Db::open(
                &url,
                DbOptions {
                    pg_schema: Some(schema.clone()),
                    max_connections: Some(4),
                },
            )
            .await
            .unwrap_or_else(|e| panic!("open: {e}"));
            assert_eq!(db.backend, Backend::Postgres);
            TestDb {
                db,
                url,
                schema: Some(schema),
                _dir: None,
            }
        }
        _ => {
            if expected.as_deref() == Some("postgres") {
                panic!(
                    "MADOGUCHI_EXPECT_BACKEND=postgres but MADOGUCHI_TEST_DATABASE_URL is not a postgres:// URL"
                );
            }
            let dir = std::env::temp_dir()
                .join(format!("madoguchi-test-{}", uuid::Uuid::new_v4().simple()));
            std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("temp dir: {e}"));
            let url = format!("sqlite://{}?mode=rwc", dir.join("test.db").display());
            let db = Db::open(&url, DbOptions::default())
                .await
                .unwrap_or_else(|e| panic!("open: {e}"));
            TestDb {
                db,
                url,
                schema: None,
                _dir: Some(tempdir::TempDir(dir)),
            }
        }
    }
}
