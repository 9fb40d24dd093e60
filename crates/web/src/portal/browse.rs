//! Finding procedures: home, search, life events, departments, the procedure page.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use madoguchi_core::catalog::codes::{self, LIFE_EVENTS};
use madoguchi_core::catalog::{CatalogStats, OnlineStatus, Procedure};
use madoguchi_store::drafts;
use serde::Deserialize;
use serde_json::json;

use super::{PageResult, PortalError, Req, current_session, respond};
use crate::i18n::{t, tf};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

pub async fn home(State(state): State<AppState>, req: Req) -> Response {
    let r = async {
        let snap = state.catalog.get().await;
        let stats = CatalogStats::of(&snap.procedures).overall;
        let life_events: Vec<_> = LIFE_EVENTS
            .iter()
            .map(|e| json!({"code": e.code, "label": e.label(req.lang), "count": snap.procedures.iter().filter(|p| p.life_events.iter().any(|l| l == e.code)).count()}))
            .filter(|e| e["count"].as_u64().unwrap_or(0) > 0)
            .collect();
        let departments: Vec<_> = snap
            .departments
            .iter()
            .map(|d| json!({"id": d.id, "name": d.name, "count": snap.procedures.iter().filter(|p| p.department == d.id).count()}))
            .filter(|d| d["count"].as_u64().unwrap_or(0) > 0)
            .collect();
        let mut my_drafts = Vec::new();
        if let Some(s) = current_session(&state, &req).await? {
            for (id, procedure, updated) in drafts::for_session(state.db.reader(), &s.id_hash).await? {
                if let Some(p) = snap.procedure(&procedure) {
                    my_drafts.push(json!({"id": id, "name": p.name, "updated": updated}));
                }
            }
        }
        let rate = if stats.total == 0 { 0.0 } else { (stats.online_rate * 1000.0).round() / 10.0 };
        Ok(req.render(
            &state,
            StatusCode::OK,
            "home.html",
            json!({
                "stats": {"total": stats.total, "online": stats.online_here + stats.online_external, "rate": rate},
                "life_events": life_events,
                "departments": departments,
                "drafts": my_drafts,
            }),
        ))
    }
    .await;
    respond(&state, &req, r)
}

fn list_page(
    state: &AppState,
    req: &Req,
    heading: String,
    lead: Option<String>,
    procedures: Vec<&Procedure>,
    extra: serde_json::Value,
) -> Response {
    let mut ctx = json!({"heading": heading, "lead": lead, "procedures": procedures});
    if let (Some(obj), Some(more)) = (ctx.as_object_mut(), extra.as_object()) {
        obj.extend(more.clone());
    }
    req.render(state, StatusCode::OK, "list.html", ctx)
}

/// A list page whose lead says how many procedures it holds.
fn counted_list(
    state: &AppState,
    req: &Req,
    heading: String,
    procedures: Vec<&Procedure>,
    extra: serde_json::Value,
) -> Response {
    let lead = tf(
        req.lang,
        "list.count",
        &[("n", &procedures.len().to_string())],
    );
    list_page(state, req, heading, Some(lead), procedures, extra)
}

pub async fn search(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<SearchQuery>,
) -> Response {
    let snap = state.catalog.get().await;
    let query = q.q.unwrap_or_default();
    let query = query.trim();
    let hits = snap.index.search(query, 50);
    let procedures: Vec<&Procedure> = hits.iter().filter_map(|h| snap.procedure(&h.id)).collect();
    let n = procedures.len().to_string();
    let lead = if query.is_empty() {
        t(req.lang, "search.empty")
    } else if procedures.is_empty() {
        tf(req.lang, "search.none", &[("q", query)])
    } else {
        tf(req.lang, "search.results", &[("q", query), ("n", &n)])
    };
    list_page(
        &state,
        &req,
        t(req.lang, "home.title"),
        Some(lead),
        procedures,
        json!({"show_search": true, "q": query}),
    )
}

pub async fn life_event(
    State(state): State<AppState>,
    req: Req,
    Path(code): Path<String>,
) -> Response {
    let snap = state.catalog.get().await;
    let Some(event) = codes::find(LIFE_EVENTS, &code) else {
        return PortalError::not_found().render(&state, &req);
    };
    let procedures: Vec<&Procedure> = snap
        .procedures
        .iter()
        .filter(|p| p.life_events.iter().any(|e| e == event.code))
        .collect();
    counted_list(
        &state,
        &req,
        event.label(req.lang).to_string(),
        procedures,
        json!({}),
    )
}

pub async fn department(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> Response {
    let snap = state.catalog.get().await;
    let Some(d) = snap.department(&id) else {
        return PortalError::not_found().render(&state, &req);
    };
    let procedures: Vec<&Procedure> = snap
        .procedures
        .iter()
        .filter(|p| p.department == d.id)
        .collect();
    counted_list(
        &state,
        &req,
        d.name.get(req.lang).to_string(),
        procedures,
        json!({"department": d}),
    )
}

pub async fn procedure(
    State(state): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> Response {
    let snap = state.catalog.get().await;
    let Some(p) = snap.procedure(&id) else {
        return PortalError::not_found().render(&state, &req);
    };
    let form = match p.online {
        OnlineStatus::Here => snap.form_for(&p.id),
        _ => None,
    };
    let offline_reason = match &p.online {
        OnlineStatus::Offline { reason, .. } => Some(reason.label(req.lang)),
        _ => None,
    };
    let delivery: Vec<&str> = p
        .delivery_methods
        .iter()
        .map(|d| d.label(req.lang))
        .collect();
    let r: PageResult = Ok(req.render(
        &state,
        StatusCode::OK,
        "procedure.html",
        json!({
            "p": p,
            "department": snap.department(&p.department),
            "form": form.as_deref(),
            "identity_label": p.identity_level.label(req.lang),
            "offline_reason": offline_reason,
            "delivery": delivery,
        }),
    ));
    respond(&state, &req, r)
}
