//! `POST /webhooks/github`: the GitHub App's webhook.
//!
//! The body is authenticated first (HMAC-SHA256 over the raw bytes, see
//! [`crate::auth::verify_webhook_signature`]); a wrong or missing signature
//! is 401 and nothing is created. Then: `ping` → 200; `push` to a branch →
//! one job for that branch (tag pushes and branch deletions are ignored);
//! `installation_repositories` (added) and `installation` (created) → one
//! job per repository, default branch. Deliveries are deduplicated by
//! `X-GitHub-Delivery`: the id is claimed in the store
//! (`webhooks/deliveries/<id>.json`, create-if-absent, so it holds across
//! instances), and a redelivery creates nothing. The job records the
//! installation id, never a token.

use crate::auth::verify_webhook_signature;
use crate::error::{blocking, ApiError};
use crate::launcher::set_installation_id;
use crate::routes::body::read_body;
use crate::routes::AppState;
use crate::validate::validate_source;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use doctown_core::{JobId, JobInput};
use doctown_pipeline::now_rfc3339;
use doctown_store::{Condition, StoreError};
use serde::Deserialize;
use serde_json::json;

/// The all-zero sha GitHub sends as `after` when a branch is deleted.
const ZERO_SHA: &str = "0000000000000000000000000000000000000000";

#[derive(Debug, Deserialize)]
struct Installation {
    id: u64,
    #[serde(default)]
    account: Option<Account>,
}

#[derive(Debug, Deserialize)]
struct Account {
    #[serde(default)]
    login: String,
}

#[derive(Debug, Deserialize)]
struct Repository {
    full_name: String,
    #[serde(default)]
    html_url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PushEvent {
    #[serde(rename = "ref")]
    git_ref: String,
    #[serde(default)]
    after: Option<String>,
    #[serde(default)]
    deleted: bool,
    repository: Repository,
    #[serde(default)]
    installation: Option<Installation>,
}

#[derive(Debug, Deserialize)]
struct InstallationEvent {
    #[serde(default)]
    action: String,
    #[serde(default)]
    installation: Option<Installation>,
    #[serde(default)]
    repositories_added: Vec<Repository>,
    #[serde(default)]
    repositories: Vec<Repository>,
}

/// A job the event asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Wanted {
    pub repo_url: String,
    pub git_ref: Option<String>,
    pub installation: Option<u64>,
}

pub async fn github(State(app): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let Some(secret) = app.config.webhook_secret.clone() else {
        return Err(ApiError::unavailable(
            "webhooks are not configured (set DOCTOWN_GITHUB_WEBHOOK_SECRET)",
        ));
    };
    let (signature, event, delivery) = {
        let headers = request.headers();
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_string())
        };
        (
            header("x-hub-signature-256"),
            header("x-github-event").unwrap_or_default(),
            header("x-github-delivery"),
        )
    };
    let body = read_body(request, &()).await?;
    if !verify_webhook_signature(secret.as_bytes(), &body, signature.as_deref()) {
        return Err(ApiError::unauthorized(
            "missing or invalid X-Hub-Signature-256",
        ));
    }
    if event == "ping" {
        return Ok(Json(json!({ "ok": true, "event": "ping" })).into_response());
    }
    if event == "installation" {
        record_installation(&app, &body).await;
    }
    let wanted = match wanted_jobs(&event, &body) {
        Ok(Some(wanted)) => wanted,
        Ok(None) => return Ok(ignored(&event, "nothing to build for this event")),
        Err(why) => return Err(ApiError::bad_request(why)),
    };
    if wanted.is_empty() {
        return Ok(ignored(&event, "no repositories to build"));
    }
    let delivery = delivery
        .filter(|d| valid_delivery_id(d))
        .ok_or_else(|| ApiError::bad_request("missing or invalid X-GitHub-Delivery"))?;
    let launched = app.clone();
    let (response, jobs) =
        blocking(move || create_jobs(&launched, &event, &delivery, wanted)).await?;
    record_jobs(&app, jobs).await;
    Ok(response)
}

/// With accounts: an App installation (created, suspended, deleted) is
/// recorded and linked to the user with the account's login.
async fn record_installation(app: &AppState, body: &[u8]) {
    let Some(accounts) = &app.accounts else {
        return;
    };
    let Ok(payload) = serde_json::from_slice::<InstallationEvent>(body) else {
        return;
    };
    let Some(installation) = payload.installation else {
        return;
    };
    let login = installation.account.map(|a| a.login).unwrap_or_default();
    let suspended = matches!(payload.action.as_str(), "deleted" | "suspend");
    let id = installation.id as i64;
    if let Err(e) = accounts.db.upsert_installation(id, &login, suspended).await {
        tracing::warn!(installation = id, "cannot record the installation: {e}");
    }
}

/// With accounts: rows for the jobs a webhook started, private, owned by
/// the user the installation is linked to (or by nobody: the operator's).
async fn record_jobs(app: &AppState, jobs: Vec<(JobId, Wanted)>) {
    let Some(accounts) = &app.accounts else {
        return;
    };
    for (job, wanted) in jobs {
        let owner = match wanted.installation {
            Some(id) => accounts
                .db
                .installation_user(id as i64)
                .await
                .ok()
                .flatten(),
            None => None,
        };
        let row = doctown_accounts::NewJob {
            id: job.to_string(),
            owner_id: owner,
            api_key_id: None,
            client_ip: None,
            source: wanted.repo_url,
            git_ref: wanted.git_ref,
            private: true,
            visibility: doctown_accounts::Visibility::Private,
        };
        if let Err(e) = accounts.db.insert_job(&row, None).await {
            tracing::warn!(%job, "cannot record the webhook's job: {e}");
        }
    }
}

fn ignored(event: &str, reason: &str) -> Response {
    Json(json!({ "ok": true, "event": event, "ignored": reason })).into_response()
}

fn valid_delivery_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The jobs an event asks for; `None` for events and actions that build nothing.
pub fn wanted_jobs(event: &str, body: &[u8]) -> Result<Option<Vec<Wanted>>, String> {
    let parse_error = |e: serde_json::Error| format!("malformed {event} payload: {e}");
    match event {
        "push" => {
            let push: PushEvent = serde_json::from_slice(body).map_err(parse_error)?;
            let Some(branch) = push.git_ref.strip_prefix("refs/heads/") else {
                return Ok(None); // tags and other refs
            };
            if push.deleted || push.after.as_deref() == Some(ZERO_SHA) {
                return Ok(None);
            }
            Ok(Some(vec![Wanted {
                repo_url: repo_url(&push.repository),
                git_ref: Some(branch.to_string()),
                installation: push.installation.map(|i| i.id),
            }]))
        }
        "installation_repositories" | "installation" => {
            let payload: InstallationEvent = serde_json::from_slice(body).map_err(parse_error)?;
            let repos = match (event, payload.action.as_str()) {
                ("installation_repositories", "added") => payload.repositories_added,
                ("installation", "created") => payload.repositories,
                _ => return Ok(None),
            };
            let installation = payload.installation.map(|i| i.id);
            Ok(Some(
                repos
                    .iter()
                    .map(|r| Wanted {
                        repo_url: repo_url(r),
                        git_ref: None,
                        installation,
                    })
                    .collect(),
            ))
        }
        _ => Ok(None),
    }
}

fn repo_url(repo: &Repository) -> String {
    repo.html_url
        .clone()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| format!("https://github.com/{}", repo.full_name))
}

fn delivery_key(delivery: &str) -> String {
    format!("webhooks/deliveries/{delivery}.json")
}

fn create_jobs(
    app: &AppState,
    event: &str,
    delivery: &str,
    wanted: Vec<Wanted>,
) -> Result<(Response, Vec<(JobId, Wanted)>), ApiError> {
    // Refuse the whole delivery before claiming it if any repository is not allowed.
    for w in &wanted {
        validate_source(&app.config, &w.repo_url, w.git_ref.as_deref())?;
    }
    let key = delivery_key(delivery);
    let claim = json!({ "delivery": delivery, "event": event, "received_at": now_rfc3339(), "job_ids": [] });
    match app
        .store
        .put_if(&key, claim.to_string().as_bytes(), &Condition::Absent)
    {
        Ok(_) => {}
        Err(StoreError::PreconditionFailed { .. }) => {
            let previous = doctown_store::get_json::<serde_json::Value>(app.store.as_ref(), &key)
                .ok()
                .flatten()
                .and_then(|v| v.get("job_ids").cloned())
                .unwrap_or_else(|| json!([]));
            let body =
                json!({ "ok": true, "event": event, "duplicate": true, "job_ids": previous });
            return Ok((Json(body).into_response(), Vec::new()));
        }
        Err(e) => return Err(e.into()),
    }
    let mut jobs: Vec<JobId> = Vec::new();
    let mut started = Vec::new();
    for w in wanted {
        let mut input = JobInput {
            source: w.repo_url.clone(),
            git_ref: w.git_ref.clone(),
            ..JobInput::default()
        };
        if let Some(id) = w.installation {
            set_installation_id(&mut input, id);
        }
        match app.launcher.submit(input) {
            Ok(job) => {
                started.push((job.clone(), w));
                jobs.push(job);
            }
            Err(e) => {
                if jobs.is_empty() {
                    // Nothing was created: let GitHub's redelivery try again.
                    let _ = app.store.delete(&key);
                }
                return Err(e.into());
            }
        }
    }
    let record = json!({ "delivery": delivery, "event": event, "received_at": now_rfc3339(), "job_ids": jobs });
    if let Err(e) = app.store.put(&key, record.to_string().as_bytes()) {
        tracing::warn!(%key, "cannot record the delivery's jobs: {e}");
    }
    let body = json!({ "ok": true, "event": event, "job_ids": jobs });
    Ok(((StatusCode::ACCEPTED, Json(body)).into_response(), started))
}
