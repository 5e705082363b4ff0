//! Payloads of the embed stage.
//!
//! `embedding.started.v1` once the chunks are read and looked up in the
//! cache; `embedding.batch_started.v1` / `embedding.batch_completed.v1`
//! around each batch the model runs (none when everything was cached; a
//! batch's `completed` may follow the next one's `started`, as its vectors
//! are stored while the next batch runs);
//! `embedding.completed.v1` at the end, with totals and a status. A fanned-out
//! stage emits these per chunk shard (`shard` set), and its fan-in one more
//! started/completed pair over the whole job.

use crate::{EventPayload, JobStatus};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbeddingStarted {
    pub model_id: String,
    /// The chunk shard, when the stage is fanned out; absent for the whole
    /// stage and its fan-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<u32>,
    /// Chunks to cover.
    pub chunks: u64,
    /// Distinct embedded texts among them.
    pub unique_texts: u64,
    /// Texts whose vectors were found in the cache.
    pub cache_hits: u64,
    /// Texts the model will embed.
    pub cache_misses: u64,
}

impl EventPayload for EmbeddingStarted {
    const TYPE: &'static str = "embedding.started.v1";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbeddingBatchStarted {
    /// 0-based batch number within the run.
    pub batch: u64,
    pub texts: u64,
    /// Real tokens in the batch.
    pub tokens: u64,
    /// Tokens the model computes: texts × longest text.
    pub padded_tokens: u64,
}

impl EventPayload for EmbeddingBatchStarted {
    const TYPE: &'static str = "embedding.batch_started.v1";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbeddingBatchCompleted {
    pub batch: u64,
    pub texts: u64,
    pub tokens: u64,
    pub duration_ms: u64,
}

impl EventPayload for EmbeddingBatchCompleted {
    const TYPE: &'static str = "embedding.batch_completed.v1";
}

/// Totals of an embed run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbeddingTotals {
    pub chunks: u64,
    pub unique_texts: u64,
    pub cache_hits: u64,
    pub cache_misses: u64,
    /// Of the hits: vectors computed early, while ingest was still running.
    #[serde(default)]
    pub prefetched: u64,
    pub batches: u64,
    /// Real tokens embedded (misses only).
    pub tokens: u64,
    pub padded_tokens: u64,
    pub dims: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbeddingCompleted {
    pub status: JobStatus,
    pub model_id: String,
    /// As in [`EmbeddingStarted::shard`]; the fan-in's totals add up the shards' work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<u32>,
    /// `cpu` or `cuda`; absent when the model was not needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    pub totals: EmbeddingTotals,
    pub duration_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl EventPayload for EmbeddingCompleted {
    const TYPE: &'static str = "embedding.completed.v1";
    fn status(&self) -> Option<JobStatus> {
        Some(self.status)
    }
}
