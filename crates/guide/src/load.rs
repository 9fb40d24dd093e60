//! Reading a knowledge base from files: for tests, the evaluation and the CLI. The rest of
//! the crate does no I/O (the web application stores sources in its database).

use std::path::Path;

use madoguchi_core::catalog::{Department, Procedure, csv_io};

use crate::faq::parse_faq_csv;
use crate::page::parse_page;
use crate::source::KnowledgeBase;

/// A knowledge base and the departments, read from files.
pub struct Loaded {
    pub kb: KnowledgeBase,
    pub departments: Vec<Department>,
    pub procedures: Vec<Procedure>,
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads the catalogue (`departments.csv`, `procedures.csv`), a FAQ CSV and a folder of
/// Markdown pages. Any file may be missing (`None`); any error names the file and line.
pub fn load(
    catalog_dir: Option<&Path>,
    faq_csv: Option<&Path>,
    pages_dir: Option<&Path>,
) -> Result<Loaded, String> {
    let mut kb = KnowledgeBase::new();
    let mut departments = Vec::new();
    let mut procedures = Vec::new();
    if let Some(dir) = catalog_dir {
        for name in ["departments.csv", "procedures.csv"] {
            let path = dir.join(name);
            let (_, parsed) =
                csv_io::parse(&read(&path)?).map_err(|e| format!("{}: {e}", path.display()))?;
            if let Some(e) = parsed.errors.first() {
                return Err(format!("{}: {e}", path.display()));
            }
            departments.extend(parsed.departments.into_iter().map(|(_, d)| d));
            procedures.extend(parsed.procedures.into_iter().map(|(_, p)| p));
        }
        kb.add_procedures(&procedures);
    }
    if let Some(path) = faq_csv {
        let faq = parse_faq_csv(&read(path)?).map_err(|errs| {
            errs.iter()
                .map(|e| format!("{}: {e}", path.display()))
                .collect::<Vec<_>>()
                .join("\n")
        })?;
        kb.add_faq(&faq);
    }
    if let Some(dir) = pages_dir {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .collect();
        paths.sort();
        for path in paths {
            let text = String::from_utf8(read(&path)?)
                .map_err(|_| format!("{}: not UTF-8", path.display()))?;
            let page = parse_page(&text).map_err(|errs| {
                errs.iter()
                    .map(|e| format!("{}: {e}", path.display()))
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
            kb.add_page(&page);
        }
    }
    Ok(Loaded {
        kb,
        departments,
        procedures,
    })
}

/// The demo data of this repository (`demo/catalog`, `demo/guide`), from the workspace root.
pub fn load_demo(root: &Path) -> Result<Loaded, String> {
    load(
        Some(&root.join("demo/catalog")),
        Some(&root.join("demo/guide/faq.csv")),
        Some(&root.join("demo/guide/pages")),
    )
}
