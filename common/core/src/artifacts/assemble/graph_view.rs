//! `graph.json`'s nodes and edges borrowed from the graph they are read
//! from, as [`super::context_view`] borrows a context: assemble writes
//! these views, the same JSON as the owned [`GraphNode`] and
//! [`GraphEdge`], without copying two ids per edge and every node's
//! names, paths and lists first. `view` names every field of the owned
//! type, and the tests check that both write the same bytes.

use super::{is_zero, EdgeKind, GraphEdge, GraphNode, NodeKind};
use crate::{FileRole, Language, Provenance, SymbolKind};
use serde::Serialize;

/// [`GraphNode`], borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GraphNodeView<'a> {
    pub id: &'a str,
    pub kind: NodeKind,
    pub name: &'a str,
    pub path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol_kind: Option<SymbolKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    pub in_degree: u32,
    pub out_degree: u32,
    pub pagerank: f64,
    pub centrality: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub unresolved_calls: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub external_imports: &'a [String],
    #[serde(skip_serializing_if = "is_zero")]
    pub unresolved_call_count: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<FileRole>,
}

/// [`GraphEdge`], borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GraphEdgeView<'a> {
    pub source: &'a str,
    pub target: &'a str,
    pub kind: EdgeKind,
    pub weight: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
}

impl GraphNode {
    /// This node, borrowed (every field named).
    pub fn view(&self) -> GraphNodeView<'_> {
        let GraphNode {
            id,
            kind,
            name,
            path,
            symbol_kind,
            language,
            in_degree,
            out_degree,
            pagerank,
            centrality,
            cluster,
            unresolved_calls,
            external_imports,
            unresolved_call_count,
            role,
        } = self;
        GraphNodeView {
            id,
            kind: *kind,
            name,
            path,
            symbol_kind: *symbol_kind,
            language: *language,
            in_degree: *in_degree,
            out_degree: *out_degree,
            pagerank: *pagerank,
            centrality: *centrality,
            cluster: cluster.as_deref(),
            unresolved_calls,
            external_imports,
            unresolved_call_count: *unresolved_call_count,
            role: *role,
        }
    }
}

impl GraphNodeView<'_> {
    /// The owned node (what a reader of `graph.json` parses).
    pub fn to_owned_node(&self) -> GraphNode {
        GraphNode {
            id: self.id.to_string(),
            kind: self.kind,
            name: self.name.to_string(),
            path: self.path.to_string(),
            symbol_kind: self.symbol_kind,
            language: self.language,
            in_degree: self.in_degree,
            out_degree: self.out_degree,
            pagerank: self.pagerank,
            centrality: self.centrality,
            cluster: self.cluster.map(str::to_string),
            unresolved_calls: self.unresolved_calls.to_vec(),
            external_imports: self.external_imports.to_vec(),
            unresolved_call_count: self.unresolved_call_count,
            role: self.role,
        }
    }
}

impl GraphEdge {
    /// This edge, borrowed (every field named).
    pub fn view(&self) -> GraphEdgeView<'_> {
        let GraphEdge {
            source,
            target,
            kind,
            weight,
            provenance,
            confidence,
        } = self;
        GraphEdgeView {
            source,
            target,
            kind: *kind,
            weight: *weight,
            provenance: *provenance,
            confidence: *confidence,
        }
    }
}

impl GraphEdgeView<'_> {
    /// The owned edge.
    pub fn to_owned_edge(&self) -> GraphEdge {
        GraphEdge {
            source: self.source.to_string(),
            target: self.target.to_string(),
            kind: self.kind,
            weight: self.weight,
            provenance: self.provenance,
            confidence: self.confidence,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every optional field set and every list filled, or every one
    /// empty: the two sides of each `skip_serializing_if`.
    fn node(full: bool) -> GraphNode {
        let list = |s: &str| {
            if full {
                vec![s.to_string()]
            } else {
                Vec::new()
            }
        };
        GraphNode {
            id: "sym_00000000000000aa".into(),
            kind: NodeKind::Symbol,
            name: "parse".into(),
            path: "pkg/mod.py".into(),
            symbol_kind: full.then_some(SymbolKind::Function),
            language: full.then_some(Language::Python),
            in_degree: 2,
            out_degree: 3,
            pagerank: 0.25,
            centrality: 0.5,
            cluster: full.then(|| "cluster-001".to_string()),
            unresolved_calls: list("json.loads"),
            external_imports: list("os"),
            unresolved_call_count: u32::from(full) * 2,
            role: full.then_some(FileRole::Test),
        }
    }

    fn edge(full: bool) -> GraphEdge {
        GraphEdge {
            source: "file:pkg/mod.py".into(),
            target: "sym_00000000000000aa".into(),
            kind: EdgeKind::Calls,
            weight: 0.5,
            provenance: full.then_some(Provenance::Scip),
            confidence: full.then_some(0.9),
        }
    }

    #[test]
    fn a_view_writes_what_its_owned_node_and_edge_write() {
        for full in [true, false] {
            let (node, edge) = (node(full), edge(full));
            assert_eq!(
                serde_json::to_string(&node.view()).unwrap(),
                serde_json::to_string(&node).unwrap()
            );
            assert_eq!(
                serde_json::to_string(&edge.view()).unwrap(),
                serde_json::to_string(&edge).unwrap()
            );
            assert_eq!(node.view().to_owned_node(), node);
            assert_eq!(edge.view().to_owned_edge(), edge);
        }
    }
}
