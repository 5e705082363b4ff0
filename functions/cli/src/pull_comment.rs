//! One review comment on a GitHub pull request, kept up to date: the
//! comment that carries [`MARKER`] is edited, else one is made. Where the
//! pull request and the token come from: `GITHUB_API_URL`,
//! `GITHUB_REPOSITORY`, `GITHUB_TOKEN` and the number in
//! `GITHUB_EVENT_PATH`'s event (what a GitHub Actions job has), or `--pull`.

use anyhow::{bail, Context, Result};
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

impl PullRequest {
    /// From a GitHub Actions job's environment (`number` overrides the event's).
    pub fn from_env(number: Option<u64>) -> Result<PullRequest> {
        let var = doctown_config::var;
        let repository =
            var("GITHUB_REPOSITORY").context("GITHUB_REPOSITORY (owner/name) is not set")?;
        let token = var("GITHUB_TOKEN").context(
            "GITHUB_TOKEN is not set: the comment needs a token that may write to the pull request",
        )?;
        let number = match number {
            Some(n) => n,
            None => event_number(var("GITHUB_EVENT_PATH"))?,
        };
        Ok(PullRequest {
            api: var("GITHUB_API_URL")
                .unwrap_or_else(|| "https://api.github.com".into())
                .trim_end_matches('/')
                .to_string(),
            repository,
            number,
            token,
        })
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
                let reply = http.patch_json(&format!("{base}/comments/{id}"), &headers, &body)?;
                Ok(Posted::Updated(url_of(&checked(
                    reply,
                    "update the comment",
                )?)))
            }
            None => {
                let reply =
                    http.post_json(&format!("{base}/{}/comments", self.number), &headers, &body)?;
                Ok(Posted::Created(url_of(&checked(reply, "comment")?)))
            }
        }
    }

    /// The id of the comment that carries the marker, page by page.
    fn find(&self, http: &Http, headers: &[(&str, &str)], base: &str) -> Result<Option<u64>> {
        for page in 1..=50 {
            let url = format!("{base}/{}/comments?per_page=100&page={page}", self.number);
            let comments = checked(http.get(&url, headers)?, "read the comments")?;
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
    let path = path.context(
        "no pull request: pass --pull N, or run in a pull_request job (GITHUB_EVENT_PATH)",
    )?;
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("cannot read the event {path}"))?;
    let event: Value =
        serde_json::from_str(&text).with_context(|| format!("the event {path} is not JSON"))?;
    event["pull_request"]["number"]
        .as_u64()
        .or_else(|| event["number"].as_u64())
        .with_context(|| format!("the event {path} is not a pull request's: pass --pull N"))
}

/// The answer's JSON, or why GitHub refused.
fn checked(reply: Reply, what: &str) -> Result<Value> {
    if reply.is_success() {
        return serde_json::from_slice(&reply.body)
            .with_context(|| format!("GitHub's answer to {what} is not JSON"));
    }
    let message = serde_json::from_slice::<Value>(&reply.body)
        .ok()
        .and_then(|v| v["message"].as_str().map(String::from))
        .unwrap_or_else(|| reply.text().chars().take(200).collect());
    let hint = match reply.status {
        401 => " (the token is not valid)",
        403 | 404 => " (a token that may not write here: a pull request from a fork gets a read-only one; the review is in the job's summary)",
        _ => "",
    };
    bail!(
        "cannot {what}: GitHub answered {} {message}{hint}",
        reply.status
    )
}

fn url_of(comment: &Value) -> String {
    comment["html_url"].as_str().unwrap_or_default().to_string()
}
