//! `Backend::Sqlite` fork of the group-commit writer: a dedicated OS thread with its own
//! rusqlite connection on the same file. sqlx's SQLite driver hands every statement to a worker
//! thread and back; a batch takes eight statements, and those hand-offs, not the disk, bounded
//! throughput. Here a batch is one hand-off each way. The decisions (idempotency, numbering,
//! audit chaining) are the shared functions in `applications` and `audit`; only the SQL
//! execution differs. PostgreSQL keeps the async sqlx path.

use std::collections::HashMap;
use std::path::PathBuf;

use rusqlite::{Connection, TransactionBehavior, params};
use tokio::sync::mpsc;

use crate::applications::{
    Existing, Job, Msg, NewApplication, Outcomes, existing_outcome, fill_batch, finish, inserts_of,
    number, plan, receipt_year, reply, row_values,
};
use crate::audit;
use crate::crypto::Secrets;
use crate::now_text;

pub(crate) fn spawn(
    path: PathBuf,
    mut rx: mpsc::Receiver<Msg>,
    secrets: Secrets,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    let mut conn =
        open(&path).map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))?;
    std::thread::Builder::new().name("sqlite-writer".into()).spawn(move || {
        loop {
            let mut batch: Vec<Job> = Vec::new();
            match rx.blocking_recv() {
                None | Some(Msg::Stop) => return,
                Some(Msg::Submit(job)) => batch.push(*job),
            }
            let stop = fill_batch(&mut batch, &mut rx);
            let apps: Vec<&NewApplication> = batch.iter().map(|j| &j.app).collect();
            let mut result = commit(&mut conn, &apps, &secrets);
            if matches!(&result, Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation) {
                result = commit(&mut conn, &apps, &secrets);
            }
            reply(batch, result.map_err(|e| e.to_string()));
            if stop {
                return;
            }
        }
    })
}

fn open(path: &PathBuf) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    // The same durability as the sqlx connections: WAL, and fsync at every commit.
    let _mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    conn.execute_batch(
        "PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;",
    )?;
    Ok(conn)
}

fn commit(
    conn: &mut Connection,
    apps: &[&NewApplication],
    secrets: &Secrets,
) -> rusqlite::Result<Outcomes> {
    // IMMEDIATE: take the write lock now rather than upgrade a read lock later.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut existing: Existing = HashMap::new();
    {
        let mut find = tx.prepare_cached("SELECT request_hash, id, receipt_number, status, submitted_at FROM applications WHERE idempotency_key = ?1")?;
        for key in apps.iter().filter_map(|a| a.idempotency_key.as_deref()) {
            let mut rows = find.query(params![key])?;
            if let Some(r) = rows.next()? {
                let status: String = r.get(3)?;
                existing.insert(
                    key.to_string(),
                    (
                        r.get(0)?,
                        existing_outcome(r.get(1)?, r.get(2)?, &status, r.get(4)?),
                    ),
                );
            }
        }
    }
    let plans = plan(apps, &existing);
    let inserts = inserts_of(&plans);
    let mut outcomes = HashMap::new();
    if !inserts.is_empty() {
        let year = receipt_year();
        let counter = format!("receipt_{year}");
        let last: i64 = tx
            .prepare_cached("INSERT INTO counters (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value RETURNING value")?
            .query_row(params![counter, inserts.len() as i64], |r| r.get(0))?;
        let fresh = number(
            apps,
            &plans,
            &inserts,
            year,
            last - inserts.len() as i64 + 1,
            secrets,
        );
        {
            let mut insert = tx.prepare_cached(&format!(
                "INSERT INTO applications ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                crate::applications::INSERT_COLUMNS
            ))?;
            for &i in &inserts {
                let (a, o) = (apps[i], &fresh.outcomes[&i]);
                let (answers, computed) = row_values(a);
                insert.execute(params![
                    o.id,
                    o.receipt_number,
                    a.procedure_id,
                    a.form_id,
                    i64::from(a.form_version),
                    o.status.as_str(),
                    answers,
                    computed,
                    a.lang.code(),
                    a.channel,
                    a.idempotency_key,
                    a.request_hash,
                    o.submitted_at,
                    o.submitted_at
                ])?;
            }
        }
        let (seq, prev): (i64, String) = tx
            .prepare_cached("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let at = now_text();
        let (rows, seq, prev) = audit::chain(seq, prev, &at, &fresh.entries);
        {
            let mut insert = tx.prepare_cached("INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?;
            for (seq, e, detail, prev_hash, hash) in &rows {
                insert.execute(params![
                    seq, at, e.actor, e.action, e.subject, detail, prev_hash, hash
                ])?;
            }
        }
        tx.prepare_cached("UPDATE audit_head SET seq = ?1, hash = ?2 WHERE id = 1")?
            .execute(params![seq, prev])?;
        outcomes = fresh.outcomes;
    }
    tx.commit()?;
    Ok(finish(&plans, &outcomes))
}
