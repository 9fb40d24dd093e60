//! Fuzz harnesses for madoguchi-guide's importers (FAQ CSV, Markdown pages).
//!
//! Shared by the cargo-fuzz targets and by `crates/guide/tests/fuzz_corpus.rs` (included there
//! with `#[path]`). Uses only madoguchi-guide's public API.

use std::collections::HashSet;

use madoguchi_guide::faq::is_valid_source_id;
use madoguchi_guide::{parse_faq_csv, parse_page};

/// `faq_csv`: `parse_faq_csv` on arbitrary bytes. Invariants of an accepted file: ids valid and
/// unique, question and answer present, urls absolute or rooted.
pub fn faq_csv(data: &[u8]) {
    let Ok(entries) = parse_faq_csv(data) else {
        return;
    };
    let mut ids = HashSet::new();
    for e in &entries {
        assert!(is_valid_source_id(&e.id), "faq id {:?}", e.id);
        assert!(ids.insert(e.id.as_str()), "duplicate faq id {:?}", e.id);
        assert!(!e.question.trim().is_empty() && !e.answer.trim().is_empty());
        if let Some(u) = &e.url {
            assert!(
                u.starts_with("https://") || u.starts_with("http://") || u.starts_with('/'),
                "faq url {u:?}"
            );
        }
    }
}

/// `guide_page`: `parse_page` on arbitrary text (front matter and `##` sections).
pub fn guide_page(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(page) = parse_page(text) else {
        return;
    };
    assert!(is_valid_source_id(&page.id), "page id {:?}", page.id);
    assert!(!page.title.is_empty());
    for s in &page.sections {
        assert_eq!(s.text, s.text.trim(), "section text is trimmed");
    }
}
