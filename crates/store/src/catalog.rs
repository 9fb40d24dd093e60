//! Departments and procedures. Stored as JSON documents with the columns queries need.

use madoguchi_core::catalog::{Department, Procedure};
use serde_json::json;
use sqlx::{AnyPool, Row};

use crate::audit::{self, AuditEntry};
use crate::{Db, Result, StoreError, now_text};

/// Replaces or inserts departments and procedures in one transaction, with one audit entry.
pub async fn upsert(
    db: &Db,
    actor: &str,
    source: &str,
    departments: &[Department],
    procedures: &[Procedure],
) -> Result<()> {
    let mut tx = db.writer().begin().await?;
    let now = now_text();
    for d in departments {
        let data = serde_json::to_string(d).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query("INSERT INTO departments (id, data, updated_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at")
            .bind(&d.id)
            .bind(data)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
    }
    for p in procedures {
        let data = serde_json::to_string(p).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO procedures (id, department_id, online_status, data, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (id) DO UPDATE SET department_id = excluded.department_id, online_status = excluded.online_status, data = excluded.data, updated_at = excluded.updated_at",
        )
        .bind(&p.id)
        .bind(&p.department)
        .bind(p.online.code())
        .bind(data)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    }
    let entry = AuditEntry::new(
        actor,
        "catalog.import",
        source,
        json!({"departments": departments.len(), "procedures": procedures.len()}),
    );
    audit::append(&mut tx, &[entry]).await?;
    // Bumping the version tells every instance to reload its in-memory catalogue.
    bump_version(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

async fn bump_version(conn: &mut sqlx::AnyConnection) -> Result<()> {
    sqlx::query("INSERT INTO counters (name, value) VALUES ('catalog_version', 0) ON CONFLICT (name) DO NOTHING").execute(&mut *conn).await?;
    sqlx::query("UPDATE counters SET value = value + 1 WHERE name = 'catalog_version'")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Changes whenever the catalogue or a form changes.
pub async fn version(pool: &AnyPool) -> Result<i64> {
    crate::counter_value(pool, "catalog_version").await
}

pub(crate) async fn bump_version_now(db: &Db) -> Result<()> {
    let mut tx = db.writer().begin().await?;
    bump_version(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn departments(pool: &AnyPool) -> Result<Vec<Department>> {
    let rows = sqlx::query("SELECT data FROM departments ORDER BY id")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            let data: String = r.try_get(0)?;
            serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("department: {e}")))
        })
        .collect()
}

pub async fn procedures(pool: &AnyPool) -> Result<Vec<Procedure>> {
    let rows = sqlx::query("SELECT data FROM procedures ORDER BY id")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            let data: String = r.try_get(0)?;
            serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("procedure: {e}")))
        })
        .collect()
}

pub async fn department_ids(pool: &AnyPool) -> Result<Vec<String>> {
    let rows = sqlx::query("SELECT id FROM departments")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| r.try_get::<String, _>(0).map_err(StoreError::from))
        .collect()
}
