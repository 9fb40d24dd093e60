//! The information desk's pages: the question page (every portal page has a small form that
//! leads here; with JavaScript it answers in place), the lobby kiosk, an official text by
//! its id, leaving a question for staff and reading their answer. All work without
//! JavaScript.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use madoguchi_desk::{DeskError, HandoffRequest};
use madoguchi_guide::SourceKind;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{PortalError, Req, redirect};
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct AskQuery {
    q: Option<String>,
}

fn page_error(e: DeskError) -> PortalError {
    match e {
        DeskError::Invalid(msg) => PortalError::bad_request(msg),
        DeskError::Store(e) => e.into(),
        DeskError::Build(_) => PortalError::internal(),
    }
}

async fn ask_page(state: &AppState, req: &Req, q: Option<String>, kiosk: bool) -> Response {
    let question = q.unwrap_or_default();
    let question = question.trim();
    let mut ctx = json!({"q": question, "kiosk": kiosk, "hide_guide_widget": true});
    let mut status = StatusCode::OK;
    if !question.is_empty() {
        let channel = if kiosk { "kiosk" } else { "web" };
        match state.desk.ask_phrased(question, channel).await {
            Ok((answer, phrased)) => {
                let mut a = serde_json::to_value(&answer).unwrap_or(Value::Null);
                a["rephrased"] = json!(phrased.is_some_and(|p| p.rephrased));
                // Choices link to the official text, or to the procedure's own page.
                if let Some(choices) = a
                    .pointer_mut("/clarification/choices")
                    .and_then(Value::as_array_mut)
                {
                    for c in choices {
                        c["href"] = json!(source_href(
                            c["id"].as_str().unwrap_or(""),
                            c["kind"].as_str()
                        ));
                    }
                }
                if let Some(cites) = a.get_mut("citations").and_then(Value::as_array_mut) {
                    for c in cites {
                        let id = c["id"].as_str().unwrap_or("").to_string();
                        c["href"] = json!(format!("/guide/sources/{}", encode(&id)));
                    }
                }
                let offer_handoff = answer.handoff
                    || matches!(
                        answer.reason,
                        madoguchi_guide::Reason::NotInKb | madoguchi_guide::Reason::Ambiguous
                    );
                ctx["answer"] = a;
                ctx["offer_handoff"] = json!(offer_handoff);
            }
            Err(DeskError::Invalid(msg)) => {
                status = StatusCode::UNPROCESSABLE_ENTITY;
                ctx["error"] = json!(msg);
            }
            Err(e) => return page_error(e).render(state, req),
        }
    }
    req.render(state, status, "guide.html", ctx)
}

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn source_href(id: &str, kind: Option<&str>) -> String {
    match kind {
        Some("procedure") => format!("/procedures/{}", encode(id)),
        _ => format!("/guide/sources/{}", encode(id)),
    }
}

pub async fn ask(State(state): State<AppState>, req: Req, Query(q): Query<AskQuery>) -> Response {
    ask_page(&state, &req, q.q, false).await
}

pub async fn kiosk(State(state): State<AppState>, req: Req, Query(q): Query<AskQuery>) -> Response {
    ask_page(&state, &req, q.q, true).await
}

/// The forms post the question, so that it never appears in a URL (and so in no proxy's
/// access log or browser history); `GET ?q=` stays for links.
pub async fn ask_post(
    State(state): State<AppState>,
    req: Req,
    form: Result<Form<AskQuery>, FormRejection>,
) -> Response {
    let q = form.ok().and_then(|Form(f)| f.q);
    ask_page(&state, &req, q, false).await
}

pub async fn kiosk_post(
    State(state): State<AppState>,
    req: Req,
    form: Result<Form<AskQuery>, FormRejection>,
) -> Response {
    let q = form.ok().and_then(|Form(f)| f.q);
    ask_page(&state, &req, q, true).await
}

/// An official text by its id: a FAQ answer, or every section of a page.
pub async fn source(State(state): State<AppState>, req: Req, Path(id): Path<String>) -> Response {
    let guide = state.desk.guide().await;
    let parts: Vec<_> = guide.sources().iter().filter(|s| s.id == id).collect();
    let Some(first) = parts.first() else {
        return PortalError::not_found().render(&state, &req);
    };
    if first.kind == SourceKind::Procedure {
        return req.finish(redirect(&format!("/procedures/{}", encode(&id))));
    }
    let snap = state.catalog.get().await;
    let department = first
        .department
        .as_deref()
        .and_then(|d| snap.department(d))
        .map(|d| json!(d));
    let sections: Vec<Value> = parts
        .iter()
        .map(|s| json!({"heading": s.section, "text": s.answer}))
        .collect();
    req.render(
        &state,
        StatusCode::OK,
        "guide_source.html",
        json!({
            "source": {"id": first.id, "title": first.title, "url": first.url, "updated": first.updated.map(|d| d.to_string()), "faq": first.kind == SourceKind::Faq},
            "sections": sections,
            "department": department,
        }),
    )
}

#[derive(Deserialize)]
pub struct HandoffForm {
    question: String,
    #[serde(default)]
    department: Option<String>,
    #[serde(default)]
    kiosk: Option<String>,
}

pub async fn handoff(
    State(state): State<AppState>,
    req: Req,
    form: Result<Form<HandoffForm>, FormRejection>,
) -> Response {
    if !req.same_origin {
        return PortalError::forbidden().render(&state, &req);
    }
    let Ok(Form(f)) = form else {
        return PortalError::bad_request(crate::i18n::t(req.lang, "guide.handoff_bad"))
            .render(&state, &req);
    };
    let r = HandoffRequest {
        question: f.question,
        department: f.department.filter(|d| !d.is_empty()),
        lang: Some(req.lang.code().to_string()),
        channel: Some(if f.kiosk.is_some() { "kiosk" } else { "web" }.into()),
    };
    match state.desk.handoff(&r).await {
        Ok(t) => {
            let token = state.desk.ticket_token(&t);
            req.finish(redirect(&format!("/guide/tickets/{}?token={token}", t.id)))
        }
        Err(e) => page_error(e).render(&state, &req),
    }
}

#[derive(Deserialize, Default)]
pub struct TokenQuery {
    token: Option<String>,
}

pub async fn ticket(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    Query(q): Query<TokenQuery>,
) -> Response {
    let token = q.token.unwrap_or_default();
    let t = match state.desk.ticket_for_resident(&id, &token).await {
        Ok(Some(t)) => t,
        Ok(None) => return PortalError::forbidden().render(&state, &req),
        Err(e) => return page_error(e).render(&state, &req),
    };
    let snap = state.catalog.get().await;
    let department = t
        .department_id
        .as_deref()
        .and_then(|d| snap.department(d))
        .map(|d| json!(d));
    req.render(
        &state,
        StatusCode::OK,
        "guide_ticket.html",
        json!({"ticket": t, "department": department, "hide_guide_widget": true}),
    )
}
