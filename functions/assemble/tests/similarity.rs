//! Top-k related search: exact blocked products equal the naive reference;
//! the IVF index keeps recall ≥ 0.95 on clustered vectors.

use doctown_assemble::ivf::top_k_ivf;
use doctown_assemble::numeric::normalize;
use doctown_assemble::similarity::{recall, top_k_blocked, top_k_naive};

/// `n` unit vectors around `topics` random directions (cosine ≈ 0.6–0.95 within a topic).
fn clustered(n: usize, dims: usize, topics: usize, seed: u64) -> Vec<f32> {
    let mut state = seed;
    let mut gauss = || {
        let mut sum = 0.0;
        for _ in 0..12 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            sum += (state >> 40) as f32 / (1u64 << 24) as f32;
        }
        sum - 6.0
    };
    let centers: Vec<Vec<f32>> = (0..topics)
        .map(|_| (0..dims).map(|_| gauss()).collect())
        .collect();
    let mut rows = Vec::with_capacity(n * dims);
    for i in 0..n {
        let spread = 0.3 + 0.6 * ((i % 7) as f32 / 6.0);
        let mut v: Vec<f32> = centers[i % topics]
            .iter()
            .map(|c| c + spread * gauss())
            .collect();
        normalize(&mut v);
        rows.extend(v);
    }
    rows
}

#[test]
fn blocked_is_exact_on_clustered_vectors() {
    let rows = clustered(1500, 48, 30, 11);
    let exact = top_k_naive(&rows, 48, 5, 0.7);
    let blocked = top_k_blocked(&rows, 48, 5, 0.7);
    assert_eq!(recall(&blocked, &exact), 1.0);
    let ids = |n: &Vec<Vec<(u32, f32)>>| {
        n.iter()
            .map(|r| r.iter().map(|p| p.0).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&blocked), ids(&exact));
}

#[test]
fn ivf_recall_at_least_095() {
    let (n, dims) = (6000, 64);
    let rows = clustered(n, dims, 60, 5);
    let exact = top_k_blocked(&rows, dims, 5, 0.7);
    let lists = (n as f64).sqrt().round() as usize;
    let approx = top_k_ivf(&rows, dims, 5, 0.7, lists, 12);
    let found: usize = exact.iter().map(Vec::len).sum();
    assert!(
        found > n,
        "the fixture must have neighbours above the threshold"
    );
    let r = recall(&approx, &exact);
    assert!(r >= 0.95, "recall {r}");
    // Deterministic, and never a row's own neighbour.
    assert_eq!(approx, top_k_ivf(&rows, dims, 5, 0.7, lists, 12));
    assert!(approx
        .iter()
        .enumerate()
        .all(|(i, r)| r.iter().all(|(j, _)| *j as usize != i)));
}
