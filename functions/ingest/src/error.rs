//! Ingest errors.

use doctown_core::ErrorKind;
use doctown_pipeline::StageFailure;
use doctown_sources::SourceError;
use doctown_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the source files add up to {total} bytes, over the limit of {limit} bytes (raise --max-total-bytes)")]
    TooLarge { total: u64, limit: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Options(String),
    #[error("cancelled")]
    Cancelled,
    #[error("cannot use the SCIP index {path}: {message}")]
    Scip { path: String, message: String },
    /// The job's own GitHub token cannot be had (see `JobTokens`).
    #[error("{0}")]
    Token(doctown_sources::TokenError),
}

impl IngestError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            IngestError::Source(e) => e.kind(),
            IngestError::Store(e) => e.kind(),
            IngestError::Token(e) if e.retryable => ErrorKind::Transient,
            IngestError::Token(_) => ErrorKind::Invalid,
            IngestError::Read { .. }
            | IngestError::TooLarge { .. }
            | IngestError::Options(_)
            | IngestError::Scip { .. }
            | IngestError::Cancelled => ErrorKind::Invalid,
        }
    }
}

impl From<IngestError> for StageFailure {
    fn from(e: IngestError) -> Self {
        StageFailure::new(e.kind(), e.to_string())
    }
}
