//! Resident sessions, kept in the database so that any instance behind the load balancer can
//! serve any request. The cookie holds a random token; only its SHA-256 is stored.

use serde_json::{Map, Value};
use sqlx::{AnyPool, Row};

use crate::crypto::{random_token, sha256_hex};
use crate::{Result, StoreError};

pub const SESSION_HOURS: i64 = 24;

#[derive(Debug, Clone)]
pub struct Session {
    pub id_hash: String,
    /// Synchronizer token for forms posted in this session.
    pub csrf: String,
    pub data: Map<String, Value>,
}

fn expiry() -> String {
    crate::time_text(chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS))
}

/// Creates a session; returns the cookie token and the session.
pub async fn create(pool: &AnyPool) -> Result<(String, Session)> {
    let token = random_token();
    let s = Session {
        id_hash: sha256_hex(token.as_bytes()),
        csrf: random_token(),
        data: Map::new(),
    };
    sqlx::query("INSERT INTO sessions (id_hash, csrf, data, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&s.id_hash)
        .bind(&s.csrf)
        .bind("{}")
        .bind(crate::now_text())
        .bind(expiry())
        .execute(pool)
        .await?;
    Ok((token, s))
}

pub async fn load(pool: &AnyPool, token: &str) -> Result<Option<Session>> {
    let id_hash = sha256_hex(token.as_bytes());
    let row = sqlx::query("SELECT csrf, data FROM sessions WHERE id_hash = $1 AND expires_at > $2")
        .bind(&id_hash)
        .bind(crate::now_text())
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let data: String = row.try_get(1)?;
    let data = match serde_json::from_str(&data) {
        Ok(Value::Object(m)) => m,
        _ => return Err(StoreError::Corrupt("session data".into())),
    };
    Ok(Some(Session {
        id_hash,
        csrf: row.try_get(0)?,
        data,
    }))
}

/// Saves the data and extends the session (sliding expiry).
pub async fn save(pool: &AnyPool, s: &Session) -> Result<()> {
    sqlx::query("UPDATE sessions SET data = $1, expires_at = $2 WHERE id_hash = $3")
        .bind(Value::Object(s.data.clone()).to_string())
        .bind(expiry())
        .bind(&s.id_hash)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn purge_expired(pool: &AnyPool) -> Result<u64> {
    let r = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(crate::now_text())
        .execute(pool)
        .await?;
    Ok(r.rows_affected())
}
