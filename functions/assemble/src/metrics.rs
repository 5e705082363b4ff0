//! Graph metrics: degrees over confident dependency edges between source
//! code (calls, references, imports, implements, inherits — see
//! [`RepoGraph::counts`]), PageRank over the same edges, density over all
//! edges, and per-module coupling: module A depends on module B when a
//! dependency edge leads from A's files or symbols to B's. Afferent
//! coupling Ca counts the modules depending on A, efferent Ce those A
//! depends on, and instability I = Ce / (Ca + Ce).

use crate::artifacts::NodeKind;
use crate::graph::RepoGraph;
use crate::imports::module_of;
use crate::pagerank::{pagerank, PageRank, DAMPING, TOLERANCE};
use doctown_core::Symbol;
use petgraph::visit::EdgeRef;
use std::collections::BTreeSet;

/// Per-node numbers, indexed by node index.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeMetrics {
    pub in_degree: Vec<u32>,
    pub out_degree: Vec<u32>,
    pub pagerank: PageRank,
    pub density: f64,
}

/// Degrees, PageRank and density.
pub fn node_metrics(g: &RepoGraph) -> NodeMetrics {
    let n = g.graph.node_count();
    let (mut in_degree, mut out_degree) = (vec![0u32; n], vec![0u32; n]);
    let mut weighted = Vec::new();
    for e in g.graph.edge_references().filter(|e| g.counts(*e)) {
        let (u, v) = (e.source().index(), e.target().index());
        out_degree[u] += 1;
        in_degree[v] += 1;
        weighted.push((u, v, e.weight().weight));
    }
    let m = g.graph.edge_count() as f64;
    let density = if n > 1 {
        m / (n as f64 * (n as f64 - 1.0))
    } else {
        0.0
    };
    NodeMetrics {
        in_degree,
        out_degree,
        pagerank: pagerank(n, &weighted, DAMPING, TOLERANCE),
        density,
    }
}

/// The module index of every node.
pub fn node_modules(g: &RepoGraph, symbols: &[Symbol]) -> Vec<usize> {
    let file_module: Vec<usize> = g
        .files
        .iter()
        .map(|p| g.module_index(module_of(p)).unwrap_or(0))
        .collect();
    g.graph
        .node_indices()
        .map(|ix| {
            let i = ix.index();
            match g.graph[ix] {
                NodeKind::Module => i,
                NodeKind::File => file_module[i - g.modules.len()],
                NodeKind::Symbol => {
                    let s = &symbols[i - g.modules.len() - g.files.len()];
                    g.file_index(&s.path).map_or(0, |f| file_module[f])
                }
            }
        })
        .collect()
}

/// Module dependencies `(from, to)`, distinct, sorted, `from != to`: the
/// confident calls and imports between source code
/// ([`EdgeKind::is_module_dependency`](crate::artifacts::EdgeKind::is_module_dependency)),
/// as the docpack's module level counts them.
pub fn module_dependencies(g: &RepoGraph, node_module: &[usize]) -> BTreeSet<(usize, usize)> {
    g.graph
        .edge_references()
        .filter(|e| g.counts(*e) && e.weight().kind.is_module_dependency())
        .map(|e| {
            (
                node_module[e.source().index()],
                node_module[e.target().index()],
            )
        })
        .filter(|(a, b)| a != b)
        .collect()
}

/// Ca, Ce and I of every module.
pub fn coupling(modules: usize, deps: &BTreeSet<(usize, usize)>) -> Vec<(u32, u32, f64)> {
    let (mut ca, mut ce) = (vec![0u32; modules], vec![0u32; modules]);
    for &(from, to) in deps {
        ce[from] += 1;
        ca[to] += 1;
    }
    ca.iter()
        .zip(&ce)
        .map(|(&a, &e)| {
            (
                a,
                e,
                if a + e == 0 {
                    0.0
                } else {
                    f64::from(e) / f64::from(a + e)
                },
            )
        })
        .collect()
}
