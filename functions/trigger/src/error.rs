//! Errors: the crate's own error type and the JSON error responses the API
//! answers with (`{"error": "one line"}` and a proper status code).

use crate::launcher::LaunchError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use doctown_store::StoreError;

/// An API error: a status and one line for the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// Seconds to wait before retrying (sent as `Retry-After`, with 429).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        let message: String = message.into();
        ApiError {
            status,
            message: message.replace(['\n', '\r'], " "),
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }

    /// 429 with `Retry-After: seconds`.
    pub fn too_many(message: impl Into<String>, seconds: u64) -> Self {
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, message);
        e.retry_after = Some(seconds.max(1));
        e
    }
}

impl From<doctown_accounts::AccountsError> for ApiError {
    fn from(e: doctown_accounts::AccountsError) -> Self {
        use doctown_accounts::AccountsError as A;
        let status = match &e {
            A::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            A::NotFound(_) | A::NotConfigured(_) => StatusCode::NOT_FOUND,
            A::Invalid(_) => StatusCode::BAD_REQUEST,
            A::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            A::Forbidden(_) => StatusCode::FORBIDDEN,
            A::Quota(_) => StatusCode::PAYMENT_REQUIRED,
            A::Conflict(_) => StatusCode::CONFLICT,
            A::Upstream(_) => StatusCode::BAD_GATEWAY,
            A::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            A::RateLimited {
                message,
                retry_after,
            } => return ApiError::too_many(message.clone(), *retry_after),
        };
        // What the database said stays in the log: a client learns only
        // that the server failed (table names, constraint names and host
        // names are not theirs to read).
        let message = match &e {
            A::Internal(_) => {
                tracing::error!("accounts: {e}");
                "internal error (the server logged it)".to_string()
            }
            A::Unavailable(_) => {
                tracing::warn!("accounts: {e}");
                "the accounts database is unavailable; try again shortly".to_string()
            }
            _ => e.to_string(),
        };
        ApiError::new(status, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::warn!(status = %self.status, "{}", self.message);
        }
        let mut response = (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::InvalidKey { .. } => ApiError::bad_request(e.to_string()),
            StoreError::NotFound { .. } => ApiError::not_found(e.to_string()),
            StoreError::Corrupt { .. } => ApiError::internal(e.to_string()),
            _ => ApiError::unavailable(format!("storage: {e}")),
        }
    }
}

impl From<LaunchError> for ApiError {
    fn from(e: LaunchError) -> Self {
        let status = match &e {
            LaunchError::UnknownJob(_) => StatusCode::NOT_FOUND,
            LaunchError::Finished { .. } | LaunchError::Busy(_) => StatusCode::CONFLICT,
            LaunchError::NoHandler(_) => StatusCode::NOT_IMPLEMENTED,
            LaunchError::Unsupported(_) => StatusCode::BAD_REQUEST,
            LaunchError::Unavailable(_) | LaunchError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
            LaunchError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, e.to_string())
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        ApiError::internal(format!("internal task failed: {e}"))
    }
}

/// Middleware over the whole router: a refusal that is not JSON yet (an
/// extractor's rejection — a path segment that is not UTF-8, a malformed
/// query — answered by axum as plain text) becomes the API's one-line JSON
/// error with the same status, so every refusal reads the same.
pub async fn json_errors(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || json {
        return response;
    }
    let retry_after = response
        .headers()
        .get(axum::http::header::RETRY_AFTER)
        .cloned();
    let text = match axum::body::to_bytes(response.into_body(), 64 << 10).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_string(),
        Err(_) => String::new(),
    };
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_lowercase()
    } else {
        text
    };
    let mut answer = ApiError::new(status, message).into_response();
    if let Some(value) = retry_after {
        answer
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, value);
    }
    answer
}

/// Errors outside a request: configuration, schedules, serving.
#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("schedule: {0}")]
    Schedule(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Launch(#[from] LaunchError),
    #[error("server: {0}")]
    Serve(#[from] std::io::Error),
}

/// Runs blocking store work off the async threads.
pub(crate) async fn blocking<T, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work).await?
}
