//! PageRank by power iteration, the same computation as networkx's
//! `pagerank` (damping 0.85, uniform teleport, dangling nodes' rank spread
//! uniformly over all nodes, weighted edges normalised by out-weight) with
//! networkx's stopping rule `Σ|xₖ − xₖ₋₁| < N·tol`, here at tol = 1e-12.
//! Parallel edges count as one edge of their summed weight.

/// Scores (summing to 1) and the iterations taken.
#[derive(Debug, Clone, PartialEq)]
pub struct PageRank {
    pub scores: Vec<f64>,
    pub iterations: u32,
}

pub const DAMPING: f64 = 0.85;
pub const TOLERANCE: f64 = 1e-12;
pub const MAX_ITERATIONS: u32 = 10_000;

/// PageRank of `n` nodes over weighted directed `edges` (`from`, `to`, weight > 0).
pub fn pagerank(n: usize, edges: &[(usize, usize, f64)], damping: f64, tol: f64) -> PageRank {
    if n == 0 {
        return PageRank {
            scores: Vec::new(),
            iterations: 0,
        };
    }
    let edges: Vec<(usize, usize, f64)> = edges
        .iter()
        .copied()
        .filter(|(u, v, w)| *u < n && *v < n && *w > 0.0 && w.is_finite())
        .collect();
    let mut out_weight = vec![0f64; n];
    for &(u, _, w) in &edges {
        out_weight[u] += w;
    }
    let dangling: Vec<usize> = (0..n).filter(|u| out_weight[*u] == 0.0).collect();
    let links: Vec<(usize, usize, f64)> = edges
        .iter()
        .map(|&(u, v, w)| (u, v, w / out_weight[u]))
        .collect();
    let uniform = 1.0 / n as f64;
    let mut x = vec![uniform; n];
    let mut next = vec![0f64; n];
    for iteration in 1..=MAX_ITERATIONS {
        let dangling_sum: f64 = dangling.iter().map(|u| x[*u]).sum();
        let base = damping * dangling_sum * uniform + (1.0 - damping) * uniform;
        next.iter_mut().for_each(|v| *v = 0.0);
        for &(u, v, w) in &links {
            next[v] += x[u] * w;
        }
        let mut err = 0.0;
        for (nv, xv) in next.iter_mut().zip(&x) {
            *nv = damping * *nv + base;
            err += (*nv - xv).abs();
        }
        std::mem::swap(&mut x, &mut next);
        if err < n as f64 * tol {
            return PageRank {
                scores: x,
                iterations: iteration,
            };
        }
    }
    PageRank {
        scores: x,
        iterations: MAX_ITERATIONS,
    }
}

/// Scores divided by the largest: 0–1 (all zeros stay zeros).
pub fn normalised(scores: &[f64]) -> Vec<f64> {
    let max = scores.iter().copied().fold(0.0, f64::max);
    scores
        .iter()
        .map(|s| if max > 0.0 { s / max } else { 0.0 })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symmetric_cycle_is_uniform_and_sums_to_one() {
        let pr = pagerank(
            3,
            &[(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0)],
            DAMPING,
            TOLERANCE,
        );
        for s in &pr.scores {
            assert!((s - 1.0 / 3.0).abs() < 1e-12);
        }
        let lone = pagerank(2, &[], DAMPING, TOLERANCE);
        assert_eq!(lone.scores, vec![0.5, 0.5]);
        assert!(pagerank(0, &[], DAMPING, TOLERANCE).scores.is_empty());
        assert_eq!(normalised(&[0.2, 0.4]), vec![0.5, 1.0]);
    }
}
