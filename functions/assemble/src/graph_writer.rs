//! `graph.json` from the repository graph, handed to an [`AssembleSink`]
//! a block at a time: edges sorted by (kind, source id, target id), then
//! nodes in node order (modules, files, symbols — each sorted). Only the
//! node ids and a 16-byte key per edge are held for the whole graph. The
//! edges need no clusters, so they are written while the clustering runs
//! ([`GraphWriter::write_edges`]); the nodes after it
//! ([`GraphWriter::write_nodes`]).

use crate::artifacts::{GraphEdgeView, GraphMetrics, GraphNodeView, NodeKind};
use crate::clusters::Clustering;
use crate::error::AssembleError;
use crate::graph::RepoGraph;
use crate::metrics::NodeMetrics;
use crate::numeric::fixed;
use crate::sink::{AssembleSink, BLOCK};
use doctown_core::Symbol;
use petgraph::graph::EdgeIndex;
use petgraph::visit::EdgeRef;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// What the graph artifact is made from.
pub struct GraphWriter<'a> {
    pub g: &'a RepoGraph,
    pub symbols: &'a [Symbol],
    pub metrics: &'a NodeMetrics,
    /// Per node: PageRank normalised by the largest.
    pub centrality: &'a [f64],
}

impl<'a> GraphWriter<'a> {
    /// Hands the metrics and the edges to `sink`; returns the metrics
    /// and every node's id, which [`GraphWriter::write_nodes`] takes.
    pub fn write_edges(
        &self,
        sink: &mut dyn AssembleSink,
    ) -> Result<(GraphMetrics, Vec<String>), AssembleError> {
        let metrics = self.graph_metrics();
        sink.graph_start(&metrics)?;
        let ids: Vec<String> = (0..self.g.graph.node_count())
            .into_par_iter()
            .map(|i| self.node_id(i))
            .collect();
        let order = self.edge_order(&ids);
        for block in order.chunks(BLOCK) {
            let edges = block.par_iter().map(|&e| self.edge(e, &ids)).collect();
            sink.graph_edges(edges)?;
        }
        Ok((metrics, ids))
    }

    /// Hands the nodes to `sink`, each symbol with its cluster's id.
    pub fn write_nodes(
        &self,
        sink: &mut dyn AssembleSink,
        ids: &[String],
        clustering: &Clustering,
    ) -> Result<(), AssembleError> {
        let count = self.g.graph.node_count();
        for start in (0..count).step_by(BLOCK) {
            let end = (start + BLOCK).min(count);
            let nodes = (start..end)
                .into_par_iter()
                .map(|i| self.node(i, ids, clustering))
                .collect();
            sink.graph_nodes(nodes)?;
        }
        Ok(())
    }

    fn graph_metrics(&self) -> GraphMetrics {
        let mut nodes_by_kind: BTreeMap<String, u64> = BTreeMap::new();
        for kind in self.g.graph.node_weights() {
            *nodes_by_kind
                .entry(format!("{kind:?}").to_lowercase())
                .or_default() += 1;
        }
        GraphMetrics {
            nodes: self.g.graph.node_count() as u64,
            edges: self.g.graph.edge_count() as u64,
            nodes_by_kind,
            edges_by_kind: self.g.edges_by_kind(),
            density: fixed(self.metrics.density),
            pagerank_iterations: self.metrics.pagerank.iterations,
        }
    }

    /// Edge indices sorted by (kind, source id, target id); ties keep
    /// edge order (a stable sort). The ids are compared once, to rank the
    /// nodes; the edges are sorted by the ranks.
    fn edge_order(&self, ids: &[String]) -> Vec<EdgeIndex> {
        let rank = id_ranks(ids);
        let mut order: Vec<(u8, u32, u32, EdgeIndex)> = self
            .g
            .graph
            .edge_references()
            .map(|e| {
                (
                    e.weight().kind as u8,
                    rank[e.source().index()],
                    rank[e.target().index()],
                    e.id(),
                )
            })
            .collect();
        order.par_sort_by_key(|&(kind, source, target, _)| (kind, source, target));
        order.into_iter().map(|(.., e)| e).collect()
    }

    fn edge<'i>(&self, e: EdgeIndex, ids: &'i [String]) -> GraphEdgeView<'i> {
        let graph = &self.g.graph;
        let (source, target) = graph.edge_endpoints(e).expect("an edge of this graph");
        let w = &graph[e];
        GraphEdgeView {
            source: &ids[source.index()],
            target: &ids[target.index()],
            kind: w.kind,
            weight: fixed(w.weight),
            provenance: w.provenance,
            confidence: w.provenance.map(|_| fixed(f64::from(w.confidence))),
        }
    }

    fn node_id(&self, index: usize) -> String {
        let g = self.g;
        let (m, f) = (g.modules.len(), g.files.len());
        if index < m {
            format!("mod:{}", g.modules[index])
        } else if index < m + f {
            format!("file:{}", g.files[index - m])
        } else {
            self.symbols[index - m - f].id.to_string()
        }
    }

    /// Node `i`, borrowed from the graph and `ids` (`'a` outlives both).
    fn node<'i>(&self, i: usize, ids: &'i [String], clusters: &'i Clustering) -> GraphNodeView<'i>
    where
        'a: 'i,
    {
        let g = self.g;
        let (m, f) = (g.modules.len(), g.files.len());
        let kind = g.graph[petgraph::graph::NodeIndex::new(i)];
        let symbol = (kind == NodeKind::Symbol).then(|| &self.symbols[i - m - f]);
        let (name, path) = match kind {
            NodeKind::Module => (g.modules[i].as_str(), g.modules[i].as_str()),
            NodeKind::File => {
                let p = g.files[i - m].as_str();
                (p.rsplit('/').next().unwrap_or(p), p)
            }
            NodeKind::Symbol => symbol
                .map(|s| (s.name.as_str(), s.path.as_str()))
                .unwrap_or_default(),
        };
        GraphNodeView {
            id: &ids[i],
            kind,
            name,
            path,
            symbol_kind: symbol.map(|s| s.kind),
            language: match kind {
                NodeKind::Module => None,
                NodeKind::File => Some(g.file_languages[i - m]),
                NodeKind::Symbol => symbol.map(|s| s.language),
            },
            in_degree: self.metrics.in_degree[i],
            out_degree: self.metrics.out_degree[i],
            pagerank: fixed(self.metrics.pagerank.scores[i]),
            centrality: fixed(self.centrality[i]),
            cluster: symbol
                .and_then(|_| clusters.cluster_of[i - m - f])
                .map(|c| clusters.set.clusters[c].id.as_str()),
            unresolved_calls: symbol.map_or(&[][..], |_| g.unresolved[i - m - f].as_slice()),
            external_imports: if kind == NodeKind::File {
                &g.external_imports[i - m]
            } else {
                &[]
            },
            unresolved_call_count: symbol.map(|_| g.unresolved_sites[i - m - f]).unwrap_or(0),
            role: (kind != NodeKind::Module).then(|| g.roles[i]),
        }
    }
}

/// Each id's place in the sorted ids (equal ids share a rank).
fn id_ranks(ids: &[String]) -> Vec<u32> {
    let mut by_id: Vec<u32> = (0..ids.len() as u32).collect();
    by_id.par_sort_unstable_by(|&a, &b| ids[a as usize].cmp(&ids[b as usize]));
    let mut rank = vec![0u32; ids.len()];
    let mut current = 0u32;
    for (place, pair) in by_id.iter().enumerate() {
        if place > 0 && ids[by_id[place - 1] as usize] != ids[*pair as usize] {
            current = place as u32;
        }
        rank[*pair as usize] = current;
    }
    rank
}

#[cfg(test)]
mod tests {
    use super::id_ranks;

    #[test]
    fn ranks_order_as_the_ids_do() {
        let ids: Vec<String> = ["sym_b", "file:a", "mod:z", "sym_a", "file:a", "mod:"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let rank = id_ranks(&ids);
        for a in 0..ids.len() {
            for b in 0..ids.len() {
                assert_eq!(rank[a].cmp(&rank[b]), ids[a].cmp(&ids[b]), "{a} {b}");
            }
        }
        assert!(id_ranks(&[]).is_empty());
    }
}
