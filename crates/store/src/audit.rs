//! The tamper-evident audit log: a hash chain. Entry n stores the hash of entry n−1 and its
//! own hash over both; changing, removing or reordering any entry breaks every later hash.
//! One row (`audit_head`) holds the chain's end and is locked by each appending transaction,
//! so several instances on one PostgreSQL extend a single chain.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};

use crate::{Result, now_text, placeholders};

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// Who: `resident:<application>`, `staff:<id>`, `system`, `cli`.
    pub actor: String,
    /// What: `application.submit`, `catalog.import`, `form.publish`, …
    pub action: String,
    /// On what: an application id, a procedure id, a file name.
    pub subject: String,
    /// Details without personal data.
    pub detail: serde_json::Value,
}

impl AuditEntry {
    pub fn new(
        actor: impl Into<String>,
        action: impl Into<String>,
        subject: impl Into<String>,
        detail: serde_json::Value,
    ) -> Self {
        AuditEntry {
            actor: actor.into(),
            action: action.into(),
            subject: subject.into(),
            detail,
        }
    }
}

pub(crate) fn entry_hash(prev: &str, seq: i64, at: &str, e: &AuditEntry, detail: &str) -> String {
    let canonical =
        serde_json::json!([prev, seq, at, e.actor, e.action, e.subject, detail]).to_string();
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// One chained row: (seq, entry, detail JSON, prev_hash, hash).
pub(crate) type ChainRow<'a> = (i64, &'a AuditEntry, String, String, String);

/// Links entries onto a chain that ends at (`seq`, `prev`); returns the rows and the new end.
pub(crate) fn chain<'a>(
    mut seq: i64,
    mut prev: String,
    at: &str,
    entries: &'a [AuditEntry],
) -> (Vec<ChainRow<'a>>, i64, String) {
    let mut rows = Vec::with_capacity(entries.len());
    for e in entries {
        seq += 1;
        let detail = e.detail.to_string();
        let hash = entry_hash(&prev, seq, at, e, &detail);
        rows.push((seq, e, detail, prev.clone(), hash.clone()));
        prev = hash;
    }
    (rows, seq, prev)
}

/// Appends entries inside the caller's transaction.
pub async fn append(conn: &mut AnyConnection, entries: &[AuditEntry]) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    // Lock the chain's head and read it in one statement (a row lock on PostgreSQL, the write
    // lock on SQLite), so concurrent writers extend one chain.
    let head = sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *conn)
        .await?;
    let (seq, prev): (i64, String) = (head.try_get(0)?, head.try_get(1)?);
    let at = now_text();
    let (all_rows, seq, prev) = chain(seq, prev, &at, entries);
    for chunk in all_rows.chunks(500) {
        let rows = chunk.to_vec();
        let values = (0..rows.len())
            .map(|i| format!("({})", placeholders(i * 8, 8)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash) VALUES {values}"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (seq, e, detail, prev_hash, hash) in rows {
            q = q
                .bind(seq)
                .bind(at.clone())
                .bind(e.actor.clone())
                .bind(e.action.clone())
                .bind(e.subject.clone())
                .bind(detail)
                .bind(prev_hash)
                .bind(hash);
        }
        q.execute(&mut *conn).await?;
    }
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(prev)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Appends in a transaction of its own.
pub async fn append_now(pool: &AnyPool, entries: &[AuditEntry]) -> Result<()> {
    let mut tx = pool.begin().await?;
    append(&mut tx, entries).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Verification {
    pub entries: i64,
    /// The first entry whose hash or link does not match, if any.
    pub first_broken: Option<i64>,
}

/// Recomputes the whole chain.
pub async fn verify(pool: &AnyPool) -> Result<Verification> {
    let rows = sqlx::query("SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log ORDER BY seq").fetch_all(pool).await?;
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(pool)
        .await?;
    let mut prev = "0".repeat(64);
    let mut expected_seq = 1;
    for r in &rows {
        let seq: i64 = r.try_get(0)?;
        let e = AuditEntry {
            actor: r.try_get(2)?,
            action: r.try_get(3)?,
            subject: r.try_get(4)?,
            detail: serde_json::Value::Null,
        };
        let detail: String = r.try_get(5)?;
        let (prev_hash, hash): (String, String) = (r.try_get(6)?, r.try_get(7)?);
        let at: String = r.try_get(1)?;
        if seq != expected_seq
            || prev_hash != prev
            || entry_hash(&prev, seq, &at, &e, &detail) != hash
        {
            return Ok(Verification {
                entries: rows.len() as i64,
                first_broken: Some(seq),
            });
        }
        prev = hash;
        expected_seq += 1;
    }
    let (head_seq, head_hash): (i64, String) = (head.try_get(0)?, head.try_get(1)?);
    let broken = (head_seq != expected_seq - 1 || head_hash != prev).then_some(expected_seq);
    Ok(Verification {
        entries: rows.len() as i64,
        first_broken: broken,
    })
}

#[derive(Debug, Serialize)]
pub struct LoggedEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

pub async fn recent(pool: &AnyPool, limit: i64) -> Result<Vec<LoggedEntry>> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, subject, detail FROM audit_log ORDER BY seq DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(LoggedEntry {
                seq: r.try_get(0)?,
                at: r.try_get(1)?,
                actor: r.try_get(2)?,
                action: r.try_get(3)?,
                subject: r.try_get(4)?,
                detail: r.try_get(5)?,
            })
        })
        .collect()
}
