//! The embed stage: all-MiniLM-L6-v2 (or any sentence-transformers ONNX
//! export) on ONNX Runtime through `ort`, turning each chunk into a 384-float
//! unit vector for similarity edges, clustering and semantic search.
//!
//! - [`EmbedConfig`]: model directory, runtime library, truncation, batch
//!   bounds, threads, GPU, backend; from defaults, the environment or job
//!   options.
//! - [`Backend`]: the embedder the configuration chooses — the local ONNX
//!   [`Embedder`] or a [`RemoteEmbedder`] ([`remote`]: an OpenAI-compatible
//!   `/embeddings` endpoint such as text-embeddings-inference, vLLM or
//!   OpenAI), so the stage does not care which runs.
//! - [`Embedder`]: tokenizer + session, loaded once per process
//!   ([`Embedder::shared`]); mean pooling and L2 normalisation
//!   ([`pooling`]).
//! - [`engine`]: many texts in batches on either backend, each batch
//!   reported to the caller's [`hooks`].
//! - [`text`]: what is embedded for a chunk (a compact header + the code).
//! - [`batching`]: length-bucketed batches and the streaming batcher.
//! - [`cache`]: vectors in the object store keyed by model and text hash.
//! - [`memo`]: the vectors of a source's last embed in one object, read
//!   before the cache on a rebuild.
//! - [`vectors`]: the `vectors.bin` artifact (`doctown_core::vectors`, where
//!   assemble and pack read it too).
//! - [`EmbedHandler`]: the stage; [`EmbedPrefetcher`]: embedding while
//!   ingest runs; [`embed_jsonl`]: per-stage invocation on JSON Lines.
//!
//! The runtime (`libonnxruntime.so.1.31.1`) and the model come from
//! `scripts/fetch-model.sh`; see this crate's README.md.

pub mod backend;
pub mod batching;
pub mod cache;
pub mod config;
pub mod engine;
pub mod error;
mod gpu;
pub mod handler;
pub mod hooks;
mod job_texts;
pub mod jsonl;
pub mod memo;
pub mod model;
pub mod pooling;
pub mod prefetch;
pub mod remote;
pub mod runtime;
pub mod session_cache;
pub mod stats;
pub mod text;
/// The `vectors.bin` artifact, in `doctown-core`.
pub use doctown_core::vectors;
mod verify;

/// The embed stage's event payloads (`doctown_core::events::embed`).
pub use doctown_core::events::embed as events;

pub use backend::Backend;
pub use batching::{BatchPlan, StreamingBatcher};
pub use cache::EmbeddingCache;
pub use config::{BackendKind, EmbedConfig, RemoteConfig};
pub use error::EmbedError;
pub use handler::EmbedHandler;
pub use jsonl::embed_jsonl;
pub use model::Embedder;
pub use prefetch::{EmbedPrefetcher, PrefetchStats};
pub use remote::RemoteEmbedder;
pub use stats::Stats;
pub use vectors::{VectorsReader, VectorsWriter};
pub use verify::sha256_file;
