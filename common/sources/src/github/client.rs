//! The GitHub REST client: requests with the configured base URL, token,
//! user agent and timeouts, and the mapping of HTTP statuses to one-line
//! errors (401 bad token, 403/429 rate limits with `x-ratelimit-reset` and
//! `retry-after`, 404 missing repository, 5xx and network failures transient).

use crate::error::{one_line, SourceError};
use crate::GitHubConfig;
use serde::Deserialize;
use ureq::http::{HeaderMap, Response};
use ureq::{Agent, Body};

#[derive(Deserialize)]
struct RepoMeta {
    default_branch: String,
}

#[derive(Deserialize)]
struct CommitMeta {
    sha: String,
}

#[derive(Deserialize)]
struct ApiMessage {
    message: Option<String>,
}

pub(super) struct Client<'a> {
    agent: Agent,
    config: &'a GitHubConfig,
    owner: &'a str,
    repo: &'a str,
}

impl<'a> Client<'a> {
    pub(super) fn new(config: &'a GitHubConfig, owner: &'a str, repo: &'a str) -> Self {
        let timeout = Some(config.timeout);
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(config.user_agent.as_str())
            .timeout_resolve(timeout)
            .timeout_connect(timeout)
            .timeout_recv_response(timeout)
            .timeout_per_read(timeout)
            .build()
            .into();
        Client {
            agent,
            config,
            owner,
            repo,
        }
    }

    pub(super) fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.repo)
    }

    pub(super) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.api_base.trim_end_matches('/'))
    }

    /// Tries `git_ref`, then `git_ref/first`, `git_ref/first/second`, … taking
    /// parts of the subpath, until the API knows the ref.
    pub(super) fn resolve(
        &self,
        git_ref: &str,
        subpath: Option<&str>,
    ) -> Result<(String, Option<String>, String), SourceError> {
        let parts: Vec<&str> = subpath
            .map(|s| s.split('/').filter(|p| !p.is_empty()).collect())
            .unwrap_or_default();
        for taken in 0..=parts.len() {
            let candidate = std::iter::once(git_ref)
                .chain(parts[..taken].iter().copied())
                .collect::<Vec<_>>()
                .join("/");
            let rest = parts[taken..].join("/");
            if let Some(sha) = self.commit_sha(&candidate)? {
                return Ok((candidate, (!rest.is_empty()).then_some(rest), sha));
            }
        }
        Err(SourceError::UnknownRef {
            git_ref: git_ref.to_string(),
            repo: self.full_name(),
        })
    }

    /// The sha `git_ref` points at, or `None` when GitHub does not know it.
    /// Names git could never have (`..`, empty parts, control characters)
    /// are unknown without asking, so a ref can never rewrite the API path.
    fn commit_sha(&self, git_ref: &str) -> Result<Option<String>, SourceError> {
        let impossible = git_ref.is_empty()
            || git_ref.chars().any(char::is_control)
            || git_ref
                .split('/')
                .any(|part| matches!(part, "" | "." | ".."));
        if impossible {
            return Ok(None);
        }
        let path = format!(
            "/repos/{}/{}/commits/{}",
            self.owner,
            self.repo,
            encode_ref(git_ref)
        );
        let mut response = match self.get(&path, Some(&[404, 422])) {
            Ok(r) => r,
            Err(SourceError::Http {
                status: 404 | 422, ..
            }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let url = self.url(&path);
        let meta: CommitMeta = read_json(&mut response, &url)?;
        Ok(Some(meta.sha))
    }

    /// The repository's default branch (also proves the repository exists).
    pub(super) fn default_branch(&self) -> Result<String, SourceError> {
        let meta: RepoMeta = self.get_json(&format!("/repos/{}/{}", self.owner, self.repo))?;
        Ok(meta.default_branch)
    }

    fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, SourceError> {
        let mut response = self.get(path, None)?;
        read_json(&mut response, &self.url(path))
    }

    /// Sends a GET and turns error statuses into errors; statuses listed in
    /// `passthrough` come back as [`SourceError::Http`] for the caller to judge.
    pub(super) fn get(
        &self,
        path: &str,
        passthrough: Option<&[u16]>,
    ) -> Result<Response<Body>, SourceError> {
        let url = self.url(path);
        let mut request = self
            .agent
            .get(&url)
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28");
        if let Some(token) = self.config.token.as_deref().filter(|t| !t.is_empty()) {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let mut response = request.call().map_err(|e| map_ureq_error(&url, e))?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(response);
        }
        let message = error_message(&mut response);
        if passthrough.is_some_and(|codes| codes.contains(&status)) {
            return Err(SourceError::Http {
                status,
                url,
                message,
            });
        }
        Err(status_error(
            status,
            response.headers(),
            url,
            message,
            self.owner,
            self.repo,
        ))
    }
}

fn read_json<T: serde::de::DeserializeOwned>(
    response: &mut Response<Body>,
    url: &str,
) -> Result<T, SourceError> {
    let status = response.status().as_u16();
    response
        .body_mut()
        .with_config()
        .limit(4 << 20)
        .read_json()
        .map_err(|e| match e {
            ureq::Error::Io(_) | ureq::Error::Timeout(_) => map_ureq_error(url, e),
            other => SourceError::Http {
                status,
                url: url.to_string(),
                message: format!("unexpected response: {}", one_line(&other.to_string())),
            },
        })
}

fn error_message(response: &mut Response<Body>) -> String {
    let text = response
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .unwrap_or_default();
    let message = serde_json::from_str::<ApiMessage>(&text)
        .ok()
        .and_then(|m| m.message)
        .unwrap_or(text);
    let message = one_line(&message);
    if message.is_empty() {
        "no details".to_string()
    } else {
        message.chars().take(300).collect()
    }
}

/// Maps an HTTP error status to an error.
fn status_error(
    status: u16,
    headers: &HeaderMap,
    url: String,
    message: String,
    owner: &str,
    repo: &str,
) -> SourceError {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let exhausted = header("x-ratelimit-remaining") == Some("0");
    let retry_after_secs = header("retry-after").and_then(|v| v.parse::<u64>().ok());
    match status {
        401 => SourceError::Unauthorized,
        403 | 429 if exhausted || retry_after_secs.is_some() || status == 429 => {
            SourceError::RateLimited {
                reset_at: header("x-ratelimit-reset")
                    .and_then(|v| v.parse::<u64>().ok())
                    .map(format_utc),
                retry_after_secs,
            }
        }
        403 => SourceError::Forbidden { url, message },
        404 => SourceError::RepoNotFound {
            owner: owner.to_string(),
            repo: repo.to_string(),
        },
        500..=599 => SourceError::Server { status, url },
        _ => SourceError::Http {
            status,
            url,
            message,
        },
    }
}

fn map_ureq_error(url: &str, err: ureq::Error) -> SourceError {
    let message = one_line(&err.to_string());
    let url = url.to_string();
    match err {
        ureq::Error::BadUri(_) | ureq::Error::Http(_) => SourceError::Http {
            status: 0,
            url,
            message: format!("invalid request: {message}"),
        },
        _ => SourceError::Network { url, message },
    }
}

/// Percent-encodes a ref for a URL path, keeping `/` (GitHub accepts it).
fn encode_ref(git_ref: &str) -> String {
    let mut out = String::new();
    for byte in git_ref.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formatting() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn ref_encoding() {
        assert_eq!(encode_ref("feature/x"), "feature/x");
        assert_eq!(encode_ref("v1.0+build #2"), "v1.0%2Bbuild%20%232");
    }
}
