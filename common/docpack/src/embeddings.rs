//! `embeddings.bin`: a compact table of float32 vectors keyed by chunk id,
//! with random access by binary search over a sorted, fixed-width index.
//!
//! Layout (all integers unsigned 32-bit little-endian):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic `DPEV` |
//! | 4 | 4 | layout version, `1` |
//! | 8 | 4 | `count`: rows |
//! | 12 | 4 | `dims`: floats per row |
//! | 16 | 4 | `id_width`: bytes per index slot |
//! | 20 | `count × id_width` | index: chunk ids, UTF-8, NUL-padded, strictly ascending bytewise |
//! | … | 0–3 | zero padding to a multiple of 4 |
//! | `V` | `count × dims × 4` | rows: `f32` little-endian; row `i` belongs to index slot `i` |
//!
//! The file size must be exactly `V + count × dims × 4` where
//! `V = align4(20 + count × id_width)`; any other size is an error.

use crate::error::DocpackError;

/// Magic bytes at the start of `embeddings.bin`.
pub const MAGIC: &[u8; 4] = b"DPEV";
/// Layout version of `embeddings.bin`.
pub const LAYOUT_VERSION: u32 = 1;
const HEADER: usize = 20;

/// Embedding vectors keyed by chunk id, sorted by id.
#[derive(Debug, Clone, PartialEq)]
pub struct Embeddings {
    dims: usize,
    ids: Vec<String>,
    data: Vec<f32>,
}

fn bad(msg: impl Into<String>) -> DocpackError {
    DocpackError::Embeddings(crate::error::clean(&msg.into()))
}

impl Embeddings {
    /// Builds the table from `(chunk id, vector)` rows in any order. Every
    /// vector must have `dims` finite values; ids must be unique and non-empty.
    pub fn new(
        dims: usize,
        rows: impl IntoIterator<Item = (String, Vec<f32>)>,
    ) -> Result<Self, DocpackError> {
        if dims == 0 || dims > u32::MAX as usize {
            return Err(bad(format!("dimensions must be in 1..=2^32-1, got {dims}")));
        }
        let mut rows: Vec<(String, Vec<f32>)> = rows.into_iter().collect();
        rows.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut ids = Vec::with_capacity(rows.len());
        let mut data = Vec::with_capacity(rows.len() * dims);
        for (id, vector) in rows {
            if id.is_empty() || id.contains('\0') {
                return Err(bad(format!("invalid chunk id {id:?}")));
            }
            if ids.last() == Some(&id) {
                return Err(bad(format!("duplicate chunk id {id}")));
            }
            if vector.len() != dims {
                return Err(bad(format!(
                    "{id} has {} dimensions, expected {dims}",
                    vector.len()
                )));
            }
            if vector.iter().any(|x| !x.is_finite()) {
                return Err(bad(format!("{id} has a non-finite value")));
            }
            ids.push(id);
            data.extend_from_slice(&vector);
        }
        if ids.len() > u32::MAX as usize {
            return Err(bad("more than 2^32-1 rows"));
        }
        Ok(Embeddings { dims, ids, data })
    }

    pub fn dims(&self) -> usize {
        self.dims
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The chunk ids, sorted.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// The vector of a chunk: O(log n) by binary search.
    pub fn get(&self, chunk_id: &str) -> Option<&[f32]> {
        let row = self
            .ids
            .binary_search_by(|id| id.as_bytes().cmp(chunk_id.as_bytes()))
            .ok()?;
        Some(&self.data[row * self.dims..(row + 1) * self.dims])
    }

    /// Every `(chunk id, vector)` in id order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[f32])> {
        self.ids
            .iter()
            .map(String::as_str)
            .zip(self.data.chunks_exact(self.dims))
    }

    /// The `embeddings.bin` bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let width = self.ids.iter().map(String::len).max().unwrap_or(0);
        let vectors_at = align4(HEADER + self.ids.len() * width);
        let mut out = Vec::with_capacity(vectors_at + self.data.len() * 4);
        out.extend_from_slice(MAGIC);
        for n in [
            LAYOUT_VERSION,
            self.ids.len() as u32,
            self.dims as u32,
            width as u32,
        ] {
            out.extend_from_slice(&n.to_le_bytes());
        }
        for id in &self.ids {
            out.extend_from_slice(id.as_bytes());
            out.resize(out.len() + width - id.len(), 0);
        }
        out.resize(vectors_at, 0);
        for x in &self.data {
            out.extend_from_slice(&x.to_le_bytes());
        }
        out
    }

    /// Parses and checks `embeddings.bin` bytes (size, order, UTF-8, finiteness).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DocpackError> {
        let h = Header::parse(bytes.get(..HEADER).unwrap_or(bytes), bytes.len() as u64)?;
        let (count, dims, width) = (h.count as usize, h.dims as usize, h.width as usize);
        let mut ids: Vec<String> = Vec::with_capacity(count);
        for slot in bytes[HEADER..HEADER + count * width].chunks_exact(width.max(1)) {
            let id = slot_id(slot, ids.last().map(String::as_str))?;
            ids.push(id.to_string());
        }
        let data: Vec<f32> = bytes[h.vectors_at as usize..]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
            .collect();
        if data.iter().any(|x| !x.is_finite()) {
            return Err(bad("a vector has a non-finite value"));
        }
        Ok(Embeddings { dims, ids, data })
    }
}

/// Checks `embeddings.bin` as it is read (`size` bytes from `r`), with
/// the checks of [`Embeddings::from_bytes`], holding one id and one block
/// of vectors at a time; hands each id to `on_id`. Returns (rows, dims).
pub(crate) fn check_stream(
    r: &mut dyn std::io::Read,
    size: u64,
    mut on_id: impl FnMut(&str),
) -> Result<(u64, u64), DocpackError> {
    let io = |e: std::io::Error| crate::archive::read_error(e);
    let mut header = [0u8; HEADER];
    r.read_exact(&mut header[..(size as usize).min(HEADER)])
        .map_err(io)?;
    let h = Header::parse(&header[..(size as usize).min(HEADER)], size)?;
    // With no rows the width is bounded by nothing: no slot is read then.
    let mut slot = vec![0u8; if h.count == 0 { 0 } else { h.width as usize }];
    let mut prev = String::new();
    for _ in 0..h.count {
        r.read_exact(&mut slot).map_err(io)?;
        let id = slot_id(&slot, (!prev.is_empty()).then_some(prev.as_str()))?;
        on_id(id);
        prev = id.to_string();
    }
    let mut pad = vec![0u8; (h.vectors_at - HEADER as u64 - h.count * h.width) as usize];
    r.read_exact(&mut pad).map_err(io)?;
    let mut block = vec![0u8; 1 << 16];
    let mut left = size - h.vectors_at;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        r.read_exact(&mut block[..n]).map_err(io)?;
        let finite = block[..n]
            .chunks_exact(4)
            .all(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")).is_finite());
        if !finite {
            return Err(bad("a vector has a non-finite value"));
        }
        left -= n as u64;
    }
    Ok((h.count, h.dims))
}

/// `embeddings.bin`'s header, checked against the file's size.
struct Header {
    count: u64,
    dims: u64,
    width: u64,
    vectors_at: u64,
}

impl Header {
    fn parse(bytes: &[u8], size: u64) -> Result<Header, DocpackError> {
        if bytes.len() < HEADER {
            return Err(bad(format!(
                "{size} bytes is shorter than the 20-byte header"
            )));
        }
        if &bytes[0..4] != MAGIC {
            return Err(bad("bad magic (expected \"DPEV\")"));
        }
        let word = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
        let (version, count, dims, width) = (word(4), word(8), word(12), word(16));
        if version != LAYOUT_VERSION {
            return Err(bad(format!(
                "layout version {version} is not supported (expected 1)"
            )));
        }
        let (count, dims, width) = (count as u64, dims as u64, width as u64);
        let vectors_at = (HEADER as u64 + count * width).div_ceil(4) * 4;
        // rows × dims × 4 can pass u64 (both words are u32): checked, so a
        // lying header is an error, never an overflow (found by fuzzing).
        let expected = count
            .checked_mul(dims)
            .and_then(|n| n.checked_mul(4))
            .and_then(|n| n.checked_add(vectors_at));
        if expected != Some(size) {
            let needs = expected.map_or_else(|| "more than 2^64".to_string(), |n| n.to_string());
            return Err(bad(format!(
                "file is {size} bytes but its header ({count} rows × {dims} dims, {width}-byte ids) needs {needs}"
            )));
        }
        if dims == 0 || (count > 0 && width == 0) {
            return Err(bad("0 dimensions or 0-byte ids"));
        }
        Ok(Header {
            count,
            dims,
            width,
            vectors_at,
        })
    }
}

/// The id in an index slot: UTF-8, NUL-padded, after `prev` bytewise.
fn slot_id<'s>(slot: &'s [u8], prev: Option<&str>) -> Result<&'s str, DocpackError> {
    let end = slot.iter().position(|&b| b == 0).unwrap_or(slot.len());
    if end == 0 || slot[end..].iter().any(|&b| b != 0) {
        return Err(bad("index slot is empty or has bytes after its padding"));
    }
    let id = std::str::from_utf8(&slot[..end]).map_err(|_| bad("index id is not UTF-8"))?;
    if prev.is_some_and(|prev| prev.as_bytes() >= id.as_bytes()) {
        return Err(bad(format!("index is not strictly ascending at {id}")));
    }
    Ok(id)
}

fn align4(n: usize) -> usize {
    n.div_ceil(4) * 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_random_access() {
        let e = Embeddings::new(
            2,
            [
                ("chk_b".to_string(), vec![3.0, 4.0]),
                ("chk_a".to_string(), vec![1.0, 2.0]),
            ],
        )
        .unwrap();
        let bytes = e.to_bytes();
        assert_eq!(bytes.len(), 20 + 10 + 2 + 16);
        let back = Embeddings::from_bytes(&bytes).unwrap();
        assert_eq!(back, e);
        assert_eq!(back.get("chk_b"), Some(&[3.0, 4.0][..]));
        assert_eq!(back.get("chk_c"), None);
    }

    #[test]
    fn size_must_agree_with_header() {
        let e = Embeddings::new(3, [("chk_a".to_string(), vec![1.0, 2.0, 3.0])]).unwrap();
        let mut bytes = e.to_bytes();
        bytes.pop();
        let err = Embeddings::from_bytes(&bytes).unwrap_err().to_string();
        assert!(err.contains("but its header"), "{err}");
    }
}
