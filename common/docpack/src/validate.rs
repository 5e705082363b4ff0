//! Consistency of the parts with each other: unique ids, references that
//! resolve, cluster membership that agrees both ways, finite numbers. The
//! writer refuses inconsistent content and the reader refuses a docpack that
//! breaks these rules, so every [`crate::Docpack`] can be navigated safely.

use crate::embeddings::Embeddings;
use crate::error::DocpackError;
use crate::model::*;
use crate::nodes_spool::Symbols;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

/// Borrowed parts of a docpack, for validation.
pub struct Parts<'a> {
    pub nodes: &'a Nodes,
    pub graph: &'a Graph,
    pub clusters: &'a Clusters,
    pub source_map: &'a SourceMap,
    pub docs: &'a Docs,
    pub embeddings: Option<&'a Embeddings>,
    pub symbol_contexts: Option<&'a SymbolContexts>,
    pub history: Option<&'a History>,
}

fn invalid(msg: String) -> DocpackError {
    DocpackError::Invalid(crate::error::clean(&msg))
}

fn unique<'a>(
    what: &str,
    ids: impl Iterator<Item = &'a str>,
) -> Result<FxHashSet<&'a str>, DocpackError> {
    let mut set = FxHashSet::with_capacity_and_hasher(ids.size_hint().0, Default::default());
    for id in ids {
        if id.is_empty() {
            return Err(invalid(format!("empty {what} id")));
        }
        if !set.insert(id) {
            return Err(invalid(format!("duplicate {what} id {id}")));
        }
    }
    Ok(set)
}

fn finite(what: &str, id: &str, x: f64) -> Result<(), DocpackError> {
    if x.is_finite() {
        Ok(())
    } else {
        Err(invalid(format!("{what} of {id} is not a finite number")))
    }
}

/// `id` is in `set`; otherwise an error naming `owner()` (made only then:
/// a kernel's docpack checks millions of references).
fn known(
    set: &FxHashSet<&str>,
    what: &str,
    id: &str,
    owner: impl FnOnce() -> String,
) -> Result<(), DocpackError> {
    if set.contains(id) {
        Ok(())
    } else {
        Err(invalid(format!(
            "{} refers to unknown {what} {id}",
            owner()
        )))
    }
}

/// Checks the rules in the module docs; the first violation is the error.
pub fn validate_parts(p: &Parts<'_>) -> Result<(), DocpackError> {
    validate_with(p, Symbols::Typed(p.nodes))
}

/// [`validate_parts`] with the symbols given apart from `p.nodes` (the
/// writer's spooled `nodes.json`, whose `p.nodes` is empty).
pub fn validate_with(p: &Parts<'_>, nodes: Symbols<'_>) -> Result<(), DocpackError> {
    let ids = IdSets::of(p, &nodes)?;
    // The checks read the sets and nothing else: they run side by side,
    // and the first violation in this order is the error.
    let ((in_nodes, in_graph_nodes), (in_edges, in_chunks)) = rayon::join(
        || {
            rayon::join(
                || check_symbol_nodes(p, &nodes, &ids),
                || check_graph_nodes(p, &ids),
            )
        },
        || rayon::join(|| check_edges(p, &ids), || check_chunk_symbols(p, &ids)),
    );
    in_nodes?;
    in_graph_nodes?;
    in_edges?;
    finite("density", "graph.json", p.graph.metrics.density)?;
    in_chunks?;
    let symbols = &ids.symbols;
    for m in &p.docs.modules {
        let owner = || format!("module {}", m.id);
        for s in &m.symbols {
            known(symbols, "symbol", s, owner)?;
        }
        if let Some(c) = &m.cluster {
            known(&ids.clusters, "cluster", c, owner)?;
        }
        module_dependencies(m, &ids.modules)?;
    }
    if let Some(ctx) = p.symbol_contexts {
        unique(
            "symbol context",
            ctx.contexts.iter().map(|c| c.symbol_id.as_str()),
        )?;
        for c in &ctx.contexts {
            known(symbols, "symbol", &c.symbol_id, || {
                "symbol_contexts.json".into()
            })?;
        }
    }
    if let Some(e) = p.embeddings {
        for id in e.ids() {
            known(&ids.chunks, "chunk", id, || "embeddings.bin".into())?;
        }
    }
    if let Some(h) = p.history {
        validate_history(h, symbols)?;
    }
    Ok(())
}

/// The ids each part declares, each unique.
struct IdSets<'a> {
    symbols: FxHashSet<&'a str>,
    graph_nodes: FxHashSet<&'a str>,
    clusters: FxHashSet<&'a str>,
    chunks: FxHashSet<&'a str>,
    modules: FxHashSet<&'a str>,
}

impl<'a> IdSets<'a> {
    /// Built side by side; the first repeat in the parts' order is the
    /// error.
    fn of(p: &Parts<'a>, nodes: &Symbols<'a>) -> Result<IdSets<'a>, DocpackError> {
        type Set<'a> = Result<FxHashSet<&'a str>, DocpackError>;
        let files = &p.source_map.files;
        let builds: [&(dyn Fn() -> Set<'a> + Sync); 6] = [
            &|| unique("symbol", nodes.iter().map(|s| s.id)),
            &|| unique("graph node", p.graph.nodes.iter().map(|n| n.id.as_str())),
            &|| unique("cluster", p.clusters.clusters.iter().map(|c| c.id.as_str())),
            &|| unique("file path", files.iter().map(|f| f.path.as_str())),
            &|| {
                let chunks = files.iter().flat_map(|f| f.chunks.iter());
                unique("chunk", chunks.map(|c| c.id.as_str()))
            },
            &|| unique("module", p.docs.modules.iter().map(|m| m.id.as_str())),
        ];
        let built: Vec<Set<'a>> = builds.par_iter().map(|build| build()).collect();
        let mut sets = built.into_iter();
        let mut next = || sets.next().expect("one set per build");
        let (symbols, graph_nodes, clusters) = (next()?, next()?, next()?);
        next()?;
        Ok(IdSets {
            symbols,
            graph_nodes,
            clusters,
            chunks: next()?,
            modules: next()?,
        })
    }
}

/// Each symbol: a finite centrality, a known parent, the cluster that
/// `clusters.json` gives it (and only one), a node in the graph.
fn check_symbol_nodes(
    p: &Parts<'_>,
    nodes: &Symbols<'_>,
    ids: &IdSets<'_>,
) -> Result<(), DocpackError> {
    let symbols = &ids.symbols;
    let mut symbol_cluster: FxHashMap<&str, &str> = FxHashMap::default();
    for c in &p.clusters.clusters {
        for m in &c.members {
            known(symbols, "symbol", m, || format!("cluster {}", c.id))?;
            if let Some(other) = symbol_cluster.insert(m, &c.id) {
                return Err(invalid(format!(
                    "symbol {m} is in clusters {other} and {}",
                    c.id
                )));
            }
        }
    }
    for s in nodes.iter() {
        let owner = || format!("symbol {}", s.id);
        finite("centrality", s.id, s.centrality)?;
        if let Some(parent) = s.parent {
            known(symbols, "symbol", parent, owner)?;
        }
        if symbol_cluster.get(s.id).copied() != s.cluster {
            return Err(invalid(format!(
                "{} names cluster {:?} but clusters.json puts it in {:?}",
                owner(),
                s.cluster,
                symbol_cluster.get(s.id)
            )));
        }
        if !ids.graph_nodes.contains(s.id) {
            return Err(invalid(format!("{} has no node in graph.json", owner())));
        }
    }
    Ok(())
}

/// Each graph node of a symbol names a known symbol; every centrality is
/// finite.
fn check_graph_nodes(p: &Parts<'_>, ids: &IdSets<'_>) -> Result<(), DocpackError> {
    for n in &p.graph.nodes {
        if n.kind == NodeKind::Symbol {
            known(&ids.symbols, "symbol", &n.id, || {
                "graph.json symbol node".into()
            })?;
        }
        finite("centrality", &n.id, n.centrality.unwrap_or(0.0))?;
    }
    Ok(())
}

/// Each edge joins known nodes, with a finite weight, a known kind, a
/// confidence in [0, 1], and no repeat.
fn check_edges(p: &Parts<'_>, ids: &IdSets<'_>) -> Result<(), DocpackError> {
    // Sorted edges (what the writer checks) repeat next to each other;
    // otherwise (a docpack read) a set finds repeats.
    fn edge_key(e: &Edge) -> (&str, &str, EdgeKind) {
        (e.from.as_str(), e.to.as_str(), e.kind)
    }
    let sorted = p
        .graph
        .edges
        .is_sorted_by(|a, b| edge_key(a) <= edge_key(b));
    let mut seen_edges = FxHashSet::default();
    for (i, e) in p.graph.edges.iter().enumerate() {
        let owner = || format!("{} edge {} -> {}", e.kind.name(), e.from, e.to);
        known(&ids.graph_nodes, "graph node", &e.from, owner)?;
        known(&ids.graph_nodes, "graph node", &e.to, owner)?;
        if !e.weight.is_finite() {
            finite("weight", &owner(), e.weight)?;
        }
        if e.kind == EdgeKind::Unknown {
            return Err(invalid(format!(
                "{}: an edge kind this version does not know",
                owner()
            )));
        }
        if let Some(c) = e.confidence.filter(|c| !(0.0..=1.0).contains(c)) {
            return Err(invalid(format!(
                "{}: confidence {c} is outside [0, 1]",
                owner()
            )));
        }
        let repeated = if sorted {
            i > 0 && edge_key(&p.graph.edges[i - 1]) == edge_key(e)
        } else {
            !seen_edges.insert(edge_key(e))
        };
        if repeated {
            return Err(invalid(format!("duplicate {}", owner())));
        }
    }
    Ok(())
}

/// Each chunk's symbols are known.
fn check_chunk_symbols(p: &Parts<'_>, ids: &IdSets<'_>) -> Result<(), DocpackError> {
    for f in &p.source_map.files {
        for c in &f.chunks {
            for s in &c.symbol_ids {
                known(&ids.symbols, "symbol", s, || format!("chunk {}", c.id))?;
            }
        }
    }
    Ok(())
}

/// `history.json`: its format and version, unique files and symbols,
/// symbol ids that resolve, finite ratios and scores.
fn validate_history(h: &History, symbols: &FxHashSet<&str>) -> Result<(), DocpackError> {
    use crate::model::history::{FORMAT, VERSION};
    if h.format != FORMAT || h.version != VERSION {
        return Err(invalid(format!(
            "history.json is {} version {}; this reader knows {FORMAT} version {VERSION}",
            h.format, h.version
        )));
    }
    unique("history file", h.files.iter().map(|f| f.path.as_str()))?;
    let mut seen = FxHashSet::default();
    for s in &h.symbols {
        if !seen.insert((s.path.as_str(), s.name.as_str())) {
            return Err(invalid(format!(
                "duplicate history symbol {}#{}",
                s.path, s.name
            )));
        }
        if let Some(id) = &s.id {
            known(symbols, "symbol", id, || "history.json".into())?;
        }
    }
    let c = &h.coupling;
    finite("min_degree", "history.json coupling", c.min_degree)?;
    for pair in c.files.iter().chain(&c.symbols) {
        let owner = format!("history.json pair {} / {}", pair.a, pair.b);
        for x in [pair.confidence_a, pair.confidence_b, pair.degree] {
            finite("a ratio", &owner, x)?;
        }
    }
    for o in &h.ownership.files {
        finite("main_share", &o.path, o.main_share)?;
    }
    for o in &h.ownership.modules {
        finite("main_share", &o.path, o.main_share)?;
    }
    let spots = &h.hotspots;
    for s in spots
        .files
        .iter()
        .chain(&spots.symbols)
        .chain(&spots.modules)
    {
        for x in [s.score, s.complexity, s.centrality] {
            finite("a hotspot figure", &s.name, x)?;
        }
    }
    Ok(())
}

/// A module's `dependencies` (since 1.4): other modules of `docs.json`,
/// sorted by id, each once.
fn module_dependencies(m: &ModuleDoc, modules: &FxHashSet<&str>) -> Result<(), DocpackError> {
    let Some(deps) = &m.dependencies else {
        return Ok(());
    };
    for (i, d) in deps.iter().enumerate() {
        known(modules, "module", &d.module, || {
            format!("module {}'s dependencies", m.id)
        })?;
        if d.module == m.id {
            return Err(invalid(format!("module {} depends on itself", m.id)));
        }
        if i > 0 && deps[i - 1].module >= d.module {
            return Err(invalid(format!(
                "module {}'s dependencies are not sorted by module, each once ({} after {})",
                m.id,
                d.module,
                deps[i - 1].module
            )));
        }
    }
    Ok(())
}
