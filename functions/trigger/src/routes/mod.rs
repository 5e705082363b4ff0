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
pub mod me;
pub mod ops;
pub mod query;
pub mod shares;
pub mod signin;
pub mod stages;

use crate::auth::{require_api_key, require_mcp_access, require_read_key};
use crate::config::TriggerConfig;
use crate::error::ApiError;
use crate::launcher::JobLauncher;
use crate::{static_files, webhook};
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Method};
use axum::routing::{get, post};
use axum::{middleware, Router};
use doctown_core::JobId;
use doctown_store::ObjectStore;
pub use estimate::Estimator;
use std::sync::Arc;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Turns an artifact key into a direct download URL (for example an S3
/// pre-signed URL); the docpack route then redirects instead of streaming.
pub trait DownloadLinks: Send + Sync {
    fn download_url(&self, key: &str, filename: &str) -> Option<String>;
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn ObjectStore>,
    pub launcher: Arc<dyn JobLauncher>,
    pub config: Arc<TriggerConfig>,
    pub downloads: Option<Arc<dyn DownloadLinks>>,
    /// Prices jobs before they run (`POST /estimate`), when a model is configured.
    pub estimator: Option<Arc<dyn Estimator>>,
    /// When this router was built (uptime in `/health`).
    pub started_at: std::time::Instant,
    /// The Model Context Protocol endpoint served at `/mcp`, when the host gives one.
    pub mcp: Option<doctown_mcp::HttpService>,
    /// The query engine behind `GET /jobs/{id}/search`, `/ask` and `/impact`,
    /// when the host gives one.
    pub query: Option<query::QueryState>,
    /// Users, keys, plans, the library and billing (`doctown-accounts`);
    /// `None` is local mode: one user, no sign-in, every job visible.
    pub accounts: Option<Arc<doctown_accounts::Accounts>>,
    /// Permits of `POST /estimate` (each ingests a repository).
    pub estimates: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    pub fn new(
        store: Arc<dyn ObjectStore>,
        launcher: Arc<dyn JobLauncher>,
        config: TriggerConfig,
    ) -> Self {
        let estimates = Arc::new(tokio::sync::Semaphore::new(
            config.max_concurrent_estimates.max(1),
        ));
        AppState {
            estimates,
            store,
            launcher,
            config: Arc::new(config),
            downloads: None,
            estimator: None,
            started_at: std::time::Instant::now(),
            mcp: None,
            query: None,
            accounts: None,
        }
    }

    /// Turns accounts on: sign-in, keys, plans, ownership on every route.
    pub fn with_accounts(mut self, accounts: Arc<doctown_accounts::Accounts>) -> Self {
        self.accounts = Some(accounts);
        self
    }

    /// Answers `GET /jobs/{id}/search` with `engine` (over this store's jobs)
    /// and, for search by meaning, `embedder`.
    pub fn with_query(
        mut self,
        engine: Arc<doctown_query::Engine>,
        embedder: Option<Arc<dyn doctown_query::QueryEmbedder>>,
    ) -> Self {
        self.query = Some(query::QueryState {
            engine,
            embedder,
            ask_model: None,
        });
        self
    }

    /// Answers `GET /jobs/{id}/ask` with `model` (after [`Self::with_query`]);
    /// without one the answer is the evidence.
    pub fn with_ask_model(mut self, model: Option<Arc<dyn doctown_query::AskModel>>) -> Self {
        if let Some(query) = &mut self.query {
            query.ask_model = model;
        }
        self
    }

    /// Serves `service` (an MCP server over, typically, a [`crate::StoreCatalog`]
    /// of this store) at `/mcp`, behind the API keys.
    pub fn with_mcp(mut self, service: doctown_mcp::HttpService) -> Self {
        self.mcp = Some(service);
        self
    }

    /// Answers `POST /estimate` with `estimator`.
    pub fn with_estimator(mut self, estimator: Arc<dyn Estimator>) -> Self {
        self.estimator = Some(estimator);
        self
    }

    /// Redirects docpack downloads to links made by `links` (pre-signed URLs).
    pub fn with_download_links(mut self, links: Arc<dyn DownloadLinks>) -> Self {
        self.downloads = Some(links);
        self
    }

    /// An absolute URL when `public_url` is configured, else the path.
    pub fn url(&self, path: &str) -> String {
        match &self.config.public_url {
            Some(base) => format!("{base}{path}"),
            None => path.to_string(),
        }
    }
}

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

/// Paths that belong to the API (never answered with the website).
pub(crate) const API_PREFIXES: &[&str] = &[
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
