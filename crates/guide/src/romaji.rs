//! Questions written in romaji (kosekitohon sokujitsu moraeru?): residents who speak Japanese
//! but cannot type kana, foreign residents above all. Such a question shares nothing with the
//! sources, not even a bigram. Its words are read as Hepburn or kunrei-shiki romaji and turned
//! into hiragana, which the kana readings ([`crate::readings`]) then take to the sources'
//! kanji words, with long vowels that romaji so often leaves out (tohon for とうほん) allowed.
//!
//! A question counts as romaji when none of its Latin words is a common English word and all
//! of them read as romaji, or most of them with a Japanese particle or question word among
//! them (no, wa, doko …). English questions go to the synonym table's English glossary; only a
//! romaji term quoted in one ([`term_kana`]) is read, when it is a word of the sources.

/// Japanese words that mark a romaji question (particles, copulas, question words).
const MARKERS: &[&str] = &[
    "no", "wa", "ga", "wo", "ni", "de", "he", "to", "mo", "ka", "desu", "masu", "doko", "itsu",
    "ikura", "nani", "nan", "dou", "dore", "dare", "aru", "arimasu", "dekiru", "dekimasu",
    "shitai", "hoshii", "kudasai", "onegai",
];

/// Common English words (which also read as romaji: "to", "no", "be", "me").
const ENGLISH: &[&str] = &[
    "the", "is", "are", "was", "i", "my", "me", "you", "your", "can", "could", "do", "does", "how",
    "what", "where", "when", "which", "who", "why", "for", "of", "in", "on", "at", "a", "an",
    "and", "or", "please", "need", "want", "get", "have", "has", "with", "about", "it", "this",
    "that", "be", "if", "there", "not", "ward", "office", "apply", "card",
];

/// The hiragana of a question written in romaji (its romaji words only, space-separated), or
/// `None` when it is not one.
pub fn question_kana(question: &str) -> Option<String> {
    let words = latin_words(question);
    if words.len() < 2 || words.iter().any(|w| ENGLISH.contains(&w.as_str())) {
        return None;
    }
    let kana: Vec<String> = words.iter().filter_map(|w| to_hiragana(w)).collect();
    // Every word reads as romaji, or most do (a name or an English loan may not) and one is a
    // Japanese particle or question word.
    let romaji = kana.len() == words.len()
        || (kana.len() * 4 >= words.len() * 3
            && words.iter().any(|w| MARKERS.contains(&w.as_str())));
    romaji.then(|| kana.join(" "))
}

/// The hiragana of each Latin word of the question that is no common English word and reads
/// as romaji (terms quoted in an English question: "… kakuninsho").
pub fn term_kana(question: &str) -> Vec<String> {
    latin_words(question)
        .iter()
        .filter(|w| !ENGLISH.contains(&w.as_str()))
        .filter_map(|w| to_hiragana(w))
        .collect()
}

/// The question's words in Latin letters, lower case (apostrophes and macrons kept).
fn latin_words(question: &str) -> Vec<String> {
    question
        .to_lowercase()
        .split(|c: char| {
            !c.is_ascii_alphabetic() && !matches!(c, '\'' | 'ā' | 'ī' | 'ū' | 'ē' | 'ō')
        })
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// One romaji word in hiragana, or `None` if it does not read as romaji.
pub fn to_hiragana(word: &str) -> Option<String> {
    let word: String = word
        .chars()
        .map(|c| match c {
            'ā' => "aa".to_string(),
            'ī' => "ii".to_string(),
            'ū' => "uu".to_string(),
            'ē' => "ee".to_string(),
            'ō' => "ou".to_string(),
            c => c.to_string(),
        })
        .collect();
    let b = word.as_bytes();
    if b.is_empty() || !b.iter().all(|&c| c.is_ascii_lowercase() || c == b'\'') {
        return None;
    }
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        // A doubled consonant (kk, tt, tch) is a small っ.
        if i + 1 < b.len()
            && !is_vowel(c)
            && c != b'n'
            && (b[i + 1] == c || (c == b't' && b[i + 1] == b'c'))
        {
            out.push('っ');
            i += 1;
            continue;
        }
        // ん: n before a consonant other than y, n' or n at the end; nn before a vowel.
        if c == b'n' {
            let next = b.get(i + 1).copied();
            match next {
                None => {
                    out.push('ん');
                    i += 1;
                    continue;
                }
                Some(b'\'') => {
                    out.push('ん');
                    i += 2;
                    continue;
                }
                Some(n) if !is_vowel(n) && n != b'y' => {
                    out.push('ん');
                    // "nn" is ん before a consonant or at the end; before a vowel or y the
                    // second n starts the next syllable (shinnyuu, konnichi).
                    i += if n == b'n' && !b.get(i + 2).is_some_and(|&v| is_vowel(v) || v == b'y') {
                        2
                    } else {
                        1
                    };
                    continue;
                }
                _ => {}
            }
        }
        let (kana, len) = (1..=3)
            .rev()
            .filter(|&len| i + len <= b.len())
            .find_map(|len| syllable(&word[i..i + len]).map(|k| (k, len)))?;
        out.push_str(kana);
        i += len;
    }
    Some(out)
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'i' | b'u' | b'e' | b'o')
}

/// A romaji syllable (Hepburn and kunrei-shiki) in hiragana.
fn syllable(s: &str) -> Option<&'static str> {
    Some(match s {
        "a" => "あ",
        "i" => "い",
        "u" => "う",
        "e" => "え",
        "o" => "お",
        "ka" => "か",
        "ki" => "き",
        "ku" => "く",
        "ke" => "け",
        "ko" => "こ",
        "ga" => "が",
        "gi" => "ぎ",
        "gu" => "ぐ",
        "ge" => "げ",
        "go" => "ご",
        "sa" => "さ",
        "shi" | "si" => "し",
        "su" => "す",
        "se" => "せ",
        "so" => "そ",
        "za" => "ざ",
        "ji" | "zi" => "じ",
        "zu" => "ず",
        "ze" => "ぜ",
        "zo" => "ぞ",
        "ta" => "た",
        "chi" | "ti" => "ち",
        "tsu" | "tu" => "つ",
        "te" => "て",
        "to" => "と",
        "da" => "だ",
        "di" => "ぢ",
        "du" => "づ",
        "de" => "で",
        "do" => "ど",
        "na" => "な",
        "ni" => "に",
        "nu" => "ぬ",
        "ne" => "ね",
        "no" => "の",
        "ha" => "は",
        "hi" => "ひ",
        "fu" | "hu" => "ふ",
        "he" => "へ",
        "ho" => "ほ",
        "ba" => "ば",
        "bi" => "び",
        "bu" => "ぶ",
        "be" => "べ",
        "bo" => "ぼ",
        "pa" => "ぱ",
        "pi" => "ぴ",
        "pu" => "ぷ",
        "pe" => "ぺ",
        "po" => "ぽ",
        "ma" => "ま",
        "mi" => "み",
        "mu" => "む",
        "me" => "め",
        "mo" => "も",
        "ya" => "や",
        "yu" => "ゆ",
        "yo" => "よ",
        "ra" => "ら",
        "ri" => "り",
        "ru" => "る",
        "re" => "れ",
        "ro" => "ろ",
        "wa" => "わ",
        "wo" => "を",
        "kya" => "きゃ",
        "kyu" => "きゅ",
        "kyo" => "きょ",
        "gya" => "ぎゃ",
        "gyu" => "ぎゅ",
        "gyo" => "ぎょ",
        "sha" | "sya" => "しゃ",
        "shu" | "syu" => "しゅ",
        "sho" | "syo" => "しょ",
        "she" => "しぇ",
        "ja" | "zya" | "jya" => "じゃ",
        "ju" | "zyu" | "jyu" => "じゅ",
        "jo" | "zyo" | "jyo" => "じょ",
        "je" => "じぇ",
        "cha" | "tya" => "ちゃ",
        "chu" | "tyu" => "ちゅ",
        "cho" | "tyo" => "ちょ",
        "che" => "ちぇ",
        "nya" => "にゃ",
        "nyu" => "にゅ",
        "nyo" => "にょ",
        "hya" => "ひゃ",
        "hyu" => "ひゅ",
        "hyo" => "ひょ",
        "bya" => "びゃ",
        "byu" => "びゅ",
        "byo" => "びょ",
        "pya" => "ぴゃ",
        "pyu" => "ぴゅ",
        "pyo" => "ぴょ",
        "mya" => "みゃ",
        "myu" => "みゅ",
        "myo" => "みょ",
        "rya" => "りゃ",
        "ryu" => "りゅ",
        "ryo" => "りょ",
        "fa" => "ふぁ",
        "fi" => "ふぃ",
        "fe" => "ふぇ",
        "fo" => "ふぉ",
        _ => return None,
    })
}

/// A reading with its long vowels taken out, as romaji often writes it (とうほん and とほん,
/// じゅうみんひょう and じゅみんひょ meet): う after an o- or u-row kana, and the second of two
/// equal vowels, are dropped.
pub fn loose(kana: &str) -> String {
    let mut out = String::with_capacity(kana.len());
    let mut prev: Option<char> = None;
    for c in kana.chars() {
        let drop = c == 'ー'
            || matches!(
                (prev.and_then(vowel_of), c),
                (Some('o' | 'u'), 'う')
                    | (Some('o'), 'お')
                    | (Some('a'), 'あ')
                    | (Some('i'), 'い')
                    | (Some('e'), 'え')
            );
        if !drop {
            out.push(c);
        }
        prev = Some(c);
    }
    out
}

/// The vowel a hiragana (or small ゃゅょ) ends in.
fn vowel_of(c: char) -> Option<char> {
    const ROWS: [(char, &str); 5] = [
        ('a', "あかがさざただなはばぱまやらわぁゃ"),
        ('i', "いきぎしじちぢにひびぴみりぃ"),
        ('u', "うくぐすずつづぬふぶぷむゆるぅゅ"),
        ('e', "えけげせぜてでねへべぺめれぇ"),
        ('o', "おこごそぞとどのほぼぽもよろをぉょ"),
    ];
    ROWS.iter()
        .find(|(_, row)| row.contains(c))
        .map(|(v, _)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hepburn_and_kunrei_read_as_hiragana() {
        assert_eq!(to_hiragana("kosekitohon").as_deref(), Some("こせきとほん"));
        assert_eq!(to_hiragana("juuminzei").as_deref(), Some("じゅうみんぜい"));
        assert_eq!(to_hiragana("zyuuminzei").as_deref(), Some("じゅうみんぜい"));
        assert_eq!(to_hiragana("ninshin").as_deref(), Some("にんしん"));
        assert_eq!(to_hiragana("kippu").as_deref(), Some("きっぷ"));
        assert_eq!(to_hiragana("matcha").as_deref(), Some("まっちゃ"));
        assert_eq!(to_hiragana("shinnyuu").as_deref(), Some("しんにゅう"));
        assert_eq!(to_hiragana("kon'in").as_deref(), Some("こんいん"));
        assert_eq!(to_hiragana("tōhon").as_deref(), Some("とうほん"));
        assert_eq!(to_hiragana("konbini").as_deref(), Some("こんびに"));
        // Not romaji.
        assert_eq!(to_hiragana("xyz"), None);
        assert_eq!(to_hiragana("street"), None);
    }

    #[test]
    fn only_romaji_questions_are_read() {
        assert_eq!(
            question_kana("kosekitohon sokujitsu moraeru?").as_deref(),
            Some("こせきとほん そくじつ もらえる")
        );
        assert_eq!(
            question_kana("sodai gomi no moushikomi houhou").as_deref(),
            Some("そだい ごみ の もうしこみ ほうほう")
        );
        // English, even with words that read as romaji.
        assert_eq!(
            question_kana("Do I need to apply for child allowance"),
            None
        );
        assert_eq!(question_kana("no parking here"), None);
        // One word is too little to tell.
        assert_eq!(question_kana("konbini"), None);
        assert_eq!(question_kana("住民票 no"), None);
    }

    #[test]
    fn long_vowels_are_loosened_on_both_sides() {
        assert_eq!(loose("こせきとうほん"), loose("こせきとほん"));
        assert_eq!(loose("じゅうみんひょう"), loose("じゅみんひょ"));
        assert_eq!(loose("おおさか"), "おさか");
        assert_eq!(loose("にんしん"), "にんしん");
    }

    proptest::proptest! {
        /// Any text reads without a panic; a word that reads as romaji gives hiragana only.
        #[test]
        fn any_text_reads_without_panic(q in "[a-zA-Zāō' ?]{0,40}") {
            let _ = question_kana(&q);
            for w in q.split(' ') {
                if let Some(k) = to_hiragana(&w.to_lowercase()) {
                    let hiragana = k.chars().all(|c| ('\u{3041}'..='\u{309F}').contains(&c));
                    proptest::prop_assert!(hiragana, "{}", k);
                }
            }
        }
    }
}
