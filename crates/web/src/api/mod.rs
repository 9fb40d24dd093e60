//! The JSON API under /api/v1, described by /openapi.json.

pub mod admin;
mod applications;
mod catalog;
pub mod guide;

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
        .route("/guide/ask", post(guide::ask))
        .route("/guide/handoff", post(guide::handoff))
        .route("/guide/tickets/{id}", get(guide::ticket))
        .route("/admin/guide/tickets", get(admin::tickets))
        .route("/admin/guide/tickets/{id}/answer", post(admin::answer))
        .route("/admin/guide/tickets/{id}/close", post(admin::close))
        .route("/admin/guide/docs", get(admin::docs))
        .route(
            "/admin/guide/docs/{id}",
            axum::routing::delete(admin::delete_doc),
        )
        .route("/admin/guide/faq/{id}", axum::routing::put(admin::put_faq))
        .route("/admin/guide/report", get(admin::report))
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

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// A JSON request body: 415 without `Content-Type: application/json`, 413 over `limit`
/// bytes, 400 with the parser's message when it does not fit `T`.
pub fn parse_json<T: serde::de::DeserializeOwned>(
    headers: &axum::http::HeaderMap,
    body: &[u8],
    limit: usize,
) -> Result<T, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ct.split(';').next().map(str::trim) != Some("application/json") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send JSON with Content-Type: application/json",
        ));
    }
    if body.len() > limit {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the body is larger than {limit} bytes"),
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the body is not the expected JSON: {e}"),
        )
    })
}

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
