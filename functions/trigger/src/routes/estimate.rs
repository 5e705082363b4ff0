//! `POST /estimate`: what documenting a repository with the configured
//! model would cost, per tier, before any model is called.
//!
//! Pricing ingests the repository, so it is admitted like a job (without
//! being counted as one): with accounts, the caller's own GitHub account
//! must see the repository, and the plan's private-repository and size
//! limits hold, the size also as the ingest's byte limit. At most
//! [`crate::TriggerConfig::max_concurrent_estimates`] run at once (429
//! beyond).

use crate::error::{blocking, ApiError};
use crate::routes::body::JsonBody;
use crate::routes::jobs::{repository_facts, requester, CreateJob};
use crate::state::AppState;
use crate::validate::validate_source;
use axum::extract::State;
use axum::Json;
use doctown_accounts::Requester;
use doctown_core::JobInput;

pub async fn estimate(
    State(app): State<AppState>,
    caller: crate::accounts::Caller,
    headers: axum::http::HeaderMap,
    JsonBody(request): JsonBody<CreateJob>,
) -> Result<Json<serde_json::Value>, ApiError> {
    // Who asks, before anything is looked at (with accounts).
    let admission = match app.accounts.clone() {
        Some(accounts) => {
            let requester = requester(&accounts, &caller, &headers)?;
            if matches!(requester, Requester::Anonymous { .. }) {
                return Err(ApiError::unauthorized("sign in to price a repository"));
            }
            Some((accounts, requester))
        }
        None => None,
    };
    let git_ref = request
        .git_ref
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    let source = request.repo_url.trim().to_string();
    let config = app.config.clone();
    let (checked_source, checked_ref) = (source.clone(), git_ref.clone());
    let spec =
        blocking(move || validate_source(&config, &checked_source, checked_ref.as_deref())).await?;
    let mut input = JobInput {
        source,
        git_ref,
        ..JobInput::default()
    };
    if let Some((accounts, requester)) = admission {
        let facts = repository_facts(&accounts, &caller, &requester, &spec).await?;
        input
            .options
            .extend(accounts.admit_estimate(&requester, facts.as_ref())?);
    }
    let Some(estimator) = app.estimator.clone() else {
        return Err(ApiError::not_found(
            "no model is configured: summaries come from the computed facts, at no cost",
        ));
    };
    let Ok(_permit) = app.estimates.clone().try_acquire_owned() else {
        return Err(ApiError::too_many(
            "the server is pricing as many repositories as it can at once; try again shortly",
            10,
        ));
    };
    let estimate = blocking(move || {
        estimator
            .estimate(&input)
            .map_err(|e| ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, e))
    })
    .await?;
    Ok(Json(estimate))
}
