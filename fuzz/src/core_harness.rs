//! Fuzz harnesses for madoguchi-core's importers and form engine.
//!
//! Shared by the cargo-fuzz targets in `fuzz/fuzz_targets/` and by the corpus replay test
//! `crates/core/tests/fuzz_corpus.rs` (which includes this file with `#[path]`), so a crash
//! found by fuzzing stays a regression test in `cargo test`. Only madoguchi-core, serde_json
//! and chrono are used here: the replay test compiles it as part of madoguchi-core's tests.
//!
//! Every harness takes arbitrary bytes and must not panic; where cheap it also asserts an
//! invariant (a panic with a message says which one broke).

use std::sync::OnceLock;

use chrono::NaiveDate;
use madoguchi_core::catalog::csv_io::{self, FileKind, Parsed};
use madoguchi_core::catalog::model::{Department, Procedure};
use madoguchi_core::catalog::survey::UNASSIGNED_DEPARTMENT;
use madoguchi_core::forms::definition::is_valid_id;
use madoguchi_core::forms::validate::seal_my_numbers;
use madoguchi_core::forms::{Field, FieldKind, Form, compute, validate_all, validate_page};
use serde_json::{Map, Value};

/// The header of the Digital Agency's 行政手続等の悉皆調査 CSV (39 columns).
pub const SURVEY_HEADER: &str = "手続ID,所管府省庁,手続名,法令名,法令番号,根拠条項号,手続類型,手続主体,手続の受け手,経由機関,独立行政法人等の名称,事務区分,府省共通手続,実施府省庁,オンライン化の実施状況,オンライン化の実施予定及び検討時の懸念点,オンライン化実施時期,申請等における本人確認手法,手数料等の納付有無,手数料等の納付方法,手数料等のオンライン納付時の優遇措置,処理期間(オンライン),処理期間(非オンライン),情報システム(申請),情報システム(事務処理),総手続件数,オンライン手続件数,非オンライン手続件数,申請書等に記載させる情報,申請時に添付させる書類,添付書類等提出の撤廃/省略状況,添付書類等の提出方法,添付書類等への電子署名,添付形式等が定められた規定,手続が行われるイベント(個人),手続が行われるイベント(法人),申請に関連する士業,申請を提出する機関,オンライン化率";

/// A fixed "today", so that a corpus entry replays the same way on any day.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 4, 1).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Catalogue CSV (our departments/procedures format, and the survey through the same `parse`).

/// `catalog_csv`: `csv_io::parse` on arbitrary bytes (UTF-8, BOM, Shift_JIS or garbage).
/// Invariant: a file that parses exports and re-imports to the same rows.
pub fn catalog_csv(data: &[u8]) {
    if let Ok((kind, parsed)) = csv_io::parse(data) {
        check_parsed(kind, &parsed);
        round_trip(kind, &parsed);
    }
}

/// `survey_csv`: the 悉皆調査 header followed by arbitrary rows, so that every input reaches
/// `survey::procedure_from_survey_row`.
pub fn survey_csv(data: &[u8]) {
    let mut bytes = Vec::with_capacity(SURVEY_HEADER.len() + 1 + data.len());
    bytes.extend_from_slice(SURVEY_HEADER.as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(data);
    if let Ok((kind, parsed)) = csv_io::parse(&bytes) {
        assert_eq!(
            kind,
            FileKind::Survey,
            "the survey header must be recognised"
        );
        check_parsed(kind, &parsed);
        for (_, p) in &parsed.procedures {
            assert!(
                p.id.starts_with("survey-") && is_valid_id(&p.id),
                "survey ids become valid catalogue ids: {:?}",
                p.id
            );
            assert_eq!(p.department, UNASSIGNED_DEPARTMENT);
        }
        round_trip(kind, &parsed);
    }
}

fn check_parsed(kind: FileKind, parsed: &Parsed) {
    assert!(
        parsed.errors.windows(2).all(|w| w[0].line <= w[1].line),
        "errors are sorted by line"
    );
    match kind {
        FileKind::Departments => assert!(parsed.procedures.is_empty()),
        FileKind::Procedures | FileKind::Survey => assert!(parsed.departments.is_empty()),
    }
    for (line, d) in &parsed.departments {
        assert!(*line >= 2, "a row is never on the header line");
        assert!(is_valid_id(&d.id), "department id {:?}", d.id);
    }
    for (line, p) in &parsed.procedures {
        assert!(*line >= 2, "a row is never on the header line");
        assert!(is_valid_id(&p.id), "procedure id {:?}", p.id);
        assert!(is_valid_id(&p.department), "department {:?}", p.department);
    }
}

/// Export what was imported and import it again: the same departments or procedures.
fn round_trip(kind: FileKind, parsed: &Parsed) {
    match kind {
        FileKind::Departments => {
            let rows: Vec<Department> = parsed.departments.iter().map(|(_, d)| d.clone()).collect();
            if rows.is_empty() {
                return;
            }
            let exported = csv_io::export_departments(&rows);
            let again = match csv_io::parse(&exported) {
                Ok((FileKind::Departments, again)) => again,
                other => panic!("exported departments do not re-import: {other:?}"),
            };
            let again: Vec<Department> = again.departments.into_iter().map(|(_, d)| d).collect();
            assert_eq!(rows, again, "departments change on export and re-import");
        }
        FileKind::Procedures | FileKind::Survey => {
            let rows: Vec<Procedure> = parsed.procedures.iter().map(|(_, p)| p.clone()).collect();
            if rows.is_empty() {
                return;
            }
            let exported = csv_io::export_procedures(&rows);
            let again = match csv_io::parse(&exported) {
                Ok((FileKind::Procedures, again)) => again,
                other => panic!("exported procedures do not re-import: {other:?}"),
            };
            let dropped: Vec<_> = again
                .errors
                .iter()
                .filter(|e| !e.message.contains("already appears"))
                .collect();
            assert!(
                dropped.is_empty(),
                "exported procedures re-import with errors: {dropped:?}\n{}",
                String::from_utf8_lossy(&exported)
            );
            let again: Vec<Procedure> = again.procedures.into_iter().map(|(_, p)| p).collect();
            assert_eq!(rows, again, "procedures change on export and re-import");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Form definitions.

/// `form_definition`: `Form::from_yaml` (and `Form::from_value` when the text is JSON) on
/// arbitrary text. Invariant: a form that loads also reloads from the JSON the store keeps
/// (`serde_json::to_string` then `Form::from_value`, as crates/store does), unchanged.
pub fn form_definition(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        let _ = Form::from_value("fuzz.json", v);
    }
    let Ok(form) = Form::from_yaml("fuzz.yaml", text) else {
        return;
    };
    let stored = serde_json::to_string(&form)
        .unwrap_or_else(|e| panic!("a loaded form must serialise: {e}"));
    let value: Value = serde_json::from_str(&stored)
        .unwrap_or_else(|e| panic!("the stored JSON must parse: {e}\n{stored}"));
    let again = Form::from_value("store", value)
        .unwrap_or_else(|e| panic!("a loaded form must reload from the store: {e}\n{stored}"));
    let restored = serde_json::to_string(&again)
        .unwrap_or_else(|e| panic!("a reloaded form must serialise: {e}"));
    assert_eq!(
        stored, restored,
        "the form changes when stored and reloaded"
    );
    // A new form with no answers yet: what the portal does on the first page.
    let empty = Map::new();
    let _ = validate_all(&form, &empty, today());
    let _ = compute(&form, &empty);
    for page in &form.pages {
        let _ = validate_page(page, &empty, &empty, today());
    }
}

// ---------------------------------------------------------------------------------------------
// Answers to the demo forms.

const DEMO_FORMS: &[(&str, &str)] = &[
    (
        "fuzaisha-tohyo-seikyu",
        include_str!("../../demo/forms/fuzaisha-tohyo-seikyu.yaml"),
    ),
    ("gakudo", include_str!("../../demo/forms/gakudo.yaml")),
    (
        "inkan-shomei",
        include_str!("../../demo/forms/inkan-shomei.yaml"),
    ),
    (
        "inu-toroku",
        include_str!("../../demo/forms/inu-toroku.yaml"),
    ),
    (
        "jido-teate",
        include_str!("../../demo/forms/jido-teate.yaml"),
    ),
    (
        "juminhyo-copy",
        include_str!("../../demo/forms/juminhyo-copy.yaml"),
    ),
    (
        "kazei-shomei",
        include_str!("../../demo/forms/kazei-shomei.yaml"),
    ),
    (
        "koen-shiyo",
        include_str!("../../demo/forms/koen-shiyo.yaml"),
    ),
    (
        "kogaku-ryoyohi",
        include_str!("../../demo/forms/kogaku-ryoyohi.yaml"),
    ),
    (
        "koseki-shomei",
        include_str!("../../demo/forms/koseki-shomei.yaml"),
    ),
    (
        "kusei-iken",
        include_str!("../../demo/forms/kusei-iken.yaml"),
    ),
    (
        "ninshin-todoke",
        include_str!("../../demo/forms/ninshin-todoke.yaml"),
    ),
    (
        "sodai-gomi",
        include_str!("../../demo/forms/sodai-gomi.yaml"),
    ),
    ("tenshutsu", include_str!("../../demo/forms/tenshutsu.yaml")),
    (
        "test-apply",
        include_str!("../../crates/web/tests/fixtures/test-form.yaml"),
    ),
];

/// The demo forms (and the web tests' form, which has a group and a computed fee), loaded once.
pub fn demo_forms() -> &'static [Form] {
    static FORMS: OnceLock<Vec<Form>> = OnceLock::new();
    FORMS.get_or_init(|| {
        DEMO_FORMS
            .iter()
            .map(|(name, text)| {
                Form::from_yaml(name, text).unwrap_or_else(|e| panic!("demo form {name}: {e}"))
            })
            .collect()
    })
}

/// Reads the fuzz input as a stream of small decisions; past the end everything is zero.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    fn pick(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { self.byte() as usize % n }
    }

    /// A string of up to 63 bytes of the input, as UTF-8 (lossy).
    fn string(&mut self) -> String {
        let len = (self.byte() & 63) as usize;
        let len = len.min(self.0.len());
        let (s, rest) = self.0.split_at(len);
        self.0 = rest;
        String::from_utf8_lossy(s).into_owned()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A raw answer for `field`, shaped like what a browser or an API client sends, most of the
/// time of the right shape so that the input reaches the field's own checks.
fn raw_value(field: &Field, b: &mut Bytes<'_>, depth: usize) -> Option<Value> {
    let tag = b.byte();
    match tag % 16 {
        0 => return None,
        1 => return Some(Value::Null),
        2 => return Some(Value::String(b.string())),
        3 => return Some(Value::from(i64::from(b.byte() as i8) * i64::from(b.byte()))),
        4 => return Some(Value::Bool(b.byte() & 1 == 1)),
        5 => {
            // Any JSON the input spells out.
            return Some(serde_json::from_str(&b.string()).unwrap_or(Value::Null));
        }
        _ => {}
    }
    let s = |b: &mut Bytes<'_>| Value::String(b.string());
    Some(match &field.kind {
        FieldKind::Choice { options, .. } => {
            let i = b.pick(options.len());
            options
                .get(i)
                .map(|o| Value::String(o.value.clone()))
                .unwrap_or_else(|| s(b))
        }
        FieldKind::Multichoice { options, .. } => {
            let n = b.pick(5);
            let items = (0..n)
                .map(|_| {
                    let i = b.pick(options.len() + 1);
                    options
                        .get(i)
                        .map(|o| Value::String(o.value.clone()))
                        .unwrap_or_else(|| s(b))
                })
                .collect();
            Value::Array(items)
        }
        FieldKind::Checkbox | FieldKind::Declaration { .. } => {
            if tag & 16 == 0 {
                Value::Bool(tag & 32 == 0)
            } else {
                s(b)
            }
        }
        FieldKind::Name { .. } => {
            let mut o = Map::new();
            for k in ["family", "given", "family_kana", "given_kana"] {
                if b.byte() & 7 != 0 {
                    o.insert(k.into(), s(b));
                }
            }
            Value::Object(o)
        }
        FieldKind::Address { .. } => {
            let mut o = Map::new();
            for k in [
                "postal_code",
                "prefecture",
                "city",
                "town",
                "block",
                "building",
            ] {
                if b.byte() & 7 != 0 {
                    o.insert(k.into(), s(b));
                }
            }
            Value::Object(o)
        }
        FieldKind::Date { .. } if tag & 16 != 0 => {
            let mut o = Map::new();
            for k in ["era", "year", "month", "day"] {
                o.insert(k.into(), s(b));
            }
            Value::Object(o)
        }
        FieldKind::Number { .. } if tag & 16 != 0 => {
            let mut n = [0u8; 8];
            n.iter_mut().for_each(|x| *x = b.byte());
            Value::from(i64::from_le_bytes(n))
        }
        FieldKind::MyNumber if tag & 16 != 0 => {
            // A value sealed on an earlier page.
            let mut o = Map::new();
            o.insert("sealed".into(), s(b));
            o.insert("masked".into(), s(b));
            Value::Object(o)
        }
        FieldKind::Group { fields, .. } if depth == 0 => {
            let n = b.pick(13);
            let items = (0..n)
                .map(|_| Value::Object(raw_answers(fields.iter(), b, depth + 1)))
                .collect();
            Value::Array(items)
        }
        _ => s(b),
    })
}

fn raw_answers<'f>(
    fields: impl Iterator<Item = &'f Field>,
    b: &mut Bytes<'_>,
    depth: usize,
) -> Map<String, Value> {
    let mut raw = Map::new();
    for f in fields {
        if let Some(v) = raw_value(f, b, depth) {
            raw.insert(f.key.clone(), v);
        }
    }
    // Keys the form does not have.
    while !b.is_empty() && b.byte() & 3 == 3 {
        let k = b.string();
        let v = Value::String(b.string());
        raw.insert(k, v);
    }
    raw
}

fn seal(answers: &mut Map<String, Value>, form: &Form) {
    seal_my_numbers(form, answers, &|digits| format!("sealed:{digits}"));
}

/// `form_answers`: byte 0 picks a demo form, byte 1 what to call. The rest is either a JSON
/// object (when it starts with `{`) or decisions that build raw answers field by field.
///
/// Invariants, which are what the portal relies on: answers that pass `validate_page` (then
/// sealed, as the portal stores them) pass `validate_page` again unchanged; answers that pass
/// `validate_all` hold only the form's keys and, sealed, pass `validate_all` again unchanged
/// (the check page re-validates the stored draft).
pub fn form_answers(data: &[u8]) {
    let forms = demo_forms();
    let mut b = Bytes(data);
    let form = &forms[b.pick(forms.len())];
    let mode = b.byte();
    let json = match b.0.first() {
        Some(b'{') => serde_json::from_slice::<Map<String, Value>>(b.0).ok(),
        _ => None,
    };
    let raw = match json {
        Some(m) => m,
        None => {
            if mode & 1 == 0 {
                raw_answers(form.pages.iter().flat_map(|p| &p.fields), &mut b, 0)
            } else {
                let page = &form.pages[(mode as usize >> 1) % form.pages.len()];
                raw_answers(page.fields.iter(), &mut b, 0)
            }
        }
    };
    if mode & 1 == 0 {
        let Ok(answers) = validate_all(form, &raw, today()) else {
            return;
        };
        for k in answers.keys() {
            assert!(
                form.pages
                    .iter()
                    .flat_map(|p| &p.fields)
                    .any(|f| &f.key == k),
                "validate_all kept an unknown key {k:?}"
            );
        }
        let _ = compute(form, &answers);
        let mut sealed = answers;
        seal(&mut sealed, form);
        match validate_all(form, &sealed, today()) {
            Ok(again) => assert_eq!(again, sealed, "valid answers change when validated again"),
            Err(e) => panic!("valid answers fail when validated again: {e:?}\n{sealed:?}"),
        }
    } else {
        let page = &form.pages[(mode as usize >> 1) % form.pages.len()];
        let saved = Map::new();
        let (values, errors) = validate_page(page, &raw, &saved, today());
        let _ = compute(form, &values);
        if !errors.is_empty() {
            return;
        }
        let mut sealed = values;
        seal(&mut sealed, form);
        let (again, errors) = validate_page(page, &sealed, &saved, today());
        assert!(
            errors.is_empty(),
            "a valid page fails when validated again: {errors:?}\n{sealed:?}"
        );
        assert_eq!(again, sealed, "a valid page changes when validated again");
    }
}
