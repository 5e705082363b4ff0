//! The module level of a docpack: how much code each module of `docs.json`
//! holds and which other modules it depends on. One rule serves the
//! writer (which stores it in each [`ModuleDoc`]'s `code` and
//! `dependencies`, since format 1.4), the Mermaid diagrams (the
//! `mermaid` module draws this graph) and the readers of older docpacks,
//! which count it from `graph.json`:
//!
//! * a file belongs to the module whose `path` is the file itself, else
//!   to the one whose `path` is its directory (the first in `docs.json`
//!   order); a symbol to the module whose `symbols` list names it, else to
//!   its file's; a module's graph node to that module;
//! * a dependency is a `calls` or `imports` edge of confidence at least 0.8
//!   (or none: certain) between source code — a symbol or file whose role
//!   is absent or `source` — of two different modules. Tests, fixtures and
//!   generated code depend on nothing, as for centrality.
//!
//! Pure: parts in, counts out. The website's architecture map
//! (`website/src/lib/architecture/modules.ts`) follows the same rule for
//! docpacks older than 1.4.

use crate::model::{
    Docpack, Docs, EdgeKind, Graph, ModuleCode, ModuleDependency, Nodes, SourceMap,
};
use crate::nodes_spool::Symbols;
use doctown_core::FileRole;
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet};

/// Confident edges from one module's source code to another's, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DependencyCounts {
    pub calls: u64,
    pub imports: u64,
}

impl DependencyCounts {
    /// Calls and imports together: the weight of the dependency.
    pub fn total(&self) -> u64 {
        self.calls + self.imports
    }
}

/// Modules (of `docs.json`, by index in its order) and the dependencies
/// between them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleGraph {
    /// Display names, in `docs.json` order.
    pub names: Vec<String>,
    /// Symbols per module.
    pub sizes: Vec<usize>,
    /// (from, to) → the confident edges between them.
    pub edges: BTreeMap<(usize, usize), DependencyCounts>,
}

impl ModuleGraph {
    /// The module graph of a docpack: what its `docs.json` says (1.4 on),
    /// else counted from its graph.
    pub fn of(d: &Docpack) -> ModuleGraph {
        ModuleGraph::from_docs(&d.docs).unwrap_or_else(|| {
            ModuleLevel::compute(&d.docs, &d.nodes, &d.source_map, &d.graph).graph
        })
    }

    /// The module graph `docs.json` states, if every module carries its
    /// `code` and `dependencies` (a 1.4 docpack); dependencies on modules
    /// it does not list are left out.
    pub fn from_docs(docs: &Docs) -> Option<ModuleGraph> {
        let index: FxHashMap<&str, usize> = docs
            .modules
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id.as_str(), i))
            .collect();
        let mut graph = ModuleGraph::default();
        for (a, m) in docs.modules.iter().enumerate() {
            let (code, deps) = (m.code.as_ref()?, m.dependencies.as_ref()?);
            graph.names.push(m.name.clone());
            graph.sizes.push(code.symbols as usize);
            for d in deps {
                if let Some(&b) = index.get(d.module.as_str()).filter(|&&b| b != a) {
                    let counts = DependencyCounts {
                        calls: d.calls,
                        imports: d.imports,
                    };
                    graph.edges.insert((a, b), counts);
                }
            }
        }
        Some(graph)
    }

    /// Modules on a dependency cycle (in a strongly connected component of
    /// more than one module).
    pub fn on_cycles(&self) -> BTreeSet<usize> {
        let mut out: Vec<Vec<usize>> = vec![Vec::new(); self.names.len()];
        for &(a, b) in self.edges.keys() {
            out[a].push(b);
        }
        strongly_connected(&out)
            .into_iter()
            .filter(|c| c.len() > 1)
            .flatten()
            .collect()
    }
}

/// The module level: the graph and each module's code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleLevel {
    pub graph: ModuleGraph,
    /// Per module, in `docs.json` order.
    pub code: Vec<ModuleCode>,
}

/// Where a graph node belongs: its module, and whether it is source code.
type Place = (usize, bool);

impl ModuleLevel {
    /// Counts the module level from the parts (see the top of this file).
    pub fn compute(docs: &Docs, nodes: &Nodes, source_map: &SourceMap, graph: &Graph) -> Self {
        Self::compute_from(docs, Symbols::Typed(nodes), source_map, graph)
    }

    /// [`ModuleLevel::compute`] of symbols typed or spooled.
    pub fn compute_from(
        docs: &Docs,
        nodes: Symbols<'_>,
        source_map: &SourceMap,
        graph: &Graph,
    ) -> Self {
        let n = docs.modules.len();
        let mut dirs: FxHashMap<&str, usize> = FxHashMap::default();
        let mut places: FxHashMap<&str, Place> = FxHashMap::default();
        for (i, m) in docs.modules.iter().enumerate() {
            if let Some(path) = &m.path {
                dirs.entry(path.as_str()).or_insert(i);
            }
            places.insert(m.id.as_str(), (i, true));
        }
        let dir_module = |path: &str| {
            dirs.get(path)
                .or_else(|| dirs.get(directory_of(path)))
                .copied()
        };

        let mut sizes = vec![0usize; n];
        for (s, module) in nodes.iter().zip(module_of_symbols(docs, nodes)) {
            if let Some(m) = module {
                sizes[m] += 1;
                places.insert(s.id, (m, s.role.is_none_or(FileRole::is_source)));
            }
        }
        let mut files: FxHashMap<&str, Place> = FxHashMap::default();
        let mut tally = vec![FileTally::default(); n];
        for f in &source_map.files {
            if let Some(m) = dir_module(&f.path) {
                let role = f.role.unwrap_or_default();
                tally[m].add(role, u64::from(f.lines));
                files.insert(f.path.as_str(), (m, role.is_source()));
            }
        }
        let place = |id: &str| -> Option<Place> {
            match id.strip_prefix("file:") {
                Some(path) => files
                    .get(path)
                    .copied()
                    .or_else(|| Some((dir_module(path)?, true))),
                None => places.get(id).copied(),
            }
        };
        let edges = count_dependencies(graph, place);
        let code = tally
            .iter()
            .zip(&sizes)
            .map(|(t, &symbols)| t.code(symbols as u64))
            .collect();
        let names = docs.modules.iter().map(|m| m.name.clone()).collect();
        ModuleLevel {
            graph: ModuleGraph {
                names,
                sizes,
                edges,
            },
            code,
        }
    }
}

/// The confident calls and imports between source code of two modules.
fn count_dependencies(
    graph: &Graph,
    place: impl Fn(&str) -> Option<Place>,
) -> BTreeMap<(usize, usize), DependencyCounts> {
    let mut edges: BTreeMap<(usize, usize), DependencyCounts> = BTreeMap::new();
    let dependencies = graph
        .edges
        .iter()
        .filter(|e| e.kind.is_module_dependency() && e.is_confident());
    for e in dependencies {
        let (Some((a, true)), Some((b, true))) = (place(&e.from), place(&e.to)) else {
            continue;
        };
        if a != b {
            let counts = edges.entry((a, b)).or_default();
            match e.kind {
                EdgeKind::Calls => counts.calls += 1,
                _ => counts.imports += 1,
            }
        }
    }
    edges
}

/// The files of one module: how many, their lines, their roles.
#[derive(Debug, Clone, Default)]
struct FileTally {
    files: u64,
    lines: u64,
    roles: BTreeMap<&'static str, (u64, FileRole)>,
}

impl FileTally {
    fn add(&mut self, role: FileRole, lines: u64) {
        self.files += 1;
        self.lines += lines;
        self.roles.entry(role.name()).or_insert((0, role)).0 += 1;
    }

    /// `source` if any file is (or there is none), else the commonest
    /// role, the first by name on a tie.
    fn code(&self, symbols: u64) -> ModuleCode {
        let role = if self.roles.is_empty() || self.roles.contains_key("source") {
            FileRole::Source
        } else {
            let most = self.roles.values().map(|r| r.0).max().unwrap_or(0);
            self.roles
                .values()
                .find(|r| r.0 == most)
                .map_or(FileRole::Source, |r| r.1)
        };
        ModuleCode {
            symbols,
            files: self.files,
            lines: self.lines,
            role,
        }
    }
}

/// Each symbol's module (the index in `docs.modules`), in the symbols'
/// order: the module whose `symbols` names it (the first), else its
/// file's (§4.6).
pub fn module_of_symbols(docs: &Docs, nodes: Symbols<'_>) -> Vec<Option<usize>> {
    let mut dirs: FxHashMap<&str, usize> = FxHashMap::default();
    for (i, m) in docs.modules.iter().enumerate() {
        if let Some(path) = &m.path {
            dirs.entry(path.as_str()).or_insert(i);
        }
    }
    let listed: FxHashMap<&str, usize> = docs
        .modules
        .iter()
        .enumerate()
        .rev()
        .flat_map(|(i, m)| m.symbols.iter().map(move |s| (s.as_str(), i)))
        .collect();
    nodes
        .iter()
        .map(|s| {
            listed.get(s.id).copied().or_else(|| {
                dirs.get(s.path)
                    .or_else(|| dirs.get(directory_of(s.path)))
                    .copied()
            })
        })
        .collect()
}

/// The directory of a path, `.` at the root.
fn directory_of(path: &str) -> &str {
    path.rsplit_once('/').map_or(".", |(dir, _)| dir)
}

/// Stores the module level in `docs`: each module's `code` and its
/// `dependencies`, sorted by module id. The writer calls it on every
/// docpack, after putting the parts in canonical order.
pub(crate) fn fill_module_level(
    docs: &mut Docs,
    nodes: Symbols<'_>,
    source_map: &SourceMap,
    graph: &Graph,
) {
    let level = ModuleLevel::compute_from(docs, nodes, source_map, graph);
    let mut deps: Vec<Vec<ModuleDependency>> = vec![Vec::new(); docs.modules.len()];
    for (&(a, b), counts) in &level.graph.edges {
        deps[a].push(ModuleDependency {
            module: docs.modules[b].id.clone(),
            calls: counts.calls,
            imports: counts.imports,
        });
    }
    for ((m, code), mut list) in docs.modules.iter_mut().zip(level.code).zip(deps) {
        list.sort_by(|x, y| x.module.cmp(&y.module));
        m.code = Some(code);
        m.dependencies = Some(list);
    }
}

/// Tarjan's strongly connected components, iteratively (no recursion
/// depth to overflow on long dependency chains).
fn strongly_connected(out: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = out.len();
    let (mut index, mut low) = (vec![usize::MAX; n], vec![0; n]);
    let (mut on_stack, mut stack) = (vec![false; n], Vec::new());
    let (mut next, mut components) = (0, Vec::new());
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut edge)) = work.last_mut() {
            if let Some(&w) = out[v].get(*edge) {
                *edge += 1;
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                component.sort_unstable();
                components.push(component);
            }
        }
    }
    components
}
