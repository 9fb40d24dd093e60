//! Width normalisation (NFKC) and kana conversion.

use unicode_normalization::UnicodeNormalization;

/// NFKC: full-width digits and letters become ASCII, half-width katakana become full-width,
/// the ideographic space becomes a space. Applied to every input before validation.
pub fn nfkc(s: &str) -> String {
    s.nfkc().collect()
}

/// Hiragana → katakana; other characters unchanged.
pub fn to_katakana(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ぁ'..='ゖ' | 'ゝ' | 'ゞ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Katakana → hiragana; other characters unchanged (ヴ becomes ゔ, ヷ–ヺ stay).
pub fn to_hiragana(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ァ'..='ヶ' | 'ヽ' | 'ヾ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            _ => c,
        })
        .collect()
}

fn is_katakana_for_names(c: char) -> bool {
    matches!(c, 'ァ'..='ヺ' | 'ー' | 'ヽ' | 'ヾ' | ' ')
}

/// Normalises a furigana (フリガナ) entry: NFKC (half-width kana become full-width),
/// hiragana become katakana, runs of spaces collapse to one. Returns `None` when anything
/// other than katakana, the long-vowel mark and spaces remains.
pub fn normalize_furigana(s: &str) -> Option<String> {
    let k = to_katakana(&nfkc(s));
    // NFKC turns the ideographic space into ' '; a hyphen-like mark typed for ー is accepted.
    let k: String = k
        .chars()
        .map(|c| match c {
            '-' | '‐' | '−' | '―' | '─' | '～' | '~' => 'ー',
            c if c.is_whitespace() => ' ',
            c => c,
        })
        .collect();
    let collapsed = k
        .split(' ')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if collapsed.is_empty() || !collapsed.chars().all(is_katakana_for_names) {
        return None;
    }
    Some(collapsed)
}

/// Folds a string for search: NFKC, lower case, katakana → hiragana, and drops spaces and
/// punctuation, so that ｼﾞｭｳﾐﾝﾋｮｳ, ジュウミンヒョウ and じゅうみんひょう compare equal.
pub fn search_key(s: &str) -> String {
    let folded = to_hiragana(&nfkc(s).to_lowercase());
    folded
        .chars()
        .filter(|c| !c.is_whitespace() && !is_search_punctuation(*c))
        .map(|c| match c {
            // ゴミ/ごみ: after folding both are ごみ; ヶ/ケ in place names fold to け.
            'ゖ' => 'け',
            c => c,
        })
        .collect()
}

fn is_search_punctuation(c: char) -> bool {
    matches!(
        c,
        '・' | '、'
            | '。'
            | ','
            | '.'
            | '「'
            | '」'
            | '('
            | ')'
            | '（'
            | '）'
            | '?'
            | '!'
            | '？'
            | '！'
            | '/'
            | '"'
            | '\''
            | '-'
            | '_'
            | ':'
            | ';'
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nfkc_folds_widths() {
        assert_eq!(nfkc("ﾔﾏﾀﾞ ﾀﾛｳ　ＡＢＣ１２３"), "ヤマダ タロウ ABC123");
    }

    #[test]
    fn furigana_accepts_hiragana_and_half_width() {
        assert_eq!(normalize_furigana("やまだ").as_deref(), Some("ヤマダ"));
        assert_eq!(normalize_furigana("ﾔﾏﾀﾞ").as_deref(), Some("ヤマダ"));
        assert_eq!(
            normalize_furigana(" ヤマダ　　タロウ ").as_deref(),
            Some("ヤマダ タロウ")
        );
        assert_eq!(normalize_furigana("ゔぃ").as_deref(), Some("ヴィ"));
        assert_eq!(normalize_furigana("ｺｰﾋｰ").as_deref(), Some("コーヒー"));
    }

    #[test]
    fn furigana_rejects_kanji_and_latin() {
        assert_eq!(normalize_furigana("山田"), None);
        assert_eq!(normalize_furigana("Yamada"), None);
        assert_eq!(normalize_furigana("   "), None);
    }

    #[test]
    fn search_key_folds_kana_and_width() {
        assert_eq!(search_key("ｼﾞｭｳﾐﾝﾋｮｳ"), "じゅうみんひょう");
        assert_eq!(search_key("ジュウミン ヒョウ"), "じゅうみんひょう");
        assert_eq!(search_key("粗大ゴミ"), "粗大ごみ");
        assert_eq!(search_key("ＭｙＮｕｍｂｅｒ"), "mynumber");
    }

    proptest! {
        #[test]
        fn furigana_output_is_katakana_only(s in "\\PC{0,20}") {
            if let Some(k) = normalize_furigana(&s) {
                prop_assert!(k.chars().all(is_katakana_for_names));
                prop_assert!(!k.starts_with(' ') && !k.ends_with(' '));
                // Normalising twice changes nothing.
                prop_assert_eq!(normalize_furigana(&k), Some(k.clone()));
            }
        }

        #[test]
        fn hiragana_katakana_round_trip(s in "[ぁ-ゖ]{0,20}") {
            prop_assert_eq!(to_hiragana(&to_katakana(&s)), s);
        }
    }
}
