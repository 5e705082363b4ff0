//! Assemble's graph (`graph.json`) as the docpack writes it: each node and
//! edge is mapped as it is parsed, so the graph is never whole in
//! assemble's form, and each symbol keeps the numbers its entry in
//! `nodes.json` takes.

use doctown_core::artifacts::assemble as asm;
use doctown_core::{FileRole, SymbolKind};
use doctown_docpack::{Edge, EdgeKind, Graph, GraphNode, NodeKind};
use serde::Deserialize;

/// What the docpack uses of a graph node (`graph.json`, and each symbol's
/// numbers in `nodes.json`); unresolved callee names, external imports
/// and PageRank are skipped as the graph is parsed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GraphNodeFacts {
    pub id: String,
    pub kind: asm::NodeKind,
    pub name: String,
    pub path: String,
    #[serde(default)]
    pub symbol_kind: Option<SymbolKind>,
    pub in_degree: u32,
    pub out_degree: u32,
    pub centrality: f64,
    #[serde(default)]
    pub cluster: Option<String>,
    #[serde(default)]
    pub unresolved_call_count: u32,
    #[serde(default)]
    pub role: Option<FileRole>,
}

/// What a symbol's entry in `nodes.json` takes from its graph node.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeNumbers {
    pub centrality: f64,
    pub in_degree: u32,
    pub out_degree: u32,
    pub cluster: Option<String>,
    pub unresolved_call_count: u32,
    pub role: Option<FileRole>,
}

/// The graph's nodes as the docpack writes them, each mapped as it is
/// parsed ([`graph_node`]), and beside each its numbers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MappedNodes {
    pub nodes: Vec<GraphNode>,
    pub numbers: Vec<NodeNumbers>,
}

impl<'de> Deserialize<'de> for MappedNodes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = MappedNodes;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of graph nodes")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<MappedNodes, A::Error> {
                let mut mapped = MappedNodes::default();
                while let Some(facts) = seq.next_element::<GraphNodeFacts>()? {
                    let (node, numbers) = graph_node(facts);
                    mapped.nodes.push(node);
                    mapped.numbers.push(numbers);
                }
                Ok(mapped)
            }
        }
        d.deserialize_seq(Visitor)
    }
}

/// A graph edge as the docpack writes it, mapped as it is parsed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "asm::GraphEdge")]
pub struct MappedEdge(pub Edge);

impl From<asm::GraphEdge> for MappedEdge {
    fn from(e: asm::GraphEdge) -> Self {
        MappedEdge(edge(e))
    }
}

/// The graph as the docpack reads it: never in assemble's form whole.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct GraphFacts {
    pub nodes: MappedNodes,
    pub edges: Vec<MappedEdge>,
}

/// The graph part, from the graph as parsed.
pub(crate) fn graph(graph: GraphFacts) -> Graph {
    Graph {
        nodes: graph.nodes.nodes,
        // The same layout: the edges stay where they were parsed.
        edges: graph.edges.into_iter().map(|e| e.0).collect(),
        ..Graph::default()
    }
}

/// A graph node as the docpack writes it, and the numbers its symbol's
/// entry in `nodes.json` takes.
pub(crate) fn graph_node(n: GraphNodeFacts) -> (GraphNode, NodeNumbers) {
    let kind = match n.kind {
        asm::NodeKind::Module => NodeKind::Module,
        asm::NodeKind::File => NodeKind::File,
        asm::NodeKind::Symbol => NodeKind::Symbol,
    };
    let numbers = NodeNumbers {
        centrality: n.centrality,
        in_degree: n.in_degree,
        out_degree: n.out_degree,
        cluster: n.cluster,
        unresolved_call_count: n.unresolved_call_count,
        role: n.role,
    };
    let node = GraphNode {
        id: node_id_owned(n.id),
        kind,
        name: n.name,
        path: Some(n.path).filter(|p| !p.is_empty()),
        symbol_kind: n.symbol_kind,
        centrality: (kind != NodeKind::Symbol).then_some(n.centrality),
    };
    (node, numbers)
}

/// A graph edge as the docpack writes it.
pub(crate) fn edge(e: asm::GraphEdge) -> Edge {
    Edge {
        from: node_id_owned(e.source),
        to: node_id_owned(e.target),
        kind: edge_kind(e.kind),
        weight: e.weight,
        provenance: e.provenance,
        confidence: e.confidence,
    }
}

fn edge_kind(kind: asm::EdgeKind) -> EdgeKind {
    match kind {
        asm::EdgeKind::Contains => EdgeKind::Contains,
        asm::EdgeKind::Calls => EdgeKind::Calls,
        asm::EdgeKind::Imports => EdgeKind::Imports,
        asm::EdgeKind::Implements => EdgeKind::Implements,
        asm::EdgeKind::Inherits => EdgeKind::Inherits,
        asm::EdgeKind::Related => EdgeKind::Related,
        asm::EdgeKind::References => EdgeKind::References,
        asm::EdgeKind::TestedBy => EdgeKind::TestedBy,
    }
}

/// A node id as the docpack writes it: `mod:<dir>` becomes `module:<dir>`.
pub(crate) fn node_id(id: &str) -> String {
    match id.strip_prefix("mod:") {
        Some(module) => format!("module:{module}"),
        None => id.to_string(),
    }
}

/// [`node_id`] of an id the caller gives up: only module ids are rewritten.
fn node_id_owned(id: String) -> String {
    if id.starts_with("mod:") {
        node_id(&id)
    } else {
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The module summaries (assemble's kinds) and the docpack's module
    /// level (its own kinds) count the same edges as dependencies.
    #[test]
    fn one_rule_of_module_dependency() {
        for kind in asm::EdgeKind::ALL {
            assert_eq!(
                kind.is_module_dependency(),
                edge_kind(kind).is_module_dependency(),
                "{kind:?}"
            );
            assert_eq!(kind.name(), edge_kind(kind).name());
        }
    }
}
