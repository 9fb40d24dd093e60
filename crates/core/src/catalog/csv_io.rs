//! Our catalogue CSV format (docs/catalog-format.md): decoding, parsing with per-row errors,
//! and export.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::codes::{self, CATEGORIES, LIFE_EVENTS};
use super::model::{
    DeliveryMethod, Department, IdentityLevel, OfflineReason, OnlineStatus, Procedure,
};
use super::survey;
use crate::forms::definition::is_valid_id;
use crate::text::Text;

/// One problem in an imported file: the line (1-based, header = 1), the column, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: usize,
    pub column: Option<String>,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(c) => write!(f, "line {}, column {}: {}", self.line, c, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Departments,
    Procedures,
    Survey,
}

/// A parsed file: the rows that are valid and the errors of the others.
#[derive(Debug, Default)]
pub struct Parsed {
    pub departments: Vec<(usize, Department)>,
    pub procedures: Vec<(usize, Procedure)>,
    pub errors: Vec<RowError>,
}

fn file_error(line: usize, message: impl Into<String>) -> RowError {
    RowError {
        line,
        column: None,
        message: message.into(),
    }
}

/// Line numbers of records, from their byte offsets. The csv crate's own `Position::line` is
/// one short for CRLF files (it counts the `\n` of a `\r\n` with the next record) and after
/// blank lines; this counts `\r\n`, `\n` and a lone `\r` as one line break each.
pub struct Lines<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a [u8]) -> Self {
        Lines {
            text,
            offset: 0,
            line: 1,
        }
    }

    /// The line a record starting at `offset` is on (offsets only grow, so this is linear).
    pub fn at(&mut self, offset: Option<u64>) -> usize {
        let Some(offset) = offset.and_then(|o| usize::try_from(o).ok()) else {
            return 0;
        };
        // A record never starts with a line break: skip the rest of the previous terminator.
        let mut start = offset.min(self.text.len());
        while matches!(self.text.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start < self.offset {
            return self.line;
        }
        for (i, b) in self.text[self.offset..start].iter().enumerate() {
            let at = self.offset + i;
            if *b == b'\n' || (*b == b'\r' && self.text.get(at + 1) != Some(&b'\n')) {
                self.line += 1;
            }
        }
        self.offset = start;
        self.line
    }
}

fn line_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// UTF-8 (with or without BOM) or Shift_JIS (CP932). Anything else names the first bad line.
pub fn decode(bytes: &[u8]) -> Result<String, RowError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(s) => Ok(s.to_string()),
        Err(utf8_err) => {
            let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(body);
            if !had_errors {
                return Ok(text.into_owned());
            }
            let sjis_line = text
                .find('\u{FFFD}')
                .map(|i| text[..i].matches('\n').count() + 1)
                .unwrap_or(1);
            let utf8_line = line_of(body, utf8_err.valid_up_to());
            Err(file_error(
                utf8_line.max(sjis_line),
                format!(
                    "the file is neither UTF-8 nor Shift_JIS: invalid UTF-8 at line {utf8_line}, invalid Shift_JIS at line {sjis_line}. Save it as UTF-8 and import it again"
                ),
            ))
        }
    }
}

const DEPARTMENT_COLUMNS: &[&str] = &[
    "id",
    "name",
    "name_en",
    "location",
    "location_en",
    "phone",
    "email",
    "hours",
    "hours_en",
];
const PROCEDURE_COLUMNS: &[&str] = &[
    "id",
    "name",
    "name_en",
    "reading",
    "aliases",
    "department",
    "categories",
    "life_events",
    "summary",
    "summary_en",
    "eligibility",
    "eligibility_en",
    "legal_basis",
    "online_status",
    "external_service",
    "external_url",
    "offline_reason",
    "offline_note",
    "offline_alternative",
    "identity_level",
    "fee",
    "fee_note",
    "attachments",
    "delivery_methods",
    "processing_period",
    "processing_days",
    "contact",
    "url",
    "updated",
];

/// Recognises a file by its header and parses every row.
pub fn parse(bytes: &[u8]) -> Result<(FileKind, Parsed), RowError> {
    let text = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| file_error(1, format!("cannot read the header row: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(file_error(
            1,
            "the file is empty: the first row must be a header",
        ));
    }
    let kind = if headers.first().map(String::as_str) == Some("手続ID")
        && headers.iter().any(|h| h == "オンライン化の実施状況")
    {
        FileKind::Survey
    } else if headers.iter().any(|h| h == "online_status") {
        FileKind::Procedures
    } else if headers.iter().any(|h| h == "id") && headers.iter().any(|h| h == "name") {
        FileKind::Departments
    } else {
        return Err(file_error(
            1,
            "unknown header: expected a departments file (id,name,…), a procedures file (id,name,department,online_status,…) or the 行政手続等の悉皆調査 CSV",
        ));
    };
    if kind != FileKind::Survey {
        let (known, required): (&[&str], &[&str]) = match kind {
            FileKind::Departments => (DEPARTMENT_COLUMNS, &["id", "name"]),
            _ => (
                PROCEDURE_COLUMNS,
                &["id", "name", "department", "online_status"],
            ),
        };
        for h in &headers {
            if !known.contains(&h.as_str()) {
                return Err(RowError {
                    line: 1,
                    column: Some(h.clone()),
                    message: format!(
                        "unknown column \"{h}\"; known columns: {}",
                        known.join(", ")
                    ),
                });
            }
        }
        let mut seen = std::collections::HashSet::new();
        for h in &headers {
            if !seen.insert(h) {
                return Err(RowError {
                    line: 1,
                    column: Some(h.clone()),
                    message: "the column appears twice".into(),
                });
            }
        }
        for r in required {
            if !headers.iter().any(|h| h == r) {
                return Err(RowError {
                    line: 1,
                    column: Some((*r).into()),
                    message: format!("required column \"{r}\" is missing"),
                });
            }
        }
    }
    let mut parsed = Parsed::default();
    let mut lines = Lines::new(text.as_bytes());
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = lines.at(e.position().map(|p| p.byte()));
                parsed
                    .errors
                    .push(file_error(line, format!("malformed CSV: {e}")));
                continue;
            }
        };
        let line = lines.at(record.position().map(|p| p.byte()));
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if record.len() != headers.len() {
            parsed.errors.push(file_error(
                line,
                format!(
                    "the row has {} cells but the header has {}",
                    record.len(),
                    headers.len()
                ),
            ));
            continue;
        }
        let row: HashMap<&str, &str> = headers
            .iter()
            .map(String::as_str)
            .zip(record.iter().map(str::trim))
            .collect();
        let result = match kind {
            FileKind::Departments => {
                department_from_row(&row).map(|d| parsed.departments.push((line, d)))
            }
            FileKind::Procedures => {
                procedure_from_row(&row).map(|p| parsed.procedures.push((line, p)))
            }
            FileKind::Survey => {
                survey::procedure_from_survey_row(&row).map(|p| parsed.procedures.push((line, p)))
            }
        };
        if let Err((column, message)) = result {
            parsed.errors.push(RowError {
                line,
                column: Some(column),
                message,
            });
        }
    }
    // The same id twice in one file is a mistake, not an update.
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let ids = parsed
        .departments
        .iter()
        .map(|(l, d)| (*l, d.id.clone()))
        .chain(parsed.procedures.iter().map(|(l, p)| (*l, p.id.clone())));
    let mut dupes = Vec::new();
    for (line, id) in ids {
        if let Some(first) = first_line.get(&id) {
            dupes.push(RowError {
                line,
                column: Some("id".into()),
                message: format!("id \"{id}\" already appears on line {first}"),
            });
        } else {
            first_line.insert(id, line);
        }
    }
    parsed.errors.extend(dupes);
    parsed.errors.sort_by_key(|e| e.line);
    Ok((kind, parsed))
}

type CellResult<T> = Result<T, (String, String)>;

fn cell<'a>(row: &HashMap<&str, &'a str>, col: &str) -> Option<&'a str> {
    row.get(col).copied().filter(|s| !s.is_empty())
}

fn required<'a>(row: &HashMap<&str, &'a str>, col: &str) -> CellResult<&'a str> {
    cell(row, col).ok_or_else(|| (col.to_string(), "this column is required".to_string()))
}

fn text(row: &HashMap<&str, &str>, ja: &str, en: &str) -> Option<Text> {
    cell(row, ja).map(|j| Text::new(j, cell(row, en).map(str::to_string)))
}

pub fn split_list(s: &str) -> Vec<String> {
    s.split([';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn check_id(col: &str, id: &str) -> CellResult<()> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err((
            col.into(),
            format!("\"{id}\" is not a valid id: use lower-case letters, digits and '-'"),
        ))
    }
}

fn department_from_row(row: &HashMap<&str, &str>) -> CellResult<Department> {
    let id = required(row, "id")?;
    check_id("id", id)?;
    Ok(Department {
        id: id.to_string(),
        name: text(row, "name", "name_en")
            .ok_or(("name".to_string(), "this column is required".to_string()))?,
        location: text(row, "location", "location_en"),
        phone: cell(row, "phone").map(str::to_string),
        email: cell(row, "email").map(str::to_string),
        hours: text(row, "hours", "hours_en"),
    })
}

fn codes_of(
    row: &HashMap<&str, &str>,
    col: &str,
    table: &'static [codes::Code],
) -> CellResult<Vec<String>> {
    split_list(cell(row, col).unwrap_or(""))
        .into_iter()
        .map(|v| {
            codes::find(table, &v)
                .map(|c| c.code.to_string())
                .ok_or_else(|| {
                    (
                        col.to_string(),
                        format!(
                            "unknown code \"{v}\"; expected one of: {}",
                            table.iter().map(|c| c.code).collect::<Vec<_>>().join(", ")
                        ),
                    )
                })
        })
        .collect()
}

fn procedure_from_row(row: &HashMap<&str, &str>) -> CellResult<Procedure> {
    let id = required(row, "id")?;
    check_id("id", id)?;
    let department = required(row, "department")?;
    check_id("department", department)?;
    let online = match required(row, "online_status")? {
        "here" => OnlineStatus::Here,
        "external" => {
            let service = required(row, "external_service")?.to_string();
            let url = required(row, "external_url")?.to_string();
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err((
                    "external_url".into(),
                    format!("\"{url}\" is not a web address (https://…)"),
                ));
            }
            OnlineStatus::External { service, url }
        }
        "offline" => {
            let reason = required(row, "offline_reason")?;
            let reason = OfflineReason::parse(reason).ok_or_else(|| {
                ("offline_reason".to_string(), format!("unknown reason \"{reason}\"; expected one of: law, original_document, in_person, physical, planned, other"))
            })?;
            OnlineStatus::Offline {
                reason,
                note: cell(row, "offline_note").map(str::to_string),
                alternative: cell(row, "offline_alternative").map(str::to_string),
            }
        }
        other => {
            return Err((
                "online_status".into(),
                format!("\"{other}\" is not one of: here, external, offline"),
            ));
        }
    };
    let identity_level = match cell(row, "identity_level") {
        None => IdentityLevel::None,
        Some(s) => IdentityLevel::parse(s).ok_or_else(|| {
            (
                "identity_level".to_string(),
                format!("\"{s}\" is not one of: none, signed_in, mynumber_card"),
            )
        })?,
    };
    let fee = cell(row, "fee")
        .map(|s| {
            let digits: String = crate::japanese::nfkc(s)
                .chars()
                .filter(|c| *c != ',')
                .collect();
            digits
                .trim_end_matches('円')
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    (
                        "fee".to_string(),
                        format!("\"{s}\" is not an amount in yen (e.g. 300)"),
                    )
                })
        })
        .transpose()?;
    let delivery_methods = split_list(cell(row, "delivery_methods").unwrap_or(""))
        .iter()
        .map(|d| {
            DeliveryMethod::parse(d).ok_or_else(|| {
                (
                    "delivery_methods".to_string(),
                    format!("\"{d}\" is not one of: download, post, counter, convenience_store"),
                )
            })
        })
        .collect::<CellResult<Vec<_>>>()?;
    let processing_days = cell(row, "processing_days")
        .map(|s| {
            s.parse::<u32>().map_err(|_| {
                (
                    "processing_days".to_string(),
                    format!("\"{s}\" is not a number of days"),
                )
            })
        })
        .transpose()?;
    let updated = cell(row, "updated")
        .map(|s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
                (
                    "updated".to_string(),
                    format!("\"{s}\" is not a date (YYYY-MM-DD)"),
                )
            })
        })
        .transpose()?;
    let url = cell(row, "url").map(str::to_string);
    if let Some(u) = &url
        && !(u.starts_with("https://") || u.starts_with("http://"))
    {
        return Err((
            "url".into(),
            format!("\"{u}\" is not a web address (https://…)"),
        ));
    }
    let reading =
        cell(row, "reading").map(|r| crate::japanese::to_hiragana(&crate::japanese::nfkc(r)));
    Ok(Procedure {
        id: id.to_string(),
        name: text(row, "name", "name_en")
            .ok_or(("name".to_string(), "this column is required".to_string()))?,
        reading,
        aliases: split_list(cell(row, "aliases").unwrap_or("")),
        department: department.to_string(),
        categories: codes_of(row, "categories", CATEGORIES)?,
        life_events: codes_of(row, "life_events", LIFE_EVENTS)?,
        summary: text(row, "summary", "summary_en"),
        eligibility: text(row, "eligibility", "eligibility_en"),
        legal_basis: cell(row, "legal_basis").map(str::to_string),
        online,
        identity_level,
        fee,
        fee_note: cell(row, "fee_note").map(str::to_string),
        attachments: split_list(cell(row, "attachments").unwrap_or("")),
        delivery_methods,
        processing_period: cell(row, "processing_period").map(str::to_string),
        processing_days,
        contact: cell(row, "contact").map(str::to_string),
        url,
        updated,
    })
}

fn write_csv(headers: &[&str], rows: Vec<Vec<String>>) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        // Writing to a Vec cannot fail; errors would only come from the writer itself.
        let _ = w.write_record(headers);
        for r in rows {
            let _ = w.write_record(&r);
        }
        let _ = w.flush();
    }
    out
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

fn en(t: &Option<Text>) -> String {
    t.as_ref().and_then(|t| t.en.clone()).unwrap_or_default()
}

fn ja(t: &Option<Text>) -> String {
    t.as_ref().map(|t| t.ja.clone()).unwrap_or_default()
}

/// departments.csv, UTF-8 with BOM.
pub fn export_departments(departments: &[Department]) -> Vec<u8> {
    let rows = departments
        .iter()
        .map(|d| {
            vec![
                d.id.clone(),
                d.name.ja.clone(),
                d.name.en.clone().unwrap_or_default(),
                ja(&d.location),
                en(&d.location),
                opt(&d.phone),
                opt(&d.email),
                ja(&d.hours),
                en(&d.hours),
            ]
        })
        .collect();
    write_csv(DEPARTMENT_COLUMNS, rows)
}

/// procedures.csv, UTF-8 with BOM; importing it again gives the same catalogue.
pub fn export_procedures(procedures: &[Procedure]) -> Vec<u8> {
    let rows = procedures
        .iter()
        .map(|p| {
            let (service, url, reason, note, alternative) = match &p.online {
                OnlineStatus::Here => Default::default(),
                OnlineStatus::External { service, url } => (
                    service.clone(),
                    url.clone(),
                    String::new(),
                    String::new(),
                    String::new(),
                ),
                OnlineStatus::Offline {
                    reason,
                    note,
                    alternative,
                } => (
                    String::new(),
                    String::new(),
                    reason.code().to_string(),
                    opt(note),
                    opt(alternative),
                ),
            };
            vec![
                p.id.clone(),
                p.name.ja.clone(),
                p.name.en.clone().unwrap_or_default(),
                opt(&p.reading),
                p.aliases.join(";"),
                p.department.clone(),
                p.categories.join(";"),
                p.life_events.join(";"),
                ja(&p.summary),
                en(&p.summary),
                ja(&p.eligibility),
                en(&p.eligibility),
                opt(&p.legal_basis),
                p.online.code().to_string(),
                service,
                url,
                reason,
                note,
                alternative,
                p.identity_level.code().to_string(),
                p.fee.map(|f| f.to_string()).unwrap_or_default(),
                opt(&p.fee_note),
                p.attachments.join(";"),
                p.delivery_methods
                    .iter()
                    .map(|d| d.code())
                    .collect::<Vec<_>>()
                    .join(";"),
                opt(&p.processing_period),
                p.processing_days.map(|d| d.to_string()).unwrap_or_default(),
                opt(&p.contact),
                opt(&p.url),
                p.updated.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    write_csv(PROCEDURE_COLUMNS, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PROCS: &str = "id,name,name_en,reading,aliases,department,categories,life_events,online_status,external_service,external_url,offline_reason,fee,delivery_methods,updated\n\
juminhyo-copy,住民票の写しの交付請求,Copy of residence record,じゅうみんひょう,住民票;住民票コピー,koseki-jumin,registry,moving;戸籍・住民票・印鑑登録,here,,,,300,post;counter,2026-04-01\n\
tenshutsu,転出届,Moving out,てんしゅつ,,koseki-jumin,戸籍・住民票・印鑑登録,引越し,external,ぴったりサービス,https://app.oss.myna.go.jp/,,0,,\n\
konin,婚姻届,Marriage,こんいん,,koseki-jumin,registry,marriage,offline,,,law,,,\n";

    #[test]
    fn parses_our_format() {
        let (kind, p) = parse(PROCS.as_bytes()).expect("parse");
        assert_eq!(kind, FileKind::Procedures);
        // Row 2's life_events holds a category label: an error on line 2.
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        assert_eq!(p.errors[0].line, 2);
        assert_eq!(p.errors[0].column.as_deref(), Some("life_events"));
        assert_eq!(p.procedures.len(), 2);
        assert!(matches!(
            p.procedures[0].1.online,
            OnlineStatus::External { .. }
        ));
        assert_eq!(p.procedures[0].1.categories, vec!["registry"]);
        assert_eq!(p.procedures[0].1.life_events, vec!["moving"]);
    }

    #[test]
    fn accepts_bom_and_shift_jis() {
        let fixed = PROCS.replace("moving;戸籍・住民票・印鑑登録", "moving");
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend_from_slice(fixed.as_bytes());
        let (_, p) = parse(&with_bom).expect("bom");
        assert_eq!((p.procedures.len(), p.errors.len()), (3, 0));
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&fixed);
        let (_, p) = parse(&sjis).expect("sjis");
        assert_eq!(p.procedures[0].1.name.ja, "住民票の写しの交付請求");
    }

    #[test]
    fn invalid_encoding_names_the_line() {
        let mut bytes = b"id,name\nok,OK\n".to_vec();
        bytes.extend_from_slice(b"bad,\xFF\xFE\x80\n");
        let e = parse(&bytes).expect_err("invalid bytes");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("neither UTF-8 nor Shift_JIS"));
    }

    #[test]
    fn header_problems_are_file_errors() {
        let e = parse(b"id,name,department,online_status,colour\n").expect_err("unknown column");
        assert_eq!(e.column.as_deref(), Some("colour"));
        let e = parse(b"id,name,online_status\n").expect_err("missing department");
        assert_eq!(e.column.as_deref(), Some("department"));
        assert!(parse(b"").is_err());
        assert!(parse(b"foo,bar\n1,2\n").is_err());
    }

    #[test]
    fn row_errors_carry_line_and_column() {
        let csv = "id,name,department,online_status,external_url,fee\n\
a,A,d,external,,\n\
B!,B,d,here,,\n\
c,C,d,here,,-5\n\
d,D,d,sometimes,,\n\
e,E,d,here,,\n\
e,E2,d,here,,\n";
        let (_, p) = parse(csv.as_bytes()).expect("parse");
        let got: Vec<(usize, Option<&str>)> = p
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, Some("external_service")),
                (3, Some("id")),
                (4, Some("fee")),
                (5, Some("online_status")),
                (7, Some("id"))
            ]
        );
    }

    #[test]
    fn row_lines_are_right_with_crlf_blank_lines_and_lone_cr() {
        // Found by fuzzing: the csv crate's own line numbers are one short for CRLF files
        // (what Excel saves) and after blank lines.
        let lines = |csv: &str| -> Vec<usize> {
            let (_, p) = parse(csv.as_bytes()).expect("parse");
            p.errors.iter().map(|e| e.line).collect()
        };
        assert_eq!(lines("id,name\r\nA!,x\r\nB!,y\r\n"), vec![2, 3]);
        assert_eq!(lines("id,name\n\nA!,x\n\n\nB!,y\n"), vec![3, 6]);
        assert_eq!(lines("id,name\rA!,x\rB!,y\r"), vec![2, 3]);
        assert_eq!(lines("id,name\n\"a\nb\",\"x\r\ny\"\nC!,z\n"), vec![2, 5]);
    }

    #[test]
    fn export_then_import_is_identity() {
        let fixed = PROCS.replace("moving;戸籍・住民票・印鑑登録", "moving");
        let (_, p) = parse(fixed.as_bytes()).expect("parse");
        let procs: Vec<Procedure> = p.procedures.into_iter().map(|(_, p)| p).collect();
        let exported = export_procedures(&procs);
        let (_, again) = parse(&exported).expect("re-import");
        let again: Vec<Procedure> = again.procedures.into_iter().map(|(_, p)| p).collect();
        assert_eq!(procs, again);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
        #[test]
        fn parse_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn parse_never_panics_on_rows(cells in prop::collection::vec("[^\"\\n]{0,12}", 0..30)) {
            let mut csv = String::from("id,name,department,online_status,fee,updated,delivery_methods\n");
            for chunk in cells.chunks(7) {
                csv.push_str(&chunk.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(","));
                csv.push('\n');
            }
            if let Ok((_, p)) = parse(csv.as_bytes()) {
                for e in p.errors { prop_assert!(e.line >= 2); }
            }
        }
    }
}
