//! The knowledge base in the database: importing FAQ files and official pages (all or
//! nothing, errors with line numbers), and reading everything back as a `KnowledgeBase`.

use std::path::Path;

use madoguchi_core::catalog::csv_io::RowError;
use madoguchi_guide::{FaqEntry, KnowledgeBase, Page, parse_faq_csv, parse_page};
use madoguchi_store::guide::{self as store, ImportSummary, NewDoc};
use madoguchi_store::{Db, catalog};

use crate::html::parse_html_page;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Every problem found, each naming its file and line; nothing was imported.
    #[error("{}", .0.join("\n"))]
    Invalid(Vec<String>),
    #[error(transparent)]
    Store(#[from] madoguchi_store::StoreError),
}

fn describe(file: &str, errors: &[RowError]) -> Vec<String> {
    errors.iter().map(|e| format!("{file}: {e}")).collect()
}

pub fn faq_doc(entry: &FaqEntry, origin: &str) -> Result<NewDoc, serde_json::Error> {
    Ok(NewDoc {
        id: entry.id.clone(),
        kind: "faq".into(),
        data: serde_json::to_string(entry)?,
        origin: origin.into(),
    })
}

pub fn page_doc(page: &Page, origin: &str) -> Result<NewDoc, serde_json::Error> {
    Ok(NewDoc {
        id: page.id.clone(),
        kind: "page".into(),
        data: serde_json::to_string(page)?,
        origin: origin.into(),
    })
}

fn json_error(file: &str, e: serde_json::Error) -> ImportError {
    ImportError::Invalid(vec![format!("{file}: {e}")])
}

/// What a FAQ import did: the counts, and warnings that did not stop it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaqImport {
    pub summary: ImportSummary,
    /// Departments not found in the catalogue (kept as written, shown without contact
    /// details), one line per department with the ids that name it.
    pub warnings: Vec<String>,
}

/// How a FAQ file names a department: the catalogue id, or the department's name in Japanese
/// or English (what a municipality's own FAQ export has in its 担当課 column).
fn resolve_department(
    given: &str,
    departments: &[madoguchi_core::catalog::Department],
) -> Option<String> {
    let key = |s: &str| {
        madoguchi_guide::normalize::fold(s)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
    };
    let wanted = key(given);
    departments
        .iter()
        .find(|d| d.id == given)
        .or_else(|| {
            departments.iter().find(|d| {
                key(&d.name.ja) == wanted
                    || d.name.en.as_deref().is_some_and(|en| key(en) == wanted)
            })
        })
        .map(|d| d.id.clone())
}

/// Imports a FAQ CSV (`id,question,answer[,department,category,url,updated]`). Re-importing an
/// id updates it; any bad row fails the whole file. A department is matched by catalogue id
/// or name; one the catalogue does not know is kept as written, with a warning.
pub async fn import_faq(
    db: &Db,
    actor: &str,
    file: &str,
    bytes: &[u8],
) -> Result<FaqImport, ImportError> {
    let mut entries = parse_faq_csv(bytes).map_err(|e| ImportError::Invalid(describe(file, &e)))?;
    let departments = catalog::departments(db.reader()).await?;
    let mut unknown: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for e in &mut entries {
        let Some(given) = e.department.clone() else {
            continue;
        };
        match resolve_department(&given, &departments) {
            Some(id) => e.department = Some(id),
            None if departments.is_empty() => {}
            None => unknown.entry(given).or_default().push(e.id.clone()),
        }
    }
    let warnings = unknown
        .into_iter()
        .map(|(d, ids)| {
            let shown: Vec<&str> = ids.iter().take(5).map(String::as_str).collect();
            let more = if ids.len() > 5 {
                format!(" and {} more", ids.len() - 5)
            } else {
                String::new()
            };
            format!(
                "{file}: department \"{d}\" is not in the catalogue (ids {}{more}): kept as written, \
                 answers name it without counter, phone or hours",
                shown.join(", ")
            )
        })
        .collect();
    let origin = format!("import:{file}");
    let docs = entries
        .iter()
        .map(|e| faq_doc(e, &origin))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| json_error(file, e))?;
    let summary = store::upsert_docs(db, actor, file, &docs).await?;
    Ok(FaqImport { summary, warnings })
}

/// Parses every page file in a folder (`.md` with front matter, `.html`/`.htm`), sorted by
/// name. All files must parse, and ids must be distinct.
pub fn read_pages(dir: &Path) -> Result<Vec<(String, Page)>, ImportError> {
    let read_dir = std::fs::read_dir(dir)
        .map_err(|e| ImportError::Invalid(vec![format!("{}: {e}", dir.display())]))?;
    let mut paths: Vec<_> = read_dir
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x == "md" || x == "html" || x == "htm")
        })
        .collect();
    paths.sort();
    let mut pages: Vec<(String, Page)> = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        let text = match std::fs::read(&path).map(String::from_utf8) {
            Ok(Ok(t)) => t,
            Ok(Err(_)) => {
                errors.push(format!("{name}: not UTF-8; save the file as UTF-8"));
                continue;
            }
            Err(e) => {
                errors.push(format!("{name}: {e}"));
                continue;
            }
        };
        let parsed = if path.extension().is_some_and(|x| x == "md") {
            parse_page(&text)
        } else {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default();
            parse_html_page(&text, &stem)
        };
        match parsed {
            Ok(page) => {
                if let Some((other, _)) = pages.iter().find(|(_, p)| p.id == page.id) {
                    errors.push(format!(
                        "{name}: id \"{}\" is also used by {other}",
                        page.id
                    ));
                } else {
                    pages.push((name, page));
                }
            }
            Err(e) => errors.extend(describe(&name, &e)),
        }
    }
    if errors.is_empty() {
        Ok(pages)
    } else {
        Err(ImportError::Invalid(errors))
    }
}

/// Imports the official pages of a folder in one transaction.
pub async fn import_pages(db: &Db, actor: &str, dir: &Path) -> Result<ImportSummary, ImportError> {
    let pages = read_pages(dir)?;
    let docs = pages
        .iter()
        .map(|(file, p)| page_doc(p, &format!("import:{file}")).map_err(|e| json_error(file, e)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(store::upsert_docs(db, actor, &dir.display().to_string(), &docs).await?)
}

/// Everything the guide may answer from: stored FAQ entries and pages, and the catalogue.
pub async fn load(
    db: &Db,
) -> Result<(KnowledgeBase, Vec<madoguchi_core::catalog::Department>), madoguchi_store::StoreError>
{
    let mut kb = KnowledgeBase::new();
    let procedures = catalog::procedures(db.reader()).await?;
    let departments = catalog::departments(db.reader()).await?;
    kb.add_procedures(&procedures);
    let mut faq = Vec::new();
    let mut pages = Vec::new();
    for d in store::docs(db.reader()).await? {
        match d.kind.as_str() {
            "faq" => match serde_json::from_str::<FaqEntry>(&d.data) {
                Ok(e) => faq.push(e),
                Err(e) => {
                    tracing::warn!(id = %d.id, error = %e, "skipping an unreadable FAQ entry")
                }
            },
            "page" => match serde_json::from_str::<Page>(&d.data) {
                Ok(p) => pages.push(p),
                Err(e) => tracing::warn!(id = %d.id, error = %e, "skipping an unreadable page"),
            },
            other => {
                tracing::warn!(id = %d.id, kind = other, "skipping a document of unknown kind")
            }
        }
    }
    kb.add_faq(&faq);
    for p in &pages {
        kb.add_page(p);
    }
    Ok((kb, departments))
}
