//! Tokens for the sparse index: character bigrams over Japanese runs, whole words for Latin
//! letters and digits. Input is normalised text ([`crate::normalize::normalize`]).
//!
//! Bigrams made only of hiragana (`ます`, `ので`, `した`) and bigrams that pair a particle with
//! another character (`票を`, `の写`) match almost every document; they are indexed, but a
//! question gives them a lower weight ([`TokenWeights`]).

use serde::{Deserialize, Serialize};

/// One token and its weight in a question (documents ignore the weight).
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub text: String,
    pub weight: f32,
}

/// How much a question's low-content bigrams count. 1.0 = like any other, 0.0 = dropped.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TokenWeights {
    /// Bigrams of two hiragana.
    pub hiragana: f32,
    /// Bigrams with a particle (を が は に で の と も へ や か) next to a kanji or katakana.
    pub particle: f32,
    /// Single characters (a one-character Japanese word between separators).
    pub unigram: f32,
}

impl Default for TokenWeights {
    fn default() -> Self {
        TokenWeights {
            hiragana: 0.3,
            particle: 0.3,
            unigram: 0.5,
        }
    }
}

const ENGLISH_STOPWORDS: &[&str] = &[
    "a", "an", "the", "i", "my", "me", "we", "our", "you", "your", "he", "she", "it", "its",
    "they", "is", "are", "was", "were", "be", "been", "do", "does", "did", "to", "of", "in", "on",
    "at", "for", "from", "by", "with", "and", "or", "but", "if", "so", "can", "could", "should",
    "would", "will", "what", "where", "when", "how", "who", "which", "why", "there", "this",
    "that", "these", "those", "have", "has", "had", "get", "got", "about", "any", "some", "need",
    "want", "please", "tell", "just", "into", "up", "out", "not", "no", "s", "t", "m", "d",
];

/// An English function word (dropped from questions and documents).
pub fn is_english_stopword(word: &str) -> bool {
    ENGLISH_STOPWORDS.contains(&word)
}

fn is_particle(c: char) -> bool {
    matches!(
        c,
        'を' | 'が' | 'は' | 'に' | 'で' | 'の' | 'と' | 'も' | 'へ' | 'や' | 'か'
    )
}

fn is_hiragana(c: char) -> bool {
    matches!(c, 'ぁ'..='ゖ' | 'ゝ' | 'ゞ')
}

/// Japanese script characters that form bigrams (after folding, katakana is hiragana).
fn is_japanese(c: char) -> bool {
    matches!(c,
        'ぁ'..='ゟ' | 'ァ'..='ヿ' | '々' | '〆' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}'
    )
}

#[derive(PartialEq, Clone, Copy)]
enum Run {
    Japanese,
    Latin,
    None,
}

fn class(c: char) -> Run {
    if is_japanese(c) {
        Run::Japanese
    } else if c.is_ascii_alphanumeric() || (c.is_alphanumeric() && !c.is_ascii()) {
        Run::Latin
    } else {
        Run::None
    }
}

/// Splits normalised text into runs of one script.
fn runs(text: &str) -> Vec<(Run, Vec<char>)> {
    let mut out: Vec<(Run, Vec<char>)> = Vec::new();
    for c in text.chars() {
        let k = class(c);
        match out.last_mut() {
            Some((r, chars)) if *r == k && k != Run::None => chars.push(c),
            _ => out.push((k, vec![c])),
        }
    }
    out.retain(|(r, _)| *r != Run::None);
    out
}

/// Tokens of normalised text, with question weights.
pub fn tokens(text: &str, weights: &TokenWeights) -> Vec<Token> {
    let mut out = Vec::new();
    for (run, chars) in runs(text) {
        match run {
            Run::Japanese => {
                if chars.len() == 1 {
                    if !is_hiragana(chars[0]) {
                        out.push(Token {
                            text: chars[0].to_string(),
                            weight: weights.unigram,
                        });
                    }
                    continue;
                }
                for w in chars.windows(2) {
                    let (a, b) = (w[0], w[1]);
                    let weight = if is_hiragana(a) && is_hiragana(b) {
                        weights.hiragana
                    } else if is_particle(a) || is_particle(b) {
                        weights.particle
                    } else {
                        1.0
                    };
                    out.push(Token {
                        text: [a, b].iter().collect(),
                        weight,
                    });
                }
            }
            Run::Latin => {
                let word: String = chars.iter().collect();
                if is_english_stopword(&word) {
                    continue;
                }
                out.push(Token {
                    text: word,
                    weight: 1.0,
                });
            }
            Run::None => {}
        }
    }
    out
}

/// Token texts of a document (weights do not matter there).
pub fn doc_tokens(text: &str) -> Vec<String> {
    tokens(text, &TokenWeights::default())
        .into_iter()
        .map(|t| t.text)
        .collect()
}

/// A question's tokens, each once, with the largest weight seen; zero weights dropped.
pub fn query_tokens(text: &str, weights: &TokenWeights) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::new();
    for t in tokens(text, weights) {
        if t.weight <= 0.0 {
            continue;
        }
        match out.iter_mut().find(|o| o.text == t.text) {
            Some(o) => o.weight = o.weight.max(t.weight),
            None => out.push(t),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        doc_tokens(s)
    }

    #[test]
    fn bigrams_per_japanese_run() {
        assert_eq!(texts("住民票 写し"), vec!["住民", "民票", "写し"]);
        assert_eq!(texts("区"), vec!["区"]);
        assert_eq!(texts("100万円"), vec!["100", "万円"]);
        assert_eq!(
            texts("how do i get a residence certificate"),
            vec!["residence", "certificate"]
        );
    }

    #[test]
    fn function_bigrams_weigh_less() {
        let w = TokenWeights::default();
        let t = query_tokens("住民票をとりたい", &w);
        let get = |s: &str| t.iter().find(|x| x.text == s).map(|x| x.weight);
        assert_eq!(get("住民"), Some(1.0));
        assert_eq!(get("票を"), Some(w.particle));
        assert_eq!(get("りた"), Some(w.hiragana));
        let none = TokenWeights { hiragana: 0.0, ..w };
        assert!(query_tokens("とりたい", &none).is_empty());
    }
}
