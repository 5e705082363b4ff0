//! Doctown's trigger: the HTTP API that starts jobs and serves their
//! results, the GitHub App webhook, and scheduled batch runs.
//!
//! - [`router`] builds the axum `Router` (used by `doctown serve`, by
//!   [`serve`], and by the Lambda entry point behind the `lambda` feature).
//! - [`AppState`] holds the object store, the [`JobLauncher`] and the
//!   [`TriggerConfig`].
//! - [`InProcessLauncher`] runs jobs in this process on a bounded pool; a
//!   [`QueueLauncher`] implements the same trait for the distributed
//!   deployment (S3 + SQS workers).
//! - [`run_schedule_once`] / [`run_schedule_loop`] run a [`Schedule`].
//! - [`StoreCatalog`] (from doctown-query): the store's finished jobs as a catalog;
//!   [`AppState::with_mcp`] serves an MCP endpoint over it at `/mcp`.
//!
//! Module map: `routes` (one module per resource), `state` (what every
//! handler shares), `launcher`, `auth` (API keys, webhook
//! signatures), `exposure` (what an address exposes), `guard` (Host and
//! Origin of every request), `server_name` (the names a server answers
//! to), `validate` (repository URLs, SSRF), `webhook`, `pull_reviews` (the
//! App's reviews of pull requests), `github_app` (JWT, installation
//! tokens), `schedule`, `metrics`, `openapi`, `jobs_index`,
//! `static_files`, `config`, `error`.

mod accounts;
mod auth;
mod config;
mod error;
mod exposure;
mod github_app;
mod guard;
mod jobs_index;
mod launcher;
mod metrics;
mod openapi;
#[doc(hidden)]
pub mod probe;
pub mod pull_reviews;
mod routes;
mod schedule;
mod server_name;
mod state;
mod static_files;
mod validate;
mod webhook;

pub use accounts::caller::{Caller, CSRF_HEADER, OAUTH_COOKIE, SESSION_COOKIE};
pub use accounts::{sweep as sweep_accounts, AccountTokens};
pub use auth::{api_key_matches, verify_webhook_signature, webhook_signature};
pub use config::{
    hash_api_key, load_api_key_hashes, parse_api_key_hashes, GitHubAppConfig, TriggerConfig,
};
pub use doctown_query::StoreCatalog;
pub use error::{ApiError, TriggerError};
pub use exposure::{
    check_exposure, check_exposure_with, check_hosted, is_loopback, MUTATING_ROUTES, READ_ROUTES,
};
pub use github_app::{AppClaims, InstallationTokens};
pub use launcher::{
    installation_id, new_job_id, set_installation_id, token_owner, HandlerFactory,
    InProcessLauncher, InProcessOptions, JobLauncher, LaunchContext, LaunchError, LiveEvents,
    LiveSubscription, QueueLauncher, TokenSource, UnavailableLauncher,
};
pub use openapi::document as openapi_document;
pub use routes::library::LibraryPage;
pub use routes::library_item::LibraryItem;
pub use routes::{router, ROUTES};
pub use schedule::{
    run_schedule_loop, run_schedule_once, CommitResolver, GitHubResolver, LocalGitResolver,
    RunItem, RunOutcome, Schedule, ScheduleEntry, ScheduleRun, ScheduledRepo, SourceResolver,
};
pub use server_name::{host_allowed, ServerName};
pub use state::{AppState, DownloadLinks, Estimator};
pub use validate::{validate_ref, validate_source};
pub use webhook::{wanted_jobs, Wanted};

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// The default address of `doctown serve`.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// Serves the trigger on `addr` until `shutdown` resolves. When the config
/// has a schedule, its loop runs alongside (commits resolved through
/// [`SourceResolver::from_env`]).
pub async fn serve(
    addr: SocketAddr,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), TriggerError> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    serve_listener(listener, state, shutdown).await
}

/// Like [`serve`], on a listener already bound (tests bind port 0).
pub async fn serve_listener(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), TriggerError> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    if let Some(schedule) = state.config.schedule.clone() {
        let mut stop = stop_rx.clone();
        tokio::spawn(run_schedule_loop(
            schedule,
            state.store.clone(),
            state.launcher.clone(),
            Arc::new(SourceResolver::from_env()),
            Duration::from_secs(30),
            async move {
                let _ = stop.wait_for(|s| *s).await;
            },
        ));
    }
    if state.accounts.is_some() {
        let mut stop = stop_rx.clone();
        tokio::spawn(accounts::sweep(
            state.clone(),
            Duration::from_secs(5),
            async move {
                let _ = stop.wait_for(|s| *s).await;
            },
        ));
    }
    if let Some(reviews) = pull_reviews(&state)? {
        let mut stop = stop_rx.clone();
        tokio::spawn(pull_reviews::run_review_loop(
            Arc::new(reviews),
            Duration::from_secs(5),
            async move {
                let _ = stop.wait_for(|s| *s).await;
            },
        ));
    }
    if let Ok(addr) = listener.local_addr() {
        tracing::info!("doctown trigger listening on http://{addr}");
    }
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        })
        .await;
    drop(stop_rx);
    Ok(result?)
}

/// The App's pull-request reviews, when a GitHub App and its webhook are
/// configured (the App's installation tokens post them).
fn pull_reviews(state: &AppState) -> Result<Option<pull_reviews::PullReviews>, TriggerError> {
    if state.config.webhook_secret.is_none() {
        return Ok(None);
    }
    let Some(tokens) = installation_tokens(&state.config)? else {
        return Ok(None);
    };
    let api = state.config.github_app.as_ref().map(|a| a.api_base.clone());
    Ok(Some(pull_reviews::PullReviews::new(
        state.store.clone(),
        tokens,
        &api.unwrap_or_default(),
    )))
}

/// The installation-token cache for the configured GitHub App, if any.
pub fn installation_tokens(
    config: &TriggerConfig,
) -> Result<Option<Arc<InstallationTokens>>, TriggerError> {
    config
        .github_app
        .clone()
        .map(|app| {
            InstallationTokens::new(app)
                .map(Arc::new)
                .map_err(|e| TriggerError::Config(e.to_string()))
        })
        .transpose()
}
