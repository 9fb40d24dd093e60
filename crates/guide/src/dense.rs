//! Dense retrieval over vectors computed by the caller (optional signal).
//!
//! Source vectors are computed once per source at import (e.g. with multilingual-e5-small,
//! `passage: ` prefix) and stored by the caller in [`crate::Source::vector`]; the index only
//! keeps them, so a rebuild never recomputes them. The question's vector comes from a
//! [`QueryEmbedder`] given to the guide (`query: ` prefix), or is passed in directly.

/// Turns a question into a vector in the same space as the sources' vectors.
pub trait QueryEmbedder: Send + Sync {
    /// `None` if the text cannot be embedded (the guide then uses the sparse signals only).
    fn embed_query(&self, text: &str) -> Option<Vec<f32>>;
}

/// A [`QueryEmbedder`] that embeds each distinct question once and then answers from memory:
/// for fitting and evaluating, which retrieve every gold question many times. It keeps
/// everything it has seen, so it is not for a server.
pub struct RememberingEmbedder {
    inner: std::sync::Arc<dyn QueryEmbedder>,
    seen: std::sync::Mutex<std::collections::HashMap<String, Option<Vec<f32>>>>,
}

impl RememberingEmbedder {
    pub fn new(inner: std::sync::Arc<dyn QueryEmbedder>) -> RememberingEmbedder {
        RememberingEmbedder {
            inner,
            seen: std::sync::Mutex::new(std::collections::HashMap::new()),
        }
    }
}

impl QueryEmbedder for RememberingEmbedder {
    fn embed_query(&self, text: &str) -> Option<Vec<f32>> {
        if let Ok(seen) = self.seen.lock()
            && let Some(v) = seen.get(text)
        {
            return v.clone();
        }
        // Embedded outside the lock: two threads may both embed a new text once.
        let v = self.inner.embed_query(text);
        if let Ok(mut seen) = self.seen.lock() {
            seen.insert(text.to_string(), v.clone());
        }
        v
    }
}

/// The text to embed for a source (with the `passage: ` prefix added by the embedder): its
/// title, section heading and answer, on one line.
pub fn passage_text(s: &crate::Source) -> String {
    let mut t = s.title.clone();
    if let Some(h) = &s.section {
        t.push_str(" — ");
        t.push_str(h);
    }
    t.push('。');
    t.push_str(&s.answer);
    t.replace(['\t', '\n', '\r'], " ")
}

/// What a source's title vector embeds, as a question (`query: ` prefix): the title alone. A
/// FAQ entry's title is its question, worded as a resident would ask it; the question-to-
/// question cosine tells a question that asks what the entry asks from one that only shares
/// its subject ([`crate::calibrate::Features::question_first`]).
pub fn title_text(s: &crate::Source) -> String {
    s.title.replace(['\t', '\n', '\r'], " ")
}

/// Most sentences of one source that get their own vector: a long page section is cut off
/// rather than made costly to import.
pub const MAX_SENTENCES: usize = 12;

/// The sentences of a source's answer that are embedded one by one (with the `passage: `
/// prefix), so that a question can be matched against the one sentence that answers it: a
/// source that speaks of the question's subject but gives no sentence on the detail asked
/// (公民館の調理実習室って1時間いくら？ against a page that lists the room) matches its
/// sentences less well than its whole text. Split after 。！？!? and line breaks; pieces
/// shorter than six characters are left out; at most [`MAX_SENTENCES`], in order.
pub fn passage_sentences(s: &crate::Source) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let flush = |current: &mut String, out: &mut Vec<String>| {
        let t = current.trim().to_string();
        if t.chars().count() >= 6 && !out.contains(&t) && out.len() < MAX_SENTENCES {
            out.push(t);
        }
        current.clear();
    };
    for c in s.answer.chars() {
        match c {
            '\n' | '\r' => flush(&mut current, &mut out),
            '。' | '！' | '？' | '!' | '?' => {
                current.push(c);
                flush(&mut current, &mut out);
            }
            '\t' => current.push(' '),
            _ => current.push(c),
        }
    }
    flush(&mut current, &mut out);
    out
}

/// Brute-force cosine search over L2-normalised vectors (10,000 × 384 floats ≈ 2 ms).
pub struct DenseIndex {
    dim: usize,
    /// (source position, unit vector)
    rows: Vec<(usize, Vec<f32>)>,
    /// Unit vectors of each source's sentences, by source position (only sources that have
    /// them).
    sentences: std::collections::HashMap<usize, Vec<Vec<f32>>>,
    /// Unit vectors of the sources' titles embedded as questions, by source position.
    titles: std::collections::HashMap<usize, Vec<f32>>,
}

/// The dot product (the cosine of two unit vectors).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn normalised(v: &[f32]) -> Option<Vec<f32>> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    (n > 0.0 && n.is_finite()).then(|| v.iter().map(|x| x / n).collect())
}

impl DenseIndex {
    /// Keeps the vectors of the dimension most sources have; others are ignored.
    pub fn build<'a>(
        vectors: impl Iterator<Item = (usize, Option<&'a [f32]>)>,
    ) -> Option<DenseIndex> {
        let all: Vec<(usize, &[f32])> = vectors.filter_map(|(i, v)| v.map(|v| (i, v))).collect();
        let dim = all.first()?.1.len();
        let rows: Vec<(usize, Vec<f32>)> = all
            .into_iter()
            .filter(|(_, v)| v.len() == dim)
            .filter_map(|(i, v)| normalised(v).map(|n| (i, n)))
            .collect();
        (!rows.is_empty()).then_some(DenseIndex {
            dim,
            rows,
            sentences: std::collections::HashMap::new(),
            titles: std::collections::HashMap::new(),
        })
    }

    /// The question as a unit vector, when it has the index's dimension.
    fn unit_query(&self, query: &[f32]) -> Option<Vec<f32>> {
        (query.len() == self.dim)
            .then(|| normalised(query))
            .flatten()
    }

    /// Adds the sources' sentence vectors (those of another dimension are ignored).
    pub fn with_sentences<'a>(
        mut self,
        sentences: impl Iterator<Item = (usize, &'a [Vec<f32>])>,
    ) -> DenseIndex {
        for (i, vs) in sentences {
            let kept: Vec<Vec<f32>> = vs
                .iter()
                .filter(|v| v.len() == self.dim)
                .filter_map(|v| normalised(v))
                .collect();
            if !kept.is_empty() {
                self.sentences.insert(i, kept);
            }
        }
        self
    }

    /// Adds the sources' title vectors (those of another dimension are ignored).
    pub fn with_titles<'a>(
        mut self,
        titles: impl Iterator<Item = (usize, &'a [f32])>,
    ) -> DenseIndex {
        for (i, v) in titles {
            if let Some(n) = (v.len() == self.dim).then(|| normalised(v)).flatten() {
                self.titles.insert(i, n);
            }
        }
        self
    }

    /// The question's cosine to each of `sources`' title vectors, for those that have one.
    pub fn title_cosines(
        &self,
        query: &[f32],
        sources: impl IntoIterator<Item = usize>,
    ) -> std::collections::HashMap<usize, f32> {
        let Some(q) = self.unit_query(query) else {
            return std::collections::HashMap::new();
        };
        sources
            .into_iter()
            .filter_map(|i| {
                let t = self.titles.get(&i)?;
                Some((i, dot(t, &q)))
            })
            .collect()
    }

    /// The question's best cosine to one of source `i`'s sentences; `None` when the source
    /// has no sentence vectors or the question vector does not fit.
    pub fn best_sentence(&self, query: &[f32], i: usize) -> Option<f32> {
        self.best_sentences(query, [i]).get(&i).copied()
    }

    /// [`DenseIndex::best_sentence`] of each of `sources` (the question normalised once), for
    /// those that have sentence vectors.
    pub fn best_sentences(
        &self,
        query: &[f32],
        sources: impl IntoIterator<Item = usize>,
    ) -> std::collections::HashMap<usize, f32> {
        let Some(q) = self.unit_query(query) else {
            return std::collections::HashMap::new();
        };
        sources
            .into_iter()
            .filter_map(|i| {
                let best = self
                    .sentences
                    .get(&i)?
                    .iter()
                    .map(|v| dot(v, &q))
                    .max_by(f32::total_cmp)?;
                Some((i, best))
            })
            .collect()
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The `limit` most similar sources: (source position, cosine), best first.
    pub fn search(&self, query: &[f32], limit: usize) -> Vec<(usize, f32)> {
        self.search_standardised(query, limit).0
    }

    /// As [`DenseIndex::search`], plus how far the best cosine stands above this question's
    /// cosines to all sources, in standard deviations. Raw e5 cosines crowd into 0.75–0.92 for
    /// any question about the municipality, answerable or not; the standing above the
    /// question's own background is what separates "a source says this" from "sources are
    /// about the same topic" (0 with fewer than two sources).
    pub fn search_standardised(&self, query: &[f32], limit: usize) -> (Vec<(usize, f32)>, f32) {
        let Some(q) = self.unit_query(query) else {
            return (Vec::new(), 0.0);
        };
        let mut scored: Vec<(usize, f32)> =
            self.rows.iter().map(|(i, v)| (*i, dot(v, &q))).collect();
        let n = scored.len() as f32;
        let mean = scored.iter().map(|s| s.1).sum::<f32>() / n;
        let var = scored.iter().map(|s| (s.1 - mean).powi(2)).sum::<f32>() / n;
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        let z = match scored.first() {
            Some(best) if scored.len() > 1 && var > 0.0 => (best.1 - mean) / var.sqrt(),
            _ => 0.0,
        };
        scored.truncate(limit);
        (scored, z)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_order() {
        let v = [vec![1.0, 0.0], vec![0.7, 0.7], vec![0.0, 1.0]];
        let idx = DenseIndex::build(v.iter().enumerate().map(|(i, v)| (i, Some(v.as_slice()))))
            .expect("index");
        let hits = idx.search(&[1.0, 0.1], 3);
        assert_eq!(hits.iter().map(|h| h.0).collect::<Vec<_>>(), vec![0, 1, 2]);
        assert!(idx.search(&[1.0, 0.0, 0.0], 3).is_empty());
    }

    #[test]
    fn the_best_match_is_measured_against_the_questions_background() {
        // Ten sources on one topic and one that matches the question: the match stands out.
        let mut v: Vec<Vec<f32>> = (0..10).map(|k| vec![0.0, 1.0, k as f32 * 0.01]).collect();
        v.push(vec![1.0, 0.2, 0.0]);
        let idx = DenseIndex::build(v.iter().enumerate().map(|(i, v)| (i, Some(v.as_slice()))))
            .expect("index");
        let (hits, z) = idx.search_standardised(&[1.0, 0.1, 0.0], 3);
        assert_eq!(hits.first().map(|h| h.0), Some(10));
        assert!(z > 2.5, "{z}");
        // A question near the crowd only: nothing stands out.
        let (_, z) = idx.search_standardised(&[0.0, 1.0, 0.05], 3);
        assert!(z < 2.0, "{z}");
    }

    #[test]
    fn sentences_are_split_at_japanese_and_latin_stops() {
        let mut s = crate::Source::from_faq(&crate::faq::FaqEntry {
            id: "f".into(),
            question: "公民館".into(),
            answer: "会議室と調理実習室があります。\n会議室は1時間300円です！予約は？はい\t電話"
                .into(),
            department: None,
            category: None,
            url: None,
            updated: None,
        });
        assert_eq!(
            passage_sentences(&s),
            ["会議室と調理実習室があります。", "会議室は1時間300円です！"]
        );
        // A piece shorter than six characters is left out; the last piece counts without a stop.
        s.answer = "はい。窓口で申請してください".into();
        assert_eq!(passage_sentences(&s), ["窓口で申請してください"]);
        s.answer = "あ。".repeat(3) + &"一つの文です。".repeat(30);
        assert_eq!(
            passage_sentences(&s).len(),
            1,
            "repeated sentences count once"
        );
    }

    #[test]
    fn title_cosines_are_per_source_and_skip_missing_titles() {
        let idx = DenseIndex::build(
            [(0, Some(&[1.0f32, 0.0][..])), (1, Some(&[0.0, 1.0][..]))].into_iter(),
        )
        .expect("index")
        .with_titles([(0, &[3.0f32, 4.0][..]), (1, &[1.0, 0.0, 0.0][..])].into_iter());
        let cos = idx.title_cosines(&[0.0, 2.0], [0, 1]);
        assert!((cos[&0] - 0.8).abs() < 1e-6);
        assert!(
            !cos.contains_key(&1),
            "a title of another dimension is ignored"
        );
        assert!(idx.title_cosines(&[1.0, 0.0, 0.0], [0]).is_empty());
    }

    #[test]
    fn the_best_sentence_is_the_nearest_one() {
        let v = [vec![1.0, 0.0], vec![0.0, 1.0]];
        let sentences = [vec![vec![0.6, 0.8], vec![1.0, 0.0]], vec![]];
        let idx = DenseIndex::build(v.iter().enumerate().map(|(i, v)| (i, Some(v.as_slice()))))
            .expect("index")
            .with_sentences(sentences.iter().enumerate().map(|(i, s)| (i, s.as_slice())));
        assert_eq!(idx.best_sentence(&[2.0, 0.0], 0), Some(1.0));
        assert!((idx.best_sentence(&[0.0, 1.0], 0).unwrap_or(0.0) - 0.8).abs() < 1e-6);
        assert_eq!(idx.best_sentence(&[0.0, 1.0], 1), None);
        assert_eq!(idx.best_sentence(&[0.0, 1.0, 0.0], 0), None);
    }

    #[test]
    fn remembering_embedder_embeds_each_question_once() {
        struct Counting(std::sync::atomic::AtomicUsize);
        impl QueryEmbedder for Counting {
            fn embed_query(&self, text: &str) -> Option<Vec<f32>> {
                self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Some(vec![text.len() as f32])
            }
        }
        let inner = std::sync::Arc::new(Counting(std::sync::atomic::AtomicUsize::new(0)));
        let r = RememberingEmbedder::new(inner.clone());
        assert_eq!(r.embed_query("住民票"), Some(vec![9.0]));
        assert_eq!(r.embed_query("住民票"), Some(vec![9.0]));
        assert_eq!(r.embed_query("ごみ"), Some(vec![6.0]));
        assert_eq!(inner.0.load(std::sync::atomic::Ordering::SeqCst), 2);
    }
}
