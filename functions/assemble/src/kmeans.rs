//! k-means (linfa) on the normalised symbol vectors. k = round(√(n/2)),
//! the common rule of thumb, clamped to the configured bounds (default
//! [2, 64]) and to the number of distinct vectors, so identical vectors
//! make one cluster instead of empty ones. Initialisation is k-means++
//! from a `Xoshiro256Plus` seeded with the option's seed; the assignment
//! step runs in parallel but each point's label depends only on the data,
//! and centroid updates are sequential, so runs are reproducible.
//!
//! At scale, linfa fits on an evenly strided sample of at most
//! `sample` rows (default 4,096 — as FAISS trains on a sample) and every
//! row is then assigned to its nearest centroid by one blocked matrix
//! product (`argmax x·c − ‖c‖²/2`), which keeps 100k symbols to seconds.

use crate::error::AssembleError;
use crate::vectors::SymbolVectors;
use linfa::prelude::*;
use linfa::DatasetBase;
use linfa_clustering::KMeans;
use ndarray::{Array2, ArrayView2, Axis};
use rand_xoshiro::rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;
use std::collections::HashSet;

/// The k of the √(n/2) heuristic within `[min, max]`, never above `n`.
pub fn k_for(n: usize, min: usize, max: usize) -> usize {
    let k = ((n as f64 / 2.0).sqrt().round() as usize).clamp(min, max.max(min));
    k.min(n)
}

/// Settings of one k-means run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KMeansSettings {
    pub k: usize,
    pub seed: u64,
    pub runs: usize,
    pub max_iterations: u64,
    /// Fit on at most this many rows.
    pub sample: usize,
}

/// The cluster (0..k) of each vector row.
pub fn kmeans(
    vectors: &SymbolVectors,
    settings: KMeansSettings,
) -> Result<Vec<usize>, AssembleError> {
    let n = vectors.len();
    let k = settings.k.min(distinct_rows(vectors, settings.k));
    if n == 0 || k <= 1 {
        return Ok(vec![0; n]);
    }
    let step = n.div_ceil(settings.sample.max(k));
    let picked: Vec<f32> = (0..n)
        .step_by(step)
        .flat_map(|i| vectors.row(i).iter().copied())
        .collect();
    let data = Array2::from_shape_vec((picked.len() / vectors.dims, vectors.dims), picked)
        .map_err(|e| AssembleError::Clustering(e.to_string()))?;
    let dataset = DatasetBase::from(data);
    let model = KMeans::params_with_rng(k, Xoshiro256Plus::seed_from_u64(settings.seed))
        .n_runs(settings.runs.max(1))
        .max_n_iterations(settings.max_iterations.max(1))
        .tolerance(1e-4f32)
        .fit(&dataset)
        .map_err(|e| AssembleError::Clustering(e.to_string()))?;
    Ok(assign(vectors, model.centroids()))
}

/// The nearest centroid of every row, by blocked products.
fn assign(vectors: &SymbolVectors, centroids: &Array2<f32>) -> Vec<usize> {
    let half_norms: Vec<f32> = centroids.outer_iter().map(|c| c.dot(&c) / 2.0).collect();
    let Ok(x) = ArrayView2::from_shape((vectors.len(), vectors.dims), &vectors.rows[..]) else {
        return vec![0; vectors.len()];
    };
    let mut labels = Vec::with_capacity(vectors.len());
    for block in x.axis_chunks_iter(Axis(0), 4096) {
        let scores = block.dot(&centroids.t());
        for row in scores.outer_iter() {
            let best = row
                .iter()
                .zip(&half_norms)
                .map(|(s, h)| s - h)
                .enumerate()
                .fold((0, f32::NEG_INFINITY), |best, (c, v)| {
                    if v > best.1 {
                        (c, v)
                    } else {
                        best
                    }
                });
            labels.push(best.0);
        }
    }
    labels
}

/// The number of distinct rows, counted up to `limit`.
fn distinct_rows(vectors: &SymbolVectors, limit: usize) -> usize {
    let mut seen: HashSet<Vec<u32>> = HashSet::new();
    for i in 0..vectors.len() {
        seen.insert(vectors.row(i).iter().map(|x| x.to_bits()).collect());
        if seen.len() >= limit {
            break;
        }
    }
    seen.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k_heuristic() {
        assert_eq!(k_for(0, 2, 64), 0);
        assert_eq!(k_for(1, 2, 64), 1);
        assert_eq!(k_for(8, 2, 64), 2);
        assert_eq!(k_for(200, 2, 64), 10);
        assert_eq!(k_for(1_000_000, 2, 64), 64);
    }
}
