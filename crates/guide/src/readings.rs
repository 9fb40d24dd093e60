//! Questions typed in kana for words the sources write in kanji (じどうてあて → 児童手当).
//!
//! Residents on a phone often send the kana without converting it, and the elderly and
//! learners of Japanese may not know the kanji. Bigrams of kana never meet bigrams of kanji,
//! so such a question finds nothing. At build time the kanji words of the knowledge base
//! itself (runs of two or more kanji, and the stretches of up to four inside them) are read
//! with KAKASI's dictionary (the `kakasi` crate, embedded: nothing to install or download);
//! at question time each reading found in the question's kana adds its kanji word to the
//! query, as the synonym table does. Only the question is expanded: the sources are written
//! in kanji.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::normalize::{append_words, fold};

/// Readings shorter than this (in kana) are left out: short readings (いか, こう, しょう) occur
/// inside ordinary kana words and phrases.
const MIN_READING_CHARS: usize = 4;
/// Kanji runs longer than this are sentences' worth of kanji (法令名), not words residents type.
const MAX_WORD_CHARS: usize = 8;
/// Longest inner stretch of a kanji run read on its own (four: 児童手当, 予防注射).
const MAX_INNER_WORD_CHARS: usize = 4;
/// Homophones kept per reading (the most frequent in the sources first).
const MAX_WORDS_PER_READING: usize = 3;

/// Readings of the knowledge base's kanji words, for expanding kana questions.
pub struct Readings {
    matcher: Option<AhoCorasick>,
    /// Per pattern (reading), its kanji words.
    words: Vec<Vec<String>>,
}

impl Readings {
    /// From the folded texts of the sources.
    pub fn build<'a>(folded_texts: impl IntoIterator<Item = &'a str>) -> Readings {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for text in folded_texts {
            for run in kanji_runs(text) {
                for word in words_of(run) {
                    *counts.entry(word).or_default() += 1;
                }
            }
        }
        let mut by_reading: HashMap<String, Vec<(usize, String)>> = HashMap::new();
        for (word, n) in counts {
            let reading = fold(&kakasi::convert(&word).hiragana);
            if reading.chars().count() >= MIN_READING_CHARS && reading.chars().all(is_hiragana) {
                by_reading.entry(reading).or_default().push((n, word));
            }
        }
        let mut readings: Vec<(String, Vec<String>)> = by_reading
            .into_iter()
            .map(|(reading, mut words)| {
                words.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
                let words = words
                    .into_iter()
                    .take(MAX_WORDS_PER_READING)
                    .map(|(_, w)| w)
                    .collect();
                (reading, words)
            })
            .collect();
        readings.sort();
        let matcher = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(readings.iter().map(|(r, _)| r.as_str()))
            .ok();
        Readings {
            matcher,
            words: readings.into_iter().map(|(_, w)| w).collect(),
        }
    }

    /// How many readings are known.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The folded question with the kanji words of the readings in its kana appended.
    pub fn expand(&self, folded: &str) -> String {
        let Some(matcher) = &self.matcher else {
            return folded.to_string();
        };
        let words = matcher.find_iter(folded).flat_map(|m| {
            self.words[m.pattern().as_usize()]
                .iter()
                .map(String::as_str)
        });
        append_words(folded, words)
    }
}

fn is_kanji(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '々')
}

fn is_hiragana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{309F}' | 'ー')
}

/// Runs of 2..=MAX_WORD_CHARS kanji.
fn kanji_runs(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !is_kanji(c)).filter(|run| {
        let n = run.chars().count();
        (2..=MAX_WORD_CHARS).contains(&n)
    })
}

/// The whole run and its inner stretches of 2..=MAX_INNER_WORD_CHARS kanji: residents type
/// 狂犬病 or 予防注射 of 狂犬病予防注射. (An inner stretch may be no word at all, 病予; its
/// reading then rarely meets a question's kana.)
fn words_of(run: &str) -> Vec<String> {
    let chars: Vec<char> = run.chars().collect();
    let mut out = vec![run.to_string()];
    for len in 2..=MAX_INNER_WORD_CHARS.min(chars.len().saturating_sub(1)) {
        for start in 0..=chars.len() - len {
            out.push(chars[start..start + len].iter().collect());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn readings(texts: &[&str]) -> Readings {
        let folded: Vec<String> = texts.iter().map(|t| fold(t)).collect();
        Readings::build(folded.iter().map(String::as_str))
    }

    #[test]
    fn kana_questions_get_the_kanji_words_of_the_sources() {
        let r = readings(&[
            "児童手当はいくらもらえますか。",
            "生活保護について相談したい。",
        ]);
        assert!(r.expand(&fold("じどうてあて いくら")).contains("児童手当"));
        assert!(r.expand(&fold("せいかつほご")).contains("生活保護"));
        // Katakana is folded to hiragana first, so it is read too.
        assert!(r.expand(&fold("セイカツホゴ")).contains("生活保護"));
    }

    #[test]
    fn questions_in_kanji_and_unknown_words_are_left_alone() {
        let r = readings(&["児童手当はいくらもらえますか。"]);
        let q = fold("児童手当 いくら");
        assert_eq!(r.expand(&q), q);
        let q = fold("てんきよほう");
        assert_eq!(r.expand(&q), q);
    }

    #[test]
    fn a_word_inside_a_longer_kanji_run_is_read_too() {
        let r = readings(&["犬の狂犬病予防注射はどこで受けられますか。"]);
        let q = r.expand(&fold("きょうけんびょう ちゅうしゃ どこ"));
        assert!(q.contains("狂犬病") && q.contains("注射"), "{q}");
    }

    #[test]
    fn short_readings_are_not_used() {
        // 以下 (いか) would match inside many kana phrases.
        let r = readings(&["以下の書類"]);
        assert!(!r.expand(&fold("いかがですか")).contains("以下"));
    }

    proptest::proptest! {
        /// Any text (kanji of every block, kana, 々, symbols) builds and expands without a
        /// panic, and expanding only ever appends.
        #[test]
        fn any_text_builds_and_expands(
            doc in "[\\u{3400}-\\u{4DBF}\\u{4E00}-\\u{9FFF}\\u{3041}-\\u{30FF}々ー a-z0-9]{0,40}",
            q in "[\\u{3041}-\\u{30FF}\\u{4E00}-\\u{9FFF} ]{0,20}",
        ) {
            let r = readings(&[doc.as_str()]);
            let f = fold(&q);
            proptest::prop_assert!(r.expand(&f).starts_with(f.as_str()));
        }
    }

    #[test]
    fn an_empty_knowledge_base_reads_nothing() {
        let r = readings(&[]);
        assert!(r.is_empty());
        assert_eq!(r.expand("じどうてあて"), "じどうてあて");
    }
}
