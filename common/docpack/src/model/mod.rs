//! The docpack data model: one type per JSON part, plus [`Docpack`], the
//! verified in-memory form a reader returns. These types are the public
//! contract; the JSON Schemas in `schemas/docpack/` are generated from them.
//!
//! Identifiers are plain strings: symbol ids are `sym_…` and chunk ids
//! `chk_…` (see `doctown_core::ids`); graph nodes that are not symbols use
//! `file:<path>` and `module:<name>`; cluster ids are chosen by the producer.

mod docs;
mod graph;
pub mod history;
mod manifest;
mod source_map;
mod symbols;

pub use docs::{
    ArchitectureDoc, DocSource, Docs, Documentation, Insight, ModuleCode, ModuleDependency,
    ModuleDoc, ModulePackage, Purpose, SymbolContext, SymbolContexts,
};
pub use graph::{Cluster, Clusters, Edge, EdgeKind, Graph, GraphMetrics, GraphNode, NodeKind};
pub use history::History;
pub(crate) use manifest::manifest_version;
pub use manifest::{
    Checksum, EntryChecksum, GeneratorInfo, LanguageStats, Manifest, ModelInfo, OptionalParts,
    SourceInfo, Statistics, FACTS_MODEL,
};
pub use source_map::{ChunkEntry, SourceFile, SourceMap};
pub use symbols::{Nodes, SourceRange, SymbolMetrics, SymbolNode};

use crate::embeddings::Embeddings;

/// A docpack read back and verified: every checksum, the id and the
/// references between parts have been checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Docpack {
    pub manifest: Manifest,
    pub nodes: Nodes,
    pub graph: Graph,
    pub clusters: Clusters,
    pub source_map: SourceMap,
    pub docs: Docs,
    pub embeddings: Option<Embeddings>,
    pub symbol_contexts: Option<SymbolContexts>,
    /// `history.json` (since 1.4).
    pub history: Option<History>,
}

impl Docpack {
    /// The symbol with this id (binary search: the writer sorts symbols by id).
    pub fn symbol(&self, id: &str) -> Option<&SymbolNode> {
        let symbols = &self.nodes.symbols;
        match symbols.binary_search_by(|s| s.id.as_str().cmp(id)) {
            Ok(i) => Some(&symbols[i]),
            Err(_) => symbols.iter().find(|s| s.id == id),
        }
    }

    /// The embedding of a chunk, if the docpack has embeddings and this chunk.
    pub fn embedding(&self, chunk_id: &str) -> Option<&[f32]> {
        self.embeddings.as_ref()?.get(chunk_id)
    }

    /// The cluster with this id.
    pub fn cluster(&self, id: &str) -> Option<&Cluster> {
        self.clusters.clusters.iter().find(|c| c.id == id)
    }

    /// The ids of the chunks that cover a symbol, in source order.
    pub fn chunks_of(&self, symbol_id: &str) -> Vec<&str> {
        self.source_map
            .files
            .iter()
            .flat_map(|f| f.chunks.iter())
            .filter(|c| c.symbol_ids.iter().any(|s| s == symbol_id))
            .map(|c| c.id.as_str())
            .collect()
    }
}
