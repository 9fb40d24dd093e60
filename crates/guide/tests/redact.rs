//! The labelled PII set (tests/data/pii.jsonl): recall on structured items, precision on
//! text without personal information (the set's negatives and the demo FAQ questions).

use std::collections::BTreeMap;

use madoguchi_guide::{PiiKind, parse_faq_csv, redact};
use serde::Deserialize;

#[derive(Deserialize)]
struct Item {
    text: String,
    kinds: Vec<PiiKind>,
}

fn items() -> Vec<Item> {
    include_str!("data/pii.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("valid line"))
        .collect()
}

#[test]
fn recall_and_precision_on_the_labelled_set() {
    let items = items();
    assert!(items.len() >= 200, "{} items", items.len());
    let structured = [
        PiiKind::Phone,
        PiiKind::PostalCode,
        PiiKind::Email,
        PiiKind::MyNumber,
        PiiKind::CardNumber,
        PiiKind::BirthDate,
    ];
    let mut per_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let (mut neg, mut neg_clean) = (0, 0);
    let mut misses = Vec::new();
    for it in &items {
        let r = redact(&it.text);
        if it.kinds.is_empty() {
            neg += 1;
            if r.found.is_empty() {
                neg_clean += 1;
            } else {
                misses.push(format!(
                    "false positive {:?}: {} -> {}",
                    r.found, it.text, r.text
                ));
            }
        }
        for k in &it.kinds {
            let e = per_kind.entry(k.code()).or_default();
            e.0 += 1;
            if r.found.contains(k) {
                e.1 += 1;
            } else {
                misses.push(format!("missed {k:?}: {} -> {}", it.text, r.text));
            }
        }
    }
    for m in &misses {
        eprintln!("{m}");
    }
    let (n, found) = structured.iter().fold((0, 0), |acc, k| {
        let (n, f) = per_kind.get(k.code()).copied().unwrap_or_default();
        (acc.0 + n, acc.1 + f)
    });
    let recall = found as f64 / n as f64;
    eprintln!(
        "per kind (items, found): {per_kind:?}; structured recall {recall:.3}; negatives clean {neg_clean}/{neg}"
    );
    assert!(recall >= 0.99, "structured recall {recall}");
    for k in [PiiKind::Address, PiiKind::Name] {
        let (n, f) = per_kind.get(k.code()).copied().unwrap_or_default();
        assert!(f as f64 / n as f64 >= 0.9, "{k:?} recall {f}/{n}");
    }
    assert!(
        neg_clean as f64 / neg as f64 >= 0.95,
        "precision on negatives {neg_clean}/{neg}"
    );
}

#[test]
fn faq_questions_are_not_redacted() {
    let faq = parse_faq_csv(include_bytes!("../../../demo/guide/faq.csv")).expect("faq");
    let flagged: Vec<String> = faq
        .iter()
        .filter_map(|f| {
            let r = redact(&f.question);
            (!r.found.is_empty()).then(|| format!("{:?}: {} -> {}", r.found, f.question, r.text))
        })
        .collect();
    for f in &flagged {
        eprintln!("{f}");
    }
    assert!(
        flagged.len() as f64 / faq.len() as f64 <= 0.02,
        "{} of {} FAQ questions flagged",
        flagged.len(),
        faq.len()
    );
}
