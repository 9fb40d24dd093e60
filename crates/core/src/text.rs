//! Texts shown to residents, in Japanese first and English second.

use serde::{Deserialize, Serialize};

/// The language a page is rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Ja,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s == "ja" || s.starts_with("ja-") {
            Some(Lang::Ja)
        } else if s == "en" || s.starts_with("en-") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// Picks `ja` or `en` by the language of the pair.
    pub fn pick<'a>(self, ja: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }
}

/// A bilingual text. English may be missing; Japanese is then shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Text {
    pub ja: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

impl Text {
    pub fn new(ja: impl Into<String>, en: Option<String>) -> Self {
        Text {
            ja: ja.into(),
            en: en.filter(|e| !e.trim().is_empty()),
        }
    }

    pub fn ja(ja: impl Into<String>) -> Self {
        Text {
            ja: ja.into(),
            en: None,
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match (lang, &self.en) {
            (Lang::En, Some(en)) => en,
            _ => &self.ja,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ja.trim().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_falls_back_to_japanese() {
        let t = Text::ja("住民票");
        assert_eq!(t.get(Lang::En), "住民票");
        let t = Text::new("住民票", Some("Residence record".into()));
        assert_eq!(t.get(Lang::En), "Residence record");
        assert_eq!(t.get(Lang::Ja), "住民票");
    }

    #[test]
    fn lang_parses_tags() {
        assert_eq!(Lang::parse("en-US"), Some(Lang::En));
        assert_eq!(Lang::parse("JA"), Some(Lang::Ja));
        assert_eq!(Lang::parse("fr"), None);
    }
}
