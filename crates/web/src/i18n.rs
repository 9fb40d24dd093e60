//! Interface messages in Japanese and English (locales/*.toml), with `{name}` parameters.

use std::collections::HashMap;
use std::sync::LazyLock;

use madoguchi_core::Lang;

fn load(text: &str) -> HashMap<String, String> {
    toml::from_str(text).unwrap_or_else(|e| panic!("built-in locale file is invalid: {e}"))
}

static JA: LazyLock<HashMap<String, String>> =
    LazyLock::new(|| load(include_str!("../locales/ja.toml")));
static EN: LazyLock<HashMap<String, String>> =
    LazyLock::new(|| load(include_str!("../locales/en.toml")));

/// The message for `key`; the key itself if it is missing (a test checks none is).
pub fn t(lang: Lang, key: &str) -> String {
    let table = match lang {
        Lang::Ja => &*JA,
        Lang::En => &*EN,
    };
    table
        .get(key)
        .or_else(|| JA.get(key))
        .cloned()
        .unwrap_or_else(|| key.to_string())
}

/// The message with `{name}` replaced by the given values.
pub fn tf(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = t(lang, key);
    for (k, v) in args {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let mut ja: Vec<&String> = JA.keys().collect();
        let mut en: Vec<&String> = EN.keys().collect();
        ja.sort();
        en.sort();
        assert_eq!(ja, en);
    }

    #[test]
    fn parameters_are_filled() {
        assert_eq!(
            tf(Lang::Ja, "form.step", &[("i", "1"), ("n", "3")]),
            "1 / 3ページ"
        );
        assert_eq!(
            tf(Lang::En, "form.step", &[("i", "1"), ("n", "3")]),
            "Page 1 of 3"
        );
    }
}
