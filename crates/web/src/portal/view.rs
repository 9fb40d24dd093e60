//! Converting between what the resident sees and what is stored: nested form input,
//! display values for re-rendering, and the summary lines of check-your-answers pages.

use std::collections::HashMap;

use madoguchi_core::Lang;
use madoguchi_core::forms::{Field, FieldKind, Form};
use madoguchi_core::japanese::PostalCode;
use madoguchi_core::japanese::wareki::{self, Wareki};
use serde_json::{Map, Value, json};

use crate::i18n::t;

/// Builds nested values from flat form pairs: `a.b` → `{a: {b}}`, `g.0.x` → `{g: [{x}]}`,
/// repeated names → a list. Indices are capped so that a crafted name cannot allocate much.
pub fn nest(pairs: &[(String, String)]) -> Map<String, Value> {
    let mut root = Value::Object(Map::new());
    for (name, value) in pairs {
        let parts: Vec<&str> = name.split('.').collect();
        if parts
            .iter()
            .any(|p| p.is_empty() || p.parse::<usize>().is_ok_and(|i| i >= MAX_INDEX))
            || parts.len() > 4
        {
            continue;
        }
        insert(&mut root, &parts, value);
    }
    match root {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

const MAX_INDEX: usize = 50;

fn insert(node: &mut Value, parts: &[&str], value: &str) {
    let Some((head, rest)) = parts.split_first() else {
        return;
    };
    if let Ok(i) = head.parse::<usize>() {
        if i >= MAX_INDEX {
            return;
        }
        if !node.is_array() {
            *node = Value::Array(Vec::new());
        }
        let Value::Array(items) = node else { return };
        while items.len() <= i {
            items.push(Value::Object(Map::new()));
        }
        if rest.is_empty() {
            items[i] = Value::String(value.into());
        } else {
            insert(&mut items[i], rest, value);
        }
        return;
    }
    if !node.is_object() {
        *node = Value::Object(Map::new());
    }
    let Value::Object(map) = node else { return };
    if rest.is_empty() {
        match map.get_mut(*head) {
            Some(Value::Array(list)) => list.push(Value::String(value.into())),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, Value::String(value.into())]);
            }
            None => {
                map.insert((*head).to_string(), Value::String(value.into()));
            }
        }
    } else {
        let child = map.entry((*head).to_string()).or_insert(Value::Null);
        insert(child, rest, value);
    }
}

/// Prepares raw page input for validation: the last of repeated single-value fields wins, and
/// a My Number field keeps its sealed value unless a new one was typed.
pub fn tidy_raw(fields: &[&Field], raw: &mut Map<String, Value>) {
    for f in fields {
        let Some(v) = raw.get_mut(&f.key) else {
            continue;
        };
        match &f.kind {
            FieldKind::Multichoice { .. } => {}
            FieldKind::Group { fields: subs, .. } => {
                if let Value::Array(items) = v {
                    let sub_refs: Vec<&Field> = subs.iter().collect();
                    for item in items.iter_mut() {
                        if let Value::Object(m) = item {
                            tidy_raw(&sub_refs, m);
                        }
                    }
                }
            }
            FieldKind::MyNumber => {
                if let Value::Object(m) = v {
                    let typed = m
                        .get("new")
                        .and_then(Value::as_str)
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string);
                    *v = match typed {
                        Some(s) => Value::String(s),
                        None => {
                            m.remove("new");
                            Value::Object(m.clone())
                        }
                    };
                }
            }
            _ => {
                if let Value::Array(items) = v
                    && !matches!(f.kind, FieldKind::Group { .. })
                {
                    let last = items
                        .iter()
                        .rev()
                        .find(|i| i.as_str().is_some_and(|s| !s.is_empty()))
                        .cloned()
                        .unwrap_or(Value::Null);
                    *v = last;
                }
            }
        }
    }
}

/// The value of a stored answer in the shape the form inputs use.
pub fn display_value(f: &Field, v: &Value, lang: Lang) -> Value {
    match (&f.kind, v) {
        (FieldKind::Date { .. }, Value::String(s)) => {
            match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) => match (lang, Wareki::from_date(d)) {
                    (Lang::Ja, Some(w)) => {
                        json!({"era": w.era.name, "year": w.year.to_string(), "month": w.month.to_string(), "day": w.day.to_string()})
                    }
                    _ => {
                        use chrono::Datelike;
                        json!({"era": "western", "year": d.year().to_string(), "month": d.month().to_string(), "day": d.day().to_string()})
                    }
                },
                Err(_) => v.clone(),
            }
        }
        (FieldKind::Number { .. }, Value::Number(n)) => Value::String(n.to_string()),
        (FieldKind::PostalCode { .. }, Value::String(s)) => Value::String(
            PostalCode::parse(s)
                .map(|p| p.to_string())
                .unwrap_or_else(|| s.clone()),
        ),
        (FieldKind::Group { fields, .. }, Value::Array(items)) => Value::Array(
            items
                .iter()
                .map(|item| match item {
                    Value::Object(m) => Value::Object(
                        fields
                            .iter()
                            .filter_map(|sf| {
                                m.get(&sf.key)
                                    .map(|sv| (sf.key.clone(), display_value(sf, sv, lang)))
                            })
                            .collect(),
                    ),
                    other => other.clone(),
                })
                .collect(),
        ),
        _ => v.clone(),
    }
}

pub fn display_values(
    fields: &[&Field],
    answers: &Map<String, Value>,
    lang: Lang,
) -> Map<String, Value> {
    fields
        .iter()
        .filter_map(|f| {
            answers
                .get(&f.key)
                .map(|v| (f.key.clone(), display_value(f, v, lang)))
        })
        .collect()
}

/// The lines shown for an answer on check-your-answers and status pages.
pub fn summary_lines(
    f: &Field,
    v: Option<&Value>,
    lang: Lang,
    files: &HashMap<String, String>,
) -> Vec<String> {
    let Some(v) = v else { return Vec::new() };
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    match &f.kind {
        FieldKind::Name { .. } => {
            let mut line = format!("{} {}", s("family"), s("given"));
            if !s("family_kana").is_empty() {
                line.push_str(&format!("（{} {}）", s("family_kana"), s("given_kana")));
            }
            vec![line]
        }
        FieldKind::Date { .. } => match v
            .as_str()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        {
            Some(d) => vec![match lang {
                Lang::Ja => wareki::format_ja(d),
                Lang::En => wareki::format_en(d),
            }],
            None => Vec::new(),
        },
        FieldKind::Choice { options, .. } => {
            let val = v.as_str().unwrap_or("");
            vec![
                options
                    .iter()
                    .find(|o| o.value == val)
                    .map(|o| o.label.get(lang).to_string())
                    .unwrap_or_else(|| val.to_string()),
            ]
        }
        FieldKind::Multichoice { options, .. } => {
            let chosen: Vec<&str> = v
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            options
                .iter()
                .filter(|o| chosen.contains(&o.value.as_str()))
                .map(|o| o.label.get(lang).to_string())
                .collect()
        }
        FieldKind::Checkbox => vec![t(
            lang,
            if v.as_bool().unwrap_or(false) {
                "check.yes"
            } else {
                "check.no"
            },
        )],
        FieldKind::Declaration { .. } => {
            if v.as_bool().unwrap_or(false) {
                vec![t(lang, "check.agreed")]
            } else {
                Vec::new()
            }
        }
        FieldKind::PostalCode { .. } => vec![
            v.as_str()
                .and_then(PostalCode::parse)
                .map(|p| format!("〒{p}"))
                .unwrap_or_default(),
        ],
        FieldKind::Address { .. } => {
            let postal = PostalCode::parse(&s("postal_code"))
                .map(|p| format!("〒{p}"))
                .unwrap_or_default();
            let mut lines = Vec::new();
            if !postal.is_empty() {
                lines.push(postal);
            }
            lines.push(format!(
                "{}{}{}{}",
                s("prefecture"),
                s("city"),
                s("town"),
                s("block")
            ));
            if !s("building").is_empty() {
                lines.push(s("building"));
            }
            lines
        }
        FieldKind::MyNumber => vec![s("masked")],
        FieldKind::File { .. } => {
            let id = v.as_str().unwrap_or("");
            vec![files.get(id).cloned().unwrap_or_else(|| id.to_string())]
        }
        FieldKind::Number { .. } => vec![v.to_string()],
        FieldKind::Group { fields, .. } => {
            let mut lines = Vec::new();
            for (i, item) in v.as_array().into_iter().flatten().enumerate() {
                let parts: Vec<String> = fields
                    .iter()
                    .filter_map(|sf| {
                        let l = summary_lines(sf, item.get(&sf.key), lang, files);
                        (!l.is_empty()).then(|| format!("{}: {}", sf.label.get(lang), l.join(" ")))
                    })
                    .collect();
                lines.push(format!("{}. {}", i + 1, parts.join(" / ")));
            }
            lines
        }
        FieldKind::Info { .. } => Vec::new(),
        _ => v
            .as_str()
            .map(|s| s.lines().map(str::to_string).collect())
            .unwrap_or_else(|| vec![v.to_string()]),
    }
}

/// Sections of a summary: one per visible page, one row per answered or visible field.
pub fn summary_sections(
    form: &Form,
    answers: &Map<String, Value>,
    lang: Lang,
    files: &HashMap<String, String>,
    url_of: &dyn Fn(&str) -> String,
) -> Vec<Value> {
    form.pages
        .iter()
        .filter(|p| madoguchi_core::forms::validate::page_visible(p, answers))
        .map(|p| {
            let rows: Vec<Value> = p
                .fields
                .iter()
                .filter(|f| !matches!(f.kind, FieldKind::Info { .. }))
                .filter(|f| f.visible_if.as_ref().is_none_or(|c| c.holds(&[answers])))
                .map(|f| json!({"label": f.label.get(lang), "lines": summary_lines(f, answers.get(&f.key), lang, files)}))
                .collect();
            json!({"title": p.title, "rows": rows, "url": url_of(&p.id)})
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn nests_names() {
        let m = nest(&pairs(&[
            ("name.family", "山田"),
            ("items", "a"),
            ("items", "b"),
            ("members.1.relation", "child"),
            ("members.0.relation", "spouse"),
            ("x", "1"),
        ]));
        assert_eq!(m["name"]["family"], "山田");
        assert_eq!(m["items"], json!(["a", "b"]));
        assert_eq!(m["members"][0]["relation"], "spouse");
        assert_eq!(m["members"][1]["relation"], "child");
        assert_eq!(m["x"], "1");
    }

    #[test]
    fn crafted_names_are_bounded() {
        let m = nest(&pairs(&[
            ("g.99999.x", "1"),
            ("a..b", "1"),
            ("a.b.c.d.e.f", "1"),
        ]));
        assert!(m.is_empty(), "{m:?}");
    }
}
