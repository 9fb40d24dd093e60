//! A question's content words, for the check "does the knowledge base mention what this
//! question is about at all" ([`crate::calibrate::Features::unknown_words`]).
//!
//! Words are runs of kanji (two or more) or katakana (three or more), folded
//! ([`crate::normalize::fold`]). Colloquial writing glues a verb's stem to the noun before it
//! (全額払った → 全額払, 保育園休み → 保育園休): such a run also counts as found when it is found
//! without its last character. Question words (何曜日 → 曜日) and everyday words that are never
//! what a municipal question is about (来月, 息子, 本当 …) are left out.

/// A content word of a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionWord {
    /// Folded text.
    pub text: String,
    /// A kanji run with kana after it: its last character may be a verb's stem.
    pub stem_ending: bool,
}

impl QuestionWord {
    /// Length in characters (the word's weight).
    pub fn len(&self) -> usize {
        self.text.chars().count()
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The word occurs in `haystack` (folded text), or, when it may end in a verb's stem, the
    /// word without that stem does (two characters at least).
    pub fn found_in(&self, haystack: &str) -> bool {
        if haystack.contains(self.text.as_str()) {
            return true;
        }
        if self.stem_ending && self.len() >= 3 {
            let mut chars = self.text.chars();
            chars.next_back();
            return haystack.contains(chars.as_str());
        }
        false
    }
}

/// Everyday words that are never the subject of a municipal question: time, people, degree.
/// A word here in a question is context ("来月 引っ越す", "息子の健診"), not what is asked about.
const EVERYDAY: &[&str] = &[
    "本当",
    "大変",
    "勝手",
    "全部",
    "普通",
    "結構",
    "一番",
    "大丈夫",
    "心配",
    "不安",
    "今度",
    "最近",
    "以前",
    "今日",
    "明日",
    "昨日",
    "今月",
    "来月",
    "先月",
    "今年",
    "来年",
    "去年",
    "昨年",
    "毎日",
    "毎晩",
    "毎月",
    "夜中",
    "平日",
    "週末",
    "息子",
    "相手",
    "友達",
    "友人",
    "祖母",
    "祖父",
    "両親",
    "家族",
    "元夫",
    "元妻",
    "隣人",
    "近所",
    "自分",
    "子供",
    "主人",
    "旦那",
    "彼氏",
    "彼女",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Kanji,
    Katakana,
    Other,
}

fn script(c: char) -> Script {
    match c {
        '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '々' => Script::Kanji,
        'ァ'..='ヶ' | 'ー' => Script::Katakana,
        _ => Script::Other,
    }
}

fn is_hiragana(c: char) -> bool {
    ('\u{3041}'..='\u{309F}').contains(&c)
}

/// The question's content words, in order.
pub fn question_words(question: &str) -> Vec<QuestionWord> {
    let nfkc: String = unicode_normalization::UnicodeNormalization::nfkc(question).collect();
    let chars: Vec<char> = nfkc.chars().collect();
    let mut words = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let kind = script(chars[start]);
        let mut end = start + 1;
        while end < chars.len() && script(chars[end]) == kind {
            end += 1;
        }
        let run = match kind {
            // 何曜日 → 曜日, 何持 → (nothing left that says what is asked about)
            Script::Kanji => chars[start..end]
                .iter()
                .skip_while(|&&c| c == '何')
                .collect::<String>(),
            Script::Katakana => chars[start..end].iter().collect(),
            Script::Other => String::new(),
        };
        let n = run.chars().count();
        let long_enough = match kind {
            Script::Kanji => n >= 2,
            Script::Katakana => n >= 3,
            Script::Other => false,
        };
        if long_enough && !EVERYDAY.contains(&run.as_str()) {
            let text = crate::normalize::fold(&run);
            if !text.is_empty() {
                words.push(QuestionWord {
                    text,
                    stem_ending: kind == Script::Kanji
                        && chars.get(end).is_some_and(|&c| is_hiragana(c)),
                });
            }
        }
        start = end;
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(q: &str) -> Vec<String> {
        question_words(q).into_iter().map(|w| w.text).collect()
    }

    #[test]
    fn kanji_and_katakana_runs_are_words() {
        assert_eq!(texts("ベビーシッター代の補助"), ["べびーしったー", "補助"]);
        assert_eq!(texts("車庫証明 どこ"), ["車庫証明"]);
        // One kanji or two katakana say too little to count.
        assert!(texts("猫の登録 エコ").len() == 1);
    }

    #[test]
    fn a_verb_stem_glued_to_a_noun_is_found_without_it() {
        let w = &question_words("全額払った")[0];
        assert_eq!(w.text, "全額払");
        assert!(w.stem_ending);
        assert!(w.found_in("医療費の全額を"));
        // Without kana after it, the run is a compound and must be found whole.
        let w = &question_words("全額払")[0];
        assert!(!w.found_in("医療費の全額を"));
    }

    #[test]
    fn question_and_everyday_words_are_left_out() {
        assert_eq!(texts("何曜日 来月 息子の健診"), ["曜日", "健診"]);
        assert!(texts("何持っていけばいい").is_empty());
    }
}
