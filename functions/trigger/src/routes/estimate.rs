//! `POST /estimate`: what documenting a repository with the configured
//! model would cost, per tier, before any model is called.

use crate::error::{blocking, ApiError};
use crate::routes::body::JsonBody;
use crate::routes::jobs::CreateJob;
use crate::routes::AppState;
use crate::validate::validate_source;
use axum::extract::State;
use axum::Json;
use doctown_core::JobInput;

/// Prices a job. The host provides one when a model is configured; it
/// runs ingest and a structural assemble and counts the prompts' tokens.
pub trait Estimator: Send + Sync {
    /// The estimate as JSON: `model`, `tiers` (each with `symbols`,
    /// `requests`, `prompt_tokens`, `completion_tokens`, `cost_usd`).
    fn estimate(&self, input: &JobInput) -> Result<serde_json::Value, String>;
}

pub async fn estimate(
    State(app): State<AppState>,
    caller: crate::accounts::Caller,
    headers: axum::http::HeaderMap,
    JsonBody(request): JsonBody<CreateJob>,
) -> Result<Json<serde_json::Value>, ApiError> {
    // With accounts, pricing runs ingest: a user who may build (or the operator).
    if app.accounts.is_some() && !caller.is_trusted() {
        caller.require(doctown_accounts::Scope::Build)?;
        caller.check_csrf(&headers, &app)?;
    }
    let Some(estimator) = app.estimator.clone() else {
        return Err(ApiError::not_found(
            "no model is configured: summaries come from the computed facts, at no cost",
        ));
    };
    let git_ref = request
        .git_ref
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    let source = request.repo_url.trim().to_string();
    let config = app.config.clone();
    let (checked_source, checked_ref) = (source.clone(), git_ref.clone());
    blocking(move || validate_source(&config, &checked_source, checked_ref.as_deref()).map(|_| ()))
        .await?;
    let input = JobInput {
        source,
        git_ref,
        ..JobInput::default()
    };
    let estimate = blocking(move || {
        estimator
            .estimate(&input)
            .map_err(|e| ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, e))
    })
    .await?;
    Ok(Json(estimate))
}
