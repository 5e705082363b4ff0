//! Sentence vectors from token states: mean pooling over the attention mask,
//! then L2 normalisation — what sentence-transformers does for
//! all-MiniLM-L6-v2 (`1_Pooling/config.json`: `pooling_mode_mean_tokens`,
//! followed by a `Normalize` module).
//!
//! Batches are right-padded, so the mask of row `r` is `lengths[r]` ones
//! followed by zeros, and pooling a row needs only its first `lengths[r]`
//! token states. Sums run in f64, as the Python reference does.

/// Pools `hidden` (`[batch, seq, dims]`, row-major) into one unit vector per
/// row; `lengths[r]` is the number of real tokens of row `r`.
pub fn mean_pool_normalize(
    hidden: &[f32],
    seq: usize,
    dims: usize,
    lengths: &[usize],
) -> Vec<Vec<f32>> {
    lengths
        .iter()
        .enumerate()
        .map(|(row, &len)| {
            let len = len.min(seq);
            let mut sum = vec![0f64; dims];
            let start = row * seq * dims;
            for token in 0..len {
                let state = &hidden[start + token * dims..start + (token + 1) * dims];
                for (s, &h) in sum.iter_mut().zip(state) {
                    *s += f64::from(h);
                }
            }
            let count = (len as f64).max(1e-9);
            sum.iter_mut().for_each(|s| *s /= count);
            normalize(&sum)
        })
        .collect()
}

/// Scales a vector to unit length (a zero vector stays zero).
pub fn normalize(v: &[f64]) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-12);
    v.iter().map(|x| (x / norm) as f32).collect()
}

/// Cosine similarity of two vectors (0 when either is zero).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let (mut dot, mut na, mut nb) = (0f64, 0f64, 0f64);
    for (&x, &y) in a.iter().zip(b) {
        dot += f64::from(x) * f64::from(y);
        na += f64::from(x) * f64::from(x);
        nb += f64::from(y) * f64::from(y);
    }
    if na == 0.0 || nb == 0.0 {
        return 0.0;
    }
    (dot / (na.sqrt() * nb.sqrt())) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_only_real_tokens_and_normalises() {
        // batch 2, seq 2, dims 2; row 1 has one real token and a padded one.
        let hidden = [1.0, 0.0, 3.0, 0.0, 0.0, 2.0, 100.0, 100.0];
        let out = mean_pool_normalize(&hidden, 2, 2, &[2, 1]);
        assert_eq!(out, vec![vec![1.0, 0.0], vec![0.0, 1.0]]);
        assert!((cosine(&[1.0, 1.0], &[2.0, 2.0]) - 1.0).abs() < 1e-6);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 0.0]), 0.0);
    }
}
