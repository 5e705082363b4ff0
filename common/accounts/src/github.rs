//! GitHub: the OAuth web flow (authorize URL with `state` and PKCE S256,
//! code exchange), the signed-in user's profile, and a repository's facts
//! (private? how big?) for admission. Base URLs come from configuration,
//! so tests run the whole flow against a local server that plays GitHub.

use crate::config::GitHubOAuthConfig;
use crate::error::{AccountsError, Result};
use crate::http::{self, Reply};
use crate::users::GitHubProfile;
use serde::{Deserialize, Serialize};

/// The URL a browser is sent to for signing in (pure).
pub fn authorize_url(
    config: &GitHubOAuthConfig,
    state: &str,
    challenge: &str,
    redirect_uri: &str,
) -> String {
    let mut url = url::Url::parse(&format!("{}/login/oauth/authorize", config.oauth_base))
        .unwrap_or_else(|_| {
            url::Url::parse("https://github.com/login/oauth/authorize").expect("a URL")
        });
    url.query_pairs_mut()
        .append_pair("client_id", &config.client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", &config.scopes)
        .append_pair("state", state)
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("allow_signup", "true");
    url.to_string()
}

/// Exchanges an authorisation code (with its PKCE verifier) for a user
/// access token.
pub fn exchange_code(
    agent: &doctown_http::Http,
    config: &GitHubOAuthConfig,
    code: &str,
    verifier: &str,
    redirect_uri: &str,
) -> Result<String> {
    let url = format!("{}/login/oauth/access_token", config.oauth_base);
    let form = [
        ("client_id", config.client_id.as_str()),
        ("client_secret", config.client_secret.as_str()),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier),
    ];
    let reply = http::post_form(agent, &url, &[("Accept", "application/json")], &form)?;
    let body = reply.json()?;
    if let Some(token) = body.get("access_token").and_then(|v| v.as_str()) {
        return Ok(token.to_string());
    }
    let reason = body
        .get("error_description")
        .or_else(|| body.get("error"))
        .and_then(|v| v.as_str())
        .unwrap_or("no access token in the answer");
    Err(AccountsError::Unauthorized(format!(
        "GitHub refused the sign-in: {reason}"
    )))
}

fn api_headers(token: Option<&str>) -> Vec<(&'static str, String)> {
    let mut headers = vec![
        ("Accept", "application/vnd.github+json".to_string()),
        ("X-GitHub-Api-Version", "2022-11-28".to_string()),
    ];
    if let Some(t) = token {
        headers.push(("Authorization", format!("Bearer {t}")));
    }
    headers
}

fn api_get(
    agent: &doctown_http::Http,
    api_base: &str,
    path: &str,
    token: Option<&str>,
) -> Result<Reply> {
    let headers = api_headers(token);
    let refs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    http::get(agent, &format!("{api_base}{path}"), &refs)
}

/// The signed-in user's profile (`GET /user`).
pub fn fetch_user(
    agent: &doctown_http::Http,
    api_base: &str,
    token: &str,
) -> Result<GitHubProfile> {
    let reply = api_get(agent, api_base, "/user", Some(token))?;
    if reply.status != 200 {
        return Err(AccountsError::Upstream(format!(
            "GitHub answered {} for the signed-in user",
            reply.status
        )));
    }
    let body = reply.json()?;
    let text = |k: &str| body.get(k).and_then(|v| v.as_str()).map(str::to_string);
    Ok(GitHubProfile {
        id: body
            .get("id")
            .and_then(|v| v.as_i64())
            .ok_or_else(|| AccountsError::Upstream("GitHub's user has no id".into()))?,
        login: text("login").unwrap_or_default(),
        name: text("name"),
        email: text("email"),
        avatar_url: text("avatar_url"),
    })
}

/// What admission needs to know about a repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoFacts {
    /// `owner/name`, lower-case.
    pub full_name: String,
    pub github_id: Option<i64>,
    pub private: bool,
    pub size_kb: u64,
    pub default_branch: Option<String>,
}

/// `GET /repos/{owner}/{repo}` with the user's token (or none): `None`
/// when GitHub says there is no such repository for this caller.
pub fn fetch_repo(
    agent: &doctown_http::Http,
    api_base: &str,
    token: Option<&str>,
    owner: &str,
    repo: &str,
) -> Result<Option<RepoFacts>> {
    let path = format!("/repos/{}/{}", segment(owner)?, segment(repo)?);
    let reply = api_get(agent, api_base, &path, token)?;
    match reply.status {
        200 => {}
        404 | 403 | 401 => return Ok(None),
        other => {
            return Err(AccountsError::Upstream(format!(
                "GitHub answered {other} for {owner}/{repo}"
            )))
        }
    }
    let body = reply.json()?;
    Ok(Some(RepoFacts {
        full_name: format!("{owner}/{repo}").to_ascii_lowercase(),
        github_id: body.get("id").and_then(|v| v.as_i64()),
        private: body
            .get("private")
            .and_then(|v| v.as_bool())
            .unwrap_or(true),
        size_kb: body.get("size").and_then(|v| v.as_u64()).unwrap_or(0),
        default_branch: body
            .get("default_branch")
            .and_then(|v| v.as_str())
            .map(str::to_string),
    }))
}

/// An owner or repository name as a path segment (GitHub's characters only).
fn segment(name: &str) -> Result<&str> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name != "."
        && name != "..";
    if ok {
        Ok(name)
    } else {
        Err(AccountsError::invalid(format!(
            "{name:?} is not a GitHub name"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorize_url_carries_state_and_pkce() {
        let config = GitHubOAuthConfig {
            client_id: "cid".into(),
            client_secret: "secret".into(),
            oauth_base: "http://127.0.0.1:9".into(),
            api_base: "http://127.0.0.1:9/api".into(),
            scopes: "read:user repo".into(),
        };
        let url = authorize_url(&config, "st&ate", "chal", "http://x/cb");
        assert!(url.starts_with("http://127.0.0.1:9/login/oauth/authorize?client_id=cid"));
        assert!(url.contains("state=st%26ate"));
        assert!(url.contains("code_challenge=chal&code_challenge_method=S256"));
        assert!(url.contains("scope=read%3Auser+repo"));
        assert!(!url.contains("secret"));
    }

    #[test]
    fn names_are_checked() {
        assert!(segment("rust-lang").is_ok());
        assert!(segment("../etc").is_err());
        assert!(segment("a b").is_err());
    }
}
