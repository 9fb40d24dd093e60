//! FAQ entries (よくある質問) from CSV: bytes in, entries or per-line errors out.
//!
//! Header: required `id,question,answer`; optional `department,category,url,updated`; column
//! order free; unknown columns are an error. UTF-8 with or without BOM (Shift_JIS is accepted
//! too, as in the catalogue import). All-or-nothing: any bad row fails the whole file, and
//! every problem is reported with its line number.

use std::collections::HashMap;

use chrono::NaiveDate;
use madoguchi_core::catalog::csv_io::{Lines, RowError, decode};
use serde::{Deserialize, Serialize};

/// One question and its official answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaqEntry {
    pub id: String,
    pub question: String,
    pub answer: String,
    pub department: Option<String>,
    pub category: Option<String>,
    pub url: Option<String>,
    pub updated: Option<NaiveDate>,
}

const COLUMNS: &[&str] = &[
    "id",
    "question",
    "answer",
    "department",
    "category",
    "url",
    "updated",
];
const REQUIRED: &[&str] = &["id", "question", "answer"];

fn err(line: usize, column: Option<&str>, message: impl Into<String>) -> RowError {
    RowError {
        line,
        column: column.map(str::to_string),
        message: message.into(),
    }
}

/// A source id: 1–120 characters, no spaces or control characters, no `#` (used for sections).
pub fn is_valid_source_id(id: &str) -> bool {
    !id.is_empty()
        && id.chars().count() <= 120
        && !id
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '#')
}

/// Parses a FAQ CSV. Returns every entry, or every error (nothing partial).
pub fn parse_faq_csv(bytes: &[u8]) -> Result<Vec<FaqEntry>, Vec<RowError>> {
    let text = decode(bytes).map_err(|e| vec![e])?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| vec![err(1, None, format!("cannot read the header row: {e}"))])?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut errors = Vec::new();
    for h in &headers {
        if !COLUMNS.contains(&h.as_str()) {
            errors.push(err(
                1,
                Some(h),
                format!("unknown column (expected {})", COLUMNS.join(", ")),
            ));
        }
    }
    for r in REQUIRED {
        if !headers.iter().any(|h| h == r) {
            errors.push(err(1, Some(r), "required column is missing"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let col = |name: &str| headers.iter().position(|h| h == name);
    let mut entries = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    // Line numbers from byte offsets: the csv crate's are one short in CRLF files.
    let mut lines = Lines::new(text.as_bytes());
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = lines.at(e.position().map(|p| p.byte()));
                errors.push(err(line, None, format!("malformed CSV: {e}")));
                continue;
            }
        };
        let line = lines.at(record.position().map(|p| p.byte()));
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if record.len() != headers.len() {
            errors.push(err(
                line,
                None,
                format!(
                    "{} cells, but the header has {} columns",
                    record.len(),
                    headers.len()
                ),
            ));
            continue;
        }
        let get = |name: &str| {
            col(name)
                .and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let id = get("id").unwrap_or_default();
        let question = get("question").unwrap_or_default();
        let answer = get("answer").unwrap_or_default();
        let mut row_ok = true;
        if !is_valid_source_id(&id) {
            errors.push(err(
                line,
                Some("id"),
                "an id is required: up to 120 characters without spaces or #",
            ));
            row_ok = false;
        } else if let Some(first) = seen.get(&id) {
            errors.push(err(
                line,
                Some("id"),
                format!("duplicate id {id} (first on line {first})"),
            ));
            row_ok = false;
        } else {
            seen.insert(id.clone(), line);
        }
        if question.is_empty() {
            errors.push(err(line, Some("question"), "the question is empty"));
            row_ok = false;
        }
        if answer.is_empty() {
            errors.push(err(line, Some("answer"), "the answer is empty"));
            row_ok = false;
        }
        let url = get("url");
        if let Some(u) = &url
            && !(u.starts_with("https://") || u.starts_with("http://") || u.starts_with('/'))
        {
            errors.push(err(
                line,
                Some("url"),
                "the url must start with https://, http:// or /",
            ));
            row_ok = false;
        }
        let updated = match get("updated") {
            None => None,
            Some(d) => match NaiveDate::parse_from_str(&d, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(err(
                        line,
                        Some("updated"),
                        format!("{d} is not a date YYYY-MM-DD"),
                    ));
                    row_ok = false;
                    None
                }
            },
        };
        if row_ok {
            entries.push(FaqEntry {
                id,
                question,
                answer,
                department: get("department"),
                category: get("category"),
                url,
                updated,
            });
        }
    }
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_and_without_bom() {
        let csv = "id,question,answer,url,updated\nq1,住民票は？,窓口で。,https://x.example/a,2026-01-02\n";
        let a = parse_faq_csv(csv.as_bytes()).expect("ok");
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(csv.as_bytes());
        let b = parse_faq_csv(&bom).expect("ok");
        assert_eq!(a, b);
        assert_eq!(a[0].id, "q1");
        assert_eq!(a[0].updated, NaiveDate::from_ymd_opt(2026, 1, 2));
        assert_eq!(a[0].department, None);
    }

    #[test]
    fn line_numbers_are_right_in_crlf_files() {
        let errors =
            parse_faq_csv(b"id,question,answer\r\na,q,x\r\n\r\nb,q,\r\n").expect_err("bad");
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![4]);
    }

    #[test]
    fn reports_every_bad_row_with_its_line() {
        let csv =
            "question,id,answer\nok?,a,yes\n,b,x\nq,a,y\n\"multi\nline\",c,z\nq,d,,\nq,e 1,x\n";
        let errors = parse_faq_csv(csv.as_bytes()).expect_err("bad");
        let lines: Vec<(usize, Option<String>)> =
            errors.iter().map(|e| (e.line, e.column.clone())).collect();
        assert_eq!(
            lines,
            vec![
                (3, Some("question".into())),
                (4, Some("id".into())),
                (7, None),
                (8, Some("id".into())),
            ],
            "{errors:?}"
        );
    }

    #[test]
    fn header_problems() {
        let e = parse_faq_csv(b"id,question,answr\n").expect_err("bad");
        assert_eq!(e.len(), 2);
        assert!(e.iter().all(|e| e.line == 1));
        let e = parse_faq_csv(b"id,question,answer,updated\nx,q,a,2026/1/1\n").expect_err("bad");
        assert_eq!(e[0].column.as_deref(), Some("updated"));
    }

    #[test]
    fn demo_faq_parses() {
        let bytes = include_bytes!("../../../demo/guide/faq.csv");
        let faq = parse_faq_csv(bytes).expect("demo faq");
        assert_eq!(faq.len(), 305);
        assert!(
            faq.iter()
                .all(|f| f.url.is_some() && f.department.is_some())
        );
    }
}
