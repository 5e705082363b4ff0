//! What assemble keeps of ingest's chunks.

use doctown_core::{Chunk, ChunkEntry, SymbolId};

/// What assemble keeps of a chunk: its id, its symbol, and the decision
/// points counted in its text (so texts need not stay in memory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkInfo {
    pub id: String,
    pub symbol_id: Option<SymbolId>,
    /// Decision points in the chunk's text, for callable symbols.
    pub decisions: u32,
}

impl ChunkInfo {
    /// Reduces a chunk, counting decision points of function and method chunks.
    pub fn from_chunk(chunk: &Chunk) -> ChunkInfo {
        ChunkInfo::from(ChunkEntry::of(chunk))
    }
}

impl From<ChunkEntry> for ChunkInfo {
    /// Ingest's index entry of a chunk, whose decisions it counted.
    fn from(entry: ChunkEntry) -> ChunkInfo {
        ChunkInfo {
            id: entry.id.to_string(),
            symbol_id: entry.symbol_id,
            decisions: entry.decisions,
        }
    }
}
