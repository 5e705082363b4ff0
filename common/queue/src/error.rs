//! Queue errors, with whether a retry can help.

use doctown_core::ErrorKind;

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("queue {queue} does not exist")]
    NotFound { queue: String },
    #[error("queue {queue}: invalid request: {message}")]
    Invalid { queue: String, message: String },
    #[error("queue {queue}: {message}")]
    Backend {
        queue: String,
        message: String,
        retryable: bool,
    },
}

impl QueueError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            QueueError::NotFound { .. } | QueueError::Invalid { .. } => ErrorKind::Invalid,
            QueueError::Backend { retryable, .. } => {
                if *retryable {
                    ErrorKind::Transient
                } else {
                    ErrorKind::Invalid
                }
            }
        }
    }
}
