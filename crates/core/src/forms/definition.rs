//! Form definitions and their load-time checks.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::condition::Condition;
use super::expr::Expr;
use crate::text::Text;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Form {
    pub id: String,
    pub procedure: String,
    pub version: u32,
    pub title: LocalText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intro: Option<LocalText>,
    pub pages: Vec<Page>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub computed: Vec<Computed>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Page {
    pub id: String,
    pub title: LocalText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_if: Option<Condition>,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Field {
    pub key: String,
    #[serde(default)]
    pub label: LocalText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<LocalText>,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_if: Option<Condition>,
    #[serde(flatten)]
    pub kind: FieldKind,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldKind {
    Text {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_length: Option<usize>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_length: Option<usize>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pattern: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        input: Option<TextInput>,
    },
    Textarea {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_length: Option<usize>,
    },
    Number {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        default: Option<i64>,
    },
    Choice {
        options: Vec<ChoiceOption>,
        #[serde(default)]
        display: ChoiceDisplay,
    },
    Multichoice {
        options: Vec<ChoiceOption>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_selected: Option<usize>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_selected: Option<usize>,
    },
    Checkbox,
    Date {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<NaiveDate>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<NaiveDate>,
        #[serde(default)]
        not_future: bool,
        #[serde(default)]
        not_past: bool,
    },
    Name {
        #[serde(default)]
        kana: KanaRule,
    },
    PostalCode {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fills: Option<String>,
    },
    Address {
        #[serde(default = "yes")]
        completion: bool,
    },
    Phone,
    Email,
    MyNumber,
    File {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_size_kb: Option<u32>,
        #[serde(default = "default_accept")]
        accept: Vec<FileType>,
    },
    Declaration {
        text: LocalText,
    },
    Info {
        text: LocalText,
    },
    Group {
        fields: Vec<Field>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_items: Option<usize>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_items: Option<usize>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        item_label: Option<LocalText>,
    },
}

fn yes() -> bool {
    true
}

fn default_accept() -> Vec<FileType> {
    vec![FileType::Pdf, FileType::Jpeg, FileType::Png]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextInput {
    Text,
    Katakana,
    Alnum,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ChoiceDisplay {
    #[default]
    Radio,
    Select,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum KanaRule {
    #[default]
    Required,
    Optional,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
}

impl FileType {
    pub fn mime(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
        }
    }

    /// Recognises a file by its first bytes, not by what the browser claims.
    pub fn sniff(bytes: &[u8]) -> Option<FileType> {
        if bytes.starts_with(b"%PDF-") {
            Some(FileType::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileType::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileType::Png)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChoiceOption {
    pub value: String,
    pub label: LocalText,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Computed {
    pub key: String,
    pub label: LocalText,
    pub expr: String,
    #[serde(default)]
    pub format: ComputedFormat,
    #[serde(skip)]
    pub parsed: Option<Expr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ComputedFormat {
    Yen,
    #[default]
    Number,
}

/// A text in a definition: `{ja: …, en: …}` or a plain Japanese string.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(from = "LocalTextRepr", into = "Text")]
pub struct LocalText(pub Text);

#[derive(Deserialize)]
#[serde(untagged)]
enum LocalTextRepr {
    Plain(String),
    Pair {
        ja: String,
        #[serde(default)]
        en: Option<String>,
    },
}

impl From<LocalTextRepr> for LocalText {
    fn from(r: LocalTextRepr) -> Self {
        match r {
            LocalTextRepr::Plain(s) => LocalText(Text::ja(s)),
            LocalTextRepr::Pair { ja, en } => LocalText(Text::new(ja, en)),
        }
    }
}

impl From<LocalText> for Text {
    fn from(t: LocalText) -> Text {
        t.0
    }
}

impl std::ops::Deref for LocalText {
    type Target = Text;
    fn deref(&self) -> &Text {
        &self.0
    }
}

/// A definition that failed to load: which file, where inside it, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}: {path}: {message}")]
pub struct FormError {
    pub source_name: String,
    pub path: String,
    pub message: String,
}

const COMMON_KEYS: &[&str] = &["key", "type", "label", "hint", "required", "visible_if"];

fn allowed_keys(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "text" => &["max_length", "min_length", "pattern", "input"],
        "textarea" => &["max_length"],
        "number" => &["min", "max", "default"],
        "choice" => &["options", "display"],
        "multichoice" => &["options", "min_selected", "max_selected"],
        "checkbox" | "phone" | "email" | "my_number" => &[],
        "date" => &["min", "max", "not_future", "not_past"],
        "name" => &["kana"],
        "postal_code" => &["fills"],
        "address" => &["completion"],
        "file" => &["max_size_kb", "accept"],
        "declaration" | "info" => &["text"],
        "group" => &["fields", "min_items", "max_items", "item_label"],
        _ => return None,
    })
}

pub const FIELD_TYPES: &[&str] = &[
    "text",
    "textarea",
    "number",
    "choice",
    "multichoice",
    "checkbox",
    "date",
    "name",
    "postal_code",
    "address",
    "phone",
    "email",
    "my_number",
    "file",
    "declaration",
    "info",
    "group",
];

impl Form {
    /// Parses YAML (a superset of JSON) and checks the definition.
    pub fn from_yaml(source_name: &str, text: &str) -> Result<Form, FormError> {
        let err = |path: &str, message: String| FormError {
            source_name: source_name.to_string(),
            path: path.to_string(),
            message,
        };
        let raw: Value = serde_yaml::from_str(text).map_err(|e| {
            let at = e
                .location()
                .map(|l| format!("line {}, column {}", l.line(), l.column()))
                .unwrap_or_else(|| "(document)".into());
            err(&at, format!("not valid YAML/JSON: {e}"))
        })?;
        Self::from_value(source_name, raw)
    }

    pub fn from_value(source_name: &str, raw: Value) -> Result<Form, FormError> {
        let err = |path: &str, message: String| FormError {
            source_name: source_name.to_string(),
            path: path.to_string(),
            message,
        };
        check_raw_fields(&raw).map_err(|(p, m)| err(&p, m))?;
        let mut form: Form = serde_path_to_error::deserialize(raw).map_err(|e| {
            let path = e.path().to_string();
            err(
                if path == "." { "(top level)" } else { &path },
                e.into_inner().to_string(),
            )
        })?;
        form.check().map_err(|(p, m)| err(&p, m))?;
        Ok(form)
    }

    /// Every field, including group sub-fields, with its path and enclosing group key.
    pub fn all_fields(&self) -> Vec<(String, &Field, Option<&str>)> {
        let mut out = Vec::new();
        for (pi, page) in self.pages.iter().enumerate() {
            for (fi, f) in page.fields.iter().enumerate() {
                let path = format!("pages[{pi}].fields[{fi}]");
                if let FieldKind::Group { fields, .. } = &f.kind {
                    for (si, sf) in fields.iter().enumerate() {
                        out.push((format!("{path}.fields[{si}]"), sf, Some(f.key.as_str())));
                    }
                }
                out.push((path, f, None));
            }
        }
        out
    }

    pub fn field(&self, key: &str) -> Option<&Field> {
        self.all_fields()
            .into_iter()
            .find(|(_, f, _)| f.key == key)
            .map(|(_, f, _)| f)
    }

    pub fn page(&self, id: &str) -> Option<&Page> {
        self.pages.iter().find(|p| p.id == id)
    }

    fn check(&mut self) -> Result<(), (String, String)> {
        if !is_valid_id(&self.id) {
            return Err((
                "id".into(),
                format!(
                    "\"{}\" is not a valid id (lower-case letters, digits and '-')",
                    self.id
                ),
            ));
        }
        if self.version == 0 {
            return Err(("version".into(), "version must be 1 or more".into()));
        }
        if self.pages.is_empty() {
            return Err(("pages".into(), "a form needs at least one page".into()));
        }
        let mut page_ids = HashSet::new();
        for (pi, p) in self.pages.iter().enumerate() {
            if !page_ids.insert(p.id.as_str()) {
                return Err((
                    format!("pages[{pi}].id"),
                    format!("duplicate page id \"{}\"", p.id),
                ));
            }
            if p.fields.is_empty() {
                return Err((
                    format!("pages[{pi}].fields"),
                    "a page needs at least one field".into(),
                ));
            }
        }
        // Keys: unique across the whole form, groups included.
        let fields = self.all_fields();
        let mut seen: HashMap<&str, &str> = HashMap::new();
        for (path, f, _) in &fields {
            if !is_key(&f.key) {
                return Err((
                    format!("{path}.key"),
                    format!(
                        "\"{}\" is not a valid key (a-z, 0-9 and '_', starting with a letter)",
                        f.key
                    ),
                ));
            }
            if let Some(first) = seen.insert(&f.key, path) {
                return Err((
                    format!("{path}.key"),
                    format!("duplicate key \"{}\" (first used at {first})", f.key),
                ));
            }
            check_kind(path, f)?;
        }
        let top: HashMap<&str, &Field> = fields
            .iter()
            .filter(|(_, _, g)| g.is_none())
            .map(|(_, f, _)| (f.key.as_str(), *f))
            .collect();
        let all: HashMap<&str, (&Field, Option<&str>)> = fields
            .iter()
            .map(|(_, f, g)| (f.key.as_str(), (*f, *g)))
            .collect();
        // Conditions may name top-level fields, or siblings inside the same group.
        let resolve = |key: &str, group: Option<&str>| -> Option<&Field> {
            match all.get(key) {
                Some((f, None)) => Some(*f),
                Some((f, Some(g))) if Some(*g) == group => Some(*f),
                _ => None,
            }
        };
        let check_condition =
            |c: &Condition, path: &str, group: Option<&str>| -> Result<(), (String, String)> {
                let mut refs = Vec::new();
                c.references(path, &mut refs);
                for (key, at) in refs {
                    if resolve(&key, group).is_none() {
                        let hint = match all.get(key.as_str()) {
                            Some((_, Some(g))) => format!(" (it is inside group \"{g}\")"),
                            _ => String::new(),
                        };
                        return Err((at, format!("unknown field \"{key}\"{hint}")));
                    }
                }
                for (key, value) in c.compared_values() {
                    if let Some(
                        FieldKind::Choice { options, .. } | FieldKind::Multichoice { options, .. },
                    ) = resolve(key, group).map(|f| &f.kind)
                    {
                        let v = match value {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        if !options.iter().any(|o| o.value == v) {
                            return Err((
                                path.to_string(),
                                format!("\"{v}\" is not an option of field \"{key}\""),
                            ));
                        }
                    }
                }
                Ok(())
            };
        for (pi, p) in self.pages.iter().enumerate() {
            if let Some(c) = &p.visible_if {
                check_condition(c, &format!("pages[{pi}].visible_if"), None)?;
            }
        }
        for (path, f, group) in &fields {
            if let Some(c) = &f.visible_if {
                check_condition(c, &format!("{path}.visible_if"), *group)?;
            }
            if let FieldKind::PostalCode {
                fills: Some(target),
            } = &f.kind
            {
                match top
                    .get(target.as_str())
                    .copied()
                    .or_else(|| resolve(target, *group))
                {
                    Some(Field {
                        kind: FieldKind::Address { .. },
                        ..
                    }) => {}
                    Some(_) => {
                        return Err((
                            format!("{path}.fills"),
                            format!("field \"{target}\" is not an address field"),
                        ));
                    }
                    None => {
                        return Err((
                            format!("{path}.fills"),
                            format!("unknown field \"{target}\""),
                        ));
                    }
                }
            }
        }
        let mut computed_keys = HashSet::new();
        let mut parsed = Vec::new();
        for (ci, c) in self.computed.iter().enumerate() {
            let path = format!("computed[{ci}]");
            if !is_key(&c.key)
                || all.contains_key(c.key.as_str())
                || !computed_keys.insert(c.key.clone())
            {
                return Err((
                    format!("{path}.key"),
                    format!("\"{}\" must be a new, unique key", c.key),
                ));
            }
            let e = Expr::parse(&c.expr).map_err(|m| (format!("{path}.expr"), m))?;
            let (mut fields_read, mut groups) = (Vec::new(), Vec::new());
            e.references(&mut fields_read, &mut groups);
            for k in fields_read {
                match top.get(k.as_str()) {
                    Some(Field {
                        kind: FieldKind::Number { .. },
                        ..
                    }) => {}
                    Some(_) => {
                        return Err((
                            format!("{path}.expr"),
                            format!("field \"{k}\" is not a number field"),
                        ));
                    }
                    None => return Err((format!("{path}.expr"), format!("unknown field \"{k}\""))),
                }
            }
            for g in groups {
                if !matches!(
                    top.get(g.as_str()),
                    Some(Field {
                        kind: FieldKind::Group { .. },
                        ..
                    })
                ) {
                    return Err((
                        format!("{path}.expr"),
                        format!("count() needs a group field, \"{g}\" is not one"),
                    ));
                }
            }
            parsed.push(e);
        }
        for (c, e) in self.computed.iter_mut().zip(parsed) {
            c.parsed = Some(e);
        }
        Ok(())
    }
}

fn check_kind(path: &str, f: &Field) -> Result<(), (String, String)> {
    let err = |sub: &str, m: String| Err((format!("{path}.{sub}"), m));
    match &f.kind {
        FieldKind::Choice { options, .. } | FieldKind::Multichoice { options, .. } => {
            if options.is_empty() {
                return err("options", "a choice needs at least one option".into());
            }
            let mut values = HashSet::new();
            for (i, o) in options.iter().enumerate() {
                if o.value.is_empty() || !values.insert(o.value.as_str()) {
                    return err(
                        &format!("options[{i}].value"),
                        format!("option value \"{}\" is empty or repeated", o.value),
                    );
                }
            }
        }
        FieldKind::Text {
            pattern: Some(p), ..
        } => {
            if let Err(e) = regex::Regex::new(p) {
                return err("pattern", format!("invalid regular expression: {e}"));
            }
        }
        FieldKind::Number {
            min: Some(a),
            max: Some(b),
            ..
        } if a > b => return err("min", format!("min {a} is greater than max {b}")),
        FieldKind::Date {
            min: Some(a),
            max: Some(b),
            ..
        } if a > b => return err("min", format!("min {a} is after max {b}")),
        FieldKind::Group {
            fields,
            min_items,
            max_items,
            ..
        } => {
            if fields.is_empty() {
                return err("fields", "a group needs at least one field".into());
            }
            if let Some((i, _)) = fields
                .iter()
                .enumerate()
                .find(|(_, sf)| matches!(sf.kind, FieldKind::Group { .. }))
            {
                return err(
                    &format!("fields[{i}].type"),
                    "groups cannot be nested".into(),
                );
            }
            if let (Some(a), Some(b)) = (min_items, max_items)
                && a > b
            {
                return err(
                    "min_items",
                    format!("min_items {a} is greater than max_items {b}"),
                );
            }
        }
        FieldKind::File { accept, .. } if accept.is_empty() => {
            return err("accept", "list at least one file type".into());
        }
        _ => {}
    }
    Ok(())
}

/// Rejects unknown field types and misspelt options before serde sees them, so the message
/// names the exact path (`pages[0].fields[2].max_lenght`).
fn check_raw_fields(raw: &Value) -> Result<(), (String, String)> {
    let Some(pages) = raw.get("pages").and_then(Value::as_array) else {
        return Ok(());
    };
    for (pi, page) in pages.iter().enumerate() {
        let Some(fields) = page.get("fields").and_then(Value::as_array) else {
            continue;
        };
        check_raw_field_list(fields, &format!("pages[{pi}].fields"))?;
    }
    Ok(())
}

fn check_raw_field_list(fields: &[Value], path: &str) -> Result<(), (String, String)> {
    for (fi, f) in fields.iter().enumerate() {
        let here = format!("{path}[{fi}]");
        let Some(obj) = f.as_object() else {
            return Err((here, "a field must be a mapping".into()));
        };
        let Some(kind) = obj.get("type").and_then(Value::as_str) else {
            return Err((format!("{here}.type"), "missing field type".into()));
        };
        let Some(allowed) = allowed_keys(kind) else {
            return Err((
                format!("{here}.type"),
                format!(
                    "unknown field type \"{kind}\"; expected one of: {}",
                    FIELD_TYPES.join(", ")
                ),
            ));
        };
        for k in obj.keys() {
            if !COMMON_KEYS.contains(&k.as_str()) && !allowed.contains(&k.as_str()) {
                return Err((
                    format!("{here}.{k}"),
                    format!("unknown option \"{k}\" for a {kind} field"),
                ));
            }
        }
        if kind == "group"
            && let Some(sub) = obj.get("fields").and_then(Value::as_array)
        {
            check_raw_field_list(sub, &format!("{here}.fields"))?;
        }
    }
    Ok(())
}

pub fn is_valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 80
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
}

fn is_key(s: &str) -> bool {
    s.len() <= 64
        && s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id: juminhyo-copy
procedure: juminhyo-copy
version: 1
title: {ja: 住民票の写し, en: Residence record}
pages:
  - id: p1
    title: 請求者
    fields:
      - {key: name, type: name, label: 氏名, required: true}
      - key: purpose
        type: choice
        label: 使いみち
        options: [{value: work, label: 勤務先}, {value: other, label: その他}]
      - {key: purpose_other, type: text, label: 詳細, visible_if: {field: purpose, equals: other}}
      - {key: copies, type: number, min: 1, max: 10}
      - key: members
        type: group
        fields:
          - {key: relation, type: choice, options: [{value: child, label: 子}, {value: spouse, label: 配偶者}]}
          - {key: school, type: text, visible_if: {field: relation, equals: child}}
computed:
  - {key: fee, label: 手数料, expr: copies * 300, format: yen}
"#;

    fn load(text: &str) -> Result<Form, FormError> {
        Form::from_yaml("test.yaml", text)
    }

    #[test]
    fn loads_a_good_form() {
        let f = load(GOOD).expect("valid form");
        assert_eq!(f.pages[0].fields.len(), 5);
        assert_eq!(f.title.get(crate::Lang::En), "Residence record");
        assert!(f.computed[0].parsed.is_some());
        assert!(f.field("school").is_some());
    }

    fn error_of(text: &str) -> FormError {
        match load(text) {
            Err(e) => e,
            Ok(_) => panic!("expected an error"),
        }
    }

    #[test]
    fn unknown_type_names_the_path() {
        let e = error_of(&GOOD.replace("type: number", "type: numbr"));
        assert_eq!(e.path, "pages[0].fields[3].type");
        assert!(e.message.contains("unknown field type \"numbr\""), "{e}");
        assert!(
            e.to_string()
                .starts_with("test.yaml: pages[0].fields[3].type:")
        );
    }

    #[test]
    fn misspelt_option_is_rejected() {
        let e = error_of(&GOOD.replace("min: 1, max: 10", "min: 1, maxx: 10"));
        assert_eq!(e.path, "pages[0].fields[3].maxx");
    }

    #[test]
    fn duplicate_key_is_rejected() {
        let e = error_of(&GOOD.replace("key: purpose_other", "key: purpose"));
        assert_eq!(e.path, "pages[0].fields[2].key");
        assert!(e.message.contains("duplicate key"));
    }

    #[test]
    fn condition_on_missing_field_is_rejected() {
        let e = error_of(&GOOD.replace(
            "{field: purpose, equals: other}",
            "{field: purpose2, equals: other}",
        ));
        assert_eq!(e.path, "pages[0].fields[2].visible_if.field");
        assert!(e.message.contains("unknown field \"purpose2\""));
    }

    #[test]
    fn condition_on_missing_option_is_rejected() {
        let e = error_of(&GOOD.replace(
            "{field: purpose, equals: other}",
            "{field: purpose, equals: othr}",
        ));
        assert!(e.message.contains("not an option"), "{e}");
    }

    #[test]
    fn group_fields_are_private_to_their_group() {
        let text = GOOD.replace(
            "{field: purpose, equals: other}",
            "{field: relation, equals: child}",
        );
        let e = error_of(&text);
        assert!(e.message.contains("inside group \"members\""), "{e}");
    }

    #[test]
    fn bad_expression_is_rejected() {
        let e = error_of(&GOOD.replace("copies * 300", "copies * name"));
        assert_eq!(e.path, "computed[0].expr");
        let e = error_of(&GOOD.replace("copies * 300", "copies *"));
        assert_eq!(e.path, "computed[0].expr");
    }

    #[test]
    fn broken_yaml_names_the_line() {
        let e = error_of("id: x\npages: [\n");
        assert!(e.path.starts_with("line"), "{e}");
        let e = error_of("id: x\nprocedure: y\nversion: one\ntitle: t\npages: []\n");
        assert_eq!(e.path, "version");
    }

    #[test]
    fn json_is_accepted() {
        let json = r#"{"id":"a","procedure":"a","version":2,"title":"A","pages":[{"id":"p","title":"P","fields":[{"key":"x","type":"email"}]}]}"#;
        assert_eq!(load(json).map(|f| f.version).ok(), Some(2));
    }

    #[test]
    fn sniffs_file_types() {
        assert_eq!(FileType::sniff(b"%PDF-1.7 ..."), Some(FileType::Pdf));
        assert_eq!(
            FileType::sniff(b"\x89PNG\r\n\x1a\n...."),
            Some(FileType::Png)
        );
        assert_eq!(FileType::sniff(b"GIF89a"), None);
    }
}
