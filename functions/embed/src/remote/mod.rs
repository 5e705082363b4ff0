//! The remote embedding backend: texts go to an OpenAI-compatible
//! `POST {base}/embeddings` (`{"model": M, "input": [texts]}`), which
//! text-embeddings-inference, vLLM, Infinity, Ollama and OpenAI itself
//! serve. Why: a GPU server (or a hosted model) embeds far faster than the
//! CPU, and lets a docpack use a stronger model than all-MiniLM-L6-v2,
//! while the stage, its cache and its artifacts stay the same.
//!
//! Guarantees, so that no wrong vector is ever stored:
//! - every response is checked ([`response`]): one finite vector per text,
//!   placed by `index`;
//! - the first answer fixes the dimensions and the answering model; a later
//!   answer with other dimensions, or naming another model (or one other
//!   than `DOCTOWN_EMBED_MODEL`), fails the run: one model per docpack.
//!   The fixed facts live as long as the embedder, which is shared per
//!   configuration and process ([`RemoteEmbedder::shared`]), so the
//!   prefetcher and the stage agree;
//! - failures are retried with backoff ([`http`]), and batches run
//!   `concurrency` at a time ([`run`]).
//!
//! Vectors are L2-normalised as the local model's are. The embedded texts
//! are the local backend's ([`crate::text`]); the server applies its own
//! truncation (text-embeddings-inference needs `--auto-truncate` for chunks
//! longer than its model's limit, or answers 413/422, which is not retried).

pub mod config;
mod http;
pub mod response;
pub(crate) mod run;

use crate::error::EmbedError;
use config::RemoteConfig;
use doctown_core::ErrorKind;
use doctown_pipeline::CancelToken;
use response::Embeddings;
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex, OnceLock};

/// What the first answer fixed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fixed {
    dims: usize,
    model: Option<String>,
}

/// A remote embedding endpoint. `Send + Sync`; batches may run in parallel.
pub struct RemoteEmbedder {
    client: http::Client,
    model: String,
    model_id: String,
    concurrency: usize,
    batch_size: usize,
    fixed: OnceLock<Fixed>,
}

static SHARED: Mutex<Vec<(String, Arc<RemoteEmbedder>)>> = Mutex::new(Vec::new());

impl RemoteEmbedder {
    /// An embedder for `config` (validated); makes no request.
    pub fn new(config: &RemoteConfig) -> Result<RemoteEmbedder, EmbedError> {
        config.validate().map_err(EmbedError::Config)?;
        Ok(RemoteEmbedder {
            client: http::Client::new(config),
            model: config.model.clone(),
            model_id: config.model_id(),
            concurrency: config.concurrency.max(1),
            batch_size: config.batch_size.max(1),
            fixed: OnceLock::new(),
        })
    }

    /// The process-wide embedder for this configuration (the key counts as
    /// its hash), made on first use.
    pub fn shared(config: &RemoteConfig) -> Result<Arc<RemoteEmbedder>, EmbedError> {
        let key_hash = config
            .api_key
            .secret()
            .map(|k| hex::encode(Sha256::digest(k.as_bytes())));
        let key = format!("{config:?} {key_hash:?}");
        let mut shared = SHARED.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, embedder)) = shared.iter().find(|(k, _)| *k == key) {
            return Ok(embedder.clone());
        }
        let embedder = Arc::new(RemoteEmbedder::new(config)?);
        shared.push((key, embedder.clone()));
        Ok(embedder)
    }

    /// `openai:<model>`, as docpacks name it.
    pub fn model_id(&self) -> &str {
        &self.model_id
    }

    pub fn endpoint(&self) -> &str {
        self.client.endpoint()
    }

    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// The vectors' length: fixed by the first answer, or learnt now by
    /// embedding a probe text.
    pub fn dims(&self) -> Result<usize, EmbedError> {
        if let Some(fixed) = self.fixed.get() {
            return Ok(fixed.dims);
        }
        self.embed_batch(&["probe"], &CancelToken::default())?;
        Ok(self.fixed.get().map_or(0, |f| f.dims))
    }

    /// Embeds one batch (one request, retried): a unit vector per text, in
    /// order. `abort` cuts retries short when another batch already failed.
    pub fn embed_batch(
        &self,
        texts: &[&str],
        abort: &CancelToken,
    ) -> Result<Embeddings, EmbedError> {
        if texts.is_empty() {
            return Ok(Embeddings {
                vectors: Vec::new(),
                model: None,
                tokens: None,
            });
        }
        let body = serde_json::json!({"model": self.model, "input": texts});
        let bytes = self.client.post(&body, abort)?;
        let answer = response::parse(&bytes, texts.len())
            .map_err(|e| self.client.error(ErrorKind::Internal, e))?;
        self.check(&answer)?;
        Ok(answer)
    }

    /// Holds the answer to the facts the first one fixed (fixing them if
    /// this is the first), and its model to the configured one.
    fn check(&self, answer: &Embeddings) -> Result<(), EmbedError> {
        let this = Fixed {
            dims: answer.dims(),
            model: answer.model.clone(),
        };
        let refuse = |problem: String| {
            Err(self.client.error(
                ErrorKind::Internal,
                format!("{problem}; one model per docpack, so the run stops"),
            ))
        };
        let before = self.fixed.get().and_then(|f| f.model.as_ref());
        if let (Some(now), Some(before)) = (&this.model, before) {
            if now != before {
                return refuse(format!(
                    "answered with model {now:?}, but the first batch came from {before:?}"
                ));
            }
        }
        if let Some(now) = this.model.as_ref().filter(|m| **m != self.model) {
            return refuse(format!(
                "answered with model {now:?}, but DOCTOWN_EMBED_MODEL is {:?}",
                self.model
            ));
        }
        let first = self.fixed.get_or_init(|| this.clone());
        if this.dims != first.dims {
            return refuse(format!(
                "answered vectors of {} dimensions, but the first batch had {}",
                this.dims, first.dims
            ));
        }
        Ok(())
    }
}
