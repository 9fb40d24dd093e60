//! The staff side of the information desk under /api/v1/admin: the handoff queue, answers
//! (optionally turned into FAQ entries), FAQ editing and the unanswered-question report.
//!
//! Until staff accounts exist, the only credential is the administrator token from the
//! configuration; without one configured these routes do not exist (404). Handlers take a
//! [`Staff`] whose `actor` goes into the audit log, so moving them behind staff sign-in
//! means changing only how `Staff` is extracted.

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use madoguchi_desk::FaqFromAnswer;
use madoguchi_guide::FaqEntry;
use madoguchi_store::guide as store;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::guide::{desk_error, ticket_json};
use super::{ApiError, ApiResult, json_response, parse_json};
use crate::state::AppState;

/// A member of staff, as far as this request proved it.
pub struct Staff {
    /// Who, for the audit log.
    pub actor: String,
}

fn same_secret(a: &str, b: &str) -> bool {
    // Compare digests, in time independent of where they differ.
    let (x, y) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    x.iter()
        .zip(y.iter())
        .fold(0u8, |acc, (p, q)| acc | (p ^ q))
        == 0
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Staff, ApiError> {
        let Some(expected) = state.config.admin_token.as_deref() else {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such API endpoint; see /openapi.json",
            ));
        };
        match super::bearer(&parts.headers) {
            Some(g) if same_secret(g, expected) => Ok(Staff {
                actor: "staff:admin-token".into(),
            }),
            _ => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "send the administrator token as Authorization: Bearer <token>",
            )),
        }
    }
}

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    status: Option<String>,
    department: Option<String>,
    limit: Option<i64>,
}

pub async fn tickets(
    staff: Staff,
    State(state): State<AppState>,
    Query(q): Query<QueueQuery>,
) -> ApiResult {
    let _ = staff;
    let status = q.status.unwrap_or_else(|| "open".into());
    if !matches!(status.as_str(), "open" | "answered" | "closed" | "all") {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_status",
            "status is open, answered, closed or all",
        ));
    }
    let filter = store::TicketFilter {
        status: (status != "all").then_some(status),
        department_id: q.department,
        limit: q.limit.unwrap_or(100).clamp(1, 1000),
    };
    let list: Vec<_> = store::tickets(state.db.reader(), &filter)
        .await?
        .iter()
        .map(|t| {
            let mut v = ticket_json(&state, t, false);
            v["reason"] = json!(t.reason);
            v["channel"] = json!(t.channel);
            v["faq_id"] = json!(t.faq_id);
            v
        })
        .collect();
    Ok(json_response(StatusCode::OK, &json!({"tickets": list})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerBody {
    answer: String,
    #[serde(default)]
    faq: Option<FaqFromAnswer>,
}

pub async fn answer(
    staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let b: AnswerBody = parse_json(&headers, &body, 64 * 1024)?;
    match state
        .desk
        .answer_ticket(&staff.actor, &id, &b.answer, b.faq.as_ref())
        .await
        .map_err(desk_error)?
    {
        Some(t) => {
            let mut v = ticket_json(&state, &t, false);
            v["faq_id"] = json!(t.faq_id);
            Ok(json_response(StatusCode::OK, &v))
        }
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such ticket",
        )),
    }
}

pub async fn close(
    staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult {
    let Some(t) = store::find_ticket(state.db.reader(), &id).await? else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such ticket",
        ));
    };
    store::close_ticket(&state.db, &staff.actor, &t.id).await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"id": t.id, "number": t.number, "status": "closed"}),
    ))
}

pub async fn docs(staff: Staff, State(state): State<AppState>) -> ApiResult {
    let _ = staff;
    let list: Vec<_> = store::docs(state.db.reader())
        .await?
        .into_iter()
        .map(|d| {
            let data: serde_json::Value = serde_json::from_str(&d.data).unwrap_or_default();
            json!({"id": d.id, "kind": d.kind, "origin": d.origin, "updated_at": d.updated_at, "data": data})
        })
        .collect();
    Ok(json_response(StatusCode::OK, &json!({"documents": list})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaqBody {
    question: String,
    answer: String,
    #[serde(default)]
    department: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    url: Option<String>,
}

/// Creates or replaces one FAQ entry (the CSV import's rules: the same checks, one row).
pub async fn put_faq(
    staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let b: FaqBody = parse_json(&headers, &body, 64 * 1024)?;
    let invalid = |m: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_faq", m);
    if !madoguchi_guide::faq::is_valid_source_id(&id) {
        return Err(invalid(
            "the id must be 1–120 characters without spaces or #".into(),
        ));
    }
    if b.question.trim().is_empty() || b.answer.trim().is_empty() {
        return Err(invalid("question and answer are required".into()));
    }
    if let Some(d) = &b.department
        && !madoguchi_store::catalog::department_ids(state.db.reader())
            .await?
            .contains(d)
    {
        return Err(invalid(format!(
            "department \"{d}\" is not in the catalogue"
        )));
    }
    let entry = FaqEntry {
        id: id.clone(),
        question: b.question.trim().into(),
        answer: b.answer.trim().into(),
        department: b.department,
        category: b.category,
        url: b.url,
        updated: Some(chrono::Utc::now().date_naive()),
    };
    let doc = madoguchi_desk::kb::faq_doc(&entry, "staff").map_err(|e| invalid(e.to_string()))?;
    let s = store::upsert_docs(&state.db, &staff.actor, &format!("faq:{id}"), &[doc])
        .await
        .map_err(|e| match e {
            madoguchi_store::StoreError::Invalid(m) => invalid(m),
            other => other.into(),
        })?;
    let status = if s.inserted > 0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json_response(
        status,
        &json!({"id": id, "inserted": s.inserted, "updated": s.updated}),
    ))
}

pub async fn delete_doc(
    staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult {
    match store::delete_docs(&state.db, &staff.actor, std::slice::from_ref(&id)).await? {
        0 => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such document",
        )),
        _ => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    days: Option<i64>,
}

pub async fn report(
    staff: Staff,
    State(state): State<AppState>,
    Query(q): Query<ReportQuery>,
) -> ApiResult {
    let _ = staff;
    let days = q.days.unwrap_or(30).clamp(1, 3650);
    let since = madoguchi_store::time_text(chrono::Utc::now() - chrono::Duration::days(days));
    let rows = store::unanswered_report(state.db.reader(), &since).await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"days": days, "departments": rows}),
    ))
}
