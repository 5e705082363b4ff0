//! The assemble stage's artifacts under `jobs/<job>/assemble/`, read by the
//! generate and pack stages and by the website:
//!
//! | name | content |
//! |---|---|
//! | `manifest.json` | [`AssembleManifest`]: keys of the others, totals |
//! | `graph.json` | [`AssembleGraph`]: nodes, typed edges, metrics |
//! | `clusters.json` | [`ClusterSet`]: clusters with labels and members |
//! | `contexts.jsonl` | one [`SymbolContext`] per line, sorted by symbol id |
//! | `modules.json` | [`ModuleContext`]s, sorted by module path |
//!
//! Every float is rounded to 6 decimals before it is written, and every
//! collection is sorted, so the same inputs give the same bytes.

use crate::{FileRole, Language, Provenance, SymbolId, SymbolKind, Visibility};

mod context_view;
mod graph_view;
pub use context_view::{
    ClusterRefView, ContextOutlineView, ScoredSymbolView, SymbolContextView, SymbolRefView,
};
pub use graph_view::{GraphEdgeView, GraphNodeView};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a graph node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// A directory holding source files (the language-neutral module: a
    /// Python or Go package, a Rust module directory, a JS folder). Id
    /// `mod:<dir>`, the repository root being `mod:.`.
    Module,
    /// A source file. Id `file:<path>`.
    File,
    /// A symbol. Id: the symbol id (`sym_…`).
    Symbol,
}

/// The type of an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// module → file, file → top-level symbol, parent symbol → child.
    Contains,
    /// caller → callee for calls ingest resolved; weight = number of call sites.
    Calls,
    /// file → file (or file → module for a Go package import) when the
    /// import resolves inside the repository.
    Imports,
    /// type → trait or interface it implements (Rust `impl Trait for Type`,
    /// TS `implements`, a Go interface embedding).
    Implements,
    /// subtype → class or struct it extends (Python bases, TS `extends`,
    /// Go struct embedding).
    Inherits,
    /// Embedding similarity (cosine ≥ threshold, the k nearest per symbol);
    /// undirected, stored once with `source < target`; weight = cosine.
    Related,
    /// symbol → function or method it names as a value (a callback, a
    /// route handler, `map(f)`); weight = number of sites.
    References,
    /// symbol → a test function that calls it (the call reversed, for
    /// "tested by" facts); weight = number of call sites.
    TestedBy,
}

impl EdgeKind {
    pub const ALL: [EdgeKind; 8] = [
        EdgeKind::Contains,
        EdgeKind::Calls,
        EdgeKind::Imports,
        EdgeKind::Implements,
        EdgeKind::Inherits,
        EdgeKind::Related,
        EdgeKind::References,
        EdgeKind::TestedBy,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EdgeKind::Contains => "contains",
            EdgeKind::Calls => "calls",
            EdgeKind::Imports => "imports",
            EdgeKind::Implements => "implements",
            EdgeKind::Inherits => "inherits",
            EdgeKind::Related => "related",
            EdgeKind::References => "references",
            EdgeKind::TestedBy => "tested_by",
        }
    }

    /// Calls, references, imports, implements and inherits: the edges that
    /// degrees and PageRank count (when confident).
    pub fn is_dependency(self) -> bool {
        matches!(
            self,
            EdgeKind::Calls
                | EdgeKind::References
                | EdgeKind::Imports
                | EdgeKind::Implements
                | EdgeKind::Inherits
        )
    }

    /// Calls and imports: the edges that make the module of their source
    /// depend on the module of their target (when confident, between
    /// source code). One rule for the module summaries, the modules'
    /// dependency lists in `docs.json` and the architecture map
    /// (doctown-docpack's `module_level` states it for its own edge kind).
    /// An `implements` or `inherits` edge is not one: it runs from the
    /// type to its trait or base, while a Rust `impl Trait for Type` is
    /// written wherever it is, and where it is written that code imports
    /// the trait (an `imports` edge) and names the type.
    pub fn is_module_dependency(self) -> bool {
        matches!(self, EdgeKind::Calls | EdgeKind::Imports)
    }
}

/// One node of `graph.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphNode {
    pub id: String,
    pub kind: NodeKind,
    /// Symbol name, file name, or module directory.
    pub name: String,
    /// Module directory, file path, or the symbol's file.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol_kind: Option<SymbolKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// Incoming dependency edges (calls, imports, implements, inherits).
    pub in_degree: u32,
    /// Outgoing dependency edges.
    pub out_degree: u32,
    /// PageRank over dependency edges (sums to 1 over all nodes).
    pub pagerank: f64,
    /// PageRank divided by the largest PageRank: 0–1.
    pub centrality: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Symbols: callees that did not resolve to a repository symbol, distinct, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unresolved_calls: Vec<String>,
    /// Files: imported modules that are not repository files, distinct, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_imports: Vec<String>,
    /// Symbols: call sites that did not resolve (all of them, not distinct).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unresolved_call_count: u32,
    /// Files and symbols: what the code is for (a symbol inside a
    /// `#[cfg(test)]` module is `test` whatever its file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<FileRole>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// One edge of `graph.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphEdge {
    pub source: String,
    pub target: String,
    pub kind: EdgeKind,
    /// Call sites for calls, cosine for related, 1 otherwise.
    pub weight: f64,
    /// Calls and references: how the link was found (the strongest
    /// provenance among its call sites).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    /// Calls and references: how sure the link is, 0–1 (the highest among
    /// its call sites); absent means certain (structure, not inference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
}

/// Whole-graph numbers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GraphMetrics {
    pub nodes: u64,
    pub edges: u64,
    /// Node kind name → count.
    pub nodes_by_kind: BTreeMap<String, u64>,
    /// Edge kind name → count.
    pub edges_by_kind: BTreeMap<String, u64>,
    /// Edges over `nodes × (nodes − 1)`, all kinds counted.
    pub density: f64,
    /// Power iterations PageRank took.
    pub pagerank_iterations: u32,
}

/// `graph.json`: nodes sorted by (kind, id), edges by (kind, source, target).
/// The edges come before the nodes: assemble writes them while it
/// clusters, which the nodes (their cluster ids) wait for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AssembleGraph {
    pub metrics: GraphMetrics,
    pub edges: Vec<GraphEdge>,
    pub nodes: Vec<GraphNode>,
}

/// How the clusters were made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterMethod {
    /// k-means (k-means++ seeding, Lloyd iterations) on normalised symbol vectors.
    KMeans,
    /// Louvain communities of the structural graph (no vectors needed).
    Communities,
}

/// A term of a cluster's label with its TF-IDF score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelTerm {
    pub term: String,
    pub score: f64,
}

/// A symbol by id and qualified name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SymbolRef {
    pub id: SymbolId,
    pub qualified_name: String,
}

/// A symbol with a score (centrality or similarity).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredSymbol {
    pub id: SymbolId,
    pub qualified_name: String,
    pub score: f64,
}

/// One cluster of symbols.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// `cluster-` and the first 8 hex characters of its first member's id
    /// (the whole id when two clusters' would be the same).
    pub id: String,
    /// 1–3 words from the label terms.
    pub label: String,
    /// Up to 5 best TF-IDF terms.
    pub terms: Vec<LabelTerm>,
    pub size: u32,
    /// Sorted symbol ids.
    pub members: Vec<SymbolId>,
    /// Up to 5 members by centrality (score = centrality).
    pub top_members: Vec<ScoredSymbol>,
    /// k-means only: mean cosine of members' vectors to the cluster centroid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cohesion: Option<f64>,
}

/// `clusters.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterSet {
    pub method: ClusterMethod,
    /// The k asked of k-means (after bounds); the community count otherwise.
    pub k: u32,
    pub seed: u64,
    pub clusters: Vec<Cluster>,
    /// Symbols in no cluster (no vector and no clustered file mate).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unclustered: Vec<SymbolId>,
}

/// A cluster by id and label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterRef {
    pub id: String,
    pub label: String,
}

/// The facts about one symbol that a summary is written from: one line of
/// `contexts.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SymbolContext {
    pub id: SymbolId,
    pub name: String,
    pub kind: SymbolKind,
    pub qualified_name: String,
    pub language: Language,
    pub path: String,
    /// The module (directory) the symbol's file is in.
    pub module: String,
    pub start_line: u32,
    pub end_line: u32,
    pub signature: String,
    pub visibility: Visibility,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<SymbolRef>,
    /// Resolved callees, at most 10, most central first.
    pub calls: Vec<SymbolRef>,
    /// Distinct resolved callees in all.
    pub calls_total: u32,
    /// Callers, at most 10, most central first.
    pub called_by: Vec<SymbolRef>,
    /// Distinct callers in all.
    pub called_by_total: u32,
    /// Callees outside the repository (as written), distinct, at most 10.
    pub unresolved_calls: Vec<String>,
    /// Whether callers may exist that resolution could not link: the
    /// symbol is public, or an unresolved call in the repository has its
    /// name, or a caller's link is below the confidence threshold. Only
    /// when false may a summary say "nothing calls it".
    #[serde(default)]
    pub callers_may_be_unresolved: bool,
    /// Test functions that call it (confident links), at most 10.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tested_by: Vec<SymbolRef>,
    /// What the symbol's code is for.
    #[serde(default)]
    pub role: FileRole,
    /// The modules the symbol's file imports, distinct, sorted.
    pub imports: Vec<String>,
    /// Resolved supertypes (implements and inherits edges).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supertypes: Vec<SymbolRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterRef>,
    /// Normalised PageRank, 0–1.
    pub centrality: f64,
    /// Up to 3 most similar symbols above the related threshold.
    pub related: Vec<ScoredSymbol>,
    /// Cyclomatic complexity (functions and methods).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complexity: Option<u32>,
    /// Lines of code: the span's line count.
    pub loc: u32,
    /// Embeddings were used but none of this symbol's chunks had a vector.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub vectors_missing: bool,
}

/// A module overview's facts: one entry of `modules.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleContext {
    /// `mod:<dir>`.
    pub id: String,
    /// The directory, `.` for the repository root.
    pub path: String,
    /// Files directly in the directory, sorted.
    pub files: Vec<String>,
    pub languages: Vec<Language>,
    /// Symbols in those files.
    pub symbols: u32,
    /// Up to 10 symbols by centrality (score = centrality).
    pub top_symbols: Vec<ScoredSymbol>,
    /// Modules this one depends on (imports, calls, supertypes), sorted.
    pub dependencies: Vec<String>,
    /// Modules that depend on this one, sorted.
    pub dependents: Vec<String>,
    /// Ca: number of dependents.
    pub afferent: u32,
    /// Ce: number of dependencies.
    pub efferent: u32,
    /// I = Ce / (Ca + Ce), 0 when both are 0.
    pub instability: f64,
}

/// `manifest.json`: the index of the assemble outputs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AssembleManifest {
    pub graph: String,
    pub clusters: String,
    pub contexts: String,
    pub modules: String,
    pub symbol_count: u64,
    pub file_count: u64,
    pub module_count: u64,
    pub node_count: u64,
    pub edge_count: u64,
    pub cluster_count: u64,
    /// Whether embedding vectors were used (similarity, k-means).
    pub embeddings: bool,
    /// Symbols without a vector while embeddings were used.
    pub symbols_without_vectors: u64,
    /// `outline.jsonl`: each context's [`ContextOutline`], a line each in
    /// the contexts' order, so that what reads a few facts of every
    /// symbol (generate's first pass, pack) need not read the whole
    /// contexts.
    pub outline: String,
}

/// A context's few facts that are read for every symbol: one line of
/// `outline.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContextOutline {
    pub id: SymbolId,
    pub kind: SymbolKind,
    pub centrality: f64,
    pub path: String,
    pub module: String,
    pub loc: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complexity: Option<u32>,
}

impl From<&SymbolContext> for ContextOutline {
    /// The outline assemble writes beside the context (one mapping, the
    /// view's).
    fn from(c: &SymbolContext) -> Self {
        c.view().outline().to_owned_outline()
    }
}

impl AssembleManifest {
    pub const NAME: &'static str = "manifest.json";
    pub const GRAPH: &'static str = "graph.json";
    pub const CLUSTERS: &'static str = "clusters.json";
    pub const CONTEXTS: &'static str = "contexts.jsonl";
    pub const OUTLINE: &'static str = "outline.jsonl";
    pub const MODULES: &'static str = "modules.json";
}
