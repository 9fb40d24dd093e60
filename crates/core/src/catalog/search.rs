//! Keyword search over the catalogue, tolerant of kana, width and wording variants.
//!
//! Every text is folded with [`search_key`] (NFKC, katakana → hiragana, no spaces), so
//! ｼﾞｭｳﾐﾝﾋｮｳ finds 住民票 through its reading. Aliases and a synonym table
//! (マイナカード → マイナンバーカード) widen the query; character bigrams catch near misses.

use std::collections::HashSet;

use serde::Serialize;

use super::codes::{self, CATEGORIES, LIFE_EVENTS};
use super::model::{Department, Procedure};
use crate::japanese::search_key;

/// Built-in synonyms: what residents type → the catalogue's word. Municipalities add more.
pub const DEFAULT_SYNONYMS: &[(&str, &str)] = &[
    ("マイナカード", "マイナンバーカード"),
    ("まいなかーど", "マイナンバーカード"),
    ("個人番号カード", "マイナンバーカード"),
    ("引っ越し", "引越し"),
    ("引越", "引越し"),
    ("ひっこし", "引越し"),
    ("印鑑証明", "印鑑登録証明書"),
    ("はんこ", "印鑑"),
    ("判子", "印鑑"),
    ("ハンコ", "印鑑"),
    ("粗大ゴミ", "粗大ごみ"),
    ("保育所", "保育園"),
    ("住民税", "特別区民税・都民税"),
    ("国保", "国民健康保険"),
    ("課税証明", "課税・非課税証明書"),
    ("非課税証明", "課税・非課税証明書"),
    ("所得証明", "課税・非課税証明書"),
    ("戸籍謄本", "戸籍全部事項証明書"),
    ("戸籍抄本", "戸籍個人事項証明書"),
    ("赤ちゃん", "出生"),
    ("子供", "子ども"),
    ("こども", "子ども"),
    ("介護認定", "要介護認定"),
    ("転勤", "転出"),
];

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SearchHit {
    pub id: String,
    pub score: f64,
}

struct Entry {
    id: String,
    /// (folded text, weight)
    fields: Vec<(String, f64)>,
}

pub struct CatalogIndex {
    entries: Vec<Entry>,
    synonyms: Vec<(String, String)>,
}

fn bigrams(s: &str) -> HashSet<(char, char)> {
    let chars: Vec<char> = s.chars().collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

impl CatalogIndex {
    pub fn build(
        procedures: &[Procedure],
        departments: &[Department],
        extra_synonyms: &[(String, String)],
    ) -> CatalogIndex {
        let entries = procedures
            .iter()
            .map(|p| {
                let mut fields = vec![(search_key(&p.name.ja), 10.0)];
                if let Some(en) = &p.name.en {
                    fields.push((search_key(en), 8.0));
                }
                if let Some(r) = &p.reading {
                    fields.push((search_key(r), 7.0));
                }
                fields.extend(p.aliases.iter().map(|a| (search_key(a), 8.0)));
                if let Some(d) = departments.iter().find(|d| d.id == p.department) {
                    fields.push((search_key(&d.name.ja), 2.0));
                }
                for c in &p.categories {
                    if let Some(code) = codes::find(CATEGORIES, c) {
                        fields.push((search_key(code.ja), 2.0));
                    }
                }
                for e in &p.life_events {
                    if let Some(code) = codes::find(LIFE_EVENTS, e) {
                        fields.push((search_key(code.ja), 3.0));
                        fields.push((search_key(code.en), 2.0));
                    }
                }
                if let Some(s) = &p.summary {
                    fields.push((search_key(&s.ja), 1.0));
                    if let Some(en) = &s.en {
                        fields.push((search_key(en), 0.8));
                    }
                }
                fields.retain(|(k, _)| !k.is_empty());
                Entry {
                    id: p.id.clone(),
                    fields,
                }
            })
            .collect();
        let synonyms = DEFAULT_SYNONYMS
            .iter()
            .map(|(a, b)| (search_key(a), search_key(b)))
            .chain(
                extra_synonyms
                    .iter()
                    .map(|(a, b)| (search_key(a), search_key(b))),
            )
            .filter(|(a, b)| !a.is_empty() && !b.is_empty())
            .collect();
        CatalogIndex { entries, synonyms }
    }

    /// The variants of one query term: itself and its synonym rewrites.
    fn variants(&self, term: &str) -> Vec<String> {
        let mut out = vec![term.to_string()];
        for (from, to) in &self.synonyms {
            if term.contains(from.as_str()) {
                out.push(term.replace(from.as_str(), to));
                out.push(to.clone());
            }
        }
        out
    }

    fn term_score(entry: &Entry, variants: &[String]) -> f64 {
        let mut best: f64 = 0.0;
        for v in variants {
            let v_bigrams = bigrams(v);
            for (text, weight) in &entry.fields {
                let s = if text == v {
                    weight * 3.0
                } else if text.contains(v.as_str()) {
                    weight
                        * if text.starts_with(v.as_str()) {
                            2.2
                        } else {
                            2.0
                        }
                } else if v.chars().count() >= 3 && !v_bigrams.is_empty() {
                    // Near misses: most of the query's bigrams appear in the text.
                    let t = bigrams(text);
                    let shared = v_bigrams.iter().filter(|b| t.contains(b)).count() as f64
                        / v_bigrams.len() as f64;
                    if shared >= 0.6 { weight * shared } else { 0.0 }
                } else {
                    0.0
                };
                best = best.max(s);
            }
        }
        best
    }

    /// Procedures matching every term (or, failing that, any term), best first.
    pub fn search(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        let terms: Vec<String> = crate::japanese::nfkc(query)
            .split_whitespace()
            .map(search_key)
            .filter(|t| !t.is_empty())
            .take(8)
            .collect();
        if terms.is_empty() {
            return Vec::new();
        }
        let variants: Vec<Vec<String>> = terms.iter().map(|t| self.variants(t)).collect();
        let score_all = |require_all: bool| -> Vec<SearchHit> {
            let mut hits: Vec<SearchHit> = self
                .entries
                .iter()
                .filter_map(|e| {
                    let scores: Vec<f64> =
                        variants.iter().map(|v| Self::term_score(e, v)).collect();
                    let ok = if require_all {
                        scores.iter().all(|s| *s > 0.0)
                    } else {
                        scores.iter().any(|s| *s > 0.0)
                    };
                    ok.then(|| SearchHit {
                        id: e.id.clone(),
                        score: scores.iter().sum(),
                    })
                })
                .collect();
            hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
            hits.truncate(limit);
            hits
        };
        let hits = score_all(true);
        if hits.is_empty() && terms.len() > 1 {
            score_all(false)
        } else {
            hits
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::model::{IdentityLevel, OnlineStatus};
    use crate::text::Text;

    fn proc(id: &str, name: &str, reading: &str, aliases: &[&str], events: &[&str]) -> Procedure {
        Procedure {
            id: id.into(),
            name: Text::ja(name),
            reading: Some(reading.into()),
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
            department: "koseki-jumin".into(),
            categories: vec!["registry".into()],
            life_events: events.iter().map(|s| s.to_string()).collect(),
            summary: None,
            eligibility: None,
            legal_basis: None,
            online: OnlineStatus::Here,
            identity_level: IdentityLevel::None,
            fee: None,
            fee_note: None,
            attachments: vec![],
            delivery_methods: vec![],
            processing_period: None,
            processing_days: None,
            contact: None,
            url: None,
            updated: None,
        }
    }

    fn index() -> CatalogIndex {
        let procs = vec![
            proc(
                "juminhyo-copy",
                "住民票の写しの交付請求",
                "じゅうみんひょうのうつしのこうふせいきゅう",
                &["住民票"],
                &["moving"],
            ),
            proc(
                "mynumber-card",
                "マイナンバーカードの交付申請",
                "まいなんばーかーどのこうふしんせい",
                &[],
                &[],
            ),
            proc(
                "inkan-cert",
                "印鑑登録証明書の交付申請",
                "いんかんとうろくしょうめいしょ",
                &[],
                &[],
            ),
            proc("tenshutsu", "転出届", "てんしゅつとどけ", &[], &["moving"]),
            proc(
                "sodai-gomi",
                "粗大ごみの収集申込",
                "そだいごみ",
                &[],
                &["waste"],
            ),
        ];
        CatalogIndex::build(&procs, &[], &[])
    }

    fn top(q: &str) -> Option<String> {
        index().search(q, 5).first().map(|h| h.id.clone())
    }

    #[test]
    fn finds_by_kanji_kana_and_width_variants() {
        assert_eq!(top("住民票").as_deref(), Some("juminhyo-copy"));
        assert_eq!(top("じゅうみんひょう").as_deref(), Some("juminhyo-copy"));
        assert_eq!(top("ジュウミンヒョウ").as_deref(), Some("juminhyo-copy"));
        assert_eq!(top("ｼﾞｭｳﾐﾝﾋｮｳ").as_deref(), Some("juminhyo-copy"));
        assert_eq!(top("粗大ゴミ").as_deref(), Some("sodai-gomi"));
    }

    #[test]
    fn synonyms_and_aliases() {
        assert_eq!(top("マイナカード").as_deref(), Some("mynumber-card"));
        assert_eq!(top("印鑑証明").as_deref(), Some("inkan-cert"));
        let moving: Vec<String> = index()
            .search("引っ越し", 5)
            .into_iter()
            .map(|h| h.id)
            .collect();
        assert!(moving.contains(&"tenshutsu".to_string()), "{moving:?}");
    }

    #[test]
    fn unrelated_queries_find_nothing() {
        assert!(index().search("天気", 5).is_empty());
        assert!(index().search("   ", 5).is_empty());
    }
}
