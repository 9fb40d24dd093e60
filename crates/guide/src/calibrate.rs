//! Calibrated confidence: a logistic model over scale-free retrieval features.
//!
//! The features do not depend on the corpus size or the BM25 scale, so coefficients fitted
//! on one municipality's gold set carry over to another. [`fit`] is the tiny trainer used by
//! the evaluation to refit them on a development split.

use serde::{Deserialize, Serialize};

/// Features of one question's retrieval result, each roughly in 0..1.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
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
    /// Cosine similarity of the best dense match (0 without vectors).
    pub dense: f32,
}

impl Features {
    pub const NAMES: [&'static str; 6] = [
        "coverage",
        "title_coverage",
        "unknown",
        "margin",
        "agreement",
        "dense",
    ];

    pub fn to_vec(&self) -> [f32; 6] {
        [
            self.coverage,
            self.title_coverage,
            self.unknown,
            self.margin,
            self.agreement,
            self.dense,
        ]
    }
}

/// p = σ(bias + Σ weight·feature).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logistic {
    pub bias: f32,
    pub weights: [f32; 6],
}

impl Logistic {
    pub fn predict(&self, f: &Features) -> f32 {
        let z = self.bias
            + self
                .weights
                .iter()
                .zip(f.to_vec())
                .map(|(w, x)| w * x)
                .sum::<f32>();
        1.0 / (1.0 + (-z).exp())
    }
}

/// Default P(first candidate is right), fitted on the development half of the demo gold set
/// (see docs/guide.md); replace with `madoguchi guide eval --fit` on your own gold set.
pub const DEFAULT_ANSWER_MODEL: Logistic = Logistic {
    bias: -3.736,
    weights: [4.203, 0.760, 1.601, 2.969, 1.303, 0.0],
};

/// Default P(a right source is among the first three).
pub const DEFAULT_CHOICE_MODEL: Logistic = Logistic {
    bias: -1.797,
    weights: [4.279, 0.406, 0.004, 0.566, 1.520, 0.0],
};

/// Fits a logistic model by full-batch gradient descent with a little L2 (deterministic).
pub fn fit(xs: &[Features], ys: &[bool], l2: f32) -> Logistic {
    let mut m = Logistic {
        bias: 0.0,
        weights: [0.0; 6],
    };
    if xs.is_empty() {
        return m;
    }
    let n = xs.len() as f32;
    let lr = 0.5;
    for _ in 0..4000 {
        let mut gb = 0.0;
        let mut gw = [0.0f32; 6];
        for (x, y) in xs.iter().zip(ys) {
            let err = m.predict(x) - if *y { 1.0 } else { 0.0 };
            gb += err;
            for (g, v) in gw.iter_mut().zip(x.to_vec()) {
                *g += err * v;
            }
        }
        m.bias -= lr * gb / n;
        for (w, g) in m.weights.iter_mut().zip(gw) {
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
