//! Errors of the assemble stage, one line each.

use doctown_core::ErrorKind;
use doctown_pipeline::StageFailure;
use doctown_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AssembleError {
    /// Bad input: vectors with NaN or the wrong dimension, missing artifacts.
    #[error("{0}")]
    Invalid(String),
    #[error("invalid assemble options: {0}")]
    Options(String),
    #[error("clustering failed: {0}")]
    Clustering(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The local disk that large artifacts are spooled to failed.
    #[error("writing the assemble artifacts: {0}")]
    Io(String),
    #[error("cancelled")]
    Cancelled,
}

impl AssembleError {
    /// Whether running again can help.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AssembleError::Invalid(_) | AssembleError::Options(_) | AssembleError::Cancelled => {
                ErrorKind::Invalid
            }
            AssembleError::Clustering(_) => ErrorKind::Internal,
            AssembleError::Io(_) => ErrorKind::Transient,
            AssembleError::Store(e) => e.kind(),
        }
    }
}

impl From<AssembleError> for StageFailure {
    fn from(e: AssembleError) -> Self {
        match e {
            AssembleError::Cancelled => StageFailure::cancelled(),
            other => StageFailure::new(other.kind(), other.to_string()),
        }
    }
}
