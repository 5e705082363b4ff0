//! One `POST {base}/embeddings` with retries.
//!
//! Why retry here: embedding servers shed load with 429 and 503, restart
//! (connection refused, 502), or stall under a burst (timeouts); a job of
//! thousands of batches should ride through that. Retried: 408, 429, every
//! 5xx, timeouts and connection errors, up to `retries` times after the
//! first attempt, waiting `backoff × 2^n` (capped at 30 s) with jitter (a
//! uniformly random wait between half and all of it, so that batches in
//! flight do not retry in lockstep), or what `Retry-After` says (seconds,
//! capped at 60 s) when the server says it. Not retried: other 4xx (a wrong
//! key, an unknown model, a text too long — the same request would fail
//! again). When the retries run out, one line names the endpoint, the last
//! problem and the number of attempts.
//!
//! Each attempt has its own timeout (`timeout_ms`, covering connect, send
//! and the whole answer). The key goes only into the `Authorization` header
//! and into no message (scrubbed from error bodies that echo it).

use crate::error::EmbedError;
use crate::remote::config::RemoteConfig;
use doctown_core::ErrorKind;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The largest answer read (a batch of 2048 vectors of 3072 floats as JSON).
const MAX_BODY: u64 = 512 << 20;
const MAX_BACKOFF: Duration = Duration::from_secs(30);
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The HTTP side of the remote backend.
pub(crate) struct Client {
    agent: ureq::Agent,
    endpoint: String,
    /// The key alone, to scrub from what a server echoes.
    key: Option<String>,
    authorization: Option<String>,
    retries: u32,
    backoff: Duration,
}

/// What one attempt gave.
enum Attempt {
    Done(Vec<u8>),
    /// Worth another try; `wait` is what `Retry-After` asked for.
    Retry {
        problem: String,
        wait: Option<Duration>,
    },
    Fail(String),
}

impl Client {
    pub(crate) fn new(config: &RemoteConfig) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(format!("doctown/{}", doctown_core::VERSION))
            .timeout_global(Some(Duration::from_millis(config.timeout_ms.max(1))))
            .build()
            .into();
        Client {
            agent,
            endpoint: config.endpoint(),
            key: config.api_key.secret().map(str::to_string),
            authorization: config.api_key.secret().map(|k| format!("Bearer {k}")),
            retries: config.retries,
            backoff: Duration::from_millis(config.backoff_ms),
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
        abort: &AtomicBool,
    ) -> Result<Vec<u8>, EmbedError> {
        let mut attempt = 0u32;
        loop {
            let (problem, wait) = match self.attempt(body) {
                Attempt::Done(bytes) => return Ok(bytes),
                Attempt::Fail(problem) => return Err(self.error(ErrorKind::Invalid, problem)),
                Attempt::Retry { problem, wait } => (problem, wait),
            };
            if attempt >= self.retries {
                return Err(self.error(
                    ErrorKind::Transient,
                    format!(
                        "{problem}; gave up after {} attempts (DOCTOWN_EMBED_RETRIES={})",
                        attempt + 1,
                        self.retries
                    ),
                ));
            }
            let wait = wait.unwrap_or_else(|| backoff(self.backoff, attempt));
            tracing::warn!(endpoint = %self.endpoint, %problem, attempt = attempt + 1, wait_ms = wait.as_millis() as u64, "embedding request failed; retrying");
            if !sleep_unless(abort, wait) {
                return Err(EmbedError::Cancelled);
            }
            attempt += 1;
        }
    }

    fn attempt(&self, body: &serde_json::Value) -> Attempt {
        let mut request = self.agent.post(&self.endpoint);
        if let Some(authorization) = &self.authorization {
            request = request.header("Authorization", authorization);
        }
        let mut response = match request.send_json(body) {
            Ok(response) => response,
            Err(e) => return transport_error(e),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let bytes = match response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
        {
            Ok(bytes) => bytes,
            Err(e) if (200..300).contains(&status) => return transport_error(e),
            Err(_) => Vec::new(),
        };
        if (200..300).contains(&status) {
            return Attempt::Done(bytes);
        }
        let mut problem = format!("HTTP {status}: {}", snippet(&bytes));
        if let Some(key) = self.key.as_deref().filter(|k| !k.is_empty()) {
            // A server may echo the key it refused.
            problem = problem.replace(key, "<redacted>");
        }
        if status == 408 || status == 429 || status >= 500 {
            Attempt::Retry {
                problem,
                wait: retry_after,
            }
        } else {
            Attempt::Fail(problem)
        }
    }
}

/// Timeouts and connection problems are retried; the rest are not.
fn transport_error(e: ureq::Error) -> Attempt {
    match e {
        ureq::Error::Timeout(_) => Attempt::Retry {
            problem: "no answer within DOCTOWN_EMBED_TIMEOUT_SECS".into(),
            wait: None,
        },
        ureq::Error::Io(_)
        | ureq::Error::ConnectionFailed
        | ureq::Error::HostNotFound
        | ureq::Error::Protocol(_) => Attempt::Retry {
            problem: format!("cannot reach it: {e}"),
            wait: None,
        },
        other => Attempt::Fail(format!("the request failed: {other}")),
    }
}

/// The start of an error body, on one line.
fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(200) {
        Some((end, _)) => format!("{}…", &line[..end]),
        None if line.is_empty() => "(empty body)".into(),
        None => line,
    }
}

/// `Retry-After` in seconds (an HTTP date is ignored: backoff applies).
fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs).min(MAX_RETRY_AFTER))
}

/// `base × 2^attempt`, capped, then a uniformly random part of its upper half.
fn backoff(base: Duration, attempt: u32) -> Duration {
    let full = base
        .saturating_mul(1u32 << attempt.min(16))
        .min(MAX_BACKOFF);
    let random = std::collections::hash_map::RandomState::new().hash_one(Instant::now());
    let half = full / 2;
    half + half.mul_f64((random % 10_000) as f64 / 10_000.0)
}

/// Sleeps `wait` in short steps; `false` when `abort` was set meanwhile.
fn sleep_unless(abort: &AtomicBool, wait: Duration) -> bool {
    let until = Instant::now() + wait;
    loop {
        if abort.load(Ordering::SeqCst) {
            return false;
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let base = Duration::from_millis(100);
        for attempt in 0..4 {
            let full = base * (1 << attempt);
            let d = backoff(base, attempt);
            assert!(d >= full / 2 && d <= full, "{attempt}: {d:?}");
        }
        assert!(backoff(base, 30) <= MAX_BACKOFF);
        assert_eq!(parse_retry_after(" 2 "), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("9999"), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(snippet(b"a\n  b"), "a b");
        assert_eq!(snippet(b""), "(empty body)");
    }
}
