//! Jobs: create (`POST /jobs`), read the state document, cancel, and
//! download the docpack.

use crate::error::{blocking, ApiError};
use crate::routes::body::JsonBody;
use crate::routes::{job_id_from_path, AppState};
use crate::validate::validate_source;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use doctown_core::{JobId, JobInput, JobState, Stage};
use doctown_store::load_state;
use serde::Deserialize;
use std::io::Read;

/// The artifact name the pack stage records its docpack under.
pub const DOCPACK_ARTIFACT: &str = "docpack";

/// `POST /jobs`
#[derive(Debug, Deserialize)]
pub struct CreateJob {
    #[serde(alias = "source", alias = "repo")]
    pub repo_url: String,
    #[serde(default, alias = "ref")]
    pub git_ref: Option<String>,
}

pub async fn create(
    State(app): State<AppState>,
    JsonBody(request): JsonBody<CreateJob>,
) -> Result<Response, ApiError> {
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
        source: source.clone(),
        git_ref: git_ref.clone(),
        ..JobInput::default()
    };
    let launcher = app.launcher.clone();
    let job = blocking(move || launcher.submit(input).map_err(ApiError::from)).await?;
    let location = app.url(&format!("/jobs/{job}"));
    let body = serde_json::json!({
        "job_id": job,
        "status": "queued",
        "repo_url": source,
        "git_ref": git_ref,
        "links": job_links(&app, &job),
    });
    let mut response = (StatusCode::ACCEPTED, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Links of a job's resources.
pub fn job_links(app: &AppState, job: &JobId) -> serde_json::Value {
    serde_json::json!({
        "self": app.url(&format!("/jobs/{job}")),
        "events": app.url(&format!("/jobs/{job}/events")),
        "docpack": app.url(&format!("/jobs/{job}/docpack")),
        "cancel": app.url(&format!("/jobs/{job}/cancel")),
    })
}

/// Loads a job's state or answers 404.
pub(crate) async fn load_job(app: &AppState, job: &JobId) -> Result<JobState, ApiError> {
    let store = app.store.clone();
    let id = job.clone();
    blocking(move || {
        load_state(store.as_ref(), &id)?
            .ok_or_else(|| ApiError::not_found(format!("job {id} not found")))
    })
    .await
}

/// `GET /jobs/{id}`: the state document.
pub async fn get_job(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<JobState>, ApiError> {
    let job = job_id_from_path(&id)?;
    Ok(Json(load_job(&app, &job).await?))
}

/// `POST /jobs/{id}/cancel`
pub async fn cancel(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let job = job_id_from_path(&id)?;
    let launcher = app.launcher.clone();
    let target = job.clone();
    let state = blocking(move || launcher.cancel(&target).map_err(ApiError::from)).await?;
    let body = serde_json::json!({ "job_id": job, "status": state.status });
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

/// The docpack's object key and download file name, when the job has one.
pub fn docpack_of(state: &JobState) -> Option<(String, String)> {
    let key = state.stage(Stage::Pack).artifacts.get(DOCPACK_ARTIFACT)?;
    Some((key.clone(), format!("{}.docpack", docpack_name(state))))
}

/// A short, header-safe name for the job's docpack.
pub fn docpack_name(state: &JobState) -> String {
    let raw = state
        .source
        .as_ref()
        .map(|s| s.name.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| state.job_id.to_string());
    let clean: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    if clean.trim_matches(['.', '_']).is_empty() {
        state.job_id.to_string()
    } else {
        clean
    }
}

/// `GET /jobs/{id}/docpack`: streams the docpack (or redirects to a
/// pre-signed URL when the deployment provides [`crate::DownloadLinks`]).
pub async fn docpack(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let job = job_id_from_path(&id)?;
    let state = load_job(&app, &job).await?;
    let (key, filename) = docpack_of(&state).ok_or_else(|| {
        ApiError::not_found(format!(
            "job {job} has no docpack (status {})",
            state.status
        ))
    })?;
    if let Some(url) = app
        .downloads
        .as_ref()
        .and_then(|d| d.download_url(&key, &filename))
    {
        return Ok(Redirect::temporary(&url).into_response());
    }
    let store = app.store.clone();
    let opened_key = key.clone();
    let reader = blocking(move || {
        store.get_stream(&opened_key)?.ok_or_else(|| {
            ApiError::not_found(format!("docpack {opened_key} is missing from the store"))
        })
    })
    .await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || pump_reader(reader, tx));
    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
    let disposition = format!("attachment; filename=\"{filename}\"");
    Ok((
        [
            (header::CONTENT_TYPE, "application/gzip".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, max-age=0".to_string()),
        ],
        body,
    )
        .into_response())
}

fn pump_reader(
    mut reader: Box<dyn Read + Send>,
    tx: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                if tx
                    .blocking_send(Ok(Bytes::copy_from_slice(&buf[..n])))
                    .is_err()
                {
                    return;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                return;
            }
        }
    }
}
