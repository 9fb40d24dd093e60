//! Versioned migrations, written once in portable SQL. `{blob}` is the one type that
//! differs (BLOB on SQLite, BYTEA on PostgreSQL). Applied by `madoguchi migrate` and at start.

use sqlx::{AnyPool, Row};

use crate::{Backend, Result, StoreError};

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial schema",
        sql: r#"
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE departments (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE procedures (
    id TEXT PRIMARY KEY,
    department_id TEXT NOT NULL,
    online_status TEXT NOT NULL,
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX procedures_department ON procedures (department_id);
CREATE TABLE forms (
    id TEXT NOT NULL,
    version BIGINT NOT NULL,
    procedure_id TEXT NOT NULL,
    definition TEXT NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE INDEX forms_procedure ON forms (procedure_id);
CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    receipt_number TEXT NOT NULL UNIQUE,
    procedure_id TEXT NOT NULL,
    form_id TEXT NOT NULL,
    form_version BIGINT NOT NULL,
    status TEXT NOT NULL,
    answers TEXT NOT NULL,
    computed TEXT NOT NULL,
    lang TEXT NOT NULL,
    channel TEXT NOT NULL,
    idempotency_key TEXT UNIQUE,
    request_hash TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX applications_procedure ON applications (procedure_id, submitted_at);
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    csrf TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE TABLE drafts (
    id TEXT PRIMARY KEY,
    session_hash TEXT NOT NULL,
    procedure_id TEXT NOT NULL,
    form_id TEXT NOT NULL,
    form_version BIGINT NOT NULL,
    answers TEXT NOT NULL,
    resume_hash TEXT,
    application_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX drafts_session ON drafts (session_hash);
CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    field_key TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data {blob} NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE postal_codes (
    code TEXT NOT NULL,
    prefecture TEXT NOT NULL,
    city TEXT NOT NULL,
    town TEXT NOT NULL
);
CREATE INDEX postal_codes_code ON postal_codes (code);
"#,
    },
    Migration {
        version: 2,
        name: "background job leases",
        sql: r#"
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
"#,
    },
    Migration {
        version: 3,
        name: "guide knowledge base, vectors, handoff tickets, conversation log",
        sql: r#"
CREATE TABLE guide_docs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    origin TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE guide_vectors (
    text_hash TEXT NOT NULL,
    model TEXT NOT NULL,
    vector TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (text_hash, model)
);
CREATE TABLE guide_tickets (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    department_id TEXT,
    question TEXT NOT NULL,
    reason TEXT NOT NULL,
    lang TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    answer TEXT,
    answered_by TEXT,
    answered_at TEXT,
    faq_id TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX guide_tickets_queue ON guide_tickets (status, department_id, created_at);
CREATE INDEX guide_tickets_expiry ON guide_tickets (expires_at);
CREATE TABLE guide_log (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    channel TEXT NOT NULL,
    question TEXT NOT NULL,
    reason TEXT NOT NULL,
    answered BIGINT NOT NULL,
    department_id TEXT,
    top_source TEXT,
    confidence DOUBLE PRECISION NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX guide_log_expiry ON guide_log (expires_at);
CREATE INDEX guide_log_at ON guide_log (at)
"#,
    },
];

fn dialect(sql: &str, backend: Backend) -> String {
    sql.replace(
        "{blob}",
        match backend {
            Backend::Sqlite => "BLOB",
            Backend::Postgres => "BYTEA",
        },
    )
}

/// Applies every migration not yet recorded, each in its own transaction. Several instances
/// starting at once on PostgreSQL wait for each other on an advisory lock.
pub async fn apply(pool: &AnyPool, backend: Backend) -> Result<Vec<i64>> {
    sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
        .execute(pool)
        .await?;
    let mut applied = Vec::new();
    for m in MIGRATIONS {
        let mut tx = pool.begin().await?;
        if backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(7468201)")
                .execute(&mut *tx)
                .await?;
        }
        let done: Option<i64> =
            sqlx::query("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(m.version)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get(0))
                .transpose()?;
        if done.is_some() {
            tx.rollback().await?;
            continue;
        }
        for statement in dialect(m.sql, backend)
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            sqlx::query(sqlx::AssertSqlSafe(statement.to_string()))
                .execute(&mut *tx)
                .await
                .map_err(|e| {
                    StoreError::Invalid(format!("migration {} ({}) failed: {e}", m.version, m.name))
                })?;
        }
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(m.version)
        .bind(m.name)
        .bind(crate::now_text())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        applied.push(m.version);
    }
    Ok(applied)
}

/// Versions recorded as applied.
pub async fn applied_versions(pool: &AnyPool) -> Result<Vec<i64>> {
    let rows = sqlx::query("SELECT version FROM schema_migrations ORDER BY version")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| r.try_get::<i64, _>(0).map_err(StoreError::from))
        .collect()
}
