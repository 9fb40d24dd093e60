//! The demo municipality (桜ヶ丘区, fictional), embedded in the binary.

use anyhow::{Result, bail};
use madoguchi_core::catalog::csv_io;
use madoguchi_core::forms::Form;
use madoguchi_store::{Db, catalog, forms, postal};

include!(concat!(env!("OUT_DIR"), "/demo_forms.rs"));

const DEPARTMENTS: &str = include_str!("../../../demo/catalog/departments.csv");
const PROCEDURES: &str = include_str!("../../../demo/catalog/procedures.csv");
const POSTAL: &str = include_str!("../../../demo/postal.csv");
const GUIDE_FAQ: &str = include_str!("../../../demo/guide/faq.csv");

/// Loads the demo catalogue, forms and postal codes if the catalogue is empty.
pub async fn load_if_empty(db: &Db) -> Result<bool> {
    if !catalog::procedures(db.reader()).await?.is_empty() {
        return Ok(false);
    }
    let mut departments = Vec::new();
    let mut procedures = Vec::new();
    for (name, text) in [
        ("departments.csv", DEPARTMENTS),
        ("procedures.csv", PROCEDURES),
    ] {
        let (_, parsed) =
            csv_io::parse(text.as_bytes()).map_err(|e| anyhow::anyhow!("demo {name}: {e}"))?;
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
    let entries =
        postal::parse_postal_csv(POSTAL).map_err(|e| anyhow::anyhow!("demo postal.csv: {e}"))?;
    postal::replace_all(db.writer(), &entries).await?;
    load_guide_if_empty(db).await?;
    Ok(true)
}

/// Loads the demo's FAQ entries and official pages into the information desk's knowledge
/// base if it is empty.
pub async fn load_guide_if_empty(db: &Db) -> Result<bool> {
    if !madoguchi_store::guide::has_no_docs(db.reader()).await? {
        return Ok(false);
    }
    madoguchi_desk::kb::import_faq(
        db,
        "system:demo",
        "demo/guide/faq.csv",
        GUIDE_FAQ.as_bytes(),
    )
    .await?;
    let mut docs = Vec::new();
    for (name, text) in DEMO_PAGES {
        let page = madoguchi_guide::parse_page(text).map_err(|e| {
            anyhow::anyhow!(
                "demo page {name}: {}",
                e.iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        })?;
        docs.push(madoguchi_desk::kb::page_doc(
            &page,
            &format!("import:demo/guide/pages/{name}"),
        )?);
    }
    madoguchi_store::guide::upsert_docs(db, "system:demo", "demo/guide/pages", &docs).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use madoguchi_core::catalog::OnlineStatus;

    #[test]
    fn the_demo_municipality_is_complete_and_valid() {
        let (_, d) = csv_io::parse(DEPARTMENTS.as_bytes()).expect("departments");
        let (_, p) = csv_io::parse(PROCEDURES.as_bytes()).expect("procedures");
        assert!(
            d.errors.is_empty() && p.errors.is_empty(),
            "{:?} {:?}",
            d.errors,
            p.errors
        );
        assert!(p.procedures.len() >= 60, "at least 60 procedures");
        let depts: Vec<&str> = d.departments.iter().map(|(_, d)| d.id.as_str()).collect();
        for (line, proc_) in &p.procedures {
            assert!(
                depts.contains(&proc_.department.as_str()),
                "line {line}: {}",
                proc_.department
            );
        }
        let count = |k: &str| {
            p.procedures
                .iter()
                .filter(|(_, x)| x.online.code() == k)
                .count()
        };
        assert!(count("here") > 0 && count("external") > 0 && count("offline") > 0);
        assert!(DEMO_FORMS.len() >= 10, "at least 10 complete forms");
        let mut no_identity = 0;
        for (name, text) in DEMO_FORMS {
            let form = Form::from_yaml(name, text).unwrap_or_else(|e| panic!("{e}"));
            let (_, proc_) = p
                .procedures
                .iter()
                .find(|(_, x)| x.id == form.procedure)
                .unwrap_or_else(|| panic!("{name}: procedure {}", form.procedure));
            assert_eq!(proc_.online, OnlineStatus::Here, "{name}");
            if proc_.identity_level == madoguchi_core::catalog::IdentityLevel::None {
                no_identity += 1;
            }
        }
        assert!(no_identity >= 1, "at least one form needs no identity");
        assert!(!postal::parse_postal_csv(POSTAL).expect("postal").is_empty());
    }
}
