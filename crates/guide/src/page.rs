//! Official pages in Markdown with front matter, split into sections at `##` headings.
//!
//! ```text
//! ---
//! id: page-gomi
//! title: ごみ・資源の出し方
//! url: https://www.city.example/gomi/
//! updated: 2026-03-23
//! department: seiso
//! ---
//! # ごみ・資源の出し方
//! introduction…
//! ## 粗大ごみ
//! …
//! ```
//! `id` and `title` are required; `url`, `updated` (YYYY-MM-DD) and `department` are optional.
//! The text before the first `##` is the introduction (a section without a heading).

use chrono::NaiveDate;
use madoguchi_core::catalog::csv_io::RowError;
use serde::{Deserialize, Serialize};

use crate::faq::is_valid_source_id;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    pub id: String,
    pub title: String,
    pub url: Option<String>,
    pub updated: Option<NaiveDate>,
    pub department: Option<String>,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// `None` for the introduction before the first `##`.
    pub heading: Option<String>,
    /// The section's Markdown, without its heading line.
    pub text: String,
}

fn err(line: usize, column: Option<&str>, message: impl Into<String>) -> RowError {
    RowError {
        line,
        column: column.map(str::to_string),
        message: message.into(),
    }
}

/// Parses one page. Errors name the line (1-based) and the front-matter key.
pub fn parse_page(text: &str) -> Result<Page, Vec<RowError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    if lines.first().map(|l| l.trim()) != Some("---") {
        return Err(vec![err(
            1,
            None,
            "the page must start with front matter between two --- lines",
        )]);
    }
    let Some(end) = lines
        .iter()
        .skip(1)
        .position(|l| l.trim() == "---")
        .map(|p| p + 1)
    else {
        return Err(vec![err(
            1,
            None,
            "the front matter is not closed by a --- line",
        )]);
    };
    let mut errors = Vec::new();
    let (mut id, mut title, mut url, mut updated, mut department) = (None, None, None, None, None);
    for (i, line) in lines.iter().enumerate().take(end).skip(1) {
        let n = i + 1;
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            errors.push(err(n, None, "expected `key: value`"));
            continue;
        };
        let key = key.trim();
        let value = value
            .trim()
            .trim_matches('"')
            .trim_matches('\'')
            .trim()
            .to_string();
        let value = (!value.is_empty()).then_some(value);
        match key {
            "id" => id = value,
            "title" => title = value,
            "url" => match value {
                Some(u)
                    if !(u.starts_with("https://")
                        || u.starts_with("http://")
                        || u.starts_with('/')) =>
                {
                    errors.push(err(
                        n,
                        Some("url"),
                        "the url must start with https://, http:// or /",
                    ));
                }
                v => url = v,
            },
            "updated" => match value
                .as_deref()
                .map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d"))
            {
                None => {}
                Some(Ok(d)) => updated = Some(d),
                Some(Err(_)) => errors.push(err(n, Some("updated"), "not a date YYYY-MM-DD")),
            },
            "department" => department = value,
            other => errors.push(err(
                n,
                Some(other),
                "unknown key (expected id, title, url, updated, department)",
            )),
        }
    }
    match &id {
        Some(i) if is_valid_source_id(i) => {}
        Some(_) => errors.push(err(
            2,
            Some("id"),
            "the id must be 1–120 characters without spaces or #",
        )),
        None => errors.push(err(1, Some("id"), "id is required")),
    }
    if title.is_none() {
        errors.push(err(1, Some("title"), "title is required"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut sections: Vec<Section> = vec![Section {
        heading: None,
        text: String::new(),
    }];
    for line in &lines[end + 1..] {
        let t = line.trim_start();
        if let Some(h) = t.strip_prefix("## ") {
            sections.push(Section {
                heading: Some(h.trim().to_string()),
                text: String::new(),
            });
        } else if t.starts_with("# ") && sections.len() == 1 {
            // The page's own H1 title is not part of the introduction.
            continue;
        } else if let Some(s) = sections.last_mut() {
            s.text.push_str(line);
            s.text.push('\n');
        }
    }
    for s in &mut sections {
        s.text = s.text.trim().to_string();
    }
    sections.retain(|s| !s.text.is_empty() || s.heading.is_some());
    Ok(Page {
        id: id.unwrap_or_default(),
        title: title.unwrap_or_default(),
        url,
        updated,
        department,
        sections,
    })
}

/// Markdown → plain text for display and matching: drops table rules, list markers, emphasis.
pub fn markdown_to_plain(md: &str) -> String {
    let mut out = Vec::new();
    for line in md.lines() {
        let t = line.trim();
        if t.is_empty() || t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ')) {
            continue;
        }
        let t = t.trim_start_matches('#').trim_start();
        let t = t
            .strip_prefix("- ")
            .or_else(|| t.strip_prefix("* "))
            .unwrap_or(t);
        let t = match t.split_once(". ") {
            Some((n, rest)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => rest,
            _ => t,
        };
        let t = if t.starts_with('|') {
            t.trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect::<Vec<_>>()
                .join("、")
        } else {
            t.to_string()
        };
        out.push(t.replace("**", ""));
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_front_matter_and_sections() {
        let md = "---\nid: page-x\ntitle: テスト\nurl: https://x.example/\nupdated: 2026-03-23\ndepartment: seiso\n---\n\n# テスト\n\n前書き。\n\n## 一つ目\n\n- 項目\n\n## 二つ目\n\n本文。\n";
        let p = parse_page(md).expect("ok");
        assert_eq!(p.id, "page-x");
        assert_eq!(p.department.as_deref(), Some("seiso"));
        assert_eq!(p.sections.len(), 3);
        assert_eq!(p.sections[0].heading, None);
        assert_eq!(p.sections[0].text, "前書き。");
        assert_eq!(p.sections[1].heading.as_deref(), Some("一つ目"));
        assert_eq!(p.sections[2].text, "本文。");
    }

    #[test]
    fn reports_errors_with_lines() {
        let e =
            parse_page("---\ntitle: x\nupdated: 2026/1/1\ncolour: red\n---\n").expect_err("bad");
        let got: Vec<(usize, Option<&str>)> =
            e.iter().map(|e| (e.line, e.column.as_deref())).collect();
        assert_eq!(
            got,
            vec![(3, Some("updated")), (4, Some("colour")), (1, Some("id"))]
        );
        assert!(parse_page("no front matter").is_err());
        assert!(parse_page("---\nid: a\n").is_err());
    }

    #[test]
    fn plain_text_from_markdown() {
        let md = "| 種類 | 収集 |\n|---|---|\n| 可燃 | 週2回 |\n- 収集日の朝8時まで\n1. 電話で停止\n**重要**";
        assert_eq!(
            markdown_to_plain(md),
            "種類、収集\n可燃、週2回\n収集日の朝8時まで\n電話で停止\n重要"
        );
    }

    #[test]
    fn demo_pages_parse() {
        for (name, text) in [
            ("gomi", include_str!("../../../demo/guide/pages/gomi.md")),
            (
                "mynumber",
                include_str!("../../../demo/guide/pages/mynumber.md"),
            ),
        ] {
            let p = parse_page(text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert_eq!(p.id, format!("page-{name}"));
            assert!(p.sections.len() >= 4);
        }
    }
}
