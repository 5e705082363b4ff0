//! One `POST {base}/embeddings` with retries, through `doctown-http`'s
//! [`ApiClient`] (the client the generate stage's chat model uses too).
//!
//! Why retry here: embedding servers shed load with 429 and 503, restart
//! (connection refused, 502), or stall under a burst (timeouts); a job of
//! thousands of batches should ride through that. Retried what
//! [`ApiError::is_retryable`] says can pass (408, 429 but an exhausted
//! quota, every 5xx, timeouts and connection errors), up to `retries`
//! times after the first attempt, waiting as [`Backoff`] says: `backoff ×
//! 2^n` (capped at 30 s) with equal jitter, or what `Retry-After` says
//! (capped at 60 s). Not retried: other 4xx (a wrong key, an unknown
//! model, a text too long — the same request would fail again). When the
//! retries run out, one line names the endpoint, the last problem and the
//! number of attempts.
//!
//! Each attempt has its own timeout (`timeout_ms`, covering connect, send
//! and the whole answer). The key goes only into the `Authorization` header
//! and into no message (scrubbed from error bodies that echo it).

use crate::error::EmbedError;
use crate::remote::config::RemoteConfig;
use doctown_core::ErrorKind;
use doctown_http::{random01, ApiClient, ApiConfig, ApiError, Backoff, Timeouts};
use doctown_pipeline::CancelToken;
use std::time::Duration;

const MAX_BACKOFF: Duration = Duration::from_secs(30);
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The HTTP side of the remote backend.
pub(crate) struct Client {
    api: ApiClient,
    endpoint: String,
    retries: u32,
    backoff: Backoff,
}

impl Client {
    pub(crate) fn new(config: &RemoteConfig) -> Client {
        let api = ApiConfig {
            base_url: config.base_url.clone(),
            api_key: config.api_key.secret().map(str::to_string),
            ..Default::default()
        };
        let timeouts = Timeouts {
            connect: None,
            total: Some(Duration::from_millis(config.timeout_ms.max(1))),
        };
        let base = Duration::from_millis(config.backoff_ms);
        Client {
            api: ApiClient::new(api, timeouts),
            endpoint: config.endpoint(),
            retries: config.retries,
            backoff: Backoff::new(base, MAX_BACKOFF, MAX_RETRY_AFTER),
        }
    }

    pub(crate) fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// An error about this endpoint.
    pub(crate) fn error(&self, kind: ErrorKind, problem: impl std::fmt::Display) -> EmbedError {
        EmbedError::Remote {
            message: format!("embedding server {}: {problem}", self.endpoint),
            kind,
        }
    }

    /// Posts `body`, retrying as the module docs say; the answer's bytes.
    /// Stops early (`Cancelled`) when `abort` is set between attempts.
    pub(crate) fn post(
        &self,
        body: &serde_json::Value,
        abort: &CancelToken,
    ) -> Result<Vec<u8>, EmbedError> {
        let mut attempt = 1u32;
        loop {
            let error = match self.api.post_bytes("embeddings", body) {
                Ok(bytes) => return Ok(bytes),
                Err(error) => error,
            };
            let problem = problem(&error);
            if !error.is_retryable() {
                return Err(self.error(ErrorKind::Invalid, problem));
            }
            if attempt > self.retries {
                return Err(self.error(
                    ErrorKind::Transient,
                    format!(
                        "{problem}; gave up after {attempt} attempts (DOCTOWN_EMBED_RETRIES={})",
                        self.retries
                    ),
                ));
            }
            let wait = self.backoff.delay(attempt, error.retry_after(), random01());
            tracing::warn!(endpoint = %self.endpoint, %problem, attempt, wait_ms = wait.as_millis() as u64, "embedding request failed; retrying");
            if abort.sleep(wait) {
                return Err(EmbedError::Cancelled);
            }
            attempt += 1;
        }
    }
}

/// What went wrong, as the embed stage says it.
fn problem(error: &ApiError) -> String {
    match (error, error.status()) {
        (ApiError::Timeout, _) => "no answer within DOCTOWN_EMBED_TIMEOUT_SECS".into(),
        (ApiError::Connect(message), _) => format!("cannot reach it: {message}"),
        (_, Some(status)) => format!("HTTP {status}: {}", error.message()),
        (_, None) => format!("the request failed: {}", error.message()),
    }
}
