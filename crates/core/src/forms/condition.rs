//! `visible_if` conditions.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Condition {
    All { all: Vec<Condition> },
    Any { any: Vec<Condition> },
    Not { not: Box<Condition> },
    Field(FieldTest),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldTest {
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_equals: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "in")]
    pub one_of: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked: Option<bool>,
}

impl Condition {
    /// Evaluates against answers; `scopes` are searched in order (a group item first, then the
    /// whole form). A missing answer equals nothing and is not checked.
    pub fn holds(&self, scopes: &[&Map<String, Value>]) -> bool {
        match self {
            Condition::All { all } => all.iter().all(|c| c.holds(scopes)),
            Condition::Any { any } => any.iter().any(|c| c.holds(scopes)),
            Condition::Not { not } => !not.holds(scopes),
            Condition::Field(t) => {
                let v = scopes.iter().find_map(|s| s.get(&t.field));
                let matches = |expected: &Value| v.is_some_and(|v| loosely_equal(v, expected));
                if let Some(e) = &t.equals {
                    return matches(e);
                }
                if let Some(e) = &t.not_equals {
                    return !matches(e);
                }
                if let Some(list) = &t.one_of {
                    return list.iter().any(matches);
                }
                if let Some(checked) = t.checked {
                    return v.and_then(Value::as_bool).unwrap_or(false) == checked;
                }
                false
            }
        }
    }

    /// Every field key the condition reads, with the path of the `field` entry.
    pub fn references(&self, path: &str, out: &mut Vec<(String, String)>) {
        match self {
            Condition::All { all } => all
                .iter()
                .enumerate()
                .for_each(|(i, c)| c.references(&format!("{path}.all[{i}]"), out)),
            Condition::Any { any } => any
                .iter()
                .enumerate()
                .for_each(|(i, c)| c.references(&format!("{path}.any[{i}]"), out)),
            Condition::Not { not } => not.references(&format!("{path}.not"), out),
            Condition::Field(t) => out.push((t.field.clone(), format!("{path}.field"))),
        }
    }

    /// The values a condition compares a field with, for checking them against its options.
    pub fn compared_values(&self) -> Vec<(&str, &Value)> {
        match self {
            Condition::All { all } => all.iter().flat_map(Condition::compared_values).collect(),
            Condition::Any { any } => any.iter().flat_map(Condition::compared_values).collect(),
            Condition::Not { not } => not.compared_values(),
            Condition::Field(t) => {
                let mut v: Vec<(&str, &Value)> = Vec::new();
                v.extend(t.equals.iter().map(|e| (t.field.as_str(), e)));
                v.extend(t.not_equals.iter().map(|e| (t.field.as_str(), e)));
                v.extend(t.one_of.iter().flatten().map(|e| (t.field.as_str(), e)));
                v
            }
        }
    }
}

/// `1` equals `"1"`: conditions are written by people, answers come from forms.
fn loosely_equal(a: &Value, b: &Value) -> bool {
    if a == b {
        return true;
    }
    match (a, b) {
        (Value::Array(items), other) => items.iter().any(|i| loosely_equal(i, other)),
        (Value::String(s), Value::Number(n)) | (Value::Number(n), Value::String(s)) => {
            s == &n.to_string()
        }
        (Value::String(s), Value::Bool(b)) | (Value::Bool(b), Value::String(s)) => {
            s == &b.to_string()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answers(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn evaluates_tests_and_combinators() {
        let a =
            answers(json!({"purpose": "other", "copies": 2, "agree": true, "items": ["a", "b"]}));
        let c: Condition =
            serde_json::from_value(json!({"field": "purpose", "equals": "other"})).expect("parse");
        assert!(c.holds(&[&a]));
        let c: Condition = serde_json::from_value(json!({"all": [{"field": "copies", "equals": "2"}, {"field": "agree", "checked": true}]})).expect("parse");
        assert!(c.holds(&[&a]));
        let c: Condition = serde_json::from_value(json!({"any": [{"field": "purpose", "in": ["work", "school"]}, {"not": {"field": "agree", "checked": true}}]})).expect("parse");
        assert!(!c.holds(&[&a]));
        let c: Condition =
            serde_json::from_value(json!({"field": "items", "equals": "b"})).expect("parse");
        assert!(c.holds(&[&a]), "a multichoice contains the value");
        let c: Condition =
            serde_json::from_value(json!({"field": "missing", "not_equals": "x"})).expect("parse");
        assert!(c.holds(&[&a]));
    }

    #[test]
    fn inner_scope_wins() {
        let outer = answers(json!({"relation": "self"}));
        let item = answers(json!({"relation": "child"}));
        let c: Condition =
            serde_json::from_value(json!({"field": "relation", "equals": "child"})).expect("parse");
        assert!(c.holds(&[&item, &outer]));
        assert!(!c.holds(&[&outer]));
    }
}
