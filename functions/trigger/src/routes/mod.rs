//! The router: every route, its limits and its guards.
//!
//! The API is served both at the root (`/jobs`, …) and under `/api` (for a
//! website served by the same router, whose own client-side routes can then
//! never collide with the API). Mutating routes (`POST /jobs`,
//! `POST /jobs/{id}/cancel`, `POST /stages/{stage}`) require an API key when
//! keys are configured; reads stay open. The MCP endpoint (`/mcp`, when the
//! host gives one) answers questions about the store's docpacks and needs a
//! key too, on every request. The webhook authenticates by its signature
//! instead.
//!
//! With accounts (`AppState::with_accounts`), every route resolves its
//! [`crate::Caller`] (session cookie, user key, operator key or anonymous)
//! and checks ownership or visibility itself; the operator's keys replace
//! the key middleware, and `/mcp` needs one of them. See `docs/ACCOUNTS.md`.

pub mod billing;
pub mod body;
pub mod estimate;
pub mod events;
pub mod jobs;
pub mod library;
pub mod library_item;
pub mod me;
pub mod ops;
pub mod query;
pub mod shares;
pub mod signin;
pub mod stages;

use crate::auth::{require_api_key, require_mcp_access, require_read_key};
use crate::config::TriggerConfig;
use crate::error::ApiError;
use crate::state::AppState;
use crate::{static_files, webhook};
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Method};
use axum::routing::{get, post};
use axum::{middleware, Router};
use doctown_core::JobId;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Every route of the API, as `(method, path)`; the OpenAPI test checks
/// that the document describes each one.
pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/jobs"),
    ("get", "/jobs/{id}"),
    ("get", "/jobs/{id}/events"),
    ("get", "/jobs/{id}/docpack"),
    ("get", "/jobs/{id}/search"),
    ("get", "/jobs/{id}/ask"),
    ("get", "/jobs/{id}/impact"),
    ("get", "/jobs/{id}/outline"),
    ("get", "/jobs/{id}/members"),
    ("get", "/jobs/{id}/symbol"),
    ("post", "/jobs/{id}/cancel"),
    ("get", "/docpacks"),
    ("post", "/stages/{stage}"),
    ("post", "/estimate"),
    ("post", "/webhooks/github"),
    ("get", "/health"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
    ("get", "/auth/github/login"),
    ("get", "/auth/github/callback"),
    ("post", "/auth/logout"),
    ("get", "/me"),
    ("get", "/me/keys"),
    ("post", "/me/keys"),
    ("delete", "/me/keys/{id}"),
    ("get", "/me/usage"),
    ("get", "/me/jobs"),
    ("post", "/jobs/{id}/visibility"),
    ("post", "/jobs/{id}/share"),
    ("get", "/jobs/{id}/share"),
    ("delete", "/jobs/{id}/share"),
    ("get", "/shared/{token}"),
    ("get", "/shared/{token}/docpack"),
    ("post", "/billing/checkout"),
    ("post", "/billing/portal"),
    ("post", "/webhooks/stripe"),
];

fn api(state: &AppState) -> Router<AppState> {
    let config = &state.config;
    let mutating = Router::new()
        .route("/jobs", post(jobs::create))
        .route("/jobs/{id}/cancel", post(jobs::cancel))
        .route("/stages/{stage}", post(stages::invoke))
        .route("/estimate", post(estimate::estimate))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            require_api_key,
        ));
    let reads = Router::new()
        .route("/jobs/{id}", get(jobs::get_job))
        .route("/jobs/{id}/events", get(events::job_events))
        .route("/jobs/{id}/docpack", get(jobs::docpack))
        .route("/jobs/{id}/search", get(query::search))
        .route("/jobs/{id}/ask", get(query::ask))
        .route("/jobs/{id}/impact", get(query::impact))
        .route("/jobs/{id}/outline", get(query::outline))
        .route("/jobs/{id}/members", get(query::members))
        .route("/jobs/{id}/symbol", get(query::symbol))
        .route("/docpacks", get(library::list))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            require_read_key,
        ));
    let ops = Router::new()
        .route("/health", get(ops::health))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(ops::openapi));
    let accounts = Router::new()
        .route("/auth/github/login", get(signin::login))
        .route("/auth/github/callback", get(signin::callback))
        .route("/auth/logout", post(signin::logout))
        .route("/me", get(signin::me))
        .route("/me/keys", get(me::list_keys).post(me::create_key))
        .route("/me/keys/{id}", axum::routing::delete(me::revoke_key))
        .route("/me/usage", get(me::usage))
        .route("/me/jobs", get(me::jobs))
        .route("/jobs/{id}/visibility", post(shares::set_visibility))
        .route(
            "/jobs/{id}/share",
            post(shares::create_share)
                .get(shares::get_share)
                .delete(shares::revoke_share),
        )
        .route("/shared/{token}", get(shares::shared))
        .route("/shared/{token}/docpack", get(shares::shared_docpack))
        .route("/billing/checkout", post(billing::checkout))
        .route("/billing/portal", post(billing::portal));
    let mut mcp = Router::new();
    if let Some(service) = state.mcp.clone() {
        mcp = mcp
            .route_service("/mcp", service)
            .route_layer(middleware::from_fn_with_state(
                state.clone(),
                require_mcp_access,
            ));
    }
    let hooks = Router::new()
        .route("/webhooks/github", post(webhook::github))
        .route("/webhooks/stripe", post(billing::webhook))
        .layer(DefaultBodyLimit::max(config.max_webhook_bytes));
    mutating
        .merge(reads)
        .merge(ops)
        .merge(accounts)
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .merge(mcp)
        .merge(hooks)
}

/// The trigger API (and the website, when a static directory is configured).
pub fn router(state: AppState) -> Router {
    let api = api(&state);
    let mut app = Router::new()
        .merge(api.clone())
        .nest("/api", api)
        .fallback(static_files::fallback)
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed on this path",
            )
        });
    if let Some(cors) = cors_layer(&state.config) {
        app = app.layer(cors);
    }
    // Outermost: a request for a host this server does not serve, or a
    // write sent by another site's page, reaches nothing else. Inside it,
    // every refusal is made the API's JSON error.
    app.layer(middleware::from_fn(crate::error::json_errors))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::guard::guard,
        ))
        .with_state(state)
}

fn cors_layer(config: &TriggerConfig) -> Option<CorsLayer> {
    if config.cors_origins.is_empty() {
        return None;
    }
    let origin = if config.cors_origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        let origins: Vec<HeaderValue> = config
            .cors_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok())
            .collect();
        AllowOrigin::list(origins)
    };
    Some(
        CorsLayer::new()
            .allow_origin(origin)
            .allow_methods([Method::GET, Method::POST, Method::DELETE, Method::OPTIONS])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::HeaderName::from_static("last-event-id"),
                header::HeaderName::from_static("x-csrf-token"),
            ])
            .expose_headers([header::CONTENT_DISPOSITION, header::LOCATION])
            .max_age(std::time::Duration::from_secs(600)),
    )
}

/// A job id from a path segment: 400 when malformed.
pub(crate) fn job_id_from_path(id: &str) -> Result<JobId, ApiError> {
    JobId::new(id).map_err(|e| ApiError::bad_request(e.to_string()))
}
