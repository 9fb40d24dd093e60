//! Official pages saved as HTML (the municipality's own web pages), turned into the same
//! `Page` as the Markdown format: the title from `<title>` (or the first `<h1>`), sections at
//! `<h2>`, text without tags, scripts, styles, navigation, header or footer.
//!
//! Metadata comes from `<meta name="madoguchi:id|department|updated" content="…">` and
//! `<link rel="canonical" href="…">`; without an id the file name (`page-<stem>`) is used.

use madoguchi_core::catalog::csv_io::RowError;
use madoguchi_guide::faq::is_valid_source_id;
use madoguchi_guide::page::{Page, Section};

fn err(message: impl Into<String>) -> Vec<RowError> {
    vec![RowError {
        line: 1,
        column: None,
        message: message.into(),
    }]
}

/// Removes `<tag …>…</tag>` blocks (case-insensitive), e.g. scripts and navigation.
fn drop_blocks(html: &str, tag: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut out = String::with_capacity(html.len());
    let mut pos = 0;
    while let Some(start) = lower[pos..].find(&open).map(|i| pos + i) {
        // `<navigation>` is not `<nav>`: the tag name must end here.
        let after = lower.as_bytes().get(start + open.len()).copied();
        if !matches!(after, Some(b'>' | b' ' | b'\n' | b'\t' | b'\r' | b'/')) {
            out.push_str(&html[pos..start + open.len()]);
            pos = start + open.len();
            continue;
        }
        out.push_str(&html[pos..start]);
        pos = match lower[start..].find(&close) {
            Some(i) => start + i + close.len(),
            None => html.len(),
        };
    }
    out.push_str(&html[pos..]);
    out
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let key = format!("{name}=");
    let i = lower.find(&key)? + key.len();
    let rest = &tag[i..];
    let (quote, body) = match rest.chars().next()? {
        q @ ('"' | '\'') => (q, &rest[1..]),
        _ => (' ', rest),
    };
    let end = body.find([quote, '>']).unwrap_or(body.len());
    Some(decode_entities(body[..end].trim()))
}

/// Every `<tag …>` opening tag's text.
fn tags<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let lower = html.to_ascii_lowercase();
    let open = format!("<{name}");
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(start) = lower[pos..].find(&open).map(|i| pos + i) {
        let end = lower[start..]
            .find('>')
            .map_or(html.len(), |i| start + i + 1);
        out.push(&html[start..end]);
        pos = end;
    }
    out
}

fn meta(html: &str, name: &str) -> Option<String> {
    tags(html, "meta")
        .into_iter()
        .find(|t| attr(t, "name").is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .and_then(|t| attr(t, "content"))
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        // Byte search: `;` is ASCII, so the cut is on a character boundary.
        let window = &rest.as_bytes()[..rest.len().min(12)];
        let Some(end) = window.iter().position(|b| *b == b';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let name = &rest[1..end];
        let c = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" | "#39" => Some('\''),
            "nbsp" => Some(' '),
            _ => name
                .strip_prefix("#x")
                .or_else(|| name.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Text of an HTML fragment: block elements become line breaks, list items bullets.
fn text_of(fragment: &str) -> String {
    let mut out = String::with_capacity(fragment.len());
    let mut rest = fragment;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find('>').map_or(rest.len(), |j| i + j + 1);
        let tag = rest[i..end].to_ascii_lowercase();
        let name: String = tag
            .trim_start_matches(['<', '/'])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        match name.as_str() {
            "li" if !tag.starts_with("</") => out.push_str("\n- "),
            "br" | "p" | "div" | "ul" | "ol" | "li" | "tr" | "table" | "h3" | "h4" | "h5"
            | "h6" | "dl" | "dt" | "dd" | "section" | "article" => out.push('\n'),
            "td" | "th" => out.push(' '),
            _ => {}
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    decode_entities(&out)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty() && l != "-")
        .collect::<Vec<_>>()
        .join("\n")
}

/// Splits at `<h2`: (heading, fragment) with `None` for the introduction.
fn split_sections(body: &str) -> Vec<(Option<String>, String)> {
    let lower = body.to_ascii_lowercase();
    let mut cuts: Vec<usize> = Vec::new();
    let mut pos = 0;
    while let Some(i) = lower[pos..].find("<h2").map(|i| pos + i) {
        cuts.push(i);
        pos = i + 3;
    }
    let mut out = vec![(
        None,
        body[..cuts.first().copied().unwrap_or(body.len())].to_string(),
    )];
    for (k, start) in cuts.iter().enumerate() {
        let end = cuts.get(k + 1).copied().unwrap_or(body.len());
        let part = &body[*start..end];
        let lower_part = part.to_ascii_lowercase();
        let (heading, rest) = match lower_part.find("</h2>") {
            Some(close) => (text_of(&part[..close]), &part[close + 5..]),
            None => (String::new(), part),
        };
        out.push(((!heading.is_empty()).then_some(heading), rest.to_string()));
    }
    out
}

/// Parses an HTML page; `stem` (the file name without extension) gives the default id.
pub fn parse_html_page(html: &str, stem: &str) -> Result<Page, Vec<RowError>> {
    let html = html.strip_prefix('\u{feff}').unwrap_or(html);
    let mut cleaned = html.to_string();
    for tag in [
        "script", "style", "noscript", "nav", "header", "footer", "template",
    ] {
        cleaned = drop_blocks(&cleaned, tag);
    }
    let id = meta(&cleaned, "madoguchi:id").unwrap_or_else(|| format!("page-{stem}"));
    if !is_valid_source_id(&id) {
        return Err(err(format!(
            "id \"{id}\" is not valid: use 1–120 characters without spaces or #"
        )));
    }
    let with_head = cleaned.clone();
    let lower = cleaned.to_ascii_lowercase();
    let title_tag = lower
        .find("<title")
        .and_then(|s| lower[s..].find('>').map(|e| s + e + 1))
        .and_then(|s| {
            lower[s..]
                .find("</title>")
                .map(|e| text_of(&cleaned[s..s + e]))
        });
    let h1 = lower
        .find("<h1")
        .and_then(|s| lower[s..].find('>').map(|e| s + e + 1))
        .and_then(|s| {
            lower[s..]
                .find("</h1>")
                .map(|e| text_of(&cleaned[s..s + e]))
        });
    let title = h1
        .filter(|t| !t.is_empty())
        .or(title_tag.filter(|t| !t.is_empty()))
        .ok_or_else(|| err("the page has no <h1> or <title>; a page needs a title"))?;
    // The head's title is not body text.
    let cleaned = drop_blocks(&drop_blocks(&cleaned, "head"), "title");
    let lower = cleaned.to_ascii_lowercase();
    let body_start = lower
        .find("<main")
        .or_else(|| lower.find("<body"))
        .unwrap_or(0);
    let body_end = lower
        .rfind("</main>")
        .filter(|e| *e > body_start)
        .unwrap_or(cleaned.len());
    let mut body = cleaned[body_start..body_end].to_string();
    // The <h1> is the title, not part of the introduction.
    if let Some(s) = body.to_ascii_lowercase().find("<h1")
        && let Some(e) = body.to_ascii_lowercase()[s..].find("</h1>")
    {
        body.replace_range(s..s + e + 5, "");
    }
    let sections: Vec<Section> = split_sections(&body)
        .into_iter()
        .map(|(heading, fragment)| Section {
            heading,
            text: text_of(&fragment),
        })
        .filter(|s| !s.text.is_empty() || s.heading.is_some())
        .collect();
    if sections.iter().all(|s| s.text.trim().is_empty()) {
        return Err(err("the page has no text"));
    }
    let updated = match meta(&with_head, "madoguchi:updated") {
        Some(d) => Some(
            chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| {
                err(format!(
                    "madoguchi:updated \"{d}\" is not a date like 2026-04-01"
                ))
            })?,
        ),
        None => None,
    };
    let url = tags(&with_head, "link")
        .into_iter()
        .find(|t| attr(t, "rel").is_some_and(|r| r.eq_ignore_ascii_case("canonical")))
        .and_then(|t| attr(t, "href"));
    Ok(Page {
        id,
        title,
        url,
        updated,
        department: meta(&with_head, "madoguchi:department"),
        sections,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!doctype html><html lang="ja"><head>
<title>粗大ごみの出し方｜桜ヶ丘区</title>
<meta name="madoguchi:id" content="page-sodai">
<meta name="madoguchi:department" content="seiso">
<meta name="madoguchi:updated" content="2026-04-01">
<link rel="canonical" href="https://www.city.example/gomi/sodai.html">
<script>var x = "<h2>not a heading</h2>";</script><style>h2{color:red}</style>
</head><body><header><nav><a href="/">トップ</a></nav></header>
<main><h1>粗大ごみの出し方</h1><p>一辺が30cmを超えるものは粗大ごみです。</p>
<h2>申込み</h2><p>粗大ごみ受付センター（03-5555-0153）か<a href="/x">インターネット</a>で申し込みます。</p>
<ul><li>手数料：400円から</li><li>収集日：申込みから1週間程度</li></ul>
<h2>出し方 &amp; 注意</h2><p>収集日の朝8時までに出してください。&#x3002;</p></main>
<footer>Copyright</footer></body></html>"#;

    #[test]
    fn html_page_becomes_sections_with_metadata() {
        let p = parse_html_page(PAGE, "sodai").expect("page");
        assert_eq!(p.id, "page-sodai");
        assert_eq!(p.title, "粗大ごみの出し方");
        assert_eq!(p.department.as_deref(), Some("seiso"));
        assert_eq!(
            p.url.as_deref(),
            Some("https://www.city.example/gomi/sodai.html")
        );
        assert_eq!(
            p.updated.map(|d| d.to_string()).as_deref(),
            Some("2026-04-01")
        );
        let headings: Vec<_> = p.sections.iter().map(|s| s.heading.clone()).collect();
        assert_eq!(
            headings,
            vec![None, Some("申込み".into()), Some("出し方 & 注意".into())]
        );
        assert_eq!(p.sections[0].text, "一辺が30cmを超えるものは粗大ごみです。");
        assert!(p.sections[1].text.contains("- 手数料：400円から"));
        assert!(p.sections[1].text.contains("インターネットで申し込みます"));
        assert!(!p.sections.iter().any(|s| s.text.contains("not a heading")
            || s.text.contains("トップ")
            || s.text.contains("Copyright")));
        assert!(p.sections[2].text.ends_with("ください。。"));
    }

    #[test]
    fn defaults_and_errors() {
        let p =
            parse_html_page("<title>住民票</title><p>本文です。</p>", "juminhyo").expect("page");
        assert_eq!(
            (p.id.as_str(), p.title.as_str()),
            ("page-juminhyo", "住民票")
        );
        assert!(parse_html_page("<p>no title</p>", "x").is_err());
        assert!(parse_html_page("<title>t</title>", "x").is_err());
        assert!(parse_html_page("<title>t</title><p>x</p>", "has space").is_err());
        // Broken markup and stray ampersands never panic.
        for s in [
            "<",
            "&",
            "<title>",
            "<h2",
            "&#xZZ;",
            "<title>a</title><h2>b",
            "&#99999999;x",
        ] {
            let _ = parse_html_page(s, "x");
        }
    }
}
