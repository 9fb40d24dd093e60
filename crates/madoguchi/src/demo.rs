//! The demo municipality (桜ヶ丘区, fictional), embedded in the binary.

use anyhow::{Result, bail};
use madoguchi_core::catalog::csv_io;
use madoguchi_core::forms::Form;
use madoguchi_store::{Db, catalog, forms, postal};

include!(concat!(env!("OUT_DIR"), "/demo_forms.rs"));

const DEPARTMENTS: &str = include_str!("../../../demo/catalog/departments.csv");
const PROCEDURES: &str = include_str!("../../../demo/catalog/procedures.csv");
const POSTAL: &str = include_str!("../../../demo/postal.csv");

/// Loads the demo catalogue, forms and postal codes if the catalogue is empty.
pub async fn load_if_empty(db: &Db) -> Result<bool> {
    if !catalog::procedures(db.reader()).await?.is_empty() {
        return Ok(false);
    }
    let mut departments = Vec::new();
    let mut procedures = Vec::new();
    for (name, text) in [("departments.csv", DEPARTMENTS), ("procedures.csv", PROCEDURES)] {
        let (_, parsed) = csv_io::parse(text.as_bytes()).map_err(|e| anyhow::anyhow!("demo {name}: {e}"))?;
        if let Some(e) = parsed.errors.first() {
            bail!("demo {name}: {e}");
        }
        departments.extend(parsed.departments.into_iter().map(|(_, d)| d));
        procedures.extend(parsed.procedures.into_iter().map(|(_, p)| p));
    }
    catalog::upsert(db, "system:demo", "demo", &departments, &procedures).await?;
    for (name, text) in DEMO_FORMS {
        let form = Form::from_yaml(name, text)?;
        forms::publish(db, "system:demo", &form, name).await?;
    }
    let entries = postal::parse_postal_csv(POSTAL).map_err(|e| anyhow::anyhow!("demo postal.csv: {e}"))?;
    postal::replace_all(db.writer(), &entries).await?;
    Ok(true)
}
