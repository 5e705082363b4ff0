//! `POST /webhooks/github`: the GitHub App's webhook.
//!
//! The body is authenticated first (HMAC-SHA256 over the raw bytes, see
//! [`crate::auth::verify_webhook_signature`]); a wrong or missing signature
//! is 401 and nothing is created. Then: `ping` → 200; `push` to a branch →
//! one job for that branch (tag pushes and branch deletions are ignored);
//! `installation_repositories` (added) and `installation` (created) → one
//! job per repository, default branch; `pull_request` (opened, reopened,
//! synchronize, ready_for_review) of an installation → structure-only
//! builds of its base commit (unless one already succeeded) and its head
//! commit, and a review posted on the pull request once both are built
//! (`crate::pull_reviews`); `pull_request` closed → its pending reviews are
//! dropped. Deliveries are deduplicated by
//! `X-GitHub-Delivery`: the id is claimed in the store
//! (`webhooks/deliveries/<id>.json`, create-if-absent, so it holds across
//! instances), and a redelivery creates nothing; the body is claimed the
//! same way (`webhooks/bodies/<sha256>.json`), so a captured request
//! replayed under a new delivery id creates nothing either (the signature
//! covers the body only). The job records the installation id, never a
//! token.
//!
//! With accounts, an installation belongs to a user by GitHub account id
//! (never the login, which can be renamed and taken): the account's own
//! for a user's installation, the installing user's (`sender`) for an
//! organisation's; and each job it asks for is admitted on that user's plan like
//! `POST /jobs` (private repositories, size, the month's count, jobs at
//! once, the model budget); a repository the plan refuses, or an
//! installation no user owns, is skipped and named in the answer.

use crate::auth::verify_webhook_signature;
use crate::error::{blocking, ApiError};
use crate::launcher::{set_installation_id, LaunchError};
use crate::routes::body::read_body;
use crate::state::AppState;
use crate::validate::validate_source;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use doctown_accounts::{Admitted, Requester, Visibility};
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
    /// The GitHub account's numeric id (stable across renames).
    #[serde(default)]
    id: Option<i64>,
    /// `User` or `Organization`.
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Repository {
    full_name: String,
    #[serde(default)]
    html_url: Option<String>,
    #[serde(default)]
    private: Option<bool>,
    /// KiB (push events carry it; installation events do not).
    #[serde(default)]
    size: Option<u64>,
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
struct PullRequestEvent {
    #[serde(default)]
    action: String,
    number: u64,
    pull_request: PullRequestBody,
    repository: Repository,
    #[serde(default)]
    installation: Option<Installation>,
}

#[derive(Debug, Deserialize)]
struct PullRequestBody {
    base: Commit,
    head: Commit,
}

#[derive(Debug, Deserialize)]
struct Commit {
    sha: String,
}

impl PullRequestEvent {
    fn parse(body: &[u8]) -> Result<PullRequestEvent, String> {
        let event: PullRequestEvent = serde_json::from_slice(body)
            .map_err(|e| format!("malformed pull_request payload: {e}"))?;
        for sha in [&event.pull_request.base.sha, &event.pull_request.head.sha] {
            if sha.len() != 40 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!(
                    "malformed pull_request payload: {sha:?} is not a commit sha"
                ));
            }
        }
        Ok(event)
    }

    /// A review is asked for: an action that changes what to review, on
    /// an installation (whose token posts it).
    fn wants_review(&self) -> bool {
        self.installation.is_some()
            && crate::pull_reviews::REVIEWED_ACTIONS.contains(&self.action.as_str())
    }
}

#[derive(Debug, Deserialize)]
struct InstallationEvent {
    #[serde(default)]
    action: String,
    /// Who performed the action (the user who installed the App).
    #[serde(default)]
    sender: Option<Account>,
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
    /// What the payload says of the repository: `owner/name`, private
    /// (unknown counts as private), size in KiB (unknown: the ingest's
    /// byte limit decides).
    pub full_name: String,
    pub private: Option<bool>,
    pub size_kb: Option<u64>,
    /// Stage options set over the plan's (a review's builds are
    /// structure-only).
    pub options: std::collections::BTreeMap<String, serde_json::Value>,
}

impl Wanted {
    /// The default branch of `repo`, for no installation.
    fn of(repo: &Repository) -> Wanted {
        let repo_url = repo
            .html_url
            .clone()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| format!("https://github.com/{}", repo.full_name));
        Wanted {
            repo_url,
            git_ref: None,
            installation: None,
            full_name: repo.full_name.clone(),
            private: repo.private,
            size_kb: repo.size,
            options: Default::default(),
        }
    }

    /// A structure-only build of `sha` for a review: no embeddings, no
    /// model (the review reads the graph, the history and the facts).
    fn for_review(repo: &Repository, sha: &str, installation: Option<u64>) -> Wanted {
        let mut input = JobInput::default();
        input.disable_embeddings();
        input
            .options
            .insert("generate".into(), json!({ "backend": "facts" }));
        Wanted {
            git_ref: Some(sha.to_string()),
            installation,
            options: input.options,
            ..Wanted::of(repo)
        }
    }

    fn facts(&self) -> doctown_accounts::RepoFacts {
        doctown_accounts::RepoFacts {
            full_name: self.full_name.to_ascii_lowercase(),
            github_id: None,
            private: self.private.unwrap_or(true),
            size_kb: self.size_kb.unwrap_or(0),
            default_branch: None,
        }
    }
}

pub async fn github(State(app): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let Some(secret) = app.config.webhook_secret.clone() else {
        return Err(ApiError::unavailable(
            "webhooks are not configured (set DOCTOWN_GITHUB_WEBHOOK_SECRET)",
        ));
    };
    let (signature, event, delivery) = delivery_headers(&request);
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
    if event == "pull_request" {
        if let Some(done) = closed_pull_request(&app, &body).await? {
            return Ok(done);
        }
    }
    let mut wanted = match wanted_jobs(&event, &body) {
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
    let claiming = app.clone();
    let (claim_event, claim_delivery) = (event.clone(), delivery.clone());
    let checked = wanted.clone();
    let claimed_body = body.clone();
    let duplicate = blocking(move || {
        // Refuse the whole delivery before claiming it if any repository is not allowed.
        for w in &checked {
            validate_source(&claiming.config, &w.repo_url, w.git_ref.as_deref())?;
        }
        claim(&claiming, &claim_event, &claim_delivery, &claimed_body)
    })
    .await?;
    if let Some(previous) = duplicate {
        let body = json!({ "ok": true, "event": event, "duplicate": true, "job_ids": previous });
        return Ok(Json(body).into_response());
    }
    let review = match event.as_str() {
        "pull_request" => Some(reuse_base(&app, &mut wanted).await?),
        _ => None,
    };
    let (admitted, skipped) = match &app.accounts {
        Some(accounts) => admit(accounts, wanted).await,
        None => (wanted.into_iter().map(|w| (w, None)).collect(), Vec::new()),
    };
    let launching = app.clone();
    let (launch_event, launch_delivery) = (event.clone(), delivery.clone());
    let jobs =
        blocking(move || launch(&launching, &launch_event, &launch_delivery, admitted)).await?;
    if let Some(reused_base) = review {
        let (recording, launched) = (app.clone(), jobs.clone());
        blocking(move || record_review(&recording, &body, reused_base, &launched)).await?;
    }
    let status = if jobs.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    let body = json!({ "ok": true, "event": event, "job_ids": jobs, "skipped": skipped });
    Ok((status, Json(body)).into_response())
}

/// The signature, the event's name and the delivery id GitHub sends.
fn delivery_headers(request: &Request) -> (Option<String>, String, Option<String>) {
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
}

/// With accounts: an App installation (created, suspended, deleted) is
/// recorded and linked to the user with the account's GitHub id.
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
    let account = installation.account;
    let login = account
        .as_ref()
        .map(|a| a.login.clone())
        .unwrap_or_default();
    // A user's own installation is theirs; an organisation's belongs to
    // the user who installed it (an owner of the organisation).
    let organisation = account
        .as_ref()
        .is_some_and(|a| a.kind.as_deref() == Some("Organization"));
    let owner = if organisation {
        payload.sender.and_then(|s| s.id)
    } else {
        account.and_then(|a| a.id)
    };
    let suspended = matches!(payload.action.as_str(), "deleted" | "suspend");
    let id = installation.id as i64;
    let recorded = accounts
        .db
        .upsert_installation(id, owner, &login, suspended)
        .await;
    if let Err(e) = recorded {
        tracing::warn!(installation = id, "cannot record the installation: {e}");
    }
}

/// A skipped repository: its URL and why.
type Skipped = serde_json::Value;

/// With accounts: each wanted job admitted on the plan of the user the
/// installation belongs to (its row inserted, the month counted), or
/// skipped with the reason.
async fn admit(
    accounts: &doctown_accounts::Accounts,
    wanted: Vec<Wanted>,
) -> (Vec<(Wanted, Option<Admitted>)>, Vec<Skipped>) {
    let mut admitted = Vec::new();
    let mut skipped = Vec::new();
    for w in wanted {
        match admit_one(accounts, &w).await {
            Ok(a) => admitted.push((w, Some(a))),
            Err(why) => {
                tracing::info!(repo = %w.repo_url, "webhook job skipped: {why}");
                skipped.push(json!({ "repo_url": w.repo_url, "reason": why }));
            }
        }
    }
    (admitted, skipped)
}

async fn admit_one(accounts: &doctown_accounts::Accounts, w: &Wanted) -> Result<Admitted, String> {
    let unowned = || {
        "the App installation belongs to no Doctown user: sign in with the GitHub account \
         that installed it"
            .to_string()
    };
    let installation = w.installation.ok_or_else(unowned)?;
    let owner = accounts
        .db
        .installation_user(installation as i64)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(unowned)?;
    let user = accounts
        .db
        .user(owner)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(unowned)?;
    let requester = Requester::User { user, key_id: None };
    let job = crate::launcher::new_job_id();
    accounts
        .admit(
            &requester,
            job.as_str(),
            &w.repo_url,
            w.git_ref.as_deref(),
            Some(&w.facts()),
            Some(Visibility::Private),
        )
        .await
        .map_err(|e| e.to_string())
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
                git_ref: Some(branch.to_string()),
                installation: push.installation.map(|i| i.id),
                ..Wanted::of(&push.repository)
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
                        installation,
                        ..Wanted::of(r)
                    })
                    .collect(),
            ))
        }
        "pull_request" => {
            let event = PullRequestEvent::parse(body)?;
            if !event.wants_review() {
                return Ok(None);
            }
            let installation = event.installation.as_ref().map(|i| i.id);
            let pull = &event.pull_request;
            Ok(Some(vec![
                Wanted::for_review(&event.repository, &pull.base.sha, installation),
                Wanted::for_review(&event.repository, &pull.head.sha, installation),
            ]))
        }
        _ => Ok(None),
    }
}

/// A closed pull request: its pending reviews are dropped (`Some(answer)`).
async fn closed_pull_request(app: &AppState, body: &[u8]) -> Result<Option<Response>, ApiError> {
    let event = PullRequestEvent::parse(body).map_err(ApiError::bad_request)?;
    if event.action != "closed" {
        return Ok(None);
    }
    let store = app.store.clone();
    let (repository, number) = (event.repository.full_name.clone(), event.number);
    let dropped = blocking(move || {
        crate::pull_reviews::forget(store.as_ref(), &repository, number).map_err(ApiError::from)
    })
    .await?;
    Ok(Some(ignored(
        "pull_request",
        &format!("closed: {dropped} pending review(s) dropped"),
    )))
}

/// A pull request's base commit built before: reused, and taken out of
/// `wanted` (whose first job is the base, its second the head).
async fn reuse_base(app: &AppState, wanted: &mut Vec<Wanted>) -> Result<Option<JobId>, ApiError> {
    let store = app.store.clone();
    let (source, sha) = (wanted[0].repo_url.clone(), wanted[0].git_ref.clone());
    let built = blocking(move || {
        let sha = sha.unwrap_or_default();
        Ok(doctown_pipeline::built_here(store.as_ref(), &source, &sha))
    })
    .await?;
    Ok(built.map(|state| {
        wanted.remove(0);
        state.job_id
    }))
}

/// Records the review once its builds are launched: the head is the last
/// job launched, the base the first unless it was reused. A build the
/// plan refused leaves nothing to review.
fn record_review(
    app: &AppState,
    body: &[u8],
    reused_base: Option<JobId>,
    jobs: &[JobId],
) -> Result<(), ApiError> {
    use crate::pull_reviews::{End, PendingReview};
    let event = PullRequestEvent::parse(body).map_err(ApiError::bad_request)?;
    let (base, head) = match (reused_base, jobs) {
        (None, [base, head]) => (base.clone(), head.clone()),
        (Some(base), [head]) => (base, head.clone()),
        _ => {
            tracing::info!(
                repository = %event.repository.full_name,
                number = event.number,
                "no review: the plan did not admit both of its builds"
            );
            return Ok(());
        }
    };
    let review = PendingReview {
        repository: event.repository.full_name,
        number: event.number,
        installation: event.installation.map(|i| i.id).unwrap_or_default(),
        base: End {
            sha: event.pull_request.base.sha,
            job: base,
        },
        head: End {
            sha: event.pull_request.head.sha,
            job: head,
        },
        received_at: now_rfc3339(),
        attempts: 0,
    };
    crate::pull_reviews::record(app.store.as_ref(), &review)?;
    Ok(())
}

fn delivery_key(delivery: &str) -> String {
    format!("webhooks/deliveries/{delivery}.json")
}

/// The claim on a body: a body GitHub signed once is acted on once,
/// whatever delivery id comes with it (the signature covers the body
/// only, so a captured request could be replayed under a new id).
fn body_key(body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    format!("webhooks/bodies/{}.json", hex::encode(Sha256::digest(body)))
}

/// Claims the body and the delivery id; `Some(job ids)` when either was
/// claimed before (a redelivery, or a replayed body).
fn claim(
    app: &AppState,
    event: &str,
    delivery: &str,
    body: &[u8],
) -> Result<Option<serde_json::Value>, ApiError> {
    let seen = json!({ "delivery": delivery, "received_at": now_rfc3339() });
    match app.store.put_if(
        &body_key(body),
        seen.to_string().as_bytes(),
        &Condition::Absent,
    ) {
        Ok(_) => {}
        Err(StoreError::PreconditionFailed { .. }) => {
            let first =
                doctown_store::get_json::<serde_json::Value>(app.store.as_ref(), &body_key(body))
                    .ok()
                    .flatten()
                    .and_then(|v| {
                        v.get("delivery")
                            .and_then(|d| d.as_str())
                            .map(str::to_string)
                    });
            if first.as_deref() != Some(delivery) {
                tracing::warn!(
                    delivery,
                    ?first,
                    "a signed webhook body delivered again under a new id"
                );
                return Ok(Some(json!([])));
            }
        }
        Err(e) => return Err(e.into()),
    }
    let key = delivery_key(delivery);
    let claim = json!({ "delivery": delivery, "event": event, "received_at": now_rfc3339(), "job_ids": [] });
    match app
        .store
        .put_if(&key, claim.to_string().as_bytes(), &Condition::Absent)
    {
        Ok(_) => Ok(None),
        Err(StoreError::PreconditionFailed { .. }) => {
            let previous = doctown_store::get_json::<serde_json::Value>(app.store.as_ref(), &key)
                .ok()
                .flatten()
                .and_then(|v| v.get("job_ids").cloned())
                .unwrap_or_else(|| json!([]));
            Ok(Some(previous))
        }
        Err(e) => Err(e.into()),
    }
}

/// Launches the admitted jobs (under their rows' ids, with their plans'
/// options) and records them under the delivery.
fn launch(
    app: &AppState,
    event: &str,
    delivery: &str,
    admitted: Vec<(Wanted, Option<Admitted>)>,
) -> Result<Vec<JobId>, ApiError> {
    let key = delivery_key(delivery);
    let mut jobs: Vec<JobId> = Vec::new();
    for (w, admission) in admitted {
        let mut input = JobInput {
            source: w.repo_url.clone(),
            git_ref: w.git_ref.clone(),
            ..JobInput::default()
        };
        if let Some(id) = w.installation {
            set_installation_id(&mut input, id);
        }
        let launched = match &admission {
            Some(a) => {
                input.options.extend(a.options.clone());
                input.options.extend(w.options.clone());
                JobId::new(&a.job.id)
                    .map_err(|e| LaunchError::Unavailable(e.to_string()))
                    .and_then(|id| app.launcher.submit_as(id, input))
            }
            None => {
                input.options.extend(w.options.clone());
                app.launcher.submit(input)
            }
        };
        match launched {
            Ok(job) => jobs.push(job),
            Err(e) => {
                if let (Some(a), Some(accounts)) = (&admission, &app.accounts) {
                    // The row is there and the month counted: give both back.
                    let (accounts, id, message) =
                        (accounts.clone(), a.job.id.clone(), e.to_string());
                    tokio::runtime::Handle::current().spawn(async move {
                        let _ = accounts.db.fail_admission(&id, &message).await;
                    });
                }
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
    Ok(jobs)
}
