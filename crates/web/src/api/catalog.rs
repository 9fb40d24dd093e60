//! Catalogue endpoints.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use madoguchi_core::catalog::CatalogStats;
use serde::Deserialize;
use serde_json::json;

use super::{ApiError, ApiResult, json_response};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    department: Option<String>,
    category: Option<String>,
    life_event: Option<String>,
    online_status: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

pub async fn list_procedures(
    State(state): State<AppState>,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let Query(q) =
        q.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.body_text()))?;
    let snap = state.catalog.get().await;
    let limit = q.limit.unwrap_or(50).min(500);
    let offset = q.offset.unwrap_or(0);
    let mut items: Vec<(&madoguchi_core::catalog::Procedure, Option<f64>)> =
        match q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(text) => snap
                .index
                .search(text, 1000)
                .into_iter()
                .filter_map(|h| snap.procedure(&h.id).map(|p| (p, Some(h.score))))
                .collect(),
            None => snap.procedures.iter().map(|p| (p, None)).collect(),
        };
    items.retain(|(p, _)| {
        q.department.as_ref().is_none_or(|d| &p.department == d)
            && q.category.as_ref().is_none_or(|c| p.categories.contains(c))
            && q.life_event
                .as_ref()
                .is_none_or(|e| p.life_events.contains(e))
            && q.online_status
                .as_ref()
                .is_none_or(|s| p.online.code() == s)
    });
    let total = items.len();
    let page: Vec<_> = items
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|(p, score)| json!({"id": p.id, "name": p.name, "department": p.department, "online": p.online, "identity_level": p.identity_level, "has_form": snap.forms.contains_key(&p.id), "score": score}))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"total": total, "offset": offset, "limit": limit, "items": page}),
    ))
}

pub async fn get_procedure(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let snap = state.catalog.get().await;
    let p = snap.procedure(&id).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_procedure",
            format!("no procedure with id \"{id}\""),
        )
    })?;
    let form = snap.form_for(&p.id);
    Ok(json_response(
        StatusCode::OK,
        &json!({"procedure": p, "department": snap.department(&p.department), "form": form.as_deref()}),
    ))
}

pub async fn list_departments(State(state): State<AppState>) -> ApiResult {
    let snap = state.catalog.get().await;
    Ok(json_response(
        StatusCode::OK,
        &json!({"items": snap.departments}),
    ))
}

pub async fn stats(State(state): State<AppState>) -> ApiResult {
    let snap = state.catalog.get().await;
    Ok(json_response(
        StatusCode::OK,
        &CatalogStats::of(&snap.procedures),
    ))
}
