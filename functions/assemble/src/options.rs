//! The stage's options, read from the job input (`options.assemble`).

use serde::{Deserialize, Serialize};

/// Which clustering to run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MethodChoice {
    /// k-means when vectors exist, graph communities otherwise.
    #[default]
    Auto,
    /// k-means on symbol vectors (falls back to communities without vectors).
    Kmeans,
    /// Louvain communities over calls, imports, supertypes and containment.
    Communities,
}

/// `options.assemble` of a job; every field has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AssembleOptions {
    /// Cosine at or above which two symbols are related.
    pub related_threshold: f32,
    /// At most this many related symbols per symbol.
    pub related_k: usize,
    /// Up to this many symbol vectors, related symbols are found exactly
    /// (blocked products, n² work); above it, by the IVF index.
    pub exact_limit: usize,
    /// IVF probes per list (of ≈ √n lists).
    pub ivf_probes: usize,
    /// Bounds of k for k-means; k = round(√(n/2)) clamped to them (and ≤ n).
    pub min_clusters: usize,
    pub max_clusters: usize,
    pub method: MethodChoice,
    /// Seed of k-means initialisation.
    pub seed: u64,
    /// k-means restarts (the best inertia wins).
    pub kmeans_runs: usize,
    pub kmeans_max_iterations: u64,
    /// k-means fits on at most this many evenly strided symbols, then
    /// assigns every symbol to its nearest centroid.
    pub kmeans_sample: usize,
    /// Ignore vectors even when embed wrote them (a structural build).
    pub use_embeddings: bool,
}

impl Default for AssembleOptions {
    fn default() -> Self {
        AssembleOptions {
            related_threshold: 0.7,
            related_k: 5,
            exact_limit: 10_000,
            ivf_probes: 12,
            min_clusters: 2,
            max_clusters: 64,
            method: MethodChoice::Auto,
            seed: 42,
            kmeans_runs: 1,
            kmeans_max_iterations: 100,
            kmeans_sample: 4096,
            use_embeddings: true,
        }
    }
}

impl AssembleOptions {
    /// Checks ranges; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.related_threshold.is_finite() && (-1.0..=1.0).contains(&self.related_threshold)) {
            return Err(format!(
                "related_threshold must be in [-1, 1], got {}",
                self.related_threshold
            ));
        }
        if self.min_clusters == 0 || self.min_clusters > self.max_clusters {
            return Err(format!(
                "cluster bounds must satisfy 1 <= min_clusters <= max_clusters, got {}..{}",
                self.min_clusters, self.max_clusters
            ));
        }
        if self.kmeans_runs == 0
            || self.kmeans_max_iterations == 0
            || self.kmeans_sample == 0
            || self.ivf_probes == 0
        {
            return Err(
                "kmeans_runs, kmeans_max_iterations, kmeans_sample and ivf_probes must be at least 1".into(),
            );
        }
        Ok(())
    }
}
