//! OpenAI-compatible APIs: where an operation is (`{base}/chat/completions`,
//! `{base}/embeddings`, or an Azure deployment's), the credentials, and
//! every answer that is not a success classified as an [`ApiError`] that
//! says whether trying again can help and whether every other request
//! will fail the same way.

use crate::client::{Http, HttpError, Reply, Streamed, Timeouts};
use std::time::Duration;

/// An Azure OpenAI deployment (the deployment-style endpoint; Azure's v1
/// endpoint is a plain `base_url`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Azure {
    pub deployment: String,
    pub api_version: String,
}

/// Where an API is and how to sign in to it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ApiConfig {
    /// e.g. `https://api.openai.com/v1`, `http://localhost:11434/v1`.
    pub base_url: String,
    pub api_key: Option<String>,
    pub organization: Option<String>,
    pub project: Option<String>,
    pub azure: Option<Azure>,
}

impl std::fmt::Debug for ApiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("organization", &self.organization)
            .field("project", &self.project)
            .field("azure", &self.azure)
            .finish()
    }
}

/// Why a request to an API failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    #[error("unauthorized ({status}): {message}")]
    Unauthorized { status: u16, message: String },
    #[error("rate limited (429): {message}")]
    RateLimited {
        retry_after: Option<Duration>,
        message: String,
    },
    #[error("quota exceeded (429): {message}")]
    QuotaExceeded { message: String },
    #[error("model not found ({status}): {message}")]
    NotFound { status: u16, message: String },
    #[error("server error ({status}): {message}")]
    Server { status: u16, message: String },
    #[error("bad request ({status}): {message}")]
    BadRequest { status: u16, message: String },
    #[error("request timed out")]
    Timeout,
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("transport error: {0}")]
    Transport(String),
    #[error("invalid response: {0}")]
    Protocol(String),
}

impl ApiError {
    /// Whether trying the same request again can help.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ApiError::RateLimited { .. }
                | ApiError::Server { .. }
                | ApiError::Timeout
                | ApiError::Connect(_)
                | ApiError::Transport(_)
                | ApiError::Protocol(_)
        )
    }

    /// Whether every other request will fail the same way.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            ApiError::Unauthorized { .. }
                | ApiError::QuotaExceeded { .. }
                | ApiError::NotFound { .. }
        )
    }

    /// The server's requested wait (429 `Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ApiError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status of an answer that was not a success.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Unauthorized { status, .. }
            | ApiError::NotFound { status, .. }
            | ApiError::Server { status, .. }
            | ApiError::BadRequest { status, .. } => Some(*status),
            ApiError::RateLimited { .. } | ApiError::QuotaExceeded { .. } => Some(429),
            _ => None,
        }
    }

    /// What the server said, where the error carries it.
    fn message_mut(&mut self) -> Option<&mut String> {
        match self {
            ApiError::Unauthorized { message, .. }
            | ApiError::RateLimited { message, .. }
            | ApiError::QuotaExceeded { message }
            | ApiError::NotFound { message, .. }
            | ApiError::Server { message, .. }
            | ApiError::BadRequest { message, .. } => Some(message),
            _ => None,
        }
    }

    /// What the server or the transport said.
    pub fn message(&self) -> String {
        match self {
            ApiError::Unauthorized { message, .. }
            | ApiError::RateLimited { message, .. }
            | ApiError::QuotaExceeded { message }
            | ApiError::NotFound { message, .. }
            | ApiError::Server { message, .. }
            | ApiError::BadRequest { message, .. }
            | ApiError::Connect(message)
            | ApiError::Transport(message)
            | ApiError::Protocol(message) => message.clone(),
            ApiError::Timeout => "no answer in time".into(),
        }
    }

    /// A short reason, on one line.
    pub fn reason(&self) -> String {
        let text = self.to_string();
        let line = text.lines().next().unwrap_or("");
        line.chars().take(240).collect()
    }

    /// A reply that is not a success, by its status and the API's error
    /// (`{"error": {"message", "code", "type"}}`).
    pub fn of_reply(reply: &Reply) -> ApiError {
        let (message, code) = api_message(&reply.text());
        let status = reply.status;
        match status {
            401 | 403 => ApiError::Unauthorized { status, message },
            404 => ApiError::NotFound { status, message },
            429 if code.contains("insufficient_quota") => ApiError::QuotaExceeded { message },
            429 => ApiError::RateLimited {
                retry_after: reply.retry_after,
                message,
            },
            408 | 409 | 425 | 500..=599 => ApiError::Server { status, message },
            _ => ApiError::BadRequest { status, message },
        }
    }
}

impl From<HttpError> for ApiError {
    fn from(e: HttpError) -> Self {
        match e {
            HttpError::Timeout { .. } => ApiError::Timeout,
            HttpError::Connect { message, .. } => ApiError::Connect(message),
            HttpError::Transport { message, .. } => ApiError::Transport(message),
        }
    }
}

/// The API's error message and `code type`, or the start of the body.
fn api_message(body: &str) -> (String, String) {
    let parsed: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let error = parsed.as_ref().map(|v| &v["error"]);
    let message = error
        .and_then(|e| e["message"].as_str())
        .map(str::to_string);
    let code = error.map(|e| {
        format!(
            "{} {}",
            e["code"].as_str().unwrap_or(""),
            e["type"].as_str().unwrap_or("")
        )
    });
    let message = message.unwrap_or_else(|| {
        let line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
        line.chars().take(200).collect()
    });
    (message, code.unwrap_or_default())
}

/// A client of one OpenAI-compatible API.
#[derive(Debug, Clone)]
pub struct ApiClient {
    http: Http,
    config: ApiConfig,
}

impl ApiClient {
    pub fn new(config: ApiConfig, timeouts: Timeouts) -> ApiClient {
        ApiClient {
            http: Http::new(timeouts).with_max_body(512 << 20),
            config,
        }
    }

    /// Where `operation` (`chat/completions`, `embeddings`) is.
    pub fn url(&self, operation: &str) -> String {
        let base = self.config.base_url.trim_end_matches('/');
        match &self.config.azure {
            Some(azure) => format!(
                "{base}/openai/deployments/{}/{operation}?api-version={}",
                azure.deployment, azure.api_version
            ),
            None => format!("{base}/{operation}"),
        }
    }

    /// Posts `body` to `operation`: the answer, parsed, on a 2xx; else
    /// the classified failure (with the key scrubbed from any message
    /// that echoes it).
    pub fn post(
        &self,
        operation: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, ApiError> {
        let bytes = self.post_bytes(operation, body)?;
        serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::Protocol(format!("the answer is not JSON: {e}")))
    }

    /// [`ApiClient::post`], the answer's bytes as they came (for answers
    /// too large to hold twice).
    pub fn post_bytes(
        &self,
        operation: &str,
        body: &serde_json::Value,
    ) -> Result<Vec<u8>, ApiError> {
        let headers = self.headers();
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = self
            .http
            .post_json(&self.url(operation), &headers, body)
            .map_err(ApiError::from)?;
        if !reply.is_success() {
            return Err(self.scrubbed(ApiError::of_reply(&reply)));
        }
        Ok(reply.body)
    }

    /// [`ApiClient::post`], the answer read as it arrives (`"stream":
    /// true` chat completions: an event stream, or JSON from a server that
    /// does not stream).
    pub fn post_streamed(
        &self,
        operation: &str,
        body: &serde_json::Value,
    ) -> Result<Streamed, ApiError> {
        let headers = self.headers();
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        match self
            .http
            .post_json_streamed(&self.url(operation), &headers, body)
        {
            Ok(Ok(streamed)) => Ok(streamed),
            Ok(Err(reply)) => Err(self.scrubbed(ApiError::of_reply(&reply))),
            Err(e) => Err(ApiError::from(e)),
        }
    }

    /// The credentials' headers: `api-key` for an Azure deployment, else
    /// a bearer token; the organization and project when set.
    fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = Vec::new();
        match (&self.config.azure, &self.config.api_key) {
            (Some(_), Some(key)) => headers.push(("api-key", key.clone())),
            (None, Some(key)) => headers.push(("Authorization", format!("Bearer {key}"))),
            (_, None) => {}
        }
        if let Some(org) = &self.config.organization {
            headers.push(("OpenAI-Organization", org.clone()));
        }
        if let Some(project) = &self.config.project {
            headers.push(("OpenAI-Project", project.clone()));
        }
        headers
    }

    /// `error` without the key, should the server have echoed it.
    fn scrubbed(&self, mut error: ApiError) -> ApiError {
        let key = self.config.api_key.as_deref().filter(|k| !k.is_empty());
        if let (Some(key), Some(message)) = (key, error.message_mut()) {
            *message = message.replace(key, "<redacted>");
        }
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, retry_after: Option<Duration>, body: &str) -> Reply {
        Reply {
            status,
            retry_after,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn statuses_are_classified() {
        let of = |status, body| ApiError::of_reply(&reply(status, None, body));
        assert!(matches!(of(401, "{}"), ApiError::Unauthorized { .. }));
        let quota =
            r#"{"error":{"message":"You exceeded your quota","code":"insufficient_quota"}}"#;
        assert!(matches!(of(429, quota), ApiError::QuotaExceeded { .. }));
        let limited = ApiError::of_reply(&reply(
            429,
            Some(Duration::from_secs(2)),
            r#"{"error":{"message":"slow down"}}"#,
        ));
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(2)));
        assert!(limited.is_retryable() && !limited.is_fatal());
        assert!(of(503, "<html>").is_retryable());
        assert!(!of(400, "bad").is_retryable());
        assert!(of(404, "no model").is_fatal());
    }

    #[test]
    fn urls_for_openai_and_azure_deployments() {
        let client = |azure| {
            ApiClient::new(
                ApiConfig {
                    base_url: "https://x.example/v1/".into(),
                    azure,
                    ..Default::default()
                },
                Timeouts::default(),
            )
        };
        assert_eq!(
            client(None).url("embeddings"),
            "https://x.example/v1/embeddings"
        );
        let azure = Azure {
            deployment: "gpt".into(),
            api_version: "2024-10-21".into(),
        };
        assert_eq!(
            client(Some(azure)).url("chat/completions"),
            "https://x.example/v1/openai/deployments/gpt/chat/completions?api-version=2024-10-21"
        );
    }

    #[test]
    fn an_echoed_key_is_scrubbed_and_never_debug_printed() {
        let config = ApiConfig {
            base_url: "http://x".into(),
            api_key: Some("sk-secret".into()),
            ..Default::default()
        };
        let client = ApiClient::new(config.clone(), Timeouts::default());
        let error = client.scrubbed(ApiError::of_reply(&reply(
            401,
            None,
            r#"{"error":{"message":"bad key sk-secret"}}"#,
        )));
        assert!(!error.to_string().contains("sk-secret"), "{error}");
        assert!(!format!("{config:?} {client:?}").contains("sk-secret"));
    }
}
