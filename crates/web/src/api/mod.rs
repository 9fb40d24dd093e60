//! The JSON API under /api/v1, described by /openapi.json.

mod applications;
mod catalog;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use madoguchi_store::postal;
use serde::Serialize;
use serde_json::{Value, json};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/procedures", get(catalog::list_procedures))
        .route("/procedures/{id}", get(catalog::get_procedure))
        .route("/departments", get(catalog::list_departments))
        .route("/catalog/stats", get(catalog::stats))
        .route("/applications", post(applications::create))
        .route("/applications/{id}", get(applications::get))
        .route("/uploads", post(applications::upload))
        .route("/postal-codes/{code}", get(postal_code))
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such API endpoint; see /openapi.json",
            )
        })
}

/// An API error: `{"error": {"code", "message", "details"?}}` with a 4xx/5xx status.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> ApiError {
        self.details = Some(details);
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"error": {"code": self.code, "message": self.message}});
        if let Some(d) = self.details {
            body["error"]["details"] = d;
        }
        (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    }
}

impl From<madoguchi_store::StoreError> for ApiError {
    fn from(e: madoguchi_store::StoreError) -> Self {
        tracing::error!(error = %e, "storage failed while serving the API");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the service cannot store or read data right now; try again later",
        )
    }
}

pub type ApiResult = Result<Response, ApiError>;

pub fn json_response(status: StatusCode, v: &impl Serialize) -> Response {
    match serde_json::to_string(v) {
        Ok(body) => (status, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn postal_code(State(state): State<AppState>, Path(code): Path<String>) -> ApiResult {
    let Some(code) = madoguchi_core::japanese::PostalCode::parse(&code) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_postal_code",
            "a postal code is 7 digits, like 1508601 or 150-8601",
        ));
    };
    let addresses = postal::lookup(state.db.reader(), code.digits()).await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"postal_code": code.digits(), "addresses": addresses}),
    ))
}

pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => json_response(StatusCode::OK, &json!({"status": "ok"})),
        Err(_) => json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({"status": "database unavailable"}),
        ),
    }
}

const OPENAPI: &str = include_str!("../../openapi.json");

pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}
