//! `source_map.json`: files → chunks → ranges → symbol ids, so that a hit on
//! a chunk (or a vector row) leads back to its source and its symbols.

use super::symbols::SourceRange;
use doctown_core::{ChunkKind, FileRole, Language};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `source_map.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SourceMap {
    /// Every file, sorted by `path`.
    pub files: Vec<SourceFile>,
}

/// One source file of the repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SourceFile {
    /// Path relative to the repository root, `/`-separated.
    pub path: String,
    pub language: Language,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
    pub size_bytes: u64,
    pub lines: u32,
    /// What the file is for (`source`, `test`, `fixture`, `example`,
    /// `bench`, `generated`, `vendored`, `docs`). Since 1.1; absent in 1.0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<FileRole>,
    /// The file's chunks, sorted by `(range.start_byte, range.end_byte, id)`.
    pub chunks: Vec<ChunkEntry>,
}

/// One chunk: a piece of a file that is embedded and searched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ChunkEntry {
    /// `chk_` and 16 hex characters; the key of the chunk's row in `embeddings.bin`.
    pub id: String,
    pub kind: ChunkKind,
    pub range: SourceRange,
    /// The symbols the chunk covers, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub symbol_ids: Vec<String>,
    /// For part of a split symbol: `[index, total]`, 0-based index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<[u32; 2]>,
}
