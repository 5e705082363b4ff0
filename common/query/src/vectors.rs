//! Vector search over a docpack's chunk embeddings: rows normalised once at
//! load into one contiguous matrix, a query scored against every row (an
//! exact scan: at 55k chunks × 384 dimensions it is a few milliseconds, and
//! exact means no recall lost to an approximate index), and a symbol's score
//! the best of its chunks'.

use doctown_docpack::Docpack;
use rustc_hash::FxHashMap;

#[derive(Debug, Default)]
pub struct VectorIndex {
    dims: usize,
    /// Row-major, each row of unit length (or all zeros).
    rows: Vec<f32>,
    /// Per row: the symbols (indices into `nodes.symbols`) its chunk covers.
    row_symbols: Vec<Vec<u32>>,
    /// Per row: the chunk id.
    row_chunks: Vec<Box<str>>,
}

impl VectorIndex {
    /// The index of a docpack's embeddings; empty without embeddings.
    pub fn build(d: &Docpack, symbol_index: &FxHashMap<&str, u32>) -> VectorIndex {
        let Some(e) = &d.embeddings else {
            return VectorIndex::default();
        };
        let dims = e.dims();
        let mut index = VectorIndex {
            dims,
            rows: Vec::with_capacity(e.len() * dims),
            ..VectorIndex::default()
        };
        for chunk in d.source_map.files.iter().flat_map(|f| &f.chunks) {
            let Some(v) = e.get(&chunk.id) else { continue };
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            let scale = if norm > 0.0 { 1.0 / norm } else { 0.0 };
            index.rows.extend(v.iter().map(|x| x * scale));
            index.row_symbols.push(
                chunk
                    .symbol_ids
                    .iter()
                    .filter_map(|s| symbol_index.get(s.as_str()).copied())
                    .collect(),
            );
            index.row_chunks.push(chunk.id.as_str().into());
        }
        index
    }

    pub fn dims(&self) -> usize {
        self.dims
    }

    pub fn is_empty(&self) -> bool {
        self.row_chunks.is_empty()
    }

    /// Per symbol (of `symbols` in all): the best cosine similarity of its
    /// chunks to `query` and that chunk's row, or `None` for a symbol with
    /// no embedded chunk. `query` must have [`VectorIndex::dims`] dimensions.
    pub fn symbol_scores(&self, query: &[f32], symbols: usize) -> Vec<Option<(f32, u32)>> {
        let mut best: Vec<Option<(f32, u32)>> = vec![None; symbols];
        if query.len() != self.dims || self.dims == 0 {
            return best;
        }
        let norm = query.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm == 0.0 {
            return best;
        }
        let q: Vec<f32> = query.iter().map(|x| x / norm).collect();
        for (row, vector) in self.rows.chunks_exact(self.dims).enumerate() {
            let score = dot(&q, vector);
            for &s in &self.row_symbols[row] {
                let slot = &mut best[s as usize];
                if slot.is_none_or(|(b, _)| score > b) {
                    *slot = Some((score, row as u32));
                }
            }
        }
        best
    }

    /// The chunk id of a row.
    pub fn chunk(&self, row: u32) -> &str {
        &self.row_chunks[row as usize]
    }

    pub fn heap_bytes(&self) -> usize {
        self.rows.capacity() * 4
            + self
                .row_symbols
                .iter()
                .map(|s| s.capacity() * 4 + 24)
                .sum::<usize>()
            + self.row_chunks.iter().map(|c| c.len() + 16).sum::<usize>()
    }
}

/// Dot product in eight independent lanes, so the compiler vectorises it.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::dot;

    #[test]
    fn dot_matches_the_plain_sum() {
        let a: Vec<f32> = (0..19).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..19).map(|i| 1.0 - i as f32 * 0.1).collect();
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - plain).abs() < 1e-4);
    }
}
