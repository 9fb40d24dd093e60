//! Madoguchi's AI information desk (総合案内).
//!
//! Answers residents' questions only with official text (FAQ answers, sections of official
//! pages, the procedure catalogue) and cites it; routes to the department (担当課) and the
//! procedure with its online link; asks back with two or three choices when unsure; declines
//! and hands over to staff when nothing fits or the question is out of scope. No I/O except
//! the optional [`load`] helper.
//!
//! ```no_run
//! use madoguchi_guide::{Guide, GuideConfig, KnowledgeBase, parse_faq_csv};
//! # let (faq_bytes, departments) = (b"id,question,answer\n".to_vec(), vec![]);
//! let mut kb = KnowledgeBase::new();
//! kb.add_faq(&parse_faq_csv(&faq_bytes).expect("valid FAQ"));
//! let guide = Guide::build(kb, &GuideConfig::default(), &departments).expect("index");
//! let answer = guide.ask("住民票をとりたい");
//! println!("{}", serde_json::to_string(&answer).expect("json"));
//! ```
//!
//! Modules: [`normalize`] (Japanese folding, synonyms), [`tokenize`] (bigrams), [`index`]
//! (tantivy BM25), [`morph`] (optional morphological tokens, feature `lindera`), [`dense`]
//! (precomputed vectors), [`guide`] (reranking and decision), [`calibrate`] (features and
//! logistic models), [`aspect`] (what a question asks about), [`readings`] (kana, romaji and
//! mis-converted kanji), [`router`] (out of scope,
//! sensitive topics), [`redact`] (PII), [`phrasing`] (LLM rephrasing check and prompt),
//! [`eval`] (gold-set figures and fitting).

pub mod aspect;
pub mod calibrate;
pub mod dense;
#[cfg(feature = "e5")]
pub mod e5;
pub mod eval;
pub mod faq;
pub mod guide;
pub mod index;
pub mod load;
pub mod morph;
pub mod normalize;
pub mod page;
pub mod phrasing;
pub mod readings;
pub mod redact;
pub mod romaji;
pub mod router;
pub mod source;
pub mod tokenize;
pub mod words;

pub use dense::QueryEmbedder;
pub use faq::{FaqEntry, parse_faq_csv};
pub use guide::{Candidate, Citation, Guide, GuideAnswer, GuideConfig, ReadAs, Reason};
pub use normalize::{Synonyms, normalize};
pub use page::{Page, parse_page};
pub use redact::{PiiKind, Redacted, Redactor, redact};
pub use source::{DepartmentInfo, KnowledgeBase, Source, SourceKind};
