//! Jobs: create (`POST /jobs`), read the state document, cancel, and
//! download the docpack.
//!
//! With accounts, `POST /jobs` is admission: the caller (a user with the
//! `build` scope, the operator, or an anonymous caller when the operator
//! allows it), the repository's facts from GitHub (private? how big?), the
//! plan's limits (402 for a quota, 429 for too many at once), then the
//! job's row is inserted (the month counted in the same transaction) and
//! only then is the job launched. Reads check ownership or visibility.

use crate::accounts::{own_job, read_job, Caller};
use crate::error::{blocking, ApiError};
use crate::routes::body::JsonBody;
use crate::routes::job_id_from_path;
use crate::state::AppState;
use crate::validate::validate_source;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use doctown_accounts::{Requester, Scope, Visibility};
use doctown_core::{JobId, JobInput, JobState, JobStatus};
use doctown_sources::SourceSpec;
use doctown_store::load_state;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Read;

/// `POST /jobs`
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct CreateJob {
    /// A repository URL on an allowed host (default github.com); local
    /// paths only on servers started with allow_local.
    #[serde(alias = "source", alias = "repo")]
    pub repo_url: String,
    /// Branch, tag or commit; the default branch when absent.
    #[serde(default, alias = "ref")]
    pub git_ref: Option<String>,
    /// With accounts: who may see the job, `public` or `private` (default:
    /// private for private repositories, else public).
    #[serde(default)]
    pub visibility: Option<String>,
    /// Stage options by stage name, as `doctown build`'s flags set them
    /// (`{"embed": {"enabled": false}, "ingest": {"max_total_bytes":
    /// 4000000000}}`). The operator's only (without accounts: the local
    /// user's); unknown stages or fields are refused with 400.
    #[serde(default)]
    pub options: Option<BTreeMap<String, serde_json::Value>>,
}

/// The answer to `POST /jobs`: the job queued, and where to follow it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct JobAccepted {
    pub job_id: JobId,
    pub status: JobStatus,
    pub repo_url: String,
    pub git_ref: Option<String>,
    /// With accounts: who may see the job.
    pub visibility: Option<Visibility>,
    pub links: JobLinks,
}

/// A job's resources.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct JobLinks {
    #[serde(rename = "self")]
    pub this: String,
    pub events: String,
    pub docpack: String,
    pub cancel: String,
}

pub async fn create(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(request): JsonBody<CreateJob>,
) -> Result<Response, ApiError> {
    let git_ref = request
        .git_ref
        .clone()
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    let source = request.repo_url.trim().to_string();
    let requested = checked_options(&app, &caller, request.options.as_ref())?;
    let config = app.config.clone();
    let (checked_source, checked_ref) = (source.clone(), git_ref.clone());
    let spec =
        blocking(move || validate_source(&config, &checked_source, checked_ref.as_deref())).await?;
    let mut input = JobInput {
        source: source.clone(),
        git_ref: git_ref.clone(),
        ..JobInput::default()
    };
    let (job, visibility) = match app.accounts.is_some() {
        false => (super::super::launcher::new_job_id(), None),
        true => {
            let admitted = admit(&app, &caller, &headers, &request, &spec, &input).await?;
            input.options.extend(admitted.options);
            let id = JobId::new(&admitted.job.id).map_err(|e| ApiError::internal(e.to_string()))?;
            (id, Some(admitted.job.visibility))
        }
    };
    merge_options(&mut input.options, requested);
    let launcher = app.launcher.clone();
    let launching = job.clone();
    let launched =
        blocking(move || launcher.submit_as(launching, input).map_err(ApiError::from)).await;
    if let (Err(e), Some(accounts)) = (&launched, &app.accounts) {
        // The row is there and the month counted: give both back.
        let _ = accounts.db.fail_admission(job.as_str(), &e.message).await;
    }
    let job = launched?;
    let location = app.url(&format!("/jobs/{job}"));
    let body = JobAccepted {
        links: job_links(&app, &job),
        job_id: job,
        status: JobStatus::Queued,
        repo_url: source,
        git_ref,
        visibility,
    };
    let mut response = (StatusCode::ACCEPTED, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// The stage options a request names, checked: only a trusted caller
/// (the operator, or the single local user without accounts) may set them.
fn checked_options(
    app: &AppState,
    caller: &Caller,
    options: Option<&BTreeMap<String, serde_json::Value>>,
) -> Result<BTreeMap<String, serde_json::Value>, ApiError> {
    let Some(options) = options.filter(|o| !o.is_empty()) else {
        return Ok(BTreeMap::new());
    };
    if !caller.is_trusted() {
        return Err(ApiError::forbidden(
            "stage options are the operator's to set",
        ));
    }
    let policy = doctown_stages::OptionsPolicy {
        local_paths: app.config.allow_local,
    };
    doctown_stages::check_job_options(options, &doctown_stages::StagesConfig::default(), policy)
        .map_err(ApiError::bad_request)?;
    Ok(options.clone())
}

/// Lays the requested options over those the job already has (a plan's
/// limits): field by field within a stage, the request's win.
fn merge_options(
    into: &mut BTreeMap<String, serde_json::Value>,
    requested: BTreeMap<String, serde_json::Value>,
) {
    for (stage, value) in requested {
        match (into.get_mut(&stage).and_then(|v| v.as_object_mut()), value) {
            (Some(existing), serde_json::Value::Object(fields)) => existing.extend(fields),
            (_, value) => {
                into.insert(stage, value);
            }
        }
    }
}

/// Checks and records a job with accounts: who asks, what the repository
/// is, the plan's limits; inserts the row (see the module's doc).
async fn admit(
    app: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    request: &CreateJob,
    spec: &SourceSpec,
    input: &JobInput,
) -> Result<doctown_accounts::Admitted, ApiError> {
    let accounts = crate::accounts::service(app)?;
    let requester = requester(&accounts, caller, headers)?;
    let facts = repository_facts(&accounts, caller, &requester, spec).await?;
    let visibility = request
        .visibility
        .as_deref()
        .map(Visibility::parse)
        .transpose()?;
    if visibility == Some(Visibility::Public) && caller.user().is_some() {
        // Publishing is the `admin` scope's, here as on `POST /jobs/{id}/visibility`.
        caller.require(Scope::Admin).map_err(|_| {
            ApiError::forbidden("making a job public needs a key with the admin scope")
        })?;
    }
    let job = super::super::launcher::new_job_id();
    Ok(accounts
        .admit(
            &requester,
            job.as_str(),
            &input.source,
            input.git_ref.as_deref(),
            facts.as_ref(),
            visibility,
        )
        .await?)
}

/// Who asks for a job (or an estimate), for the plans: a user with the
/// `build` scope (CSRF-checked when signed in by cookie), the operator, or
/// an anonymous caller when the operator allows anonymous builds.
pub(crate) fn requester(
    accounts: &doctown_accounts::Accounts,
    caller: &Caller,
    headers: &HeaderMap,
) -> Result<Requester, ApiError> {
    Ok(match caller {
        Caller::Operator | Caller::Local => Requester::Operator,
        Caller::Anonymous { .. } if !accounts.config.plans.anonymous.builds => {
            return Err(ApiError::unauthorized("sign in to build repositories"));
        }
        Caller::Anonymous { ip } => Requester::Anonymous { ip: ip.clone() },
        Caller::User { auth, .. } => {
            let user = caller.require(Scope::Build)?.clone();
            caller.check_csrf(headers)?;
            let key_id = match auth {
                crate::accounts::Auth::Key(k) => Some(k.id),
                _ => None,
            };
            Requester::User { user, key_id }
        }
    })
}

/// The repository's facts (private? how big?) as the requester's own GitHub
/// account sees them: 404 when it cannot see the repository, so the
/// server's token never answers for a user. The operator needs none; local
/// sources are the operator's only.
pub(crate) async fn repository_facts(
    accounts: &doctown_accounts::Accounts,
    caller: &Caller,
    requester: &Requester,
    spec: &SourceSpec,
) -> Result<Option<doctown_accounts::RepoFacts>, ApiError> {
    let operator = matches!(requester, Requester::Operator);
    match spec {
        SourceSpec::GitHub { owner, repo, .. } if !operator => {
            let user = caller.user().map(|u| u.id);
            let found = accounts.repo_facts(user, owner, repo).await?;
            Ok(Some(found.ok_or_else(|| {
                ApiError::not_found(format!(
                    "{owner}/{repo}: no such repository, or your GitHub account cannot see it \
                     (for a private one, sign in with access to private repositories: \
                     /auth/github/login?private=1)"
                ))
            })?))
        }
        _ if operator => Ok(None),
        _ => Err(ApiError::forbidden(
            "local sources are for the operator's keys only",
        )),
    }
}

/// Links of a job's resources.
pub fn job_links(app: &AppState, job: &JobId) -> JobLinks {
    JobLinks {
        this: app.url(&format!("/jobs/{job}")),
        events: app.url(&format!("/jobs/{job}/events")),
        docpack: app.url(&format!("/jobs/{job}/docpack")),
        cancel: app.url(&format!("/jobs/{job}/cancel")),
    }
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
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<JobState>, ApiError> {
    let job = job_id_from_path(&id)?;
    read_job(&app, &caller, &job).await?;
    Ok(Json(load_job(&app, &job).await?))
}

/// `POST /jobs/{id}/cancel`
pub async fn cancel(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let job = job_id_from_path(&id)?;
    caller.check_csrf(&headers)?;
    own_job(&app, &caller, job.as_str(), Scope::Build).await?;
    let launcher = app.launcher.clone();
    let target = job.clone();
    let state = blocking(move || launcher.cancel(&target).map_err(ApiError::from)).await?;
    let body = serde_json::json!({ "job_id": job, "status": state.status });
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

/// The docpack's object key and download file name, when the job has one.
pub fn docpack_of(state: &JobState) -> Option<(String, String)> {
    let key = state.docpack_key()?;
    Some((key.to_string(), format!("{}.docpack", state.docpack_name())))
}

/// `GET /jobs/{id}/docpack`: streams the docpack (or redirects to a
/// pre-signed URL when the deployment provides [`crate::DownloadLinks`]).
pub async fn docpack(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let job = job_id_from_path(&id)?;
    read_job(&app, &caller, &job).await?;
    let state = load_job(&app, &job).await?;
    let (key, filename) = docpack_of(&state).ok_or_else(|| {
        ApiError::not_found(format!(
            "job {job} has no docpack (status {})",
            state.status
        ))
    })?;
    send_docpack(&app, key, filename).await
}

/// Answers with a stored docpack: a redirect to a pre-signed URL when the
/// store gives one (S3), else the bytes streamed.
pub(crate) async fn send_docpack(
    app: &AppState,
    key: String,
    filename: String,
) -> Result<Response, ApiError> {
    if let Some(links) = app.downloads.clone() {
        let (k, f) = (key.clone(), filename.clone());
        // Signing may load credentials: off the async threads.
        if let Some(url) = blocking(move || Ok(links.download_url(&k, &f))).await? {
            return Ok(Redirect::temporary(&url).into_response());
        }
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
