//! Attachments. Kept in the database here; a file-store adapter (S3-compatible) can take over
//! the bytes without changing callers.

use sqlx::{AnyPool, Row};

use crate::crypto::sha256_hex;
use crate::{Result, now_text};

#[derive(Debug, Clone, serde::Serialize)]
pub struct UploadMeta {
    pub id: String,
    pub owner: String,
    pub field_key: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

pub async fn store(
    pool: &AnyPool,
    owner: &str,
    field_key: &str,
    filename: &str,
    content_type: &str,
    bytes: &[u8],
) -> Result<UploadMeta> {
    let meta = UploadMeta {
        id: uuid::Uuid::new_v4().simple().to_string(),
        owner: owner.into(),
        field_key: field_key.into(),
        filename: filename
            .chars()
            .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
            .take(120)
            .collect(),
        content_type: content_type.into(),
        size: bytes.len() as i64,
        sha256: sha256_hex(bytes),
    };
    sqlx::query("INSERT INTO uploads (id, owner, field_key, filename, content_type, size, sha256, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(&meta.id)
        .bind(&meta.owner)
        .bind(&meta.field_key)
        .bind(&meta.filename)
        .bind(&meta.content_type)
        .bind(meta.size)
        .bind(&meta.sha256)
        .bind(bytes.to_vec())
        .bind(now_text())
        .execute(pool)
        .await?;
    Ok(meta)
}

pub async fn meta(pool: &AnyPool, id: &str) -> Result<Option<UploadMeta>> {
    let row = sqlx::query("SELECT id, owner, field_key, filename, content_type, size, sha256 FROM uploads WHERE id = $1").bind(id).fetch_optional(pool).await?;
    row.map(|r| {
        Ok(UploadMeta {
            id: r.try_get(0)?,
            owner: r.try_get(1)?,
            field_key: r.try_get(2)?,
            filename: r.try_get(3)?,
            content_type: r.try_get(4)?,
            size: r.try_get(5)?,
            sha256: r.try_get(6)?,
        })
    })
    .transpose()
}

/// Moves the uploads of a draft to the application made from it.
pub async fn reassign(pool: &AnyPool, from_owner: &str, to_owner: &str) -> Result<()> {
    sqlx::query("UPDATE uploads SET owner = $1 WHERE owner = $2")
        .bind(to_owner)
        .bind(from_owner)
        .execute(pool)
        .await?;
    Ok(())
}
