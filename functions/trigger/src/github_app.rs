//! The GitHub App side: the App's JWT (RS256, `iss` = app id) and
//! installation tokens from `POST {api}/app/installations/{id}/access_tokens`.
//!
//! Tokens are kept in memory only, keyed by installation id, and reused
//! until five minutes before they expire. They are never written to the
//! store: a job records its installation id, and whoever runs ingest asks
//! this cache (in process, through the launcher's `TokenSource`).

use crate::config::GitHubAppConfig;
use crate::error::TriggerError;
use crate::launcher::TokenSource;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use ureq::Agent;

/// Reuse a token only while it has at least this long left.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

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

/// Installation tokens of one GitHub App, cached in memory.
pub struct InstallationTokens {
    config: GitHubAppConfig,
    key: EncodingKey,
    agent: Agent,
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
    pub fn new(config: GitHubAppConfig) -> Result<Self, TriggerError> {
        let key = EncodingKey::from_rsa_pem(config.private_key_pem.as_bytes()).map_err(|e| {
            TriggerError::Config(format!(
                "the GitHub App private key is not an RSA PEM key: {e}"
            ))
        })?;
        let timeout = Some(Duration::from_secs(20));
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(format!("doctown-trigger/{}", doctown_core::VERSION))
            .timeout_connect(timeout)
            .timeout_recv_response(timeout)
            .timeout_per_read(timeout)
            .build()
            .into();
        Ok(InstallationTokens {
            config,
            key,
            agent,
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

    fn fetch(&self, installation_id: u64, now: SystemTime) -> Result<(String, SystemTime), String> {
        let jwt = self.app_jwt(now)?;
        let url = format!(
            "{}/app/installations/{installation_id}/access_tokens",
            self.config.api_base.trim_end_matches('/')
        );
        let mut response = self
            .agent
            .post(&url)
            .header("Authorization", &format!("Bearer {jwt}"))
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
            .send_empty()
            .map_err(|e| format!("POST {url}: {e}"))?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            let text = response
                .body_mut()
                .with_config()
                .limit(64 * 1024)
                .read_to_string()
                .unwrap_or_default();
            let message = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(String::from))
                .unwrap_or_else(|| text.chars().take(200).collect());
            return Err(format!("POST {url}: HTTP {status}: {message}"));
        }
        let body: AccessToken = response
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_json()
            .map_err(|e| format!("POST {url}: unexpected response: {e}"))?;
        let expires = body
            .expires_at
            .as_deref()
            .and_then(|t| humantime::parse_rfc3339_weak(t).ok())
            .unwrap_or(now + Duration::from_secs(50 * 60));
        Ok((body.token, expires))
    }
}

impl TokenSource for InstallationTokens {
    fn installation_token(&self, installation_id: u64) -> Result<String, String> {
        self.token(installation_id)
    }
}
