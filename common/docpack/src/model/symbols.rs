//! `nodes.json`: every symbol with its location, declaration, documentation
//! and metrics.

use super::docs::Documentation;
use doctown_core::{FileRole, Language, Span, SymbolKind, Visibility};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `nodes.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Nodes {
    /// Every symbol, sorted by `id`.
    pub symbols: Vec<SymbolNode>,
}

/// One symbol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SymbolNode {
    /// `sym_` and 16 hex characters; stable across runs for the same symbol.
    pub id: String,
    pub name: String,
    pub kind: SymbolKind,
    /// `crate::mod::Type::method`, `pkg.Class.method`, …
    pub qualified_name: String,
    pub language: Language,
    /// Path relative to the repository root, `/`-separated.
    pub path: String,
    pub range: SourceRange,
    /// The declaration up to its body, whitespace-normalised.
    pub signature: String,
    pub visibility: Visibility,
    /// The doc comment as written in the source, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_comment: Option<String>,
    /// Attributes, decorators and modifiers as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<String>,
    /// The enclosing symbol's id (an impl, class, module), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Supertypes as written (bases, implemented traits or interfaces).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bases: Vec<String>,
    /// The generated documentation, if the symbol was summarised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Documentation>,
    /// The id of the cluster the symbol belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Centrality in the graph, in `[0, 1]` by convention (PageRank-like).
    #[serde(default)]
    pub centrality: f64,
    #[serde(default)]
    pub metrics: SymbolMetrics,
    /// What the symbol's code is for: its file's role, or `test` inside a
    /// `#[cfg(test)]` item. Since 1.1; absent in 1.0 docpacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<FileRole>,
    /// Call sites in the symbol that did not resolve to a repository
    /// symbol (to an external library, or unknown). Since 1.1.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unresolved_calls: u32,
    /// The vocabulary of the symbol's own code (nested symbols cut out)
    /// that its name, signature and doc comment do not say: lowercase
    /// identifier words, string and comment words, most used first, at
    /// most 48, space-separated. What a lexical search can match once the
    /// code is gone. Since 1.2.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub words: String,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Where a symbol is: a half-open byte range and 1-based lines with 0-based
/// byte columns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SourceRange {
    /// First byte, inclusive.
    pub start_byte: u64,
    /// Last byte, exclusive.
    pub end_byte: u64,
    /// 1-based first line.
    pub start_line: u32,
    /// 0-based byte column on the first line.
    #[serde(default)]
    pub start_column: u32,
    /// 1-based last line (inclusive).
    pub end_line: u32,
    /// 0-based byte column on the last line (exclusive).
    #[serde(default)]
    pub end_column: u32,
}

impl From<Span> for SourceRange {
    fn from(span: Span) -> Self {
        SourceRange {
            start_byte: span.bytes.start as u64,
            end_byte: span.bytes.end as u64,
            start_line: span.start.line,
            start_column: span.start.column,
            end_line: span.end.line,
            end_column: span.end.column,
        }
    }
}

/// Per-symbol metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SymbolMetrics {
    /// Lines of code of the symbol's range.
    pub loc: u32,
    /// Cyclomatic complexity, when the producer computed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complexity: Option<u32>,
    /// Incoming `calls`/`implements`/`inherits`/`imports` edges.
    pub in_degree: u32,
    /// Outgoing edges of the same kinds.
    pub out_degree: u32,
}
