//! Chunks: the pieces of source that are embedded and searched.

use crate::complexity::decision_points;
use crate::ids::{ChunkId, SymbolId};
use crate::language::Language;
use crate::range::Span;
use crate::symbol::{FileRole, SymbolKind};
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

/// One line of ingest's chunk index (`chunk-index-NNNNN.jsonl`, a shard per
/// chunk shard, in the same order): what assemble and pack read of a
/// chunk, without its text. Assemble needs each chunk's symbol and the
/// decision points of its text (a function's complexity), pack its place
/// in the source map; reading these instead of the shards saves both
/// stages parsing every chunk's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkEntry {
    pub id: ChunkId,
    pub kind: ChunkKind,
    pub path: String,
    pub span: Span,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol_id: Option<SymbolId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<(u32, u32)>,
    /// Decision points in the text of a function's or method's chunk
    /// ([`decision_points`]); 0 for every other chunk.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub decisions: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl ChunkEntry {
    /// The entry of `chunk`, its decision points counted if it is callable.
    pub fn of(chunk: &Chunk) -> ChunkEntry {
        let callable = chunk.symbol_kind.is_some_and(|k| k.is_callable());
        ChunkEntry {
            id: chunk.id.clone(),
            kind: chunk.kind,
            path: chunk.path.clone(),
            span: chunk.span,
            symbol_id: chunk.symbol_id.clone(),
            part: chunk.part,
            decisions: if callable {
                decision_points(&chunk.text, chunk.language)
            } else {
                0
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::range::{ByteRange, Position};

    fn chunk(kind: Option<SymbolKind>, text: &str) -> Chunk {
        Chunk {
            id: ChunkId::for_chunk("src/a.py", 0, text.len(), text.as_bytes()),
            kind: ChunkKind::Symbol,
            path: "src/a.py".into(),
            language: Language::Python,
            span: Span {
                bytes: ByteRange {
                    start: 0,
                    end: text.len(),
                },
                start: Position { line: 1, column: 0 },
                end: Position { line: 3, column: 0 },
            },
            symbol_id: Some(SymbolId::for_symbol("src/a.py", "a.f", "function", 0)),
            symbol_kind: kind,
            qualified_name: Some("a.f".into()),
            signature: Some("def f(x)".into()),
            doc: Some("Does f.".into()),
            part: Some((0, 2)),
            text: text.into(),
            role: None,
        }
    }

    #[test]
    fn an_entry_is_the_chunk_without_its_text_and_counts_only_functions() {
        let text = "def f(x):\n    if x and x > 1:\n        return 1\n";
        let entry = ChunkEntry::of(&chunk(Some(SymbolKind::Function), text));
        assert_eq!(entry.decisions, 2);
        assert_eq!(entry.part, Some((0, 2)));
        let line = serde_json::to_string(&entry).unwrap();
        assert!(
            !line.contains("return") && !line.contains("Does f"),
            "{line}"
        );
        assert_eq!(serde_json::from_str::<ChunkEntry>(&line).unwrap(), entry);
        // A class's chunk has the same words but no decisions of its own;
        // zero is left out of the line.
        let class = ChunkEntry::of(&chunk(Some(SymbolKind::Class), text));
        assert_eq!(class.decisions, 0);
        assert!(!serde_json::to_string(&class).unwrap().contains("decisions"));
    }
}
