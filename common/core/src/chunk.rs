//! Chunks: the pieces of source that are embedded and searched.

use crate::ids::{ChunkId, SymbolId};
use crate::language::Language;
use crate::range::Span;
use crate::symbol::{FileRole, SymbolKind};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChunkKind {
    /// The whole of one symbol's range.
    Symbol,
    /// One part of a symbol too large for one chunk.
    SymbolPart,
    /// A whole file that has no symbols.
    File,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    pub id: ChunkId,
    pub kind: ChunkKind,
    pub path: String,
    pub language: Language,
    pub span: Span,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol_id: Option<SymbolId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol_kind: Option<SymbolKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualified_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
    /// For a split symbol: `(index, total)`, 0-based index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<(u32, u32)>,
    /// The source text of the range.
    pub text: String,
    /// What the chunk's file is for, when it is not `source` (tests,
    /// fixtures, generated or vendored code): the embed stage leaves the
    /// roles it is told to skip unembedded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<FileRole>,
}
