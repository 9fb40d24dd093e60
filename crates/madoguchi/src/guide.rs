//! `madoguchi guide`: the information desk from the command line. The catalogue comes from the
//! database (load the demo with `serve --demo` first, or import one); FAQ entries and pages
//! from files.

use std::io::BufRead;
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use madoguchi_guide::eval::{parse_gold, run};
use madoguchi_guide::{Guide, GuideConfig};
use madoguchi_store::{Db, catalog};

pub async fn build(db: &Db, faq: &Path, pages: &Path) -> Result<Guide> {
    crate::demo::load_if_empty(db).await?;
    let mut loaded =
        madoguchi_guide::load::load(None, Some(faq), Some(pages)).map_err(|e| anyhow!(e))?;
    let procedures = catalog::procedures(db.reader()).await?;
    let departments = catalog::departments(db.reader()).await?;
    loaded.kb.add_procedures(&procedures);
    Guide::build(loaded.kb, &GuideConfig::default(), &departments)
        .map_err(|e| anyhow!("cannot build the guide: {e}"))
}

fn print(guide: &Guide, question: &str, json: bool) -> Result<()> {
    let a = guide.ask(question);
    if json {
        println!("{}", serde_json::to_string(&a)?);
        return Ok(());
    }
    let v = serde_json::to_value(&a)?;
    println!("Q: {}", v["question"].as_str().unwrap_or(""));
    if a.answered {
        println!("A: {}", v["answer"].as_str().unwrap_or(""));
    } else {
        println!(
            "({}) {}",
            v["reason"].as_str().unwrap_or(""),
            v["answer"].as_str().unwrap_or("")
        );
    }
    for c in v["citations"].as_array().into_iter().flatten() {
        println!(
            "   出典: {} {}",
            c["title"].as_str().unwrap_or(""),
            c["url"].as_str().unwrap_or("")
        );
    }
    if let Some(d) = v["department"].as_object() {
        println!("   担当: {}", serde_json::Value::Object(d.clone()));
    }
    println!(
        "   confidence {:.2}, handoff {}",
        v["confidence"].as_f64().unwrap_or(0.0),
        a.handoff
    );
    Ok(())
}

pub fn ask(guide: &Guide, json: bool, question: Option<String>) -> Result<()> {
    if let Some(q) = question {
        return print(guide, &q, json);
    }
    for line in std::io::stdin().lock().lines() {
        let line = line.context("cannot read standard input")?;
        if !line.trim().is_empty() {
            print(guide, &line, true)?;
        }
    }
    Ok(())
}

pub fn eval(guide: &Guide, file: &Path) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let gold =
        parse_gold(&text).map_err(|(line, e)| anyhow!("{}: line {line}: {e}", file.display()))?;
    let (report, _) = run(guide, &gold);
    println!("{}", report.summary());
    Ok(())
}
