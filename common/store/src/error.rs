//! Store errors, with whether a retry can help.

use doctown_core::ErrorKind;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("invalid object key {key:?}: {reason}")]
    InvalidKey { key: String, reason: &'static str },
    #[error("precondition failed writing {key}: the object changed")]
    PreconditionFailed { key: String },
    #[error("object {key} is corrupt: {message}")]
    Corrupt { key: String, message: String },
    #[error("object {key} not found")]
    NotFound { key: String },
    #[error("storage error on {key}: {source}")]
    Io {
        key: String,
        #[source]
        source: std::io::Error,
    },
    #[error("storage backend error on {key}: {message}")]
    Backend {
        key: String,
        message: String,
        retryable: bool,
    },
}

impl StoreError {
    pub fn io(key: &str, source: std::io::Error) -> Self {
        StoreError::Io {
            key: key.to_string(),
            source,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            StoreError::InvalidKey { .. }
            | StoreError::Corrupt { .. }
            | StoreError::NotFound { .. } => ErrorKind::Invalid,
            StoreError::PreconditionFailed { .. } | StoreError::Io { .. } => ErrorKind::Transient,
            StoreError::Backend { retryable, .. } => {
                if *retryable {
                    ErrorKind::Transient
                } else {
                    ErrorKind::Invalid
                }
            }
        }
    }
}
