//! Totals of an embedding run: the stage summary, `embed_jsonl`'s result,
//! and the `embedding.completed.v1` totals.

use crate::events::EmbeddingTotals;
use crate::hooks::RunTotals;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Chunks (or input lines) covered.
    pub chunks: u64,
    /// Chunks not embedded for their file's role (`skip_roles`).
    #[serde(default)]
    pub skipped_chunks: u64,
    /// Distinct embedded texts among them.
    pub unique_texts: u64,
    /// Texts found in the cache (including prefetched ones).
    pub cache_hits: u64,
    /// Texts the model embedded in this run.
    pub cache_misses: u64,
    /// Of the hits: read from the vectors of the source's last embed
    /// (one object) rather than the per-text cache.
    #[serde(default)]
    pub from_last_build: u64,
    /// Of the hits: embedded early by the prefetcher while ingest ran.
    pub prefetched: u64,
    /// Real tokens the prefetcher embedded (not counted in `tokens`, which
    /// the stage itself embedded): with `tokens`, what the job cost.
    #[serde(default)]
    pub prefetched_tokens: u64,
    pub batches: u64,
    /// Real tokens embedded.
    pub tokens: u64,
    /// Tokens computed, padding included.
    pub padded_tokens: u64,
    pub dims: u64,
    pub seconds: f64,
    pub chunks_per_s: f64,
    pub tokens_per_s: f64,
}

impl Stats {
    pub fn add_run(&mut self, run: RunTotals) {
        self.batches += run.batches;
        self.tokens += run.tokens;
        self.padded_tokens += run.padded_tokens;
    }

    /// Records the elapsed time and the rates.
    pub fn finish(&mut self, seconds: f64) {
        self.seconds = (seconds * 1000.0).round() / 1000.0;
        let per_s = |n: u64| {
            if seconds > 0.0 {
                (n as f64 / seconds * 10.0).round() / 10.0
            } else {
                0.0
            }
        };
        self.chunks_per_s = per_s(self.chunks);
        self.tokens_per_s = per_s(self.tokens);
    }

    pub fn totals(&self) -> EmbeddingTotals {
        EmbeddingTotals {
            chunks: self.chunks,
            unique_texts: self.unique_texts,
            cache_hits: self.cache_hits,
            cache_misses: self.cache_misses,
            prefetched: self.prefetched,
            batches: self.batches,
            tokens: self.tokens,
            padded_tokens: self.padded_tokens,
            dims: self.dims,
        }
    }
}
