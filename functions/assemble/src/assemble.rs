//! The whole computation, pure: inputs in, artifacts out, timed per step
//! (`vectors`, `graph`, `similarity`, `pagerank`, `clustering`, `graph_json`,
//! `contexts`, `modules`). The `clustering` step includes what runs beside
//! it: the module contexts and `graph.json`'s edges; `graph_json` is its
//! nodes.

use crate::artifacts::{AssembleGraph, ClusterSet, ModuleContext, SymbolContext};
use crate::clusters::cluster_symbols;
use crate::complexity::cyclomatic;
use crate::contexts::{unresolved_names, ContextInputs};
use crate::error::AssembleError;
use crate::graph::{build, RepoGraph};
use crate::graph_writer::GraphWriter;
use crate::input::AssembleInput;
use crate::ivf::top_k_ivf;
use crate::memo::Memoised;
use crate::metrics::{node_metrics, node_modules};
use crate::module_contexts::module_contexts;
use crate::options::AssembleOptions;
use crate::pagerank::normalised;
use crate::similarity::{top_k_blocked, top_k_updated, Neighbours};
use crate::sink::{AssembleSink, Collected};
use crate::vectors::{symbol_vectors, SymbolVectors};
use std::time::Instant;

/// How long one step took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepTiming {
    pub step: &'static str,
    pub ms: u64,
}

/// What assemble made, but for the large artifacts, which went to the
/// [`AssembleSink`] (for [`assemble`] and [`assemble_with`], into `graph`
/// and `contexts`).
#[derive(Debug, Clone, PartialEq)]
pub struct Assembled {
    /// The whole graph when collected; only its metrics when streamed.
    pub graph: AssembleGraph,
    pub clusters: ClusterSet,
    /// Every context when collected; empty when streamed.
    pub contexts: Vec<SymbolContext>,
    pub modules: Vec<ModuleContext>,
    /// Symbols, one context each.
    pub symbol_count: usize,
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

/// Runs every step, calling `on_step` with each step's name when it ends;
/// the graph and contexts are collected into the result.
pub fn assemble_with(
    input: &AssembleInput<'_>,
    options: &AssembleOptions,
    on_step: &mut dyn FnMut(&'static str),
) -> Result<Assembled, AssembleError> {
    let mut collected = Collected::default();
    let mut out = assemble_into(input, options, on_step, &mut collected)?;
    out.graph = collected.graph;
    out.contexts = collected.contexts;
    Ok(out)
}

/// Runs every step, handing the graph and the contexts to `sink` block by
/// block as they are made.
pub fn assemble_into(
    input: &AssembleInput<'_>,
    options: &AssembleOptions,
    on_step: &mut dyn FnMut(&'static str),
    sink: &mut dyn AssembleSink,
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
    let memo = input
        .memo
        .zip(vectors.as_ref())
        .map(|(memo, v)| Memoised::new(memo, v));
    let (related, related_edges) = match &vectors {
        Some(v) => similar(&mut g, v, input.symbols.len(), options, memo.as_ref()),
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
    // The module contexts, the unresolved names and the graph's edges
    // need no clusters: they are made beside the clustering (Louvain runs
    // on one core), and the nodes after it.
    let graph_writer = GraphWriter {
        g: &g,
        symbols: &input.symbols,
        metrics: &metrics,
        centrality: &node_centrality,
    };
    let (symbols, graph, central) = (&input.symbols, &g, &centrality);
    let (clustering, (modules, unresolved, edges)) = std::thread::scope(|scope| {
        let clustering = scope.spawn(|| {
            cluster_symbols(
                symbols,
                graph,
                vectors.as_ref(),
                central,
                options,
                memo.as_ref(),
            )
        });
        let node_module = node_modules(graph, symbols);
        let modules = module_contexts(graph, symbols, &node_module, central);
        let unresolved = unresolved_names(symbols);
        let edges = graph_writer.write_edges(sink);
        let clustering = clustering
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (clustering, (modules, unresolved, edges))
    });
    let clustering = clustering?;
    let (graph_metrics, ids) = edges?;
    step("clustering", &mut timings);
    let has_vector: Vec<bool> = match &vectors {
        Some(v) => v.row_of.iter().map(Option::is_some).collect(),
        None => vec![false; input.symbols.len()],
    };
    let embeddings = vectors.is_some();
    drop(vectors);
    graph_writer.write_nodes(sink, &ids, &clustering)?;
    drop(ids);
    drop(node_centrality);
    step("graph_json", &mut timings);
    let complexity = complexities(input);
    ContextInputs {
        symbols: &input.symbols,
        parents: input.parent_indices(),
        graph: &g,
        centrality: &centrality,
        clustering: &clustering,
        related: &related,
        complexity: &complexity,
        has_vector: &has_vector,
        embeddings,
        unresolved_names: &unresolved,
    }
    .write(sink)?;
    step("contexts", &mut timings);
    Ok(Assembled {
        graph: AssembleGraph {
            metrics: graph_metrics,
            ..AssembleGraph::default()
        },
        clusters: clustering.set,
        contexts: Vec::new(),
        modules,
        symbol_count: input.symbols.len(),
        embeddings,
        related_edges,
        symbols_without_vectors: if embeddings {
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
    memo: Option<&Memoised>,
) -> (Vec<Vec<(usize, f32)>>, usize) {
    let params = [
        options.related_k as u64,
        options.related_threshold.to_bits() as u64,
        options.exact_limit as u64,
        options.ivf_probes as u64,
    ];
    // The last build's lists are brought up to date where both searches
    // are exact (an approximate search's lists are not the best k).
    let update = |earlier: &Neighbours, old_of_new: &[Option<u32>]| {
        let exact = v.len().max(earlier.len()) <= options.exact_limit;
        let (k, threshold) = (options.related_k, options.related_threshold);
        exact
            .then(|| top_k_updated(&v.rows, v.dims, k, threshold, earlier, old_of_new))
            .flatten()
    };
    let neighbours = crate::memo::neighbours(memo, &params, update, || neighbours(v, options));
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
