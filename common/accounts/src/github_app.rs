//! The GitHub App side: the App's configuration, its JWT (RS256, `iss` =
//! app id) and installation tokens from
//! `POST {api}/app/installations/{id}/access_tokens`.
//!
//! Shared by the trigger (the in-process launcher's token source) and the
//! distributed workers (`doctown_worker::WorkerTokens`), which read the
//! same variables ([`GitHubAppConfig::from_lookup`]). Tokens are kept in
//! memory only, keyed by installation id, and reused until five minutes
//! before they expire. They are never written anywhere: a job records its
//! installation id, and whoever runs ingest asks this cache.

use crate::error::AccountsError;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Reuse a token only while it has at least this long left.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// A GitHub App: mints installation tokens for private repositories.
#[derive(Clone, PartialEq, Eq)]
pub struct GitHubAppConfig {
    /// The App's numeric id (the JWT's `iss`).
    pub app_id: String,
    /// The App's RSA private key, PEM (PKCS#1 or PKCS#8).
    pub private_key_pem: String,
    /// REST API base, `https://api.github.com` by default.
    pub api_base: String,
}

impl std::fmt::Debug for GitHubAppConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubAppConfig")
            .field("app_id", &self.app_id)
            .field("private_key_pem", &"<redacted>")
            .field("api_base", &self.api_base)
            .finish()
    }
}

impl GitHubAppConfig {
    /// `DOCTOWN_GITHUB_APP_ID` with `DOCTOWN_GITHUB_APP_PRIVATE_KEY` (PEM,
    /// `\n` escapes allowed) or `DOCTOWN_GITHUB_APP_PRIVATE_KEY_FILE`, and
    /// `DOCTOWN_GITHUB_API`; `None` without an app id. `value` returns
    /// trimmed, non-empty values.
    pub fn from_lookup(
        value: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<GitHubAppConfig>, AccountsError> {
        let Some(app_id) = value("DOCTOWN_GITHUB_APP_ID") else {
            return Ok(None);
        };
        let pem = match (
            value("DOCTOWN_GITHUB_APP_PRIVATE_KEY"),
            value("DOCTOWN_GITHUB_APP_PRIVATE_KEY_FILE"),
        ) {
            (Some(pem), _) => pem.replace("\\n", "\n"),
            (None, Some(path)) => std::fs::read_to_string(Path::new(&path))
                .map_err(|e| AccountsError::invalid(format!("cannot read {path}: {e}")))?,
            (None, None) => {
                return Err(AccountsError::invalid(
                    "DOCTOWN_GITHUB_APP_ID is set but neither DOCTOWN_GITHUB_APP_PRIVATE_KEY nor DOCTOWN_GITHUB_APP_PRIVATE_KEY_FILE",
                ))
            }
        };
        Ok(Some(GitHubAppConfig {
            app_id,
            private_key_pem: pem,
            api_base: value("DOCTOWN_GITHUB_API")
                .map(|u| u.trim_end_matches('/').to_string())
                .unwrap_or_else(|| "https://api.github.com".to_string()),
        }))
    }
}

/// The claims of a GitHub App JWT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppClaims {
    pub iat: u64,
    pub exp: u64,
    pub iss: String,
}

#[derive(Deserialize)]
struct AccessToken {
    token: String,
    #[serde(default)]
    expires_at: Option<String>,
}

/// Why an installation token could not be minted: the message never holds
/// a token; `status` is GitHub's HTTP status when it answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct MintError {
    pub message: String,
    pub status: Option<u16>,
}

impl MintError {
    fn new(message: String, status: Option<u16>) -> Self {
        MintError { message, status }
    }

    /// Whether asking again later may succeed (no answer, or a 5xx / 429).
    pub fn is_retryable(&self) -> bool {
        self.status.is_none_or(|s| s >= 500 || s == 429)
    }
}

/// Installation tokens of one GitHub App, cached in memory.
pub struct InstallationTokens {
    config: GitHubAppConfig,
    key: EncodingKey,
    agent: doctown_http::Http,
    cache: Mutex<HashMap<u64, (String, SystemTime)>>,
}

impl std::fmt::Debug for InstallationTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstallationTokens")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl InstallationTokens {
    pub fn new(config: GitHubAppConfig) -> Result<Self, AccountsError> {
        let key = EncodingKey::from_rsa_pem(config.private_key_pem.as_bytes()).map_err(|e| {
            AccountsError::invalid(format!(
                "the GitHub App private key is not an RSA PEM key: {e}"
            ))
        })?;
        Ok(InstallationTokens {
            config,
            key,
            agent: crate::http::agent(),
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The App's JWT at `now` (valid from a minute before, for nine minutes).
    pub fn app_jwt(&self, now: SystemTime) -> Result<String, String> {
        let secs = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let claims = AppClaims {
            iat: secs.saturating_sub(60),
            exp: secs + 540,
            iss: self.config.app_id.clone(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &self.key)
            .map_err(|e| format!("cannot sign the App JWT: {e}"))
    }

    /// An installation token: cached, or fetched from GitHub.
    pub fn token(&self, installation_id: u64) -> Result<String, String> {
        self.mint(installation_id).map_err(|e| e.message)
    }

    /// Like [`token`](Self::token), saying whether a failure may pass.
    pub fn mint(&self, installation_id: u64) -> Result<String, MintError> {
        let now = SystemTime::now();
        if let Some((token, expires)) = self.cache().get(&installation_id) {
            if *expires > now + REFRESH_MARGIN {
                return Ok(token.clone());
            }
        }
        let (token, expires) = self.fetch(installation_id, now)?;
        self.cache()
            .insert(installation_id, (token.clone(), expires));
        Ok(token)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<u64, (String, SystemTime)>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fetch(
        &self,
        installation_id: u64,
        now: SystemTime,
    ) -> Result<(String, SystemTime), MintError> {
        let jwt = self
            .app_jwt(now)
            .map_err(|message| MintError::new(message, Some(0)))?;
        let url = format!(
            "{}/app/installations/{installation_id}/access_tokens",
            self.config.api_base.trim_end_matches('/')
        );
        let authorization = format!("Bearer {jwt}");
        let headers = [
            ("Authorization", authorization.as_str()),
            ("Accept", "application/vnd.github+json"),
            ("X-GitHub-Api-Version", "2022-11-28"),
        ];
        let reply = crate::http::post(&self.agent, &url, &headers, b"")
            .map_err(|e| MintError::new(format!("POST {url}: {e}"), None))?;
        let status = reply.status;
        if !(200..300).contains(&status) {
            let message = serde_json::from_str::<serde_json::Value>(&reply.body)
                .ok()
                .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(String::from))
                .unwrap_or_else(|| reply.body.chars().take(200).collect());
            return Err(MintError::new(
                format!("POST {url}: HTTP {status}: {message}"),
                Some(status),
            ));
        }
        let body: AccessToken = serde_json::from_str(&reply.body)
            .map_err(|e| MintError::new(format!("POST {url}: unexpected response: {e}"), None))?;
        let expires = body
            .expires_at
            .as_deref()
            .and_then(|t| humantime::parse_rfc3339_weak(t).ok())
            .unwrap_or(now + Duration::from_secs(50 * 60));
        Ok((body.token, expires))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::lookup;

    #[test]
    fn the_app_comes_from_the_environment() {
        assert_eq!(GitHubAppConfig::from_lookup(lookup(&[])).unwrap(), None);
        let app = GitHubAppConfig::from_lookup(lookup(&[
            ("DOCTOWN_GITHUB_APP_ID", "12"),
            ("DOCTOWN_GITHUB_APP_PRIVATE_KEY", "line1\\nline2"),
            ("DOCTOWN_GITHUB_API", "http://127.0.0.1:9/api/"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(app.app_id, "12");
        assert_eq!(app.private_key_pem, "line1\nline2");
        assert_eq!(app.api_base, "http://127.0.0.1:9/api");
        assert!(!format!("{app:?}").contains("line1"), "the key is redacted");
        let missing = GitHubAppConfig::from_lookup(lookup(&[("DOCTOWN_GITHUB_APP_ID", "12")]));
        assert!(missing
            .unwrap_err()
            .to_string()
            .contains("DOCTOWN_GITHUB_APP_PRIVATE_KEY"));
        let unreadable = GitHubAppConfig::from_lookup(lookup(&[
            ("DOCTOWN_GITHUB_APP_ID", "12"),
            (
                "DOCTOWN_GITHUB_APP_PRIVATE_KEY_FILE",
                "/nonexistent/key.pem",
            ),
        ]));
        assert!(unreadable
            .unwrap_err()
            .to_string()
            .contains("/nonexistent/key.pem"));
    }

    #[test]
    fn a_key_that_is_not_rsa_pem_is_refused() {
        let bad = InstallationTokens::new(GitHubAppConfig {
            app_id: "1".into(),
            private_key_pem: "not a key".into(),
            api_base: "http://127.0.0.1:9".into(),
        });
        assert!(bad.unwrap_err().to_string().contains("RSA PEM"));
    }

    #[test]
    fn failures_say_whether_they_may_pass() {
        assert!(MintError::new("x".into(), None).is_retryable());
        assert!(MintError::new("x".into(), Some(502)).is_retryable());
        assert!(MintError::new("x".into(), Some(429)).is_retryable());
        assert!(!MintError::new("x".into(), Some(404)).is_retryable());
        assert!(!MintError::new("x".into(), Some(401)).is_retryable());
    }
}
