//! 郵便番号 → 住所, for address completion. Loaded from Japan Post's KEN_ALL
//! (`madoguchi postal import utf_ken_all.csv`) or from a small `code,prefecture,city,town` file.

use serde::Serialize;
use sqlx::{AnyPool, AssertSqlSafe, Row};

use crate::Result;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PostalEntry {
    pub code: String,
    pub prefecture: String,
    pub city: String,
    pub town: String,
}

pub async fn lookup(pool: &AnyPool, code: &str) -> Result<Vec<PostalEntry>> {
    let rows = sqlx::query(
        "SELECT code, prefecture, city, town FROM postal_codes WHERE code = $1 ORDER BY town",
    )
    .bind(code)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PostalEntry {
                code: r.try_get(0)?,
                prefecture: r.try_get(1)?,
                city: r.try_get(2)?,
                town: r.try_get(3)?,
            })
        })
        .collect()
}

/// Replaces the whole table in one transaction.
pub async fn replace_all(pool: &AnyPool, entries: &[PostalEntry]) -> Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM postal_codes")
        .execute(&mut *tx)
        .await?;
    for chunk in entries.chunks(500) {
        let values = (0..chunk.len())
            .map(|i| format!("({})", crate::placeholders(i * 4, 4)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql =
            format!("INSERT INTO postal_codes (code, prefecture, city, town) VALUES {values}");
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for e in chunk {
            q = q
                .bind(e.code.clone())
                .bind(e.prefecture.clone())
                .bind(e.city.clone())
                .bind(e.town.clone());
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn count(pool: &AnyPool) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) FROM postal_codes")
        .fetch_one(pool)
        .await?
        .try_get(0)?)
}

/// Parses KEN_ALL (UTF-8 版, 15 columns: code in column 3, names in 7–9) or a plain
/// `code,prefecture,city,town` file. "以下に掲載がない場合" becomes an empty town, and
/// parenthesised notes such as （次のビルを除く） are dropped.
pub fn parse_postal_csv(text: &str) -> std::result::Result<Vec<PostalEntry>, String> {
    let mut out = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| format!("line {}: {e}", i + 1))?;
        let (code, pref, city, town) = if rec.len() >= 9 {
            (rec.get(2), rec.get(6), rec.get(7), rec.get(8))
        } else if rec.len() == 4 {
            (rec.get(0), rec.get(1), rec.get(2), rec.get(3))
        } else {
            return Err(format!(
                "line {}: expected KEN_ALL (15 columns) or code,prefecture,city,town",
                i + 1
            ));
        };
        let (Some(code), Some(pref), Some(city), Some(town)) = (code, pref, city, town) else {
            continue;
        };
        if code == "code" {
            continue;
        }
        let Some(code) = madoguchi_core::japanese::PostalCode::parse(code) else {
            return Err(format!("line {}: \"{code}\" is not a postal code", i + 1));
        };
        let town = if town.contains("以下に掲載がない場合") {
            String::new()
        } else {
            town.split('（').next().unwrap_or(town).to_string()
        };
        out.push(PostalEntry {
            code: code.digits().into(),
            prefecture: pref.into(),
            city: city.into(),
            town,
        });
    }
    Ok(out)
}
