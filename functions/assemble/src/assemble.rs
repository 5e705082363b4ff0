//! The whole computation, pure: inputs in, artifacts out, timed per step
//! (`vectors`, `graph`, `similarity`, `pagerank`, `clustering`, `contexts`).

use crate::artifacts::{
    AssembleGraph, ClusterSet, GraphEdge, GraphMetrics, GraphNode, ModuleContext, NodeKind,
    SymbolContext,
};
use crate::clusters::{cluster_symbols, Clustering};
use crate::complexity::cyclomatic;
use crate::contexts::{unresolved_names, ContextInputs};
use crate::error::AssembleError;
use crate::graph::{build, RepoGraph};
use crate::input::AssembleInput;
use crate::ivf::top_k_ivf;
use crate::metrics::{node_metrics, node_modules, NodeMetrics};
use crate::module_contexts::module_contexts;
use crate::numeric::fixed;
use crate::options::AssembleOptions;
use crate::pagerank::normalised;
use crate::similarity::{top_k_blocked, Neighbours};
use crate::vectors::{symbol_vectors, SymbolVectors};
use petgraph::visit::EdgeRef;
use std::collections::BTreeMap;
use std::time::Instant;

/// How long one step took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepTiming {
    pub step: &'static str,
    pub ms: u64,
}

/// The artifacts, ready to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Assembled {
    pub graph: AssembleGraph,
    pub clusters: ClusterSet,
    pub contexts: Vec<SymbolContext>,
    pub modules: Vec<ModuleContext>,
    pub embeddings: bool,
    pub related_edges: usize,
    pub symbols_without_vectors: usize,
    pub timings: Vec<StepTiming>,
}

/// Runs every step; see [`assemble_with`].
pub fn assemble(
    input: &AssembleInput<'_>,
    options: &AssembleOptions,
) -> Result<Assembled, AssembleError> {
    assemble_with(input, options, &mut |_| {})
}

/// Runs every step, calling `on_step` with each step's name when it ends.
pub fn assemble_with(
    input: &AssembleInput<'_>,
    options: &AssembleOptions,
    on_step: &mut dyn FnMut(&'static str),
) -> Result<Assembled, AssembleError> {
    options.validate().map_err(AssembleError::Options)?;
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut step = |name: &'static str, timings: &mut Vec<StepTiming>| {
        timings.push(StepTiming {
            step: name,
            ms: clock.elapsed().as_millis() as u64,
        });
        on_step(name);
        clock = Instant::now();
    };
    let vectors = match input.vectors.filter(|_| options.use_embeddings) {
        Some(lookup) => Some(symbol_vectors(&input.symbols, &input.chunks, lookup)?),
        None => None,
    };
    step("vectors", &mut timings);
    let mut g = build(input);
    step("graph", &mut timings);
    let (related, related_edges) = match &vectors {
        Some(v) => similar(&mut g, v, input.symbols.len(), options),
        None => (vec![Vec::new(); input.symbols.len()], 0),
    };
    step("similarity", &mut timings);
    let metrics = node_metrics(&g);
    let node_centrality = normalised(&metrics.pagerank.scores);
    let centrality: Vec<f64> = g
        .symbol_nodes
        .iter()
        .map(|n| node_centrality[n.index()])
        .collect();
    step("pagerank", &mut timings);
    let clustering = cluster_symbols(&input.symbols, &g, vectors.as_ref(), &centrality, options)?;
    step("clustering", &mut timings);
    let has_vector: Vec<bool> = match &vectors {
        Some(v) => v.row_of.iter().map(Option::is_some).collect(),
        None => vec![false; input.symbols.len()],
    };
    let complexity = complexities(input);
    let unresolved = unresolved_names(&input.symbols);
    let contexts = ContextInputs {
        symbols: &input.symbols,
        graph: &g,
        centrality: &centrality,
        clustering: &clustering,
        related: &related,
        complexity: &complexity,
        has_vector: &has_vector,
        embeddings: vectors.is_some(),
        unresolved_names: &unresolved,
    }
    .all();
    let node_module = node_modules(&g, &input.symbols);
    let modules = module_contexts(&g, &input.symbols, &node_module, &centrality);
    let graph = graph_artifact(&g, input, &metrics, &node_centrality, &clustering);
    step("contexts", &mut timings);
    Ok(Assembled {
        graph,
        clusters: clustering.set,
        contexts,
        modules,
        embeddings: vectors.is_some(),
        related_edges,
        symbols_without_vectors: if vectors.is_some() {
            has_vector.iter().filter(|h| !**h).count()
        } else {
            0
        },
        timings,
    })
}

/// Each vector row's related rows: exact up to `exact_limit` rows, IVF above.
pub fn neighbours(v: &SymbolVectors, options: &AssembleOptions) -> Neighbours {
    let (k, threshold) = (options.related_k, options.related_threshold);
    if v.len() <= options.exact_limit {
        top_k_blocked(&v.rows, v.dims, k, threshold)
    } else {
        let lists = (v.len() as f64).sqrt().round() as usize;
        top_k_ivf(&v.rows, v.dims, k, threshold, lists, options.ivf_probes)
    }
}

/// Top-k neighbours per symbol, and the related edges they add.
fn similar(
    g: &mut RepoGraph,
    v: &SymbolVectors,
    symbols: usize,
    options: &AssembleOptions,
) -> (Vec<Vec<(usize, f32)>>, usize) {
    let neighbours = neighbours(v, options);
    let edges = g.add_related(v, &neighbours);
    let mut per_symbol = vec![Vec::new(); symbols];
    for (row, list) in neighbours.into_iter().enumerate() {
        per_symbol[v.symbol_of[row] as usize] = list
            .into_iter()
            .map(|(other, s)| (v.symbol_of[other as usize] as usize, s))
            .collect();
    }
    (per_symbol, edges)
}

/// Cyclomatic complexity of each function or method that has chunks.
fn complexities(input: &AssembleInput<'_>) -> Vec<Option<u32>> {
    let mut decisions: Vec<Option<u32>> = vec![None; input.symbols.len()];
    for chunk in &input.chunks {
        if let Some(i) = chunk
            .symbol_id
            .as_ref()
            .and_then(|id| input.symbol_index(id))
        {
            let d = decisions[i].get_or_insert(0);
            *d = d.saturating_add(chunk.decisions);
        }
    }
    input
        .symbols
        .iter()
        .zip(decisions)
        .map(|(s, d)| {
            if s.kind.is_callable() {
                d.map(cyclomatic)
            } else {
                None
            }
        })
        .collect()
}

fn node_id(g: &RepoGraph, input: &AssembleInput<'_>, index: usize) -> String {
    let (m, f) = (g.modules.len(), g.files.len());
    if index < m {
        format!("mod:{}", g.modules[index])
    } else if index < m + f {
        format!("file:{}", g.files[index - m])
    } else {
        input.symbols[index - m - f].id.to_string()
    }
}

fn graph_artifact(
    g: &RepoGraph,
    input: &AssembleInput<'_>,
    metrics: &NodeMetrics,
    centrality: &[f64],
    clustering: &Clustering,
) -> AssembleGraph {
    let (m, f) = (g.modules.len(), g.files.len());
    let ids: Vec<String> = (0..g.graph.node_count())
        .map(|i| node_id(g, input, i))
        .collect();
    let nodes: Vec<GraphNode> = g
        .graph
        .node_indices()
        .map(|ix| {
            let i = ix.index();
            let kind = g.graph[ix];
            let symbol = (kind == NodeKind::Symbol).then(|| &input.symbols[i - m - f]);
            let (name, path) = match kind {
                NodeKind::Module => (g.modules[i].clone(), g.modules[i].clone()),
                NodeKind::File => {
                    let p = &g.files[i - m];
                    (p.rsplit('/').next().unwrap_or(p).to_string(), p.clone())
                }
                NodeKind::Symbol => symbol
                    .map(|s| (s.name.clone(), s.path.clone()))
                    .unwrap_or_default(),
            };
            GraphNode {
                id: ids[i].clone(),
                kind,
                name,
                path,
                symbol_kind: symbol.map(|s| s.kind),
                language: match kind {
                    NodeKind::Module => None,
                    NodeKind::File => Some(g.file_languages[i - m]),
                    NodeKind::Symbol => symbol.map(|s| s.language),
                },
                in_degree: metrics.in_degree[i],
                out_degree: metrics.out_degree[i],
                pagerank: fixed(metrics.pagerank.scores[i]),
                centrality: fixed(centrality[i]),
                cluster: symbol
                    .and_then(|_| clustering.cluster_of[i - m - f])
                    .map(|c| clustering.set.clusters[c].id.clone()),
                unresolved_calls: symbol
                    .map(|_| g.unresolved[i - m - f].clone())
                    .unwrap_or_default(),
                external_imports: if kind == NodeKind::File {
                    g.external_imports[i - m].clone()
                } else {
                    Vec::new()
                },
                unresolved_call_count: symbol.map(|_| g.unresolved_sites[i - m - f]).unwrap_or(0),
                role: (kind != NodeKind::Module).then(|| g.roles[i]),
            }
        })
        .collect();
    let mut edges: Vec<GraphEdge> = g
        .graph
        .edge_references()
        .map(|e| GraphEdge {
            source: ids[e.source().index()].clone(),
            target: ids[e.target().index()].clone(),
            kind: e.weight().kind,
            weight: fixed(e.weight().weight),
            provenance: e.weight().provenance,
            confidence: e
                .weight()
                .provenance
                .map(|_| fixed(f64::from(e.weight().confidence))),
        })
        .collect();
    edges.sort_by(|a, b| {
        a.kind
            .cmp(&b.kind)
            .then_with(|| a.source.cmp(&b.source))
            .then_with(|| a.target.cmp(&b.target))
    });
    let mut nodes_by_kind: BTreeMap<String, u64> = BTreeMap::new();
    for n in &nodes {
        *nodes_by_kind
            .entry(format!("{:?}", n.kind).to_lowercase())
            .or_default() += 1;
    }
    let graph_metrics = GraphMetrics {
        nodes: nodes.len() as u64,
        edges: edges.len() as u64,
        nodes_by_kind,
        edges_by_kind: g.edges_by_kind(),
        density: fixed(metrics.density),
        pagerank_iterations: metrics.pagerank.iterations,
    };
    AssembleGraph {
        metrics: graph_metrics,
        nodes,
        edges,
    }
}
