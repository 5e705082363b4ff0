//! The website: static files from `TriggerConfig::static_dir`, with
//! `index.html` for any other non-API path (single-page-app fallback).
//! API paths that match no route get a JSON 404 instead.

use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

/// Paths that belong to the API (never answered with the website).
const API_PREFIXES: &[&str] = &[
    "/api",
    "/jobs",
    "/docpacks",
    "/stages",
    "/estimate",
    "/webhooks",
    "/health",
    "/metrics",
    "/openapi.json",
    "/mcp",
    "/auth",
    "/me",
    "/shared",
    "/billing",
];

fn is_api_path(path: &str) -> bool {
    API_PREFIXES
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

/// The router's fallback.
pub async fn fallback(State(app): State<AppState>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let is_read = matches!(*request.method(), Method::GET | Method::HEAD);
    match (&app.config.static_dir, is_read && !is_api_path(&path)) {
        (Some(dir), true) => {
            let service = ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")));
            match service.oneshot(request).await {
                Ok(response) => response.map(Body::new),
                Err(e) => ApiError::internal(format!("cannot serve {path}: {e}")).into_response(),
            }
        }
        _ => ApiError::not_found(format!("no route for {path}")).into_response(),
    }
}
