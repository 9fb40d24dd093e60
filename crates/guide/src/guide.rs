//! The guide: build an index from a knowledge base, answer one question at a time.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use madoguchi_core::catalog::Department;
use serde::{Deserialize, Serialize};

use crate::calibrate::{Features, Logistic};
use crate::dense::{DenseIndex, QueryEmbedder};
use crate::index::{IndexDoc, SparseIndex};
use crate::normalize::{Synonyms, normalize};
use crate::redact::{PiiKind, Redactor};
use crate::router::{Route, SensitiveTopic, default_sensitive_topics, route, sensitive};
use crate::source::{DepartmentInfo, KnowledgeBase, OnlineLink, Source, SourceKind};
use crate::tokenize::{Token, TokenWeights, doc_tokens, query_tokens};

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
    pub token_weights: TokenWeights,
    /// BM25 weight of the title field (FAQ question, procedure name and aliases) vs the body.
    pub title_boost: f32,
    pub kind_boost: KindBoost,
    /// How many sources each signal retrieves before fusion.
    pub depth: usize,
    pub fusion: Fusion,
    /// Weight of the dense signal in fusion (used only when vectors are present).
    pub dense_weight: f32,
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
            token_weights: TokenWeights::default(),
            title_boost: 2.0,
            kind_boost: KindBoost {
                faq: 1.0,
                page: 1.0,
                procedure: 1.0,
            },
            depth: 60,
            fusion: Fusion::Rrf { k: 20.0 },
            dense_weight: 1.0,
            answer_model: crate::calibrate::DEFAULT_ANSWER_MODEL,
            answer_threshold: 0.925,
            choice_model: crate::calibrate::DEFAULT_CHOICE_MODEL,
            clarify_threshold: 0.625,
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
}

/// Retrieval details for one question (evaluation and debugging).
#[derive(Debug, Clone, Default)]
pub struct Retrieval {
    /// (id, fused score, position of its best source), best first, all candidates.
    pub ranked: Vec<(String, f32, usize)>,
    pub features: Features,
}

/// The guide. Immutable after [`Guide::build`]; `ask` takes `&self`, so one `Arc<Guide>` serves
/// every request. Rebuild (cheap) when sources change.
pub struct Guide {
    config: GuideConfig,
    synonyms: Synonyms,
    sources: Vec<Source>,
    /// Normalised title (+ keywords + heading) and body of every source.
    norm: Vec<(String, String)>,
    index: SparseIndex,
    dense: Option<DenseIndex>,
    embedder: Option<Arc<dyn QueryEmbedder>>,
    departments: HashMap<String, DepartmentInfo>,
    redactor: Redactor,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("index: {0}")]
    Index(#[from] tantivy::TantivyError),
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
        let synonyms = if config.builtin_synonyms {
            Synonyms::builtin()
        } else {
            Synonyms::empty()
        }
        .with_extra(config.extra_synonyms.iter().cloned());
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
                (normalize(&title, &synonyms), normalize(&s.text, &synonyms))
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
        let dense = DenseIndex::build(
            sources
                .iter()
                .enumerate()
                .map(|(i, s)| (i, s.vector.as_deref())),
        );
        Ok(Guide {
            config: config.clone(),
            synonyms,
            sources,
            norm,
            index,
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
        let qvec = self.embedder.as_ref().and_then(|e| e.embed_query(question));
        self.retrieve_with_vector(question, qvec.as_deref())
    }

    /// As [`Guide::retrieve`], with a question vector computed by the caller.
    pub fn retrieve_with_vector(&self, question: &str, qvec: Option<&[f32]>) -> Retrieval {
        let qnorm = normalize(question, &self.synonyms);
        let qtok = query_tokens(&qnorm, &self.config.token_weights);
        let boost = |i: usize| self.config.kind_boost.get(self.sources[i].kind);
        let mut signals: Vec<(f32, Vec<(usize, f32)>)> = Vec::new();
        let sparse: Vec<(usize, f32)> = self
            .index
            .search(&qtok, self.config.title_boost, self.config.depth)
            .into_iter()
            .map(|(i, s)| (i, s * boost(i)))
            .collect();
        signals.push((1.0, sparse));
        let mut dense_top = 0.0f32;
        if let (Some(d), Some(v)) = (&self.dense, qvec) {
            let hits = d.search(v, self.config.depth);
            dense_top = hits.first().map(|h| h.1).unwrap_or(0.0);
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
        let mut features = self.features(&qtok, &ranked, dense_top);
        // Synonym expansion adds words the question did not use; judge coverage on the
        // question as written too, and keep the more favourable reading.
        let plain = query_tokens(
            &crate::normalize::fold(question),
            &self.config.token_weights,
        );
        if !plain.is_empty() && plain.len() < qtok.len() {
            let f = self.features(&plain, &ranked, dense_top);
            features.coverage = features.coverage.max(f.coverage);
            features.title_coverage = features.title_coverage.max(f.title_coverage);
            features.unknown = features.unknown.min(f.unknown);
        }
        Retrieval { ranked, features }
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
        let (t, b) = &self.norm[*best];
        let title: HashSet<String> = doc_tokens(t).into_iter().collect();
        let body: HashSet<String> = doc_tokens(b).into_iter().collect();
        let mut cov = 0.0;
        let mut tcov = 0.0;
        let mut unknown = 0.0;
        for (tok, wi) in qtok.iter().zip(&w) {
            let in_title = title.contains(&tok.text);
            if in_title || body.contains(&tok.text) {
                cov += wi;
            }
            if in_title {
                tcov += wi;
            }
            if self.index.doc_freq(&tok.text) == 0 {
                unknown += wi;
            }
        }
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
            coverage: cov / total,
            title_coverage: tcov / total,
            unknown: unknown / total,
            margin,
            agreement: same / sum5,
            dense,
        }
    }

    /// Answers one question.
    pub fn ask(&self, question: &str) -> GuideAnswer {
        let qvec = self.embedder.as_ref().and_then(|e| e.embed_query(question));
        self.ask_with_vector(question, qvec.as_deref())
    }

    /// As [`Guide::ask`], with a question vector computed by the caller.
    pub fn ask_with_vector(&self, question: &str, qvec: Option<&[f32]>) -> GuideAnswer {
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
        let r = self.retrieve_with_vector(question, qvec);
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
            self.config.answer_model.predict(&r.features)
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
                out.department = dept_id.and_then(|d| self.departments.get(&d).cloned());
                return out;
            }
            Some(Route::HumanRequest) => {
                out.answer = Some(HUMAN.to_string());
                out.reason = Reason::HumanRequest;
                out.handoff = true;
                out.department = dept_id.and_then(|d| self.departments.get(&d).cloned());
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
            out.department = dept.as_ref().and_then(|d| self.departments.get(d).cloned());
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
            out.department = dept_id
                .as_ref()
                .and_then(|d| self.departments.get(d).cloned());
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
            out.department = dept_id
                .as_ref()
                .and_then(|d| self.departments.get(d).cloned());
        }
        if sens.is_some_and(|t| t.handoff) {
            out.handoff = true;
            if !out.answered {
                out.reason = Reason::Crisis;
            }
        }
        out
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
