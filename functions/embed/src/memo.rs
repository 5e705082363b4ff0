//! The vectors of a source's last embed, kept in one memo entry
//! ([`doctown_pipeline::memo`], under the cache id of the model and
//! backend) so that a rebuild reads them in one piece instead of one
//! cache entry per text (a 300-file repository has about 4,000 texts: as
//! many files opened and read on every rebuild).
//!
//! The per-text cache ([`crate::cache`]) stays what is shared between
//! sources and jobs; the memo only answers first. It is keyed by the text
//! hash, like the cache, so a vector read from it is the one the cache
//! holds for that text. The payload is
//!
//! ```text
//! dims (u32)  count (u32)  count × ( hash length (u16)  hash  dims × f32 )
//! ```
//!
//! little-endian. One that does not decode, or holds a value that is not
//! finite, reads as an empty memo: the cache answers every text and the
//! memo is written again.

use doctown_pipeline::memo::Slot;
use std::collections::HashMap;

/// The memo's entry for vectors made under `cache_id`.
pub fn slot(cache_id: &str) -> Slot<'_> {
    Slot::new("vectors", 1).from(cache_id.as_bytes())
}

/// Vectors by text hash, as the last embed of a source stored them.
#[derive(Debug, Default)]
pub struct VectorMemo {
    vectors: HashMap<String, Vec<f32>>,
}

impl VectorMemo {
    /// The memo in `payload` if it decodes; otherwise an empty one.
    pub fn parse(payload: &[u8]) -> VectorMemo {
        decode(payload).unwrap_or_default()
    }

    pub fn len(&self) -> usize {
        self.vectors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vectors.is_empty()
    }

    /// The vector of a text hash.
    pub fn get(&self, hash: &str) -> Option<&[f32]> {
        self.vectors.get(hash).map(Vec::as_slice)
    }

    /// Whether the memo holds exactly these text hashes: then a new memo
    /// would be the same, and need not be written.
    pub fn holds_exactly<'h>(&self, hashes: impl ExactSizeIterator<Item = &'h str>) -> bool {
        hashes.len() == self.vectors.len() && {
            let mut hashes = hashes;
            hashes.all(|h| self.vectors.contains_key(h))
        }
    }
}

/// The payload of a memo of `entries` (text hash, vector). Every vector
/// must have `dims` values.
pub fn encode<'e>(
    dims: usize,
    entries: impl ExactSizeIterator<Item = (&'e str, &'e [f32])>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + entries.len() * (66 + 4 * dims));
    out.extend_from_slice(&(dims as u32).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    for (hash, vector) in entries {
        debug_assert_eq!(vector.len(), dims);
        out.extend_from_slice(&(hash.len() as u16).to_le_bytes());
        out.extend_from_slice(hash.as_bytes());
        for v in vector {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

fn decode(payload: &[u8]) -> Option<VectorMemo> {
    let mut r = Reader(payload);
    let dims = r.u32()? as usize;
    let count = r.u32()? as usize;
    let mut vectors = HashMap::with_capacity(count.min(payload.len() / (2 + 4 * dims.max(1))));
    for _ in 0..count {
        let hash_len = r.u16()? as usize;
        let hash = std::str::from_utf8(r.take(hash_len)?).ok()?.to_string();
        let vector: Vec<f32> = r
            .take(dims.checked_mul(4)?)?
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        if vector.iter().any(|v| !v.is_finite()) {
            return None;
        }
        vectors.insert(hash, vector);
    }
    r.0.is_empty().then_some(VectorMemo { vectors })
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (Vec<String>, Vec<Vec<f32>>) {
        let hashes = (0..5).map(|i| format!("{i:064x}")).collect();
        let vectors = (0..5)
            .map(|i| (0..4).map(|d| (i * 4 + d) as f32 * 0.125 - 1.0).collect())
            .collect();
        (hashes, vectors)
    }

    fn bytes() -> Vec<u8> {
        let (hashes, vectors) = sample();
        encode(
            4,
            hashes
                .iter()
                .map(String::as_str)
                .zip(vectors.iter().map(Vec::as_slice)),
        )
    }

    #[test]
    fn a_memo_reads_back_every_vector_to_the_bit() {
        let memo = VectorMemo::parse(&bytes());
        let (hashes, vectors) = sample();
        assert_eq!(memo.len(), 5);
        for (hash, vector) in hashes.iter().zip(&vectors) {
            assert_eq!(memo.get(hash), Some(vector.as_slice()));
        }
        assert_eq!(memo.get("absent"), None);
        assert!(memo.holds_exactly(hashes.iter().map(String::as_str)));
        assert!(!memo.holds_exactly(hashes[..4].iter().map(String::as_str)));
        let mut other = hashes.clone();
        other[2] = "another".into();
        assert!(!memo.holds_exactly(other.iter().map(String::as_str)));
    }

    #[test]
    fn a_payload_that_does_not_decode_reads_as_empty() {
        let good = bytes();
        assert!(VectorMemo::parse(b"").is_empty());
        assert!(VectorMemo::parse(b"not a memo").is_empty());
        for cut in 0..good.len() {
            assert!(VectorMemo::parse(&good[..cut]).is_empty(), "{cut}");
        }
        let mut longer = good.clone();
        longer.push(0);
        assert!(VectorMemo::parse(&longer).is_empty());
    }

    #[test]
    fn a_memo_with_a_non_finite_value_is_refused() {
        let hash = "h".to_string();
        let vector = [0.5, f32::NAN];
        let bytes = encode(2, std::iter::once((hash.as_str(), &vector[..])));
        assert!(VectorMemo::parse(&bytes).is_empty());
    }
}
