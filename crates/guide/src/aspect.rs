//! Aspects of a question (fee, place, hours, documents, deadline, online) and whether a source
//! speaks to them: a "sufficiency" signal for the calibrated decision. A source can match a
//! question's topic and still not answer it ("いくら?" against a page with no amount).
//!
//! Both sides are folded text ([`crate::normalize::fold`]: hiragana, lower case). The cue
//! words are general municipal vocabulary.

use crate::normalize::contains_word;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aspect {
    Fee,
    Place,
    Hours,
    Documents,
    Deadline,
    Online,
}

/// (aspect, cues in a question, cues in a source that answers it)
const ASPECTS: &[(Aspect, &[&str], &[&str])] = &[
    (
        Aspect::Fee,
        &[
            "いくら",
            "料金",
            "費用",
            "手数料",
            "値段",
            "無料",
            "有料",
            "お金",
            "金額",
            "何円",
            "fee",
            "cost",
            "price",
            "free",
        ],
        &[
            "円",
            "無料",
            "有料",
            "手数料",
            "料金",
            "費用",
            "負担",
            "金額",
            "割引",
            "減免",
        ],
    ),
    (
        Aspect::Place,
        &[
            "どこ", "場所", "窓口", "会場", "何階", "where", "place", "office",
        ],
        &[
            "窓口",
            "階",
            "場所",
            "会場",
            "せんたー",
            "出張所",
            "所在地",
            "区役所",
            "庁舎",
            "番地",
            "館",
        ],
    ),
    (
        Aspect::Hours,
        &[
            "何時",
            "時間",
            "曜日",
            "土日",
            "土曜",
            "日曜",
            "休日",
            "祝日",
            "夜間",
            "平日",
            "開いて",
            "営業",
            "hours",
            "open",
            "weekend",
            "sunday",
            "saturday",
        ],
        &[
            "時",
            "曜日",
            "平日",
            "土日",
            "休日",
            "祝日",
            "開庁",
            "開館",
            "受付時間",
        ],
    ),
    (
        Aspect::Documents,
        &[
            "持ち物",
            "持物",
            "必要なもの",
            "必要な物",
            "必要書類",
            "何が必要",
            "何がいる",
            "持って",
            "書類",
            "documents",
            "bring",
        ],
        &[
            "必要",
            "持参",
            "書類",
            "本人確認",
            "持ち物",
            "提出",
            "添付",
            "用意",
            "お持ち",
        ],
    ),
    (
        Aspect::Deadline,
        &[
            "いつまで",
            "期限",
            "締切",
            "締め切り",
            "何日以内",
            "期間",
            "いつから",
            "deadline",
        ],
        &["以内", "までに", "まで", "期限", "締切", "期間", "日前"],
    ),
    (
        Aspect::Online,
        &[
            "おんらいん",
            "ねっと",
            "電子申請",
            "すまほ",
            "web",
            "online",
            "internet",
            "郵送",
        ],
        &[
            "おんらいん",
            "電子申請",
            "ねっと",
            "まいなぽーたる",
            "web",
            "郵送",
            "このさいと",
            "すまほ",
        ],
    ),
];

fn has(text: &str, cue: &str) -> bool {
    if cue.is_ascii() {
        contains_word(text, cue)
    } else {
        text.contains(cue)
    }
}

/// The aspects a (folded) question asks about.
pub fn asked(question: &str) -> Vec<Aspect> {
    ASPECTS
        .iter()
        .filter(|(_, q, _)| q.iter().any(|c| has(question, c)))
        .map(|(a, _, _)| *a)
        .collect()
}

/// Whether a (folded) source text speaks to the aspect.
pub fn answers(source: &str, aspect: Aspect) -> bool {
    ASPECTS
        .iter()
        .find(|(a, _, _)| *a == aspect)
        .is_some_and(|(_, _, s)| s.iter().any(|c| has(source, c)))
}

/// Share of the asked aspects the source speaks to; 1.0 when the question asks none.
pub fn sufficiency(question: &str, source: &str) -> f32 {
    let asked = asked(question);
    if asked.is_empty() {
        return 1.0;
    }
    asked.iter().filter(|a| answers(source, **a)).count() as f32 / asked.len() as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::fold;

    #[test]
    fn finds_asked_aspects_and_their_answers() {
        let q = fold("住民票の手数料はいくら？");
        assert_eq!(asked(&q), vec![Aspect::Fee]);
        assert_eq!(sufficiency(&q, &fold("1通300円です。")), 1.0);
        assert_eq!(sufficiency(&q, &fold("窓口で請求してください。")), 0.0);
        assert_eq!(sufficiency(&fold("住民票"), "なんでも"), 1.0);
        assert_eq!(asked(&fold("Where is the office open on Sunday?")).len(), 2);
    }
}
