//! Errors of the embed stage: one line each, saying what to do about it, and
//! whether a retry can help ([`EmbedError::kind`]).

use crate::config::{FETCH_COMMAND, ORT_VERSION};
use doctown_core::ErrorKind;
use doctown_store::StoreError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("embedding model not found: {} has no {file}; run `{FETCH_COMMAND}` (or set DOCTOWN_MODEL_DIR)", .dir.display())]
    ModelMissing { dir: PathBuf, file: &'static str },
    #[error(
        "model file {} has sha256 {actual}, expected {expected}: the file is damaged or a different model; \
         run `{FETCH_COMMAND}` again, or set model_sha256 for another model",
        .path.display()
    )]
    ModelChecksum {
        path: PathBuf,
        expected: String,
        actual: String,
    },
    #[error("{} is not a usable ONNX model: {message}", .path.display())]
    InvalidModel { path: PathBuf, message: String },
    #[error("tokenizer {} cannot be loaded: {message}", .path.display())]
    Tokenizer { path: PathBuf, message: String },
    #[error(
        "ONNX Runtime library not found at {}: expected libonnxruntime.so.{ORT_VERSION} (1.31.x); \
         run `{FETCH_COMMAND}` or set DOCTOWN_ORT_LIB",
        .path.display()
    )]
    RuntimeMissing { path: PathBuf },
    #[error("ONNX Runtime at {} is version {found}, expected 1.31.x ({ORT_VERSION}); run `{FETCH_COMMAND}` or set DOCTOWN_ORT_LIB", .path.display())]
    RuntimeVersion { path: PathBuf, found: String },
    #[error("ONNX Runtime library {} cannot be loaded (expected 1.31.x): {message}", .path.display())]
    RuntimeLoad { path: PathBuf, message: String },
    #[error("invalid embed configuration: {0}")]
    Config(String),
    #[error("inference failed: {0}")]
    Inference(String),
    #[error("a GPU was asked for (DOCTOWN_EMBED_GPU) but cannot be used: {0}; unset DOCTOWN_EMBED_GPU to embed on the CPU")]
    GpuUnavailable(String),
    #[error("input line {line}: {message}")]
    Input { line: u64, message: String },
    #[error("invalid vectors file: {0}")]
    Vectors(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The remote embedding backend failed; the message names the endpoint.
    #[error("{message}")]
    Remote { message: String, kind: ErrorKind },
    #[error("cancelled")]
    Cancelled,
}

impl EmbedError {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        EmbedError::Io {
            context: context.into(),
            source,
        }
    }

    pub(crate) fn inference(e: impl std::fmt::Display) -> Self {
        EmbedError::Inference(e.to_string())
    }

    /// Whether running again can help.
    pub fn kind(&self) -> ErrorKind {
        match self {
            EmbedError::ModelMissing { .. }
            | EmbedError::ModelChecksum { .. }
            | EmbedError::InvalidModel { .. }
            | EmbedError::Tokenizer { .. }
            | EmbedError::RuntimeMissing { .. }
            | EmbedError::RuntimeVersion { .. }
            | EmbedError::RuntimeLoad { .. }
            | EmbedError::Config(_)
            | EmbedError::Input { .. }
            | EmbedError::Vectors(_)
            | EmbedError::Cancelled => ErrorKind::Invalid,
            // The host's fault, not the input's; another host may have one.
            EmbedError::Inference(_) | EmbedError::GpuUnavailable(_) => ErrorKind::Internal,
            EmbedError::Io { .. } => ErrorKind::Transient,
            EmbedError::Store(e) => e.kind(),
            EmbedError::Remote { kind, .. } => *kind,
        }
    }
}

impl From<EmbedError> for doctown_pipeline::StageFailure {
    fn from(e: EmbedError) -> Self {
        match e {
            EmbedError::Cancelled => doctown_pipeline::StageFailure::cancelled(),
            other => doctown_pipeline::StageFailure::new(other.kind(), other.to_string()),
        }
    }
}

impl From<doctown_core::vectors::VectorsError> for EmbedError {
    fn from(e: doctown_core::vectors::VectorsError) -> Self {
        match e {
            doctown_core::vectors::VectorsError::Invalid(message) => EmbedError::Vectors(message),
            doctown_core::vectors::VectorsError::Io(source) => {
                EmbedError::io("reading vectors", source)
            }
        }
    }
}
