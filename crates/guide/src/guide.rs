//! The guide: build an index from a knowledge base, answer one question at a time.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use madoguchi_core::catalog::Department;
use serde::{Deserialize, Serialize};

use crate::calibrate::{CandidateFeatures, Features, Logistic};
use crate::dense::{DenseIndex, QueryEmbedder};
use crate::index::{IndexDoc, SparseIndex};
use crate::morph::{MorphConfig, MorphError, MorphSignal};
use crate::normalize::{Synonyms, normalize};
use crate::redact::{PiiKind, Redactor};
use crate::router::{Route, SensitiveTopic, default_sensitive_topics, route, sensitive};
use crate::source::{DepartmentInfo, KnowledgeBase, OnlineLink, Source, SourceKind};
use crate::tokenize::{Token, TokenWeights, doc_tokens, query_tokens};

/// [`Features::agreement`] when the best source has no department: the mean over the demo's
/// fitting questions (0.84 with the whole knowledge base, 0.88 with the FAQ alone).
const AGREEMENT_UNKNOWN: f32 = 0.86;

/// How several retrieval signals are combined.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fusion {
    /// Reciprocal rank fusion: Σ weight / (k + rank).
    Rrf { k: f32 },
    /// Each signal's scores divided by its best score, then a weighted sum.
    Weighted,
}

/// Multipliers on a source's score by kind.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KindBoost {
    pub faq: f32,
    pub page: f32,
    pub procedure: f32,
}

impl KindBoost {
    fn get(&self, k: SourceKind) -> f32 {
        match k {
            SourceKind::Faq => self.faq,
            SourceKind::Page => self.page,
            SourceKind::Procedure => self.procedure,
        }
    }
}

/// Everything tunable. `GuideConfig::default()` is the offline default: bigram BM25 with
/// normalisation and synonyms, no extra install.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GuideConfig {
    /// Use the built-in synonym table.
    pub builtin_synonyms: bool,
    /// Staff-maintained (resident word, official word) pairs.
    pub extra_synonyms: Vec<(String, String)>,
    /// Questions in kana also look for the kanji words of the sources that read so
    /// (じどうてあて → 児童手当; [`crate::readings`]).
    pub kana_readings: bool,
    /// Kanji the input method chose wrongly are corrected to the sources' word that reads the
    /// same (婚因届 → 婚姻届; [`crate::readings::Readings::correct`]); needs `kana_readings`.
    pub kanji_correction: bool,
    pub token_weights: TokenWeights,
    /// Weight of the words the everyday-language tables add to a question (お店を開きたい →
    /// 起業 開業; English → Japanese), relative to the question's own words: they find the
    /// official wording, but a wrong one must not outweigh what the resident wrote.
    pub everyday_weight: f32,
    /// Give a definitive answer only when the first source names every subject word of the
    /// question (see [`crate::calibrate::answer_probability`]); otherwise offer choices.
    pub subject_guard: bool,
    /// BM25 weight of the title field (FAQ question, procedure name and aliases) vs the body.
    pub title_boost: f32,
    pub kind_boost: KindBoost,
    /// How many sources each signal retrieves before fusion.
    pub depth: usize,
    pub fusion: Fusion,
    /// Weight of the character-bigram BM25 signal in fusion (0: left out of the ranking; its
    /// index still gives the calibration features).
    pub bigram_weight: f32,
    /// Weight of the dense signal in fusion (used only when vectors are present).
    pub dense_weight: f32,
    /// Morphological BM25 as an extra signal (feature `lindera`; `None`: off).
    pub morph: Option<MorphConfig>,
    /// Reorders the first ten candidates by P(relevant) from [`CandidateFeatures`]
    /// (`None`: keep the fused order).
    pub rerank_model: Option<Logistic>,
    /// P(first candidate is right): answer when at least `answer_threshold`.
    pub answer_model: Logistic,
    pub answer_threshold: f32,
    /// P(a right source is among the first three): offer them as choices when at least
    /// `clarify_threshold`; below it, decline and hand over.
    pub choice_model: Logistic,
    pub clarify_threshold: f32,
    pub sensitive_topics: Vec<SensitiveTopic>,
    /// This portal's page of a procedure; `{id}` is replaced.
    pub online_url_template: String,
    /// Public numbers the redactor keeps (the municipality's own phone numbers).
    pub redactor_allowlist: Vec<String>,
}

impl Default for GuideConfig {
    fn default() -> Self {
        GuideConfig {
            builtin_synonyms: true,
            extra_synonyms: Vec::new(),
            kana_readings: true,
            kanji_correction: true,
            token_weights: TokenWeights::default(),
            everyday_weight: 0.75,
            subject_guard: true,
            title_boost: 2.0,
            kind_boost: KindBoost {
                faq: 1.0,
                page: 1.0,
                procedure: 1.0,
            },
            depth: 60,
            fusion: Fusion::Rrf { k: 20.0 },
            bigram_weight: 1.0,
            dense_weight: 1.0,
            morph: None,
            rerank_model: Some(crate::calibrate::default_rerank_model()),
            answer_model: crate::calibrate::default_answer_model(),
            answer_threshold: crate::calibrate::default_answer_threshold(),
            choice_model: crate::calibrate::default_choice_model(),
            clarify_threshold: crate::calibrate::default_clarify_threshold(),
            sensitive_topics: default_sensitive_topics(),
            online_url_template: "/procedures/{id}".to_string(),
            redactor_allowlist: Vec::new(),
        }
    }
}

/// A source cited by an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Citation {
    pub id: String,
    pub title: String,
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<chrono::NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub id: String,
    /// The reranker's P(relevant) when a reranker is set (the default), else the fused
    /// retrieval score.
    pub score: f32,
}

/// The procedure a question is about, with its online link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcedureLink {
    pub id: String,
    pub name: String,
    pub online: Option<OnlineLink>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub id: String,
    pub title: String,
    pub kind: SourceKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clarification {
    pub prompt: String,
    pub choices: Vec<Choice>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensitiveWarning {
    pub topic: String,
    pub message: String,
    pub help_line: bool,
}

/// Why the guide answered, asked back or declined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A confident match: `answer` quotes it.
    Answered,
    /// Several sources fit: `clarification` offers them.
    Ambiguous,
    /// Nothing in the knowledge base answers this.
    NotInKb,
    /// Not something a municipal desk answers (weather, advice…).
    OutOfScope,
    /// About one person's case or record; only staff can see it.
    PersonalCase,
    /// Call 119 / 110.
    Emergency,
    /// The resident asked for a person.
    HumanRequest,
    /// Nothing was asked.
    Empty,
    /// A crisis topic: answer (if any) shown, but staff are alerted.
    Crisis,
}

/// The outcome for one question. Serialisable; `question` is already redacted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuideAnswer {
    /// The question after redaction (safe to store and log).
    pub question: String,
    /// A definitive answer was given.
    pub answered: bool,
    /// The official text (verbatim), or the polite decline / clarifying question.
    pub answer: Option<String>,
    pub citations: Vec<Citation>,
    pub department: Option<DepartmentInfo>,
    pub procedure: Option<ProcedureLink>,
    /// The ten best sources (ids as imported).
    pub candidates: Vec<Candidate>,
    /// Calibrated probability that the best candidate answers the question.
    pub confidence: f32,
    /// Hand over to staff.
    pub handoff: bool,
    pub reason: Reason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clarification: Option<Clarification>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitive: Option<SensitiveWarning>,
    /// Personal information found (and removed) in the question.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pii: Vec<PiiKind>,
    /// Words of the question read as others: kanji the input method chose wrongly, corrected
    /// to the sources' word that reads the same (shown to the resident, who can rephrase).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub read_as: Vec<ReadAs>,
}

/// A word of the question read as another ([`GuideAnswer::read_as`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadAs {
    pub typed: String,
    pub read_as: String,
}

/// Retrieval details for one question (evaluation and debugging).
#[derive(Debug, Clone, Default)]
pub struct Retrieval {
    /// (id, score, position of its best source), best first, all candidates. The score is the
    /// fused retrieval score, or for the first ten the reranker's P(relevant) when a reranker
    /// is set.
    pub ranked: Vec<(String, f32, usize)>,
    pub features: Features,
    /// Features of the first ten candidates of the fused ranking (before any reranking),
    /// with their ids.
    pub candidates: Vec<(String, CandidateFeatures)>,
}

/// The guide. Immutable after [`Guide::build`]; `ask` takes `&self`, so one `Arc<Guide>` serves
/// every request. Rebuild (cheap) when sources change.
pub struct Guide {
    config: GuideConfig,
    synonyms: Synonyms,
    /// [`Synonyms::core`] and the staff's pairs, for judging the question's subject words.
    core_synonyms: Synonyms,
    /// Readings of the sources' kanji words, when `kana_readings` is on.
    readings: Option<crate::readings::Readings>,
    sources: Vec<Source>,
    /// Normalised title (+ keywords + heading) and body of every source.
    norm: Vec<(String, String)>,
    index: SparseIndex,
    /// Bigram tokens of each source's title as shown (title and section heading).
    shown_titles: Vec<Vec<String>>,
    /// Each source's answer, folded (for the aspect check).
    folded_answers: Vec<String>,
    morph: Option<MorphSignal>,
    /// Every source's normalised title and body, one per line (for the unknown-word check).
    corpus: String,
    dense: Option<DenseIndex>,
    embedder: Option<Arc<dyn QueryEmbedder>>,
    departments: HashMap<String, DepartmentInfo>,
    redactor: Redactor,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("morphological signal: {0}")]
    Morph(#[from] MorphError),
}

const DECLINE_NOT_IN_KB: &str = "申し訳ありません。このご質問にお答えできる情報が見つかりませんでした。担当の職員におつなぎします。";
const DECLINE_PERSONAL: &str =
    "個別のご事情や申請の状況は、この案内ではお調べできません。担当課にお問い合わせください。";
const EMERGENCY: &str =
    "緊急の場合は、火事・救急は119番、事件・事故は110番に今すぐ電話してください。";
const HUMAN: &str = "担当の職員におつなぎします。";
const CLARIFY: &str = "どちらについてのご質問ですか。近いものを選んでください。";

impl Guide {
    /// Builds the guide. `departments` give the contact shown with each answer.
    pub fn build(
        kb: KnowledgeBase,
        config: &GuideConfig,
        departments: &[Department],
    ) -> Result<Guide, BuildError> {
        // The everyday-language tables find the right source, but they also make a question
        // about something near a source read like that source: the sources and the question's
        // subject words are read with the municipal words alone (`core_synonyms`).
        let (synonyms, core_synonyms) = if config.builtin_synonyms {
            (Synonyms::builtin(), Synonyms::core())
        } else {
            (Synonyms::empty(), Synonyms::empty())
        };
        let staff = || config.extra_synonyms.iter().cloned();
        let (synonyms, core_synonyms) = (
            synonyms.with_extra(staff()),
            core_synonyms.with_extra(staff()),
        );
        let sources = kb.sources;
        let norm: Vec<(String, String)> = sources
            .iter()
            .map(|s| {
                let mut title = s.title.clone();
                if let Some(h) = &s.section {
                    title.push(' ');
                    title.push_str(h);
                }
                for k in &s.keywords {
                    title.push(' ');
                    title.push_str(k);
                }
                // The sources are in official wording already: only the municipal table's
                // spellings are added to them (the everyday-language tables read questions).
                (
                    normalize(&title, &core_synonyms),
                    normalize(&s.text, &core_synonyms),
                )
            })
            .collect();
        let docs = norm
            .iter()
            .map(|(t, b)| IndexDoc {
                title: doc_tokens(t),
                body: doc_tokens(b),
            })
            .collect();
        let index = SparseIndex::build(docs)?;
        let mut corpus = String::new();
        for (t, b) in &norm {
            corpus.push_str(t);
            corpus.push('\n');
            corpus.push_str(b);
            corpus.push('\n');
        }
        let shown_titles = sources
            .iter()
            .map(|s| {
                let mut seen = HashSet::new();
                doc_tokens(&normalize(&s.display_title(), &Synonyms::empty()))
                    .into_iter()
                    .filter(|t| seen.insert(t.clone()))
                    .collect()
            })
            .collect();
        let folded_answers = sources
            .iter()
            .map(|s| crate::normalize::fold(&s.answer))
            .collect();
        let morph = match &config.morph {
            Some(mc) => {
                let raw: Vec<(String, String)> = sources
                    .iter()
                    .map(|s| {
                        let mut title = s.title.clone();
                        for extra in s.section.iter().chain(&s.keywords) {
                            title.push('\n');
                            title.push_str(extra);
                        }
                        (title, s.text.clone())
                    })
                    .collect();
                Some(MorphSignal::build(mc, &raw, &synonyms)?)
            }
            None => None,
        };
        let readings = config.kana_readings.then(|| {
            crate::readings::Readings::build(
                norm.iter().flat_map(|(t, b)| [t.as_str(), b.as_str()]),
            )
        });
        let dense = DenseIndex::build(
            sources
                .iter()
                .enumerate()
                .map(|(i, s)| (i, s.vector.as_deref())),
        )
        .map(|d| {
            d.with_sentences(
                sources
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (i, s.sentence_vectors.as_slice())),
            )
            .with_titles(
                sources
                    .iter()
                    .enumerate()
                    .filter_map(|(i, s)| Some((i, s.title_vector.as_deref()?))),
            )
        });
        Ok(Guide {
            config: config.clone(),
            synonyms,
            core_synonyms,
            readings,
            sources,
            norm,
            index,
            shown_titles,
            folded_answers,
            corpus,
            morph,
            dense,
            embedder: None,
            departments: departments
                .iter()
                .map(|d| (d.id.clone(), DepartmentInfo::from_department(d)))
                .collect(),
            redactor: Redactor::default().with_allowlist(
                config
                    .redactor_allowlist
                    .iter()
                    .cloned()
                    .chain(departments.iter().filter_map(|d| d.phone.clone())),
            ),
        })
    }

    /// Adds a question embedder (dense signal); sources need vectors of the same model.
    pub fn with_embedder(mut self, embedder: Arc<dyn QueryEmbedder>) -> Guide {
        self.embedder = Some(embedder);
        self
    }

    /// The same guide, embedding each distinct question only once
    /// ([`crate::dense::RememberingEmbedder`]): for fitting and evaluating.
    pub fn remembering_question_vectors(mut self) -> Guide {
        if let Some(e) = self.embedder.take() {
            self.embedder = Some(Arc::new(crate::dense::RememberingEmbedder::new(e)));
        }
        self
    }

    /// Replaces the decision models and thresholds (the index is kept).
    pub fn set_decision(
        &mut self,
        answer_model: Logistic,
        answer_threshold: f32,
        choice_model: Logistic,
        clarify_threshold: f32,
    ) {
        self.config.answer_model = answer_model;
        self.config.answer_threshold = answer_threshold;
        self.config.choice_model = choice_model;
        self.config.clarify_threshold = clarify_threshold;
    }

    /// Replaces the reranker (the index is kept).
    pub fn set_rerank(&mut self, model: Option<Logistic>) {
        self.config.rerank_model = model;
    }

    pub fn config(&self) -> &GuideConfig {
        &self.config
    }

    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    pub fn has_dense(&self) -> bool {
        self.dense.is_some() && self.embedder.is_some()
    }

    fn weighted_idf(&self, tokens: &[Token]) -> Vec<f32> {
        tokens
            .iter()
            .map(|t| t.weight * self.index.idf(&t.text))
            .collect()
    }

    /// Retrieval and features for a question (no routing, no decision).
    pub fn retrieve(&self, question: &str) -> Retrieval {
        let read = self.corrected(question);
        let qvec = self.embedder.as_ref().and_then(|e| e.embed_query(&read));
        self.retrieve_read(&read, qvec.as_deref())
    }

    /// The question as retrieval reads it: with the kanji the input method chose wrongly
    /// corrected (when `kanji_correction` is on), and, written in romaji, with its kana and
    /// the sources' words that read so appended (with `kana_readings`). A caller computing the
    /// question's vector itself embeds this text.
    pub fn corrected<'a>(&self, question: &'a str) -> std::borrow::Cow<'a, str> {
        let Some(readings) = &self.readings else {
            return std::borrow::Cow::Borrowed(question);
        };
        let fixed = self
            .config
            .kanji_correction
            .then(|| readings.correct(question))
            .flatten();
        let text = fixed.as_deref().unwrap_or(question);
        match (readings.romaji(text), fixed) {
            (Some(r), _) | (None, Some(r)) => std::borrow::Cow::Owned(r),
            (None, None) => std::borrow::Cow::Borrowed(question),
        }
    }

    /// As [`Guide::retrieve`], with a question vector computed by the caller (of
    /// [`Guide::corrected`]'s text); `question` is corrected here too.
    pub fn retrieve_with_vector(&self, question: &str, qvec: Option<&[f32]>) -> Retrieval {
        self.retrieve_read(&self.corrected(question), qvec)
    }

    /// Retrieval of a question already read by [`Guide::corrected`] (reading it twice would
    /// append a romaji question's kana twice).
    fn retrieve_read(&self, question: &str, qvec: Option<&[f32]>) -> Retrieval {
        let mut qnorm = normalize(question, &self.synonyms);
        if let Some(r) = &self.readings {
            qnorm = r.expand(&qnorm);
        }
        let mut qtok = query_tokens(&qnorm, &self.config.token_weights);
        if self.config.everyday_weight != 1.0 && self.core_synonyms.len() < self.synonyms.len() {
            let mut core = normalize(question, &self.core_synonyms);
            if let Some(r) = &self.readings {
                core = r.expand(&core);
            }
            let own: std::collections::HashSet<String> =
                query_tokens(&core, &self.config.token_weights)
                    .into_iter()
                    .map(|t| t.text)
                    .collect();
            for t in qtok.iter_mut().filter(|t| !own.contains(&t.text)) {
                t.weight *= self.config.everyday_weight;
            }
        }
        let boost = |i: usize| self.config.kind_boost.get(self.sources[i].kind);
        let mut signals: Vec<(f32, Vec<(usize, f32)>)> = Vec::new();
        let sparse: Vec<(usize, f32)> = self
            .index
            .search(&qtok, self.config.title_boost, self.config.depth)
            .into_iter()
            .map(|(i, s)| (i, s * boost(i)))
            .collect();
        if self.config.bigram_weight > 0.0 {
            signals.push((self.config.bigram_weight, sparse));
        }
        if let Some(m) = &self.morph {
            let hits = m.search(
                question,
                &self.synonyms,
                self.config.title_boost,
                self.config.depth,
            );
            signals.push((
                m.weight,
                hits.into_iter().map(|(i, s)| (i, s * boost(i))).collect(),
            ));
        }
        let mut dense_top = 0.0f32;
        let mut dense_cos: HashMap<usize, f32> = HashMap::new();
        if let (Some(d), Some(v)) = (&self.dense, qvec) {
            let (hits, z) = d.search_standardised(v, self.config.depth);
            // Scaled to about 0..1 like the other features (z of a clear match is 4–8).
            dense_top = (z / 8.0).clamp(0.0, 1.0);
            dense_cos.extend(hits.iter().copied());
            signals.push((
                self.config.dense_weight,
                hits.into_iter().map(|(i, s)| (i, s * boost(i))).collect(),
            ));
        }
        let fused = fuse(&signals, self.config.fusion);
        // Best source per id.
        let mut by_id: HashMap<&str, (f32, usize)> = HashMap::new();
        for (i, s) in fused {
            let e = by_id.entry(self.sources[i].id.as_str()).or_insert((s, i));
            if s > e.0 {
                *e = (s, i);
            }
        }
        let mut ranked: Vec<(String, f32, usize)> = by_id
            .into_iter()
            .map(|(id, (s, i))| (id.to_string(), s, i))
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let folded = crate::normalize::fold(question);
        let plain = query_tokens(&folded, &self.config.token_weights);
        let qwords = self.subject_words(question);
        // The question's best sentence cosine per source, for the first ten.
        let sentence_cos: HashMap<usize, f32> = match (&self.dense, qvec) {
            (Some(d), Some(v)) => d.best_sentences(v, ranked.iter().take(10).map(|r| r.2)),
            _ => HashMap::new(),
        };
        let candidates = self.candidate_features(
            &qtok,
            &plain,
            &folded,
            &ranked,
            (&dense_cos, &sentence_cos),
            &qwords,
        );
        let mut probs: Vec<f32> = Vec::new();
        if let Some(m) = &self.config.rerank_model {
            let mut scored: Vec<(f32, (String, f32, usize))> = candidates
                .iter()
                .zip(ranked.iter().cloned())
                .map(|((_, f), r)| (m.predict_values(&f.to_vec()), r))
                .collect();
            // Stable: ties keep the fused order.
            scored.sort_by(|a, b| b.0.total_cmp(&a.0));
            probs = scored.iter().map(|x| x.0).collect();
            let n = scored.len();
            // The reranked candidates carry their P(relevant) as score.
            ranked.splice(0..n, scored.into_iter().map(|(p, (id, _, i))| (id, p, i)));
        }
        let mut features = self.features(&qtok, &ranked, dense_top);
        if !probs.is_empty() {
            features.rerank_first = probs[0];
            features.rerank_top3 = 1.0 - probs.iter().take(3).map(|p| 1.0 - p).product::<f32>();
        }
        // Synonym expansion adds words the question did not use; judge coverage on the
        // question as written too, and keep the more favourable reading.
        if !plain.is_empty() && plain.len() < qtok.len() {
            features.favour(&self.features(&plain, &ranked, dense_top));
        }
        // A question in English is judged by its translation (the glossary's words appended):
        // its English words occur in no Japanese source, and counting them would make every
        // English question look like one about something the sources never mention.
        if mostly_latin(&folded)
            && let Some(added) = qnorm.strip_prefix(folded.as_str())
        {
            let translated = query_tokens(added, &self.config.token_weights);
            if !translated.is_empty() {
                features.favour(&self.features(&translated, &ranked, dense_top));
            }
        }
        let top3: Vec<usize> = ranked.iter().take(3).map(|r| r.2).collect();
        let sentence = |i: &usize| sentence_cos.get(i).copied().unwrap_or(0.0);
        features.sentence_first = top3.first().map(sentence).unwrap_or(0.0);
        features.sentence_top3 = top3.iter().map(sentence).fold(0.0, f32::max);
        if let (Some(d), Some(v)) = (&self.dense, qvec) {
            let asked = d.title_cosines(v, top3.iter().copied());
            let cos = |i: &usize| asked.get(i).copied().unwrap_or(0.0);
            features.question_first = top3.first().map(cos).unwrap_or(0.0);
            features.question_top3 = top3.iter().map(cos).fold(0.0, f32::max);
            features.question_margin =
                features.question_first - top3.iter().skip(1).map(cos).fold(0.0, f32::max);
        }
        (features.unknown_words, features.uncovered_words) = self.unknown_words(&qwords, &top3);
        if let Some((_, _, best)) = ranked.first() {
            features.missing_first = 1.0 - self.word_coverage(&qwords, *best);
            features.sufficiency = crate::aspect::sufficiency(&folded, &self.folded_answers[*best]);
            let first = self.sources[*best].id.as_str();
            let agree = signals
                .iter()
                .filter(|(_, hits)| {
                    hits.first()
                        .is_some_and(|(i, _)| self.sources[*i].id == first)
                })
                .count();
            features.signals_agree = agree as f32 / signals.len() as f32;
        }
        Retrieval {
            ranked,
            features,
            candidates,
        }
    }

    /// The question's subject words ([`crate::words`]) that the synonym table does not know.
    fn subject_words(&self, question: &str) -> Vec<crate::words::QuestionWord> {
        crate::words::question_words(question)
            .into_iter()
            .filter(|w| !self.core_synonyms.knows(&w.text))
            .collect()
    }

    /// Length-weighted share of `words` that source `i` contains (title or body); 1 without words.
    fn word_coverage(&self, words: &[crate::words::QuestionWord], i: usize) -> f32 {
        let all: usize = words.iter().map(|w| w.len()).sum();
        if all == 0 {
            return 1.0;
        }
        let found: usize = words
            .iter()
            .filter(|w| self.source_has(w, i))
            .map(|w| w.len())
            .sum();
        found as f32 / all as f32
    }

    /// Source `i` contains `word` (title or body).
    fn source_has(&self, word: &crate::words::QuestionWord, i: usize) -> bool {
        let (t, b) = &self.norm[i];
        word.found_in(t) || word.found_in(b)
    }

    /// Length-weighted share of the question's words that no source contains, and of those
    /// that none of the first three candidates contains (see [`Features::unknown_words`]).
    fn unknown_words(&self, words: &[crate::words::QuestionWord], top: &[usize]) -> (f32, f32) {
        let (mut all, mut unknown, mut uncovered) = (0usize, 0usize, 0usize);
        for w in words {
            let n = w.len();
            all += n;
            if !w.found_in(&self.corpus) {
                unknown += n;
            }
            if !top.iter().any(|&i| self.source_has(w, i)) {
                uncovered += n;
            }
        }
        if all == 0 {
            (0.0, 0.0)
        } else {
            (unknown as f32 / all as f32, uncovered as f32 / all as f32)
        }
    }

    /// (coverage, title coverage, title recall) of a question's tokens against one source;
    /// `w` is [`Guide::weighted_idf`] of the tokens, computed once per question.
    fn match_stats(&self, qtok: &[Token], w: &[f32], i: usize) -> (f32, f32, f32) {
        let total: f32 = w.iter().sum::<f32>().max(1e-6);
        let (t, b) = &self.norm[i];
        let title: HashSet<String> = doc_tokens(t).into_iter().collect();
        let body: HashSet<String> = doc_tokens(b).into_iter().collect();
        let (mut cov, mut tcov) = (0.0, 0.0);
        for (tok, wi) in qtok.iter().zip(w) {
            let in_title = title.contains(&tok.text);
            if in_title || body.contains(&tok.text) {
                cov += wi;
            }
            if in_title {
                tcov += wi;
            }
        }
        let qset: HashSet<&str> = qtok.iter().map(|t| t.text.as_str()).collect();
        let (mut hit, mut all) = (0.0f32, 0.0f32);
        for tok in &self.shown_titles[i] {
            let idf = self.index.idf(tok);
            all += idf;
            if qset.contains(tok.as_str()) {
                hit += idf;
            }
        }
        let recall = if all > 0.0 { hit / all } else { 0.0 };
        (cov / total, tcov / total, recall)
    }

    /// Features of the first ten candidates (see [`CandidateFeatures`]).
    fn candidate_features(
        &self,
        qtok: &[Token],
        plain: &[Token],
        folded: &str,
        ranked: &[(String, f32, usize)],
        (dense_cos, sentence_cos): (&HashMap<usize, f32>, &HashMap<usize, f32>),
        qwords: &[crate::words::QuestionWord],
    ) -> Vec<(String, CandidateFeatures)> {
        let Some(s1) = ranked.first().map(|r| r.1) else {
            return Vec::new();
        };
        let top5: Vec<&(String, f32, usize)> = ranked.iter().take(5).collect();
        let sum5: f32 = top5.iter().map(|r| r.1).sum::<f32>().max(1e-6);
        let w = self.weighted_idf(qtok);
        let w_plain = self.weighted_idf(plain);
        ranked
            .iter()
            .take(10)
            .map(|(id, score, i)| {
                // Sources whose scores are within 1 % of each other share a rank: which of them
                // the index lists first says nothing about which answers the question.
                let rank = ranked.iter().take_while(|r| r.1 > score * 1.01).count();
                let (mut cov, mut tcov, mut recall) = self.match_stats(qtok, &w, *i);
                if !plain.is_empty() && plain.len() < qtok.len() {
                    let (c, t, r) = self.match_stats(plain, &w_plain, *i);
                    cov = cov.max(c);
                    tcov = tcov.max(t);
                    recall = recall.max(r);
                }
                let src = &self.sources[*i];
                let dept = src.department.as_deref();
                let share = top5
                    .iter()
                    .filter(|r| dept.is_some() && self.sources[r.2].department.as_deref() == dept)
                    .map(|r| r.1)
                    .sum::<f32>()
                    / sum5;
                let f = CandidateFeatures {
                    relative_score: if s1 > 0.0 { score / s1 } else { 0.0 },
                    inverse_rank: 1.0 / (1.0 + rank as f32),
                    coverage: cov,
                    title_coverage: tcov,
                    title_recall: recall,
                    sufficiency: crate::aspect::sufficiency(folded, &self.folded_answers[*i]),
                    faq: f32::from(u8::from(src.kind == SourceKind::Faq)),
                    procedure: f32::from(u8::from(src.kind == SourceKind::Procedure)),
                    department_share: share,
                    dense: dense_cos.get(i).copied().unwrap_or(0.0),
                    word_coverage: self.word_coverage(qwords, *i),
                    sentence: sentence_cos.get(i).copied().unwrap_or(0.0),
                };
                (id.clone(), f)
            })
            .collect()
    }

    fn features(&self, qtok: &[Token], ranked: &[(String, f32, usize)], dense: f32) -> Features {
        let Some((_, s1, best)) = ranked.first() else {
            return Features {
                unknown: if qtok.is_empty() { 0.0 } else { 1.0 },
                dense,
                ..Default::default()
            };
        };
        let w = self.weighted_idf(qtok);
        let total: f32 = w.iter().sum::<f32>().max(1e-6);
        let (coverage, title_coverage, title_recall) = self.match_stats(qtok, &w, *best);
        let unknown: f32 = qtok
            .iter()
            .zip(&w)
            .filter(|(tok, _)| self.index.doc_freq(&tok.text) == 0)
            .map(|(_, wi)| wi)
            .sum();
        let s2 = ranked.get(1).map(|r| r.1).unwrap_or(0.0);
        let margin = if *s1 > 0.0 {
            ((s1 - s2) / s1).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let dept = self.sources[*best].department.as_deref();
        let top5: Vec<&(String, f32, usize)> = ranked.iter().take(5).collect();
        let sum5: f32 = top5.iter().map(|r| r.1).sum::<f32>().max(1e-6);
        let same: f32 = top5
            .iter()
            .filter(|r| self.sources[r.2].department.as_deref() == dept)
            .map(|r| r.1)
            .sum();
        Features {
            coverage,
            title_coverage,
            unknown: unknown / total,
            margin,
            // Without a department the share would be 1 whatever the candidates (all "None"):
            // the mean of the fitting questions instead, so that a FAQ imported without the
            // department column is judged like one with it.
            agreement: if dept.is_some() {
                same / sum5
            } else {
                AGREEMENT_UNKNOWN
            },
            dense,
            title_recall,
            sufficiency: 1.0,
            signals_agree: 1.0,
            content: (total / 40.0).min(1.0),
            rerank_first: 0.0,
            rerank_top3: 0.0,
            unknown_words: 0.0,
            uncovered_words: 0.0,
            missing_first: 0.0,
            sentence_first: 0.0,
            sentence_top3: 0.0,
            question_first: 0.0,
            question_top3: 0.0,
            question_margin: 0.0,
        }
    }

    /// Answers one question.
    pub fn ask(&self, question: &str) -> GuideAnswer {
        let read = self.corrected(question);
        let qvec = self.embedder.as_ref().and_then(|e| e.embed_query(&read));
        self.ask_read(question, &read, qvec.as_deref())
    }

    /// As [`Guide::ask`], with a question vector computed by the caller (of
    /// [`Guide::corrected`]'s text).
    pub fn ask_with_vector(&self, question: &str, qvec: Option<&[f32]>) -> GuideAnswer {
        self.ask_read(question, &self.corrected(question), qvec)
    }

    /// Answers `question`, retrieving with `read`, its text as [`Guide::corrected`] reads it.
    fn ask_read(&self, question: &str, read: &str, qvec: Option<&[f32]>) -> GuideAnswer {
        let redacted = self.redactor.redact(question);
        let mut out = GuideAnswer {
            question: redacted.text.clone(),
            answered: false,
            answer: None,
            citations: Vec::new(),
            department: None,
            procedure: None,
            candidates: Vec::new(),
            confidence: 0.0,
            handoff: false,
            reason: Reason::Empty,
            clarification: None,
            sensitive: None,
            pii: redacted.found.clone(),
            read_as: Vec::new(),
        };
        if question.trim().is_empty() {
            out.answer = Some("ご質問を入力してください。".to_string());
            return out;
        }
        let sens = sensitive(question, &self.config.sensitive_topics);
        out.sensitive = sens.map(|t| SensitiveWarning {
            topic: t.topic.clone(),
            message: t.message.clone(),
            help_line: t.help_line,
        });
        let routed = route(question, redacted.has(PiiKind::Name));
        match routed {
            Some(Route::Emergency) => {
                out.answer = Some(EMERGENCY.to_string());
                out.reason = Reason::Emergency;
                out.handoff = true;
                return out;
            }
            Some(Route::OutOfScope(topic)) => {
                out.answer = Some(format!(
                    "申し訳ありません。この案内では区役所の手続きや暮らしの情報をご案内しています。{}",
                    topic.referral()
                ));
                out.reason = Reason::OutOfScope;
                return out;
            }
            _ => {}
        }
        // Taken from the redacted text, so that nothing removed there is shown back.
        if let Some(readings) = self
            .readings
            .as_ref()
            .filter(|_| self.config.kanji_correction)
        {
            out.read_as = readings
                .corrections(&redacted.text)
                .into_iter()
                .map(|(typed, read_as)| ReadAs { typed, read_as })
                .collect();
        }
        let r = self.retrieve_read(read, qvec);
        out.candidates = r
            .ranked
            .iter()
            .take(10)
            .map(|(id, s, _)| Candidate {
                id: id.clone(),
                score: *s,
            })
            .collect();
        let p_answer = if r.ranked.is_empty() {
            0.0
        } else {
            crate::calibrate::answer_probability(
                &self.config.answer_model,
                &r.features,
                self.config.subject_guard,
            )
        };
        let p_choice = if r.ranked.is_empty() {
            0.0
        } else {
            self.config.choice_model.predict(&r.features)
        };
        out.confidence = p_answer;
        let best = r.ranked.first().map(|x| x.2);
        let dept_id = self.route_department(&r.ranked);
        match routed {
            Some(Route::PersonalCase) => {
                out.answer = Some(DECLINE_PERSONAL.to_string());
                out.reason = Reason::PersonalCase;
                out.handoff = true;
                out.department = dept_id.and_then(|d| self.department_info(&d));
                return out;
            }
            Some(Route::HumanRequest) => {
                out.answer = Some(HUMAN.to_string());
                out.reason = Reason::HumanRequest;
                out.handoff = true;
                out.department = dept_id.and_then(|d| self.department_info(&d));
                return out;
            }
            _ => {}
        }
        let Some(best) = best else {
            out.answer = Some(DECLINE_NOT_IN_KB.to_string());
            out.reason = Reason::NotInKb;
            out.handoff = true;
            return out;
        };
        if p_answer >= self.config.answer_threshold {
            let src = &self.sources[best];
            out.answered = true;
            out.reason = Reason::Answered;
            out.answer = Some(src.answer.clone());
            out.citations.push(citation(src));
            let dept = src.department.clone().or(dept_id);
            out.department = dept.as_deref().and_then(|d| self.department_info(d));
            out.procedure = self.find_procedure(&r.ranked, dept.as_deref());
            if let Some(p) = &out.procedure
                && p.id != src.id
                && let Some(ps) = self
                    .sources
                    .iter()
                    .find(|s| s.kind == SourceKind::Procedure && s.id == p.id)
            {
                out.citations.push(citation(ps));
            }
        } else if p_choice >= self.config.clarify_threshold {
            out.reason = Reason::Ambiguous;
            out.answer = Some(CLARIFY.to_string());
            out.department = dept_id.as_deref().and_then(|d| self.department_info(d));
            out.clarification = Some(Clarification {
                prompt: CLARIFY.to_string(),
                choices: r
                    .ranked
                    .iter()
                    .take(3)
                    .map(|(id, _, i)| Choice {
                        id: id.clone(),
                        title: self.sources[*i].display_title(),
                        kind: self.sources[*i].kind,
                    })
                    .collect(),
            });
        } else {
            out.reason = Reason::NotInKb;
            out.answer = Some(DECLINE_NOT_IN_KB.to_string());
            out.handoff = true;
            // The best guess of the department to hand over to.
            out.department = dept_id.as_deref().and_then(|d| self.department_info(d));
        }
        if sens.is_some_and(|t| t.handoff) {
            out.handoff = true;
            if !out.answered {
                out.reason = Reason::Crisis;
            }
        }
        out
    }

    /// The contact of a department; one the catalogue does not know (a FAQ file's own 担当課
    /// text) is named as written, without counter, phone or hours.
    fn department_info(&self, id: &str) -> Option<DepartmentInfo> {
        if id.trim().is_empty() {
            return None;
        }
        Some(
            self.departments
                .get(id)
                .cloned()
                .unwrap_or_else(|| DepartmentInfo {
                    id: id.to_string(),
                    name: id.to_string(),
                    counter: None,
                    phone: None,
                    hours: None,
                    listed: false,
                }),
        )
    }

    /// Score-weighted vote of the top five candidates' departments.
    fn route_department(&self, ranked: &[(String, f32, usize)]) -> Option<String> {
        let mut votes: Vec<(&str, f32)> = Vec::new();
        for (rank, (_, s, i)) in ranked.iter().take(5).enumerate() {
            let Some(d) = self.sources[*i].department.as_deref() else {
                continue;
            };
            // The first candidate counts double: it is usually right when the others differ.
            let w = if rank == 0 { 2.0 * s } else { *s };
            match votes.iter_mut().find(|v| v.0 == d) {
                Some(v) => v.1 += w,
                None => votes.push((d, w)),
            }
        }
        votes.sort_by(|a, b| b.1.total_cmp(&a.1));
        votes.first().map(|v| v.0.to_string())
    }

    /// The best-ranked procedure of the answer's department among the first ten candidates.
    fn find_procedure(
        &self,
        ranked: &[(String, f32, usize)],
        dept: Option<&str>,
    ) -> Option<ProcedureLink> {
        let top = ranked.first()?.1;
        ranked.iter().take(10).find_map(|(_, s, i)| {
            let src = &self.sources[*i];
            let ok = src.kind == SourceKind::Procedure
                && (dept.is_none() || src.department.as_deref() == dept)
                && *s >= 0.5 * top;
            ok.then(|| {
                let mut online = src.online.clone();
                if let Some(o) = online.as_mut()
                    && o.status == "here"
                {
                    o.url = Some(self.config.online_url_template.replace("{id}", &src.id));
                }
                ProcedureLink {
                    id: src.id.clone(),
                    name: src.title.clone(),
                    online,
                    url: src.url.clone(),
                }
            })
        })
    }
}

fn citation(s: &Source) -> Citation {
    Citation {
        id: s.id.clone(),
        title: s.display_title(),
        url: s.url.clone(),
        updated: s.updated,
    }
}

/// Combines signals: each is (weight, [(source, score)] best first).
fn fuse(signals: &[(f32, Vec<(usize, f32)>)], fusion: Fusion) -> Vec<(usize, f32)> {
    if signals.len() == 1 {
        return signals[0].1.clone();
    }
    let mut acc: HashMap<usize, f32> = HashMap::new();
    for (weight, hits) in signals {
        let top = hits.first().map(|h| h.1).unwrap_or(1.0).max(1e-6);
        for (rank, (i, s)) in hits.iter().enumerate() {
            let v = match fusion {
                Fusion::Rrf { k } => weight / (k + rank as f32 + 1.0),
                Fusion::Weighted => weight * s / top,
            };
            *acc.entry(*i).or_insert(0.0) += v;
        }
    }
    let mut out: Vec<(usize, f32)> = acc.into_iter().collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

/// Whether a (folded) question is written mostly in Latin letters (English or romaji).
fn mostly_latin(folded: &str) -> bool {
    let (mut latin, mut other) = (0usize, 0usize);
    for c in folded.chars().filter(|c| c.is_alphabetic()) {
        if c.is_ascii_alphabetic() {
            latin += 1;
        } else {
            other += 1;
        }
    }
    latin > 0 && other * 4 <= latin
}
