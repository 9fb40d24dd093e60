//! Optional LLM phrasing for the information desk (総合案内), through an OpenAI-compatible
//! chat-completions endpoint chosen by the municipality (a local llama.cpp server, vLLM,
//! Ollama's `/v1`, or a hosted service).
//!
//! The contract:
//!
//! * **The LLM may only rephrase.** It is called only for a definitive answer
//!   ([`GuideAnswer::answered`] with citations). It receives the (already redacted) question
//!   and the cited sources' official texts, built by
//!   [`madoguchi_guide::phrasing::build_prompt`], and nothing else. Declines, clarifying
//!   questions, emergency and out-of-scope replies are returned unchanged without a call.
//! * **Every rephrasing is checked.** It is shown only if
//!   [`madoguchi_guide::phrasing::check`] accepts every sentence (supported by the cited
//!   passages, no number, amount, date, phone number or URL that they do not contain);
//!   otherwise the extractive answer is shown and [`Phrased::rejection`] says why.
//! * **Failures fall back.** The whole call (connect, request, response body) is bounded by
//!   [`LlmConfig::timeout_ms`]; a timeout, an HTTP error status, a truncated or malformed
//!   response all show the extractive answer, with a short [`Phrased::error`] kind.
//! * **Nothing personal is logged.** Only the outcome kind and the latency are logged
//!   (`tracing`, target `madoguchi_guide_llm`), never the question, the passages or the
//!   answer.
//!
//! Transport: plain `http://` only (no TLS stack is compiled in). To use an `https://`
//! service, point [`LlmConfig::url`] at a local TLS-terminating forward proxy (for example
//! nginx or stunnel on 127.0.0.1). Environment proxy variables are ignored and redirects are
//! not followed, so the question goes exactly to the configured address.
//!
//! ```toml
//! [guide.llm]
//! url = "http://127.0.0.1:8081/v1"
//! model = "qwen2.5-7b-instruct"
//! # api_key = "…"        # sent as `Authorization: Bearer …`
//! timeout_ms = 3000
//! max_tokens = 400
//! temperature = 0.0
//! # [guide.llm.check]
//! # min_overlap = 0.6
//! # min_sentence_chars = 6
//! ```

use std::fmt;
use std::time::{Duration, Instant};

use madoguchi_guide::phrasing::{CheckConfig, Prompt, Rejection, build_prompt, choose};
use madoguchi_guide::{Guide, GuideAnswer, Source};
use serde::{Deserialize, Serialize};

/// The largest response body read from the endpoint.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// Where and how to call the endpoint. Lives in TOML under `[guide.llm]`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmConfig {
    /// The API base, e.g. `http://127.0.0.1:8081/v1`; `/chat/completions` is appended.
    pub url: String,
    /// The `model` field of the request.
    pub model: String,
    /// Sent as `Authorization: Bearer <api_key>` when set.
    #[serde(default, skip_serializing)]
    pub api_key: Option<String>,
    /// Bound on the whole call, in milliseconds (default 3000).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// `max_tokens` of the request (default 400).
    #[serde(default = "default_max_tokens")]
    pub max_tokens: u32,
    /// `temperature` of the request (default 0.0).
    #[serde(default)]
    pub temperature: f32,
    /// Thresholds of the faithfulness check.
    #[serde(default)]
    pub check: CheckConfig,
}

fn default_timeout_ms() -> u64 {
    3000
}

fn default_max_tokens() -> u32 {
    400
}

impl LlmConfig {
    /// A configuration with the defaults.
    pub fn new(url: impl Into<String>, model: impl Into<String>) -> LlmConfig {
        LlmConfig {
            url: url.into(),
            model: model.into(),
            api_key: None,
            timeout_ms: default_timeout_ms(),
            max_tokens: default_max_tokens(),
            temperature: 0.0,
            check: CheckConfig::default(),
        }
    }
}

/// Debug without the API key.
impl fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmConfig")
            .field("url", &self.url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("timeout_ms", &self.timeout_ms)
            .field("max_tokens", &self.max_tokens)
            .field("temperature", &self.temperature)
            .field("check", &self.check)
            .finish()
    }
}

/// A configuration the phraser cannot use.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("guide.llm.url: {0}")]
    Url(String),
    #[error("guide.llm: {0}")]
    Config(String),
    #[error("HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// What to show for one answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Phrased {
    /// The text to show: the accepted rephrasing, or the extractive answer.
    pub text: String,
    /// `text` is the LLM's rephrasing (it passed the check).
    pub rephrased: bool,
    /// Why the rephrasing was not shown (it failed the check).
    pub rejection: Option<Rejection>,
    /// Why there was no rephrasing: `timeout`, `connect`, `http 500`, `parse`, `truncated`,
    /// `too_large`, `request`. Never contains the question or the answer.
    pub error: Option<String>,
}

impl Phrased {
    fn extractive(text: &str) -> Phrased {
        Phrased {
            text: text.to_string(),
            rephrased: false,
            rejection: None,
            error: None,
        }
    }
}

/// Why the call gave no text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallError {
    Timeout,
    Connect,
    Status(u16),
    TooLarge,
    Parse,
    Truncated,
    Request,
}

impl CallError {
    fn from_reqwest(e: &reqwest::Error) -> CallError {
        if e.is_timeout() {
            CallError::Timeout
        } else if e.is_connect() {
            CallError::Connect
        } else {
            CallError::Request
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Timeout => f.write_str("timeout"),
            CallError::Connect => f.write_str("connect"),
            CallError::Status(s) => write!(f, "http {s}"),
            CallError::TooLarge => f.write_str("too_large"),
            CallError::Parse => f.write_str("parse"),
            CallError::Truncated => f.write_str("truncated"),
            CallError::Request => f.write_str("request"),
        }
    }
}

#[derive(Deserialize)]
struct ChatResponse {
    choices: Vec<ChatChoice>,
}

#[derive(Deserialize)]
struct ChatChoice {
    message: ChatMessage,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct ChatMessage {
    #[serde(default)]
    content: Option<String>,
}

fn parse_response(body: &[u8]) -> Result<String, CallError> {
    let r: ChatResponse = serde_json::from_slice(body).map_err(|_| CallError::Parse)?;
    let choice = r.choices.into_iter().next().ok_or(CallError::Parse)?;
    if choice.finish_reason.as_deref() == Some("length") {
        return Err(CallError::Truncated);
    }
    choice.message.content.ok_or(CallError::Parse)
}

fn rejection_kind(r: &Rejection) -> &'static str {
    match r {
        Rejection::Empty => "empty",
        Rejection::Unsupported { .. } => "unsupported",
        Rejection::NewFact { .. } => "new_fact",
    }
}

/// The cited sources' official texts as `(id, text)`, in citation order, without duplicates.
/// When several sources share a cited id (the sections of one page), only the sections whose
/// text equals, contains or is contained in the extractive answer are taken.
pub fn cited_passages<'g>(guide: &'g Guide, answer: &GuideAnswer) -> Vec<(&'g str, &'g str)> {
    let extractive = answer.answer.as_deref().unwrap_or("");
    let mut out: Vec<(&str, &str)> = Vec::new();
    for c in &answer.citations {
        let same_id: Vec<&Source> = guide
            .sources()
            .iter()
            .filter(|s| s.id == c.id && !s.answer.trim().is_empty())
            .collect();
        let chosen: Vec<&Source> = if same_id.len() <= 1 {
            same_id
        } else if same_id.iter().any(|s| s.answer == extractive) {
            same_id
                .into_iter()
                .filter(|s| s.answer == extractive)
                .collect()
        } else {
            same_id
                .into_iter()
                .filter(|s| {
                    !extractive.is_empty()
                        && (s.answer.contains(extractive) || extractive.contains(s.answer.as_str()))
                })
                .collect()
        };
        for s in chosen {
            if !out.iter().any(|(_, t)| *t == s.answer) {
                out.push((s.id.as_str(), s.answer.as_str()));
            }
        }
    }
    out
}

/// The client for one configured endpoint. Cheap to share (`Arc<Phraser>` or a clone).
#[derive(Clone)]
pub struct Phraser {
    config: LlmConfig,
    endpoint: reqwest::Url,
    client: reqwest::Client,
}

impl fmt::Debug for Phraser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Phraser")
            .field("config", &self.config)
            .field("endpoint", &self.endpoint.as_str())
            .finish()
    }
}

impl Phraser {
    /// Validates the configuration (an `http://` base URL with a host, a model, a positive
    /// timeout and token limit, a temperature in 0–2) and builds the HTTP client.
    pub fn new(config: LlmConfig) -> Result<Phraser, Error> {
        let base = reqwest::Url::parse(config.url.trim())
            .map_err(|e| Error::Url(format!("{e} ({:?})", config.url)))?;
        if base.scheme() != "http" {
            return Err(Error::Url(format!(
                "only http:// is supported (got {}://); put a local TLS-terminating proxy in front of https endpoints",
                base.scheme()
            )));
        }
        if base.host_str().is_none_or(str::is_empty) {
            return Err(Error::Url("no host".to_string()));
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(Error::Url("no query or fragment allowed".to_string()));
        }
        let mut endpoint = base.clone();
        endpoint.set_path(&format!(
            "{}/chat/completions",
            base.path().trim_end_matches('/')
        ));
        if config.model.trim().is_empty() {
            return Err(Error::Config("model is empty".to_string()));
        }
        if config.timeout_ms == 0 {
            return Err(Error::Config("timeout_ms must be positive".to_string()));
        }
        if config.max_tokens == 0 {
            return Err(Error::Config("max_tokens must be positive".to_string()));
        }
        if !(0.0..=2.0).contains(&config.temperature) {
            return Err(Error::Config("temperature must be in 0–2".to_string()));
        }
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Phraser {
            config,
            endpoint,
            client,
        })
    }

    pub fn config(&self) -> &LlmConfig {
        &self.config
    }

    /// The URL requests are posted to (`{url}/chat/completions`).
    pub fn endpoint(&self) -> &str {
        self.endpoint.as_str()
    }

    /// What to show for `answer`: a checked rephrasing of a definitive answer, or the
    /// extractive text unchanged (without a call when there is nothing to rephrase).
    pub async fn phrase(&self, guide: &Guide, answer: &GuideAnswer) -> Phrased {
        let extractive = answer.answer.as_deref().unwrap_or("");
        // Crisis and other sensitive topics keep the official wording.
        if !answer.answered || answer.citations.is_empty() || answer.sensitive.is_some() {
            return Phrased::extractive(extractive);
        }
        let passages = cited_passages(guide, answer);
        self.phrase_passages(&answer.question, extractive, &passages)
            .await
    }

    /// The lower level of [`Phraser::phrase`]: rephrase `extractive` for `question` (already
    /// redacted) from `passages` as `(id, official text)`. No call when either is empty.
    pub async fn phrase_passages(
        &self,
        question: &str,
        extractive: &str,
        passages: &[(&str, &str)],
    ) -> Phrased {
        if extractive.trim().is_empty() || passages.is_empty() {
            return Phrased::extractive(extractive);
        }
        let started = Instant::now();
        let prompt = build_prompt(question, passages);
        let result = self.call(&prompt).await;
        let latency_ms = started.elapsed().as_millis() as u64;
        match result {
            Ok(content) => {
                let texts: Vec<&str> = passages.iter().map(|(_, t)| *t).collect();
                let (shown, rejection) =
                    choose(extractive, Some(content.trim()), &texts, &self.config.check);
                match &rejection {
                    None => tracing::info!(outcome = "rephrased", latency_ms, "guide llm"),
                    Some(r) => tracing::info!(
                        outcome = "rejected",
                        rejection = rejection_kind(r),
                        latency_ms,
                        "guide llm"
                    ),
                }
                Phrased {
                    text: shown.to_string(),
                    rephrased: rejection.is_none(),
                    rejection,
                    error: None,
                }
            }
            Err(e) => {
                tracing::warn!(outcome = "error", error = %e, latency_ms, "guide llm");
                Phrased {
                    error: Some(e.to_string()),
                    ..Phrased::extractive(extractive)
                }
            }
        }
    }

    /// One chat-completions request, bounded as a whole by the timeout.
    async fn call(&self, prompt: &Prompt) -> Result<String, CallError> {
        let body = serde_json::json!({
            "model": self.config.model,
            "messages": [
                {"role": "system", "content": prompt.system},
                {"role": "user", "content": prompt.user},
            ],
            "temperature": self.config.temperature,
            "max_tokens": self.config.max_tokens,
            "stream": false,
        });
        let mut request = self.client.post(self.endpoint.clone()).json(&body);
        if let Some(key) = &self.config.api_key {
            request = request.bearer_auth(key);
        }
        let exchange = async {
            let mut response = request
                .send()
                .await
                .map_err(|e| CallError::from_reqwest(&e))?;
            let status = response.status();
            if !status.is_success() {
                return Err(CallError::Status(status.as_u16()));
            }
            let mut buf = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| CallError::from_reqwest(&e))?
            {
                if buf.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(CallError::TooLarge);
                }
                buf.extend_from_slice(&chunk);
            }
            parse_response(&buf)
        };
        tokio::time::timeout(Duration::from_millis(self.config.timeout_ms), exchange)
            .await
            .unwrap_or(Err(CallError::Timeout))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_from_toml_with_defaults() {
        #[derive(Deserialize)]
        struct Root {
            guide: GuideSection,
        }
        #[derive(Deserialize)]
        struct GuideSection {
            llm: LlmConfig,
        }
        let r: Root = toml::from_str(
            "[guide.llm]\nurl = \"http://127.0.0.1:8081/v1\"\nmodel = \"local\"\napi_key = \"sk-secret\"\n",
        )
        .expect("toml");
        let c = r.guide.llm;
        assert_eq!(c.timeout_ms, 3000);
        assert_eq!(c.max_tokens, 400);
        assert_eq!(c.temperature, 0.0);
        assert_eq!(c.check, CheckConfig::default());
        assert_eq!(c.api_key.as_deref(), Some("sk-secret"));
        assert!(!format!("{c:?}").contains("sk-secret"));
        assert!(
            toml::from_str::<Root>(
                "[guide.llm]\nurl = \"http://x/v1\"\nmodel = \"m\"\ntimout_ms = 1\n"
            )
            .is_err(),
            "unknown keys are errors"
        );
    }

    #[test]
    fn validates_the_url_and_limits() {
        let ok = Phraser::new(LlmConfig::new("http://127.0.0.1:8081/v1/", "m")).expect("valid");
        assert_eq!(ok.endpoint(), "http://127.0.0.1:8081/v1/chat/completions");
        let ok = Phraser::new(LlmConfig::new("http://llm.local", "m")).expect("valid");
        assert_eq!(ok.endpoint(), "http://llm.local/chat/completions");
        for bad in [
            "https://api.example.com/v1",
            "ftp://x/v1",
            "127.0.0.1:8081/v1",
            "not a url",
            "http://x/v1?k=1",
        ] {
            assert!(
                matches!(Phraser::new(LlmConfig::new(bad, "m")), Err(Error::Url(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            Phraser::new(LlmConfig::new("http://x/v1", " ")),
            Err(Error::Config(_))
        ));
        let mut c = LlmConfig::new("http://x/v1", "m");
        c.timeout_ms = 0;
        assert!(matches!(Phraser::new(c), Err(Error::Config(_))));
        let mut c = LlmConfig::new("http://x/v1", "m");
        c.temperature = f32::NAN;
        assert!(matches!(Phraser::new(c), Err(Error::Config(_))));
    }

    #[test]
    fn parses_chat_completions_responses() {
        let ok = br#"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}]}"#;
        assert_eq!(parse_response(ok), Ok("hello".to_string()));
        let cut = br#"{"choices":[{"message":{"role":"assistant","content":"hel"},"finish_reason":"length"}]}"#;
        assert_eq!(parse_response(cut), Err(CallError::Truncated));
        assert_eq!(parse_response(br#"{"choices":[]}"#), Err(CallError::Parse));
        assert_eq!(parse_response(b"<html>"), Err(CallError::Parse));
        assert_eq!(
            parse_response(br#"{"choices":[{"message":{"role":"assistant","content":null}}]}"#),
            Err(CallError::Parse)
        );
    }
}
