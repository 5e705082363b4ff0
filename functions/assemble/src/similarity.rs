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
                .map(|(r, row)| select_scores(row, start + r, k, threshold))
                .collect()
        })
        .collect();
    blocks.into_iter().flatten().collect()
}

/// Exact top-k after some rows changed, from the top-k of an earlier set
/// of rows: the same lists, to the bit, as [`top_k_blocked`] over `rows`.
///
/// `old_of_new[i]` is the earlier row whose vector is row `i`'s (the same
/// bits), or `None` for a new or changed row; the rows that have one must
/// keep their order (a tie is broken by the lower row, so an order that
/// changed could change a choice). Each new row is searched whole; a kept
/// row takes its earlier list, less the rows that are gone, scored
/// against the new rows only — unless its list was full and lost a row,
/// when the row that ranked next was never kept, and it is searched whole
/// too. Every score is the same product element as in the whole search
/// (an element of a matrix product depends on its row and column only).
/// `None` when the mapping breaks those rules (the caller searches all).
pub fn top_k_updated(
    rows: &[f32],
    dims: usize,
    k: usize,
    threshold: f32,
    earlier: &Neighbours,
    old_of_new: &[Option<u32>],
) -> Option<Neighbours> {
    let n = rows.len().checked_div(dims)?;
    let x = ArrayView2::from_shape((n, dims), &rows[..n * dims]).ok()?;
    if old_of_new.len() != n || k == 0 {
        return None;
    }
    let new_of_old = inverted(old_of_new, earlier.len())?;
    // Lists from elsewhere than a search over `earlier.len()` rows (a row
    // beyond them, or a row of its own) cannot be brought up to date.
    let consistent = earlier.iter().enumerate().all(|(o, list)| {
        list.len() <= k
            && list
                .iter()
                .all(|&(j, _)| (j as usize) < earlier.len() && j as usize != o)
    });
    if !consistent {
        return None;
    }
    let changed: Vec<usize> = (0..n).filter(|&i| old_of_new[i].is_none()).collect();
    let whole: Vec<usize> = (0..n)
        .filter(|&i| match old_of_new[i] {
            None => true,
            Some(old) => {
                let list = &earlier[old as usize];
                list.len() >= k && list.iter().any(|(j, _)| new_of_old[*j as usize].is_none())
            }
        })
        .collect();
    // Past an eighth of the rows, searching all costs about the same (and
    // the scores against the changed rows would grow large).
    if whole.len() * 8 > n {
        return None;
    }
    // Every row against the changed rows: n × changed.
    let against_changed = x.dot(&x.select(Axis(0), &changed).t());
    let searched: Vec<Vec<(u32, f32)>> = whole
        .par_chunks(block_rows(n))
        .flat_map_iter(|block| {
            let scores = x.select(Axis(0), block).dot(&x.t());
            let lists: Vec<_> = block
                .iter()
                .zip(scores.outer_iter())
                .map(|(&i, row)| select_scores(row, i, k, threshold))
                .collect();
            lists
        })
        .collect();
    let mut searched = whole.iter().copied().zip(searched).peekable();
    let mut out = Vec::with_capacity(n);
    for (i, old) in old_of_new.iter().enumerate() {
        if searched.peek().is_some_and(|(w, _)| *w == i) {
            out.push(searched.next()?.1);
            continue;
        }
        let old = (*old)? as usize;
        let kept = earlier[old]
            .iter()
            .filter_map(|&(j, s)| new_of_old[j as usize].map(|j| (j, s)));
        let fresh = changed
            .iter()
            .zip(against_changed.row(i))
            .filter(|&(_, &s)| s >= threshold)
            .map(|(&c, &s)| (c as u32, s));
        out.push(top_k_by(kept.chain(fresh).collect(), k, by_score_desc));
    }
    Some(out)
}

/// Each old row's new row, from each new row's old one; `None` unless
/// the old rows are distinct, in range and in increasing order.
fn inverted(old_of_new: &[Option<u32>], old_rows: usize) -> Option<Vec<Option<u32>>> {
    let mut new_of_old: Vec<Option<u32>> = vec![None; old_rows];
    let mut last = None;
    for (i, old) in old_of_new.iter().enumerate() {
        if let Some(old) = *old {
            let slot = new_of_old.get_mut(old as usize)?;
            if last.is_some_and(|l| l >= old) || slot.is_some() {
                return None;
            }
            (*slot, last) = (Some(i as u32), Some(old));
        }
    }
    Some(new_of_old)
}

/// [`select_row`] over a row of a product, whatever its memory order (a
/// product of one column is laid out by columns).
fn select_scores(
    row: ndarray::ArrayView1<'_, f32>,
    own: usize,
    k: usize,
    threshold: f32,
) -> Vec<(u32, f32)> {
    match row.as_slice() {
        Some(scores) => select_row(scores, own, k, threshold),
        None => select_row(&row.to_vec(), own, k, threshold),
    }
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
        for (n, dims, threshold) in [
            (300, 8, -1.0),
            (700, 16, 0.2),
            (5, 4, 0.0),
            (1, 3, -1.0),
            (40, 1, -1.0), // one column: the products are laid out by columns
        ] {
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

    /// Rows near a few directions, so that lists fill above a threshold.
    fn clustered_rows(n: usize, dims: usize, seed: u64) -> Vec<f32> {
        let centres = unit_rows(8, dims, seed ^ 0x5eed);
        let noise = unit_rows(n, dims, seed);
        let mut rows: Vec<f32> = (0..n * dims)
            .map(|i| centres[(i / dims % 8) * dims + i % dims] + 0.6 * noise[i])
            .collect();
        for row in rows.chunks_mut(dims) {
            crate::numeric::normalize(row);
        }
        rows
    }

    /// A row inserted: its position in the result, and its vector.
    type Inserted = (usize, Vec<f32>);

    /// `rows` with the rows at `drop` removed and `(at, vector)` inserted
    /// (positions in the result), and each kept row's earlier row.
    fn edited(
        rows: &[f32],
        dims: usize,
        drop: &[usize],
        insert: &[Inserted],
    ) -> (Vec<f32>, Vec<Option<u32>>) {
        let mut kept: Vec<(Option<u32>, Vec<f32>)> = rows
            .chunks(dims)
            .enumerate()
            .filter(|(i, _)| !drop.contains(i))
            .map(|(i, r)| (Some(i as u32), r.to_vec()))
            .collect();
        for (at, vector) in insert {
            kept.insert(*at, (None, vector.clone()));
        }
        let old_of_new = kept.iter().map(|(o, _)| *o).collect();
        (kept.into_iter().flat_map(|(_, r)| r).collect(), old_of_new)
    }

    fn same_bits(a: &Neighbours, b: &Neighbours) -> bool {
        let bits = |n: &Neighbours| -> Vec<Vec<(u32, u32)>> {
            n.iter()
                .map(|l| l.iter().map(|(j, s)| (*j, s.to_bits())).collect())
                .collect()
        };
        bits(a) == bits(b)
    }

    #[test]
    fn updated_lists_are_the_whole_search_to_the_bit() {
        let dims = 384;
        for (n, k, threshold) in [(600, 5, 0.5), (600, 5, -1.0), (300, 12, 0.8)] {
            let rows = clustered_rows(n, dims, n as u64 + k as u64);
            let earlier = top_k_blocked(&rows, dims, k, threshold);
            let fresh = clustered_rows(4, dims, 99);
            let row = |i: usize| fresh[i * dims..(i + 1) * dims].to_vec();
            // Rows that every other row's list holds, gone.
            let popular = earlier.iter().flatten().fold(vec![0; n], |mut c, (j, _)| {
                c[*j as usize] += 1;
                c
            });
            let most = (0..n).max_by_key(|&i| (popular[i], i)).unwrap();
            let edits: Vec<(Vec<usize>, Vec<Inserted>)> = vec![
                (vec![], vec![(n / 2, row(0))]),               // one new row
                (vec![7], vec![(7, row(1))]),                  // one row changed
                (vec![most, 3], vec![]),                       // rows gone
                (vec![n - 1], vec![(0, row(2)), (5, row(3))]), // both
                (vec![], vec![(10, rows[..dims].to_vec())]),   // a duplicate
            ];
            for (drop, insert) in edits {
                let (now, old_of_new) = edited(&rows, dims, &drop, &insert);
                let whole = top_k_blocked(&now, dims, k, threshold);
                let updated = top_k_updated(&now, dims, k, threshold, &earlier, &old_of_new)
                    .expect("a small change is brought up to date");
                assert!(same_bits(&updated, &whole), "n {n}, dropped {drop:?}");
            }
        }
    }

    #[test]
    fn an_update_refuses_what_it_cannot_do_exactly() {
        let dims = 16;
        let rows = clustered_rows(40, dims, 3);
        let earlier = top_k_blocked(&rows, dims, 3, 0.0);
        let mut order: Vec<Option<u32>> = (0..40).map(Some).collect();
        order.swap(4, 5); // two kept rows change places
        assert!(top_k_updated(&rows, dims, 3, 0.0, &earlier, &order).is_none());
        let twice: Vec<Option<u32>> = (0..40).map(|i| Some(i.max(1))).collect();
        assert!(top_k_updated(&rows, dims, 3, 0.0, &earlier, &twice).is_none());
        let beyond: Vec<Option<u32>> = (0..40).map(|i| Some(i + 1)).collect();
        assert!(top_k_updated(&rows, dims, 3, 0.0, &earlier, &beyond).is_none());
        let mostly_new: Vec<Option<u32>> = (0..40).map(|i| (i % 2 == 0).then_some(i)).collect();
        assert!(top_k_updated(&rows, dims, 3, 0.0, &earlier, &mostly_new).is_none());
        let short = vec![Some(0); 3];
        assert!(top_k_updated(&rows, dims, 3, 0.0, &earlier, &short).is_none());
        let same: Vec<Option<u32>> = (0..40).map(Some).collect();
        let kept = top_k_updated(&rows, dims, 3, 0.0, &earlier, &same).unwrap();
        assert!(same_bits(&kept, &earlier));
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
