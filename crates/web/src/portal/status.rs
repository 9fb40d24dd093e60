//! After submitting: the confirmation page with the receipt number, and the status page.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use madoguchi_store::applications::{self, StoredApplication};
use serde::Deserialize;
use serde_json::{Value, json};

use super::view::summary_sections;
use super::{PortalError, Req, current_session};
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct TokenQuery {
    token: Option<String>,
}

/// The application, if this browser submitted it or the link carries its token.
async fn authorised(
    state: &AppState,
    req: &Req,
    id: &str,
    token: Option<&str>,
) -> Result<StoredApplication, PortalError> {
    let app = applications::get(state.db.reader(), id)
        .await?
        .ok_or_else(PortalError::not_found)?;
    let by_token = token.is_some_and(|t| state.db.secrets().check_application_token(id, t));
    let by_session = match current_session(state, req).await? {
        Some(s) => s
            .data
            .get("applications")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(id))),
        None => false,
    };
    if by_token || by_session {
        Ok(app)
    } else {
        Err(PortalError::forbidden())
    }
}

fn status_url(state: &AppState, id: &str) -> String {
    format!(
        "/applications/{id}?token={}",
        state.db.secrets().application_token(id)
    )
}

pub async fn confirmation(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    Query(q): Query<TokenQuery>,
) -> Response {
    let app = match authorised(&state, &req, &id, q.token.as_deref()).await {
        Ok(a) => a,
        Err(e) => return e.render(&state, &req),
    };
    let snap = state.catalog.get().await;
    let name = snap
        .procedure(&app.procedure_id)
        .map(|p| json!(p.name))
        .unwrap_or(json!(app.procedure_id));
    req.render(
        &state,
        StatusCode::OK,
        "confirmation.html",
        json!({"app": {"receipt_number": app.receipt_number}, "procedure_name": name, "next_step": app.status.next_step(req.lang), "status_url": status_url(&state, &id)}),
    )
}

pub async fn status(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    Query(q): Query<TokenQuery>,
) -> Response {
    let app = match authorised(&state, &req, &id, q.token.as_deref()).await {
        Ok(a) => a,
        Err(e) => return e.render(&state, &req),
    };
    let snap = state.catalog.get().await;
    let procedure = snap.procedure(&app.procedure_id);
    let department = procedure.and_then(|p| snap.department(&p.department));
    let form = madoguchi_store::forms::get(state.db.reader(), &app.form_id, app.form_version)
        .await
        .ok()
        .flatten();
    let sections = form
        .map(|f| {
            summary_sections(&f, &app.answers, req.lang, &Default::default(), &|_| {
                String::new()
            })
        })
        .unwrap_or_default();
    req.render(
        &state,
        StatusCode::OK,
        "status.html",
        json!({
            "app": {"receipt_number": app.receipt_number, "submitted_at": app.submitted_at},
            "procedure_name": procedure.map(|p| json!(p.name)).unwrap_or(json!(app.procedure_id)),
            "department": department,
            "status_label": app.status.label(req.lang),
            "next_step": app.status.next_step(req.lang),
            "sections": sections,
        }),
    )
}
