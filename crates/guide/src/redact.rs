//! Personal-information redactor, applied to every question before it is stored or logged.
//!
//! Structured items are found by pattern and checked where a checksum exists: phone numbers,
//! postal codes, e-mail addresses, My Number (check digit, [`madoguchi_core::japanese::MyNumber`]),
//! card numbers (Luhn), dates of birth (western and 和暦, with a birth cue or an old era),
//! street addresses (丁目・番地・号, `町1-2-3`), and personal names after cues
//! (私は〜です, 〜と申します, 〜様, 氏名：〜, my name is …) or from a surname list.
//! Each is replaced by a typed placeholder (`<電話番号>`); no mapping back is kept.

use std::sync::LazyLock;

use madoguchi_core::japanese::MyNumber;
use regex::Regex;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    Email,
    MyNumber,
    CardNumber,
    Phone,
    PostalCode,
    BirthDate,
    Address,
    Name,
}

impl PiiKind {
    pub fn placeholder(self) -> &'static str {
        match self {
            Self::Email => "<メール>",
            Self::MyNumber => "<マイナンバー>",
            Self::CardNumber => "<カード番号>",
            Self::Phone => "<電話番号>",
            Self::PostalCode => "<郵便番号>",
            Self::BirthDate => "<生年月日>",
            Self::Address => "<住所>",
            Self::Name => "<氏名>",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::MyNumber => "my_number",
            Self::CardNumber => "card_number",
            Self::Phone => "phone",
            Self::PostalCode => "postal_code",
            Self::BirthDate => "birth_date",
            Self::Address => "address",
            Self::Name => "name",
        }
    }
}

/// The redacted text (NFKC-normalised) and the kinds found, in order of appearance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Redacted {
    pub text: String,
    pub found: Vec<PiiKind>,
}

impl Redacted {
    pub fn has(&self, kind: PiiKind) -> bool {
        self.found.contains(&kind)
    }
}

/// Common Japanese surnames (two characters or more; one-character surnames such as 林 or
/// 森 are words too often). Extend with [`Redactor::with_names`].
const SURNAMES: &[&str] = &[
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "渡部",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "山口",
    "松本",
    "井上",
    "木村",
    "清水",
    "山崎",
    "中島",
    "池田",
    "阿部",
    "橋本",
    "山下",
    "石川",
    "中野",
    "小川",
    "前田",
    "岡田",
    "長谷川",
    "藤田",
    "後藤",
    "近藤",
    "村上",
    "遠藤",
    "青木",
    "坂本",
    "斉藤",
    "斎藤",
    "福田",
    "太田",
    "西村",
    "藤井",
    "金子",
    "岡本",
    "藤原",
    "中川",
    "三浦",
    "原田",
    "松田",
    "竹内",
    "中山",
    "小野",
    "石井",
    "和田",
    "田村",
    "上田",
    "森田",
    "内田",
    "柴田",
    "酒井",
    "宮崎",
    "横山",
    "高木",
    "安藤",
    "宮本",
    "大野",
    "小島",
    "谷口",
    "今井",
    "工藤",
    "高田",
    "増田",
    "丸山",
    "杉山",
    "村田",
    "大塚",
    "新井",
    "小山",
    "平野",
    "藤本",
    "河野",
    "上野",
    "野口",
    "武田",
    "松井",
    "千葉",
    "岩崎",
    "菅原",
    "木下",
    "久保",
    "佐野",
    "野村",
    "松尾",
    "市川",
    "菊地",
    "菊池",
    "杉本",
    "古川",
    "大西",
    "島田",
    "水野",
    "桜井",
    "高野",
    "渡邉",
    "渡邊",
    "吉川",
    "山内",
    "西田",
    "飯田",
    "菅野",
    "中田",
    "服部",
    "樋口",
    "福島",
    "川口",
    "永井",
    "松岡",
    "田口",
    "山中",
    "森本",
    "土屋",
    "矢野",
    "広瀬",
    "石田",
    "本田",
    "小松",
    "沢田",
    "辻",
    "星野",
    "岩田",
    "大橋",
    "荒木",
    "早川",
    "安田",
    "小池",
    "松浦",
    "宮田",
    "岡崎",
    "内藤",
    "堀",
    "桑原",
    "中西",
    "川村",
    "浅野",
    "大久保",
    "北村",
    "松下",
    "関",
    "馬場",
    "須藤",
    "片山",
    "平田",
    "大石",
    "野田",
    "吉村",
    "吉井",
    "小澤",
    "小沢",
    "川上",
    "大川",
    "望月",
    "秋山",
    "栗原",
    "熊谷",
    "西川",
    "三上",
    "東",
    "黒田",
    "川崎",
    "堀内",
    "奥村",
    "大谷",
    "松村",
    "平井",
    "榎本",
    "鈴村",
    "石原",
    "芦田",
    "宮下",
    "小田",
    "岩本",
    "田辺",
    "松永",
    "大島",
    "北川",
    "中尾",
    "鎌田",
    "荒井",
    "大竹",
    "手塚",
    "宇野",
    "坂口",
    "坂井",
    "篠原",
    "西山",
    "吉岡",
    "中谷",
    "三宅",
    "横田",
    "岡",
    "大塚",
    "根本",
];

/// Words that look like a name before さん/様 but are not one.
const NOT_NAMES: &[&str] = &[
    "皆",
    "みな",
    "お客",
    "お子",
    "子供",
    "子ども",
    "お母",
    "お父",
    "奥",
    "旦那",
    "大家",
    "管理人",
    "お医者",
    "医者",
    "先生",
    "職員",
    "担当",
    "担当者",
    "業者",
    "隣",
    "お隣",
    "近所",
    "家族",
    "ご家族",
    "娘",
    "息子",
    "孫",
    "親御",
    "患者",
    "利用者",
    "申請者",
    "区民",
    "市民",
    "住民",
    "どなた",
    "誰",
    "ご本人",
    "本人",
    "神",
    "仏",
    "おばあ",
    "おじい",
    "お姉",
    "お兄",
    "妊婦",
    "赤ちゃん",
    "皆さま",
    "お客さま",
    "みなさま",
];

fn re(s: &str) -> Regex {
    Regex::new(s).unwrap_or_else(|e| panic!("bad built-in regex {s}: {e}"))
}

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| re(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"));
/// Digit groups: 12 digits (My Number) or 13–19 (cards), spaces or hyphens between.
static LONG_NUMBER: LazyLock<Regex> = LazyLock::new(|| re(r"\d(?:[ \-]?\d){11,18}"));
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:\+81[ \-]?\(?0?\)?[ \-]?\d{1,4}[ \-]?\d{1,4}[ \-]?\d{3,4})|(?:\(?0\d{1,4}\)?[ \-]?\(?\d{1,4}\)?[ \-]?\d{3,4})|(?:0\d{9,10})",
    )
});
static POSTAL: LazyLock<Regex> = LazyLock::new(|| re(r"(?:〒\s?\d{3}[\-]?\d{4})|(?:\d{3}-\d{4})"));
static POSTAL_BARE: LazyLock<Regex> = LazyLock::new(|| re(r"郵便番号(?:は|:)?\s?(\d{7})"));
static DATE_WESTERN: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?:19|20)\d{2}\s?(?:年\s?\d{1,2}\s?月\s?\d{1,2}\s?日?|[/.\-]\d{1,2}[/.\-]\d{1,2})")
});
static DATE_WAREKI: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:明治|大正|昭和|平成|令和|[MTSHRmtshr])\s?(?:元|\d{1,2})\s?(?:年\s?\d{1,2}\s?月\s?\d{1,2}\s?日?|[/.\-]\d{1,2}[/.\-]\d{1,2})",
    )
});
static BIRTH_CUE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)生年月日|誕生日|生まれ|\d生|born|birth|dob"));
const NUM: &str = r"(?:\d{1,4}|[一二三四五六七八九十]{1,3})";
static ADDRESS_BLOCK: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?:{NUM}丁目\s?{NUM}(?:番地?|[\-ー－の])\s?(?:{NUM}号?)?|{NUM}番地\s?(?:{NUM}号?)?|{NUM}番\s?{NUM}号|\d{{1,4}}[\-ー－]\d{{1,4}}(?:[\-ー－]\d{{1,4}})?)(?:\s?[^\s、。,]{{0,12}}?\d{{1,4}}号室)?"
    ))
});
static NAME_CUES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    let n = r"([一-龥々ァ-ヶーぁ-ん]{2,8}?(?:\s[一-龥々ァ-ヶーぁ-ん]{1,5})?)";
    vec![
        re(&format!(
            r"(?:私|わたし|僕|ぼく|俺|わたくし)(?:は|の名前は)\s?{n}(?:です|と申します|といいます|と言います|だ)"
        )),
        re(&format!(r"{n}と申します")),
        re(&format!(
            r"(?:氏名|名前|お名前|申請者)\s?(?::|は|：)\s?{n}(?:です|$|\s|、|。)"
        )),
        re(r"(?i)(?:my name is|i am|i'm|this is)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)"),
        re(r"(?:^|\s-\s?|—\s?)([A-Z][a-z]+\s+[A-Z][a-z]+)\s*$"),
    ]
});
static NAME_HONORIFIC: LazyLock<Regex> = LazyLock::new(|| {
    re(r"([一-龥々ァ-ヶー]{2,6}|[一-龥々]{1,4}[ぁ-ん]{1,3})(?:\s)?(?:様|さま|さん|殿|氏)")
});

/// The redactor. [`Redactor::default`] uses the built-in surname list; public numbers of the
/// municipality (its own phone numbers) can be allow-listed.
#[derive(Debug, Clone)]
pub struct Redactor {
    surnames: Vec<String>,
    allow: Vec<String>,
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor {
            surnames: SURNAMES.iter().map(|s| s.to_string()).collect(),
            allow: Vec::new(),
        }
    }
}

fn nfkc(s: &str) -> String {
    s.nfkc().collect()
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

fn luhn(d: &str) -> bool {
    let mut sum = 0;
    for (i, c) in d.bytes().rev().enumerate() {
        let mut v = u32::from(c - b'0');
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum % 10 == 0
}

/// No ASCII digit (or digit-joining character) right before `start` or after `end`.
fn digit_bounded(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
}

fn window(text: &str, start: usize, end: usize, chars: usize) -> String {
    let before: String = text[..start]
        .chars()
        .rev()
        .take(chars)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let after: String = text[end..].chars().take(chars).collect();
    format!("{before} {after}")
}

fn is_place_char(c: char) -> bool {
    matches!(c, '一'..='龥' | '々' | 'ァ'..='ヶ' | 'ー')
}

impl Redactor {
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Adds names (surnames or full names) to look for without a cue.
    pub fn with_names(mut self, names: impl IntoIterator<Item = String>) -> Redactor {
        self.surnames.extend(
            names
                .into_iter()
                .map(|n| nfkc(n.trim()))
                .filter(|n| n.chars().count() >= 2),
        );
        self
    }

    /// Strings never redacted (the municipality's public phone numbers, its own postcode).
    pub fn with_allowlist(mut self, allowed: impl IntoIterator<Item = String>) -> Redactor {
        self.allow.extend(
            allowed
                .into_iter()
                .map(|a| digits(&nfkc(&a)))
                .filter(|a| !a.is_empty()),
        );
        self
    }

    fn allowed(&self, span: &str) -> bool {
        let d = digits(span);
        !d.is_empty() && self.allow.contains(&d)
    }

    /// Finds the spans (byte ranges in the NFKC text) and kinds.
    pub fn find(&self, nfkc_text: &str) -> Vec<(usize, usize, PiiKind)> {
        let t = nfkc_text;
        let mut spans: Vec<(usize, usize, PiiKind)> = Vec::new();
        let free = |spans: &Vec<(usize, usize, PiiKind)>, s: usize, e: usize| {
            spans.iter().all(|(a, b, _)| e <= *a || s >= *b)
        };
        for m in EMAIL.find_iter(t) {
            spans.push((m.start(), m.end(), PiiKind::Email));
        }
        for m in LONG_NUMBER.find_iter(t) {
            let (s, e) = (m.start(), m.end());
            if !digit_bounded(t, s, e)
                || !free(&spans, s, e)
                || self.allowed(m.as_str())
                || t[..s].ends_with('+')
            {
                continue;
            }
            let d = digits(m.as_str());
            let ctx = window(t, s, e, 12).to_lowercase();
            let my_ctx = ctx.contains("マイナンバー")
                || ctx.contains("個人番号")
                || ctx.contains("my number")
                || ctx.contains("mynumber");
            let card_ctx = ctx.contains("カード番号")
                || ctx.contains("クレジット")
                || ctx.contains("card")
                || ctx.contains("口座");
            if d.len() == 12 && (MyNumber::parse(&d).is_ok() || my_ctx) && !card_ctx {
                spans.push((s, e, PiiKind::MyNumber));
            } else if ((13..=19).contains(&d.len()) && (luhn(&d) || card_ctx))
                || (d.len() == 12 && card_ctx)
            {
                spans.push((s, e, PiiKind::CardNumber));
            }
        }
        for m in POSTAL.find_iter(t) {
            let (s, e) = (m.start(), m.end());
            let hyphen_tail = t[e..].starts_with('-')
                && t[e..].chars().nth(1).is_some_and(|c| c.is_ascii_digit());
            if digit_bounded(t, s, e)
                && !hyphen_tail
                && free(&spans, s, e)
                && !self.allowed(m.as_str())
            {
                // 03-1234 followed by -5678 is a phone number, handled below.
                let before = t[..s].chars().next_back();
                if before == Some('-') {
                    continue;
                }
                spans.push((s, e, PiiKind::PostalCode));
            }
        }
        for c in POSTAL_BARE.captures_iter(t) {
            if let Some(m) = c.get(1)
                && digit_bounded(t, m.start(), m.end())
                && free(&spans, m.start(), m.end())
            {
                spans.push((m.start(), m.end(), PiiKind::PostalCode));
            }
        }
        for m in PHONE.find_iter(t) {
            let (s, e) = (m.start(), m.end());
            let d = digits(m.as_str());
            let ok_len = if d.starts_with("81") && m.as_str().starts_with('+') {
                (11..=13).contains(&d.len())
            } else {
                (10..=11).contains(&d.len())
            };
            if ok_len && digit_bounded(t, s, e) && free(&spans, s, e) && !self.allowed(m.as_str()) {
                spans.push((s, e, PiiKind::Phone));
            }
        }
        for (re, is_wareki) in [(&*DATE_WESTERN, false), (&*DATE_WAREKI, true)] {
            for m in re.find_iter(t) {
                let (s, e) = (m.start(), m.end());
                if !free(&spans, s, e) {
                    continue;
                }
                let ctx = window(t, s, e, 10);
                let old = if is_wareki {
                    let first = m.as_str().chars().next().unwrap_or(' ');
                    matches!(
                        first,
                        '明' | '大' | '昭' | 'M' | 'T' | 'S' | 'm' | 't' | 's'
                    ) || first.is_ascii_alphabetic()
                } else {
                    m.as_str()
                        .get(..4)
                        .and_then(|y| y.parse::<u32>().ok())
                        .is_some_and(|y| y < 2000)
                };
                if old || BIRTH_CUE.is_match(&ctx) {
                    spans.push((s, e, PiiKind::BirthDate));
                }
            }
        }
        for m in ADDRESS_BLOCK.find_iter(t) {
            let (mut s, e) = (m.start(), m.end());
            if !digit_bounded(t, s, e) || !free(&spans, s, e) {
                continue;
            }
            // Extend back over the place name (kanji / katakana), e.g. 桜ヶ丘区本町.
            let place_len: usize = t[..s]
                .chars()
                .rev()
                .take_while(|c| is_place_char(*c))
                .take(20)
                .map(char::len_utf8)
                .sum();
            let block = m.as_str();
            let strong = block.contains('丁') || block.contains('番') || block.contains('号');
            if place_len == 0 && !strong {
                continue;
            }
            let place = &t[s - place_len..s];
            // `1-2` after a plain word is not an address unless the word names a place.
            let placey = place.ends_with('町')
                || place.ends_with('丁')
                || place.ends_with('区')
                || place.ends_with('市')
                || place.ends_with('村')
                || place.ends_with('条')
                || place.chars().count() >= 2;
            if !strong && (!placey || block.matches(['-', 'ー', '－']).count() < 1) {
                continue;
            }
            if !strong && block.chars().filter(|c| c.is_ascii_digit()).count() < 2 {
                continue;
            }
            s -= place_len;
            if free(&spans, s, e) {
                spans.push((s, e, PiiKind::Address));
            }
        }
        for re in NAME_CUES.iter() {
            for c in re.captures_iter(t) {
                if let Some(m) = c.get(1) {
                    let name = m.as_str().trim();
                    if !NOT_NAMES.iter().any(|n| name == *n || name.starts_with(n))
                        && free(&spans, m.start(), m.end())
                    {
                        spans.push((
                            m.start(),
                            m.start() + m.as_str().trim_end().len(),
                            PiiKind::Name,
                        ));
                    }
                }
            }
        }
        for c in NAME_HONORIFIC.captures_iter(t) {
            if let Some(m) = c.get(1) {
                // Keep only the name: drop leading particles and words before it.
                let name = m.as_str();
                let start = name
                    .char_indices()
                    .find(|(i, _)| {
                        self.surnames
                            .iter()
                            .any(|sn| name[*i..].starts_with(sn.as_str()))
                    })
                    .map(|(i, _)| i);
                let (s, text) = match start {
                    Some(i) => (m.start() + i, &name[i..]),
                    None => (m.start(), name),
                };
                if NOT_NAMES.iter().any(|n| text == *n || text.ends_with(n)) {
                    continue;
                }
                if free(&spans, s, m.end()) {
                    spans.push((s, m.end(), PiiKind::Name));
                }
            }
        }
        for sn in &self.surnames {
            let mut from = 0;
            while let Some(p) = t[from..].find(sn.as_str()) {
                let s = from + p;
                let mut e = s + sn.len();
                from = e;
                // Not inside a longer kanji word (中野区, 石川県, 山口さんち is still a name).
                let before = t[..s].chars().next_back();
                if before.is_some_and(|c| matches!(c, '一'..='龥' | '々')) {
                    continue;
                }
                let after: Vec<char> = t[e..].chars().take(4).collect();
                if after.first().is_some_and(|c| {
                    matches!(
                        c,
                        '県' | '市'
                            | '区'
                            | '町'
                            | '村'
                            | '駅'
                            | '線'
                            | '通'
                            | '川'
                            | '橋'
                            | '公'
                            | '小'
                            | '中'
                            | '高'
                            | '病'
                            | '銀'
                            | '屋'
                            | '店'
                    )
                }) {
                    continue;
                }
                // A given name follows: 1–3 kanji, or 2–4 kana, then a particle or the end.
                let given: usize = {
                    let kanji = after
                        .iter()
                        .take_while(|c| matches!(c, '一'..='龥' | '々'))
                        .count()
                        .min(3);
                    if kanji > 0 {
                        kanji
                    } else {
                        let kana = after
                            .iter()
                            .take_while(|c| matches!(c, 'ぁ'..='ゖ' | 'ァ'..='ヶ' | 'ー'))
                            .count();
                        if (2..=4).contains(&kana)
                            && !after[..kana].iter().collect::<String>().starts_with('の')
                        {
                            kana
                        } else {
                            0
                        }
                    }
                };
                let followed_by_cue = t[e..]
                    .trim_start()
                    .starts_with(['さ', '様', '氏', 'く', 'ち', 'で', 'と']);
                if given == 0 && !followed_by_cue {
                    continue;
                }
                e += after[..given].iter().map(|c| c.len_utf8()).sum::<usize>();
                // A kana "given name" that is really a particle + verb (山田です) stays.
                if free(&spans, s, e) {
                    spans.push((s, e, PiiKind::Name));
                }
            }
        }
        spans.sort_by_key(|(s, _, _)| *s);
        spans
    }

    /// Replaces every item found by its placeholder.
    pub fn redact(&self, text: &str) -> Redacted {
        let t = nfkc(text);
        let spans = self.find(&t);
        let mut out = String::with_capacity(t.len());
        let mut last = 0;
        let mut found = Vec::new();
        for (s, e, kind) in spans {
            if s < last {
                continue;
            }
            out.push_str(&t[last..s]);
            out.push_str(kind.placeholder());
            found.push(kind);
            last = e;
        }
        out.push_str(&t[last..]);
        Redacted { text: out, found }
    }
}

/// [`Redactor::default`] applied to `text`.
pub fn redact(text: &str) -> Redacted {
    static DEFAULT: LazyLock<Redactor> = LazyLock::new(Redactor::default);
    DEFAULT.redact(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn kinds(s: &str) -> Vec<PiiKind> {
        redact(s).found
    }

    #[test]
    fn structured_items() {
        assert_eq!(kinds("電話は090-1234-5678です"), vec![PiiKind::Phone]);
        assert_eq!(kinds("03(1234)5678"), vec![PiiKind::Phone]);
        assert_eq!(kinds("〒150-0001"), vec![PiiKind::PostalCode]);
        assert_eq!(
            kinds("mail: taro.yamada@example.co.jp"),
            vec![PiiKind::Email]
        );
        assert_eq!(kinds("マイナンバーは123456789018"), vec![PiiKind::MyNumber]);
        assert_eq!(kinds("4111 1111 1111 1111"), vec![PiiKind::CardNumber]);
        assert_eq!(kinds("昭和55年3月2日生まれ"), vec![PiiKind::BirthDate]);
        assert_eq!(kinds("生年月日 1990/01/02"), vec![PiiKind::BirthDate]);
        assert_eq!(redact("０９０－１２３４－５６７８").text, "<電話番号>");
    }

    #[test]
    fn addresses_and_names() {
        assert_eq!(
            redact("住所は桜ヶ丘区本町1-2-3です").text,
            "住所は<住所>です"
        );
        assert_eq!(kinds("東町三丁目4番1号"), vec![PiiKind::Address]);
        assert_eq!(redact("私は山田太郎です").text, "私は<氏名>です");
        assert_eq!(redact("鈴木と申します").text, "<氏名>と申します");
        assert_eq!(kinds("氏名：高橋 花子"), vec![PiiKind::Name]);
        assert_eq!(kinds("佐藤ゆいの結果"), vec![PiiKind::Name]);
        assert_eq!(kinds("My name is John Smith"), vec![PiiKind::Name]);
    }

    #[test]
    fn leaves_ordinary_questions_alone() {
        for q in [
            "住民票の写しはどこで取れますか",
            "粗大ごみは1点400円ですか",
            "2026年4月1日から変わりますか",
            "中野区から引っ越してきました",
            "お子さんの予防接種",
            "皆様のご協力をお願いします",
            "保育園の申込みは10月1日から",
            "3歳児健診はいつですか",
            "手数料は1通300円",
        ] {
            assert_eq!(kinds(q), vec![], "{q}");
        }
    }

    #[test]
    fn allowlist_keeps_public_numbers() {
        let r = Redactor::default().with_allowlist(["03-5555-1101".to_string()]);
        assert!(r.redact("戸籍住民課 03-5555-1101").found.is_empty());
        assert_eq!(
            r.redact("私の電話 03-5555-9999").found,
            vec![PiiKind::Phone]
        );
    }

    proptest! {
        #[test]
        fn any_mobile_number_is_found(a in 0u32..10_000, b in 0u32..10_000, p in prop::sample::select(vec!["090", "080", "070"])) {
            let s = format!("連絡先は{p}-{a:04}-{b:04}です");
            let r = redact(&s);
            prop_assert!(r.has(PiiKind::Phone));
            let tail = format!("{b:04}");
            prop_assert!(!r.text.contains(&tail));
        }

        #[test]
        fn valid_my_numbers_are_found(n in 0u64..100_000_000_000) {
            let first = format!("{n:011}");
            let cd = madoguchi_core::japanese::my_number::check_digit(first.as_bytes());
            let s = format!("番号{first}{cd}です");
            prop_assert!(redact(&s).has(PiiKind::MyNumber));
        }

        #[test]
        fn redaction_is_idempotent(s in "[あ-ん一-龥0-9a-z@.\\- ]{0,40}") {
            let once = redact(&s);
            prop_assert_eq!(redact(&once.text).text, once.text);
        }
    }
}
