//! Vector access and symbol vectors: a symbol's vector is the normalised
//! mean of its chunks' vectors. Vectors are validated as they are read: a
//! wrong dimension or a non-finite value is a one-line error.

use crate::chunks::ChunkInfo;
use crate::error::AssembleError;
use crate::numeric::normalize;
use doctown_core::Symbol;
use std::collections::HashMap;

/// Random access to embedding vectors by chunk id (the embed stage's
/// `vectors.bin` reader implements this).
pub trait VectorLookup {
    /// The dimension of every vector.
    fn dims(&self) -> usize;
    /// The vector of a chunk, `None` when it has none.
    fn get(&self, chunk_id: &str) -> Option<Vec<f32>>;
}

/// Vectors held in a map (tests, benchmarks, small jobs).
#[derive(Debug, Clone, Default)]
pub struct MemoryVectors {
    dims: usize,
    vectors: HashMap<String, Vec<f32>>,
}

impl MemoryVectors {
    pub fn new(dims: usize) -> Self {
        MemoryVectors {
            dims,
            vectors: HashMap::new(),
        }
    }

    pub fn insert(&mut self, chunk_id: impl Into<String>, vector: Vec<f32>) {
        self.vectors.insert(chunk_id.into(), vector);
    }
}

impl VectorLookup for MemoryVectors {
    fn dims(&self) -> usize {
        self.dims
    }

    fn get(&self, chunk_id: &str) -> Option<Vec<f32>> {
        self.vectors.get(chunk_id).cloned()
    }
}

/// Unit vectors of the symbols that have any: `rows` is row-major
/// `len() × dims`; `row_of[symbol]` is its row, `symbol_of[row]` its symbol.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SymbolVectors {
    pub dims: usize,
    pub rows: Vec<f32>,
    pub row_of: Vec<Option<u32>>,
    pub symbol_of: Vec<u32>,
}

impl SymbolVectors {
    pub fn len(&self) -> usize {
        self.symbol_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.symbol_of.is_empty()
    }

    /// The row of vector `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.rows[i * self.dims..(i + 1) * self.dims]
    }
}

/// Reads, checks and averages the vectors of each symbol's chunks.
/// `symbols` must be sorted by id (as in [`crate::AssembleInput`]).
pub fn symbol_vectors(
    symbols: &[Symbol],
    chunks: &[ChunkInfo],
    lookup: &dyn VectorLookup,
) -> Result<SymbolVectors, AssembleError> {
    let dims = lookup.dims();
    if dims == 0 {
        return Err(AssembleError::Invalid(
            "the vectors have 0 dimensions".into(),
        ));
    }
    let mut by_symbol: Vec<(usize, &str)> = chunks
        .iter()
        .filter_map(|c| {
            let id = c.symbol_id.as_ref()?;
            let index = symbols.binary_search_by(|s| s.id.cmp(id)).ok()?;
            Some((index, c.id.as_str()))
        })
        .collect();
    by_symbol.sort_unstable();
    let mut out = SymbolVectors {
        dims,
        rows: Vec::new(),
        row_of: vec![None; symbols.len()],
        symbol_of: Vec::new(),
    };
    let mut sum = vec![0f64; dims];
    for group in by_symbol.chunk_by(|a, b| a.0 == b.0) {
        sum.iter_mut().for_each(|x| *x = 0.0);
        let mut found = false;
        for (_, chunk_id) in group {
            let Some(vector) = lookup.get(chunk_id) else {
                continue;
            };
            check(chunk_id, &vector, dims)?;
            sum.iter_mut()
                .zip(&vector)
                .for_each(|(s, v)| *s += f64::from(*v));
            found = true;
        }
        let mut mean: Vec<f32> = sum.iter().map(|x| *x as f32).collect();
        if found && normalize(&mut mean) {
            out.row_of[group[0].0] = Some(out.symbol_of.len() as u32);
            out.symbol_of.push(group[0].0 as u32);
            out.rows.extend_from_slice(&mean);
        }
    }
    Ok(out)
}

fn check(chunk_id: &str, vector: &[f32], dims: usize) -> Result<(), AssembleError> {
    if vector.len() != dims {
        return Err(AssembleError::Invalid(format!(
            "the vector of chunk {chunk_id} has {} dimensions, expected {dims}",
            vector.len()
        )));
    }
    if vector.iter().any(|x| !x.is_finite()) {
        return Err(AssembleError::Invalid(format!(
            "the vector of chunk {chunk_id} contains NaN or infinity"
        )));
    }
    Ok(())
}
