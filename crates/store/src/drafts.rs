//! Drafts: applications being filled in. A draft belongs to a session; "save and come back
//! later" gives the resident a resume code (only its hash is stored) that moves the draft to
//! a new session. Drafts expire after `DRAFT_DAYS`.

use serde_json::{Map, Value};
use sqlx::{AnyPool, Row};

use crate::crypto::sha256_hex;
use crate::{Result, StoreError, now_text};

pub const DRAFT_DAYS: i64 = 30;

#[derive(Debug, Clone)]
pub struct Draft {
    pub id: String,
    pub session_hash: String,
    pub procedure_id: String,
    pub form_id: String,
    pub form_version: u32,
    pub answers: Map<String, Value>,
    pub application_id: Option<String>,
    pub updated_at: String,
    pub expires_at: String,
}

fn expiry() -> String {
    crate::time_text(chrono::Utc::now() + chrono::Duration::days(DRAFT_DAYS))
}

pub async fn create(
    pool: &AnyPool,
    session_hash: &str,
    procedure_id: &str,
    form_id: &str,
    form_version: u32,
) -> Result<Draft> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_text();
    let expires = expiry();
    sqlx::query("INSERT INTO drafts (id, session_hash, procedure_id, form_id, form_version, answers, created_at, updated_at, expires_at) VALUES ($1, $2, $3, $4, $5, '{}', $6, $6, $7)")
        .bind(&id)
        .bind(session_hash)
        .bind(procedure_id)
        .bind(form_id)
        .bind(i64::from(form_version))
        .bind(&now)
        .bind(&expires)
        .execute(pool)
        .await?;
    Ok(Draft {
        id,
        session_hash: session_hash.into(),
        procedure_id: procedure_id.into(),
        form_id: form_id.into(),
        form_version,
        answers: Map::new(),
        application_id: None,
        updated_at: now,
        expires_at: expires,
    })
}

pub async fn get(pool: &AnyPool, id: &str) -> Result<Option<Draft>> {
    let row = sqlx::query("SELECT id, session_hash, procedure_id, form_id, form_version, answers, application_id, updated_at, expires_at FROM drafts WHERE id = $1 AND expires_at > $2")
        .bind(id)
        .bind(now_text())
        .fetch_optional(pool)
        .await?;
    let Some(r) = row else { return Ok(None) };
    let answers: String = r.try_get(5)?;
    let answers = match serde_json::from_str(&answers) {
        Ok(Value::Object(m)) => m,
        _ => return Err(StoreError::Corrupt("draft answers".into())),
    };
    Ok(Some(Draft {
        id: r.try_get(0)?,
        session_hash: r.try_get(1)?,
        procedure_id: r.try_get(2)?,
        form_id: r.try_get(3)?,
        form_version: u32::try_from(r.try_get::<i64, _>(4)?).unwrap_or(0),
        answers,
        application_id: r.try_get(6)?,
        updated_at: r.try_get(7)?,
        expires_at: r.try_get(8)?,
    }))
}

pub async fn save_answers(pool: &AnyPool, id: &str, answers: &Map<String, Value>) -> Result<()> {
    sqlx::query("UPDATE drafts SET answers = $1, updated_at = $2, expires_at = $3 WHERE id = $4 AND application_id IS NULL")
        .bind(Value::Object(answers.clone()).to_string())
        .bind(now_text())
        .bind(expiry())
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Sets a new resume code for the draft (replacing any earlier one).
pub async fn set_resume_code(pool: &AnyPool, id: &str, code: &str) -> Result<()> {
    sqlx::query("UPDATE drafts SET resume_hash = $1 WHERE id = $2")
        .bind(sha256_hex(normalize_code(code).as_bytes()))
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

fn normalize_code(code: &str) -> String {
    madoguchi_core::japanese::nfkc(code)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase()
}

/// Moves a draft to `session_hash` if the code matches; returns whether it did.
pub async fn resume(pool: &AnyPool, id: &str, code: &str, session_hash: &str) -> Result<bool> {
    let r = sqlx::query("UPDATE drafts SET session_hash = $1 WHERE id = $2 AND resume_hash = $3 AND expires_at > $4 AND application_id IS NULL")
        .bind(session_hash)
        .bind(id)
        .bind(sha256_hex(normalize_code(code).as_bytes()))
        .bind(now_text())
        .execute(pool)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Links the draft to the application made from it; a second submission of the same draft
/// then finds the application instead of making another.
pub async fn mark_submitted(pool: &AnyPool, id: &str, application_id: &str) -> Result<()> {
    sqlx::query(
        "UPDATE drafts SET application_id = $1, answers = '{}', updated_at = $2 WHERE id = $3",
    )
    .bind(application_id)
    .bind(now_text())
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn for_session(
    pool: &AnyPool,
    session_hash: &str,
) -> Result<Vec<(String, String, String)>> {
    let rows = sqlx::query("SELECT id, procedure_id, updated_at FROM drafts WHERE session_hash = $1 AND application_id IS NULL AND expires_at > $2 ORDER BY updated_at DESC")
        .bind(session_hash)
        .bind(now_text())
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}

/// Deletes expired drafts and their uploads (retention).
pub async fn purge_expired(pool: &AnyPool) -> Result<u64> {
    let now = now_text();
    sqlx::query(
        "DELETE FROM uploads WHERE owner IN (SELECT id FROM drafts WHERE expires_at <= $1)",
    )
    .bind(&now)
    .execute(pool)
    .await?;
    let r = sqlx::query("DELETE FROM drafts WHERE expires_at <= $1")
        .bind(&now)
        .execute(pool)
        .await?;
    Ok(r.rows_affected())
}
