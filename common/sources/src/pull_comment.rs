//! One review comment on a GitHub pull request, kept up to date: the
//! comment that carries [`MARKER`] is edited, else one is made. The
//! GitHub Action's `doctown review --comment` and the hosted App's reviews
//! (the trigger, with an installation token) both post through it.
//!
//! In an Actions job the pull request and the token come from
//! `GITHUB_API_URL`, `GITHUB_REPOSITORY`, `GITHUB_TOKEN` and the number in
//! `GITHUB_EVENT_PATH`'s event ([`PullRequest::from_env`]).

use doctown_http::{Http, Reply, Timeouts};
use serde_json::{json, Value};
use std::time::Duration;

/// The hidden line that marks Doctown's comment.
pub const MARKER: &str = "<!-- doctown-review -->";

/// A pull request to comment on.
#[derive(Debug, Clone)]
pub struct PullRequest {
    pub api: String,
    pub repository: String,
    pub number: u64,
    token: String,
}

/// What was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    Created(String),
    Updated(String),
}

/// Why a comment was not posted, in one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostError {
    pub message: String,
    /// A network failure or a 5xx/429 answer: trying again may succeed.
    pub retryable: bool,
}

impl std::fmt::Display for PostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PostError {}

fn fatal(message: String) -> PostError {
    PostError {
        message,
        retryable: false,
    }
}

type Result<T> = std::result::Result<T, PostError>;

impl PullRequest {
    /// A pull request of `repository` (`owner/name`) on the API at `api`.
    pub fn new(api: &str, repository: &str, number: u64, token: String) -> PullRequest {
        PullRequest {
            api: api.trim_end_matches('/').to_string(),
            repository: repository.to_string(),
            number,
            token,
        }
    }

    /// From a GitHub Actions job's environment (`number` overrides the event's).
    pub fn from_env(number: Option<u64>) -> Result<PullRequest> {
        let var = doctown_config::var;
        let repository = var("GITHUB_REPOSITORY")
            .ok_or_else(|| fatal("GITHUB_REPOSITORY (owner/name) is not set".into()))?;
        let token = var("GITHUB_TOKEN").ok_or_else(|| {
            fatal(
                "GITHUB_TOKEN is not set: the comment needs a token that may write to the pull request"
                    .into(),
            )
        })?;
        let number = match number {
            Some(n) => n,
            None => event_number(var("GITHUB_EVENT_PATH"))?,
        };
        let api = var("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into());
        Ok(PullRequest::new(&api, &repository, number, token))
    }

    /// Edits Doctown's comment on the pull request to `body`, or makes it.
    pub fn post(&self, body: &str) -> Result<Posted> {
        let http = Http::new(Timeouts {
            connect: Some(Duration::from_secs(10)),
            total: Some(Duration::from_secs(30)),
        });
        let auth = format!("Bearer {}", self.token);
        let headers = [
            ("authorization", auth.as_str()),
            ("accept", "application/vnd.github+json"),
            ("x-github-api-version", "2022-11-28"),
        ];
        let body = json!({ "body": format!("{MARKER}\n{body}") });
        let base = format!("{}/repos/{}/issues", self.api, self.repository);
        match self.find(&http, &headers, &base)? {
            Some(id) => {
                let reply = http
                    .patch_json(&format!("{base}/comments/{id}"), &headers, &body)
                    .map_err(unreachable)?;
                Ok(Posted::Updated(url_of(&checked(
                    reply,
                    "update the comment",
                )?)))
            }
            None => {
                let reply = http
                    .post_json(&format!("{base}/{}/comments", self.number), &headers, &body)
                    .map_err(unreachable)?;
                Ok(Posted::Created(url_of(&checked(reply, "comment")?)))
            }
        }
    }

    /// The id of the comment that carries the marker, page by page.
    fn find(&self, http: &Http, headers: &[(&str, &str)], base: &str) -> Result<Option<u64>> {
        for page in 1..=50 {
            let url = format!("{base}/{}/comments?per_page=100&page={page}", self.number);
            let comments = checked(
                http.get(&url, headers).map_err(unreachable)?,
                "read the comments",
            )?;
            let Some(list) = comments.as_array().filter(|l| !l.is_empty()) else {
                return Ok(None);
            };
            let ours = list
                .iter()
                .find(|c| c["body"].as_str().is_some_and(|b| b.starts_with(MARKER)));
            if let Some(id) = ours.and_then(|c| c["id"].as_u64()) {
                return Ok(Some(id));
            }
            if list.len() < 100 {
                return Ok(None);
            }
        }
        Ok(None)
    }
}

/// The pull request's number in the event file of a GitHub Actions job.
fn event_number(path: Option<String>) -> Result<u64> {
    let path = path.ok_or_else(|| {
        fatal(
            "no pull request: pass --pull N, or run in a pull_request job (GITHUB_EVENT_PATH)"
                .into(),
        )
    })?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| fatal(format!("cannot read the event {path}: {e}")))?;
    let event: Value = serde_json::from_str(&text)
        .map_err(|e| fatal(format!("the event {path} is not JSON: {e}")))?;
    event["pull_request"]["number"]
        .as_u64()
        .or_else(|| event["number"].as_u64())
        .ok_or_else(|| {
            fatal(format!(
                "the event {path} is not a pull request's: pass --pull N"
            ))
        })
}

/// A request that got no answer: worth trying again.
fn unreachable(e: doctown_http::HttpError) -> PostError {
    PostError {
        message: format!("cannot reach GitHub: {e}"),
        retryable: true,
    }
}

/// The answer's JSON, or why GitHub refused.
fn checked(reply: Reply, what: &str) -> Result<Value> {
    if reply.is_success() {
        return serde_json::from_slice(&reply.body)
            .map_err(|_| fatal(format!("GitHub's answer to {what} is not JSON")));
    }
    let message = serde_json::from_slice::<Value>(&reply.body)
        .ok()
        .and_then(|v| v["message"].as_str().map(String::from))
        .unwrap_or_else(|| reply.text().chars().take(200).collect());
    let hint = match reply.status {
        401 => " (the token is not valid)",
        403 | 404 => " (a token that may not write to this pull request: in Actions a pull request from a fork gets a read-only one; an App needs the pull requests: write permission)",
        _ => "",
    };
    Err(PostError {
        message: format!(
            "cannot {what}: GitHub answered {} {message}{hint}",
            reply.status
        ),
        retryable: reply.status == 429 || reply.status >= 500,
    })
}

fn url_of(comment: &Value) -> String {
    comment["html_url"].as_str().unwrap_or_default().to_string()
}
