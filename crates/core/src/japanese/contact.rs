//! Phone numbers and e-mail addresses as residents type them.

use super::kana::nfkc;

/// Normalises a Japanese phone number: NFKC, dash variants to '-', `+81` to a leading 0.
/// Valid: 10 or 11 digits starting with 0 (fixed lines, mobiles, 0120).
pub fn normalize_phone(input: &str) -> Option<String> {
    let s: String = nfkc(input)
        .trim()
        .chars()
        .map(|c| match c {
            '‐' | '−' | 'ー' | '―' | '–' => '-',
            c => c,
        })
        .filter(|c| !matches!(c, ' ' | '(' | ')'))
        .collect();
    let s = match s.strip_prefix("+81") {
        Some(rest) => format!("0{}", rest.trim_start_matches('-')),
        None => s,
    };
    if !s.chars().all(|c| c.is_ascii_digit() || c == '-') || s.contains("--") {
        return None;
    }
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    (digits.starts_with('0') && (10..=11).contains(&digits.len())).then_some(s)
}

/// A pragmatic e-mail check: one '@', a dot in the domain, no spaces, at most 254 characters.
pub fn normalize_email(input: &str) -> Option<String> {
    let s = nfkc(input).trim().to_string();
    let (local, domain) = s.split_once('@')?;
    let ok = !local.is_empty()
        && local.len() <= 64
        && s.len() <= 254
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'));
    ok.then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn phones() {
        assert_eq!(
            normalize_phone("03-5555-1234").as_deref(),
            Some("03-5555-1234")
        );
        assert_eq!(
            normalize_phone("０９０ー１２３４ー５６７８").as_deref(),
            Some("090-1234-5678")
        );
        assert_eq!(
            normalize_phone("+81-90-1234-5678").as_deref(),
            Some("090-1234-5678")
        );
        assert_eq!(
            normalize_phone("(03)5555-1234").as_deref(),
            Some("035555-1234")
        );
        assert_eq!(normalize_phone("12345"), None);
        assert_eq!(normalize_phone("03-5555-123a"), None);
    }

    #[test]
    fn emails() {
        assert_eq!(
            normalize_email(" ｙａｍａｄａ@example.jp ").as_deref(),
            Some("yamada@example.jp")
        );
        assert_eq!(normalize_email("no-at.example.jp"), None);
        assert_eq!(normalize_email("a@b"), None);
        assert_eq!(normalize_email("a b@example.jp"), None);
    }

    proptest! {
        #[test]
        fn phone_output_has_10_or_11_digits(s in "\\PC{0,20}") {
            if let Some(p) = normalize_phone(&s) {
                let n = p.chars().filter(char::is_ascii_digit).count();
                prop_assert!((10..=11).contains(&n));
            }
        }
    }
}
