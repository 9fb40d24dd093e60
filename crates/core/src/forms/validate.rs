//! Server-side validation: raw answers (from an HTML form or JSON) in, normalised answers or a
//! list of field errors out. Hidden fields are neither validated nor kept.

use chrono::NaiveDate;
use serde_json::{Map, Value, json};

use super::definition::{ComputedFormat, Field, FieldKind, Form, KanaRule, Page, TextInput};
use super::errors::{ErrorCode, FieldError};
use crate::japanese::contact::{normalize_email, normalize_phone};
use crate::japanese::kana::{nfkc, normalize_furigana};
use crate::japanese::my_number::{MyNumber, MyNumberError};
use crate::japanese::postal::PostalCode;
use crate::japanese::wareki::{DateError, Era, Wareki, format_ja, parse_date};
use crate::text::Text;

/// Normalised answers keyed by field key.
pub type Answers = Map<String, Value>;

const DEFAULT_TEXT_MAX: usize = 200;
const DEFAULT_TEXTAREA_MAX: usize = 2000;
const DEFAULT_GROUP_MAX: usize = 10;
pub const DEFAULT_FILE_MAX_KB: u32 = 5120;

/// Folds full-width ASCII to ASCII and half-width katakana to full-width, and nothing else:
/// NFKC would also rewrite CJK compatibility ideographs, which changes people's names.
pub fn width_fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut half_width_kana = false;
    for c in s.chars() {
        match c {
            '\u{FF01}'..='\u{FF5E}' => out.push(char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)),
            '\u{3000}' => out.push(' '),
            '\u{FF61}'..='\u{FF9F}' => {
                half_width_kana = true;
                out.push_str(&nfkc(&c.to_string()));
            }
            c => out.push(c),
        }
    }
    if half_width_kana {
        // Half-width voiced marks combine with the previous kana only under NFC.
        use unicode_normalization::UnicodeNormalization;
        out = out.nfc().collect();
    }
    out.trim().to_string()
}

fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.values().all(|v| is_empty(Some(v))),
        _ => false,
    }
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "on" | "yes" | "1" => Some(true),
            "false" | "off" | "no" | "0" | "" => Some(false),
            _ => None,
        },
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        _ => None,
    }
}

fn part(obj: &Map<String, Value>, key: &str) -> String {
    obj.get(key)
        .and_then(as_text)
        .map(|s| width_fold(&s))
        .unwrap_or_default()
}

/// Parses one non-empty raw value. `Ok(None)` means "no answer".
fn parse_value(
    field: &Field,
    raw: Option<&Value>,
    today: NaiveDate,
) -> Result<Option<Value>, ErrorCode> {
    use ErrorCode::*;
    if matches!(field.kind, FieldKind::Info { .. }) {
        return Ok(None);
    }
    if matches!(
        field.kind,
        FieldKind::Checkbox | FieldKind::Declaration { .. }
    ) {
        let checked = match raw {
            None | Some(Value::Null) => false,
            Some(v) => as_bool(v).ok_or(WrongType)?,
        };
        return Ok(Some(Value::Bool(checked)));
    }
    if is_empty(raw) {
        return Ok(None);
    }
    let Some(raw) = raw else { return Ok(None) };
    let text = || as_text(raw).ok_or(WrongType);
    let value = match &field.kind {
        FieldKind::Text {
            max_length,
            min_length,
            pattern,
            input,
        } => {
            let mut s = width_fold(&text()?);
            match input {
                Some(TextInput::Katakana) => s = normalize_furigana(&s).ok_or(NotKatakana)?,
                Some(TextInput::Alnum)
                    if !s
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ') =>
                {
                    return Err(NotAlnum);
                }
                _ => {}
            }
            check_length(
                &s,
                *min_length,
                Some(max_length.unwrap_or(DEFAULT_TEXT_MAX)),
            )?;
            if let Some(p) = pattern
                && !regex::Regex::new(&format!("^(?:{p})$")).is_ok_and(|r| r.is_match(&s))
            {
                return Err(PatternMismatch);
            }
            Value::String(s)
        }
        FieldKind::Textarea { max_length } => {
            // Every line break as `\n`, a lone `\r` too, so that a stored answer validates
            // again unchanged (`\r\r\n` used to become `\r\n`, then `\n`).
            let s = width_fold(&text()?.replace("\r\n", "\n").replace('\r', "\n"));
            check_length(&s, None, Some(max_length.unwrap_or(DEFAULT_TEXTAREA_MAX)))?;
            Value::String(s)
        }
        FieldKind::Number { min, max, .. } => {
            let s: String = nfkc(&text()?)
                .chars()
                .filter(|c| *c != ',' && !c.is_whitespace())
                .collect();
            let n: i64 = s.parse().map_err(|_| NotANumber)?;
            if let Some(m) = min
                && n < *m
            {
                return Err(TooSmall { min: *m });
            }
            if let Some(m) = max
                && n > *m
            {
                return Err(TooLarge { max: *m });
            }
            json!(n)
        }
        FieldKind::Choice { options, .. } => {
            let s = text()?;
            let s = s.trim();
            if !options.iter().any(|o| o.value == s) {
                return Err(NotAnOption);
            }
            Value::String(s.to_string())
        }
        FieldKind::Multichoice {
            options,
            min_selected,
            max_selected,
        } => {
            let items: Vec<String> = match raw {
                Value::Array(a) => a
                    .iter()
                    .map(|v| as_text(v).ok_or(WrongType))
                    .collect::<Result<_, _>>()?,
                other => vec![as_text(other).ok_or(WrongType)?],
            };
            let mut chosen: Vec<String> = Vec::new();
            for o in options {
                if items.iter().any(|i| i.trim() == o.value) {
                    chosen.push(o.value.clone());
                }
            }
            if chosen.len()
                != items
                    .iter()
                    .filter(|i| !i.trim().is_empty())
                    .collect::<std::collections::HashSet<_>>()
                    .len()
            {
                return Err(NotAnOption);
            }
            if let Some(m) = min_selected
                && chosen.len() < *m
            {
                return Err(TooFewSelected { min: *m });
            }
            if let Some(m) = max_selected
                && chosen.len() > *m
            {
                return Err(TooManySelected { max: *m });
            }
            json!(chosen)
        }
        FieldKind::Date {
            min,
            max,
            not_future,
            not_past,
        } => {
            let d = parse_date_value(raw)?;
            if let Some(m) = min
                && d < *m
            {
                return Err(DateTooEarly { min: format_ja(*m) });
            }
            if let Some(m) = max
                && d > *m
            {
                return Err(DateTooLate { max: format_ja(*m) });
            }
            if *not_future && d > today {
                return Err(DateInFuture);
            }
            if *not_past && d < today {
                return Err(DateInPast);
            }
            Value::String(d.format("%Y-%m-%d").to_string())
        }
        FieldKind::Name { kana } => {
            let obj = raw.as_object().ok_or(WrongType)?;
            let (family, given) = (part(obj, "family"), part(obj, "given"));
            if family.is_empty() {
                return Err(FamilyNameRequired);
            }
            if given.is_empty() {
                return Err(GivenNameRequired);
            }
            check_length(&family, None, Some(50))?;
            check_length(&given, None, Some(50))?;
            let mut out = json!({"family": family, "given": given});
            if *kana != KanaRule::None {
                let (fk, gk) = (part(obj, "family_kana"), part(obj, "given_kana"));
                if fk.is_empty() || gk.is_empty() {
                    if *kana == KanaRule::Required {
                        return Err(KanaRequired);
                    }
                } else {
                    out["family_kana"] = json!(normalize_furigana(&fk).ok_or(KanaInvalid)?);
                    out["given_kana"] = json!(normalize_furigana(&gk).ok_or(KanaInvalid)?);
                }
            }
            out
        }
        FieldKind::PostalCode { .. } => Value::String(
            PostalCode::parse(&text()?)
                .ok_or(PostalCodeInvalid)?
                .digits()
                .to_string(),
        ),
        FieldKind::Address { .. } => {
            let obj = raw.as_object().ok_or(WrongType)?;
            let postal = part(obj, "postal_code");
            let postal = if postal.is_empty() {
                String::new()
            } else {
                PostalCode::parse(&postal)
                    .ok_or(PostalCodeInvalid)?
                    .digits()
                    .to_string()
            };
            let parts: Vec<String> = ["prefecture", "city", "town", "block", "building"]
                .iter()
                .map(|k| part(obj, k))
                .collect();
            if parts[..4].iter().any(String::is_empty) {
                return Err(AddressIncomplete);
            }
            for p in &parts {
                check_length(p, None, Some(100))?;
            }
            json!({"postal_code": postal, "prefecture": parts[0], "city": parts[1], "town": parts[2], "block": parts[3], "building": parts[4]})
        }
        FieldKind::Phone => Value::String(normalize_phone(&text()?).ok_or(PhoneInvalid)?),
        FieldKind::Email => Value::String(normalize_email(&text()?).ok_or(EmailInvalid)?),
        FieldKind::MyNumber => {
            // A value sealed earlier (encrypted, masked) is kept as it is.
            if let Some(obj) = raw.as_object()
                && obj.contains_key("sealed")
                && obj.contains_key("masked")
            {
                return Ok(Some(raw.clone()));
            }
            let n = MyNumber::parse(&text()?).map_err(|e| match e {
                MyNumberError::Length => MyNumberLength,
                MyNumberError::CheckDigit => MyNumberCheckDigit,
            })?;
            json!({"masked": n.masked(), "digits": n.expose()})
        }
        FieldKind::File { .. } => {
            let id = text()?;
            let id = id.trim();
            if id.len() < 8
                || id.len() > 64
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(FileMissing);
            }
            Value::String(id.to_string())
        }
        FieldKind::Checkbox
        | FieldKind::Declaration { .. }
        | FieldKind::Info { .. }
        | FieldKind::Group { .. } => return Ok(None),
    };
    Ok(Some(value))
}

fn check_length(s: &str, min: Option<usize>, max: Option<usize>) -> Result<(), ErrorCode> {
    let n = s.chars().count();
    if let Some(max) = max
        && n > max
    {
        return Err(ErrorCode::TooLong { max });
    }
    if let Some(min) = min
        && n < min
    {
        return Err(ErrorCode::TooShort { min });
    }
    Ok(())
}

fn date_error(e: DateError) -> ErrorCode {
    match e {
        DateError::Format | DateError::BeforeMeiji => ErrorCode::DateFormat,
        DateError::NoSuchDay => ErrorCode::NoSuchDay,
        DateError::OutsideEra { era, first, last } => ErrorCode::DateOutsideEra {
            era: era.to_string(),
            first,
            last,
        },
    }
}

/// A date as text (`昭和60年4月1日`, `1985-04-01`) or as parts `{era, year, month, day}`,
/// where `era` is an era name or empty / `western` for 西暦.
fn parse_date_value(raw: &Value) -> Result<NaiveDate, ErrorCode> {
    match raw {
        Value::String(s) => parse_date(s).map_err(date_error),
        Value::Object(o) => {
            let num = |k: &str| -> Result<u32, ErrorCode> {
                let s = part(o, k);
                let s = if s == "元" { "1".to_string() } else { s };
                s.parse::<u32>().map_err(|_| ErrorCode::DateFormat)
            };
            let (year, month, day) = (num("year")?, num("month")?, num("day")?);
            let era = part(o, "era");
            if era.is_empty() || era == "western" || era == "西暦" {
                NaiveDate::from_ymd_opt(year as i32, month, day).ok_or(ErrorCode::NoSuchDay)
            } else {
                let era = Era::parse(&era).ok_or(ErrorCode::DateFormat)?;
                Wareki::to_date(era, year, month, day).map_err(date_error)
            }
        }
        _ => Err(ErrorCode::WrongType),
    }
}

fn required_code(f: &Field) -> ErrorCode {
    match f.kind {
        FieldKind::Choice { .. } | FieldKind::Multichoice { .. } => ErrorCode::RequiredChoice,
        FieldKind::Checkbox | FieldKind::Declaration { .. } => ErrorCode::MustAgree,
        FieldKind::File { .. } => ErrorCode::FileMissing,
        _ => ErrorCode::Required,
    }
}

fn item_label(group: &Field, index: usize, sub: &Field) -> Text {
    let g = group.label.0.clone();
    Text::new(
        format!("{}（{}件目）の{}", g.ja, index + 1, sub.label.ja),
        Some(format!(
            "{} (entry {}): {}",
            g.get(crate::Lang::En),
            index + 1,
            sub.label.get(crate::Lang::En)
        )),
    )
}

/// Validates `fields` against `raw`, with `outer` answers visible to conditions.
fn validate_fields(
    fields: &[&Field],
    raw: &Map<String, Value>,
    outer: &[&Answers],
    today: NaiveDate,
) -> (Answers, Vec<FieldError>) {
    let mut values = Answers::new();
    let mut parse_errors: Vec<(usize, ErrorCode)> = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        if matches!(f.kind, FieldKind::Group { .. }) {
            continue;
        }
        match parse_value(f, raw.get(&f.key), today) {
            Ok(Some(v)) => {
                values.insert(f.key.clone(), v);
            }
            Ok(None) => {}
            Err(code) => parse_errors.push((i, code)),
        }
    }
    let mut errors = Vec::new();
    let mut group_values: Vec<(String, Value)> = Vec::new();
    let visible: Vec<bool> = {
        let mut scopes: Vec<&Answers> = vec![&values];
        scopes.extend_from_slice(outer);
        fields
            .iter()
            .map(|f| f.visible_if.as_ref().is_none_or(|c| c.holds(&scopes)))
            .collect()
    };
    for (i, f) in fields.iter().enumerate() {
        if !visible[i] {
            continue;
        }
        if let FieldKind::Group {
            fields: subs,
            min_items,
            max_items,
            ..
        } = &f.kind
        {
            let items: Vec<Map<String, Value>> = match raw.get(&f.key) {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|v| v.as_object().cloned().unwrap_or_default())
                    .filter(|o| !is_empty(Some(&Value::Object(o.clone()))))
                    .collect(),
                Some(_) => {
                    errors.push(FieldError {
                        key: f.key.clone(),
                        label: f.label.0.clone(),
                        code: ErrorCode::WrongType,
                    });
                    continue;
                }
            };
            let min = min_items.unwrap_or(if f.required { 1 } else { 0 });
            let max = max_items.unwrap_or(DEFAULT_GROUP_MAX);
            if items.len() < min {
                errors.push(FieldError {
                    key: f.key.clone(),
                    label: f.label.0.clone(),
                    code: ErrorCode::TooFewItems { min },
                });
            }
            if items.len() > max {
                errors.push(FieldError {
                    key: f.key.clone(),
                    label: f.label.0.clone(),
                    code: ErrorCode::TooManyItems { max },
                });
                continue;
            }
            let sub_refs: Vec<&Field> = subs.iter().collect();
            let mut out_items = Vec::new();
            for (idx, item) in items.iter().enumerate() {
                let mut item_outer: Vec<&Answers> = vec![&values];
                item_outer.extend_from_slice(outer);
                let (item_values, item_errors) =
                    validate_fields(&sub_refs, item, &item_outer, today);
                for e in item_errors {
                    let sub = subs.iter().find(|s| s.key == e.key);
                    let label = sub
                        .map(|s| item_label(f, idx, s))
                        .unwrap_or_else(|| f.label.0.clone());
                    errors.push(FieldError {
                        key: format!("{}.{idx}.{}", f.key, e.key),
                        label,
                        code: e.code,
                    });
                }
                out_items.push(Value::Object(item_values));
            }
            if !out_items.is_empty() {
                group_values.push((f.key.clone(), Value::Array(out_items)));
            }
            continue;
        }
        if let Some((_, code)) = parse_errors.iter().find(|(pi, _)| *pi == i) {
            errors.push(FieldError {
                key: f.key.clone(),
                label: f.label.0.clone(),
                code: code.clone(),
            });
            continue;
        }
        let missing = match values.get(&f.key) {
            None => true,
            Some(Value::Bool(b)) => {
                !b && matches!(f.kind, FieldKind::Declaration { .. } | FieldKind::Checkbox)
            }
            Some(_) => false,
        };
        let must = f.required || matches!(f.kind, FieldKind::Declaration { .. });
        if must && missing {
            errors.push(FieldError {
                key: f.key.clone(),
                label: f.label.0.clone(),
                code: required_code(f),
            });
        }
    }
    // Drop hidden fields' values so that nothing hidden is stored.
    for (f, _) in fields.iter().zip(&visible).filter(|(_, v)| !**v) {
        values.remove(&f.key);
    }
    values.extend(group_values);
    (values, errors)
}

/// Whether a page is shown, given the answers so far.
pub fn page_visible(page: &Page, answers: &Answers) -> bool {
    page.visible_if.as_ref().is_none_or(|c| c.holds(&[answers]))
}

/// Validates one page of an HTML form; `saved` holds the answers of the other pages.
pub fn validate_page(
    page: &Page,
    raw: &Map<String, Value>,
    saved: &Answers,
    today: NaiveDate,
) -> (Answers, Vec<FieldError>) {
    let fields: Vec<&Field> = page.fields.iter().collect();
    validate_fields(&fields, raw, &[saved], today)
}

/// Validates a whole application: every visible page, unknown keys rejected.
///
/// One pass over all fields: a field's condition sees every answer, which is what a page
/// condition sees too, so the fields of hidden pages are simply dropped afterwards.
pub fn validate_all(
    form: &Form,
    raw: &Map<String, Value>,
    today: NaiveDate,
) -> Result<Answers, Vec<FieldError>> {
    let mut errors = Vec::new();
    for k in raw.keys() {
        if !form
            .pages
            .iter()
            .flat_map(|p| &p.fields)
            .any(|f| &f.key == k)
        {
            errors.push(FieldError {
                key: k.clone(),
                label: Text::ja(k.clone()),
                code: ErrorCode::UnknownField,
            });
        }
    }
    let all_fields: Vec<&Field> = form.pages.iter().flat_map(|p| &p.fields).collect();
    let (mut answers, field_errors) = validate_fields(&all_fields, raw, &[], today);
    let hidden: Vec<&str> = form
        .pages
        .iter()
        .filter(|p| !page_visible(p, &answers))
        .flat_map(|p| p.fields.iter().map(|f| f.key.as_str()))
        .collect();
    for k in &hidden {
        answers.remove(*k);
    }
    errors.extend(
        field_errors
            .into_iter()
            .filter(|e| !hidden.contains(&e.key.split('.').next().unwrap_or(""))),
    );
    if errors.is_empty() {
        Ok(answers)
    } else {
        Err(errors)
    }
}

/// Computed values (`fee` and others) from valid answers.
pub fn compute(form: &Form, answers: &Answers) -> Map<String, Value> {
    form.computed
        .iter()
        .filter_map(|c| {
            c.parsed
                .as_ref()
                .map(|e| (c.key.clone(), json!(e.eval(answers))))
        })
        .collect()
}

/// Formats a computed value for display.
pub fn format_computed(format: ComputedFormat, n: i64, lang: crate::Lang) -> String {
    let digits = group_thousands(n);
    match (format, lang) {
        (ComputedFormat::Yen, crate::Lang::Ja) => format!("{digits}円"),
        (ComputedFormat::Yen, crate::Lang::En) => format!("¥{digits}"),
        (ComputedFormat::Number, _) => digits,
    }
}

pub fn group_thousands(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Replaces the digits of every My Number answer with `seal(digits)`, keeping the masked form.
/// Called before answers are stored anywhere.
pub fn seal_my_numbers(form: &Form, answers: &mut Answers, seal: &dyn Fn(&str) -> String) {
    fn seal_in(obj: &mut Map<String, Value>, keys: &[&str], seal: &dyn Fn(&str) -> String) {
        for k in keys {
            if let Some(Value::Object(v)) = obj.get_mut(*k)
                && let Some(Value::String(d)) = v.remove("digits")
            {
                v.insert("sealed".into(), Value::String(seal(&d)));
            }
        }
    }
    for f in form.pages.iter().flat_map(|p| &p.fields) {
        match &f.kind {
            FieldKind::MyNumber => seal_in(answers, &[f.key.as_str()], seal),
            FieldKind::Group { fields, .. }
                if fields.iter().any(|s| matches!(s.kind, FieldKind::MyNumber)) =>
            {
                let keys: Vec<&str> = fields
                    .iter()
                    .filter(|s| matches!(s.kind, FieldKind::MyNumber))
                    .map(|s| s.key.as_str())
                    .collect();
                if let Some(Value::Array(items)) = answers.get_mut(&f.key) {
                    for item in items.iter_mut().filter_map(Value::as_object_mut) {
                        seal_in(item, &keys, seal);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lang;
    use proptest::prelude::*;

    const FORM: &str = r#"
id: t
procedure: t
version: 1
title: テスト
pages:
  - id: a
    title: A
    fields:
      - {key: name, type: name, label: {ja: 氏名, en: Name}, required: true}
      - {key: birth, type: date, label: 生年月日, required: true, not_future: true}
      - {key: purpose, type: choice, label: 使いみち, required: true, options: [{value: work, label: 勤務先}, {value: other, label: その他}]}
      - {key: purpose_other, type: text, label: 詳細, required: true, max_length: 10, visible_if: {field: purpose, equals: other}}
      - {key: copies, type: number, label: 通数, required: true, min: 1, max: 10}
      - {key: zip, type: postal_code, label: 郵便番号}
      - {key: tel, type: phone, label: 電話番号}
      - {key: mail, type: email, label: メール}
      - {key: mynum, type: my_number, label: 個人番号}
      - {key: kana_only, type: text, input: katakana, label: カナ}
      - {key: items, type: multichoice, label: 品目, options: [{value: sofa, label: ソファ}, {value: bed, label: ベッド}], max_selected: 1}
  - id: b
    title: B
    visible_if: {field: purpose, equals: work}
    fields:
      - {key: company, type: text, label: 勤務先, required: true}
  - id: c
    title: C
    fields:
      - key: members
        type: group
        label: 世帯員
        fields:
          - {key: m_name, type: name, label: 氏名, required: true, kana: optional}
          - {key: relation, type: choice, label: 続柄, required: true, options: [{value: child, label: 子}, {value: spouse, label: 配偶者}]}
          - {key: school, type: text, label: 学校名, required: true, visible_if: {field: relation, equals: child}}
      - {key: agree, type: declaration, label: 宣誓, text: 内容に誤りはありません}
computed:
  - {key: fee, label: 手数料, expr: copies * 300, format: yen}
"#;

    fn form() -> Form {
        Form::from_yaml("t.yaml", FORM).expect("test form is valid")
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 21).expect("date")
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    fn good() -> Map<String, Value> {
        obj(json!({
            "name": {"family": "山田", "given": "太郎", "family_kana": "やまだ", "given_kana": "ﾀﾛｳ"},
            "birth": {"era": "昭和", "year": "60", "month": "4", "day": "1"},
            "purpose": "other",
            "purpose_other": "ＡＢＣ",
            "copies": "２",
            "zip": "１５０－８６０１",
            "tel": "03-5555-1234",
            "mynum": "1234 5678 9018",
            "members": [{"m_name": {"family": "山田", "given": "花子"}, "relation": "spouse", "school": "ignored"}],
            "agree": "on"
        }))
    }

    #[test]
    fn accepts_and_normalises_a_good_application() {
        let a = validate_all(&form(), &good(), today()).expect("valid");
        assert_eq!(a["name"]["family_kana"], "ヤマダ");
        assert_eq!(a["name"]["given_kana"], "タロウ");
        assert_eq!(a["birth"], "1985-04-01");
        assert_eq!(a["purpose_other"], "ABC");
        assert_eq!(a["copies"], 2);
        assert_eq!(a["zip"], "1508601");
        assert_eq!(a["mynum"]["masked"], "********9018");
        assert!(
            a["members"][0].get("school").is_none(),
            "hidden sub-field dropped"
        );
        assert!(a.get("company").is_none(), "hidden page not required");
        assert_eq!(compute(&form(), &a)["fee"], 600);
    }

    fn errors(raw: Map<String, Value>) -> Vec<FieldError> {
        validate_all(&form(), &raw, today())
            .err()
            .unwrap_or_default()
    }

    fn codes(raw: Map<String, Value>) -> Vec<(String, ErrorCode)> {
        errors(raw).into_iter().map(|e| (e.key, e.code)).collect()
    }

    #[test]
    fn reports_each_problem_with_its_key() {
        let mut raw = good();
        raw.insert("birth".into(), json!("平成32年1月1日"));
        raw.insert("copies".into(), json!("11"));
        raw.insert("zip".into(), json!("150-86"));
        raw.insert("mynum".into(), json!("123456789012"));
        raw.insert("agree".into(), json!(null));
        raw.insert("purpose_other".into(), json!("あいうえおかきくけこさ"));
        raw.insert("kana_only".into(), json!("山田"));
        raw.insert("items".into(), json!(["sofa", "bed"]));
        raw.insert("bogus".into(), json!("x"));
        let got = codes(raw);
        let keys: Vec<&str> = got.iter().map(|(k, _)| k.as_str()).collect();
        for k in [
            "birth",
            "copies",
            "zip",
            "mynum",
            "agree",
            "purpose_other",
            "kana_only",
            "items",
            "bogus",
        ] {
            assert!(keys.contains(&k), "{k} missing in {got:?}");
        }
        assert!(got.contains(&("copies".into(), ErrorCode::TooLarge { max: 10 })));
        assert!(got.contains(&("mynum".into(), ErrorCode::MyNumberCheckDigit)));
        assert!(got.contains(&("agree".into(), ErrorCode::MustAgree)));
    }

    #[test]
    fn required_fields_and_visible_pages() {
        let mut raw = good();
        raw.insert("purpose".into(), json!("work"));
        raw.remove("name");
        let got = codes(raw);
        assert!(got.contains(&("name".into(), ErrorCode::Required)));
        assert!(
            got.contains(&("company".into(), ErrorCode::Required)),
            "page B is now visible: {got:?}"
        );
    }

    #[test]
    fn group_items_are_validated_with_their_conditions() {
        let mut raw = good();
        raw.insert(
            "members".into(),
            json!([{"m_name": {"family": "山田", "given": "一郎"}, "relation": "child"}]),
        );
        let e = errors(raw);
        let school = e
            .iter()
            .find(|e| e.key == "members.0.school")
            .expect("school required for a child");
        assert_eq!(
            school.message(Lang::Ja),
            "世帯員（1件目）の学校名を入力してください"
        );
        assert_eq!(school.message(Lang::En), "Enter 世帯員 (entry 1): 学校名");
    }

    #[test]
    fn future_birth_date_is_rejected() {
        let mut raw = good();
        raw.insert("birth".into(), json!("2030-01-01"));
        assert!(codes(raw).contains(&("birth".into(), ErrorCode::DateInFuture)));
    }

    #[test]
    fn era_errors_say_what_to_do() {
        let mut raw = good();
        raw.insert(
            "birth".into(),
            json!({"era": "平成", "year": "32", "month": "1", "day": "1"}),
        );
        let e = errors(raw);
        let b = e.iter().find(|e| e.key == "birth").expect("birth error");
        assert_eq!(
            b.message(Lang::Ja),
            "生年月日：平成は平成元年1月8日から平成31年4月30日までです。元号と年を確認してください"
        );
    }

    #[test]
    fn page_validation_sees_saved_answers() {
        let f = form();
        let saved = obj(json!({"purpose": "work"}));
        let page_b = f.page("b").expect("page b");
        let (_, errs) = validate_page(page_b, &Map::new(), &saved, today());
        assert_eq!(errs.len(), 1);
        let page_a = f.page("a").expect("page a");
        let (values, errs) = validate_page(page_a, &good(), &Map::new(), today());
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(values["copies"], 2);
    }

    #[test]
    fn my_numbers_are_sealed_everywhere() {
        let f = form();
        let mut a = validate_all(&f, &good(), today()).expect("valid");
        seal_my_numbers(&f, &mut a, &|d| format!("enc({})", d.len()));
        assert_eq!(
            a["mynum"],
            json!({"masked": "********9018", "sealed": "enc(12)"})
        );
        assert!(
            !serde_json::to_string(&a)
                .unwrap_or_default()
                .contains("123456789018")
        );
        // A sealed value passes validation again unchanged (drafts are re-validated on submit).
        let mut raw = good();
        raw.insert("mynum".into(), a["mynum"].clone());
        assert_eq!(
            validate_all(&f, &raw, today()).expect("valid")["mynum"],
            a["mynum"]
        );
    }

    #[test]
    fn wrong_json_types_are_errors_not_panics() {
        let raw = obj(
            json!({"name": "山田太郎", "birth": 12, "copies": {"a": 1}, "members": "x", "items": {"x": 1}}),
        );
        let got = codes(raw);
        assert!(got.contains(&("name".into(), ErrorCode::WrongType)));
        assert!(got.contains(&("members".into(), ErrorCode::WrongType)));
    }

    #[test]
    fn width_fold_keeps_ideographs() {
        assert_eq!(width_fold("\u{FA11}ＡＢ１ ﾃｽﾄ"), "\u{FA11}AB1 テスト");
    }

    #[test]
    fn thousands() {
        assert_eq!(group_thousands(1234567), "1,234,567");
        assert_eq!(format_computed(ComputedFormat::Yen, 900, Lang::Ja), "900円");
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            "\\PC{0,20}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::hash_map("[a-z_]{1,8}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]
        #[test]
        fn validator_never_panics_and_errors_name_fields(values in prop::collection::vec(arb_json(), 14)) {
            let f = form();
            let keys = ["name", "birth", "purpose", "purpose_other", "copies", "zip", "tel", "mail", "mynum", "kana_only", "items", "company", "members", "agree"];
            let raw: Map<String, Value> = keys.iter().map(|k| k.to_string()).zip(values).collect();
            match validate_all(&f, &raw, today()) {
                Ok(a) => {
                    prop_assert!(a.contains_key("name"));
                    prop_assert_eq!(a.get("agree"), Some(&Value::Bool(true)));
                }
                Err(errs) => for e in errs {
                    prop_assert!(!e.message(Lang::Ja).is_empty());
                    let head = e.key.split('.').next().unwrap_or_default();
                    prop_assert!(keys.contains(&head), "{}", e.key);
                }
            }
        }
    }
}
