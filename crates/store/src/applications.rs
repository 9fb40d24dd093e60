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
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, AssertSqlSafe, Row};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::audit::{self, AuditEntry};
use crate::crypto::Secrets;
use crate::{Backend, Result, StoreError, now_text, placeholders};

pub(crate) const MAX_BATCH: usize = 256;
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

pub(crate) struct Job {
    pub(crate) app: NewApplication,
    pub(crate) reply: oneshot::Sender<std::result::Result<SubmitOutcome, SubmitError>>,
}

pub(crate) enum Msg {
    Submit(Box<Job>),
    Stop,
}

pub(crate) struct Submitter {
    tx: mpsc::Sender<Msg>,
    pub(crate) secrets: Secrets,
    writers: Mutex<Vec<Writer>>,
}

enum Writer {
    Task(JoinHandle<()>),
    Thread(std::thread::JoinHandle<()>),
}

impl Submitter {
    pub(crate) fn start(
        pool: AnyPool,
        backend: Backend,
        secrets: Secrets,
        sqlite_file: Option<std::path::PathBuf>,
    ) -> Result<std::sync::Arc<Submitter>> {
        let (tx, rx) = mpsc::channel(QUEUE);
        if let (Backend::Sqlite, Some(path)) = (backend, sqlite_file) {
            // Backend::Sqlite fork: one writer thread with its own connection (see sqlite_writer).
            let handle = crate::sqlite_writer::spawn(path, rx, secrets.clone())?;
            return Ok(std::sync::Arc::new(Submitter {
                tx,
                secrets,
                writers: Mutex::new(vec![Writer::Thread(handle)]),
            }));
        }
        let rx = std::sync::Arc::new(tokio::sync::Mutex::new(rx));
        // One writer: batches would only queue on the audit chain's head row anyway.
        let count = 1;
        let writers = (0..count)
            .map(|_| {
                let (pool, rx, secrets) = (pool.clone(), rx.clone(), secrets.clone());
                Writer::Task(tokio::spawn(async move {
                    writer_loop(pool, backend, rx, secrets).await
                }))
            })
            .collect();
        Ok(std::sync::Arc::new(Submitter {
            tx,
            secrets,
            writers: Mutex::new(writers),
        }))
    }

    pub(crate) async fn shutdown(&self) {
        let handles: Vec<Writer> = self
            .writers
            .lock()
            .map(|mut w| w.drain(..).collect())
            .unwrap_or_default();
        for _ in &handles {
            let _ = self.tx.send(Msg::Stop).await;
        }
        for h in handles {
            match h {
                Writer::Task(t) => {
                    let _ = t.await;
                }
                Writer::Thread(t) => {
                    let _ = tokio::task::spawn_blocking(move || t.join()).await;
                }
            }
        }
    }
}

async fn writer_loop(
    pool: AnyPool,
    backend: Backend,
    rx: std::sync::Arc<tokio::sync::Mutex<mpsc::Receiver<Msg>>>,
    secrets: Secrets,
) {
    // The writer keeps its own connection: no pool checkout or health check per batch.
    let mut conn: Option<PoolConnection<Any>> = None;
    loop {
        let mut batch = Vec::new();
        let stop;
        {
            let mut rx = rx.lock().await;
            match rx.recv().await {
                None | Some(Msg::Stop) => return,
                Some(Msg::Submit(job)) => batch.push(*job),
            }
            stop = fill_batch(&mut batch, &mut rx);
        }
        process(&pool, backend, &mut conn, batch, &secrets).await;
        if stop {
            return;
        }
    }
}

/// Adds every job already waiting (up to `MAX_BATCH`); true if a stop request was met.
pub(crate) fn fill_batch(batch: &mut Vec<Job>, rx: &mut mpsc::Receiver<Msg>) -> bool {
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(Msg::Submit(job)) => batch.push(*job),
            Ok(Msg::Stop) => return true,
            Err(_) => return false,
        }
    }
    false
}

/// Answers every job of a batch: its own outcome, or the batch's error.
pub(crate) fn reply(batch: Vec<Job>, result: std::result::Result<Outcomes, String>) {
    match result {
        Ok(outcomes) => {
            for (job, outcome) in batch.into_iter().zip(outcomes) {
                let _ = job.reply.send(outcome);
            }
        }
        Err(msg) => {
            tracing::error!(error = %msg, size = batch.len(), "storing a batch of applications failed");
            for job in batch {
                let _ = job
                    .reply
                    .send(Err(SubmitError::Store(StoreError::Invalid(msg.clone()))));
            }
        }
    }
}

pub(crate) enum Plan {
    Insert {
        id: String,
    },
    Replay(SubmitOutcome),
    Conflict,
    /// Same key as an earlier job in this batch: gets that job's answer.
    SameAs(usize),
}

async fn process(
    pool: &AnyPool,
    backend: Backend,
    conn: &mut Option<PoolConnection<Any>>,
    batch: Vec<Job>,
    secrets: &Secrets,
) {
    let apps: Vec<&NewApplication> = batch.iter().map(|j| &j.app).collect();
    let mut result = in_transaction(pool, backend, conn, &apps, secrets).await;
    if let Err(StoreError::Db(e)) = &result
        && is_unique_violation(e)
    {
        // Another instance stored the same Idempotency-Key between our check and insert:
        // once more, and the check will find it.
        result = in_transaction(pool, backend, conn, &apps, secrets).await;
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
                let _ = job
                    .reply
                    .send(Err(SubmitError::Store(StoreError::Invalid(msg.clone()))));
            }
        }
    }
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.is_unique_violation() || d.message().contains("UNIQUE constraint")
        }
        _ => false,
    }
}

/// Year of the receipt sequence, in Japan time.
pub(crate) fn receipt_year() -> i32 {
    use chrono::Datelike;
    (chrono::Utc::now() + chrono::Duration::hours(9)).year()
}

pub(crate) type Outcomes = Vec<std::result::Result<SubmitOutcome, SubmitError>>;

/// Runs one batch in a transaction on the writer's connection. SQLite starts it IMMEDIATE so
/// that it never has to upgrade a read lock; on any error the transaction is rolled back and
/// the connection replaced.
async fn in_transaction(
    pool: &AnyPool,
    backend: Backend,
    slot: &mut Option<PoolConnection<Any>>,
    apps: &[&NewApplication],
    secrets: &Secrets,
) -> Result<Outcomes> {
    if slot.is_none() {
        *slot = Some(pool.acquire().await?);
    }
    let Some(conn) = slot.as_mut() else {
        return Err(StoreError::Unavailable);
    };
    let begin = if backend == Backend::Sqlite {
        "BEGIN IMMEDIATE"
    } else {
        "BEGIN"
    };
    let result = async {
        sqlx::query(begin).execute(&mut **conn).await?;
        let outcomes = commit_batch(conn, apps, secrets).await?;
        sqlx::query("COMMIT").execute(&mut **conn).await?;
        Ok(outcomes)
    }
    .await;
    if result.is_err() {
        let _ = sqlx::query("ROLLBACK").execute(&mut **conn).await;
        *slot = None;
    }
    result
}

/// Idempotency keys already stored: key → (request hash, the stored outcome).
pub(crate) type Existing = HashMap<String, (String, SubmitOutcome)>;

/// Decides, for each submission of a batch, whether it is new, a replay or a conflict.
pub(crate) fn plan(apps: &[&NewApplication], existing: &Existing) -> Vec<Plan> {
    let mut first_with_key: HashMap<&str, usize> = HashMap::new();
    apps.iter()
        .enumerate()
        .map(|(i, a)| match a.idempotency_key.as_deref() {
            Some(k) => match existing.get(k) {
                Some((hash, outcome)) if *hash == a.request_hash => Plan::Replay(outcome.clone()),
                Some(_) => Plan::Conflict,
                None => match first_with_key.get(k) {
                    Some(&first) if apps[first].request_hash == a.request_hash => {
                        Plan::SameAs(first)
                    }
                    Some(_) => Plan::Conflict,
                    None => {
                        first_with_key.insert(k, i);
                        Plan::Insert {
                            id: uuid::Uuid::now_v7().to_string(),
                        }
                    }
                },
            },
            None => Plan::Insert {
                id: uuid::Uuid::now_v7().to_string(),
            },
        })
        .collect()
}

/// The new applications of a batch, numbered from `first_seq`, with their audit entries.
pub(crate) struct Fresh {
    pub(crate) outcomes: HashMap<usize, SubmitOutcome>,
    pub(crate) entries: Vec<AuditEntry>,
}

pub(crate) fn inserts_of(plans: &[Plan]) -> Vec<usize> {
    plans
        .iter()
        .enumerate()
        .filter(|(_, p)| matches!(p, Plan::Insert { .. }))
        .map(|(i, _)| i)
        .collect()
}

pub(crate) fn number(
    apps: &[&NewApplication],
    plans: &[Plan],
    inserts: &[usize],
    year: i32,
    first_seq: i64,
    secrets: &Secrets,
) -> Fresh {
    let now = now_text();
    let mut fresh = Fresh {
        outcomes: HashMap::new(),
        entries: Vec::with_capacity(inserts.len()),
    };
    for (n, &i) in inserts.iter().enumerate() {
        let Plan::Insert { id } = &plans[i] else {
            continue;
        };
        let receipt = receipt_number(year, first_seq + n as i64);
        fresh.entries.push(AuditEntry::new(
            format!("resident:{}", apps[i].channel),
            "application.submit",
            id.clone(),
            json!({"procedure": apps[i].procedure_id, "form": format!("{}@{}", apps[i].form_id, apps[i].form_version), "receipt_number": receipt}),
        ));
        fresh.outcomes.insert(
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
    fresh
}

pub(crate) fn finish(plans: &[Plan], fresh: &HashMap<usize, SubmitOutcome>) -> Outcomes {
    plans
        .iter()
        .enumerate()
        .map(|(i, plan)| match plan {
            Plan::Insert { .. } => fresh.get(&i).cloned().ok_or(SubmitError::ShuttingDown),
            Plan::Replay(o) => Ok(SubmitOutcome {
                replayed: true,
                ..o.clone()
            }),
            Plan::Conflict => Err(SubmitError::IdempotencyConflict),
            Plan::SameAs(first) => fresh
                .get(first)
                .cloned()
                .map(|o| SubmitOutcome {
                    replayed: true,
                    ..o
                })
                .ok_or(SubmitError::IdempotencyConflict),
        })
        .collect()
}

/// The answers and computed values of an application, as stored (JSON text).
pub(crate) fn row_values(a: &NewApplication) -> (String, String) {
    (
        serde_json::to_string(&a.answers).unwrap_or_default(),
        serde_json::to_string(&a.computed).unwrap_or_default(),
    )
}

pub(crate) const INSERT_COLUMNS: &str = "id, receipt_number, procedure_id, form_id, form_version, status, answers, computed, lang, channel, idempotency_key, request_hash, submitted_at, updated_at";

/// The sqlx path, used for PostgreSQL (SQLite files have `sqlite_writer`). Plain statements
/// rather than one large data-modifying CTE: PostgreSQL plans a CTE with hundreds of
/// parameters for every batch, which measured slower and with long tails.
async fn commit_batch(
    tx: &mut AnyConnection,
    apps: &[&NewApplication],
    secrets: &Secrets,
) -> Result<Outcomes> {
    let existing = find_by_keys(&mut *tx, apps).await?;
    let plans = plan(apps, &existing);
    let inserts = inserts_of(&plans);
    let mut fresh = Fresh {
        outcomes: HashMap::new(),
        entries: Vec::new(),
    };
    if !inserts.is_empty() {
        let year = receipt_year();
        let row = sqlx::query("INSERT INTO counters (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value RETURNING value")
            .bind(format!("receipt_{year}"))
            .bind(inserts.len() as i64)
            .fetch_one(&mut *tx)
            .await?;
        let last: i64 = row.try_get(0)?;
        fresh = number(
            apps,
            &plans,
            &inserts,
            year,
            last - inserts.len() as i64 + 1,
            secrets,
        );
        insert_rows(&mut *tx, apps, &inserts, &fresh.outcomes).await?;
        audit::append(&mut *tx, &fresh.entries).await?;
    }
    Ok(finish(&plans, &fresh.outcomes))
}

async fn insert_rows(
    conn: &mut AnyConnection,
    apps: &[&NewApplication],
    inserts: &[usize],
    fresh: &HashMap<usize, SubmitOutcome>,
) -> Result<()> {
    const COLS: usize = 14;
    for chunk in inserts.chunks(200) {
        let values = (0..chunk.len())
            .map(|i| format!("({})", placeholders(i * COLS, COLS)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("INSERT INTO applications ({INSERT_COLUMNS}) VALUES {values}");
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for &i in chunk {
            let (a, o) = (apps[i], &fresh[&i]);
            let (answers, computed) = row_values(a);
            q = q
                .bind(o.id.clone())
                .bind(o.receipt_number.clone())
                .bind(a.procedure_id.clone())
                .bind(a.form_id.clone())
                .bind(i64::from(a.form_version))
                .bind(Status::Received.as_str())
                .bind(answers)
                .bind(computed)
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

pub(crate) fn existing_outcome(
    id: String,
    receipt: String,
    status: &str,
    submitted_at: String,
) -> SubmitOutcome {
    // The token is derived from the id, so a replay can return it without it being stored.
    SubmitOutcome {
        id,
        receipt_number: receipt,
        status: Status::parse(status).unwrap_or(Status::Received),
        submitted_at,
        access_token: String::new(),
        replayed: true,
    }
}

async fn find_by_keys(
    conn: &mut AnyConnection,
    apps: &[&NewApplication],
) -> Result<HashMap<String, (String, SubmitOutcome)>> {
    let keys: Vec<&str> = apps
        .iter()
        .filter_map(|a| a.idempotency_key.as_deref())
        .collect();
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
                existing_outcome(r.try_get(2)?, r.try_get(3)?, &status, r.try_get(5)?),
            ),
        );
    }
    Ok(out)
}

impl crate::Db {
    /// Stores an application durably; returns after the commit.
    pub async fn submit(
        &self,
        app: NewApplication,
    ) -> std::result::Result<SubmitOutcome, SubmitError> {
        let (reply, rx) = oneshot::channel();
        self.submitter
            .tx
            .send(Msg::Submit(Box::new(Job { app, reply })))
            .await
            .map_err(|_| SubmitError::ShuttingDown)?;
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
            _ => Err(StoreError::Corrupt(
                "application answers are not a JSON object".into(),
            )),
        }
    };
    Ok(StoredApplication {
        id: r.try_get(0)?,
        receipt_number: r.try_get(1)?,
        procedure_id: r.try_get(2)?,
        form_id: r.try_get(3)?,
        form_version: u32::try_from(r.try_get::<i64, _>(4)?).unwrap_or(0),
        status: Status::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown status {status}")))?,
        answers: obj(&answers)?,
        computed: obj(&computed)?,
        lang: Lang::parse(&lang).unwrap_or_default(),
        channel: r.try_get(9)?,
        submitted_at: r.try_get(10)?,
        updated_at: r.try_get(11)?,
    })
}

pub async fn get(pool: &AnyPool, id: &str) -> Result<Option<StoredApplication>> {
    let row = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE id = $1")))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn count(pool: &AnyPool) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) FROM applications")
        .fetch_one(pool)
        .await?;
    Ok(row.try_get(0)?)
}

pub async fn recent(pool: &AnyPool, limit: i64) -> Result<Vec<StoredApplication>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{SELECT} ORDER BY submitted_at DESC, id DESC LIMIT $1"
    )))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Which of these ids are stored (for the crash test).
pub async fn existing_ids(pool: &AnyPool, ids: &[String]) -> Result<Vec<String>> {
    let mut found = Vec::new();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT id FROM applications WHERE id IN ({})",
            placeholders(0, chunk.len())
        );
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
