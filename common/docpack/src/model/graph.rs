//! `graph.json` (nodes and typed, weighted edges, graph-level metrics) and
//! `clusters.json` (groups of related symbols).

use doctown_core::{Provenance, SymbolKind};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `graph.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Graph {
    /// Every node, sorted by `id`: all symbols, plus files and modules.
    pub nodes: Vec<GraphNode>,
    /// Every edge, sorted by `(from, to, kind)`; no duplicates.
    pub edges: Vec<Edge>,
    #[serde(default)]
    pub metrics: GraphMetrics,
}

/// What a graph node stands for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// A symbol of `nodes.json`; the node id is the symbol id.
    Symbol,
    /// A source file; id `file:<path>`.
    File,
    /// A module or package; id `module:<name>`.
    Module,
}

/// One node of the graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GraphNode {
    pub id: String,
    pub kind: NodeKind,
    /// Display name: the symbol's qualified name, the file path, the module name.
    pub name: String,
    /// The file the node is in or is, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// For symbol nodes: the symbol's kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol_kind: Option<SymbolKind>,
    /// Centrality of file and module nodes; symbol centrality is in `nodes.json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub centrality: Option<f64>,
}

/// The relation an edge expresses, always read as `from <kind> to`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// A file/module/symbol contains a symbol (or a module contains a file).
    Contains,
    /// `from` calls `to`.
    Calls,
    /// File or module `from` imports `to`.
    Imports,
    /// `from` implements trait/interface `to`.
    Implements,
    /// `from` extends/inherits from `to`.
    Inherits,
    /// Semantically related (e.g. embedding similarity); undirected in meaning.
    Related,
    /// `from` names function or method `to` as a value (a callback, a
    /// route handler, `map(f)`). Since 1.1.
    References,
    /// `from` is tested by test function `to` (which calls it). Since 1.1.
    TestedBy,
    /// A kind from a newer minor version: the reader drops such edges
    /// (from 1.1 the edge kind is an open enumeration). Never written.
    #[serde(other)]
    #[schemars(skip)]
    Unknown,
}

impl EdgeKind {
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
            EdgeKind::Unknown => "unknown",
        }
    }

    /// Calls and imports: the kinds of edge that make one module depend
    /// on another (the module level's rule, `module_level.rs`; the same
    /// as doctown-core's `EdgeKind::is_module_dependency`, which assemble's
    /// module summaries count).
    pub fn is_module_dependency(self) -> bool {
        matches!(self, EdgeKind::Calls | EdgeKind::Imports)
    }
}

impl Edge {
    /// Whether the edge states a fact: structural, or a link of at least
    /// the confidence summaries and centrality use (0.8). Compared in
    /// `f32`, the threshold's own precision: `0.8` read from JSON is
    /// confident, as the format says.
    pub fn is_confident(&self) -> bool {
        self.confidence
            .is_none_or(|c| c as f32 >= doctown_core::CONFIDENT)
    }
}

/// A typed, weighted edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    /// Strength: call count, similarity, 1.0 for structural edges.
    #[serde(default = "one")]
    pub weight: f64,
    /// Calls, references, tested_by: how the link was found. Since 1.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    /// Calls, references, tested_by: how sure the link is, in `[0, 1]`;
    /// absent means certain (structure). Centrality and summaries use
    /// edges of at least 0.8 (`doctown_core::CONFIDENT`). Since 1.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
}

fn one() -> f64 {
    1.0
}

/// Graph-level metrics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GraphMetrics {
    /// Edges per kind name; computed by the writer.
    #[serde(default)]
    pub edges_by_kind: BTreeMap<String, u64>,
    /// Weakly connected components over symbol nodes, if computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<u64>,
    /// Directed density `edges / (n·(n−1))` over all nodes; computed by the writer.
    #[serde(default)]
    pub density: f64,
    /// How centrality was computed, e.g. `pagerank(d=0.85)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub centrality_method: Option<String>,
}

/// `clusters.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Clusters {
    /// Every cluster, sorted by `id`.
    pub clusters: Vec<Cluster>,
}

/// A group of related symbols.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Cluster {
    pub id: String,
    /// A short human label, e.g. `object store`.
    pub label: String,
    /// How the cluster was found, e.g. `louvain`, `directory`, `kmeans`.
    pub method: String,
    /// Member symbol ids, sorted.
    pub members: Vec<String>,
}
