//! Fits k-means to raw vectors and prints the inertia, to compare with
//! another implementation on the same rows (`scripts/kmeans-check.py`
//! runs scikit-learn beside it).
//!
//! ```text
//! cargo run --release -p doctown-assemble --example kmeans_fit -- ROWS.f32 DIMS K [RUNS]
//! ```
//! `ROWS.f32`: row-major little-endian `f32`, unit rows.

use doctown_assemble::kmeans::{fit, KMeansSettings};
use ndarray::ArrayView2;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (path, dims, k, runs) = match args.as_slice() {
        [p, d, k] => (p, d.parse()?, k.parse()?, 1),
        [p, d, k, r] => (p, d.parse()?, k.parse()?, r.parse()?),
        _ => return Err("usage: kmeans_fit ROWS.f32 DIMS K [RUNS]".into()),
    };
    let bytes = std::fs::read(path)?;
    let rows: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let data = ArrayView2::from_shape((rows.len() / dims, dims), &rows)?;
    let started = Instant::now();
    let settings = KMeansSettings {
        k,
        seed: 42,
        runs,
        max_iterations: 100,
        sample: usize::MAX,
    };
    let fitted = fit(data, k, settings);
    println!(
        "{{\"inertia\": {:.4}, \"iterations\": {}, \"ms\": {}}}",
        fitted.inertia,
        fitted.iterations,
        started.elapsed().as_millis()
    );
    Ok(())
}
