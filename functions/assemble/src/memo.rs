//! What a rebuild takes from the last build of the same source instead of
//! computing it again: the k-means labels and the related neighbours, when
//! the vectors and settings they come from are the same to the bit. Both
//! are entries of the one memo ([`doctown_pipeline::memo`]), whose input
//! digest is that of the vectors and settings.
//!
//! Both are the costliest steps of a rebuild whose embeddings did not
//! change (two thirds of assemble's time on a 300-file repository), and
//! both are deterministic: the same rows and settings give the same result.
//! The memo holds one entry per result — a digest of what it was computed
//! from, and the result — and a run whose digest matches uses it; anything
//! else (another digest, a damaged or missing entry) computes it as a cold
//! build does. The neighbours' entry (under the settings' digest) also
//! keeps the vectors' digest and each row's, so a
//! run whose vectors changed in part brings the last lists up to date
//! ([`neighbours`]); k-means, whose result depends on every row, runs
//! again. The docpack is byte-identical either way.

use crate::kmeans::KMeansSettings;
use crate::similarity::Neighbours;
use crate::vectors::SymbolVectors;
use doctown_pipeline::memo::{Memo, Slot};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::OnceLock;

const DIGEST: usize = 32;
type Key = [u8; DIGEST];

/// A build's memo and the vectors every kept result comes from: the rows
/// are hashed once, on first use, for all of them.
pub struct Memoised<'a> {
    memo: &'a Memo<'a>,
    vectors: &'a SymbolVectors,
    rows: OnceLock<Vec<RowDigest>>,
}

/// A digest of one row's bits (the first half of its SHA-256): what tells
/// a rebuild which rows are the same as the last build's.
type RowDigest = [u8; ROW_DIGEST];
const ROW_DIGEST: usize = 16;

impl<'a> Memoised<'a> {
    pub fn new(memo: &'a Memo<'a>, vectors: &'a SymbolVectors) -> Self {
        Memoised {
            memo,
            vectors,
            rows: OnceLock::new(),
        }
    }

    /// Each row's digest, computed on first use.
    fn row_digests(&self) -> &[RowDigest] {
        let v = self.vectors;
        self.rows.get_or_init(|| {
            (0..v.len())
                .into_par_iter()
                .map(|i| {
                    let mut hasher = Sha256::new();
                    for x in v.row(i) {
                        hasher.update(x.to_le_bytes());
                    }
                    let digest: Key = hasher.finalize().into();
                    let mut row = [0u8; ROW_DIGEST];
                    row.copy_from_slice(&digest[..ROW_DIGEST]);
                    row
                })
                .collect()
        })
    }

    /// The digest of a result's kind and its settings, and with `rows`,
    /// of every vector row too.
    fn digest(&self, tag: &str, settings: &[u64], rows: bool) -> Key {
        let v = self.vectors;
        let mut hasher = Sha256::new();
        hasher.update(tag.as_bytes());
        hasher.update([b'\n']);
        for n in settings.iter().chain(&[v.dims as u64, kernels()]) {
            hasher.update(n.to_le_bytes());
        }
        if rows {
            hasher.update((v.len() as u64).to_le_bytes());
            for row in self.row_digests() {
                hasher.update(row);
            }
        }
        hasher.finalize().into()
    }

    /// The digest of a result's kind, its settings and every vector row.
    fn key(&self, tag: &str, settings: &[u64]) -> Key {
        self.digest(tag, settings, true)
    }
}

/// Which matrix-product kernels this machine runs (matrixmultiply picks
/// one by the CPU's features; FMA and plain multiply-adds round
/// differently): a result kept by a machine with others is not reused, so
/// a rebuild's bits are always this machine's.
fn kernels() -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        let features = [
            std::arch::is_x86_feature_detected!("fma"),
            std::arch::is_x86_feature_detected!("avx2"),
            std::arch::is_x86_feature_detected!("avx"),
            std::arch::is_x86_feature_detected!("sse2"),
        ];
        features
            .iter()
            .enumerate()
            .fold(1, |bits, (i, &on)| bits | (u64::from(on) << (i + 1)))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        std::env::consts::ARCH
            .bytes()
            .fold(0, |h, b| h.wrapping_mul(31) ^ u64::from(b))
            << 8
    }
}

/// `compute()`, or the memo's entry `name` when it was computed from the
/// input whose digest is `key` and `decode` accepts it; a computed result
/// is stored.
fn memoised<T, E>(
    memo: Option<&Memoised>,
    name: &str,
    key: impl FnOnce(&Memoised) -> Key,
    encode: impl FnOnce(&T) -> Vec<u8>,
    decode: impl FnOnce(&[u8], usize) -> Option<T>,
    compute: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    let Some(m) = memo else {
        return compute();
    };
    let key = key(m);
    let slot = Slot::new(name, 1).from(&key);
    let stored = m
        .memo
        .get(slot)
        .and_then(|bytes| decode(&bytes, m.vectors.len()));
    if let Some(value) = stored {
        return Ok(value);
    }
    let value = compute()?;
    m.memo.put(slot, &encode(&value));
    Ok(value)
}

/// The digest of what k-means labels depend on.
fn labels_key(m: &Memoised, s: &KMeansSettings) -> Key {
    let params = [
        s.k as u64,
        s.seed,
        s.runs as u64,
        s.max_iterations,
        s.sample as u64,
    ];
    m.key("kmeans labels v1", &params)
}

/// The k-means labels of the memo's vectors (one per row, each below
/// `settings.k`).
pub fn labels<E>(
    memo: Option<&Memoised>,
    settings: KMeansSettings,
    compute: impl FnOnce() -> Result<Vec<usize>, E>,
) -> Result<Vec<usize>, E> {
    memoised(
        memo,
        "kmeans",
        |m| labels_key(m, &settings),
        |labels: &Vec<usize>| encode_labels(labels),
        |bytes, rows| decode_labels(bytes, rows, settings.k),
        compute,
    )
}

/// The related neighbours of every row of the memo's vectors; `params`
/// are the settings they depend on (k, threshold, method), as numbers.
///
/// The memo keeps each row's digest beside the lists, so a build whose
/// vectors changed in part can bring the last build's lists up to date:
/// `update(earlier, old_of_new)` is given those lists and, per row, the
/// earlier row with the same vector (matched in order among equal ones),
/// and returns the lists, or `None` when it cannot ([`crate::similarity::top_k_updated`]);
/// then `compute()` runs.
pub fn neighbours(
    memo: Option<&Memoised>,
    params: &[u64],
    update: impl FnOnce(&Neighbours, &[Option<u32>]) -> Option<Neighbours>,
    compute: impl FnOnce() -> Neighbours,
) -> Neighbours {
    const TAG: &str = "related neighbours v2";
    let Some(m) = memo else {
        return compute();
    };
    let (key, settings) = (m.key(TAG, params), m.digest(TAG, params, false));
    let slot = Slot::new("neighbours", 3).from(&settings);
    let stored = m.memo.get(slot).and_then(|b| StoredNeighbours::parse(&b));
    let updated = match stored {
        Some(s) if s.key == key && s.neighbours.len() == m.vectors.len() => return s.neighbours,
        Some(s) => update(&s.neighbours, &matched_rows(&s.rows, m.row_digests())),
        None => None,
    };
    let neighbours = match updated {
        Some(n) if n.len() == m.vectors.len() => {
            tracing::debug!(rows = n.len(), "related neighbours brought up to date");
            n
        }
        _ => compute(),
    };
    m.memo.put(
        slot,
        &StoredNeighbours::encode(&key, m.row_digests(), &neighbours),
    );
    neighbours
}

/// The memo's neighbours entry (under the settings' digest): the digest
/// of the input, each row's digest, and the lists.
struct StoredNeighbours {
    key: Key,
    rows: Vec<RowDigest>,
    neighbours: Neighbours,
}

impl StoredNeighbours {
    fn encode(key: &Key, rows: &[RowDigest], neighbours: &Neighbours) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(DIGEST + 4 + rows.len() * ROW_DIGEST);
        bytes.extend(key);
        bytes.extend((rows.len() as u32).to_le_bytes());
        rows.iter().for_each(|r| bytes.extend(r));
        bytes.extend(encode_neighbours(neighbours));
        bytes
    }

    fn parse(bytes: &[u8]) -> Option<StoredNeighbours> {
        let (key, rest) = bytes.split_at_checked(DIGEST)?;
        let (count, rest) = rest.split_at_checked(4)?;
        let count = u32::from_le_bytes(count.try_into().ok()?) as usize;
        let (rows, rest) = rest.split_at_checked(count.checked_mul(ROW_DIGEST)?)?;
        Some(StoredNeighbours {
            key: key.try_into().ok()?,
            rows: rows
                .chunks_exact(ROW_DIGEST)
                .map(|r| r.try_into().unwrap_or([0; ROW_DIGEST]))
                .collect(),
            neighbours: decode_neighbours(rest, count)?,
        })
    }
}

/// Per row of `now`, the row of `earlier` with the same digest: equal
/// digests are matched in order, each earlier row at most once.
fn matched_rows(earlier: &[RowDigest], now: &[RowDigest]) -> Vec<Option<u32>> {
    let mut rows: HashMap<&RowDigest, VecDeque<u32>> = HashMap::new();
    for (i, row) in earlier.iter().enumerate() {
        rows.entry(row).or_default().push_back(i as u32);
    }
    now.iter()
        .map(|row| rows.get_mut(row).and_then(VecDeque::pop_front))
        .collect()
}

fn encode_labels(labels: &[usize]) -> Vec<u8> {
    labels
        .iter()
        .flat_map(|&l| (l as u32).to_le_bytes())
        .collect()
}

fn decode_labels(bytes: &[u8], rows: usize, k: usize) -> Option<Vec<usize>> {
    if bytes.len() != rows * 4 {
        return None;
    }
    let labels: Vec<usize> = bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    labels.iter().all(|&l| l < k.max(1)).then_some(labels)
}

/// Per row: its count (u32), then (row u32, score f32) per neighbour.
fn encode_neighbours(neighbours: &Neighbours) -> Vec<u8> {
    let mut bytes = Vec::new();
    for list in neighbours {
        bytes.extend((list.len() as u32).to_le_bytes());
        for &(other, score) in list {
            bytes.extend(other.to_le_bytes());
            bytes.extend(score.to_le_bytes());
        }
    }
    bytes
}

fn decode_neighbours(bytes: &[u8], rows: usize) -> Option<Neighbours> {
    let mut words = bytes.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]);
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(rows);
    for _ in 0..rows {
        let count = u32::from_le_bytes(words.next()?) as usize;
        if count > rows {
            return None;
        }
        let mut list = Vec::with_capacity(count);
        for _ in 0..count {
            let other = u32::from_le_bytes(words.next()?);
            let score = f32::from_le_bytes(words.next()?);
            if other as usize >= rows || !score.is_finite() {
                return None;
            }
            list.push((other, score));
        }
        out.push(list);
    }
    words.next().is_none().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use doctown_core::Stage;
    use doctown_store::{MemoryStore, ObjectStore};

    fn memo(store: &MemoryStore) -> Memo<'_> {
        Memo::for_source(store, "src", Stage::Assemble).as_build("test")
    }

    fn key_of(memo: &Memo, v: &SymbolVectors, s: KMeansSettings) -> Key {
        labels_key(&Memoised::new(memo, v), &s)
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
        memo: &Memo,
        answer: Vec<usize>,
    ) -> (Vec<usize>, bool) {
        let mut computed = false;
        let labels = labels::<()>(Some(&Memoised::new(memo, v)), s, || {
            computed = true;
            Ok(answer)
        })
        .unwrap();
        (labels, computed)
    }

    #[test]
    fn reuses_only_the_same_input() {
        let store = MemoryStore::default();
        let memo = &memo(&store);
        let v = vectors(&[[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]);
        assert_eq!(
            run(&v, settings(2), memo, vec![0, 1, 1]),
            (vec![0, 1, 1], true)
        );
        // The same input: the stored labels, nothing computed.
        assert_eq!(
            run(&v, settings(2), memo, vec![9, 9, 9]),
            (vec![0, 1, 1], false)
        );
        // One bit of one vector, or one setting, differs: computed again.
        let changed = vectors(&[[0.0, 1.0], [1.0, 0.0], [0.5, 0.500_001]]);
        assert_eq!(
            run(&changed, settings(2), memo, vec![1, 0, 0]),
            (vec![1, 0, 0], true)
        );
        let mut seeded = settings(2);
        seeded.seed = 8;
        assert_eq!(
            run(&changed, seeded, memo, vec![0, 0, 1]),
            (vec![0, 0, 1], true)
        );
        assert_eq!(run(&changed, seeded, memo, vec![]), (vec![0, 0, 1], false));
    }

    #[test]
    fn an_entry_that_does_not_fit_is_computed_again() {
        let store = MemoryStore::default();
        let memo = &memo(&store);
        let v = vectors(&[[0.0, 1.0], [1.0, 0.0]]);
        let key = key_of(memo, &v, settings(2));
        let slot = Slot::new("kmeans", 1);
        for (input, labels) in [
            (key, &[0][..]),      // too few labels
            (key, &[0, 1, 1]),    // too many
            (key, &[0, 2]),       // a label not below k
            ([0u8; 32], &[0, 1]), // another input's
        ] {
            memo.put(slot.from(&input), &encode_labels(labels));
            assert_eq!(run(&v, settings(2), memo, vec![1, 0]), (vec![1, 0], true));
            assert_eq!(memo.get(slot.from(&key)), Some(encode_labels(&[1, 0])));
        }
        // What is not a memo entry at all.
        store.put(&memo.key("kmeans"), b"garbage").unwrap();
        assert_eq!(run(&v, settings(2), memo, vec![0, 1]), (vec![0, 1], true));
    }

    /// The lists `neighbours` answers, and what it was asked: whether it
    /// computed, and the mapping it gave `update` (if it called it).
    fn find(
        v: &SymbolVectors,
        memo: &Memo,
        params: &[u64],
        answer: &Neighbours,
        updated: Option<Neighbours>,
    ) -> (Neighbours, bool, Option<Vec<Option<u32>>>) {
        let (mut computed, mut mapping) = (false, None);
        let found = neighbours(
            Some(&Memoised::new(memo, v)),
            params,
            |_, old_of_new| {
                mapping = Some(old_of_new.to_vec());
                updated
            },
            || {
                computed = true;
                answer.clone()
            },
        );
        (found, computed, mapping)
    }

    #[test]
    fn neighbours_round_trip_and_refuse_damage() {
        let v = vectors(&[[0.0, 1.0], [1.0, 0.0], [0.6, 0.8]]);
        let found: Neighbours = vec![vec![(2, 0.8)], vec![], vec![(0, 0.8), (1, 0.6)]];
        let store = MemoryStore::default();
        let memo = &memo(&store);
        let params = [2, 0.5f32.to_bits() as u64];
        assert_eq!(
            find(&v, memo, &params, &found, None),
            (found.clone(), true, None)
        );
        // The same input: the stored lists, nothing computed or updated.
        assert_eq!(
            find(&v, memo, &params, &vec![], None),
            (found.clone(), false, None)
        );
        // Other settings: computed again, never updated.
        let none = vec![vec![]; 3];
        assert_eq!(
            find(&v, memo, &[3, 0], &none, None),
            (none.clone(), true, None)
        );
        let bytes = encode_neighbours(&found);
        assert_eq!(decode_neighbours(&bytes, 3), Some(found.clone()));
        for damaged in [
            &bytes[..bytes.len() - 1],             // cut inside a word
            &bytes[..bytes.len() - 4],             // a neighbour short
            &[bytes.as_slice(), &[0; 4]].concat(), // a word too many
        ] {
            assert_eq!(decode_neighbours(damaged, 3), None);
        }
        let far = encode_neighbours(&vec![vec![(3, 0.5)], vec![], vec![]]);
        assert_eq!(decode_neighbours(&far, 3), None, "a row beyond the vectors");
        let nan = encode_neighbours(&vec![vec![(1, f32::NAN)], vec![], vec![]]);
        assert_eq!(decode_neighbours(&nan, 3), None);
        // A damaged entry (a bit flipped in the key, the row digests, the
        // lists): computed again, whole, never updated from it.
        let key = memo.key("neighbours");
        let stored = store.get_bytes(&key).unwrap().unwrap();
        for at in [stored.len() - 90, stored.len() - 60, stored.len() - 20] {
            let mut bytes = stored.clone();
            bytes[at] ^= 1;
            store.put(&key, &bytes).unwrap();
            assert_eq!(
                find(&v, memo, &[3, 0], &none, Some(vec![])),
                (none.clone(), true, None)
            );
        }
        // An intact entry for these vectors that holds lists for 4 rows.
        let m = Memoised::new(memo, &v);
        let forged = StoredNeighbours::encode(
            &m.key("related neighbours v2", &[3, 0]),
            &[[0u8; ROW_DIGEST]; 4],
            &vec![vec![]; 4],
        );
        let settings = m.digest("related neighbours v2", &[3, 0], false);
        memo.put(Slot::new("neighbours", 3).from(&settings), &forged);
        // Not taken as this input's lists: offered as an earlier input's
        // (none of its rows is one of these), then computed.
        assert_eq!(
            find(&v, memo, &[3, 0], &none, None),
            (none.clone(), true, Some(vec![None; 3]))
        );
    }

    #[test]
    fn changed_vectors_bring_the_last_lists_up_to_date() {
        let v = vectors(&[[0.0, 1.0], [1.0, 0.0], [0.6, 0.8], [0.0, 1.0]]);
        let first: Neighbours = vec![vec![(3, 1.0)], vec![], vec![], vec![(0, 1.0)]];
        let store = MemoryStore::default();
        let memo = &memo(&store);
        let params = [2, 0];
        find(&v, memo, &params, &first, None);
        // A row inserted, one changed; the two equal rows matched in order.
        let now = vectors(&[[0.0, 1.0], [0.8, 0.6], [1.0, 0.0], [0.6, 0.81], [0.0, 1.0]]);
        let update: Neighbours = vec![vec![]; 5];
        let (found, computed, mapping) = find(&now, memo, &params, &vec![], Some(update.clone()));
        assert_eq!((found, computed), (update.clone(), false));
        assert_eq!(mapping, Some(vec![Some(0), None, Some(1), None, Some(3)]));
        // What the update answered is stored for the next build.
        assert_eq!(
            find(&now, memo, &params, &vec![], None),
            (update, false, None)
        );
        // An update that cannot (or answers for other rows): computed.
        let whole: Neighbours = vec![vec![(4, 1.0)], vec![], vec![], vec![], vec![(0, 1.0)]];
        let moved = vectors(&[[0.0, 1.0], [1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [0.5, 0.5]]);
        assert!(find(&moved, memo, &params, &whole, None).1);
        let again = vectors(&[[0.0, 1.0], [1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [0.4, 0.5]]);
        let wrong = Some(vec![vec![]; 2]);
        assert!(find(&again, memo, &params, &whole, wrong).1);
    }

    #[test]
    fn without_a_memo_it_computes() {
        let labels = labels::<()>(None, settings(1), || Ok(vec![0])).unwrap();
        assert_eq!(labels, vec![0]);
    }
}
