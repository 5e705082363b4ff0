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
use rustc_hash::FxHashSet as HashSet;
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
    let mut clock = Clock::new(on_step);
    let vectors = match input.vectors.filter(|_| options.use_embeddings) {
        Some(lookup) => Some(symbol_vectors(&input.symbols, &input.chunks, lookup)?),
        None => None,
    };
    clock.lap("vectors");
    let mut g = build(input);
    clock.lap("graph");
    let memo = input
        .memo
        .zip(vectors.as_ref())
        .map(|(memo, v)| Memoised::new(memo, v));
    let (related, related_edges) = similar(&mut g, vectors.as_ref(), input, options, &memo);
    clock.lap("similarity");
    let metrics = node_metrics(&g);
    let (node_centrality, centrality) = centralities(&g, &metrics);
    clock.lap("pagerank");
    let graph_writer = GraphWriter {
        g: &g,
        symbols: &input.symbols,
        metrics: &metrics,
        centrality: &node_centrality,
    };
    let beside = Beside {
        centrality: &centrality,
        vectors: vectors.as_ref(),
        options,
        memo: memo.as_ref(),
    };
    let (clustering, (modules, unresolved, edges)) =
        beside.run(&input.symbols, &graph_writer, sink);
    let clustering = clustering?;
    let (graph_metrics, ids) = edges?;
    clock.lap("clustering");
    let (has_vector, symbols_without_vectors) = vector_presence(vectors.as_ref(), input);
    let embeddings = vectors.is_some();
    drop(vectors);
    graph_writer.write_nodes(sink, &ids, &clustering)?;
    drop(ids);
    drop(node_centrality);
    clock.lap("graph_json");
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
    clock.lap("contexts");
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
        symbols_without_vectors,
        timings: clock.timings,
    })
}

/// Each step's time as it ends, told to `on_step` too.
struct Clock<'f> {
    timings: Vec<StepTiming>,
    since: Instant,
    on_step: &'f mut dyn FnMut(&'static str),
}

impl<'f> Clock<'f> {
    fn new(on_step: &'f mut dyn FnMut(&'static str)) -> Self {
        Clock {
            timings: Vec::new(),
            since: Instant::now(),
            on_step,
        }
    }

    fn lap(&mut self, name: &'static str) {
        self.timings.push(StepTiming {
            step: name,
            ms: self.since.elapsed().as_millis() as u64,
        });
        (self.on_step)(name);
        self.since = Instant::now();
    }
}

/// The clustering, and what needs no clusters made beside it on this
/// thread (Louvain runs on one core): the module contexts, the unresolved
/// names and the graph's edges.
struct Beside<'a> {
    centrality: &'a [f64],
    vectors: Option<&'a SymbolVectors>,
    options: &'a AssembleOptions,
    memo: Option<&'a Memoised<'a>>,
}

/// The graph's metrics and its nodes' ids, as its edges were written.
type Edges = Result<(doctown_core::artifacts::assemble::GraphMetrics, Vec<String>), AssembleError>;

/// What [`Beside::run`] makes: the clustering, and the module contexts,
/// unresolved names and edges made beside it.
type MadeBeside<'s> = (
    Result<crate::clusters::Clustering, AssembleError>,
    (Vec<ModuleContext>, HashSet<&'s str>, Edges),
);

impl Beside<'_> {
    fn run<'s>(
        &self,
        symbols: &'s [doctown_core::Symbol],
        graph_writer: &GraphWriter<'_>,
        sink: &mut dyn AssembleSink,
    ) -> MadeBeside<'s> {
        let (graph, central) = (graph_writer.g, self.centrality);
        std::thread::scope(|scope| {
            let clustering = scope.spawn(|| {
                cluster_symbols(
                    symbols,
                    graph,
                    self.vectors,
                    central,
                    self.options,
                    self.memo,
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
        })
    }
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

/// Top-k neighbours per symbol, and the related edges they add (none
/// without vectors).
fn similar(
    g: &mut RepoGraph,
    v: Option<&SymbolVectors>,
    input: &AssembleInput<'_>,
    options: &AssembleOptions,
    memo: &Option<Memoised>,
) -> (Vec<Vec<(usize, f32)>>, usize) {
    let symbols = input.symbols.len();
    let Some(v) = v else {
        return (vec![Vec::new(); symbols], 0);
    };
    let memo = memo.as_ref();
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

/// Which symbols have a vector, and how many have none (0 without
/// embeddings).
fn vector_presence(v: Option<&SymbolVectors>, input: &AssembleInput<'_>) -> (Vec<bool>, usize) {
    match v {
        Some(v) => {
            let has: Vec<bool> = v.row_of.iter().map(Option::is_some).collect();
            let without = has.iter().filter(|h| !**h).count();
            (has, without)
        }
        None => (vec![false; input.symbols.len()], 0),
    }
}

/// Each node's centrality (PageRank, normalised), and each symbol's.
fn centralities(g: &RepoGraph, metrics: &crate::metrics::NodeMetrics) -> (Vec<f64>, Vec<f64>) {
    let node_centrality = normalised(&metrics.pagerank.scores);
    let centrality: Vec<f64> = g
        .symbol_nodes
        .iter()
        .map(|n| node_centrality[n.index()])
        .collect();
    (node_centrality, centrality)
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
