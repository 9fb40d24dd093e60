//! The information desk's data: its knowledge base (FAQ entries and official pages, stored as
//! the parsed documents), dense vectors computed once per text, handoff tickets for staff and
//! the conversation log. Questions arrive here already redacted; this module never sees the
//! raw text a resident typed.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use crate::audit::{self, AuditEntry};
use crate::{Db, Result, StoreError, now_text};

/// A stored knowledge-base document: `data` is the parsed FAQ entry or page as JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuideDoc {
    pub id: String,
    /// `faq` or `page`.
    pub kind: String,
    pub data: String,
    /// `import:<file>` or `ticket:<number>` (an answer staff turned into a FAQ entry).
    pub origin: String,
    pub updated_at: String,
}

/// A document to store; an existing id is replaced.
#[derive(Debug, Clone)]
pub struct NewDoc {
    pub id: String,
    pub kind: String,
    pub data: String,
    pub origin: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

fn doc_of(r: &AnyRow) -> Result<GuideDoc> {
    Ok(GuideDoc {
        id: r.try_get(0)?,
        kind: r.try_get(1)?,
        data: r.try_get(2)?,
        origin: r.try_get(3)?,
        updated_at: r.try_get(4)?,
    })
}

async fn upsert_in(conn: &mut AnyConnection, docs: &[NewDoc]) -> Result<ImportSummary> {
    let now = now_text();
    let mut summary = ImportSummary::default();
    for d in docs {
        let existing = sqlx::query("SELECT kind, data FROM guide_docs WHERE id = $1")
            .bind(&d.id)
            .fetch_optional(&mut *conn)
            .await?;
        match existing {
            Some(row) => {
                let (kind, data): (String, String) = (row.try_get(0)?, row.try_get(1)?);
                if kind != d.kind {
                    return Err(StoreError::Invalid(format!(
                        "id \"{}\" is already used by a {kind} document; choose another id",
                        d.id
                    )));
                }
                if data == d.data {
                    summary.unchanged += 1;
                    continue;
                }
                sqlx::query(
                    "UPDATE guide_docs SET data = $1, origin = $2, updated_at = $3 WHERE id = $4",
                )
                .bind(&d.data)
                .bind(&d.origin)
                .bind(&now)
                .bind(&d.id)
                .execute(&mut *conn)
                .await?;
                summary.updated += 1;
            }
            None => {
                sqlx::query("INSERT INTO guide_docs (id, kind, data, origin, updated_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&d.id)
                    .bind(&d.kind)
                    .bind(&d.data)
                    .bind(&d.origin)
                    .bind(&now)
                    .execute(&mut *conn)
                    .await?;
                summary.inserted += 1;
            }
        }
    }
    Ok(summary)
}

async fn bump_version(conn: &mut AnyConnection) -> Result<()> {
    sqlx::query("INSERT INTO counters (name, value) VALUES ('guide_version', 0) ON CONFLICT (name) DO NOTHING").execute(&mut *conn).await?;
    sqlx::query("UPDATE counters SET value = value + 1 WHERE name = 'guide_version'")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Stores documents in one transaction (all or nothing) with one audit entry, and moves the
/// knowledge-base version so every instance rebuilds its index.
pub async fn upsert_docs(
    db: &Db,
    actor: &str,
    source: &str,
    docs: &[NewDoc],
) -> Result<ImportSummary> {
    let mut tx = db.writer().begin().await?;
    let summary = upsert_in(&mut tx, docs).await?;
    if summary.inserted + summary.updated > 0 {
        let entry = AuditEntry::new(actor, "guide.import", source, json!(summary));
        audit::append(&mut tx, &[entry]).await?;
        bump_version(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(summary)
}

/// Removes documents by id; returns how many existed.
pub async fn delete_docs(db: &Db, actor: &str, ids: &[String]) -> Result<u64> {
    let mut tx = db.writer().begin().await?;
    let mut removed = 0;
    for id in ids {
        removed += sqlx::query("DELETE FROM guide_docs WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    }
    if removed > 0 {
        let entry = AuditEntry::new(
            actor,
            "guide.delete",
            ids.join(","),
            json!({"removed": removed}),
        );
        audit::append(&mut tx, &[entry]).await?;
        bump_version(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(removed)
}

pub async fn docs(pool: &AnyPool) -> Result<Vec<GuideDoc>> {
    let rows =
        sqlx::query("SELECT id, kind, data, origin, updated_at FROM guide_docs ORDER BY kind, id")
            .fetch_all(pool)
            .await?;
    rows.iter().map(doc_of).collect()
}

/// True when the knowledge base holds no document (one row read at most).
pub async fn has_no_docs(pool: &AnyPool) -> Result<bool> {
    let row = sqlx::query("SELECT 1 FROM guide_docs LIMIT 1")
        .fetch_optional(pool)
        .await?;
    Ok(row.is_none())
}

pub async fn doc(pool: &AnyPool, id: &str) -> Result<Option<GuideDoc>> {
    let row =
        sqlx::query("SELECT id, kind, data, origin, updated_at FROM guide_docs WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    row.as_ref().map(doc_of).transpose()
}

/// Moves whenever the knowledge base changes.
pub async fn version(pool: &AnyPool) -> Result<i64> {
    crate::counter_value(pool, "guide_version").await
}

/// Every stored vector of `model`, by the hash of the text it was computed from.
pub async fn vectors(pool: &AnyPool, model: &str) -> Result<HashMap<String, Vec<f32>>> {
    let rows = sqlx::query("SELECT text_hash, vector FROM guide_vectors WHERE model = $1")
        .bind(model)
        .fetch_all(pool)
        .await?;
    let mut out = HashMap::with_capacity(rows.len());
    for r in rows {
        let hash: String = r.try_get(0)?;
        let text: String = r.try_get(1)?;
        let v: Vec<f32> = serde_json::from_str(&text)
            .map_err(|e| StoreError::Corrupt(format!("guide vector {hash}: {e}")))?;
        out.insert(hash, v);
    }
    Ok(out)
}

/// Stores vectors computed for new texts (an existing hash is kept: never recomputed).
pub async fn put_vectors(db: &Db, model: &str, items: &[(String, Vec<f32>)]) -> Result<()> {
    let mut tx = db.writer().begin().await?;
    let now = now_text();
    for (hash, v) in items {
        let text = serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query("INSERT INTO guide_vectors (text_hash, model, vector, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (text_hash, model) DO NOTHING")
            .bind(hash)
            .bind(model)
            .bind(text)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A question left for staff (handoff). The question is redacted before it gets here.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ticket {
    pub id: String,
    /// Shown to the resident: `G2026-000012`.
    pub number: String,
    pub department_id: Option<String>,
    pub question: String,
    /// The guide's reason code (`not_in_kb`, `personal_case`, …).
    pub reason: String,
    pub lang: String,
    pub channel: String,
    /// `open`, `answered` or `closed`.
    pub status: String,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<String>,
    /// The FAQ entry made from the answer, if any.
    pub faq_id: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone)]
pub struct NewTicket {
    pub department_id: Option<String>,
    pub question: String,
    pub reason: String,
    pub lang: String,
    pub channel: String,
    /// Kept this many days, then purged.
    pub retention_days: i64,
}

const TICKET_COLUMNS: &str = "id, number, department_id, question, reason, lang, channel, status, answer, answered_by, answered_at, faq_id, created_at";

fn ticket_of(r: &AnyRow) -> Result<Ticket> {
    Ok(Ticket {
        id: r.try_get(0)?,
        number: r.try_get(1)?,
        department_id: r.try_get(2)?,
        question: r.try_get(3)?,
        reason: r.try_get(4)?,
        lang: r.try_get(5)?,
        channel: r.try_get(6)?,
        status: r.try_get(7)?,
        answer: r.try_get(8)?,
        answered_by: r.try_get(9)?,
        answered_at: r.try_get(10)?,
        faq_id: r.try_get(11)?,
        created_at: r.try_get(12)?,
    })
}

fn days_from_now(days: i64) -> String {
    crate::time_text(chrono::Utc::now() + chrono::Duration::days(days.max(0)))
}

/// Opens a ticket in the department's queue, numbered from a yearly counter.
pub async fn create_ticket(db: &Db, t: &NewTicket) -> Result<Ticket> {
    let mut tx = db.writer().begin().await?;
    let year = chrono::Utc::now().format("%Y").to_string();
    let counter = format!("guide_ticket:{year}");
    sqlx::query("INSERT INTO counters (name, value) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING")
        .bind(&counter)
        .execute(&mut *tx)
        .await?;
    let row = sqlx::query("UPDATE counters SET value = value + 1 WHERE name = $1 RETURNING value")
        .bind(&counter)
        .fetch_one(&mut *tx)
        .await?;
    let n: i64 = row.try_get(0)?;
    let id = uuid::Uuid::now_v7().to_string();
    let number = format!("G{year}-{n:06}");
    let now = now_text();
    sqlx::query("INSERT INTO guide_tickets (id, number, department_id, question, reason, lang, channel, status, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9)")
        .bind(&id)
        .bind(&number)
        .bind(&t.department_id)
        .bind(&t.question)
        .bind(&t.reason)
        .bind(&t.lang)
        .bind(&t.channel)
        .bind(&now)
        .bind(days_from_now(t.retention_days))
        .execute(&mut *tx)
        .await?;
    let entry = AuditEntry::new(
        "resident",
        "guide.handoff",
        &id,
        json!({"number": number, "department": t.department_id, "reason": t.reason, "channel": t.channel}),
    );
    audit::append(&mut tx, &[entry]).await?;
    tx.commit().await?;
    ticket(db.writer(), &id)
        .await?
        .ok_or_else(|| StoreError::Corrupt("a new ticket vanished".into()))
}

pub async fn ticket(pool: &AnyPool, id: &str) -> Result<Option<Ticket>> {
    let sql = format!("SELECT {TICKET_COLUMNS} FROM guide_tickets WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(ticket_of).transpose()
}

/// A ticket by its id or by the number shown to the resident (`G2026-000012`).
pub async fn find_ticket(pool: &AnyPool, id_or_number: &str) -> Result<Option<Ticket>> {
    let sql = format!("SELECT {TICKET_COLUMNS} FROM guide_tickets WHERE id = $1 OR number = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id_or_number.trim())
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(ticket_of).transpose()
}

#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub status: Option<String>,
    pub department_id: Option<String>,
    pub limit: i64,
}

/// The queue, oldest first.
pub async fn tickets(pool: &AnyPool, f: &TicketFilter) -> Result<Vec<Ticket>> {
    let sql = format!(
        "SELECT {TICKET_COLUMNS} FROM guide_tickets WHERE ($1 = '' OR status = $1) AND ($2 = '' OR department_id = $2) ORDER BY created_at, number LIMIT $3"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(f.status.clone().unwrap_or_default())
        .bind(f.department_id.clone().unwrap_or_default())
        .bind(if f.limit > 0 { f.limit } else { 100 })
        .fetch_all(pool)
        .await?;
    rows.iter().map(ticket_of).collect()
}

/// Records a staff answer. `None` if there is no such ticket.
pub async fn answer_ticket(db: &Db, actor: &str, id: &str, answer: &str) -> Result<Option<Ticket>> {
    let mut tx = db.writer().begin().await?;
    let changed = sqlx::query("UPDATE guide_tickets SET status = 'answered', answer = $1, answered_by = $2, answered_at = $3 WHERE id = $4")
        .bind(answer)
        .bind(actor)
        .bind(now_text())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if changed == 0 {
        return Ok(None);
    }
    let entry = AuditEntry::new(actor, "guide.ticket.answer", id, json!({}));
    audit::append(&mut tx, &[entry]).await?;
    tx.commit().await?;
    ticket(db.writer(), id).await
}

/// Closes a ticket without an answer (spam, duplicate). `false` if there is no such ticket.
pub async fn close_ticket(db: &Db, actor: &str, id: &str) -> Result<bool> {
    let mut tx = db.writer().begin().await?;
    let changed = sqlx::query("UPDATE guide_tickets SET status = 'closed' WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if changed == 0 {
        return Ok(false);
    }
    let entry = AuditEntry::new(actor, "guide.ticket.close", id, json!({}));
    audit::append(&mut tx, &[entry]).await?;
    tx.commit().await?;
    Ok(true)
}

/// Stores the FAQ entry made from a ticket's answer and links it, in one transaction.
pub async fn ticket_to_faq(db: &Db, actor: &str, ticket_id: &str, doc: &NewDoc) -> Result<bool> {
    let mut tx = db.writer().begin().await?;
    let linked = sqlx::query("UPDATE guide_tickets SET faq_id = $1 WHERE id = $2")
        .bind(&doc.id)
        .bind(ticket_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if linked == 0 {
        return Ok(false);
    }
    upsert_in(&mut tx, std::slice::from_ref(doc)).await?;
    let entry = AuditEntry::new(actor, "guide.ticket.faq", ticket_id, json!({"faq": doc.id}));
    audit::append(&mut tx, &[entry]).await?;
    bump_version(&mut tx).await?;
    tx.commit().await?;
    Ok(true)
}

/// One question and what the guide did with it (redacted text only).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoggedQuestion {
    pub at: String,
    pub channel: String,
    pub question: String,
    pub reason: String,
    pub answered: bool,
    pub department_id: Option<String>,
    pub top_source: Option<String>,
    pub confidence: f64,
}

/// Appends to the conversation log, kept `retention_days` days.
pub async fn log_question(pool: &AnyPool, q: &LoggedQuestion, retention_days: i64) -> Result<()> {
    sqlx::query("INSERT INTO guide_log (id, at, channel, question, reason, answered, department_id, top_source, confidence, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(&q.at)
        .bind(&q.channel)
        .bind(&q.question)
        .bind(&q.reason)
        .bind(i64::from(q.answered))
        .bind(&q.department_id)
        .bind(&q.top_source)
        .bind(q.confidence)
        .bind(days_from_now(retention_days))
        .execute(pool)
        .await?;
    Ok(())
}

/// The newest log entries, newest first.
pub async fn recent_log(pool: &AnyPool, limit: i64) -> Result<Vec<LoggedQuestion>> {
    let rows = sqlx::query("SELECT at, channel, question, reason, answered, department_id, top_source, confidence FROM guide_log ORDER BY at DESC, id DESC LIMIT $1")
        .bind(limit)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(LoggedQuestion {
                at: r.try_get(0)?,
                channel: r.try_get(1)?,
                question: r.try_get(2)?,
                reason: r.try_get(3)?,
                answered: r.try_get::<i64, _>(4)? != 0,
                department_id: r.try_get(5)?,
                top_source: r.try_get(6)?,
                confidence: r.try_get(7)?,
            })
        })
        .collect()
}

/// Unanswered questions for one department (or none guessed): what documents are missing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnansweredRow {
    pub department_id: Option<String>,
    /// Questions the guide declined (`not_in_kb`) or asked back about, by reason.
    pub by_reason: Vec<(String, i64)>,
    pub open_tickets: i64,
    /// Up to five recent redacted questions, to show what is asked.
    pub examples: Vec<String>,
}

/// Per department since `since` (RFC 3339): declined and clarified questions, open tickets.
pub async fn unanswered_report(pool: &AnyPool, since: &str) -> Result<Vec<UnansweredRow>> {
    let mut rows: Vec<UnansweredRow> = Vec::new();
    fn slot<'a>(rows: &'a mut Vec<UnansweredRow>, dept: &Option<String>) -> &'a mut UnansweredRow {
        let i = match rows.iter().position(|r| &r.department_id == dept) {
            Some(i) => i,
            None => {
                rows.push(UnansweredRow {
                    department_id: dept.clone(),
                    by_reason: Vec::new(),
                    open_tickets: 0,
                    examples: Vec::new(),
                });
                rows.len() - 1
            }
        };
        &mut rows[i]
    }
    let counts = sqlx::query("SELECT department_id, reason, COUNT(*) FROM guide_log WHERE answered = 0 AND at >= $1 AND reason IN ('not_in_kb', 'ambiguous') GROUP BY department_id, reason ORDER BY department_id, reason")
        .bind(since)
        .fetch_all(pool)
        .await?;
    for r in counts {
        let dept: Option<String> = r.try_get(0)?;
        slot(&mut rows, &dept)
            .by_reason
            .push((r.try_get(1)?, r.try_get(2)?));
    }
    let open = sqlx::query("SELECT department_id, COUNT(*) FROM guide_tickets WHERE status = 'open' GROUP BY department_id")
        .fetch_all(pool)
        .await?;
    for r in open {
        let dept: Option<String> = r.try_get(0)?;
        slot(&mut rows, &dept).open_tickets = r.try_get(1)?;
    }
    let examples = sqlx::query("SELECT department_id, question FROM guide_log WHERE answered = 0 AND at >= $1 AND reason = 'not_in_kb' ORDER BY at DESC LIMIT 500")
        .bind(since)
        .fetch_all(pool)
        .await?;
    for r in examples {
        let dept: Option<String> = r.try_get(0)?;
        let q: String = r.try_get(1)?;
        let row = slot(&mut rows, &dept);
        if row.examples.len() < 5 && !row.examples.contains(&q) {
            row.examples.push(q);
        }
    }
    rows.sort_by(|a, b| {
        let total =
            |r: &UnansweredRow| r.by_reason.iter().map(|x| x.1).sum::<i64>() + r.open_tickets;
        total(b)
            .cmp(&total(a))
            .then(a.department_id.cmp(&b.department_id))
    });
    Ok(rows)
}

/// Deletes expired log entries and tickets: (log entries, tickets).
pub async fn purge_expired(pool: &AnyPool) -> Result<(u64, u64)> {
    let now = now_text();
    let log = sqlx::query("DELETE FROM guide_log WHERE expires_at <= $1")
        .bind(&now)
        .execute(pool)
        .await?
        .rows_affected();
    let tickets = sqlx::query("DELETE FROM guide_tickets WHERE expires_at <= $1")
        .bind(&now)
        .execute(pool)
        .await?
        .rows_affected();
    Ok((log, tickets))
}
