//! Calibrated confidence: a logistic model over scale-free retrieval features.
//!
//! The features do not depend on the corpus size or the BM25 scale, so coefficients fitted
//! on one municipality's gold set carry over to another. [`fit`] is the tiny trainer used by
//! the evaluation to refit them on a development split.

use serde::{Deserialize, Serialize};

/// Features of one question's retrieval result, each roughly in 0..1.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Features {
    /// IDF-weighted share of the question's tokens found in the best source (title + body).
    pub coverage: f32,
    /// The same, in the best source's title, keywords only.
    pub title_coverage: f32,
    /// IDF-weighted share of the question's tokens that no source contains at all.
    pub unknown: f32,
    /// (best − second best) / best, over distinct ids.
    pub margin: f32,
    /// Score-weighted share of the top five candidates in the best candidate's department.
    pub agreement: f32,
    /// How far the best dense match stands above the question's cosines to all sources, in
    /// standard deviations / 8, clamped to 0..1 (0 without vectors; see
    /// [`crate::dense::DenseIndex::search_standardised`]).
    pub dense: f32,
    /// IDF-weighted share of the best source's title (as shown) found in the question: the
    /// question asks what the title says, not just something near it.
    pub title_recall: f32,
    /// Share of the aspects the question asks (fee, place, hours, documents, deadline,
    /// online) that the best source speaks to; 1 when it asks none ([`crate::aspect`]).
    pub sufficiency: f32,
    /// Share of the retrieval signals (bigram, morphological, dense) whose own first
    /// candidate is the fused first candidate; 1 with a single signal.
    pub signals_agree: f32,
    /// How much the question says: its IDF weight, scaled (min(1, weight / 40)).
    pub content: f32,
    /// The reranker's P(relevant) of the first candidate (0 without a reranker).
    pub rerank_first: f32,
    /// 1 − Π(1 − P(relevant)) over the first three candidates (0 without a reranker).
    pub rerank_top3: f32,
    /// Length-weighted share of the question's words (kanji compounds of two or more,
    /// katakana words of three or more) that occur nowhere in the knowledge base: a question
    /// about something the sources never mention.
    pub unknown_words: f32,
    /// The same share for words that none of the first three candidates contains.
    pub uncovered_words: f32,
    /// The same share for words that the first candidate does not contain: a question about
    /// a neighbour of the first candidate's topic (妊婦の歯科健診 → 大人の歯科健診).
    pub missing_first: f32,
}

impl Features {
    pub const NAMES: [&'static str; 15] = [
        "coverage",
        "title_coverage",
        "unknown",
        "margin",
        "agreement",
        "dense",
        "title_recall",
        "sufficiency",
        "signals_agree",
        "content",
        "rerank_first",
        "rerank_top3",
        "unknown_words",
        "uncovered_words",
        "missing_first",
    ];

    /// Keeps, of the lexical match features, the more favourable of these and `other`'s: the
    /// same question read another way (as written, or translated) matches as well as its best
    /// reading.
    pub fn favour(&mut self, other: &Features) {
        self.coverage = self.coverage.max(other.coverage);
        self.title_coverage = self.title_coverage.max(other.title_coverage);
        self.unknown = self.unknown.min(other.unknown);
        self.title_recall = self.title_recall.max(other.title_recall);
    }

    pub fn to_vec(&self) -> [f32; 15] {
        [
            self.coverage,
            self.title_coverage,
            self.unknown,
            self.margin,
            self.agreement,
            self.dense,
            self.title_recall,
            self.sufficiency,
            self.signals_agree,
            self.content,
            self.rerank_first,
            self.rerank_top3,
            self.unknown_words,
            self.uncovered_words,
            self.missing_first,
        ]
    }
}

/// Features of one candidate among the first ten, for the reranker: how well this source
/// matches the question, each roughly in 0..1.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CandidateFeatures {
    /// Fused score / the first candidate's fused score.
    pub relative_score: f32,
    /// 1 / (1 + position) in the fused ranking.
    pub inverse_rank: f32,
    /// IDF-weighted share of the question found in this source (title + body).
    pub coverage: f32,
    /// The same, in its title and keywords.
    pub title_coverage: f32,
    /// IDF-weighted share of its shown title found in the question.
    pub title_recall: f32,
    /// Share of the asked aspects it speaks to (1 when none asked).
    pub sufficiency: f32,
    /// It is a FAQ entry.
    pub faq: f32,
    /// It is a catalogue procedure.
    pub procedure: f32,
    /// Score-weighted share of the first five candidates in its department.
    pub department_share: f32,
    /// Its dense cosine (0 without vectors).
    pub dense: f32,
    /// Length-weighted share of the question's words ([`crate::words`]) it contains; 1 when
    /// the question has none.
    pub word_coverage: f32,
}

impl CandidateFeatures {
    pub const NAMES: [&'static str; 11] = [
        "relative_score",
        "inverse_rank",
        "coverage",
        "title_coverage",
        "title_recall",
        "sufficiency",
        "faq",
        "procedure",
        "department_share",
        "dense",
        "word_coverage",
    ];

    pub fn to_vec(&self) -> [f32; 11] {
        [
            self.relative_score,
            self.inverse_rank,
            self.coverage,
            self.title_coverage,
            self.title_recall,
            self.sufficiency,
            self.faq,
            self.procedure,
            self.department_share,
            self.dense,
            self.word_coverage,
        ]
    }
}

/// p = σ(bias + Σ weight·feature), weights in the order of [`Features::NAMES`]. Missing
/// weights count 0, so a model written for fewer features still loads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logistic {
    pub bias: f32,
    pub weights: Vec<f32>,
}

impl Logistic {
    pub fn predict(&self, f: &Features) -> f32 {
        self.predict_values(&f.to_vec())
    }

    /// p for a feature vector in the model's order.
    pub fn predict_values(&self, x: &[f32]) -> f32 {
        let z = self.bias + self.weights.iter().zip(x).map(|(w, x)| w * x).sum::<f32>();
        1.0 / (1.0 + (-z).exp())
    }
}

// The defaults below are the fit of the default configuration (bigram BM25 and the reranker,
// every feature) on six knowledge bases at once, so that they hold on a municipality's
// imported FAQ too: the demo's whole one and its FAQ alone (the dev half of
// demo/guide/gold.jsonl plus demo/guide/train.jsonl), and the FAQs of four other
// municipalities with all their questions (demo/guide/city2 … city5); thresholds by the trust
// goals ([`crate::eval::Goals`]). Leaving each city out in turn and measuring on it showed the
// gain (docs/guide.md, "More municipalities"). `cargo run -p madoguchi-guide --release
// --example eval -- --train demo/guide/train.jsonl --fit --across --all-features --extra
// demo/guide/city2/faq.csv:demo/guide/city2/questions.jsonl --extra … (city3, city4, city5)`
// prints them.
// Replace them with a fit on your own gold set (`madoguchi guide fit GOLD`).

/// Default reranker: P(relevant) of a candidate from its [`CandidateFeatures`].
pub fn default_rerank_model() -> Logistic {
    Logistic {
        bias: -4.8703194,
        weights: vec![
            2.1745956, 2.6437652, 1.8030767, 0.47489676, 1.2589078, 0.44633713, -1.6547804,
            -1.4513466, 0.26513755, 0.0, 0.80060846,
        ],
    }
}

/// Default P(first candidate is right), over [`Features`].
pub fn default_answer_model() -> Logistic {
    Logistic {
        bias: -4.074273,
        weights: vec![
            2.3168638,
            0.19063605,
            0.42608398,
            2.65816,
            0.7157551,
            0.0,
            1.4712958,
            0.40837568,
            -0.78751796,
            -0.1540352,
            1.8879993,
            -0.103075154,
            0.12574023,
            0.44791278,
            -1.7455897,
        ],
    }
}

/// Default threshold on [`default_answer_model`].
pub const DEFAULT_ANSWER_THRESHOLD: f32 = 0.90000004;

/// Default P(a right source is among the first three), over [`Features`].
pub fn default_choice_model() -> Logistic {
    Logistic {
        bias: -2.7791271,
        weights: vec![
            2.0789611,
            0.22023481,
            -0.09767906,
            0.4617888,
            1.2695073,
            0.0,
            1.7985067,
            0.3854533,
            0.37102255,
            -0.13760278,
            1.0654845,
            -0.061857227,
            -0.055005133,
            -1.0664886,
            -0.28055444,
        ],
    }
}

/// Default threshold on [`default_choice_model`].
pub const DEFAULT_CLARIFY_THRESHOLD: f32 = 0.6;

/// Fits a logistic model by full-batch gradient descent with a little L2 (deterministic).
pub fn fit(xs: &[Features], ys: &[bool], l2: f32) -> Logistic {
    let rows: Vec<Vec<f32>> = xs.iter().map(|x| x.to_vec().to_vec()).collect();
    fit_values(&rows, ys, l2)
}

/// [`fit`] over plain feature vectors (all of the same length).
pub fn fit_values(xs: &[Vec<f32>], ys: &[bool], l2: f32) -> Logistic {
    let k = xs.first().map(|x| x.len()).unwrap_or(0);
    let mut m = Logistic {
        bias: 0.0,
        weights: vec![0.0; k],
    };
    if xs.is_empty() {
        return m;
    }
    let n = xs.len() as f32;
    let lr = 0.5;
    for _ in 0..2000 {
        let mut gb = 0.0;
        let mut gw = vec![0.0f32; k];
        for (x, y) in xs.iter().zip(ys) {
            let err = m.predict_values(x) - if *y { 1.0 } else { 0.0 };
            gb += err;
            for (g, v) in gw.iter_mut().zip(x) {
                *g += err * v;
            }
        }
        m.bias -= lr * gb / n;
        for (w, g) in m.weights.iter_mut().zip(gw.iter().copied()) {
            *w -= lr * (g / n + l2 * *w);
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_separable_feature() {
        let xs: Vec<Features> = (0..40)
            .map(|i| Features {
                coverage: i as f32 / 40.0,
                ..Default::default()
            })
            .collect();
        let ys: Vec<bool> = (0..40).map(|i| i >= 20).collect();
        let m = fit(&xs, &ys, 0.0);
        assert!(
            m.predict(&Features {
                coverage: 0.9,
                ..Default::default()
            }) > 0.8
        );
        assert!(
            m.predict(&Features {
                coverage: 0.1,
                ..Default::default()
            }) < 0.2
        );
    }
}
