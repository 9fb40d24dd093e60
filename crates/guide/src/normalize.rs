//! Japanese normalisation for matching: width (NFKC), case, kana, 送り仮名 variants and a
//! municipal synonym table that staff can extend.
//!
//! [`fold`] turns any text into its matching form: NFKC, lower case, katakana → hiragana,
//! punctuation → space, and the orthographic variants of common administrative words folded
//! to one spelling (引っ越し/引越し/引越 → 引越, 申し込み/申込み → 申込, ゴミ → ごみ).
//! [`Synonyms::expand`] then appends the official word for every resident word it finds
//! (マイナカード → マイナンバーカード, 国保 → 国民健康保険, garbage → ごみ), so both the resident's
//! and the official wording can match. Documents and questions go through the same two steps.

use unicode_normalization::UnicodeNormalization;

/// Orthographic variants folded to one spelling, written in folded form (hiragana, NFKC).
/// Longest first is not needed: every entry is applied in order, and the replacements never
/// re-create an earlier pattern.
const VARIANTS: &[(&str, &str)] = &[
    // 送り仮名
    ("引っ越し", "引越"),
    ("引っ越", "引越"),
    ("引越し", "引越"),
    ("ひっこし", "引越"),
    ("申し込み", "申込"),
    ("申し込", "申込"),
    ("申込み", "申込"),
    ("もうしこみ", "申込"),
    ("手続き", "手続"),
    ("てつづき", "手続"),
    ("取り扱い", "取扱"),
    ("取扱い", "取扱"),
    ("受け付け", "受付"),
    ("受付け", "受付"),
    ("受け取り", "受取"),
    ("受取り", "受取"),
    ("受け取", "受取"),
    ("振り込み", "振込"),
    ("振込み", "振込"),
    ("振り込", "振込"),
    ("払い戻し", "払戻"),
    ("払戻し", "払戻"),
    ("届け出", "届出"),
    ("届け", "届"),
    ("切り替え", "切替"),
    ("切替え", "切替"),
    ("書き換え", "書換"),
    ("書換え", "書換"),
    ("問い合わせ", "問合せ"),
    ("問合わせ", "問合せ"),
    ("問い合せ", "問合せ"),
    ("申し立て", "申立"),
    ("立ち会い", "立会"),
    ("貸し出し", "貸出"),
    ("貸出し", "貸出"),
    ("持ち込み", "持込"),
    ("持込み", "持込"),
    ("差し押さえ", "差押"),
    ("差押え", "差押"),
    ("割り引き", "割引"),
    ("見積もり", "見積"),
    ("見積り", "見積"),
    ("預かり", "預"),
    ("お知らせ", "知らせ"),
    // 表記ゆれ (kanji / kana)
    ("子供", "子ども"),
    ("こども", "子ども"),
    ("障がい", "障害"),
    ("障碍", "障害"),
    ("芥", "ごみ"),
    ("ハンコ", "印鑑"),
    ("はんこ", "印鑑"),
    ("判子", "印鑑"),
    ("いくら", "金額"),
    ("何円", "金額"),
    ("ケ月", "か月"),
    ("ヶ月", "か月"),
    ("け月", "か月"),
    ("カ月", "か月"),
    ("箇月", "か月"),
];

/// Built-in synonyms: what residents say → the official word (both in ordinary spelling; they
/// are folded when a [`Synonyms`] is built). General municipal vocabulary, not tied to one
/// city's FAQ. Staff add their own with [`Synonyms::with_extra`].
pub const BUILTIN_SYNONYMS: &[(&str, &str)] = &[
    // マイナンバー
    ("マイナカード", "マイナンバーカード"),
    ("マイナ", "マイナンバーカード"),
    ("個人番号カード", "マイナンバーカード"),
    ("個人番号", "マイナンバー"),
    ("マイナ保険証", "マイナンバーカード 健康保険証"),
    // 証明書
    ("住民票", "住民票の写し"),
    ("印鑑証明", "印鑑登録証明書"),
    ("印鑑", "印鑑登録"),
    ("戸籍謄本", "戸籍全部事項証明書"),
    ("戸籍抄本", "戸籍個人事項証明書"),
    ("課税証明", "課税証明書 所得"),
    ("非課税証明", "課税証明書"),
    ("所得証明", "課税証明書 所得"),
    ("収入証明", "課税証明書 所得"),
    ("納税証明", "納税証明書"),
    ("コンビニ", "コンビニ交付"),
    // 保険・年金・税
    ("国保", "国民健康保険"),
    ("健康保険", "国民健康保険"),
    ("後期高齢", "後期高齢者医療"),
    ("年金", "国民年金"),
    ("住民税", "区民税 住民税"),
    ("市民税", "住民税"),
    ("区民税", "住民税"),
    ("軽自動車税", "軽自動車税"),
    ("医療費", "医療費 自己負担"),
    // 子育て
    ("保育所", "保育園"),
    ("保活", "保育園 入園 申込"),
    ("入園", "保育園 入園"),
    ("学童", "学童クラブ"),
    ("児手", "児童手当"),
    ("赤ちゃん", "出生 乳児"),
    ("妊娠", "妊娠届 母子健康手帳"),
    ("母子手帳", "母子健康手帳"),
    ("健診", "健康診査"),
    ("検診", "健康診査 がん検診"),
    // 住まい・交通
    ("原付", "原動機付自転車"),
    ("原チャ", "原動機付自転車"),
    ("スクーター", "原動機付自転車"),
    ("バイク", "原動機付自転車 軽自動車"),
    ("チャリ", "自転車"),
    ("放置自転車", "自転車 撤去"),
    ("区営住宅", "区営住宅"),
    ("公営住宅", "区営住宅"),
    ("引越", "転入 転出 転居"),
    ("転勤", "転出"),
    ("海外", "国外転出"),
    // ごみ
    ("粗大", "粗大ごみ"),
    ("ごみ", "ごみ 収集"),
    ("捨て", "ごみ 出し方"),
    ("処分", "ごみ 出し方"),
    ("家電", "家電リサイクル"),
    // 福祉・介護・健康
    ("介護認定", "要介護認定"),
    ("ヘルパー", "介護サービス"),
    ("デイサービス", "介護サービス"),
    ("老人ホーム", "介護施設"),
    ("生活保護", "生活保護"),
    ("お金がない", "生活困窮 生活保護"),
    ("障害者手帳", "身体障害者手帳"),
    ("予防注射", "予防接種"),
    ("ワクチン", "予防接種"),
    // 役所
    ("役所", "区役所"),
    ("市役所", "区役所"),
    ("窓口", "窓口 受付時間"),
    ("開いて", "開庁時間"),
    ("何時まで", "開庁時間 受付時間"),
    ("土日", "休日開庁 土曜 日曜"),
    ("土曜", "休日開庁"),
    ("日曜", "休日開庁"),
    ("避難所", "避難所 避難場所"),
    ("ひなんじょ", "避難所"),
    ("選挙", "投票"),
    ("期日前", "期日前投票"),
    ("タダ", "無料"),
    ("ただで", "無料"),
    ("無償", "無料"),
    ("補助", "助成"),
    ("補助金", "助成"),
    ("給付金", "給付 支給"),
    ("お祝い金", "給付 支給"),
    ("もらえる", "支給 交付 助成"),
    ("なくした", "紛失"),
    ("失くした", "紛失"),
    ("無くした", "紛失"),
    ("落とした", "紛失"),
    ("再発行", "再交付"),
    ("期限切れ", "有効期限 更新"),
    ("いつまで", "期限"),
    ("どこで", "窓口 場所"),
    ("オンライン", "電子申請"),
    ("ネット", "電子申請"),
    ("インターネット", "電子申請"),
    ("スマホ", "スマートフォン 電子申請"),
    // English → Japanese (residents who write in English)
    ("garbage", "ごみ"),
    ("trash", "ごみ"),
    ("rubbish", "ごみ"),
    ("recycling", "資源 リサイクル"),
    ("sofa", "粗大ごみ"),
    ("furniture", "粗大ごみ 家具"),
    ("bulky", "粗大ごみ"),
    ("collection", "収集"),
    ("residence certificate", "住民票の写し"),
    ("residence record", "住民票の写し"),
    ("resident record", "住民票の写し"),
    ("certificate", "証明書"),
    ("my number", "マイナンバーカード"),
    ("mynumber", "マイナンバーカード"),
    ("ward office", "区役所"),
    ("city hall", "区役所"),
    ("office hours", "開庁時間"),
    ("open", "開庁時間"),
    ("close", "開庁時間"),
    ("weekend", "休日開庁 土曜 日曜"),
    ("sunday", "日曜 休日"),
    ("saturday", "土曜 休日"),
    ("holiday", "休日"),
    ("national health insurance", "国民健康保険"),
    ("health insurance", "国民健康保険"),
    ("insurance", "保険"),
    ("pension", "国民年金"),
    ("child allowance", "児童手当"),
    ("allowance", "手当"),
    ("daycare", "保育園"),
    ("nursery", "保育園"),
    ("hoikuen", "保育園"),
    ("kindergarten", "幼稚園"),
    ("school", "学校"),
    ("tax", "税"),
    ("resident tax", "住民税"),
    ("income", "所得 収入"),
    ("credit card", "クレジットカード"),
    ("pay", "納付 支払"),
    ("hanko", "印鑑登録"),
    ("seal", "印鑑登録"),
    ("dog", "犬"),
    ("cat", "猫"),
    ("pet", "ペット"),
    ("evacuation", "避難"),
    ("shelter", "避難所"),
    ("disaster", "災害 防災"),
    ("earthquake", "地震"),
    ("move", "転入 転居 引越"),
    ("moved", "転入 転居 引越"),
    ("moving", "引越"),
    ("address", "住所"),
    ("register", "届出 登録"),
    ("birth", "出生"),
    ("baby", "出生 乳児"),
    ("pregnant", "妊娠"),
    ("marriage", "婚姻"),
    ("divorce", "離婚"),
    ("death", "死亡"),
    ("died", "死亡"),
    ("nursing care", "介護 要介護認定"),
    ("care", "介護"),
    ("elderly", "高齢者"),
    ("disability", "障害"),
    ("doctor", "医療機関 診療"),
    ("hospital", "医療機関 病院"),
    ("clinic", "医療機関 診療所"),
    ("vaccination", "予防接種"),
    ("vaccine", "予防接種"),
    ("checkup", "健康診査"),
    ("bicycle", "自転車"),
    ("bike", "自転車"),
    ("parking", "駐車場"),
    ("car", "自動車"),
    ("library", "図書館"),
    ("park", "公園"),
    ("convenience store", "コンビニ交付"),
    ("foreigner", "外国人"),
    ("foreign", "外国人"),
    ("english", "英語 外国語"),
    ("japanese", "日本語"),
    ("consultation", "相談"),
    ("visa", "在留"),
    ("residence card", "在留カード"),
    ("job", "仕事 就労"),
    ("quit", "退職"),
    ("student", "学生"),
    ("money", "生活困窮"),
    ("rent", "家賃 住居"),
    ("food", "食料 生活困窮"),
    ("lost", "紛失"),
    ("lose", "紛失"),
    ("renew", "更新"),
    ("apply", "申請 申込"),
    ("application", "申請"),
    ("free", "無料"),
    ("fee", "手数料"),
    ("cost", "手数料 費用"),
];

/// Everyday Japanese → the official words of municipal FAQs (お店を開きたい → 起業 開業),
/// `resident word<TAB>official words`, `#` comments.
const COLLOQUIAL_TABLE: &str = include_str!("../data/synonyms-ja.tsv");

/// English → Japanese official words, for residents who write in English; same format.
const ENGLISH_GLOSSARY: &str = include_str!("../data/glossary-en.tsv");

/// The pairs of a `word<TAB>words` table; blank lines and `#` comments skipped.
pub fn parse_table(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
}

/// NFKC, lower case, katakana → hiragana, punctuation → space, variant folding.
/// The output is for matching only; never show it.
pub fn fold(text: &str) -> String {
    let nfkc: String = text.nfkc().collect();
    let mut out = String::with_capacity(nfkc.len());
    for c in nfkc.chars() {
        let c = match c {
            'A'..='Z' => c.to_ascii_lowercase(),
            // The small ヵ/ヶ read か/け (ヶ月, 一ヵ所); their hiragana forms are rare.
            'ヵ' => 'か',
            'ヶ' => 'け',
            'ァ'..='ヶ' | 'ヽ' | 'ヾ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            'ゖ' => 'け',
            'ゕ' => 'か',
            c if c.is_uppercase() => c.to_lowercase().next().unwrap_or(c),
            c => c,
        };
        if is_separator(c) {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    let mut s = out;
    // Until nothing changes, so that folding twice gives the same result.
    for _ in 0..8 {
        let mut changed = false;
        for (from, to) in folded_variants() {
            if s.contains(from.as_str()) {
                s = s.replace(from.as_str(), to);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    s.trim().to_string()
}

fn folded_variants() -> &'static [(String, &'static str)] {
    static TABLE: std::sync::LazyLock<Vec<(String, &'static str)>> =
        std::sync::LazyLock::new(|| {
            VARIANTS
                .iter()
                .map(|(f, t)| (fold_simple(f), *t))
                .filter(|(f, t)| f != t)
                .collect()
        });
    &TABLE
}

/// Folding without the variant table (used to fold the table itself).
fn fold_simple(s: &str) -> String {
    s.nfkc()
        .map(|c| match c {
            'A'..='Z' => c.to_ascii_lowercase(),
            // The small ヵ/ヶ read か/け (ヶ月, 一ヵ所); their hiragana forms are rare.
            'ヵ' => 'か',
            'ヶ' => 'け',
            'ァ'..='ヶ' | 'ヽ' | 'ヾ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            c => c,
        })
        .collect()
}

/// Characters that separate words: whitespace and punctuation (kept out of bigrams).
pub fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '、' | '。'
                | '，'
                | '．'
                | ','
                | '.'
                | '・'
                | '「'
                | '」'
                | '『'
                | '』'
                | '('
                | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | '【'
                | '】'
                | '〈'
                | '〉'
                | '《'
                | '》'
                | '?'
                | '!'
                | '/'
                | '"'
                | '\''
                | ':'
                | ';'
                | '~'
                | '〜'
                | '～'
                | '…'
                | '‥'
                | '|'
                | '*'
                | '#'
                | '<'
                | '>'
                | '='
                | '+'
                | '&'
                | '@'
                | '^'
                | '`'
                | '\\'
                | '※'
                | '→'
                | '←'
                | '〒'
                | '♪'
                | '☆'
                | '★'
                | '○'
                | '●'
                | '◎'
                | '■'
                | '□'
                | '◆'
                | '◇'
                | '▲'
                | '△'
                | '▼'
                | '▽'
                | '‐'
                | '―'
                | '−'
                | '–'
                | '—'
                | '_'
        )
}

/// Resident word → official word pairs, folded, applied by [`Synonyms::expand`].
#[derive(Debug, Clone)]
pub struct Synonyms {
    /// (folded from, folded to); ASCII entries match whole words only.
    pairs: Vec<(String, String, bool)>,
}

impl Default for Synonyms {
    fn default() -> Self {
        Synonyms::builtin()
    }
}

impl Synonyms {
    /// The built-in table: [`BUILTIN_SYNONYMS`], the colloquial Japanese table
    /// (`data/synonyms-ja.tsv`) and the English glossary (`data/glossary-en.tsv`).
    pub fn builtin() -> Synonyms {
        Synonyms::core()
            .with_extra(parse_table(COLLOQUIAL_TABLE))
            .with_extra(parse_table(ENGLISH_GLOSSARY))
    }

    /// [`BUILTIN_SYNONYMS`] alone: the abbreviations and spellings of municipal words, without
    /// the everyday-language tables.
    pub fn core() -> Synonyms {
        Synonyms::empty().with_extra(
            BUILTIN_SYNONYMS
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string())),
        )
    }

    /// No synonyms at all (for comparisons).
    pub fn empty() -> Synonyms {
        Synonyms { pairs: Vec::new() }
    }

    /// Adds staff-maintained pairs (resident word, official word). Empty sides are ignored.
    pub fn with_extra(mut self, extra: impl IntoIterator<Item = (String, String)>) -> Synonyms {
        for (from, to) in extra {
            let (f, t) = (fold(&from), fold(&to));
            if f.is_empty() || t.is_empty() || f == t {
                continue;
            }
            let ascii = f.is_ascii();
            self.pairs.push((f, t, ascii));
        }
        self
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether a folded word is (part of) a resident word of the table.
    pub fn knows(&self, word: &str) -> bool {
        !word.is_empty()
            && self.pairs.iter().any(|(from, _, ascii)| {
                !ascii && (from.contains(word) || word.contains(from.as_str()))
            })
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Appends the official word for every resident word found in `folded` (already folded).
    /// The original words stay, so both spellings can match.
    ///
    /// An English word inside a longer English phrase of the table counts as that phrase only:
    /// "pet bottle" reads ペットボトル, not ペット as well.
    pub fn expand(&self, folded: &str) -> String {
        // Where each English entry occurs, found once; a phrase's spans cover its words'.
        let spans: Vec<Vec<(usize, usize)>> = self
            .pairs
            .iter()
            .map(|(from, _, ascii)| {
                if *ascii {
                    word_spans(folded, from)
                } else {
                    Vec::new()
                }
            })
            .collect();
        let phrases: Vec<(usize, usize)> = self
            .pairs
            .iter()
            .zip(&spans)
            .filter(|((from, _, _), _)| from.contains(' '))
            .flat_map(|(_, s)| s.iter().copied())
            .collect();
        let within_phrase = |&(a, b): &(usize, usize)| {
            phrases
                .iter()
                .any(|&(pa, pb)| pa <= a && b <= pb && pb - pa > b - a)
        };
        let mut extra: Vec<&str> = Vec::new();
        for ((from, to, ascii), at) in self.pairs.iter().zip(&spans) {
            let hit = if *ascii {
                at.iter().any(|span| !within_phrase(span))
            } else {
                folded.contains(from.as_str())
            };
            if hit {
                extra.push(to);
            }
        }
        append_words(folded, extra)
    }
}

/// `folded` with each of `words` it does not already contain appended once, space-separated
/// (how synonyms and kana readings add the official word to a question).
pub(crate) fn append_words<'a>(folded: &str, words: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = folded.to_string();
    let mut added: Vec<&str> = Vec::new();
    for w in words {
        if !folded.contains(w) && !added.contains(&w) {
            added.push(w);
            out.push(' ');
            out.push_str(w);
        }
    }
    out
}

/// Whether `needle` (ASCII words) occurs in `hay` as whole words, also as a simple plural.
pub(crate) fn contains_word(hay: &str, needle: &str) -> bool {
    !word_spans(hay, needle).is_empty()
}

/// The byte spans where `needle` occurs in `hay` as whole words (a simple plural included).
fn word_spans(hay: &str, needle: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    if needle.is_empty() {
        return spans;
    }
    let mut start = 0;
    while let Some(pos) = hay[start..].find(needle) {
        let i = start + pos;
        let before_ok = hay[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_ascii_alphanumeric());
        let rest = &hay[i + needle.len()..];
        let rest = rest
            .strip_prefix("es")
            .filter(|_| needle.ends_with('s') || needle.ends_with('x'))
            .unwrap_or(rest);
        let rest = rest.strip_prefix('s').unwrap_or(rest);
        let after_ok = rest
            .chars()
            .next()
            .is_none_or(|c| !c.is_ascii_alphanumeric());
        if before_ok && after_ok {
            spans.push((i, hay.len() - rest.len()));
        }
        start = i + needle.len();
    }
    spans
}

/// [`fold`] then [`Synonyms::expand`]: the matching form of a question or a document.
pub fn normalize(text: &str, synonyms: &Synonyms) -> String {
    synonyms.expand(&fold(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folds_width_case_and_kana() {
        assert_eq!(fold("ｼﾞｭｳﾐﾝﾋｮｳ"), "じゅうみんひょう");
        assert_eq!(fold("ＡＢＣ１２３"), "abc123");
        assert_eq!(fold("粗大ゴミ"), "粗大ごみ");
        assert_eq!(fold("住民票を、とりたい。"), "住民票を とりたい");
    }

    #[test]
    fn folds_okurigana_variants() {
        for v in ["引っ越し", "引越し", "引越", "ひっこし", "ヒッコシ"] {
            assert_eq!(fold(v), "引越", "{v}");
        }
        for v in ["申込み", "申し込み", "申込"] {
            assert_eq!(fold(v), "申込", "{v}");
        }
        assert_eq!(fold("手続き"), fold("手続"));
        assert_eq!(fold("子供"), fold("こども"));
        assert_eq!(fold("ケ月"), fold("か月"));
    }

    #[test]
    fn expands_municipal_synonyms() {
        let s = Synonyms::builtin();
        assert!(normalize("マイナカード作りたい", &s).contains("まいなんばーかーど"));
        assert!(normalize("住民票をとりたい", &s).contains("住民票の写し"));
        assert!(normalize("印鑑証明がほしい", &s).contains("印鑑登録証明書"));
        assert!(normalize("国保に入る", &s).contains("国民健康保険"));
        assert!(normalize("How do I throw away garbage?", &s).contains("ごみ"));
        // whole words only for English: "cart" is not "car"
        assert!(!normalize("cart", &s).contains("自動車"));
        assert!(normalize("dogs", &s).contains("犬"));
    }

    #[test]
    fn the_tables_parse_whole() {
        // Every line of the shipped tables is a pair or a comment: a line without a tab would
        // silently drop a word.
        for table in [COLLOQUIAL_TABLE, ENGLISH_GLOSSARY] {
            for line in table.lines().map(str::trim) {
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let (from, to) = line.split_once('\t').unwrap_or(("", ""));
                assert!(
                    !from.trim().is_empty() && !to.trim().is_empty(),
                    "bad line {line:?}"
                );
            }
        }
        assert!(parse_table(COLLOQUIAL_TABLE).count() > 300);
        assert!(parse_table(ENGLISH_GLOSSARY).count() > 300);
        assert_eq!(
            parse_table("# c\n\nお店を開\t起業 開業\nno tab\n").collect::<Vec<_>>(),
            vec![("お店を開".to_string(), "起業 開業".to_string())]
        );
    }

    #[test]
    fn everyday_words_find_the_official_ones() {
        let s = Synonyms::builtin();
        assert!(normalize("町でお店を開きたい", &s).contains("起業"));
        assert!(normalize("How much is the water bill?", &s).contains("水道料金"));
        assert!(normalize("I lost my residence card", &s).contains("在留かーど"));
        // The municipal table alone does not read everyday language.
        assert!(!normalize("町でお店を開きたい", &Synonyms::core()).contains("起業"));
    }

    #[test]
    fn an_english_phrase_is_read_whole() {
        let s = Synonyms::empty().with_extra([
            ("pet".to_string(), "ペット".to_string()),
            ("pet bottle".to_string(), "ペットボトル".to_string()),
        ]);
        assert!(!normalize("where do pet bottles go", &s).contains("ぺっと "));
        assert!(normalize("where do pet bottles go", &s).ends_with("ぺっとぼとる"));
        assert!(normalize("my pet died; pet bottle day?", &s).contains("ぺっと ぺっとぼとる"));
        assert!(normalize("lost pet", &s).ends_with("ぺっと"));
    }

    #[test]
    fn staff_can_extend() {
        let s =
            Synonyms::builtin().with_extra([("さくら線".to_string(), "区内循環バス".to_string())]);
        assert!(normalize("サクラ線の時刻", &s).contains("区内循環ばす"));
        assert_eq!(
            Synonyms::empty()
                .with_extra([("a".to_string(), " ".to_string())])
                .len(),
            0
        );
    }

    proptest! {
        #[test]
        fn fold_is_idempotent(s in "\\PC{0,40}") {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once.clone());
        }

        #[test]
        fn fold_has_no_katakana_uppercase_or_edge_spaces(s in "[ァ-ヶA-Zａ-ｚ０-９ 、。住民票]{0,30}") {
            let f = fold(&s);
            prop_assert!(!f.chars().any(|c| ('ァ'..='ヶ').contains(&c) || c.is_ascii_uppercase()));
            prop_assert_eq!(f.trim(), f.as_str());
            prop_assert!(!f.contains("  "));
        }

        #[test]
        fn expansion_keeps_the_original(s in "[ぁ-んァ-ヶ一-龠a-z ]{0,30}") {
            let syn = Synonyms::builtin();
            let f = fold(&s);
            prop_assert!(syn.expand(&f).starts_with(f.as_str()));
        }
    }
}
