//! The trigger's configuration: who may call it, which repositories it
//! accepts, the GitHub App, CORS, the website directory, and body limits.
//!
//! [`TriggerConfig::from_env`] reads the `DOCTOWN_*` variables documented in
//! `infra/README.md`; every field can also be set in code.

use crate::error::TriggerError;
use crate::schedule::Schedule;
use crate::server_name::ServerName;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use doctown_accounts::GitHubAppConfig;

/// Everything the router needs to know besides the store and the launcher.
#[derive(Clone)]
pub struct TriggerConfig {
    /// Accept local paths and archives as sources (only for a trusted, local server).
    pub allow_local: bool,
    /// Hosts a repository URL may name (default `github.com`).
    pub allowed_hosts: Vec<String>,
    /// SHA-256 hashes of the accepted API keys (`DOCTOWN_API_KEYS_FILE`, one hex
    /// hash per line, and/or `DOCTOWN_API_KEY_HASHES`, comma-separated); empty
    /// means mutating routes are open.
    pub api_key_hashes: Vec<[u8; 32]>,
    /// Origins allowed by CORS (`*` for any); empty means no CORS headers.
    pub cors_origins: Vec<String>,
    /// The GitHub webhook secret; `None` disables `POST /webhooks/github`.
    pub webhook_secret: Option<String>,
    pub github_app: Option<GitHubAppConfig>,
    /// The website's built files, served for every non-API path (SPA fallback).
    pub static_dir: Option<PathBuf>,
    /// Prefix of absolute URLs in responses (e.g. `https://doctown.dev`); relative when `None`.
    pub public_url: Option<String>,
    /// Largest accepted request body (default 1 MiB).
    pub max_body_bytes: usize,
    /// Largest accepted webhook body (default 5 MiB).
    pub max_webhook_bytes: usize,
    /// How often SSE streams poll the stored event log (default 200 ms).
    pub event_poll_interval: Duration,
    /// SSE keep-alive comment interval (default 15 s).
    pub keep_alive: Duration,
    /// Scheduled batch runs the server runs itself (`serve` spawns the loop).
    pub schedule: Option<Schedule>,
    /// Mark cookies `Secure` (default true; `doctown serve` turns it off on
    /// a plain-HTTP loopback address). `DOCTOWN_SECURE_COOKIES`.
    pub secure_cookies: bool,
    /// Take the client's address from the last `X-Forwarded-For` entry
    /// (behind a proxy that sets it). `DOCTOWN_TRUST_PROXY`.
    pub trust_proxy: bool,
    /// The `Host` names requests may name (checked by the guard): those of
    /// `DOCTOWN_SERVER_NAMES` and `public_url`'s; `doctown serve` adds its
    /// address's. Empty means any host (only code that builds its own
    /// config, such as tests, leaves it empty; every host fills it).
    pub server_names: Vec<ServerName>,
    /// Without accounts, the routes that show what a job built
    /// (`exposure::READ_ROUTES`) need one of the API keys too. Set by the
    /// hosts that are reachable beyond loopback (`doctown serve` on a
    /// public address, the Lambda trigger) unless `DOCTOWN_PUBLIC_READS`
    /// (or `serve --public-reads`) opens them.
    pub private_reads: bool,
    /// Estimates priced at once (`POST /estimate` ingests the repository;
    /// default 2). `DOCTOWN_MAX_ESTIMATES`.
    pub max_concurrent_estimates: usize,
    /// Without accounts, the server's model answers `ask` only for callers
    /// with one of the API keys (and for nobody when there are none): set
    /// by `doctown serve` beyond loopback, where the model's bill is the
    /// operator's and the caller may be anyone.
    pub ask_model_needs_key: bool,
}

impl std::fmt::Debug for TriggerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TriggerConfig")
            .field("allow_local", &self.allow_local)
            .field("allowed_hosts", &self.allowed_hosts)
            .field("api_keys", &self.api_key_hashes.len())
            .field("cors_origins", &self.cors_origins)
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "<set>"),
            )
            .field("github_app", &self.github_app)
            .field("static_dir", &self.static_dir)
            .field("public_url", &self.public_url)
            .field("server_names", &self.server_names)
            .finish_non_exhaustive()
    }
}

impl Default for TriggerConfig {
    fn default() -> Self {
        TriggerConfig {
            allow_local: false,
            allowed_hosts: vec!["github.com".to_string()],
            api_key_hashes: Vec::new(),
            cors_origins: Vec::new(),
            webhook_secret: None,
            github_app: None,
            static_dir: None,
            public_url: None,
            max_body_bytes: 1 << 20,
            max_webhook_bytes: 5 << 20,
            event_poll_interval: Duration::from_millis(200),
            keep_alive: Duration::from_secs(15),
            schedule: None,
            secure_cookies: true,
            trust_proxy: false,
            server_names: Vec::new(),
            private_reads: false,
            max_concurrent_estimates: 2,
            ask_model_needs_key: false,
        }
    }
}

impl TriggerConfig {
    /// Serves the website from `dir`: files as they are, `index.html` for any
    /// other non-API path.
    pub fn with_static_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.static_dir = Some(dir.into());
        self
    }

    /// Accepts these API keys (given in clear; only their hashes are kept).
    pub fn with_api_keys<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, keys: I) -> Self {
        self.api_key_hashes
            .extend(keys.into_iter().map(|k| hash_api_key(k.as_ref())));
        self
    }

    /// Defaults overridden by the configuration (`docs/CONFIG.md`).
    pub fn from_env() -> Result<Self, TriggerError> {
        Self::from_lookup(doctown_config::var)
    }

    /// Like [`TriggerConfig::from_env`], reading variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, TriggerError> {
        let value = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let list = |name: &str| -> Vec<String> {
            value(name)
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        let flag = |v: String| doctown_config::flag(&v).unwrap_or(false);
        let mut config = TriggerConfig::default();
        if let Some(v) = value("DOCTOWN_ALLOW_LOCAL") {
            config.allow_local = flag(v);
        }
        let hosts = list("DOCTOWN_ALLOWED_HOSTS");
        if !hosts.is_empty() {
            config.allowed_hosts = hosts.iter().map(|h| h.to_ascii_lowercase()).collect();
        }
        if let Some(path) = value("DOCTOWN_API_KEYS_FILE") {
            config.api_key_hashes = load_api_key_hashes(Path::new(&path))?;
        }
        // Hashes are not secrets, so they may also come inline (serverless deployments).
        let inline = list("DOCTOWN_API_KEY_HASHES").join("\n");
        config.api_key_hashes.extend(
            parse_api_key_hashes(&inline)
                .map_err(|e| TriggerError::Config(format!("DOCTOWN_API_KEY_HASHES: {e}")))?,
        );
        config.cors_origins = list("DOCTOWN_CORS_ORIGINS");
        config.webhook_secret = value("DOCTOWN_GITHUB_WEBHOOK_SECRET");
        config.static_dir = value("DOCTOWN_STATIC_DIR").map(PathBuf::from);
        config.public_url =
            value("DOCTOWN_PUBLIC_URL").map(|u| u.trim_end_matches('/').to_string());
        for name in list("DOCTOWN_SERVER_NAMES") {
            let name = ServerName::parse(&name)
                .map_err(|e| TriggerError::Config(format!("DOCTOWN_SERVER_NAMES: {e}")))?;
            config.server_names.push(name);
        }
        config
            .server_names
            .extend(config.public_url.as_deref().and_then(ServerName::of_url));
        config.github_app =
            GitHubAppConfig::from_lookup(value).map_err(|e| TriggerError::Config(e.to_string()))?;
        if let Some(v) = value("DOCTOWN_SECURE_COOKIES") {
            config.secure_cookies = flag(v);
        }
        config.trust_proxy = value("DOCTOWN_TRUST_PROXY").is_some_and(flag);
        // Hosts decide whether reads are private; this says only that the
        // operator opened them.
        config.private_reads = !value("DOCTOWN_PUBLIC_READS").is_some_and(flag);
        if let Some(v) = value("DOCTOWN_MAX_ESTIMATES") {
            config.max_concurrent_estimates = v.parse().map_err(|_| {
                TriggerError::Config(format!("DOCTOWN_MAX_ESTIMATES: {v:?} is not a count"))
            })?;
        }
        if let Some(path) = value("DOCTOWN_SCHEDULE_FILE") {
            config.schedule = Some(Schedule::load(Path::new(&path))?);
        }
        Ok(config)
    }
}

/// SHA-256 of an API key, the form keys are stored and compared in.
pub fn hash_api_key(key: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(key.as_bytes()).into()
}

/// Reads an API key file: one hex SHA-256 per line; blank lines and `#`
/// comments are ignored.
pub fn load_api_key_hashes(path: &Path) -> Result<Vec<[u8; 32]>, TriggerError> {
    parse_api_key_hashes(&read(path)?)
        .map_err(|e| TriggerError::Config(format!("{}: {e}", path.display())))
}

/// Parses the contents of an API key file.
pub fn parse_api_key_hashes(text: &str) -> Result<Vec<[u8; 32]>, String> {
    let mut hashes = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut hash = [0u8; 32];
        hex::decode_to_slice(line, &mut hash)
            .map_err(|_| format!("line {}: expected 64 hex digits (a SHA-256)", n + 1))?;
        hashes.push(hash);
    }
    Ok(hashes)
}

fn read(path: &Path) -> Result<String, TriggerError> {
    std::fs::read_to_string(path).map_err(|source| TriggerError::Read {
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        std::fs::write(&keys, format!("{}\n", hex::encode(hash_api_key("a")))).unwrap();
        let env = [
            ("DOCTOWN_ALLOW_LOCAL", "true".to_string()),
            (
                "DOCTOWN_ALLOWED_HOSTS",
                "GitHub.com, example.org".to_string(),
            ),
            ("DOCTOWN_API_KEYS_FILE", keys.display().to_string()),
            ("DOCTOWN_API_KEY_HASHES", hex::encode(hash_api_key("b"))),
            ("DOCTOWN_CORS_ORIGINS", "https://doctown.dev".to_string()),
            ("DOCTOWN_PUBLIC_URL", "https://doctown.dev/".to_string()),
        ];
        let config = TriggerConfig::from_lookup(|name| {
            env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
        })
        .unwrap();
        assert!(config.allow_local);
        assert_eq!(config.allowed_hosts, ["github.com", "example.org"]);
        assert_eq!(
            config.api_key_hashes,
            [hash_api_key("a"), hash_api_key("b")]
        );
        assert_eq!(config.public_url.as_deref(), Some("https://doctown.dev"));
        let missing_key = TriggerConfig::from_lookup(|name| {
            (name == "DOCTOWN_GITHUB_APP_ID").then(|| "1".to_string())
        });
        assert!(missing_key.is_err());
    }
}
