//! `POST /stages/{stage}` `{job_id, shard?}`: re-runs one stage of a job
//! through the launcher (debugging); in process, the stages after it run
//! again too, as made from its earlier output. 404 for an unknown stage, 501 for a
//! stage this deployment has no handler for.

use crate::error::{blocking, ApiError};
use crate::routes::body::JsonBody;
use crate::routes::job_id_from_path;
use crate::routes::jobs::job_links;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use doctown_core::Stage;
use serde::Deserialize;

/// `POST /stages/{stage}`
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct InvokeStage {
    pub job_id: String,
    /// One shard of a fanned-out stage.
    #[serde(default)]
    pub shard: Option<u32>,
}

pub async fn invoke(
    State(app): State<AppState>,
    caller: crate::accounts::Caller,
    Path(stage): Path<String>,
    JsonBody(request): JsonBody<InvokeStage>,
) -> Result<Response, ApiError> {
    if !caller.is_trusted() {
        return Err(ApiError::forbidden(
            "re-running stages needs one of the operator's keys",
        ));
    }
    let stage: Stage = stage
        .parse()
        .map_err(|e: doctown_core::CoreError| ApiError::not_found(e.to_string()))?;
    let job = job_id_from_path(&request.job_id)?;
    let launcher = app.launcher.clone();
    let target = job.clone();
    let shard = request.shard;
    blocking(move || {
        launcher
            .run_stage(&target, stage, shard)
            .map_err(ApiError::from)
    })
    .await?;
    let body = serde_json::json!({
        "job_id": job,
        "stage": stage,
        "shard": shard,
        "status": "started",
        "links": job_links(&app, &job),
    });
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}
