//! The phraser against a real OpenAI-compatible chat-completions server, started here with
//! axum on 127.0.0.1:0. The server checks the request's shape and counts the requests.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use madoguchi_guide::phrasing::Rejection;
use madoguchi_guide::{Guide, GuideAnswer, GuideConfig, KnowledgeBase, parse_faq_csv, parse_page};
use madoguchi_guide_llm::{LlmConfig, Phrased, Phraser, cited_passages};
use serde_json::{Value, json};

const MODEL: &str = "test-model";

const FAQ: &str = "id,question,answer,department,url
faq-0001,住民票の写しはどこで取得できますか,区役所本庁舎1階の戸籍住民課と、区内4か所の地域センターで取得できます。手数料は窓口で1通300円、コンビニ交付で1通200円です。,koseki-jumin,https://city.example/juminhyo
faq-0002,粗大ごみはどうやって出せばよいですか,粗大ごみは事前に粗大ごみ受付センター（電話03-1234-5678）へ申し込み、処理券を貼って収集日の朝8時までに出してください。,seiso,https://city.example/sodai
faq-0003,児童手当の申請に必要なものは何ですか,申請には、請求者の健康保険証の写し、請求者名義の預金通帳、マイナンバーが確認できる書類が必要です。,kodomo,https://city.example/jidou
faq-0004,図書館の開館時間を教えてください,中央図書館は午前9時から午後8時まで開館しています。毎週月曜日は休館日です。,toshokan,https://city.example/library
";

const PAGE: &str = "---
id: page-gomi
title: ごみ・資源の出し方
url: https://city.example/gomi/
department: seiso
---
# ごみ・資源の出し方
区内のごみは、燃やすごみ、燃やさないごみ、資源の3種類に分けて出してください。
## 燃やすごみ
燃やすごみは週2回、朝8時までに集積所に出してください。
## 資源
びん・缶・ペットボトルは週1回、水曜日の朝8時までに出してください。
";

const QUESTION: &str = "住民票の写しはどこで取得できますか";
const FAITHFUL: &str = "住民票の写しは、戸籍住民課と区内4か所の地域センターで取得できます。手数料は窓口で1通300円、コンビニ交付なら1通200円です。";

fn guide() -> &'static Guide {
    static G: OnceLock<Guide> = OnceLock::new();
    G.get_or_init(|| {
        let mut kb = KnowledgeBase::new();
        kb.add_faq(&parse_faq_csv(FAQ.as_bytes()).expect("FAQ"));
        kb.add_page(&parse_page(PAGE).expect("page"));
        Guide::build(kb, &GuideConfig::default(), &[]).expect("guide")
    })
}

/// A definitive answer of the guide (asserted, so a change of the decision shows here).
fn answered(question: &str) -> GuideAnswer {
    let a = guide().ask(question);
    assert!(
        a.answered,
        "the test guide should answer {question:?}: {a:#?}"
    );
    assert!(!a.citations.is_empty());
    a
}

#[derive(Clone)]
enum Reply {
    Content(String),
    Sleep(Duration, String),
    Status(u16),
    Malformed,
}

struct Mock {
    reply: Reply,
    api_key: Option<String>,
    requests: AtomicUsize,
    /// Problems with the request's shape (should stay empty).
    invalid: Mutex<Vec<String>>,
    last_user: Mutex<Option<String>>,
}

fn completion(content: &str) -> Value {
    json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": MODEL,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "finish_reason": "stop"
        }],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    })
}

/// The request's problems (model, messages and roles, parameters, Authorization).
fn validate(mock: &Mock, headers: &HeaderMap, body: &Value) -> Vec<String> {
    let mut bad = Vec::new();
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if ct != Some("application/json") {
        bad.push(format!("content-type {ct:?}"));
    }
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let want = mock.api_key.as_ref().map(|k| format!("Bearer {k}"));
    if auth != want.as_deref() {
        bad.push(format!("authorization {auth:?}, expected {want:?}"));
    }
    if body["model"] != MODEL {
        bad.push(format!("model {}", body["model"]));
    }
    if body["stream"] != false {
        bad.push(format!("stream {}", body["stream"]));
    }
    if !body["temperature"].is_number() {
        bad.push("temperature".to_string());
    }
    if !body["max_tokens"].is_u64() {
        bad.push("max_tokens".to_string());
    }
    let roles: Vec<&str> = body["messages"]
        .as_array()
        .map(|m| m.iter().filter_map(|x| x["role"].as_str()).collect())
        .unwrap_or_default();
    if roles != ["system", "user"] {
        bad.push(format!("roles {roles:?}"));
    }
    let contents_ok = body["messages"].as_array().is_some_and(|m| {
        m.iter()
            .all(|x| x["content"].as_str().is_some_and(|c| !c.is_empty()))
    });
    if !contents_ok {
        bad.push("message contents".to_string());
    }
    bad
}

async fn chat(State(mock): State<Arc<Mock>>, headers: HeaderMap, body: Bytes) -> Response {
    mock.requests.fetch_add(1, Ordering::SeqCst);
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        mock.invalid
            .lock()
            .expect("lock")
            .push("body is not JSON".to_string());
        return StatusCode::BAD_REQUEST.into_response();
    };
    let bad = validate(&mock, &headers, &body);
    if !bad.is_empty() {
        mock.invalid.lock().expect("lock").extend(bad);
        let err = json!({"error": {"message": "invalid request", "type": "invalid_request_error"}});
        return (StatusCode::BAD_REQUEST, axum::Json(err)).into_response();
    }
    *mock.last_user.lock().expect("lock") =
        body["messages"][1]["content"].as_str().map(str::to_string);
    match mock.reply.clone() {
        Reply::Content(c) => axum::Json(completion(&c)).into_response(),
        Reply::Sleep(d, c) => {
            tokio::time::sleep(d).await;
            axum::Json(completion(&c)).into_response()
        }
        Reply::Status(s) => {
            let err = json!({"error": {"message": "server error", "type": "server_error"}});
            let status = StatusCode::from_u16(s).expect("status");
            (status, axum::Json(err)).into_response()
        }
        Reply::Malformed => (
            [(header::CONTENT_TYPE, "application/json")],
            "{\"choices\": [ {\"message\": ",
        )
            .into_response(),
    }
}

/// Starts the server; returns its base URL (`http://127.0.0.1:port/v1`) and its state.
async fn serve(reply: Reply, api_key: Option<&str>) -> (String, Arc<Mock>) {
    let mock = Arc::new(Mock {
        reply,
        api_key: api_key.map(str::to_string),
        requests: AtomicUsize::new(0),
        invalid: Mutex::new(Vec::new()),
        last_user: Mutex::new(None),
    });
    let app = Router::new()
        .route("/v1/chat/completions", post(chat))
        .with_state(mock.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    (format!("http://{addr}/v1"), mock)
}

fn phraser(url: &str, api_key: Option<&str>, timeout_ms: u64) -> Phraser {
    let mut c = LlmConfig::new(url, MODEL);
    c.api_key = api_key.map(str::to_string);
    c.timeout_ms = timeout_ms;
    Phraser::new(c).expect("phraser")
}

fn assert_extractive(p: &Phrased, a: &GuideAnswer) {
    assert_eq!(Some(p.text.as_str()), a.answer.as_deref());
    assert!(!p.rephrased);
}

fn assert_valid_requests(mock: &Mock, n: usize) {
    assert_eq!(mock.requests.load(Ordering::SeqCst), n);
    let invalid = mock.invalid.lock().expect("lock");
    assert!(invalid.is_empty(), "bad requests: {invalid:?}");
}

#[tokio::test]
async fn faithful_rephrasing_is_shown() {
    let (url, mock) = serve(Reply::Content(format!("  {FAITHFUL}\n")), None).await;
    let a = answered(QUESTION);
    let p = phraser(&url, None, 3000).phrase(guide(), &a).await;
    assert_eq!(
        p,
        Phrased {
            text: FAITHFUL.to_string(),
            rephrased: true,
            rejection: None,
            error: None
        }
    );
    assert_valid_requests(&mock, 1);
    // The prompt carries the redacted question and the cited official text.
    let user = mock.last_user.lock().expect("lock").clone().expect("user");
    assert!(user.contains(&a.question), "{user}");
    assert!(user.contains("[faq-0001]"), "{user}");
    assert!(user.contains("1通300円"), "{user}");
}

#[tokio::test]
async fn sends_the_api_key_as_a_bearer_token() {
    let (url, mock) = serve(Reply::Content(FAITHFUL.to_string()), Some("sk-test")).await;
    let a = answered(QUESTION);
    let p = phraser(&url, Some("sk-test"), 3000)
        .phrase(guide(), &a)
        .await;
    assert!(p.rephrased, "{p:?}");
    assert_valid_requests(&mock, 1);

    // Without the key the server refuses; the extractive answer is shown.
    let p = phraser(&url, None, 3000).phrase(guide(), &a).await;
    assert_extractive(&p, &a);
    assert_eq!(p.error.as_deref(), Some("http 400"));
    mock.invalid.lock().expect("lock").clear();
}

#[tokio::test]
async fn new_facts_and_unsupported_sentences_are_rejected() {
    let a = answered(QUESTION);
    let cases = [
        (
            "戸籍住民課と区内4か所の地域センターで取得できます。手数料は窓口で1通350円です。",
            "new_fact",
        ),
        (
            "戸籍住民課と区内4か所の地域センターで取得できます。詳しくは03-5555-0000へお電話ください。",
            "new_fact",
        ),
        (
            "戸籍住民課と区内4か所の地域センターで取得できます。郵送でも請求できますし、土曜日も開いています。",
            "unsupported",
        ),
        ("   ", "empty"),
    ];
    for (reply, kind) in cases {
        let (url, mock) = serve(Reply::Content(reply.to_string()), None).await;
        let p = phraser(&url, None, 3000).phrase(guide(), &a).await;
        assert_extractive(&p, &a);
        assert_eq!(p.error, None);
        let got = match &p.rejection {
            Some(Rejection::NewFact { .. }) => "new_fact",
            Some(Rejection::Unsupported { .. }) => "unsupported",
            Some(Rejection::Empty) => "empty",
            None => "none",
        };
        assert_eq!(got, kind, "{reply}: {p:?}");
        assert_valid_requests(&mock, 1);
    }
}

#[tokio::test]
async fn timeout_falls_back_within_the_bound() {
    let (url, mock) = serve(
        Reply::Sleep(Duration::from_secs(5), FAITHFUL.to_string()),
        None,
    )
    .await;
    let a = answered(QUESTION);
    let started = Instant::now();
    let p = phraser(&url, None, 300).phrase(guide(), &a).await;
    let elapsed = started.elapsed();
    assert_extractive(&p, &a);
    assert_eq!(p.error.as_deref(), Some("timeout"));
    assert_eq!(p.rejection, None);
    assert!(elapsed >= Duration::from_millis(290), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1000), "{elapsed:?}");
    assert_valid_requests(&mock, 1);
}

#[tokio::test]
async fn server_errors_and_malformed_json_fall_back() {
    let a = answered(QUESTION);
    for (reply, error) in [
        (Reply::Status(500), "http 500"),
        (Reply::Status(503), "http 503"),
        (Reply::Malformed, "parse"),
    ] {
        let (url, mock) = serve(reply, None).await;
        let p = phraser(&url, None, 3000).phrase(guide(), &a).await;
        assert_extractive(&p, &a);
        assert_eq!(p.error.as_deref(), Some(error));
        assert_eq!(p.rejection, None);
        assert_valid_requests(&mock, 1);
    }
}

#[tokio::test]
async fn unreachable_endpoint_falls_back() {
    // Bind, then close: nothing listens on this port.
    let port = {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        l.local_addr().expect("addr").port()
    };
    let a = answered(QUESTION);
    let p = phraser(&format!("http://127.0.0.1:{port}/v1"), None, 3000)
        .phrase(guide(), &a)
        .await;
    assert_extractive(&p, &a);
    assert_eq!(p.error.as_deref(), Some("connect"));
}

#[tokio::test]
async fn unanswered_questions_are_not_sent() {
    let (url, mock) = serve(Reply::Content(FAITHFUL.to_string()), None).await;
    let ph = phraser(&url, None, 3000);
    for q in ["", "明日の天気は？", "火事です！助けて", "職員と話したい"] {
        let a = guide().ask(q);
        assert!(!a.answered, "{q}: {a:#?}");
        let p = ph.phrase(guide(), &a).await;
        assert_eq!(Some(p.text.as_str()), a.answer.as_deref(), "{q}");
        assert!(!p.rephrased && p.rejection.is_none() && p.error.is_none());
    }
    // Answered but without citations: not sent either.
    let mut a = answered(QUESTION);
    a.citations.clear();
    let p = ph.phrase(guide(), &a).await;
    assert_extractive(&p, &a);
    assert_eq!(mock.requests.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn phrase_passages_is_the_lower_level() {
    let (url, mock) = serve(Reply::Content(FAITHFUL.to_string()), None).await;
    let ph = phraser(&url, None, 3000);
    let official = "区役所本庁舎1階の戸籍住民課と、区内4か所の地域センターで取得できます。手数料は窓口で1通300円、コンビニ交付で1通200円です。";
    let p = ph
        .phrase_passages("住民票はどこで？", official, &[("faq-0001", official)])
        .await;
    assert!(p.rephrased, "{p:?}");
    assert_eq!(p.text, FAITHFUL);
    // Nothing to check against, or nothing to rephrase: no call.
    let p = ph.phrase_passages("住民票はどこで？", official, &[]).await;
    assert_eq!(p.text, official);
    let p = ph
        .phrase_passages("住民票はどこで？", "", &[("faq-0001", official)])
        .await;
    assert_eq!(p.text, "");
    assert_valid_requests(&mock, 1);
}

#[test]
fn cited_passages_are_the_official_texts_of_the_cited_section() {
    let a = answered(QUESTION);
    let passages = cited_passages(guide(), &a);
    assert_eq!(passages[0].0, "faq-0001");
    assert_eq!(Some(passages[0].1), a.answer.as_deref());

    // A page cited for one of its sections: only that section, not its siblings.
    let section = guide()
        .sources()
        .iter()
        .find(|s| s.id == "page-gomi" && s.section.as_deref() == Some("資源"))
        .expect("section");
    let mut b = a.clone();
    b.answer = Some(section.answer.clone());
    b.citations.truncate(1);
    b.citations[0].id = "page-gomi".to_string();
    assert_eq!(
        cited_passages(guide(), &b),
        vec![("page-gomi", section.answer.as_str())]
    );
}
