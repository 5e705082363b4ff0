//! Errors that carry whether a retry can help.

/// What a caller can do about an error: the runtime adapters turn this into
/// "retry", "dead letter" or "fail the job".
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The input is wrong; running again gives the same answer.
    Invalid,
    /// Something outside us failed (network, rate limit, storage); a retry may help.
    Transient,
    /// A bug or broken invariant.
    Internal,
}

impl ErrorKind {
    /// Whether running the same work again can succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorKind::Transient)
    }
}

/// Validation errors of core values.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CoreError {
    #[error("invalid job id {0:?}: use 1-64 characters from a-z, 0-9, '-' and '_'")]
    InvalidJobId(String),
    #[error("unknown stage {0:?}: expected one of ingest, embed, assemble, generate, pack")]
    UnknownStage(String),
}
