//! Published form versions. A version, once published, never changes: applications keep the
//! version they were filled with.

use madoguchi_core::forms::Form;
use serde_json::json;
use sqlx::{AnyPool, Row};

use crate::audit::{self, AuditEntry};
use crate::{Db, Result, StoreError, now_text};

#[derive(Debug, PartialEq, Eq)]
pub enum Published {
    New,
    /// The same definition was already published under this version.
    Unchanged,
}

/// Publishes a form version. Publishing a different definition under an existing version is
/// refused: bump `version` instead.
pub async fn publish(db: &Db, actor: &str, form: &Form, source: &str) -> Result<Published> {
    let definition = serde_json::to_string(form).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut tx = db.writer().begin().await?;
    let existing = sqlx::query("SELECT definition FROM forms WHERE id = $1 AND version = $2")
        .bind(&form.id)
        .bind(i64::from(form.version))
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(row) = existing {
        let stored: String = row.try_get(0)?;
        tx.rollback().await?;
        if stored == definition {
            return Ok(Published::Unchanged);
        }
        return Err(StoreError::Invalid(format!(
            "{source}: form \"{}\" version {} is already published with a different definition; publish it as version {}",
            form.id,
            form.version,
            form.version + 1
        )));
    }
    sqlx::query("INSERT INTO forms (id, version, procedure_id, definition, published_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&form.id)
        .bind(i64::from(form.version))
        .bind(&form.procedure)
        .bind(definition)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        &[AuditEntry::new(
            actor,
            "form.publish",
            format!("{}@{}", form.id, form.version),
            json!({"procedure": form.procedure, "source": source}),
        )],
    )
    .await?;
    tx.commit().await?;
    crate::catalog::bump_version_now(db).await?;
    Ok(Published::New)
}

fn parse(definition: &str, id: &str) -> Result<Form> {
    let value: serde_json::Value = serde_json::from_str(definition)
        .map_err(|e| StoreError::Corrupt(format!("form {id}: {e}")))?;
    Form::from_value(id, value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The newest version of every form.
pub async fn latest_all(pool: &AnyPool) -> Result<Vec<Form>> {
    let rows = sqlx::query("SELECT f.id, f.definition FROM forms f WHERE f.version = (SELECT MAX(g.version) FROM forms g WHERE g.id = f.id) ORDER BY f.id")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            let (id, def): (String, String) = (r.try_get(0)?, r.try_get(1)?);
            parse(&def, &id)
        })
        .collect()
}

pub async fn get(pool: &AnyPool, id: &str, version: u32) -> Result<Option<Form>> {
    let row = sqlx::query("SELECT definition FROM forms WHERE id = $1 AND version = $2")
        .bind(id)
        .bind(i64::from(version))
        .fetch_optional(pool)
        .await?;
    row.map(|r| parse(&r.try_get::<String, _>(0)?, id))
        .transpose()
}
