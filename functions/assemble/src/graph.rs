//! The repository graph (petgraph): module, file and symbol nodes, and
//! typed edges (see [`EdgeKind`]). Nodes are added in a fixed order —
//! modules by path, files by path, symbols by id — so node indices, and
//! everything computed from them, are deterministic.
//!
//! Unresolved calls stay attributes of their caller and external imports
//! attributes of their file; neither becomes an edge. Call and reference
//! edges keep the provenance and confidence of their call sites; a
//! confident call from a test to a non-test symbol also gives a
//! `tested_by` edge the other way. Every node has a role (source, test, …):
//! what centrality and module dependencies count ([`RepoGraph::counts`]).

use crate::artifacts::{EdgeKind, NodeKind};
use crate::bases::{supertype_edges_in, TypeIndex};
use crate::dispatch::Overrides;
use crate::imports::{module_of, ImportResolver, ImportTarget};
use crate::input::AssembleInput;
use crate::similarity::Neighbours;
use crate::vectors::SymbolVectors;
use doctown_core::{CallKind, FileRecord, FileRole, Language, Provenance, CONFIDENT};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use rustc_hash::FxHashMap as HashMap;
use std::collections::{BTreeMap, BTreeSet};

/// An edge's type and weight, and for inferred links (calls,
/// references) how they were found and how sure they are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    pub kind: EdgeKind,
    pub weight: f64,
    pub provenance: Option<Provenance>,
    /// 1 for structure (containment, imports, supertypes).
    pub confidence: f32,
}

impl Edge {
    /// A structural edge: certain, no provenance.
    pub fn certain(kind: EdgeKind, weight: f64) -> Edge {
        Edge {
            kind,
            weight,
            provenance: None,
            confidence: 1.0,
        }
    }

    pub fn is_confident(&self) -> bool {
        self.confidence >= CONFIDENT
    }
}

/// The graph and the tables that map nodes back to inputs.
pub struct RepoGraph {
    pub graph: DiGraph<NodeKind, Edge>,
    /// Module directories, sorted; node `i` is module `i`.
    pub modules: Vec<String>,
    /// File paths, sorted (ingest's files and any file a symbol names).
    pub files: Vec<String>,
    pub file_languages: Vec<Language>,
    /// Node of symbol `i` of the input.
    pub symbol_nodes: Vec<NodeIndex>,
    /// Per symbol: distinct unresolved callees, sorted.
    pub unresolved: Vec<Vec<String>>,
    /// Per symbol: unresolved call sites.
    pub unresolved_sites: Vec<u32>,
    /// Per node: what its code is for (modules are `source`).
    pub roles: Vec<FileRole>,
    /// Per file: distinct external import modules, sorted.
    pub external_imports: Vec<Vec<String>>,
    /// Per file: distinct imported modules as written, sorted.
    pub imports: Vec<Vec<String>>,
}

impl RepoGraph {
    pub fn module_node(&self, i: usize) -> NodeIndex {
        NodeIndex::new(i)
    }

    pub fn file_node(&self, i: usize) -> NodeIndex {
        NodeIndex::new(self.modules.len() + i)
    }

    /// The index of a file path in `files`.
    pub fn file_index(&self, path: &str) -> Option<usize> {
        self.files.binary_search_by(|p| p.as_str().cmp(path)).ok()
    }

    pub fn module_index(&self, dir: &str) -> Option<usize> {
        self.modules.binary_search_by(|p| p.as_str().cmp(dir)).ok()
    }

    /// Whether an edge counts for centrality, degrees and module
    /// dependencies: a confident dependency edge from source code to
    /// source code. A recursive call is not a dependency: a self-loop
    /// would keep PageRank's walk in place and make any recursive
    /// function look central.
    pub fn counts(&self, e: petgraph::graph::EdgeReference<'_, Edge>) -> bool {
        let w = e.weight();
        e.source() != e.target()
            && w.kind.is_dependency()
            && w.is_confident()
            && self.roles[e.source().index()].is_source()
            && self.roles[e.target().index()].is_source()
    }

    /// Edge counts by kind name (every kind present, zeros included).
    pub fn edges_by_kind(&self) -> BTreeMap<String, u64> {
        let mut counts: BTreeMap<String, u64> = EdgeKind::ALL
            .iter()
            .map(|k| (k.name().to_string(), 0))
            .collect();
        for e in self.graph.edge_weights() {
            *counts.entry(e.kind.name().to_string()).or_default() += 1;
        }
        counts
    }

    /// Adds related edges from similarity neighbours: each pair once,
    /// `source < target` by symbol order, weight = the first score seen.
    pub fn add_related(&mut self, vectors: &SymbolVectors, neighbours: &Neighbours) -> usize {
        let mut pairs: BTreeMap<(u32, u32), f32> = BTreeMap::new();
        for (row, list) in neighbours.iter().enumerate() {
            let a = vectors.symbol_of[row];
            for &(other, score) in list {
                let b = vectors.symbol_of[other as usize];
                pairs.entry((a.min(b), a.max(b))).or_insert(score);
            }
        }
        for (&(a, b), &score) in &pairs {
            let (na, nb) = (self.symbol_nodes[a as usize], self.symbol_nodes[b as usize]);
            self.graph
                .add_edge(na, nb, Edge::certain(EdgeKind::Related, f64::from(score)));
        }
        pairs.len()
    }
}

/// Builds nodes and the structural edges (no related edges yet).
pub fn build(input: &AssembleInput<'_>) -> RepoGraph {
    let (files, file_languages) = file_table(input);
    let modules: Vec<String> = files
        .iter()
        .map(|p| module_of(p).to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut graph = DiGraph::with_capacity(modules.len() + files.len() + input.symbols.len(), 0);
    for _ in &modules {
        graph.add_node(NodeKind::Module);
    }
    for _ in &files {
        graph.add_node(NodeKind::File);
    }
    let symbol_nodes = input
        .symbols
        .iter()
        .map(|_| graph.add_node(NodeKind::Symbol))
        .collect();
    let mut g = RepoGraph {
        graph,
        modules,
        files,
        file_languages,
        symbol_nodes,
        unresolved: Vec::new(),
        unresolved_sites: Vec::new(),
        roles: Vec::new(),
        external_imports: Vec::new(),
        imports: Vec::new(),
    };
    // The type hierarchy (bases resolved, overrides found) needs only the
    // symbols: it is worked out beside the first edges.
    let (symbols, files, parents) = (&input.symbols, &input.files, input.parent_indices());
    let (supertypes, overrides) = std::thread::scope(|scope| {
        let hierarchy = scope.spawn(|| {
            let types = TypeIndex::new(symbols, files);
            let overrides = Overrides::with_types(symbols, parents, &types);
            (supertype_edges_in(&types, symbols), overrides)
        });
        g.roles = node_roles(&g, input);
        add_containment(&mut g, input);
        add_calls(&mut g, input);
        add_imports(&mut g, &input.files);
        hierarchy
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    });
    for (from, to, kind) in supertypes {
        let (a, b) = (g.symbol_nodes[from], g.symbol_nodes[to]);
        g.graph.add_edge(a, b, Edge::certain(kind, 1.0));
    }
    add_dispatch(&mut g, input, &overrides);
    g
}

/// For each `calls` edge to a trait, interface or class method, `calls`
/// edges with provenance `dispatch` to its implementations and overrides
/// (see [`crate::dispatch`]), unless the caller already links them.
fn add_dispatch(g: &mut RepoGraph, input: &AssembleInput<'_>, overrides: &Overrides) {
    if overrides.is_empty() {
        return;
    }
    let offset = g.modules.len() + g.files.len();
    let symbol_of = |n: NodeIndex| n.index().checked_sub(offset);
    let mut added: Vec<(NodeIndex, NodeIndex, Edge)> = Vec::new();
    for caller in 0..input.symbols.len() {
        let node = g.symbol_nodes[caller];
        let linked: BTreeSet<usize> = g
            .graph
            .edges(node)
            .filter(|e| e.weight().kind == EdgeKind::Calls)
            .filter_map(|e| symbol_of(e.target()))
            .collect();
        let mut seen = BTreeSet::new();
        for e in g.graph.edges(node) {
            let w = e.weight();
            if w.kind != EdgeKind::Calls || w.provenance == Some(Provenance::Dispatch) {
                continue;
            }
            let Some(callee) = symbol_of(e.target()) else {
                continue;
            };
            for &m in overrides.of(callee) {
                if m == caller || linked.contains(&m) || !seen.insert(m) {
                    continue;
                }
                let edge = Edge {
                    kind: EdgeKind::Calls,
                    weight: w.weight,
                    provenance: Some(Provenance::Dispatch),
                    confidence: w.confidence.min(Provenance::Dispatch.confidence()),
                };
                added.push((node, g.symbol_nodes[m], edge));
            }
        }
    }
    for (a, b, edge) in added {
        g.graph.add_edge(a, b, edge);
    }
}

fn file_table(input: &AssembleInput<'_>) -> (Vec<String>, Vec<Language>) {
    let mut table: BTreeMap<&str, Language> = input
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.language))
        .collect();
    for s in &input.symbols {
        table.entry(s.path.as_str()).or_insert(s.language);
    }
    table.into_iter().map(|(p, l)| (p.to_string(), l)).unzip()
}

fn add_containment(g: &mut RepoGraph, input: &AssembleInput<'_>) {
    let contains = Edge::certain(EdgeKind::Contains, 1.0);
    for (i, path) in g.files.clone().iter().enumerate() {
        let m = g.module_index(module_of(path)).unwrap_or(0);
        g.graph.add_edge(g.module_node(m), g.file_node(i), contains);
    }
    let parents = input.parent_indices();
    for (i, s) in input.symbols.iter().enumerate() {
        let parent = parents[i].filter(|p| *p != i);
        let from = match parent {
            Some(p) => g.symbol_nodes[p],
            None => g.file_node(g.file_index(&s.path).unwrap_or(0)),
        };
        g.graph.add_edge(from, g.symbol_nodes[i], contains);
    }
}

/// Roles per node: modules `source`, files from ingest's record, symbols
/// from their file, or `test` inside a `#[cfg(test)]`/`#[test]` item.
fn node_roles(g: &RepoGraph, input: &AssembleInput<'_>) -> Vec<FileRole> {
    let by_path: HashMap<&str, FileRole> = input
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.role))
        .collect();
    let file_role = |p: &str| by_path.get(p).copied().unwrap_or_default();
    let parent_of = input.parent_indices();
    let mut roles = vec![FileRole::Source; g.modules.len()];
    roles.extend(g.files.iter().map(|p| file_role(p)));
    // Symbols come sorted by id, not nesting: walk each one's ancestors.
    roles.extend(input.symbols.iter().enumerate().map(|(i, s)| {
        let mut at = Some(i);
        let mut depth = 0;
        while let Some(j) = at.filter(|_| depth < 64) {
            if input.symbols[j].is_test_marked() {
                return FileRole::Test;
            }
            at = parent_of[j];
            depth += 1;
        }
        file_role(&s.path)
    }));
    roles
}

/// One caller → callee link, summed over its call sites.
struct Link {
    sites: u32,
    provenance: Option<Provenance>,
    confidence: f32,
}

fn add_calls(g: &mut RepoGraph, input: &AssembleInput<'_>) {
    let offset = g.modules.len() + g.files.len();
    for (i, s) in input.symbols.iter().enumerate() {
        let mut links: BTreeMap<(usize, EdgeKind), Link> = BTreeMap::new();
        let mut unresolved = BTreeSet::new();
        let mut unresolved_sites = 0u32;
        for call in &s.calls {
            let kind = if call.kind == CallKind::Reference {
                EdgeKind::References
            } else {
                EdgeKind::Calls
            };
            match call.resolved.as_ref().and_then(|id| input.symbol_index(id)) {
                Some(callee) => {
                    let link = links.entry((callee, kind)).or_insert(Link {
                        sites: 0,
                        provenance: None,
                        confidence: 0.0,
                    });
                    link.sites += 1;
                    // Call sites without a confidence predate it: certain
                    // as far as this graph can tell.
                    link.confidence = link.confidence.max(call.confidence.unwrap_or(1.0));
                    link.provenance = match (link.provenance, call.provenance) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                }
                None if kind == EdgeKind::Calls => {
                    unresolved.insert(call.callee.clone());
                    unresolved_sites += 1;
                }
                None => {}
            }
        }
        let caller_is_test = g.roles[offset + i] == FileRole::Test;
        for ((callee, kind), link) in links {
            let edge = Edge {
                kind,
                weight: f64::from(link.sites),
                provenance: link.provenance,
                confidence: link.confidence,
            };
            let (a, b) = (g.symbol_nodes[i], g.symbol_nodes[callee]);
            g.graph.add_edge(a, b, edge);
            let tests_it = caller_is_test
                && kind == EdgeKind::Calls
                && edge.is_confident()
                && g.roles[offset + callee] != FileRole::Test;
            if tests_it {
                g.graph.add_edge(
                    b,
                    a,
                    Edge {
                        kind: EdgeKind::TestedBy,
                        ..edge
                    },
                );
            }
        }
        g.unresolved
            .push(unresolved.into_iter().map(String::from).collect());
        g.unresolved_sites.push(unresolved_sites);
    }
}

fn add_imports(g: &mut RepoGraph, records: &[FileRecord]) {
    let resolver = ImportResolver::new(records);
    let by_path: HashMap<&str, &FileRecord> =
        records.iter().map(|f| (f.path.as_str(), f)).collect();
    for i in 0..g.files.len() {
        let (mut targets, mut external, mut written) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        if let Some(record) = by_path.get(g.files[i].as_str()) {
            // Ingest's resolution (crate names, go.mod, packages) when the
            // artifacts have it; this stage's own rules otherwise.
            let known = record.import_files.as_ref();
            for path in known.into_iter().flatten() {
                targets.extend(g.file_index(path).map(|f| g.file_node(f)));
            }
            for import in &record.imports {
                written.insert(import.module.clone());
                match resolver.resolve(record, import) {
                    ImportTarget::File(p) if known.is_none() => {
                        targets.extend(g.file_index(&p).map(|f| g.file_node(f)))
                    }
                    ImportTarget::File(_) => {}
                    ImportTarget::Module(d) => {
                        targets.extend(g.module_index(&d).map(|m| g.module_node(m)))
                    }
                    ImportTarget::External => {
                        external.insert(import.module.clone());
                    }
                }
            }
        }
        for target in targets {
            g.graph.add_edge(
                g.file_node(i),
                target,
                Edge::certain(EdgeKind::Imports, 1.0),
            );
        }
        g.external_imports.push(external.into_iter().collect());
        g.imports.push(written.into_iter().collect());
    }
}
