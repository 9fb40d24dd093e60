//! The information desk over JSON: asking (for the chat, a kiosk, an AI phone operator),
//! leaving a question for staff, and reading the staff answer with the ticket's token.
//! The staff side lives in `api::admin`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use madoguchi_desk::desk::channel_name;
use madoguchi_desk::{DeskError, HandoffRequest};
use madoguchi_store::guide::Ticket;
use serde::Deserialize;
use serde_json::json;

use super::{ApiError, ApiResult, bearer, json_response, parse_json};
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AskBody {
    question: String,
    /// `web`, `kiosk`, `phone`, `line`… (for statistics only).
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    lang: Option<String>,
}

pub fn desk_error(e: DeskError) -> ApiError {
    match e {
        DeskError::Invalid(msg) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_question", msg)
        }
        DeskError::Store(e) => e.into(),
        DeskError::Build(msg) => {
            tracing::error!(error = %msg, "the guide failed");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the information desk is not available right now; try again later",
            )
        }
    }
}

pub async fn ask(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let b: AskBody = parse_json(&headers, &body, 16 * 1024)?;
    let channel = channel_name(b.channel.as_deref(), "api");
    let (answer, phrased) = state
        .desk
        .ask_phrased(&b.question, &channel)
        .await
        .map_err(desk_error)?;
    let mut v = serde_json::to_value(&answer).map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "cannot encode the answer",
        )
    })?;
    // An answer rephrased by the LLM says so, and keeps nothing else: citations stay.
    v["rephrased"] = json!(phrased.is_some_and(|p| p.rephrased));
    if !answer.answered && answer.handoff {
        v["handoff_url"] = json!("/api/v1/guide/handoff");
    }
    Ok(json_response(StatusCode::OK, &v))
}

pub fn ticket_json(state: &AppState, t: &Ticket, with_token: bool) -> serde_json::Value {
    let mut v = json!({
        "id": t.id,
        "number": t.number,
        "status": t.status,
        "department": t.department_id,
        "question": t.question,
        "answer": t.answer,
        "answered_at": t.answered_at,
        "created_at": t.created_at,
    });
    if with_token {
        let token = state.desk.ticket_token(t);
        v["token"] = json!(token);
        v["status_url"] = json!(format!("/guide/tickets/{}?token={token}", t.id));
    }
    v
}

pub async fn handoff(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let mut req: HandoffRequest = parse_json(&headers, &body, 16 * 1024)?;
    req.channel = Some(channel_name(req.channel.as_deref(), "api"));
    let ticket = state.desk.handoff(&req).await.map_err(desk_error)?;
    Ok(json_response(
        StatusCode::CREATED,
        &ticket_json(&state, &ticket, true),
    ))
}

pub async fn ticket(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult {
    let Some(token) = bearer(&headers) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send the ticket's token as Authorization: Bearer <token>",
        ));
    };
    match state
        .desk
        .ticket_for_resident(&id, token)
        .await
        .map_err(desk_error)?
    {
        Some(t) => Ok(json_response(
            StatusCode::OK,
            &ticket_json(&state, &t, false),
        )),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such ticket for this token",
        )),
    }
}
