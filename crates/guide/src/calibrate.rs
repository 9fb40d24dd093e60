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
    /// The question's best cosine to one sentence of the first candidate's answer (dense
    /// vectors; 0 without): a source that names the subject but has no sentence on the detail
    /// asked matches no sentence well ([`crate::dense::passage_sentences`]).
    pub sentence_first: f32,
    /// The best such cosine over the first three candidates.
    pub sentence_top3: f32,
    /// The question's cosine to the first candidate's title embedded as a question (dense
    /// vectors; 0 without): a FAQ entry's own question is worded as residents ask, so a
    /// question that asks the same thing stands nearer to it than one that shares only the
    /// subject ([`crate::dense::title_text`]).
    pub question_first: f32,
    /// The best such cosine over the first three candidates.
    pub question_top3: f32,
    /// The first candidate's question cosine less the best of the second and third's: how
    /// clearly the question is the first candidate's rather than a neighbour's.
    pub question_margin: f32,
}

impl Features {
    pub const NAMES: [&'static str; 20] = [
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
        "sentence_first",
        "sentence_top3",
        "question_first",
        "question_top3",
        "question_margin",
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

    pub fn to_vec(&self) -> [f32; 20] {
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
            self.sentence_first,
            self.sentence_top3,
            self.question_first,
            self.question_top3,
            self.question_margin,
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
    /// Its best sentence cosine (0 without sentence vectors; see [`Features::sentence_first`]).
    pub sentence: f32,
}

impl CandidateFeatures {
    pub const NAMES: [&'static str; 12] = [
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
        "sentence",
    ];

    pub fn to_vec(&self) -> [f32; 12] {
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
            self.sentence,
        ]
    }
}

/// p = σ(bias + Σ weight·feature + Σ tree(features)), weights in the order of
/// [`Features::NAMES`]. Missing weights count 0, so a model written for fewer features still
/// loads; `trees` (boosted, [`fit_boosted`]) are empty for a plain logistic model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logistic {
    pub bias: f32,
    pub weights: Vec<f32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trees: Vec<Tree>,
}

impl Logistic {
    /// A plain logistic model.
    pub fn linear(bias: f32, weights: Vec<f32>) -> Logistic {
        Logistic {
            bias,
            weights,
            trees: Vec::new(),
        }
    }

    pub fn predict(&self, f: &Features) -> f32 {
        self.predict_values(&f.to_vec())
    }

    /// p for a feature vector in the model's order.
    pub fn predict_values(&self, x: &[f32]) -> f32 {
        1.0 / (1.0 + (-self.margin(x)).exp())
    }

    /// The log-odds.
    fn margin(&self, x: &[f32]) -> f32 {
        self.bias
            + self.weights.iter().zip(x).map(|(w, x)| w * x).sum::<f32>()
            + self.trees.iter().map(|t| t.value(x)).sum::<f32>()
    }
}

/// P(the first candidate is right) by `model`; with `subject_guard`, 0 when the first
/// candidate lacks one of the question's subject words ([`Features::missing_first`] > 0): a
/// source that does not name what the question is about may be a neighbour of it (妊婦の歯科
/// 健診 → 大人の歯科健診), and the guide offers it among choices rather than as the answer.
pub fn answer_probability(model: &Logistic, features: &Features, subject_guard: bool) -> f32 {
    if subject_guard && features.missing_first > 0.0 {
        0.0
    } else {
        model.predict(features)
    }
}

/// A regression tree of depth two on the log-odds: the root splits on `feature[0]` at
/// `threshold[0]`; its left side (value < threshold) on `feature[1]`, its right side on
/// `feature[2]`; `leaves` are left-left, left-right, right-left, right-right. A feature index
/// the vector lacks reads as 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    pub feature: [usize; 3],
    pub threshold: [f32; 3],
    pub leaves: [f32; 4],
}

impl Tree {
    pub fn value(&self, x: &[f32]) -> f32 {
        self.leaves[self.leaf(x)]
    }

    /// Which leaf `x` falls in (0..4).
    fn leaf(&self, x: &[f32]) -> usize {
        let at = |i: usize| x.get(self.feature[i]).copied().unwrap_or(0.0);
        let right = at(0) >= self.threshold[0];
        let node = if right { 2 } else { 1 };
        let second = at(node) >= self.threshold[node];
        usize::from(right) * 2 + usize::from(second)
    }
}

/// How [`fit_boosted`] grows its trees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Boosting {
    pub rounds: usize,
    /// Shrinkage of each tree.
    pub rate: f32,
    /// Fewest rows in a leaf: fewer, and a split is not considered.
    pub min_leaf: usize,
    /// Start from a fitted logistic model (trees correct it) rather than from the base rate.
    pub on_linear: bool,
    /// Choose the thresholds on probabilities predicted out of fold: trees fit their own
    /// training rows closely, and thresholds chosen on those promise too much precision.
    pub out_of_fold: bool,
}

impl Default for Boosting {
    fn default() -> Self {
        Boosting {
            rounds: 200,
            rate: 0.05,
            min_leaf: 30,
            on_linear: false,
            out_of_fold: true,
        }
    }
}

// The shipped decision (crates/guide/data/decision.json) is the fit of the default
// configuration (bigram BM25 and the reranker, every feature, boosted trees) on eight knowledge
// bases at once, so that it holds on a municipality's imported FAQ too: the demo's whole one
// and its FAQ alone (the dev half of demo/guide/gold.jsonl plus demo/guide/train.jsonl), and
// the FAQs of six other municipalities with all their questions (demo/guide/city2 … city7);
// thresholds by the trust goals ([`crate::eval::Goals`]), chosen out of fold. Leaving each
// city out in turn and measuring on it showed the gain (docs/guide.md, "Trees and a subject
// guard"). `cargo run -p madoguchi-guide --release --example eval -- --train
// demo/guide/train.jsonl --fit --across --all-features --extra
// demo/guide/city2/faq.csv:demo/guide/city2/questions.jsonl --extra
// … (city3 … city7) --save-decision crates/guide/data/decision.json` writes it.
// Replace it with a fit on your own gold set (`madoguchi guide fit GOLD`).

/// The decision shipped as the default, in the form `--save-decision` of the eval example
/// writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefaultDecision {
    pub rerank_model: Option<Logistic>,
    pub answer_model: Logistic,
    pub answer_threshold: f32,
    pub choice_model: Logistic,
    pub clarify_threshold: f32,
}

/// The shipped decision, read once from the JSON compiled in.
pub fn shipped_decision() -> &'static DefaultDecision {
    static SHIPPED: std::sync::OnceLock<DefaultDecision> = std::sync::OnceLock::new();
    SHIPPED.get_or_init(|| {
        // A unit test reads the same text, so a broken file fails the build's tests.
        serde_json::from_str(include_str!("../data/decision.json"))
            .expect("crates/guide/data/decision.json is the shipped decision")
    })
}

/// Default reranker: P(relevant) of a candidate from its [`CandidateFeatures`].
pub fn default_rerank_model() -> Logistic {
    shipped_decision()
        .rerank_model
        .clone()
        .unwrap_or_else(|| Logistic::linear(0.0, Vec::new()))
}

/// Default P(first candidate is right), over [`Features`].
pub fn default_answer_model() -> Logistic {
    shipped_decision().answer_model.clone()
}

/// Default threshold on [`default_answer_model`].
pub fn default_answer_threshold() -> f32 {
    shipped_decision().answer_threshold
}

/// Default P(a right source is among the first three), over [`Features`].
pub fn default_choice_model() -> Logistic {
    shipped_decision().choice_model.clone()
}

/// Default threshold on [`default_choice_model`].
pub fn default_clarify_threshold() -> f32 {
    shipped_decision().clarify_threshold
}

/// Fits a logistic model by full-batch gradient descent with a little L2 (deterministic).
pub fn fit(xs: &[Features], ys: &[bool], l2: f32) -> Logistic {
    let rows: Vec<Vec<f32>> = xs.iter().map(|x| x.to_vec().to_vec()).collect();
    fit_values(&rows, ys, l2)
}

/// [`fit`] over plain feature vectors (all of the same length).
pub fn fit_values(xs: &[Vec<f32>], ys: &[bool], l2: f32) -> Logistic {
    let k = xs.first().map(|x| x.len()).unwrap_or(0);
    let mut m = Logistic::linear(0.0, vec![0.0; k]);
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

/// Gradient boosting on the log loss: starting from `init` (or from the base rate when it is
/// `None`), `boosting.rounds` trees of depth two, each fitted to the residuals y − p and
/// with Newton-step leaves, shrunk by `boosting.rate`. Only the features where `mask` is true
/// are split on. Deterministic. The linear part of `init` is kept: trees correct it where the
/// features interact (a high coverage that means little when the first candidate lacks the
/// question's subject word).
pub fn fit_boosted(
    xs: &[Vec<f32>],
    ys: &[bool],
    init: Option<&Logistic>,
    mask: &[bool],
    boosting: &Boosting,
) -> Logistic {
    let n = xs.len();
    let k = xs.first().map(|x| x.len()).unwrap_or(0);
    let mut model = match init {
        Some(m) => m.clone(),
        None => {
            let pos = ys.iter().filter(|y| **y).count() as f32;
            let rate = ((pos + 0.5) / (n as f32 + 1.0)).clamp(1e-4, 1.0 - 1e-4);
            Logistic::linear((rate / (1.0 - rate)).ln(), vec![0.0; k])
        }
    };
    if n == 0 {
        return model;
    }
    let features: Vec<usize> = (0..k)
        .filter(|f| mask.get(*f).copied().unwrap_or(true))
        .collect();
    // Each feature's row order, sorted once.
    let order: Vec<Vec<usize>> = (0..k)
        .map(|f| {
            let mut o: Vec<usize> = (0..n).collect();
            o.sort_by(|a, b| xs[*a][f].total_cmp(&xs[*b][f]));
            o
        })
        .collect();
    let mut margin: Vec<f32> = xs.iter().map(|x| model.margin(x)).collect();
    let all = vec![true; n];
    for _ in 0..boosting.rounds {
        let p: Vec<f32> = margin.iter().map(|z| 1.0 / (1.0 + (-z).exp())).collect();
        let residual: Vec<f32> = ys
            .iter()
            .zip(&p)
            .map(|(y, p)| f32::from(u8::from(*y)) - p)
            .collect();
        let Some((f0, t0)) = best_split(xs, &residual, &order, &features, &all, boosting.min_leaf)
        else {
            break;
        };
        let left: Vec<bool> = xs.iter().map(|x| x[f0] < t0).collect();
        let right: Vec<bool> = left.iter().map(|l| !l).collect();
        let mut tree = Tree {
            feature: [f0; 3],
            threshold: [t0; 3],
            leaves: [0.0; 4],
        };
        for (node, side) in [(1usize, &left), (2, &right)] {
            // A side that cannot be split again keeps the root's split (both leaves alike).
            if let Some((f, t)) =
                best_split(xs, &residual, &order, &features, side, boosting.min_leaf)
            {
                tree.feature[node] = f;
                tree.threshold[node] = t;
            }
        }
        // Newton-step leaf values: Σ residual / Σ p(1 − p).
        let mut sums = [(0.0f32, 0.0f32); 4];
        for i in 0..n {
            let leaf = tree.leaf(&xs[i]);
            sums[leaf].0 += residual[i];
            sums[leaf].1 += p[i] * (1.0 - p[i]);
        }
        for (leaf, (r, h)) in sums.iter().enumerate() {
            tree.leaves[leaf] = boosting.rate * if *h > 1e-6 { r / h } else { 0.0 };
        }
        for (m, x) in margin.iter_mut().zip(xs) {
            *m += tree.value(x);
        }
        model.trees.push(tree);
    }
    model
}

/// The split (feature, threshold) of the rows in `rows` that most reduces the squared error of
/// `residual`, with at least `min_leaf` rows on each side; `None` when there is none.
fn best_split(
    xs: &[Vec<f32>],
    residual: &[f32],
    order: &[Vec<usize>],
    features: &[usize],
    rows: &[bool],
    min_leaf: usize,
) -> Option<(usize, f32)> {
    let min_leaf = min_leaf.max(1);
    let (count, total) = rows
        .iter()
        .zip(residual)
        .filter(|(r, _)| **r)
        .fold((0usize, 0.0f64), |(c, s), (_, r)| {
            (c + 1, s + f64::from(*r))
        });
    if count < 2 * min_leaf {
        return None;
    }
    let base = total * total / count as f64;
    let mut best: Option<(usize, f32, f64)> = None;
    for &f in features {
        let (mut c, mut s) = (0usize, 0.0f64);
        let sorted: Vec<usize> = order[f].iter().copied().filter(|i| rows[*i]).collect();
        for w in sorted.windows(2) {
            c += 1;
            s += f64::from(residual[w[0]]);
            let (a, b) = (xs[w[0]][f], xs[w[1]][f]);
            if a == b || c < min_leaf || count - c < min_leaf {
                continue;
            }
            let rest = total - s;
            let gain = s * s / c as f64 + rest * rest / (count - c) as f64 - base;
            if best.is_none_or(|(_, _, g)| gain > g + 1e-12) {
                best = Some((f, (a + b) / 2.0, gain));
            }
        }
    }
    best.map(|(f, t, _)| (f, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boosted_trees_learn_an_interaction_a_linear_model_cannot() {
        // y = a XOR b: no weights separate it; two-level trees do.
        let xs: Vec<Vec<f32>> = (0..200)
            .map(|i| vec![(i % 2) as f32, ((i / 2) % 2) as f32, (i % 7) as f32 / 7.0])
            .collect();
        let ys: Vec<bool> = xs.iter().map(|x| (x[0] > 0.5) != (x[1] > 0.5)).collect();
        let linear = fit_values(&xs, &ys, 0.0);
        let boosted = fit_boosted(
            &xs,
            &ys,
            None,
            &[true; 3],
            &Boosting {
                rounds: 100,
                rate: 0.2,
                min_leaf: 5,
                on_linear: false,
                out_of_fold: false,
            },
        );
        let accuracy = |m: &Logistic| {
            xs.iter()
                .zip(&ys)
                .filter(|(x, y)| (m.predict_values(x) >= 0.5) == **y)
                .count() as f32
                / xs.len() as f32
        };
        assert!(accuracy(&linear) < 0.8, "{}", accuracy(&linear));
        assert_eq!(accuracy(&boosted), 1.0);
        // A masked feature is never split on.
        let masked = fit_boosted(&xs, &ys, None, &[true, false, true], &Boosting::default());
        assert!(masked.trees.iter().all(|t| !t.feature.contains(&1)));
        // Saved and loaded, it predicts the same.
        let text = serde_json::to_string(&boosted).expect("serialise");
        let back: Logistic = serde_json::from_str(&text).expect("load");
        assert_eq!(back.predict_values(&xs[3]), boosted.predict_values(&xs[3]));
    }

    #[test]
    fn the_shipped_decision_loads() {
        let d = shipped_decision();
        assert!(d.rerank_model.is_some());
        assert_eq!(d.answer_model.weights.len(), Features::NAMES.len());
        assert!((0.0..1.0).contains(&d.answer_threshold));
        assert!((0.0..1.0).contains(&d.clarify_threshold));
    }

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
