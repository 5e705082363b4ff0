//! k-means on the normalised symbol vectors. k = round(√(n/2)), the
//! common rule of thumb, clamped to the configured bounds (default
//! [2, 64]) and to the number of distinct vectors, so identical vectors
//! make one cluster instead of empty ones.
//!
//! Initialisation is k-means++ from a `Xoshiro256Plus` seeded with the
//! option's seed; Lloyd's iterations then run until no label changes (or
//! the iteration bound). Every distance comes from one blocked matrix
//! product (`argmax x·c − ‖c‖²/2`, matrixmultiply's SIMD kernels) and
//! centroids are summed in `f64` in row order, so runs are reproducible
//! and a fit on 4,096 rows × 384 dimensions takes tens of milliseconds.
//!
//! At scale, the fit uses an evenly strided sample of at most `sample`
//! rows (default 4,096 — as FAISS trains on a sample) and every row is
//! then assigned to its nearest centroid, which keeps 100k symbols to
//! seconds.

use crate::error::AssembleError;
use crate::vectors::SymbolVectors;
use ndarray::{Array2, ArrayView2, Axis};
use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256Plus;
use rayon::prelude::*;
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

/// A fitted model: the centroids and the fit's inertia (the sum of squared
/// distances of the fitted rows to their centroid).
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub centroids: Array2<f32>,
    pub inertia: f64,
    pub iterations: u64,
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
    let data = ArrayView2::from_shape((picked.len() / vectors.dims, vectors.dims), &picked)
        .map_err(|e| AssembleError::Clustering(e.to_string()))?;
    let fit = fit(data, k, settings);
    Ok(assign(vectors, &fit.centroids))
}

/// The best of `settings.runs` fits of `k` centroids to the rows of `data`.
pub fn fit(data: ArrayView2<'_, f32>, k: usize, settings: KMeansSettings) -> Fit {
    let mut rng = Xoshiro256Plus::seed_from_u64(settings.seed);
    let max_iterations = settings.max_iterations.max(1);
    let mut best = lloyd(data, plus_plus(data, k, &mut rng), max_iterations);
    for _ in 1..settings.runs {
        let fit = lloyd(data, plus_plus(data, k, &mut rng), max_iterations);
        if fit.inertia < best.inertia {
            best = fit;
        }
    }
    best
}

/// Greedy k-means++ seeding (as scikit-learn seeds): each next centroid is
/// the best, by the resulting sum of squared distances, of `2 + ln k` rows
/// drawn with probability proportional to their squared distance to the
/// nearest centroid so far. Stops early when every row is a centroid.
fn plus_plus(data: ArrayView2<'_, f32>, k: usize, rng: &mut Xoshiro256Plus) -> Array2<f32> {
    let m = data.nrows();
    let trials = 2 + (k as f64).ln() as usize;
    let norms: Vec<f32> = data.outer_iter().map(|x| x.dot(&x)).collect();
    let first = (rng.next_u64() % m as u64) as usize;
    let mut chosen = vec![first];
    let mut nearest = vec![f32::INFINITY; m];
    let products = data.dot(&data.row(first));
    for ((d, p), x) in nearest.iter_mut().zip(&products).zip(&norms) {
        *d = (x + norms[first] - 2.0 * p).max(0.0);
    }
    while chosen.len() < k {
        let mut prefix = Vec::with_capacity(m);
        let mut total = 0f64;
        for d in &nearest {
            total += *d as f64;
            prefix.push(total);
        }
        if total <= 0.0 {
            break;
        }
        let picks: Vec<usize> = (0..trials)
            .map(|_| {
                let target = unit(rng) * total;
                prefix.partition_point(|p| *p <= target).min(m - 1)
            })
            .collect();
        // One pass over the rows for every candidate: an m × trials product.
        let products = dot_by_blocks(data, data.select(Axis(0), &picks).view());
        let mut best: Option<(f64, usize)> = None;
        for (t, &pick) in picks.iter().enumerate() {
            let potential: f64 = nearest
                .iter()
                .zip(products.column(t))
                .zip(&norms)
                .map(|((d, p), x)| d.min((x + norms[pick] - 2.0 * p).max(0.0)) as f64)
                .sum();
            if best.is_none_or(|b| potential < b.0) {
                best = Some((potential, t));
            }
        }
        let Some((_, t)) = best else {
            break;
        };
        let pick = picks[t];
        for ((d, p), x) in nearest.iter_mut().zip(products.column(t)).zip(&norms) {
            *d = d.min((x + norms[pick] - 2.0 * p).max(0.0));
        }
        chosen.push(pick);
    }
    data.select(Axis(0), &chosen)
}

/// A uniform draw in [0, 1) with 53 random bits.
fn unit(rng: &mut Xoshiro256Plus) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// Lloyd's iterations from `centroids` until no label changes.
fn lloyd(data: ArrayView2<'_, f32>, mut centroids: Array2<f32>, max_iterations: u64) -> Fit {
    let (k, dims) = centroids.dim();
    let mut labels = vec![usize::MAX; data.nrows()];
    let mut iterations = 0;
    while iterations < max_iterations {
        iterations += 1;
        let (next, _) = nearest(data, &centroids);
        if next == labels {
            break;
        }
        labels = next;
        let mut sums = vec![0f64; k * dims];
        let mut counts = vec![0usize; k];
        for (x, c) in data.outer_iter().zip(&labels) {
            counts[*c] += 1;
            let sum = &mut sums[c * dims..(c + 1) * dims];
            sum.iter_mut().zip(x).for_each(|(s, v)| *s += *v as f64);
        }
        for (c, mut centroid) in centroids.outer_iter_mut().enumerate() {
            // An emptied cluster keeps its centroid.
            if counts[c] > 0 {
                let sum = &sums[c * dims..(c + 1) * dims];
                centroid
                    .iter_mut()
                    .zip(sum)
                    .for_each(|(v, s)| *v = (*s / counts[c] as f64) as f32);
            }
        }
    }
    let (_, inertia) = nearest(data, &centroids);
    Fit {
        centroids,
        inertia,
        iterations,
    }
}

/// Each row's nearest centroid and the sum of squared distances to it.
/// Blocks of rows run in parallel and are joined in order, and the
/// distances are summed in row order, so the result is the same to the bit
/// whatever the thread count: each product's element depends only on its
/// row and column, not on the block it was computed in.
fn nearest(data: ArrayView2<'_, f32>, centroids: &Array2<f32>) -> (Vec<usize>, f64) {
    let rows = block_rows(data.nrows(), rayon::current_num_threads());
    nearest_in_blocks(data, centroids, rows)
}

fn nearest_in_blocks(
    data: ArrayView2<'_, f32>,
    centroids: &Array2<f32>,
    rows: usize,
) -> (Vec<usize>, f64) {
    let half_norms: Vec<f32> = centroids.outer_iter().map(|c| c.dot(&c) / 2.0).collect();
    let blocks: Vec<ArrayView2<'_, f32>> = data.axis_chunks_iter(Axis(0), rows).collect();
    let nearest: Vec<Vec<(usize, f32)>> = blocks
        .par_iter()
        .map(|block| {
            let scores = block.dot(&centroids.t());
            block
                .outer_iter()
                .zip(scores.outer_iter())
                .map(|(x, row)| {
                    let (best, score) = argmax(row.iter().zip(&half_norms).map(|(s, h)| s - h));
                    (best, (x.dot(&x) - 2.0 * score).max(0.0))
                })
                .collect()
        })
        .collect();
    let mut labels = Vec::with_capacity(data.nrows());
    let mut inertia = 0f64;
    for (label, distance) in nearest.into_iter().flatten() {
        labels.push(label);
        inertia += distance as f64;
    }
    (labels, inertia)
}

/// `data · columnsᵀ`, blocks of rows in parallel, joined in order (the
/// same to the bit as one product, as in [`nearest`]).
fn dot_by_blocks(data: ArrayView2<'_, f32>, columns: ArrayView2<'_, f32>) -> Array2<f32> {
    let rows = block_rows(data.nrows(), rayon::current_num_threads());
    let blocks: Vec<ArrayView2<'_, f32>> = data.axis_chunks_iter(Axis(0), rows).collect();
    let products: Vec<Array2<f32>> = blocks.par_iter().map(|b| b.dot(&columns.t())).collect();
    let views: Vec<ArrayView2<'_, f32>> = products.iter().map(|p| p.view()).collect();
    ndarray::concatenate(Axis(0), &views).unwrap_or_else(|_| data.dot(&columns.t()))
}

/// Rows per block of [`nearest`]: the rows shared out among the threads,
/// in multiples of 64, between 256 and 4,096 (a block's scores stay small).
fn block_rows(n: usize, threads: usize) -> usize {
    n.div_ceil(threads.max(1))
        .next_multiple_of(64)
        .clamp(256, 4096)
}

/// The index and value of the largest item (the first of equals).
fn argmax(values: impl Iterator<Item = f32>) -> (usize, f32) {
    values
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (i, v)| {
            if v > best.1 {
                (i, v)
            } else {
                best
            }
        })
}

/// The nearest centroid of every row, by blocked products.
fn assign(vectors: &SymbolVectors, centroids: &Array2<f32>) -> Vec<usize> {
    let Ok(x) = ArrayView2::from_shape((vectors.len(), vectors.dims), &vectors.rows[..]) else {
        return vec![0; vectors.len()];
    };
    nearest(x, centroids).0
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

    fn settings(k: usize, runs: usize) -> KMeansSettings {
        KMeansSettings {
            k,
            seed: 42,
            runs,
            max_iterations: 100,
            sample: 4096,
        }
    }

    #[test]
    fn two_separated_groups_are_found_exactly() {
        // Rows 0..5 near (1, 0), rows 5..10 near (0, 1).
        let rows: Vec<f32> = (0..10)
            .flat_map(|i| {
                let e = i as f32 * 0.01;
                if i < 5 {
                    [1.0, e]
                } else {
                    [e, 1.0]
                }
            })
            .collect();
        let data = ArrayView2::from_shape((10, 2), &rows).unwrap();
        let fit = fit(data, 2, settings(2, 3));
        let (labels, inertia) = nearest(data, &fit.centroids);
        assert!(labels[..5].iter().all(|l| *l == labels[0]));
        assert!(labels[5..].iter().all(|l| *l == labels[5]));
        assert_ne!(labels[0], labels[5]);
        assert!((inertia - fit.inertia).abs() < 1e-9);
        assert!(fit.inertia < 0.01, "inertia {}", fit.inertia);
    }

    #[test]
    fn fewer_distinct_rows_than_k_seed_fewer_centroids() {
        let rows = [1.0f32, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0];
        let data = ArrayView2::from_shape((4, 2), &rows).unwrap();
        let mut rng = Xoshiro256Plus::seed_from_u64(1);
        let seeds = plus_plus(data, 4, &mut rng);
        assert_eq!(seeds.nrows(), 2);
    }

    fn random_rows(n: usize, dims: usize) -> Vec<f32> {
        let mut state = 3u64;
        (0..n * dims)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
            })
            .collect()
    }

    #[test]
    fn nearest_is_the_same_to_the_bit_in_any_blocks() {
        // 384 columns, as the model's vectors: more than one of
        // matrixmultiply's depth blocks.
        let rows = random_rows(1000, 384);
        let data = ArrayView2::from_shape((1000, 384), &rows).unwrap();
        let centroids = data.select(Axis(0), &[3, 100, 200, 555, 999, 42, 7]);
        let (labels, inertia) = nearest_in_blocks(data, &centroids, 4096);
        for rows in [1, 64, 100, 333, 999] {
            let (l, i) = nearest_in_blocks(data, &centroids, rows);
            assert_eq!(l, labels, "blocks of {rows}");
            assert_eq!(i.to_bits(), inertia.to_bits(), "blocks of {rows}");
        }
        assert_eq!(block_rows(3785, 2), 1920);
        assert_eq!(block_rows(100, 2), 256);
        assert_eq!(block_rows(100_000, 2), 4096);
    }

    #[test]
    fn the_same_seed_gives_the_same_fit() {
        let rows = random_rows(600, 8);
        let data = ArrayView2::from_shape((600, 8), &rows).unwrap();
        let a = fit(data, 7, settings(7, 2));
        let b = fit(data, 7, settings(7, 2));
        assert_eq!(a, b);
        let one = fit(data, 7, settings(7, 1));
        assert!(a.inertia <= one.inertia);
    }
}
