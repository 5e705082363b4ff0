//! What a rebuild takes from the last build of the same source instead of
//! computing it again: the k-means labels, when the vectors and settings
//! are the same to the bit.
//!
//! K-means is the costliest step of a rebuild whose embeddings did not
//! change (a third of assemble's time on a 300-file repository), and it is
//! deterministic: the same rows and settings give the same labels. The memo
//! holds one entry — a digest of what the labels were computed from, and
//! the labels — and a run whose digest matches uses them; anything else
//! (another digest, a damaged or missing entry) computes them as a cold
//! build does. The result is byte-identical either way.

use crate::kmeans::KMeansSettings;
use crate::vectors::SymbolVectors;
use sha2::{Digest, Sha256};

/// One slot of stored bytes (the assemble handler's is an object in the
/// store, one per source).
pub trait Memo: Sync {
    /// What the last `put` stored, if anything.
    fn get(&self) -> Option<Vec<u8>>;
    /// Replaces the stored bytes; a failure only costs the next run time.
    fn put(&self, bytes: &[u8]);
}

const TAG: &[u8] = b"doctown kmeans labels v1\n";
const DIGEST: usize = 32;

/// The digest of everything k-means labels depend on.
fn digest(vectors: &SymbolVectors, settings: &KMeansSettings) -> [u8; DIGEST] {
    let mut hasher = Sha256::new();
    hasher.update(TAG);
    for n in [
        settings.k as u64,
        settings.seed,
        settings.runs as u64,
        settings.max_iterations,
        settings.sample as u64,
        vectors.len() as u64,
        vectors.dims as u64,
    ] {
        hasher.update(n.to_le_bytes());
    }
    let mut row = Vec::with_capacity(vectors.dims * 4);
    for i in 0..vectors.len() {
        row.clear();
        row.extend(vectors.row(i).iter().flat_map(|x| x.to_le_bytes()));
        hasher.update(&row);
    }
    hasher.finalize().into()
}

/// The labels of `vectors` (one per row, each below `settings.k`): the
/// memo's when it holds this input's, otherwise `compute`'s, which are
/// then stored.
pub fn labels<E>(
    vectors: &SymbolVectors,
    settings: KMeansSettings,
    memo: Option<&dyn Memo>,
    compute: impl FnOnce() -> Result<Vec<usize>, E>,
) -> Result<Vec<usize>, E> {
    let Some(memo) = memo else {
        return compute();
    };
    let key = digest(vectors, &settings);
    if let Some(labels) = memo
        .get()
        .and_then(|bytes| decode(&bytes, &key, vectors.len(), settings.k))
    {
        return Ok(labels);
    }
    let labels = compute()?;
    memo.put(&encode(&key, &labels));
    Ok(labels)
}

fn encode(key: &[u8; DIGEST], labels: &[usize]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(DIGEST + labels.len() * 4);
    bytes.extend_from_slice(key);
    for &label in labels {
        bytes.extend_from_slice(&(label as u32).to_le_bytes());
    }
    bytes
}

/// The stored labels when they are this input's and well-formed.
fn decode(bytes: &[u8], key: &[u8; DIGEST], rows: usize, k: usize) -> Option<Vec<usize>> {
    let (stored, rest) = bytes.split_at_checked(DIGEST)?;
    if stored != key || rest.len() != rows * 4 {
        return None;
    }
    let labels: Vec<usize> = rest
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    labels.iter().all(|&l| l < k.max(1)).then_some(labels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Slot(Mutex<Option<Vec<u8>>>);

    impl Memo for Slot {
        fn get(&self) -> Option<Vec<u8>> {
            self.0.lock().unwrap().clone()
        }
        fn put(&self, bytes: &[u8]) {
            *self.0.lock().unwrap() = Some(bytes.to_vec());
        }
    }

    fn vectors(rows: &[[f32; 2]]) -> SymbolVectors {
        SymbolVectors {
            dims: 2,
            rows: rows.iter().flatten().copied().collect(),
            row_of: (0..rows.len() as u32).map(Some).collect(),
            symbol_of: (0..rows.len() as u32).collect(),
        }
    }

    fn settings(k: usize) -> KMeansSettings {
        KMeansSettings {
            k,
            seed: 7,
            runs: 1,
            max_iterations: 10,
            sample: 100,
        }
    }

    fn run(
        v: &SymbolVectors,
        s: KMeansSettings,
        memo: &Slot,
        answer: Vec<usize>,
    ) -> (Vec<usize>, bool) {
        let mut computed = false;
        let labels = labels::<()>(v, s, Some(memo), || {
            computed = true;
            Ok(answer)
        })
        .unwrap();
        (labels, computed)
    }

    #[test]
    fn reuses_only_the_same_input() {
        let memo = Slot::default();
        let v = vectors(&[[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]);
        assert_eq!(
            run(&v, settings(2), &memo, vec![0, 1, 1]),
            (vec![0, 1, 1], true)
        );
        // The same input: the stored labels, nothing computed.
        assert_eq!(
            run(&v, settings(2), &memo, vec![9, 9, 9]),
            (vec![0, 1, 1], false)
        );
        // One bit of one vector, or one setting, differs: computed again.
        let changed = vectors(&[[0.0, 1.0], [1.0, 0.0], [0.5, 0.500_001]]);
        assert_eq!(
            run(&changed, settings(2), &memo, vec![1, 0, 0]),
            (vec![1, 0, 0], true)
        );
        let mut seeded = settings(2);
        seeded.seed = 8;
        assert_eq!(
            run(&changed, seeded, &memo, vec![0, 0, 1]),
            (vec![0, 0, 1], true)
        );
        assert_eq!(run(&changed, seeded, &memo, vec![]), (vec![0, 0, 1], false));
    }

    #[test]
    fn a_damaged_entry_is_computed_again() {
        let v = vectors(&[[0.0, 1.0], [1.0, 0.0]]);
        let key = digest(&v, &settings(2));
        for bytes in [
            Vec::new(),
            key[..10].to_vec(),
            encode(&key, &[0]),          // too few labels
            encode(&key, &[0, 1, 1]),    // too many
            encode(&key, &[0, 2]),       // a label not below k
            encode(&[0u8; 32], &[0, 1]), // another input's
        ] {
            let memo = Slot(Mutex::new(Some(bytes)));
            assert_eq!(run(&v, settings(2), &memo, vec![1, 0]), (vec![1, 0], true));
            assert_eq!(memo.get(), Some(encode(&key, &[1, 0])));
        }
    }

    #[test]
    fn without_a_memo_it_computes() {
        let v = vectors(&[[0.0, 1.0]]);
        let labels = labels::<()>(&v, settings(1), None, || Ok(vec![0])).unwrap();
        assert_eq!(labels, vec![0]);
    }
}
