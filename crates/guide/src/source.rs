//! The knowledge base: every text the guide may quote, with its id, title, URL and date.

use chrono::NaiveDate;
use madoguchi_core::catalog::{Department, OnlineStatus, Procedure};
use serde::{Deserialize, Serialize};

use crate::faq::FaqEntry;
use crate::page::{Page, markdown_to_plain};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Faq,
    Page,
    Procedure,
}

/// One searchable, quotable text. Several sources may share an `id` (the sections of one
/// page); candidates and citations use the `id` as imported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// The id as imported (`faq-0001`, `page-gomi`, `juminhyo-copy`).
    pub id: String,
    pub kind: SourceKind,
    /// Shown in citations: the FAQ question, the page title, the procedure name.
    pub title: String,
    /// The page section's heading, if this is a section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// Extra words matched like the title but never shown (aliases, reading, English name).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Searchable body (the FAQ answer, the section text, the procedure's fields).
    pub text: String,
    /// The official text shown as the answer, verbatim.
    pub answer: String,
    pub url: Option<String>,
    pub department: Option<String>,
    /// The catalogue procedure this source is about (a procedure's own id for procedures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure_id: Option<String>,
    pub updated: Option<NaiveDate>,
    /// For procedures: where it can be done online.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online: Option<OnlineLink>,
    /// A dense vector computed once at import by the caller (optional). Passed in so that
    /// rebuilding the index never recomputes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vector: Option<Vec<f32>>,
    /// Dense vectors of the answer's sentences ([`crate::dense::passage_sentences`]), computed
    /// with `vector` and kept the same way (empty without vectors).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sentence_vectors: Vec<Vec<f32>>,
    /// The dense vector of the title embedded as a question ([`crate::dense::title_text`],
    /// the `query: ` prefix), computed with `vector` and kept the same way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_vector: Option<Vec<f32>>,
}

impl Source {
    /// The title with the section heading, for citations: `ごみ・資源の出し方 — 粗大ごみ`.
    pub fn display_title(&self) -> String {
        match &self.section {
            Some(h) => format!("{} — {}", self.title, h),
            None => self.title.clone(),
        }
    }

    /// A FAQ entry as a source.
    pub fn from_faq(f: &FaqEntry) -> Source {
        Source {
            id: f.id.clone(),
            kind: SourceKind::Faq,
            title: f.question.clone(),
            section: None,
            keywords: Vec::new(),
            text: f.answer.clone(),
            answer: f.answer.clone(),
            url: f.url.clone(),
            department: f.department.clone(),
            procedure_id: None,
            updated: f.updated,
            online: None,
            vector: None,
            sentence_vectors: Vec::new(),
            title_vector: None,
        }
    }

    /// One source per section of a page (the introduction included).
    pub fn from_page(p: &Page) -> Vec<Source> {
        p.sections
            .iter()
            .filter(|s| !s.text.trim().is_empty())
            .map(|s| {
                let plain = markdown_to_plain(&s.text);
                Source {
                    id: p.id.clone(),
                    kind: SourceKind::Page,
                    title: p.title.clone(),
                    section: s.heading.clone(),
                    keywords: Vec::new(),
                    text: plain.clone(),
                    answer: plain,
                    url: p.url.clone(),
                    department: p.department.clone(),
                    procedure_id: None,
                    updated: p.updated,
                    online: None,
                    vector: None,
                    sentence_vectors: Vec::new(),
                    title_vector: None,
                }
            })
            .collect()
    }

    /// A catalogue procedure as a source. The answer is a card made only of the
    /// procedure's own fields (labels added, no other words).
    pub fn from_procedure(p: &Procedure) -> Source {
        let mut keywords: Vec<String> = p.aliases.clone();
        keywords.extend(p.reading.clone());
        keywords.extend(p.name.en.clone());
        let mut card = vec![p.name.ja.clone()];
        let mut text = Vec::new();
        if let Some(s) = &p.summary {
            card.push(s.ja.clone());
            text.push(s.ja.clone());
            text.extend(s.en.clone());
        }
        if let Some(e) = &p.eligibility {
            card.push(format!("対象：{}", e.ja));
            text.push(e.ja.clone());
        }
        match (&p.fee_note, p.fee) {
            (Some(n), _) => card.push(format!("手数料：{n}")),
            (None, Some(0)) => card.push("手数料：無料".to_string()),
            (None, Some(f)) => card.push(format!("手数料：{f}円")),
            (None, None) => {}
        }
        if !p.attachments.is_empty() {
            card.push(format!("必要なもの：{}", p.attachments.join("、")));
            text.push(p.attachments.join(" "));
        }
        if let Some(pp) = &p.processing_period {
            card.push(format!("処理期間：{pp}"));
        }
        match &p.online {
            OnlineStatus::Here => card.push("オンライン申請：このサイトで申請できます".to_string()),
            OnlineStatus::External { service, url } => {
                card.push(format!("オンライン申請：{service}（{url}）"))
            }
            OnlineStatus::Offline {
                alternative, note, ..
            } => {
                if let Some(a) = alternative.as_ref().or(note.as_ref()) {
                    card.push(format!("申請方法：{a}"));
                }
            }
        }
        if let Some(c) = &p.contact {
            card.push(format!("問合せ：{c}"));
        }
        Source {
            id: p.id.clone(),
            kind: SourceKind::Procedure,
            title: p.name.ja.clone(),
            section: None,
            keywords,
            text: text.join("\n"),
            answer: card.join("\n"),
            url: p.url.clone(),
            department: Some(p.department.clone()),
            procedure_id: Some(p.id.clone()),
            updated: p.updated,
            online: Some(OnlineLink::from_status(&p.online)),
            vector: None,
            sentence_vectors: Vec::new(),
            title_vector: None,
        }
    }
}

/// Where a procedure can be done online.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OnlineLink {
    /// `here` (this portal), `external` (another service) or `offline`.
    pub status: String,
    /// The external service's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Where to apply: the external URL, or this portal's page (filled in by the guide).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl OnlineLink {
    pub fn from_status(s: &OnlineStatus) -> OnlineLink {
        match s {
            OnlineStatus::Here => OnlineLink {
                status: "here".into(),
                service: None,
                url: None,
            },
            OnlineStatus::External { service, url } => OnlineLink {
                status: "external".into(),
                service: Some(service.clone()),
                url: Some(url.clone()),
            },
            OnlineStatus::Offline { .. } => OnlineLink {
                status: "offline".into(),
                service: None,
                url: None,
            },
        }
    }
}

/// Everything the guide may answer from.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct KnowledgeBase {
    pub sources: Vec<Source>,
}

impl KnowledgeBase {
    pub fn new() -> KnowledgeBase {
        KnowledgeBase::default()
    }

    pub fn add_faq(&mut self, entries: &[FaqEntry]) -> &mut Self {
        self.sources.extend(entries.iter().map(Source::from_faq));
        self
    }

    pub fn add_page(&mut self, page: &Page) -> &mut Self {
        self.sources.extend(Source::from_page(page));
        self
    }

    pub fn add_procedures(&mut self, procedures: &[Procedure]) -> &mut Self {
        self.sources
            .extend(procedures.iter().map(Source::from_procedure));
        self
    }

    /// The distinct ids, in order of first appearance.
    pub fn ids(&self) -> Vec<&str> {
        let mut seen = std::collections::HashSet::new();
        self.sources
            .iter()
            .map(|s| s.id.as_str())
            .filter(|id| seen.insert(*id))
            .collect()
    }
}

/// The public contact of a department, as shown with an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepartmentInfo {
    pub id: String,
    pub name: String,
    /// Counter (窓口) / floor.
    pub counter: Option<String>,
    pub phone: Option<String>,
    pub hours: Option<String>,
    /// The catalogue lists it (it has a page); false for a department named only by a FAQ file.
    #[serde(default = "listed_default")]
    pub listed: bool,
}

fn listed_default() -> bool {
    true
}

impl DepartmentInfo {
    pub fn from_department(d: &Department) -> DepartmentInfo {
        DepartmentInfo {
            id: d.id.clone(),
            name: d.name.ja.clone(),
            counter: d.location.as_ref().map(|l| l.ja.clone()),
            phone: d.phone.clone(),
            hours: d.hours.as_ref().map(|h| h.ja.clone()),
            listed: true,
        }
    }
}
