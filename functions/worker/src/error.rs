//! Worker errors, with whether a retry can help.

use doctown_core::{ErrorKind, JobId, Stage};
use doctown_pipeline::RunError;
use doctown_queue::QueueError;
use doctown_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("job {0} not found")]
    UnknownJob(JobId),
    #[error("this worker has no handler for stage {0}")]
    NoHandler(Stage),
    #[error("invalid request: {0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error("{0}")]
    Run(#[from] RunError),
    #[error("HTTP {url}: {message}")]
    Http {
        url: String,
        message: String,
        retryable: bool,
    },
    #[error("configuration: {0}")]
    Config(String),
}

impl WorkerError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            WorkerError::UnknownJob(_)
            | WorkerError::NoHandler(_)
            | WorkerError::Invalid(_)
            | WorkerError::Config(_) => ErrorKind::Invalid,
            WorkerError::Store(e) => e.kind(),
            WorkerError::Queue(e) => e.kind(),
            WorkerError::Run(RunError::Store(e)) => e.kind(),
            WorkerError::Run(RunError::StageFailed { failure, .. }) => failure.kind,
            WorkerError::Run(_) => ErrorKind::Invalid,
            WorkerError::Http { retryable, .. } => {
                if *retryable {
                    ErrorKind::Transient
                } else {
                    ErrorKind::Invalid
                }
            }
        }
    }

    pub fn is_retryable(&self) -> bool {
        self.kind().is_retryable()
    }
}
