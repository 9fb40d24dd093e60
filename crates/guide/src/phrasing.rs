//! Optional LLM phrasing: a prompt builder and the checker that decides whether a rephrased
//! answer may be shown.
//!
//! The guide's own answer is always an official text with its citation. A caller may ask an
//! LLM (OpenAI-compatible endpoint, written elsewhere) to rephrase it more kindly; the
//! rephrasing is shown only if [`check`] accepts it: every sentence must be supported by the
//! cited passages (character-bigram overlap ≥ threshold), and every number, amount, date,
//! phone number and URL must appear verbatim in them. Otherwise the extractive answer stays.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::normalize::fold;

/// Something that can rephrase (the caller's LLM client). Errors and timeouts are `None`.
pub trait Rephraser: Send + Sync {
    fn rephrase(&self, prompt: &Prompt) -> Option<String>;
}

/// Chat messages for an OpenAI-compatible endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prompt {
    pub system: String,
    pub user: String,
}

/// Builds the prompt: the question and the passages only, with the rules.
pub fn build_prompt(question: &str, passages: &[(&str, &str)]) -> Prompt {
    let system = "あなたは区役所の総合案内です。以下の「資料」に書かれていることだけを使って、住民の質問にやさしい日本語で答えてください。\
資料にない事実（金額、日付、電話番号、場所、条件）を加えてはいけません。数字・金額・電話番号・URLは資料のとおりに書き写してください。\
資料で答えられない場合は「資料には記載がありません」とだけ書いてください。3文以内で答えてください。"
        .to_string();
    let mut user = format!("質問：{question}\n\n資料：\n");
    for (id, text) in passages {
        user.push_str(&format!("[{id}] {text}\n"));
    }
    Prompt { system, user }
}

/// Why a rephrasing was rejected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rejection {
    Empty,
    /// A sentence shares too few character bigrams with the passages.
    Unsupported {
        sentence: String,
        overlap: f32,
    },
    /// A number, amount, phone number, date or URL that the passages do not contain.
    NewFact {
        fact: String,
    },
}

/// Thresholds of the check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CheckConfig {
    /// Share of a sentence's character bigrams that must occur in the passages.
    pub min_overlap: f32,
    /// Sentences shorter than this (in characters) are not judged on overlap.
    pub min_sentence_chars: usize,
}

impl Default for CheckConfig {
    fn default() -> Self {
        CheckConfig {
            min_overlap: 0.6,
            min_sentence_chars: 6,
        }
    }
}

static FACT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"https?://[^\s、。）)]+|\d[\d,.:：\-]*(?:[年月日時分円歳件回個点号階番%％]|か月|ヶ月)?",
    )
    .unwrap_or_else(|e| panic!("fact regex: {e}"))
});

fn bigrams(s: &str) -> HashSet<(char, char)> {
    let chars: Vec<char> = fold(s).chars().filter(|c| !c.is_whitespace()).collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Sentences split at 。！？!? and line breaks.
pub fn sentences(text: &str) -> Vec<String> {
    text.split(['。', '！', '？', '!', '?', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn facts(text: &str) -> Vec<String> {
    let nfkc = fold(text);
    FACT.find_iter(&nfkc)
        .map(|m| {
            m.as_str()
                .trim_end_matches([',', '.', '-', ':', '：'])
                .to_string()
        })
        .filter(|f| !f.is_empty())
        .collect()
}

/// Accepts a rephrasing only if every sentence and every fact is supported by the passages.
pub fn check(rephrased: &str, passages: &[&str], config: &CheckConfig) -> Result<(), Rejection> {
    let sents = sentences(rephrased);
    if sents.is_empty() {
        return Err(Rejection::Empty);
    }
    let joined = passages.join("\n");
    let source_bigrams = bigrams(&joined);
    let source_folded: String = fold(&joined)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let source_facts: HashSet<String> = facts(&joined).into_iter().collect();
    for s in &sents {
        for f in facts(s) {
            let digits_only = f.trim_end_matches(|c: char| !c.is_ascii_digit());
            if !source_facts.contains(&f)
                && !source_folded.contains(&f)
                && !source_facts
                    .iter()
                    .any(|sf| sf.starts_with(digits_only) && sf.len() >= f.len())
            {
                return Err(Rejection::NewFact { fact: f });
            }
        }
        if s.chars().count() < config.min_sentence_chars {
            continue;
        }
        let b = bigrams(s);
        if b.is_empty() {
            continue;
        }
        let overlap =
            b.iter().filter(|x| source_bigrams.contains(x)).count() as f32 / b.len() as f32;
        if overlap < config.min_overlap {
            return Err(Rejection::Unsupported {
                sentence: s.clone(),
                overlap,
            });
        }
    }
    Ok(())
}

/// The text to show: the rephrasing if it passes [`check`], else the extractive answer.
pub fn choose<'a>(
    extractive: &'a str,
    rephrased: Option<&'a str>,
    passages: &[&str],
    config: &CheckConfig,
) -> (&'a str, Option<Rejection>) {
    match rephrased {
        None => (extractive, None),
        Some(r) => match check(r, passages, config) {
            Ok(()) => (r, None),
            Err(why) => (extractive, Some(why)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSAGE: &str = "区役所本庁舎1階の戸籍住民課と、区内4か所の地域センターで取得できます。手数料は窓口で1通300円、コンビニ交付で1通200円です。";

    #[test]
    fn accepts_a_faithful_rephrasing() {
        let r = "住民票の写しは、戸籍住民課と区内4か所の地域センターで取得できます。手数料は窓口で1通300円、コンビニ交付なら1通200円です。";
        assert_eq!(check(r, &[PASSAGE], &CheckConfig::default()), Ok(()));
    }

    #[test]
    fn rejects_new_numbers_and_unsupported_sentences() {
        let r = "手数料は1通350円です。";
        assert!(matches!(
            check(r, &[PASSAGE], &CheckConfig::default()),
            Err(Rejection::NewFact { .. })
        ));
        let r = "電話は03-5555-0000へ。";
        assert!(matches!(
            check(r, &[PASSAGE], &CheckConfig::default()),
            Err(Rejection::NewFact { .. })
        ));
        let r = "郵送でも請求できますし、土曜日も開いています。";
        assert!(matches!(
            check(r, &[PASSAGE], &CheckConfig::default()),
            Err(Rejection::Unsupported { .. })
        ));
        assert_eq!(
            check("", &[PASSAGE], &CheckConfig::default()),
            Err(Rejection::Empty)
        );
    }

    #[test]
    fn falls_back_to_the_extractive_answer() {
        let (shown, why) = choose(
            PASSAGE,
            Some("手数料は無料です。区役所は24時間開いています。"),
            &[PASSAGE],
            &CheckConfig::default(),
        );
        assert_eq!(shown, PASSAGE);
        assert!(why.is_some());
        let p = build_prompt("住民票はどこで？", &[("faq-0001", PASSAGE)]);
        assert!(p.user.contains("[faq-0001]"));
    }
}
