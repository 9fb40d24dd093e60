//! Applications and the group-commit writer.
//!
//! Submissions go through a queue to a writer task that takes everything waiting (up to
//! `MAX_BATCH`) and stores it in one transaction: idempotency check, receipt numbers, the
//! applications and their audit entries. The caller gets its answer only after COMMIT
//! returned, which with `synchronous=FULL` (SQLite) or `synchronous_commit=on` (PostgreSQL)
//! means the data is on disk. One fsync then serves the whole batch.

use std::collections::HashMap;
use std::sync::Mutex;

use madoguchi_core::Lang;
use madoguchi_core::application::{Status, receipt_number};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sqlx::{AssertSqlSafe, AnyConnection, AnyPool, Row};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::audit::{self, AuditEntry};
use crate::crypto::Secrets;
use crate::{Backend, Result, StoreError, now_text, placeholders};

const MAX_BATCH: usize = 256;
const QUEUE: usize = 8192;

#[derive(Debug, Clone)]
pub struct NewApplication {
    pub procedure_id: String,
    pub form_id: String,
    pub form_version: u32,
    /// Validated answers, with My Numbers already sealed.
    pub answers: Map<String, Value>,
    pub computed: Map<String, Value>,
    pub lang: Lang,
    /// `web` or `api`.
    pub channel: String,
    pub idempotency_key: Option<String>,
    /// SHA-256 of the request, to tell a retry from a different request under the same key.
    pub request_hash: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SubmitOutcome {
    pub id: String,
    pub receipt_number: String,
    pub status: Status,
    pub submitted_at: String,
    pub access_token: String,
    /// True when this answers a retry of an earlier submission.
    pub replayed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("this Idempotency-Key was already used for a different request")]
    IdempotencyConflict,
    #[error("the server is shutting down; try again")]
    ShuttingDown,
    #[error(transparent)]
    Store(#[from] StoreError),
}

struct Job {
    app: NewApplication,
    reply: oneshot::Sender<std::result::Result<SubmitOutcome, SubmitError>>,
}

enum Msg {
    Submit(Box<Job>),
    Stop,
}

pub(crate) struct Submitter {
    tx: mpsc::Sender<Msg>,
    pub(crate) secrets: Secrets,
    writers: Mutex<Vec<JoinHandle<()>>>,
}

impl Submitter {
    pub(crate) fn start(pool: AnyPool, backend: Backend, secrets: Secrets) -> std::sync::Arc<Submitter> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let rx = std::sync::Arc::new(tokio::sync::Mutex::new(rx));
        // SQLite has one writer anyway; PostgreSQL overlaps a batch's statements with another's.
        let count = if backend == Backend::Sqlite { 1 } else { 2 };
        let writers = (0..count)
            .map(|_| {
                let (pool, rx, secrets) = (pool.clone(), rx.clone(), secrets.clone());
                tokio::spawn(async move { writer_loop(pool, rx, secrets).await })
            })
            .collect();
        std::sync::Arc::new(Submitter { tx, secrets, writers: Mutex::new(writers) })
    }

    pub(crate) async fn shutdown(&self) {
        let handles: Vec<JoinHandle<()>> = self.writers.lock().map(|mut w| w.drain(..).collect()).unwrap_or_default();
        for _ in &handles {
            let _ = self.tx.send(Msg::Stop).await;
        }
        for h in handles {
            let _ = h.await;
        }
    }
}

async fn writer_loop(pool: AnyPool, rx: std::sync::Arc<tokio::sync::Mutex<mpsc::Receiver<Msg>>>, secrets: Secrets) {
    loop {
        let mut batch = Vec::new();
        let mut stop = false;
        {
            let mut rx = rx.lock().await;
            match rx.recv().await {
                None | Some(Msg::Stop) => return,
                Some(Msg::Submit(job)) => batch.push(*job),
            }
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(Msg::Submit(job)) => batch.push(*job),
                    Ok(Msg::Stop) => {
                        stop = true;
                        break;
                    }
                    Err(_) => break,
                }
            }
        }
        process(&pool, batch, &secrets).await;
        if stop {
            return;
        }
    }
}

enum Plan {
    Insert { id: String },
    Replay(SubmitOutcome),
    Conflict,
    /// Same key as an earlier job in this batch: gets that job's answer.
    SameAs(usize),
}

async fn process(pool: &AnyPool, batch: Vec<Job>, secrets: &Secrets) {
    let apps: Vec<&NewApplication> = batch.iter().map(|j| &j.app).collect();
    let mut result = commit_batch(pool, &apps, secrets).await;
    if let Err(StoreError::Db(e)) = &result
        && is_unique_violation(e)
    {
        // Another instance stored the same Idempotency-Key between our check and insert:
        // once more, and the check will find it.
        result = commit_batch(pool, &apps, secrets).await;
    }
    match result {
        Ok(outcomes) => {
            for (job, outcome) in batch.into_iter().zip(outcomes) {
                let _ = job.reply.send(outcome);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, size = apps.len(), "storing a batch of applications failed");
            let msg = e.to_string();
            for job in batch {
                let _ = job.reply.send(Err(SubmitError::Store(StoreError::Invalid(msg.clone()))));
            }
        }
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => d.is_unique_violation() || d.message().contains("UNIQUE constraint"),
        _ => false,
    }
}

/// Year of the receipt sequence, in Japan time.
fn receipt_year() -> i32 {
    use chrono::Datelike;
    (chrono::Utc::now() + chrono::Duration::hours(9)).year()
}

async fn commit_batch(pool: &AnyPool, apps: &[&NewApplication], secrets: &Secrets) -> Result<Vec<std::result::Result<SubmitOutcome, SubmitError>>> {
    let mut tx = pool.begin().await?;
    let existing = find_by_keys(&mut tx, apps).await?;
    let mut first_with_key: HashMap<&str, usize> = HashMap::new();
    let mut plans = Vec::with_capacity(apps.len());
    for (i, a) in apps.iter().enumerate() {
        let plan = match a.idempotency_key.as_deref() {
            Some(k) => match existing.get(k) {
                Some((hash, outcome)) if *hash == a.request_hash => Plan::Replay(outcome.clone()),
                Some(_) => Plan::Conflict,
                None => match first_with_key.get(k) {
                    Some(&first) if apps[first].request_hash == a.request_hash => Plan::SameAs(first),
                    Some(_) => Plan::Conflict,
                    None => {
                        first_with_key.insert(k, i);
                        Plan::Insert { id: uuid::Uuid::now_v7().to_string() }
                    }
                },
            },
            None => Plan::Insert { id: uuid::Uuid::now_v7().to_string() },
        };
        plans.push(plan);
    }
    let inserts: Vec<usize> = plans.iter().enumerate().filter(|(_, p)| matches!(p, Plan::Insert { .. })).map(|(i, _)| i).collect();
    let mut fresh: HashMap<usize, SubmitOutcome> = HashMap::new();
    if !inserts.is_empty() {
        let year = receipt_year();
        let counter = format!("receipt_{year}");
        sqlx::query("INSERT INTO counters (name, value) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING").bind(&counter).execute(&mut *tx).await?;
        let row = sqlx::query("UPDATE counters SET value = value + $1 WHERE name = $2 RETURNING value")
            .bind(inserts.len() as i64)
            .bind(&counter)
            .fetch_one(&mut *tx)
            .await?;
        let last: i64 = row.try_get(0)?;
        let first_seq = last - inserts.len() as i64 + 1;
        let now = now_text();
        let mut entries = Vec::with_capacity(inserts.len());
        for (n, &i) in inserts.iter().enumerate() {
            let Plan::Insert { id } = &plans[i] else { continue };
            let receipt = receipt_number(year, first_seq + n as i64);
            entries.push(AuditEntry::new(
                format!("resident:{}", apps[i].channel),
                "application.submit",
                id.clone(),
                json!({"procedure": apps[i].procedure_id, "form": format!("{}@{}", apps[i].form_id, apps[i].form_version), "receipt_number": receipt}),
            ));
            fresh.insert(
                i,
                SubmitOutcome {
                    id: id.clone(),
                    receipt_number: receipt,
                    status: Status::Received,
                    submitted_at: now.clone(),
                    access_token: secrets.application_token(id),
                    replayed: false,
                },
            );
        }
        insert_rows(&mut tx, apps, &inserts, &fresh).await?;
        audit::append(&mut tx, &entries).await?;
    }
    tx.commit().await?;
    Ok(plans
        .iter()
        .enumerate()
        .map(|(i, plan)| match plan {
            Plan::Insert { .. } => fresh.get(&i).cloned().ok_or(SubmitError::ShuttingDown),
            Plan::Replay(o) => Ok(SubmitOutcome { replayed: true, ..o.clone() }),
            Plan::Conflict => Err(SubmitError::IdempotencyConflict),
            Plan::SameAs(first) => fresh.get(first).cloned().map(|o| SubmitOutcome { replayed: true, ..o }).ok_or(SubmitError::IdempotencyConflict),
        })
        .collect())
}

async fn find_by_keys(conn: &mut AnyConnection, apps: &[&NewApplication]) -> Result<HashMap<String, (String, SubmitOutcome)>> {
    let keys: Vec<&str> = apps.iter().filter_map(|a| a.idempotency_key.as_deref()).collect();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT idempotency_key, request_hash, id, receipt_number, status, submitted_at FROM applications WHERE idempotency_key IN ({})",
        placeholders(0, keys.len())
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for k in &keys {
        q = q.bind(*k);
    }
    let rows = q.fetch_all(&mut *conn).await?;
    let mut out = HashMap::new();
    for r in rows {
        let key: String = r.try_get(0)?;
        let hash: String = r.try_get(1)?;
        let status: String = r.try_get(4)?;
        out.insert(
            key,
            (
                hash,
                SubmitOutcome {
                    id: r.try_get(2)?,
                    receipt_number: r.try_get(3)?,
                    status: Status::parse(&status).unwrap_or(Status::Received),
                    submitted_at: r.try_get(5)?,
                    access_token: String::new(),
                    replayed: true,
                },
            ),
        );
    }
    // The token is derived, so a replay can return it without it being stored.
    Ok(out)
}

async fn insert_rows(conn: &mut AnyConnection, apps: &[&NewApplication], inserts: &[usize], fresh: &HashMap<usize, SubmitOutcome>) -> Result<()> {
    const COLS: usize = 14;
    for chunk in inserts.chunks(200) {
        let values = (0..chunk.len()).map(|i| format!("({})", placeholders(i * COLS, COLS))).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "INSERT INTO applications (id, receipt_number, procedure_id, form_id, form_version, status, answers, computed, lang, channel, idempotency_key, request_hash, submitted_at, updated_at) VALUES {values}"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for &i in chunk {
            let (a, o) = (apps[i], &fresh[&i]);
            q = q
                .bind(o.id.clone())
                .bind(o.receipt_number.clone())
                .bind(a.procedure_id.clone())
                .bind(a.form_id.clone())
                .bind(i64::from(a.form_version))
                .bind(Status::Received.as_str())
                .bind(Value::Object(a.answers.clone()).to_string())
                .bind(Value::Object(a.computed.clone()).to_string())
                .bind(a.lang.code())
                .bind(a.channel.clone())
                .bind(a.idempotency_key.clone())
                .bind(a.request_hash.clone())
                .bind(o.submitted_at.clone())
                .bind(o.submitted_at.clone());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

impl crate::Db {
    /// Stores an application durably; returns after the commit.
    pub async fn submit(&self, app: NewApplication) -> std::result::Result<SubmitOutcome, SubmitError> {
        let (reply, rx) = oneshot::channel();
        self.submitter.tx.send(Msg::Submit(Box::new(Job { app, reply }))).await.map_err(|_| SubmitError::ShuttingDown)?;
        let mut outcome = rx.await.map_err(|_| SubmitError::ShuttingDown)??;
        if outcome.access_token.is_empty() {
            outcome.access_token = self.secrets().application_token(&outcome.id);
        }
        Ok(outcome)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StoredApplication {
    pub id: String,
    pub receipt_number: String,
    pub procedure_id: String,
    pub form_id: String,
    pub form_version: u32,
    pub status: Status,
    pub answers: Map<String, Value>,
    pub computed: Map<String, Value>,
    pub lang: Lang,
    pub channel: String,
    pub submitted_at: String,
    pub updated_at: String,
}

const SELECT: &str = "SELECT id, receipt_number, procedure_id, form_id, form_version, status, answers, computed, lang, channel, submitted_at, updated_at FROM applications";

fn from_row(r: &sqlx::any::AnyRow) -> Result<StoredApplication> {
    let status: String = r.try_get(5)?;
    let answers: String = r.try_get(6)?;
    let computed: String = r.try_get(7)?;
    let lang: String = r.try_get(8)?;
    let obj = |s: &str| -> Result<Map<String, Value>> {
        match serde_json::from_str(s) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(StoreError::Corrupt("application answers are not a JSON object".into())),
        }
    };
    Ok(StoredApplication {
        id: r.try_get(0)?,
        receipt_number: r.try_get(1)?,
        procedure_id: r.try_get(2)?,
        form_id: r.try_get(3)?,
        form_version: u32::try_from(r.try_get::<i64, _>(4)?).unwrap_or(0),
        status: Status::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("unknown status {status}")))?,
        answers: obj(&answers)?,
        computed: obj(&computed)?,
        lang: Lang::parse(&lang).unwrap_or_default(),
        channel: r.try_get(9)?,
        submitted_at: r.try_get(10)?,
        updated_at: r.try_get(11)?,
    })
}

pub async fn get(pool: &AnyPool, id: &str) -> Result<Option<StoredApplication>> {
    let row = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE id = $1"))).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn count(pool: &AnyPool) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) FROM applications").fetch_one(pool).await?;
    Ok(row.try_get(0)?)
}

pub async fn recent(pool: &AnyPool, limit: i64) -> Result<Vec<StoredApplication>> {
    let rows = sqlx::query(AssertSqlSafe(format!("{SELECT} ORDER BY submitted_at DESC, id DESC LIMIT $1"))).bind(limit).fetch_all(pool).await?;
    rows.iter().map(from_row).collect()
}

/// Which of these ids are stored (for the crash test).
pub async fn existing_ids(pool: &AnyPool, ids: &[String]) -> Result<Vec<String>> {
    let mut found = Vec::new();
    for chunk in ids.chunks(500) {
        let sql = format!("SELECT id FROM applications WHERE id IN ({})", placeholders(0, chunk.len()));
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(id.clone());
        }
        for r in q.fetch_all(pool).await? {
            found.push(r.try_get(0)?);
        }
    }
    Ok(found)
}
