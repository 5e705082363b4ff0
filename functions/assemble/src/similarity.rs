//! Top-k cosine neighbours of unit vectors, exactly, without a scalar
//! all-pairs loop: the rows are cut into blocks, each block is multiplied
//! with the whole matrix (ndarray `dot`, matrixmultiply's SIMD kernels),
//! and each row of the product keeps its k best above the threshold by
//! partial selection. Blocks run in parallel (rayon) and are joined in
//! order, so the result does not depend on the thread count.
//!
//! Memory is one `block × n` score matrix per thread (blocks are sized to
//! about 32 MiB); time is `n² · dims` multiply-adds at SIMD speed.

use crate::topk::{by_score_desc, top_k_by};
use ndarray::{ArrayView2, Axis, Slice};
use rayon::prelude::*;

/// Per row: up to k `(row, cosine)`, best first.
pub type Neighbours = Vec<Vec<(u32, f32)>>;

/// Score-matrix elements per block (32 MiB of f32).
const BLOCK_ELEMENTS: usize = 8 << 20;

/// The rows of a block: as many as fit the budget, 16..=512.
fn block_rows(n: usize) -> usize {
    (BLOCK_ELEMENTS / n.max(1)).clamp(16, 512)
}

/// Exact top-k by blocked matrix products. `rows` is row-major `n × dims`
/// of unit vectors; a row is never its own neighbour.
pub fn top_k_blocked(rows: &[f32], dims: usize, k: usize, threshold: f32) -> Neighbours {
    let n = rows.len().checked_div(dims).unwrap_or(0);
    if n == 0 || k == 0 {
        return vec![Vec::new(); n];
    }
    let Ok(x) = ArrayView2::from_shape((n, dims), &rows[..n * dims]) else {
        return vec![Vec::new(); n];
    };
    let b = block_rows(n);
    let starts: Vec<usize> = (0..n).step_by(b).collect();
    let blocks: Vec<Neighbours> = starts
        .par_iter()
        .map(|&start| {
            let end = (start + b).min(n);
            let scores = x.slice_axis(Axis(0), Slice::from(start..end)).dot(&x.t());
            scores
                .outer_iter()
                .enumerate()
                .map(|(r, row)| select_row(row.as_slice().unwrap_or(&[]), start + r, k, threshold))
                .collect()
        })
        .collect();
    blocks.into_iter().flatten().collect()
}

fn select_row(scores: &[f32], own: usize, k: usize, threshold: f32) -> Vec<(u32, f32)> {
    let candidates: Vec<(u32, f32)> = scores
        .iter()
        .enumerate()
        .filter(|&(j, &s)| s >= threshold && j != own)
        .map(|(j, &s)| (j as u32, s))
        .collect();
    top_k_by(candidates, k, by_score_desc)
}

/// The reference: a scalar loop over all pairs (tests and recall checks).
pub fn top_k_naive(rows: &[f32], dims: usize, k: usize, threshold: f32) -> Neighbours {
    let n = rows.len().checked_div(dims).unwrap_or(0);
    (0..n)
        .map(|i| {
            let a = &rows[i * dims..(i + 1) * dims];
            let scores: Vec<f32> = (0..n)
                .map(|j| {
                    a.iter()
                        .zip(&rows[j * dims..(j + 1) * dims])
                        .map(|(x, y)| x * y)
                        .sum()
                })
                .collect();
            select_row(&scores, i, k, threshold)
        })
        .collect()
}

/// The fraction of `exact`'s neighbours that `approx` found (1 when
/// `exact` has none), over the rows of `approx`.
pub fn recall(approx: &Neighbours, exact: &Neighbours) -> f64 {
    let (mut found, mut total) = (0usize, 0usize);
    for (a, e) in approx.iter().zip(exact) {
        total += e.len();
        found += e
            .iter()
            .filter(|(j, _)| a.iter().any(|(i, _)| i == j))
            .count();
    }
    if total == 0 {
        1.0
    } else {
        found as f64 / total as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit_rows(n: usize, dims: usize, seed: u64) -> Vec<f32> {
        let mut state = seed;
        let mut rows: Vec<f32> = (0..n * dims)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 40) as f32 / (1u64 << 24) as f32) - 0.5
            })
            .collect();
        for row in rows.chunks_mut(dims) {
            crate::numeric::normalize(row);
        }
        rows
    }

    #[test]
    fn blocked_equals_naive() {
        for (n, dims, threshold) in [(300, 8, -1.0), (700, 16, 0.2), (5, 4, 0.0), (1, 3, -1.0)] {
            let rows = unit_rows(n, dims, n as u64);
            let exact = top_k_naive(&rows, dims, 5, threshold);
            let blocked = top_k_blocked(&rows, dims, 5, threshold);
            assert_eq!(exact.len(), blocked.len());
            for (e, b) in exact.iter().zip(&blocked) {
                let ids_e: Vec<u32> = e.iter().map(|p| p.0).collect();
                let ids_b: Vec<u32> = b.iter().map(|p| p.0).collect();
                assert_eq!(ids_e, ids_b);
                for (x, y) in e.iter().zip(b) {
                    assert!((x.1 - y.1).abs() < 1e-5);
                }
            }
            assert_eq!(recall(&blocked, &exact), 1.0);
        }
    }

    #[test]
    fn empty_and_identical_inputs() {
        assert!(top_k_blocked(&[], 4, 5, 0.7).is_empty());
        let rows = [0.6, 0.8].repeat(10);
        let result = top_k_blocked(&rows, 2, 3, 0.7);
        assert!(result
            .iter()
            .enumerate()
            .all(|(i, r)| r.len() == 3 && r.iter().all(|(j, _)| *j as usize != i)));
    }
}
