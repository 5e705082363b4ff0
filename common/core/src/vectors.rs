//! The vectors artifact, read by embed, assemble and pack (`jobs/<job>/embed/vectors.bin`, and the docpack's
//! `embeddings.bin`): a compact binary file of unit vectors with an index
//! from chunk id to row. All integers and floats are little-endian.
//!
//! ```text
//! offset  size          field
//! 0       8             magic  "DTVECS\0\0"
//! 8       4             version (u32) = 1
//! 12      4             dims (u32): floats per row
//! 16      8             rows (u64): distinct vectors
//! 24      8             entries (u64): chunk ids in the index
//! 32      rows*dims*4   the rows, f32, row-major
//! ...     entries × {   the index, sorted by chunk id:
//!           u32 row,      row of this chunk's vector (< rows)
//!           u16 len,      byte length of the id
//!           len bytes }   the chunk id, UTF-8
//! ```
//!
//! Chunks with identical embedded texts share one row. The file ends exactly
//! after the index: a size that disagrees with the header, an index entry
//! pointing past the rows, a duplicate id or a NaN is an error, so a
//! truncated or damaged file is refused, never half-read.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

/// A vectors file that cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum VectorsError {
    /// Damaged, truncated or inconsistent.
    #[error("invalid vectors file: {0}")]
    Invalid(String),
    #[error("reading vectors: {0}")]
    Io(#[from] std::io::Error),
}

/// The file's magic bytes.
pub const MAGIC: &[u8; 8] = b"DTVECS\0\0";
/// The format version this crate writes and reads.
pub const VERSION: u32 = 1;
const HEADER: usize = 32;

/// Builds a vectors file.
#[derive(Debug, Clone, Default)]
pub struct VectorsWriter {
    dims: usize,
    data: Vec<f32>,
    index: BTreeMap<String, u32>,
}

impl VectorsWriter {
    pub fn new(dims: usize) -> Self {
        VectorsWriter {
            dims,
            ..Default::default()
        }
    }

    /// Appends a row; returns its number.
    pub fn push_row(&mut self, vector: &[f32]) -> Result<u32, VectorsError> {
        if vector.len() != self.dims {
            return Err(VectorsError::Invalid(format!(
                "row has {} floats, expected {}",
                vector.len(),
                self.dims
            )));
        }
        if vector.iter().any(|x| !x.is_finite()) {
            return Err(VectorsError::Invalid("row contains NaN or infinity".into()));
        }
        self.data.extend_from_slice(vector);
        Ok((self.data.len() / self.dims.max(1) - 1) as u32)
    }

    /// Points a chunk id at a row.
    pub fn map(&mut self, chunk_id: &str, row: u32) -> Result<(), VectorsError> {
        if chunk_id.len() > u16::MAX as usize || row as usize >= self.rows() {
            return Err(VectorsError::Invalid(format!(
                "bad index entry {chunk_id:?} → {row}"
            )));
        }
        self.index.insert(chunk_id.to_string(), row);
        Ok(())
    }

    pub fn rows(&self) -> usize {
        self.data.len().checked_div(self.dims).unwrap_or(0)
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let index_len: usize = self.index.keys().map(|id| 6 + id.len()).sum();
        let mut out = Vec::with_capacity(HEADER + self.data.len() * 4 + index_len);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&(self.dims as u32).to_le_bytes());
        out.extend_from_slice(&(self.rows() as u64).to_le_bytes());
        out.extend_from_slice(&(self.index.len() as u64).to_le_bytes());
        for x in &self.data {
            out.extend_from_slice(&x.to_le_bytes());
        }
        for (id, row) in &self.index {
            out.extend_from_slice(&row.to_le_bytes());
            out.extend_from_slice(&(id.len() as u16).to_le_bytes());
            out.extend_from_slice(id.as_bytes());
        }
        out
    }
}

/// A vectors file, parsed and validated, with random access by chunk id.
#[derive(Debug, Clone)]
pub struct VectorsReader {
    dims: usize,
    data: Vec<f32>,
    ids: Vec<(String, u32)>,
    by_id: HashMap<String, u32>,
}

fn corrupt(message: impl Into<String>) -> VectorsError {
    VectorsError::Invalid(message.into())
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]))
}

impl VectorsReader {
    /// Reads and validates a whole file from a reader.
    pub fn read_from(reader: &mut dyn Read) -> Result<Self, VectorsError> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes)?;
        Self::open(&bytes)
    }

    /// Parses and validates a file's bytes.
    pub fn open(bytes: &[u8]) -> Result<Self, VectorsError> {
        if bytes.len() < HEADER || &bytes[..8] != MAGIC {
            return Err(corrupt(
                "not a doctown vectors file (bad magic or shorter than the header)",
            ));
        }
        let version = u32_at(bytes, 8);
        if version != VERSION {
            return Err(corrupt(format!(
                "format version {version} is not supported (this build reads {VERSION})"
            )));
        }
        let dims = u32_at(bytes, 12) as usize;
        let (rows, entries) = (u64_at(bytes, 16), u64_at(bytes, 24));
        let data_len = rows
            .checked_mul(dims as u64)
            .and_then(|n| n.checked_mul(4))
            .filter(|&n| n <= (bytes.len() - HEADER) as u64)
            .ok_or_else(|| {
                corrupt(format!(
                    "header says {rows} rows of {dims} floats, but the file has only {} bytes",
                    bytes.len()
                ))
            })? as usize;
        if dims == 0 && rows > 0 {
            return Err(corrupt("rows of zero floats"));
        }
        let data: Vec<f32> = bytes[HEADER..HEADER + data_len]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if let Some(at) = data.iter().position(|x| !x.is_finite()) {
            return Err(corrupt(format!(
                "row {} contains NaN or infinity",
                at / dims
            )));
        }
        let mut pos = HEADER + data_len;
        let mut ids = Vec::with_capacity(entries.min(1 << 20) as usize);
        let mut by_id = HashMap::with_capacity(ids.capacity());
        for n in 0..entries {
            let truncated = || {
                corrupt(format!(
                    "index entry {n} of {entries} runs past the end of the file"
                ))
            };
            let head = bytes.get(pos..pos + 6).ok_or_else(truncated)?;
            let (row, len) = (
                u32_at(head, 0),
                u16::from_le_bytes([head[4], head[5]]) as usize,
            );
            let id = bytes.get(pos + 6..pos + 6 + len).ok_or_else(truncated)?;
            let id = std::str::from_utf8(id)
                .map_err(|_| corrupt(format!("index entry {n} is not UTF-8")))?;
            if u64::from(row) >= rows {
                return Err(corrupt(format!(
                    "chunk {id} points at row {row}, but there are {rows} rows"
                )));
            }
            if by_id.insert(id.to_string(), row).is_some() {
                return Err(corrupt(format!("chunk {id} appears twice in the index")));
            }
            ids.push((id.to_string(), row));
            pos += 6 + len;
        }
        if pos != bytes.len() {
            return Err(corrupt(format!(
                "the file has {} bytes, but its header and index account for {pos}",
                bytes.len()
            )));
        }
        Ok(VectorsReader {
            dims,
            data,
            ids,
            by_id,
        })
    }

    /// The vector of a chunk.
    pub fn get(&self, chunk_id: &str) -> Option<&[f32]> {
        self.by_id
            .get(chunk_id)
            .and_then(|&row| self.row(row as usize))
    }

    /// A row by number, if there is such a row.
    pub fn row(&self, row: usize) -> Option<&[f32]> {
        self.data.get(row * self.dims..(row + 1) * self.dims)
    }

    /// The number of chunk ids in the index.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Distinct vectors stored.
    pub fn rows(&self) -> usize {
        self.data.len().checked_div(self.dims).unwrap_or(0)
    }

    pub fn dims(&self) -> usize {
        self.dims
    }

    /// `(chunk id, vector)` in chunk-id order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[f32])> + '_ {
        // Every index entry points at a row (checked when opened).
        self.ids
            .iter()
            .filter_map(|(id, row)| Some((id.as_str(), self.row(*row as usize)?)))
    }
}
