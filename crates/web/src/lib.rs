//! Madoguchi's HTTP side: the resident portal (server-rendered HTML that works without
//! JavaScript) and the JSON API under /api/v1.
//!
//! Architecture invariant: this is the only crate that knows HTTP, cookies and templates.
//! It keeps no state of its own between requests: sessions, drafts and the catalogue live in
//! the database, so any number of instances can serve behind a load balancer.

pub mod api;
pub mod cache;
pub mod i18n;
pub mod portal;
pub mod render;
pub mod state;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

pub use state::{AppState, WebConfig};

/// The whole application: portal, API, assets and health check.
pub fn router(state: AppState) -> Router {
    let max_body = state
        .config
        .max_upload_bytes
        .max(state.config.max_json_bytes)
        + 64 * 1024;
    Router::new()
        .merge(portal::routes())
        .nest("/api/v1", api::routes())
        .route("/openapi.json", axum::routing::get(api::openapi))
        .route("/healthz", axum::routing::get(api::healthz))
        .route("/assets/{file}", axum::routing::get(render::asset))
        .fallback(portal::not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("content-security-policy"),
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        ))
        .with_state(state)
}
