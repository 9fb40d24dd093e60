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
//!
//! The same readings correct kanji a phone's input method chose wrongly (誤変換: 婚因届 for
//! 婚姻届, 児童不要手当 for 児童扶養手当, 印艦 for 印鑑): a kanji run of the question that the
//! knowledge base never writes, with two kanji side by side that it never writes together, is
//! read, and when a word of the knowledge base reads the same it replaces the run
//! ([`Readings::correct`]).

use std::collections::{HashMap, HashSet};

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
    /// The sources' kanji words by their readings.
    exact: ReadingTable,
    /// The same without long vowels ([`crate::romaji::loose`]), for romaji questions.
    loose: ReadingTable,
    /// Every kanji word of the sources (runs and their inner stretches).
    known: HashSet<String>,
    /// The sources' whole kanji runs (inner stretches may be no word at all: 病予).
    runs: HashSet<String>,
    /// Every two kanji the sources write side by side.
    pairs: HashSet<(char, char)>,
}

/// Kanji words by reading: found inside a text (leftmost-longest) or looked up whole.
struct ReadingTable {
    matcher: Option<AhoCorasick>,
    /// Per pattern (reading), its kanji words.
    words: Vec<Vec<String>>,
    /// Reading → its index in `words`.
    index: HashMap<String, usize>,
}

impl ReadingTable {
    fn new(mut entries: Vec<(String, Vec<String>)>) -> ReadingTable {
        entries.sort();
        let matcher = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(entries.iter().map(|(r, _)| r.as_str()))
            .ok();
        let index = entries
            .iter()
            .enumerate()
            .map(|(i, (r, _))| (r.clone(), i))
            .collect();
        ReadingTable {
            matcher,
            words: entries.into_iter().map(|(_, w)| w).collect(),
            index,
        }
    }

    /// The words of every reading found in `text`.
    fn found_in<'a>(&'a self, text: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.matcher.iter().flat_map(move |m| {
            m.find_iter(text).flat_map(move |hit| {
                self.words[hit.pattern().as_usize()]
                    .iter()
                    .map(String::as_str)
            })
        })
    }

    /// The words that read exactly `reading`.
    fn get(&self, reading: &str) -> &[String] {
        self.index
            .get(reading)
            .map_or(&[][..], |&i| self.words[i].as_slice())
    }
}

impl Readings {
    /// From the folded texts of the sources.
    pub fn build<'a>(folded_texts: impl IntoIterator<Item = &'a str>) -> Readings {
        let mut counts: HashMap<String, usize> = HashMap::new();
        let mut pairs = HashSet::new();
        let mut runs = HashSet::new();
        for text in folded_texts {
            for run in kanji_runs(text) {
                pairs.extend(kanji_pairs(run));
                runs.insert(run.to_string());
                for word in words_of(run) {
                    *counts.entry(word).or_default() += 1;
                }
            }
        }
        let known: HashSet<String> = counts.keys().cloned().collect();
        let mut by_reading: HashMap<String, Vec<(usize, String)>> = HashMap::new();
        for (word, n) in counts {
            if let Some(reading) = reading_of(&word) {
                by_reading.entry(reading).or_default().push((n, word));
            }
        }
        let readings: Vec<(String, Vec<String>)> = by_reading
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
        let mut loose: HashMap<String, Vec<String>> = HashMap::new();
        for (reading, words) in &readings {
            let key = crate::romaji::loose(reading);
            if key.chars().count() >= MIN_READING_CHARS {
                let entry = loose.entry(key).or_default();
                for w in words {
                    if entry.len() < MAX_WORDS_PER_READING && !entry.contains(w) {
                        entry.push(w.clone());
                    }
                }
            }
        }
        Readings {
            exact: ReadingTable::new(readings),
            loose: ReadingTable::new(loose.into_iter().collect()),
            known,
            runs,
            pairs,
        }
    }

    /// The question with its mis-converted kanji corrected, if any.
    ///
    /// Only two kanji side by side that neither the knowledge base nor KAKASI's dictionary
    /// puts together (婚因, 定深, 童不) count as a slip; the kanji run holding them, or failing
    /// that a stretch of 2..=4 kanji of it around them, is replaced by a word of the sources
    /// that reads the same, has as many kanji, keeps at least one of the typed kanji in its
    /// place, and is a word (a whole kanji run of the sources, or one of the dictionary).
    /// Real words the knowledge base does not know (歯医者, 奨学金, 上京) are never replaced
    /// by their homophones (廃車, 小学金, 状況): they are left for the decision to weigh.
    pub fn correct(&self, question: &str) -> Option<String> {
        let (text, fixes) = self.correct_parts(question);
        (!fixes.is_empty()).then_some(text)
    }

    /// The corrections [`Readings::correct`] makes, as (typed, read as) pairs: words only,
    /// safe to show back to the resident ("「婚因届」を「婚姻届」として調べました").
    pub fn corrections(&self, question: &str) -> Vec<(String, String)> {
        self.correct_parts(question).1
    }

    fn correct_parts(&self, question: &str) -> (String, Vec<(String, String)>) {
        let chars: Vec<char> = question.chars().collect();
        let mut out = String::with_capacity(question.len());
        let mut fixes = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if !is_kanji(chars[i]) {
                out.push(chars[i]);
                i += 1;
                continue;
            }
            let end = chars[i..]
                .iter()
                .position(|&c| !is_kanji(c))
                .map_or(chars.len(), |n| i + n);
            let run = &chars[i..end];
            match self.correct_run(run) {
                Some(fixed) => {
                    out.push_str(&fixed);
                    fixes.push((run.iter().collect(), fixed));
                }
                None => out.extend(run),
            }
            i = end;
        }
        (out, fixes)
    }

    fn correct_run(&self, run: &[char]) -> Option<String> {
        if !(2..=MAX_WORD_CHARS).contains(&run.len()) {
            return None;
        }
        let text: String = run.iter().collect();
        if self.known.contains(&text) {
            return None;
        }
        let odd: Vec<bool> = (0..run.len() - 1)
            .map(|at| {
                !self.pairs.contains(&(run[at], run[at + 1]))
                    && !is_dictionary_word(&run[at..at + 2].iter().collect::<String>())
            })
            .collect();
        if !odd.contains(&true) {
            return None;
        }
        if let Some(word) = self.same_reading(run) {
            return Some(word);
        }
        // A stretch only around a pair that is no seam between two words either (小学校|入学
        // is two words; 婚|因届 is a slip).
        let slip: Vec<bool> = odd
            .iter()
            .enumerate()
            .map(|(at, &odd)| odd && !self.is_seam(run, at))
            .collect();
        // Longest stretches first; one correction per run.
        for len in (2..=MAX_INNER_WORD_CHARS.min(run.len() - 1)).rev() {
            for start in 0..=run.len() - len {
                if !slip[start..start + len - 1].contains(&true) {
                    continue;
                }
                if let Some(word) = self.same_reading(&run[start..start + len]) {
                    let mut fixed: String = run[..start].iter().collect();
                    fixed.push_str(&word);
                    fixed.extend(&run[start + len..]);
                    return Some(fixed);
                }
            }
        }
        None
    }

    /// A word of two or more kanji ends at `run[at]` and another starts at `run[at + 1]`.
    fn is_seam(&self, run: &[char], at: usize) -> bool {
        let is_word = |w: &[char]| {
            let w: String = w.iter().collect();
            self.known.contains(&w) || is_dictionary_word(&w)
        };
        let ends = (0..at).any(|start| is_word(&run[start..=at]));
        let starts = (at + 2..=run.len()).any(|end| is_word(&run[at + 1..end]));
        ends && starts
    }

    /// The sources' word that could have been meant by `typed`: read the same, as many kanji,
    /// at least one of them in the same place, and a word (see [`Readings::correct`]).
    fn same_reading(&self, typed: &[char]) -> Option<String> {
        let text: String = typed.iter().collect();
        self.exact
            .get(&reading_of(&text)?)
            .iter()
            .find(|w| {
                let w: Vec<char> = w.chars().collect();
                w.len() == typed.len() && w != typed && w.iter().zip(typed).any(|(a, b)| a == b)
            })
            .filter(|w| self.runs.contains(*w) || is_dictionary_word(w))
            .cloned()
    }

    /// The question, if written in romaji, with its hiragana and the sources' kanji words
    /// that read so (long vowels allowed to be left out: kosekitohon → こせきとほん → 戸籍謄本)
    /// appended. In a question otherwise in English, only a romaji word that reads exactly as
    /// one of the sources' words (kakuninsho → 確認書) is read: a resident quoting the name
    /// the counter gave them.
    pub fn romaji(&self, question: &str) -> Option<String> {
        let Some(kana) = crate::romaji::question_kana(question) else {
            return self.romaji_terms(question);
        };
        let mut out = format!("{question} {kana}");
        // Across the spaces: romaji splits words where kanji do not (ninshin todoke).
        let loose = crate::romaji::loose(&kana.replace(' ', ""));
        for w in self.loose.found_in(&loose) {
            out.push(' ');
            out.push_str(w);
        }
        Some(out)
    }

    /// Romaji words of an English question that read as a word of the sources.
    fn romaji_terms(&self, question: &str) -> Option<String> {
        let mut out = question.to_string();
        for kana in crate::romaji::term_kana(question) {
            let words = self.loose.get(&crate::romaji::loose(&kana));
            if !words.is_empty() {
                out.push(' ');
                out.push_str(&kana);
                for w in words {
                    out.push(' ');
                    out.push_str(w);
                }
            }
        }
        (out.len() > question.len()).then_some(out)
    }

    /// How many readings are known.
    pub fn len(&self) -> usize {
        self.exact.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.exact.words.is_empty()
    }

    /// The folded question with the kanji words of the readings in its kana appended.
    pub fn expand(&self, folded: &str) -> String {
        append_words(folded, self.exact.found_in(folded))
    }
}

/// The folded hiragana reading of a kanji word, if KAKASI reads it whole and it is long enough
/// to be told apart.
fn reading_of(word: &str) -> Option<String> {
    let reading = fold(&kakasi::convert(word).hiragana);
    (reading.chars().count() >= MIN_READING_CHARS && reading.chars().all(is_hiragana))
        .then_some(reading)
}

/// KAKASI reads `kanji` as one word of its dictionary (its romaji has no space inside; a
/// slip such as 婚因 is read kanji by kanji: "kon in").
fn is_dictionary_word(kanji: &str) -> bool {
    !kakasi::convert(kanji).romaji.trim().contains(' ')
}

fn kanji_pairs(run: &str) -> impl Iterator<Item = (char, char)> + '_ {
    run.chars().zip(run.chars().skip(1))
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
        /// Any text (kanji of every block, kana, 々, symbols) builds, expands and corrects
        /// without a panic; expanding only ever appends, correcting only replaces kanji.
        #[test]
        fn any_text_builds_and_expands(
            doc in "[\\u{3400}-\\u{4DBF}\\u{4E00}-\\u{9FFF}\\u{3041}-\\u{30FF}々ー a-z0-9]{0,40}",
            q in "[\\u{3041}-\\u{30FF}\\u{4E00}-\\u{9FFF} ]{0,20}",
        ) {
            let r = readings(&[doc.as_str()]);
            let f = fold(&q);
            proptest::prop_assert!(r.expand(&f).starts_with(f.as_str()));
            // A correction changes kanji only.
            let not_kanji = |t: &str| t.chars().filter(|&c| !is_kanji(c)).collect::<String>();
            if let Some(c) = r.correct(&q) {
                proptest::prop_assert_eq!(not_kanji(&c), not_kanji(&q));
            }
        }
    }

    #[test]
    fn kanji_the_input_method_chose_wrongly_are_corrected() {
        let r = readings(&[
            "婚姻届の証人は何人必要ですか。",
            "児童扶養手当の申請",
            "印鑑登録をしたい",
            "医療費の助成を受けたい",
        ]);
        assert_eq!(
            r.correct("婚因届 証人って何人いる？").as_deref(),
            Some("婚姻届 証人って何人いる？")
        );
        assert_eq!(
            r.correct("児童不要手当の面談").as_deref(),
            Some("児童扶養手当の面談")
        );
        assert_eq!(
            r.correct("印艦登録したい").as_deref(),
            Some("印鑑登録したい")
        );
    }

    #[test]
    fn words_spelt_right_or_unknown_are_kept() {
        let r = readings(&["婚姻届の証人は何人必要ですか。", "児童扶養手当の申請"]);
        // Written as the sources write it.
        assert_eq!(r.correct("婚姻届を出したい"), None);
        // Unknown to the knowledge base, but no word of it reads the same: left to the decision.
        assert_eq!(r.correct("町工場の省エネ補助"), None);
        // Real words are not slips, even when the sources have a homophone (廃車, 小学).
        let r = readings(&["廃車の手続き", "小学校の入学", "状況の確認"]);
        assert_eq!(r.correct("歯医者 休日"), None);
        assert_eq!(r.correct("奨学金の相談"), None);
        assert_eq!(r.correct("上京した"), None);
        // Two words side by side, not a slip, though 校入 reads like 購入.
        let r = readings(&["小学校の入学", "物品の購入"]);
        assert_eq!(r.correct("来年小学校入学"), None);
        assert_eq!(r.correct("ひらがなだけ"), None);
        assert_eq!(r.correct(""), None);
    }

    #[test]
    fn romaji_questions_get_kana_and_the_kanji_words_of_the_sources() {
        let r = readings(&["戸籍謄本の請求", "住民票の写し", "妊娠届を出したい"]);
        let q = r.romaji("kosekitohon sokujitsu moraeru?").expect("romaji");
        assert!(q.contains("こせきとほん") && q.contains("戸籍謄本"), "{q}");
        let q = r.romaji("juminhyo wa doko de toreru").expect("romaji");
        assert!(q.contains("住民票"), "{q}");
        let q = r.romaji("ninshin todoke netto de daseru?").expect("romaji");
        assert!(q.contains("妊娠届"), "{q}");
        // English with a romaji term: only the term is read.
        let q = r.romaji("Where can I get a juminhyo?").expect("a term");
        assert!(q.ends_with("住民票"), "{q}");
        assert_eq!(r.romaji("Where can I get a residence certificate?"), None);
        assert_eq!(r.romaji("住民票 ほしい"), None);
    }

    #[test]
    fn an_empty_knowledge_base_reads_nothing() {
        let r = readings(&[]);
        assert!(r.is_empty());
        assert_eq!(r.expand("じどうてあて"), "じどうてあて");
    }
}
