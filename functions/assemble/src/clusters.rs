//! Clusters of symbols, by one of two methods:
//!
//! - **k-means** on symbol vectors (the default when there are vectors):
//!   semantic groups, whatever the directory layout. Symbols without a
//!   vector join the cluster most of their file mates are in.
//! - **Louvain communities** of the structural graph (contains, calls,
//!   imports, implements, inherits; edge weights as in the graph): needs no
//!   vectors, so it serves builds with embeddings off, and it groups code
//!   that works together rather than code that reads alike. It is linear
//!   in the edges, so a structural build of a huge repository stays fast.
//!
//! Clusters are listed by size (largest first), then by first member id.
//! Each is named after its first member ([`cluster_ids`]), not its place
//! in the list: a change that moves a few symbols leaves the other
//! clusters' ids, and so every record that names them, as they were.

use crate::artifacts::{Cluster, ClusterMethod, ClusterSet, EdgeKind, ScoredSymbol};
use crate::error::AssembleError;
use crate::graph::RepoGraph;
use crate::kmeans::{k_for, kmeans, KMeansSettings};
use crate::labels::{group_terms, top_terms, unique_labels};
use crate::louvain::louvain;
use crate::memo::{self, Memoised};
use crate::numeric::{dot, fixed, normalize};
use crate::options::{AssembleOptions, MethodChoice};
use crate::topk::top_k_by;
use crate::vectors::SymbolVectors;
use doctown_core::Symbol;
use petgraph::visit::EdgeRef;
use std::collections::BTreeMap;

/// The clusters and each symbol's cluster (index into `set.clusters`).
#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    pub set: ClusterSet,
    pub cluster_of: Vec<Option<usize>>,
}

/// Whether k-means runs for these options and vectors.
pub fn uses_kmeans(options: &AssembleOptions, vectors: Option<&SymbolVectors>) -> bool {
    options.method != MethodChoice::Communities && vectors.is_some_and(|v| !v.is_empty())
}

/// Clusters the symbols. `centrality` is per symbol.
pub fn cluster_symbols(
    symbols: &[Symbol],
    g: &RepoGraph,
    vectors: Option<&SymbolVectors>,
    centrality: &[f64],
    options: &AssembleOptions,
    memo: Option<&Memoised>,
) -> Result<Clustering, AssembleError> {
    let (method, k, raw) = match vectors.filter(|_| uses_kmeans(options, vectors)) {
        Some(v) => {
            let k = k_for(v.len(), options.min_clusters, options.max_clusters);
            let settings = KMeansSettings {
                k,
                seed: options.seed,
                runs: options.kmeans_runs,
                max_iterations: options.kmeans_max_iterations,
                sample: options.kmeans_sample,
            };
            let labels = memo::labels(memo, settings, || kmeans(v, settings))?;
            let mut raw = vec![None; symbols.len()];
            for (row, label) in labels.into_iter().enumerate() {
                raw[v.symbol_of[row] as usize] = Some(label);
            }
            (ClusterMethod::KMeans, k, adopt_file_majority(symbols, raw))
        }
        None => {
            let raw = communities(g);
            let k = raw
                .iter()
                .flatten()
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            (ClusterMethod::Communities, k, raw)
        }
    };
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, c) in raw.iter().enumerate() {
        if let Some(c) = c {
            groups.entry(*c).or_default().push(i);
        }
    }
    let mut groups: Vec<Vec<usize>> = groups.into_values().collect();
    groups.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    let mut cluster_of = vec![None; symbols.len()];
    for (c, members) in groups.iter().enumerate() {
        members.iter().for_each(|m| cluster_of[*m] = Some(c));
    }
    let clusters = describe(
        symbols,
        &groups,
        vectors.filter(|_| method == ClusterMethod::KMeans),
        centrality,
    );
    let unclustered = (0..symbols.len())
        .filter(|i| cluster_of[*i].is_none())
        .map(|i| symbols[i].id.clone())
        .collect();
    let set = ClusterSet {
        method,
        k: k as u32,
        seed: options.seed,
        clusters,
        unclustered,
    };
    Ok(Clustering { set, cluster_of })
}

/// Symbols without a cluster take the most common cluster of their file.
fn adopt_file_majority(symbols: &[Symbol], mut raw: Vec<Option<usize>>) -> Vec<Option<usize>> {
    let mut votes: BTreeMap<&str, BTreeMap<usize, usize>> = BTreeMap::new();
    for (s, c) in symbols.iter().zip(&raw) {
        if let Some(c) = c {
            *votes
                .entry(s.path.as_str())
                .or_default()
                .entry(*c)
                .or_default() += 1;
        }
    }
    for (s, c) in symbols.iter().zip(raw.iter_mut()) {
        if c.is_none() {
            *c = votes
                .get(s.path.as_str())
                .and_then(|v| v.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))))
                .map(|(c, _)| *c);
        }
    }
    raw
}

/// Louvain over the structural edges; the community of each symbol.
fn communities(g: &RepoGraph) -> Vec<Option<usize>> {
    let edges: Vec<(usize, usize, f64)> = g
        .graph
        .edge_references()
        .filter(|e| e.weight().kind != EdgeKind::Related)
        .map(|e| (e.source().index(), e.target().index(), e.weight().weight))
        .collect();
    let community = louvain(g.graph.node_count(), &edges);
    g.symbol_nodes
        .iter()
        .map(|n| Some(community[n.index()]))
        .collect()
}

fn describe(
    symbols: &[Symbol],
    groups: &[Vec<usize>],
    vectors: Option<&SymbolVectors>,
    centrality: &[f64],
) -> Vec<Cluster> {
    let terms = top_terms(&group_terms(symbols, groups));
    let ranked: Vec<Vec<usize>> = groups
        .iter()
        .map(|members| {
            top_k_by(members.clone(), 5, |a, b| {
                centrality[*b].total_cmp(&centrality[*a]).then(a.cmp(b))
            })
        })
        .collect();
    let central: Vec<&str> = ranked
        .iter()
        .map(|r| {
            r.first()
                .map_or("", |m| symbols[*m].qualified_name.as_str())
        })
        .collect();
    let labels = unique_labels(&terms, &central);
    groups
        .iter()
        .zip(terms)
        .zip(ranked.into_iter().zip(labels))
        .zip(cluster_ids(symbols, groups))
        .map(|(((members, terms), (ranked, label)), id)| Cluster {
            id,
            label,
            terms,
            size: members.len() as u32,
            members: members.iter().map(|m| symbols[*m].id.clone()).collect(),
            top_members: ranked
                .into_iter()
                .map(|m| ScoredSymbol {
                    id: symbols[m].id.clone(),
                    qualified_name: symbols[m].qualified_name.clone(),
                    score: fixed(centrality[m]),
                })
                .collect(),
            cohesion: vectors.and_then(|v| cohesion(v, members)),
        })
        .collect()
}

/// Each cluster's id: `cluster-` and the first 8 characters of its first
/// member's id after `sym_` (the smallest id; a symbol is in one cluster,
/// so only a shared prefix can make two ids the same, and then those
/// clusters take the whole id). An id stays while that member stays in
/// its cluster, however the cluster's size, and with it its place among
/// the others, changes. A cluster without members (none is made) is named
/// by its place.
fn cluster_ids(symbols: &[Symbol], groups: &[Vec<usize>]) -> Vec<String> {
    // Each cluster's first member's hex, and its first 8 characters.
    let first: Vec<Option<(&str, &str)>> = groups
        .iter()
        .map(|members| {
            let id = members.iter().map(|m| symbols[*m].id.as_str()).min()?;
            let hex = id.strip_prefix("sym_").unwrap_or(id);
            Some((hex, hex.get(..8).unwrap_or(hex)))
        })
        .collect();
    let mut uses: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, short) in first.iter().flatten() {
        *uses.entry(short).or_default() += 1;
    }
    first
        .iter()
        .enumerate()
        .map(|(place, first)| match first {
            Some((_, short)) if uses[short] == 1 => format!("cluster-{short}"),
            Some((hex, _)) => format!("cluster-{hex}"),
            None => format!("cluster-{place:03}"),
        })
        .collect()
}

/// Mean cosine of the members' vectors to their normalised centroid.
fn cohesion(vectors: &SymbolVectors, members: &[usize]) -> Option<f64> {
    let rows: Vec<&[f32]> = members
        .iter()
        .filter_map(|m| vectors.row_of[*m])
        .map(|r| vectors.row(r as usize))
        .collect();
    let mut centroid = vec![0f32; vectors.dims];
    for row in &rows {
        centroid.iter_mut().zip(*row).for_each(|(c, x)| *c += x);
    }
    if rows.is_empty() || !normalize(&mut centroid) {
        return None;
    }
    Some(fixed(
        rows.iter().map(|r| dot(r, &centroid)).sum::<f64>() / rows.len() as f64,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use doctown_core::{Language, SymbolId};

    fn with_id(id: &str) -> Symbol {
        let mut s = crate::input::function(id, "m.py", Language::Python);
        s.id = SymbolId::from_raw(id);
        s
    }

    #[test]
    fn clusters_whose_first_members_share_a_prefix_take_the_whole_id() {
        let symbols: Vec<Symbol> = [
            "sym_0123456789abcdef",
            "sym_0123456700000000",
            "sym_fedcba9876543210",
            "sym_ffffffffffffffff",
        ]
        .into_iter()
        .map(with_id)
        .collect();
        let groups = vec![vec![0, 3], vec![1], vec![2], vec![]];
        assert_eq!(
            cluster_ids(&symbols, &groups),
            [
                "cluster-0123456789abcdef",
                "cluster-0123456700000000",
                "cluster-fedcba98",
                "cluster-003",
            ]
        );
    }
}
