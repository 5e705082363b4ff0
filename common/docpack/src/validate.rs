//! Consistency of the parts with each other: unique ids, references that
//! resolve, cluster membership that agrees both ways, edges in order and
//! each once, finite numbers. The writer refuses inconsistent content and
//! every reader refuses a docpack that breaks these rules, so every
//! [`crate::Docpack`] can be navigated safely.
//!
//! One [`Checker`] holds the rules. It is fed the parts' facts one at a
//! time, in the archive's order (clusters, docs, embeddings, graph,
//! history, nodes, source map, contexts): by the in-memory reader and the
//! writer from typed parts ([`validate_parts`]), and by the streaming
//! `verify` as it inflates. It keeps each kind of id as a set of 64-bit
//! keys ([`hash`]), so its memory grows with the number of ids (about 130
//! bytes a symbol in all, at the kernel's proportions), never with the
//! text. A
//! reference to an id whose part comes later in the archive (an edge's
//! endpoints come before `graph.json`'s nodes, a module's symbols before
//! `nodes.json`) waits, once per distinct id, until that part ends.

use crate::embeddings::Embeddings;
use crate::error::DocpackError;
use crate::model::*;
use crate::nodes_spool::Symbols;
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

/// The ids of the docpacks this process wrote, newest last: their parts
/// passed [`validate_with`] as they were written, so the reader, once a
/// docpack's checksums and id agree with one of these, does not check the
/// same parts again ([`written_here`]). The id is the hash of the parts'
/// SHA-256 sums: the same id is the same parts. A `doctown review` and
/// the live map read back the docpack they just built; on the large
/// benchmark repository the check is 0.13-0.17 s of that read.
static WRITTEN_HERE: std::sync::Mutex<Recent> = std::sync::Mutex::new(Recent::new());

/// The most ids [`WRITTEN_HERE`] keeps (a server that builds for days).
const WRITTEN_KEPT: usize = 64;

/// Ids, each once, newest last, at most [`WRITTEN_KEPT`]: the oldest goes
/// when one more comes.
struct Recent(std::collections::VecDeque<String>);

impl Recent {
    const fn new() -> Recent {
        Recent(std::collections::VecDeque::new())
    }

    fn remember(&mut self, id: &str) {
        if self.contains(id) {
            return;
        }
        if self.0.len() == WRITTEN_KEPT {
            self.0.pop_front();
        }
        self.0.push_back(id.to_string());
    }

    fn contains(&self, id: &str) -> bool {
        self.0.iter().any(|known| known == id)
    }
}

/// Records that this process wrote (and validated) docpack `id`.
pub(crate) fn remember_written(id: &str) {
    if let Ok(mut ids) = WRITTEN_HERE.lock() {
        ids.remember(id);
    }
}

/// Whether this process wrote docpack `id` (see [`WRITTEN_HERE`]).
pub(crate) fn written_here(id: &str) -> bool {
    WRITTEN_HERE.lock().is_ok_and(|ids| ids.contains(id))
}

/// Checks the rules in the module docs; the first violation is the error.
pub fn validate_parts(p: &Parts<'_>) -> Result<(), DocpackError> {
    validate_with(p, Symbols::Typed(p.nodes))
}

/// [`validate_parts`] with the symbols given apart from `p.nodes` (the
/// writer's spooled `nodes.json`, whose `p.nodes` is empty).
pub fn validate_with(p: &Parts<'_>, nodes: Symbols<'_>) -> Result<(), DocpackError> {
    match feed(p, &nodes, &mut Checker::default()) {
        Ok(()) => Ok(()),
        Err(Fault::Error(e)) => Err(e),
        // A reference that waited is named by its position: a second pass
        // finds its owner and id.
        Err(fault @ Fault::Unresolved { place, n, .. }) => {
            let mut finder = Checker::finding(place, n);
            let _ = feed(p, &nodes, &mut finder);
            Err(fault.named(finder.found))
        }
    }
}

/// The typed parts, fed in the archive's order.
fn feed(p: &Parts<'_>, nodes: &Symbols<'_>, c: &mut Checker) -> Result<(), Fault> {
    for cluster in &p.clusters.clusters {
        c.cluster(cluster)?;
    }
    c.end(IdKind::Cluster)?;
    for m in &p.docs.modules {
        c.module(m)?;
    }
    c.end(IdKind::Module)?;
    if let Some(e) = p.embeddings {
        for id in e.ids() {
            c.embedding(id);
        }
    }
    for e in &p.graph.edges {
        c.edge(e)?;
    }
    c.density(p.graph.metrics.density)?;
    for n in &p.graph.nodes {
        c.graph_node(n)?;
    }
    c.end(IdKind::GraphNode)?;
    if let Some(h) = p.history {
        c.history(h)?;
    }
    for s in nodes.iter() {
        c.symbol(s.id, s.parent, s.cluster, s.centrality)?;
    }
    c.end(IdKind::Symbol)?;
    for f in &p.source_map.files {
        c.file(f)?;
    }
    c.end(IdKind::Chunk)?;
    if let Some(ctx) = p.symbol_contexts {
        for x in &ctx.contexts {
            c.context(&x.symbol_id)?;
        }
    }
    c.finish()
}

/// An id as the checker keeps it: 64 bits.
type Hash = u64;

/// The key of an id: a canonical symbol or chunk id (`sym_`/`chk_` and 16
/// lowercase hex digits, itself a 64-bit hash) is its number, exactly;
/// any other id is hashed with SipHash under a key drawn for the process,
/// so a crafted docpack cannot aim two ids at one key.
/// A set of symbol ids in constant memory: how many, and the sum of a
/// hash of each under a key drawn for the process (an id that is not
/// canonical counts as none, so it never matches).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Digest {
    count: u64,
    sum: u64,
}

impl Digest {
    fn add(&mut self, id: Option<u64>) {
        static KEYED: std::sync::LazyLock<std::hash::RandomState> =
            std::sync::LazyLock::new(std::hash::RandomState::new);
        match id {
            Some(n) => {
                self.count = self.count.saturating_add(1);
                let h = std::hash::BuildHasher::hash_one(&*KEYED, n);
                self.sum = self.sum.wrapping_add(h);
            }
            None => self.count = u64::MAX,
        }
    }
}

fn hash(id: &str) -> Hash {
    static KEYED: std::sync::LazyLock<std::hash::RandomState> =
        std::sync::LazyLock::new(std::hash::RandomState::new);
    let b = id.as_bytes();
    let canonical = b.len() == 20
        && (b.starts_with(b"sym_") || b.starts_with(b"chk_"))
        && b[4..]
            .iter()
            .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
    match canonical.then(|| u64::from_str_radix(&id[4..], 16)) {
        Some(Ok(n)) => n,
        _ => std::hash::BuildHasher::hash_one(&*KEYED, b),
    }
}

/// The kinds of id a docpack declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdKind {
    Symbol,
    GraphNode,
    Cluster,
    FilePath,
    Chunk,
    Module,
}

const KINDS: [IdKind; 6] = [
    IdKind::Symbol,
    IdKind::GraphNode,
    IdKind::Cluster,
    IdKind::FilePath,
    IdKind::Chunk,
    IdKind::Module,
];

impl IdKind {
    fn what(self) -> &'static str {
        match self {
            IdKind::Symbol => "symbol",
            IdKind::GraphNode => "graph node",
            IdKind::Cluster => "cluster",
            IdKind::FilePath => "file path",
            IdKind::Chunk => "chunk",
            IdKind::Module => "module",
        }
    }
}

/// Where a reference that had to wait was made: a list of references of
/// one part, counted in file order across the part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, std::hash::Hash)]
pub(crate) enum Place {
    ClusterMember,
    ModuleSymbol,
    ModuleDependency,
    EmbeddingChunk,
    EdgeFrom,
    EdgeTo,
    GraphSymbolNode,
    HistorySymbol,
    SymbolParent,
    ChunkSymbol,
    ContextSymbol,
    ModuleCluster,
}

impl Place {
    /// The part and what in it refers.
    fn describe(self) -> (&'static str, &'static str) {
        match self {
            Place::ClusterMember => ("clusters.json", "cluster member"),
            Place::ModuleSymbol => ("docs.json", "module symbol"),
            Place::ModuleDependency => ("docs.json", "module dependency"),
            Place::EmbeddingChunk => ("embeddings.bin", "row"),
            Place::EdgeFrom => ("graph.json", "edge (its from)"),
            Place::EdgeTo => ("graph.json", "edge (its to)"),
            Place::GraphSymbolNode => ("graph.json", "symbol node"),
            Place::HistorySymbol => ("history.json", "symbol"),
            Place::SymbolParent => ("nodes.json", "symbol (its parent)"),
            Place::ChunkSymbol => ("source_map.json", "chunk symbol"),
            Place::ContextSymbol => ("symbol_contexts.json", "context"),
            Place::ModuleCluster => ("docs.json", "module cluster"),
        }
    }
}

/// A violation. A reference that waited is named by its place and
/// position until [`Fault::named`] (or the streaming reader's own words)
/// names it.
#[derive(Debug)]
pub(crate) enum Fault {
    Error(DocpackError),
    Unresolved { place: Place, n: u64, kind: IdKind },
}

impl From<DocpackError> for Fault {
    fn from(e: DocpackError) -> Self {
        Fault::Error(e)
    }
}

impl Fault {
    /// The error: a waiting reference named by its owner and id where
    /// they were `found`, else by its position in its part.
    pub(crate) fn named(self, found: Option<(String, String)>) -> DocpackError {
        match self {
            Fault::Error(e) => e,
            Fault::Unresolved { place, n, kind } => match found {
                Some((owner, id)) => unknown(&owner, kind, &id),
                None => {
                    let (part, what) = place.describe();
                    invalid(format!(
                        "{part}: {what} number {} (in file order) refers to an unknown {}",
                        n + 1,
                        kind.what()
                    ))
                }
            },
        }
    }
}

fn invalid(msg: String) -> DocpackError {
    DocpackError::Invalid(crate::error::clean(&msg))
}

fn unknown(owner: &str, kind: IdKind, id: &str) -> DocpackError {
    invalid(format!("{owner} refers to unknown {} {id}", kind.what()))
}

fn finite(what: &str, id: &str, x: f64) -> Result<(), Fault> {
    if x.is_finite() {
        Ok(())
    } else {
        Err(invalid(format!("{what} of {id} is not a finite number")).into())
    }
}

/// The ids of one kind declared so far, and the references waiting for
/// the part that declares them to end (the first of each id, by place and
/// position).
#[derive(Default)]
struct IdSet {
    ids: FxHashSet<Hash>,
    ended: bool,
    waiting: FxHashMap<Hash, (Place, u32)>,
}

/// The consistency rules, fed one fact at a time (see the module docs).
#[derive(Default)]
pub(crate) struct Checker {
    sets: [IdSet; 6],
    /// References made so far, per place: a waiting reference's position.
    made: FxHashMap<Place, u64>,
    /// The reference to find (a second pass after [`Fault::Unresolved`]),
    /// and its owner and id once found.
    wanted: Option<(Place, u64)>,
    pub(crate) found: Option<(String, String)>,
    /// The cluster `clusters.json` puts each symbol in (an index of
    /// `clusters`).
    member_of: FxHashMap<Hash, u32>,
    clusters: Vec<String>,
    /// The previous edge's `(from, to)` and the kinds seen for that pair.
    last_edge: Option<(String, String)>,
    edge_kinds: Vec<EdgeKind>,
    contexts: FxHashSet<Hash>,
    /// `access.bin`'s rows and `nodes.json`'s symbols, each as a count and
    /// a sum of keyed hashes of their ids: equal sets give equal digests.
    access_rows: Option<Digest>,
    symbols_seen: Digest,
}

impl Checker {
    /// A checker that also notes the owner and id of the `n`th reference
    /// made at `place`.
    pub(crate) fn finding(place: Place, n: u64) -> Checker {
        Checker {
            wanted: Some((place, n)),
            ..Checker::default()
        }
    }

    fn set(&mut self, kind: IdKind) -> &mut IdSet {
        &mut self.sets[kind as usize]
    }

    fn declare(&mut self, kind: IdKind, id: &str) -> Result<(), Fault> {
        if id.is_empty() {
            return Err(invalid(format!("empty {} id", kind.what())).into());
        }
        if !self.set(kind).ids.insert(hash(id)) {
            return Err(invalid(format!("duplicate {} id {id}", kind.what())).into());
        }
        Ok(())
    }

    /// `id` must be declared as a `kind`: now if its part has ended (the
    /// error naming `owner()`), else when it ends.
    fn refer(
        &mut self,
        kind: IdKind,
        id: &str,
        place: Place,
        owner: impl FnOnce() -> String,
    ) -> Result<(), Fault> {
        let n = self.made.entry(place).or_default();
        let at = *n;
        *n += 1;
        if self.wanted == Some((place, at)) {
            self.found = Some((owner(), id.to_string()));
            return Ok(());
        }
        let h = hash(id);
        let set = self.set(kind);
        if set.ended {
            if !set.ids.contains(&h) {
                return Err(unknown(&owner(), kind, id).into());
            }
        } else {
            let at = u32::try_from(at).map_err(|_| {
                invalid(format!(
                    "more than 2^32 references in {}",
                    place.describe().0
                ))
            })?;
            set.waiting.entry(h).or_insert((place, at));
        }
        Ok(())
    }

    /// The part declaring `kind` has ended: every waiting reference to it
    /// must resolve (the first in place and position is the error).
    pub(crate) fn end(&mut self, kind: IdKind) -> Result<(), Fault> {
        let set = self.set(kind);
        set.ended = true;
        let waiting = std::mem::take(&mut set.waiting);
        let missing = waiting
            .into_iter()
            .filter(|(h, _)| !set.ids.contains(h))
            .map(|(_, at)| at)
            .min();
        match missing {
            Some((place, n)) => Err(Fault::Unresolved {
                place,
                n: n.into(),
                kind,
            }),
            None => Ok(()),
        }
    }

    /// Ends every kind not ended yet (a part that is absent declares none).
    pub(crate) fn finish(&mut self) -> Result<(), Fault> {
        for kind in KINDS {
            if !self.set(kind).ended {
                self.end(kind)?;
            }
        }
        if self
            .access_rows
            .is_some_and(|rows| rows != self.symbols_seen)
        {
            return Err(
                invalid("access.bin: its symbol rows are not nodes.json's symbols".into()).into(),
            );
        }
        Ok(())
    }

    /// A cluster: its id, and its members, each in no other cluster.
    pub(crate) fn cluster(&mut self, c: &Cluster) -> Result<(), Fault> {
        self.declare(IdKind::Cluster, &c.id)?;
        let cluster = self.clusters.len() as u32;
        self.clusters.push(c.id.clone());
        for m in &c.members {
            self.refer(IdKind::Symbol, m, Place::ClusterMember, || {
                format!("cluster {}", c.id)
            })?;
            if let Some(other) = self.member_of.insert(hash(m), cluster) {
                let other = &self.clusters[other as usize];
                return Err(
                    invalid(format!("symbol {m} is in clusters {other} and {}", c.id)).into(),
                );
            }
        }
        Ok(())
    }

    /// A module of `docs.json`: its id, symbols, cluster and dependencies
    /// (other modules, sorted, each once; since 1.4).
    pub(crate) fn module(&mut self, m: &ModuleDoc) -> Result<(), Fault> {
        self.declare(IdKind::Module, &m.id)?;
        let owner = || format!("module {}", m.id);
        for s in &m.symbols {
            self.refer(IdKind::Symbol, s, Place::ModuleSymbol, owner)?;
        }
        if let Some(c) = &m.cluster {
            self.refer(IdKind::Cluster, c, Place::ModuleCluster, owner)?;
        }
        let deps = m.dependencies.as_deref().unwrap_or_default();
        for (i, d) in deps.iter().enumerate() {
            self.refer(IdKind::Module, &d.module, Place::ModuleDependency, || {
                format!("module {}'s dependencies", m.id)
            })?;
            if d.module == m.id {
                return Err(invalid(format!("module {} depends on itself", m.id)).into());
            }
            if i > 0 && deps[i - 1].module >= d.module {
                return Err(invalid(format!(
                    "module {}'s dependencies are not sorted by module, each once ({} after {})",
                    m.id,
                    d.module,
                    deps[i - 1].module
                ))
                .into());
            }
        }
        Ok(())
    }

    /// A row of `embeddings.bin` (its own layout checks its ids are
    /// unique): a known chunk.
    /// `access.bin`'s symbol rows (strictly ascending ids, checked when
    /// it was decoded), to be the symbols of `nodes.json`, which comes
    /// later: compared in a digest, in constant memory, at the end.
    pub(crate) fn access(&mut self, ids: impl Iterator<Item = u64>) {
        let mut rows = Digest::default();
        ids.for_each(|id| rows.add(Some(id)));
        self.access_rows = Some(rows);
    }

    pub(crate) fn embedding(&mut self, chunk: &str) {
        // The chunks come later in the archive: the reference waits and
        // cannot fail here.
        let _ = self.refer(IdKind::Chunk, chunk, Place::EmbeddingChunk, || {
            "embeddings.bin".into()
        });
    }

    /// An edge: known endpoints, a known kind, a finite weight, a
    /// confidence in [0, 1]; edges sorted by `(from, to)`, each
    /// `(from, to, kind)` once.
    pub(crate) fn edge(&mut self, e: &Edge) -> Result<(), Fault> {
        let owner = || format!("{} edge {} -> {}", e.kind.name(), e.from, e.to);
        self.refer(IdKind::GraphNode, &e.from, Place::EdgeFrom, owner)?;
        self.refer(IdKind::GraphNode, &e.to, Place::EdgeTo, owner)?;
        if !e.weight.is_finite() {
            finite("weight", &owner(), e.weight)?;
        }
        if e.kind == EdgeKind::Unknown {
            let msg = format!("{}: an edge kind this version does not know", owner());
            return Err(invalid(msg).into());
        }
        if let Some(c) = e.confidence.filter(|c| !(0.0..=1.0).contains(c)) {
            let msg = format!("{}: confidence {c} is outside [0, 1]", owner());
            return Err(invalid(msg).into());
        }
        self.edge_order(e, owner)
    }

    fn edge_order(&mut self, e: &Edge, owner: impl Fn() -> String) -> Result<(), Fault> {
        let pair = (e.from.as_str(), e.to.as_str());
        match &mut self.last_edge {
            Some((from, to)) if (from.as_str(), to.as_str()) == pair => {
                if self.edge_kinds.contains(&e.kind) {
                    return Err(invalid(format!("duplicate {}", owner())).into());
                }
            }
            Some((from, to)) if (from.as_str(), to.as_str()) > pair => {
                return Err(invalid(format!(
                    "graph.json's edges are not sorted by (from, to): {} after an edge {from} -> {to}",
                    owner()
                ))
                .into());
            }
            last => {
                *last = Some((e.from.clone(), e.to.clone()));
                self.edge_kinds.clear();
            }
        }
        self.edge_kinds.push(e.kind);
        Ok(())
    }

    pub(crate) fn density(&mut self, density: f64) -> Result<(), Fault> {
        finite("density", "graph.json", density)
    }

    /// A graph node: its id; a symbol's names a known symbol; a finite
    /// centrality.
    pub(crate) fn graph_node(&mut self, n: &GraphNode) -> Result<(), Fault> {
        self.declare(IdKind::GraphNode, &n.id)?;
        if n.kind == NodeKind::Symbol {
            self.refer(IdKind::Symbol, &n.id, Place::GraphSymbolNode, || {
                "graph.json symbol node".into()
            })?;
        }
        finite("centrality", &n.id, n.centrality.unwrap_or(0.0))
    }

    /// A symbol: its id, a finite centrality, a known parent, the cluster
    /// `clusters.json` gives it, a node in the graph.
    pub(crate) fn symbol(
        &mut self,
        id: &str,
        parent: Option<&str>,
        cluster: Option<&str>,
        centrality: f64,
    ) -> Result<(), Fault> {
        self.declare(IdKind::Symbol, id)?;
        self.symbols_seen.add(crate::access::id_number(id));
        let owner = || format!("symbol {id}");
        finite("centrality", id, centrality)?;
        if let Some(parent) = parent {
            self.refer(IdKind::Symbol, parent, Place::SymbolParent, owner)?;
        }
        let listed = self
            .member_of
            .get(&hash(id))
            .map(|&c| self.clusters[c as usize].as_str());
        if listed != cluster {
            return Err(invalid(format!(
                "symbol {id} names cluster {cluster:?} but clusters.json puts it in {listed:?}"
            ))
            .into());
        }
        let graph = self.set(IdKind::GraphNode);
        if graph.ended && !graph.ids.contains(&hash(id)) {
            return Err(invalid(format!("{} has no node in graph.json", owner())).into());
        }
        Ok(())
    }

    /// A file of the source map: a unique path, unique chunks whose
    /// symbols are known.
    pub(crate) fn file(&mut self, f: &SourceFile) -> Result<(), Fault> {
        self.declare(IdKind::FilePath, &f.path)?;
        for c in &f.chunks {
            self.declare(IdKind::Chunk, &c.id)?;
            for s in &c.symbol_ids {
                self.refer(IdKind::Symbol, s, Place::ChunkSymbol, || {
                    format!("chunk {}", c.id)
                })?;
            }
        }
        Ok(())
    }

    /// A symbol context: one per symbol, of a known symbol.
    pub(crate) fn context(&mut self, symbol_id: &str) -> Result<(), Fault> {
        if symbol_id.is_empty() {
            return Err(invalid("empty symbol context id".into()).into());
        }
        if !self.contexts.insert(hash(symbol_id)) {
            let msg = format!("duplicate symbol context id {symbol_id}");
            return Err(invalid(msg).into());
        }
        self.refer(IdKind::Symbol, symbol_id, Place::ContextSymbol, || {
            "symbol_contexts.json".into()
        })
    }

    /// `history.json`: its format and version, unique files and symbols,
    /// symbol ids that resolve, finite ratios and scores.
    pub(crate) fn history(&mut self, h: &History) -> Result<(), Fault> {
        use crate::model::history::{FORMAT, VERSION};
        if h.format != FORMAT || h.version != VERSION {
            return Err(invalid(format!(
                "history.json is {} version {}; this reader knows {FORMAT} version {VERSION}",
                h.format, h.version
            ))
            .into());
        }
        let mut files = FxHashSet::default();
        if let Some(f) = h.files.iter().find(|f| !files.insert(f.path.as_str())) {
            return Err(invalid(format!("duplicate history file id {}", f.path)).into());
        }
        let mut seen = FxHashSet::default();
        for s in &h.symbols {
            if !seen.insert((s.path.as_str(), s.name.as_str())) {
                let msg = format!("duplicate history symbol {}#{}", s.path, s.name);
                return Err(invalid(msg).into());
            }
            if let Some(id) = &s.id {
                self.refer(IdKind::Symbol, id, Place::HistorySymbol, || {
                    "history.json".into()
                })?;
            }
        }
        history_numbers(h)
    }
}

/// `history.json`'s ratios and scores are finite.
fn history_numbers(h: &History) -> Result<(), Fault> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The ids are kept by content, newest last, at most [`WRITTEN_KEPT`]:
    /// a long-running server's oldest docpack is validated again when read.
    /// (A `Recent` of its own: the process's list is shared with whatever
    /// else this test binary writes.)
    #[test]
    fn the_written_ids_are_bounded_and_forget_the_oldest() {
        let ids: Vec<String> = (0..=WRITTEN_KEPT)
            .map(|i| format!("sha256:test-written-{i}"))
            .collect();
        let mut recent = Recent::new();
        assert!(!recent.contains(&ids[0]));
        for id in &ids {
            recent.remember(id);
            recent.remember(id);
        }
        assert!(!recent.contains(&ids[0]), "the oldest is forgotten");
        assert!(ids[1..].iter().all(|id| recent.contains(id)));
        assert!(!recent.contains("sha256:test-never-written"));
    }

    /// What the writer records, the reader finds.
    #[test]
    fn a_remembered_id_is_written_here() {
        assert!(!written_here("sha256:test-remembered"));
        remember_written("sha256:test-remembered");
        assert!(written_here("sha256:test-remembered"));
    }
}
