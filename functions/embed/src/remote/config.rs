//! Configuration of the remote embedding backend ([`RemoteConfig`]) and of
//! which backend runs ([`BackendKind`]).
//!
//! Where requests go and with which key is the host's choice only: a job's
//! options cannot name `backend` or `remote` (they would send the host's
//! key, or its code, elsewhere), and the key is never serialised and never
//! printed (`Debug` shows `<redacted>`), so it reaches no state document,
//! artifact, event or log line.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// OpenAI's API, the base URL when none is configured.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// Which embedder runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum BackendKind {
    /// The local ONNX model ([`crate::Embedder`]).
    #[default]
    #[serde(rename = "onnx")]
    Onnx,
    /// An OpenAI-compatible `POST {base}/embeddings` endpoint
    /// ([`crate::remote::RemoteEmbedder`]).
    #[serde(rename = "openai")]
    OpenAi,
}

impl BackendKind {
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Onnx => "onnx",
            BackendKind::OpenAi => "openai",
        }
    }
}

/// The API key: unset, explicitly none (`DOCTOWN_EMBED_API_KEY=none`, for an
/// https server that needs no key), or a key sent as `Bearer`.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum ApiKey {
    #[default]
    Unset,
    None,
    Key(String),
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ApiKey::Unset => "Unset",
            ApiKey::None => "None",
            ApiKey::Key(_) => "Key(<redacted>)",
        })
    }
}

impl ApiKey {
    /// The key to send, if any.
    pub fn secret(&self) -> Option<&str> {
        match self {
            ApiKey::Key(k) => Some(k),
            _ => None,
        }
    }
}

/// The remote backend's settings (used when the backend is `openai`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RemoteConfig {
    /// Requests go to `{base_url}/embeddings`.
    pub base_url: String,
    /// The model asked for, and the one every answer must name (if it names one).
    pub model: String,
    /// Never serialised; from `DOCTOWN_EMBED_API_KEY` or `OPENAI_API_KEY`.
    #[serde(skip)]
    pub api_key: ApiKey,
    /// Batches in flight at once. 16 by default: against a GPU server the
    /// round trips, not the model, bound the stage, and 16 requests of 32
    /// built the medium benchmark 1.6× as fast as 4 (BENCHMARKS,
    /// "Embeddings on a GPU server").
    pub concurrency: usize,
    /// Texts per request. 32 by default, the most text-embeddings-inference
    /// takes unless started with a larger `--max-client-batch-size`.
    pub batch_size: usize,
    /// Per request (connect, send, answer), in milliseconds.
    pub timeout_ms: u64,
    /// Retries after the first attempt (429, 5xx, timeouts, connection errors).
    pub retries: u32,
    /// The first retry waits about this long; each next one twice as long
    /// (capped at 30 s), with jitter.
    pub backoff_ms: u64,
}

impl Default for RemoteConfig {
    fn default() -> Self {
        RemoteConfig {
            base_url: DEFAULT_BASE_URL.to_string(),
            model: String::new(),
            api_key: ApiKey::Unset,
            concurrency: 16,
            batch_size: 32,
            timeout_ms: 60_000,
            retries: 5,
            backoff_ms: 500,
        }
    }
}

impl RemoteConfig {
    /// `{base_url}/embeddings`
    pub fn endpoint(&self) -> String {
        format!("{}/embeddings", self.base_url.trim_end_matches('/'))
    }

    /// The embedding model id docpacks name: `openai:<model>`.
    pub fn model_id(&self) -> String {
        format!("openai:{}", self.model)
    }

    /// The cache's directory name: the model name made path-safe, plus a
    /// hash of the exact name so two names never share entries.
    pub fn cache_id(&self) -> String {
        let safe: String = self
            .model
            .chars()
            .map(|c| match c {
                'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '_' | '.' => c,
                _ => '_',
            })
            .take(64)
            .collect();
        let hash = hex::encode(Sha256::digest(self.model.as_bytes()));
        format!("openai@{}-{}", safe.trim_start_matches('.'), &hash[..12])
    }

    /// Laid over by `DOCTOWN_EMBED_*` variables read through `var`.
    pub fn read_env(
        mut self,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Result<RemoteConfig, String> {
        if let Some(v) = var("DOCTOWN_EMBED_BASE_URL") {
            self.base_url = v;
        }
        if let Some(v) = var("DOCTOWN_EMBED_MODEL") {
            self.model = v;
        }
        self.api_key = match var("DOCTOWN_EMBED_API_KEY").or_else(|| var("OPENAI_API_KEY")) {
            Some(k) if k.eq_ignore_ascii_case("none") => ApiKey::None,
            Some(k) => ApiKey::Key(k),
            None => ApiKey::Unset,
        };
        let number = |name: &str| -> Result<Option<u64>, String> {
            var(name)
                .map(|v| {
                    v.parse()
                        .map_err(|_| format!("{name}={v:?} is not a number"))
                })
                .transpose()
        };
        if let Some(v) = var("DOCTOWN_EMBED_TIMEOUT_SECS") {
            let secs: f64 = v
                .parse()
                .ok()
                .filter(|s: &f64| s.is_finite() && *s > 0.0)
                .ok_or_else(|| {
                    format!("DOCTOWN_EMBED_TIMEOUT_SECS={v:?} is not a positive number")
                })?;
            self.timeout_ms = (secs * 1000.0).ceil() as u64;
        }
        let n = number("DOCTOWN_EMBED_CONCURRENCY")?;
        self.concurrency = n.map_or(self.concurrency, |n| n as usize);
        let n = number("DOCTOWN_EMBED_BATCH_SIZE")?;
        self.batch_size = n.map_or(self.batch_size, |n| n as usize);
        let n = number("DOCTOWN_EMBED_RETRIES")?;
        self.retries = n.map_or(self.retries, |n| n.min(u64::from(u32::MAX)) as u32);
        self.backoff_ms = number("DOCTOWN_EMBED_BACKOFF_MS")?.unwrap_or(self.backoff_ms);
        Ok(self)
    }

    /// Checks the settings, with the variable to fix in each message.
    pub fn validate(&self) -> Result<(), String> {
        let url = self.base_url.as_str();
        if !(url.starts_with("http://") || url.starts_with("https://"))
            || url.len() <= "https://".len()
            || url.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(format!(
                "embedding base URL {url:?} must be an http:// or https:// URL (DOCTOWN_EMBED_BASE_URL)"
            ));
        }
        if self.model.is_empty() {
            return Err(
                "the openai embedding backend needs a model: set DOCTOWN_EMBED_MODEL".into(),
            );
        }
        if self.model.len() > 256
            || self
                .model
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(format!(
                "remote embedding model {:?} must be a non-empty name without spaces: set DOCTOWN_EMBED_MODEL",
                self.model
            ));
        }
        if url.starts_with("https://") && self.api_key == ApiKey::Unset {
            return Err(format!(
                "{url} is https but no API key is set: set DOCTOWN_EMBED_API_KEY (or OPENAI_API_KEY), \
                 or DOCTOWN_EMBED_API_KEY=none for a server that needs none"
            ));
        }
        let checks = [
            ("DOCTOWN_EMBED_CONCURRENCY", self.concurrency as u64, 1, 64),
            ("DOCTOWN_EMBED_BATCH_SIZE", self.batch_size as u64, 1, 2048),
            ("DOCTOWN_EMBED_RETRIES", u64::from(self.retries), 0, 20),
            (
                "DOCTOWN_EMBED_TIMEOUT_SECS (ms)",
                self.timeout_ms,
                1,
                3_600_000,
            ),
            ("DOCTOWN_EMBED_BACKOFF_MS", self.backoff_ms, 0, 60_000),
        ];
        for (name, value, low, high) in checks {
            if !(low..=high).contains(&value) {
                return Err(format!("{name} is {value}, must be within {low}..={high}"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(vars: &[(&str, &str)]) -> Result<RemoteConfig, String> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let config = RemoteConfig::default().read_env(&|name| vars.get(name).cloned())?;
        config.validate().map(|()| config)
    }

    #[test]
    fn env_is_read_and_checked() {
        let c = read(&[
            ("DOCTOWN_EMBED_BASE_URL", "http://127.0.0.1:8080/v1/"),
            ("DOCTOWN_EMBED_MODEL", "BAAI/bge-small-en-v1.5"),
            ("DOCTOWN_EMBED_TIMEOUT_SECS", "0.25"),
            ("DOCTOWN_EMBED_CONCURRENCY", "8"),
        ])
        .unwrap();
        assert_eq!(c.endpoint(), "http://127.0.0.1:8080/v1/embeddings");
        assert_eq!(
            (c.timeout_ms, c.concurrency, c.api_key.secret()),
            (250, 8, None)
        );
        assert_eq!(c.model_id(), "openai:BAAI/bge-small-en-v1.5");
        assert!(c.cache_id().starts_with("openai@BAAI_bge-small-en-v1.5-"));
        let other = RemoteConfig {
            model: "BAAI_bge-small-en-v1.5".into(),
            ..c.clone()
        };
        assert_ne!(c.cache_id(), other.cache_id());
        assert!(read(&[("DOCTOWN_EMBED_MODEL", "m")])
            .unwrap_err()
            .contains("DOCTOWN_EMBED_API_KEY"));
        let key = read(&[
            ("DOCTOWN_EMBED_MODEL", "m"),
            ("OPENAI_API_KEY", "sk-secret"),
        ])
        .unwrap();
        assert_eq!(key.api_key.secret(), Some("sk-secret"));
        assert!(!format!("{key:?}").contains("sk-secret"));
        assert!(!serde_json::to_string(&key).unwrap().contains("sk-secret"));
        let none = read(&[
            ("DOCTOWN_EMBED_MODEL", "m"),
            ("DOCTOWN_EMBED_API_KEY", "none"),
        ]);
        assert_eq!(none.unwrap().api_key, ApiKey::None);
        assert!(read(&[]).unwrap_err().contains("DOCTOWN_EMBED_MODEL"));
        let bad = [
            ("DOCTOWN_EMBED_BASE_URL", "ftp://x"),
            ("DOCTOWN_EMBED_CONCURRENCY", "0"),
            ("DOCTOWN_EMBED_TIMEOUT_SECS", "-1"),
            ("DOCTOWN_EMBED_RETRIES", "many"),
        ];
        for (name, value) in bad {
            let err = read(&[
                ("DOCTOWN_EMBED_MODEL", "m"),
                ("DOCTOWN_EMBED_API_KEY", "k"),
                (name, value),
            ]);
            assert!(err.unwrap_err().contains(name), "{name}={value}");
        }
    }
}
