//! Leases for background jobs: with several instances on one database, a periodic job (such
//! as purging expired drafts) runs on whichever instance holds its lease.

use sqlx::AnyPool;

use crate::{Result, now_text};

/// Takes or renews the lease `name` for `holder` for `seconds`; true if this holder has it.
pub async fn try_lease(pool: &AnyPool, name: &str, holder: &str, seconds: i64) -> Result<bool> {
    let now = now_text();
    let until = crate::time_text(chrono::Utc::now() + chrono::Duration::seconds(seconds));
    sqlx::query("INSERT INTO job_leases (name, holder, expires_at) VALUES ($1, '', $2) ON CONFLICT (name) DO NOTHING").bind(name).bind(&now).execute(pool).await?;
    let r = sqlx::query("UPDATE job_leases SET holder = $1, expires_at = $2 WHERE name = $3 AND (expires_at <= $4 OR holder = $1)")
        .bind(holder)
        .bind(until)
        .bind(name)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(r.rows_affected() == 1)
}
