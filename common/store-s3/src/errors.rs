//! Turning SDK errors into [`StoreError`]s: lost races, missing objects,
//! and whether a retry can help. Messages carry the full error chain
//! (`DisplayErrorContext`).

use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use doctown_store::StoreError;

/// What an SDK error means to a store operation.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A conditional write lost: 412, 409, or 404 on `If-Match`.
    Precondition,
    /// The object (or bucket) does not exist.
    NotFound,
    Other(StoreError),
}

/// Classifies any operation's SDK error.
pub(crate) fn classify<E, R>(key: &str, err: SdkError<E, R>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + HttpStatus,
{
    let status = err.raw_response().map(|r| r.http_status());
    let code = match &err {
        SdkError::ServiceError(service) => service.err().code().map(str::to_string),
        _ => None,
    };
    match (code.as_deref(), status) {
        (Some("PreconditionFailed" | "ConditionalRequestConflict"), _) | (_, Some(412 | 409)) => {
            return Failure::Precondition
        }
        (Some("NoSuchKey" | "NotFound"), _) | (_, Some(404)) => return Failure::NotFound,
        _ => {}
    }
    let retryable = match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(_) => {
            status.is_some_and(|s| s >= 500 || s == 429)
                || matches!(
                    code.as_deref(),
                    Some("SlowDown" | "Throttling" | "RequestTimeout" | "InternalError")
                )
        }
        _ => false,
    };
    Failure::Other(StoreError::Backend {
        key: key.to_string(),
        message: DisplayErrorContext(&err).to_string(),
        retryable,
    })
}

impl Failure {
    /// As a store error, for operations where the special cases are errors.
    pub(crate) fn into_error(self, key: &str) -> StoreError {
        match self {
            Failure::Precondition => StoreError::PreconditionFailed {
                key: key.to_string(),
            },
            Failure::NotFound => StoreError::NotFound {
                key: key.to_string(),
            },
            Failure::Other(e) => e,
        }
    }
}

/// The HTTP status of a raw response.
pub(crate) trait HttpStatus {
    fn http_status(&self) -> u16;
}

impl HttpStatus for aws_sdk_s3::config::http::HttpResponse {
    fn http_status(&self) -> u16 {
        self.status().as_u16()
    }
}

/// A store error from a failure outside the SDK (reading the caller's
/// stream, a body that broke off).
pub(crate) fn backend(key: &str, message: impl Into<String>, retryable: bool) -> StoreError {
    StoreError::Backend {
        key: key.to_string(),
        message: message.into(),
        retryable,
    }
}
