//! The embedder a configuration chooses: the local ONNX model or a remote
//! endpoint. The stage, the prefetcher, [`crate::embed_jsonl`] and query
//! hosts go through [`Backend`] (its texts are embedded by the `engine`
//! module), so they do not care which one runs; the ONNX path is exactly
//! the one it was.

use crate::config::{BackendKind, EmbedConfig};
use crate::error::EmbedError;
use crate::model::Embedder;
use crate::remote::RemoteEmbedder;
use std::sync::Arc;

/// A loaded (ONNX) or configured (remote) embedder, cheap to clone.
#[derive(Clone)]
pub enum Backend {
    Onnx(Arc<Embedder>),
    Remote(Arc<RemoteEmbedder>),
}

impl Backend {
    /// The process-wide embedder for this configuration: the ONNX model
    /// is loaded on first use; the remote one makes no request yet.
    pub fn shared(config: &EmbedConfig) -> Result<Backend, EmbedError> {
        match config.backend {
            BackendKind::Onnx => Embedder::shared(config).map(Backend::Onnx),
            BackendKind::OpenAi => RemoteEmbedder::shared(&config.remote).map(Backend::Remote),
        }
    }

    /// The id docpacks name ([`EmbedConfig::embedding_model_id`]).
    pub fn model_id(&self) -> &str {
        match self {
            Backend::Onnx(e) => e.model_id(),
            Backend::Remote(r) => r.model_id(),
        }
    }

    /// The vectors' length; the remote backend may ask its server (once).
    pub fn dims(&self) -> Result<usize, EmbedError> {
        match self {
            Backend::Onnx(e) => Ok(e.dims()),
            Backend::Remote(r) => r.dims(),
        }
    }

    /// `cpu`, `cuda` or `remote`.
    pub fn device(&self) -> &'static str {
        match self {
            Backend::Onnx(e) => e.device(),
            Backend::Remote(_) => "remote",
        }
    }
}
