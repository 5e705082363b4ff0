//! What assemble computes from: ingest's symbols, files and chunks (reduced
//! to what assemble needs), and optionally a vector lookup.

use crate::complexity::decision_points;
use crate::vectors::VectorLookup;
use doctown_core::{Chunk, FileRecord, Symbol, SymbolId};

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
        let callable = chunk.symbol_kind.is_some_and(|k| k.is_callable());
        let decisions = if callable {
            decision_points(&chunk.text, chunk.language)
        } else {
            0
        };
        ChunkInfo {
            id: chunk.id.to_string(),
            symbol_id: chunk.symbol_id.clone(),
            decisions,
        }
    }
}

/// The inputs of [`crate::assemble`]: symbols sorted by id (duplicates
/// dropped), files sorted by path, chunks sorted by id.
pub struct AssembleInput<'a> {
    pub symbols: Vec<Symbol>,
    pub files: Vec<FileRecord>,
    pub chunks: Vec<ChunkInfo>,
    /// `None` for a structural build (embeddings off or skipped).
    pub vectors: Option<&'a dyn VectorLookup>,
}

impl<'a> AssembleInput<'a> {
    /// Sorts everything so that input order never shows in the output.
    pub fn new(
        mut symbols: Vec<Symbol>,
        mut files: Vec<FileRecord>,
        mut chunks: Vec<ChunkInfo>,
        vectors: Option<&'a dyn VectorLookup>,
    ) -> Self {
        symbols.sort_by(|a, b| a.id.cmp(&b.id));
        symbols.dedup_by(|a, b| a.id == b.id);
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup_by(|a, b| a.path == b.path);
        chunks.sort_by(|a, b| a.id.cmp(&b.id));
        chunks.dedup_by(|a, b| a.id == b.id);
        AssembleInput {
            symbols,
            files,
            chunks,
            vectors,
        }
    }

    /// The index of a symbol id in `symbols`.
    pub fn symbol_index(&self, id: &SymbolId) -> Option<usize> {
        self.symbols.binary_search_by(|s| s.id.cmp(id)).ok()
    }

    /// Each symbol's parent, as an index in `symbols`.
    pub fn parent_indices(&self) -> Vec<Option<usize>> {
        self.symbols
            .iter()
            .map(|s| s.parent.as_ref().and_then(|p| self.symbol_index(p)))
            .collect()
    }
}
