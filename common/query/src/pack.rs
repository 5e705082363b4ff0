//! A loaded docpack and the indexes every question needs, built once (the
//! execution flows, each a [`Flow`] from an [`EntryKind`], on first use).
//!
//! Graph questions (callers, impact, flows) use only *confident* links
//! (`Edge::is_confident`: structure, or a call/reference of at least 0.8),
//! the same ones centrality and summaries use; a guess is never presented
//! as a fact. Edges between symbols are held as adjacency lists of symbol
//! indices (positions in `nodes.symbols`).

use crate::lexical::{Bm25, DocFields};
use crate::vectors::VectorIndex;
use doctown_docpack::access::SymbolLinks;
use doctown_docpack::{DocSource, Docpack, EdgeKind, SymbolNode};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A symbol's index in its docpack's `nodes.symbols`.
pub type Sym = u32;

/// How one symbol links to another, as the graph says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    Calls,
    References,
}

impl Link {
    pub fn name(self) -> &'static str {
        match self {
            Link::Calls => "calls",
            Link::References => "references",
        }
    }
}

/// What kind of place a flow is entered from (see the `flows` module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Main,
    Route,
    Command,
    Handler,
    Api,
}

impl EntryKind {
    pub(crate) fn weight(self) -> f64 {
        match self {
            EntryKind::Main => 4.0,
            EntryKind::Route | EntryKind::Command => 3.0,
            EntryKind::Handler => 2.0,
            EntryKind::Api => 1.0,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            EntryKind::Main => "main",
            EntryKind::Route => "route",
            EntryKind::Command => "command",
            EntryKind::Handler => "handler",
            EntryKind::Api => "api",
        }
    }
}

/// A flow as computed and kept.
#[derive(Debug, Clone)]
pub struct Flow {
    pub entry: Sym,
    pub kind: EntryKind,
    /// Every symbol reached (the entry included), sorted.
    pub reach: Vec<Sym>,
    pub path: Vec<Sym>,
    pub modules: Vec<u32>,
    pub score: f64,
}

/// Where a pack came from, for listings and for reading source lines.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Origin {
    /// The `.docpack` file or the store key it was read from.
    pub location: String,
    /// A checkout of the repository whose files the source map names,
    /// when one is on this machine.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkout: Option<PathBuf>,
}

/// A docpack with its indexes.
pub struct Pack {
    /// The key clients name it by (`list_docpacks`).
    pub key: String,
    pub origin: Origin,
    pub docpack: Docpack,
    pub(crate) by_id: FxHashMap<Box<str>, Sym>,
    /// Lowercase simple name → symbols.
    pub(crate) by_name: FxHashMap<Box<str>, Vec<Sym>>,
    /// Lowercase qualified name → symbols.
    pub(crate) by_qualified: FxHashMap<Box<str>, Vec<Sym>>,
    /// Confident calls/references out of and into each symbol, and the
    /// tests that call it: the graph `access.bin` stores.
    pub(crate) links: SymbolLinks,
    /// Per symbol: its children (methods of a class, items of an impl).
    pub(crate) children: Vec<Vec<Sym>>,
    /// Per symbol: its module's index in `docpack.docs.modules`, if any.
    pub(crate) module_of: Vec<Option<u32>>,
    /// File path → its symbols, by start line.
    pub(crate) files: FxHashMap<Box<str>, Vec<Sym>>,
    /// File path → the files that import it.
    pub(crate) importers: FxHashMap<Box<str>, Vec<Box<str>>>,
    /// Cluster id → label.
    pub(crate) cluster_labels: FxHashMap<Box<str>, Box<str>>,
    /// The search index, built on first use: most questions (impact,
    /// review, context) never search, and building it was a fifth of
    /// loading a docpack.
    lexical: std::sync::OnceLock<Bm25>,
    pub(crate) vectors: VectorIndex,
    /// Execution flows, computed on first use (`flows::all`).
    pub(crate) flows: std::sync::OnceLock<Vec<Flow>>,
    /// The languages whose tests here are marked as tests (attributes or
    /// names), found on first use (`is_test_case`).
    marked_languages: std::sync::OnceLock<Vec<doctown_core::Language>>,
}

impl Pack {
    /// Indexes a verified docpack.
    pub fn new(key: impl Into<String>, origin: Origin, docpack: Docpack) -> Pack {
        let symbols = &docpack.nodes.symbols;
        let n = symbols.len();
        let by_id: FxHashMap<Box<str>, Sym> = symbols
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str().into(), i as Sym))
            .collect();
        let (vectors, lists) = rayon::join(
            || {
                let ids: FxHashMap<&str, u32> = symbols
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (s.id.as_str(), i as u32))
                    .collect();
                VectorIndex::build(&docpack, &ids)
            },
            || graph_lists(&docpack, &by_id),
        );
        let mut pack = Pack {
            key: key.into(),
            origin,
            by_id,
            by_name: FxHashMap::default(),
            by_qualified: FxHashMap::default(),
            links: lists.links,
            children: vec![Vec::new(); n],
            module_of: lists.module_of,
            files: FxHashMap::default(),
            importers: lists.importers,
            cluster_labels: docpack
                .clusters
                .clusters
                .iter()
                .map(|c| (c.id.as_str().into(), c.label.as_str().into()))
                .collect(),
            lexical: std::sync::OnceLock::new(),
            vectors,
            flows: std::sync::OnceLock::new(),
            marked_languages: std::sync::OnceLock::new(),
            docpack,
        };
        pack.index_names_and_files();
        pack
    }

    fn index_names_and_files(&mut self) {
        for (i, s) in self.docpack.nodes.symbols.iter().enumerate() {
            let i = i as Sym;
            self.by_name
                .entry(s.name.to_lowercase().into())
                .or_default()
                .push(i);
            self.by_qualified
                .entry(s.qualified_name.to_lowercase().into())
                .or_default()
                .push(i);
            self.files
                .entry(s.path.as_str().into())
                .or_default()
                .push(i);
            if let Some(p) = s.parent.as_deref().and_then(|p| self.by_id.get(p)) {
                self.children[*p as usize].push(i);
            }
        }
        let symbols = &self.docpack.nodes.symbols;
        for list in self.files.values_mut() {
            list.sort_by_key(|&i| {
                let r = symbols[i as usize].range;
                (r.start_byte, std::cmp::Reverse(r.end_byte))
            });
        }
    }

    /// The symbol at an index.
    pub fn symbol(&self, i: Sym) -> &SymbolNode {
        &self.docpack.nodes.symbols[i as usize]
    }

    /// Whether symbol `i` is a test to run: a function or method of test
    /// code that its language's conventions mark as a test (`#[test]` and
    /// its kin, `@Test`, `[Fact]`, a `test…`/`Test…`/`Benchmark…` name).
    /// In a language none of whose test code here is so marked
    /// (JavaScript's callbacks to `it` and `test` have no names), every
    /// callable of test code counts; where tests are marked, the helpers
    /// beside them do not.
    pub fn is_test_case(&self, i: Sym) -> bool {
        let s = self.symbol(i);
        if s.role != Some(doctown_core::FileRole::Test) || !s.kind.is_callable() {
            return false;
        }
        marked_test(s) || !self.marked_languages().contains(&s.language)
    }

    fn marked_languages(&self) -> &[doctown_core::Language] {
        self.marked_languages.get_or_init(|| {
            let mut found: Vec<doctown_core::Language> = Vec::new();
            for s in &self.docpack.nodes.symbols {
                let test = s.role == Some(doctown_core::FileRole::Test);
                if test && !found.contains(&s.language) && marked_test(s) {
                    found.push(s.language);
                }
            }
            found
        })
    }

    /// Whether the pack can answer a query vector of these dimensions.
    pub fn has_vectors(&self) -> bool {
        !self.vectors.is_empty()
    }

    /// Dimensions of the pack's embeddings (0 without).
    pub fn vector_dims(&self) -> usize {
        self.vectors.dims()
    }

    /// The search index (BM25 over names, signatures, summaries, paths),
    /// built on the first call.
    pub fn lexical_index(&self) -> &Bm25 {
        self.lexical.get_or_init(|| {
            let fields: Vec<DocFields> =
                self.docpack.nodes.symbols.iter().map(doc_fields).collect();
            Bm25::build(&fields)
        })
    }

    /// Approximate heap bytes of the lexical index (building it).
    pub fn lexical_bytes(&self) -> usize {
        self.lexical_index().heap_bytes()
    }

    /// Approximate heap bytes of the indexes (not the docpack itself).
    pub fn index_bytes(&self) -> usize {
        self.lexical_bytes() + self.vectors.heap_bytes()
    }
}

/// The confident graph as adjacency lists, built beside the text indexes.
struct GraphLists {
    links: SymbolLinks,
    module_of: Vec<Option<u32>>,
    importers: FxHashMap<Box<str>, Vec<Box<str>>>,
}

fn graph_lists(docpack: &Docpack, by_id: &FxHashMap<Box<str>, Sym>) -> GraphLists {
    let n = docpack.nodes.symbols.len();
    let mut g = GraphLists {
        links: SymbolLinks::of(n, |id| by_id.get(id).copied(), &docpack.graph.edges)
            .unwrap_or_default(),
        module_of: vec![None; n],
        importers: FxHashMap::default(),
    };
    let modules: FxHashMap<&str, u32> = docpack
        .docs
        .modules
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id.as_str(), i as u32))
        .collect();
    let mut module_of_file: FxHashMap<&str, u32> = FxHashMap::default();
    for e in &docpack.graph.edges {
        match e.kind {
            EdgeKind::Imports => {
                if let (Some(a), Some(b)) =
                    (e.from.strip_prefix("file:"), e.to.strip_prefix("file:"))
                {
                    g.importers.entry(b.into()).or_default().push(a.into());
                }
            }
            EdgeKind::Contains => {
                if let (Some(&m), Some(f)) =
                    (modules.get(e.from.as_str()), e.to.strip_prefix("file:"))
                {
                    module_of_file.insert(f, m);
                }
            }
            _ => {}
        }
    }
    for (i, s) in docpack.nodes.symbols.iter().enumerate() {
        g.module_of[i] = module_of_file.get(s.path.as_str()).copied();
    }
    // Docpacks whose module docs list their symbols instead.
    for (m, doc) in docpack.docs.modules.iter().enumerate() {
        for id in &doc.symbols {
            if let Some(&i) = by_id.get(id.as_str()) {
                g.module_of[i as usize].get_or_insert(m as u32);
            }
        }
    }
    g
}

pub(crate) fn doc_fields(s: &SymbolNode) -> DocFields<'_> {
    DocFields {
        name: &s.name,
        qualified_name: owner_part(&s.qualified_name),
        path: &s.path,
        signature: &s.signature,
        doc_comment: s.doc_comment.as_deref().unwrap_or(""),
        summary: s
            .documentation
            .as_ref()
            .filter(|d| d.source == DocSource::Model)
            .map(|d| d.summary.as_str())
            .unwrap_or(""),
        words: &s.words,
    }
}

/// The qualified name without its last segment: the name is its own field.
fn owner_part(qualified: &str) -> &str {
    let cut = qualified
        .rfind("::")
        .or_else(|| qualified.rfind('.'))
        .unwrap_or(0);
    &qualified[..cut]
}

/// A function or method its language's conventions mark as a test.
pub(crate) fn marked_test(s: &SymbolNode) -> bool {
    const ATTRIBUTES: [&str; 9] = [
        "#[test]",
        "#[tokio::test",
        "#[async_std::test",
        "#[rstest",
        "#[test_case",
        "@Test",
        "@ParameterizedTest",
        "[Fact",
        "[Test",
    ];
    let attribute = s
        .attributes
        .iter()
        .any(|a| ATTRIBUTES.iter().any(|t| a.starts_with(t)) || a == "[Theory]");
    let name = s.name.as_str();
    let by_name = ["test", "Test", "Benchmark", "Fuzz"]
        .iter()
        .any(|p| name.starts_with(p));
    s.kind.is_callable() && (attribute || by_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::{search, Filters, Mode, SearchRequest};
    use crate::synthetic::Hub;
    use std::sync::Arc;

    fn hub_pack() -> Pack {
        crate::synthetic::hub_pack(Hub {
            callers: 50,
            test_callers: 5,
            second_level: 20,
            modules: 3,
        })
    }

    #[test]
    fn the_search_index_is_built_by_the_first_search_not_by_loading() {
        let pack = Arc::new(hub_pack());
        assert!(pack.lexical.get().is_none(), "built at load");
        let req = SearchRequest {
            query: "caller_7".into(),
            vector: None,
            mode: Mode::Lexical,
            limit: 3,
            filters: Filters::default(),
            expand: 0,
        };
        let hits = search(std::slice::from_ref(&pack), &req).unwrap().hits;
        assert_eq!(hits[0].symbol.name, "caller_7");
        assert!(pack.lexical.get().is_some());
    }

    #[test]
    fn a_server_builds_the_index_on_a_thread_and_a_search_waits_for_it() {
        let engine = crate::Engine::from_packs(vec![hub_pack()]);
        engine.warm_search();
        let pack = engine.one_pack(None).unwrap();
        // Nothing here asks for the index: the thread builds it.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while pack.lexical.get().is_none() {
            assert!(std::time::Instant::now() < deadline, "never built");
            std::thread::yield_now();
        }
        let built: *const Bm25 = pack.lexical.get().unwrap();
        assert!(std::ptr::eq(built, pack.lexical_index()), "built twice");
    }
}
