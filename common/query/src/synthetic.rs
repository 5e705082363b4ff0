//! Synthetic docpacks of a chosen shape, for tests and benchmarks that need
//! sizes no fixture repository has: a hub function called from thousands of
//! places.

use crate::pack::{Origin, Pack};
use doctown_core::{FileRole, Language, SymbolKind, Visibility};
use doctown_docpack::{
    encode_docpack, read_docpack_bytes, DocSource, DocpackInput, Documentation, Edge, EdgeKind,
    GraphNode, ModuleDoc, NodeKind, ReadLimits, SourceRange, SymbolMetrics, SymbolNode,
};

/// The shape of a hub docpack.
#[derive(Debug, Clone, Copy)]
pub struct Hub {
    /// Functions that call the hub directly.
    pub callers: usize,
    /// Of those, how many are test functions (in a test file).
    pub test_callers: usize,
    /// Functions that each call one direct caller (round robin).
    pub second_level: usize,
    /// Modules the callers are spread over.
    pub modules: usize,
}

/// The hub docpack of this shape, written, read back and indexed (key
/// `hub`).
pub fn hub_pack(shape: Hub) -> Pack {
    let bytes = encode_docpack(&hub_docpack(shape))
        .expect("a hub docpack encodes")
        .bytes;
    let docpack = read_docpack_bytes(&bytes, &ReadLimits::default()).expect("and reads back");
    Pack::new("hub", Origin::default(), docpack)
}

/// A docpack whose function `hub` (in `src/hub.rs`) is called as [`Hub`] says;
/// callers are `caller_N` in `src/mK/callers.rs` (or `tests/mK_test.rs`),
/// second-level callers `outer_N`; every call edge is confident.
pub fn hub_docpack(shape: Hub) -> DocpackInput {
    let mut symbols = vec![function("hub", "src/hub.rs", 0, None)];
    let mut edges = Vec::new();
    let mut members: Vec<Vec<String>> = vec![Vec::new(); shape.modules.max(1)];
    for n in 0..shape.callers {
        let m = n % members.len();
        let test = n < shape.test_callers;
        let path = if test {
            format!("tests/m{m}_test.rs")
        } else {
            format!("src/m{m}/callers.rs")
        };
        let role = test.then_some(FileRole::Test);
        let s = function(&format!("caller_{n}"), &path, n, role);
        edges.push(call(&s.id, &symbols[0].id));
        members[m].push(s.id.clone());
        symbols.push(s);
    }
    for n in 0..shape.second_level {
        let callee = symbols[1 + n % shape.callers.max(1)].id.clone();
        let m = n % members.len();
        let s = function(
            &format!("outer_{n}"),
            &format!("src/m{m}/outer.rs"),
            n,
            None,
        );
        edges.push(call(&s.id, &callee));
        members[m].push(s.id.clone());
        symbols.push(s);
    }
    let mut input = DocpackInput::default();
    input.graph.nodes = symbols.iter().map(graph_node).collect();
    input.graph.edges = edges;
    input.docs.modules = members
        .into_iter()
        .enumerate()
        .map(|(m, mut ids)| {
            ids.sort();
            ModuleDoc {
                id: format!("module:m{m}"),
                name: format!("m{m}"),
                path: Some(format!("src/m{m}")),
                cluster: None,
                documentation: facts(&format!("Module m{m}.")),
                symbols: ids,
                code: None,
                dependencies: None,
                package: None,
            }
        })
        .collect();
    input.nodes.symbols = symbols;
    input
}

fn function(name: &str, path: &str, line: usize, role: Option<FileRole>) -> SymbolNode {
    let line = line as u32 * 3 + 1;
    SymbolNode {
        id: doctown_core::SymbolId::for_symbol(path, name, "function", 0).to_string(),
        name: name.to_string(),
        kind: SymbolKind::Function,
        qualified_name: name.to_string(),
        language: Language::Rust,
        path: path.to_string(),
        range: SourceRange {
            start_line: line,
            end_line: line + 2,
            ..SourceRange::default()
        },
        signature: format!("fn {name}()"),
        visibility: Visibility::Public,
        doc_comment: None,
        attributes: Vec::new(),
        parent: None,
        bases: Vec::new(),
        documentation: Some(facts(&format!("Calls on towards `hub` ({name})."))),
        cluster: None,
        centrality: 0.0,
        metrics: SymbolMetrics::default(),
        role: role.or(Some(FileRole::Source)),
        unresolved_calls: 0,
        words: String::new(),
    }
}

fn facts(summary: &str) -> Documentation {
    Documentation {
        summary: summary.to_string(),
        source: DocSource::Facts,
        model: None,
    }
}

fn graph_node(s: &SymbolNode) -> GraphNode {
    GraphNode {
        id: s.id.clone(),
        kind: NodeKind::Symbol,
        name: s.qualified_name.clone(),
        path: Some(s.path.clone()),
        symbol_kind: Some(s.kind),
        centrality: None,
    }
}

fn call(from: &str, to: &str) -> Edge {
    Edge {
        from: from.to_string(),
        to: to.to_string(),
        kind: EdgeKind::Calls,
        weight: 1.0,
        provenance: Some(doctown_core::Provenance::Scope),
        confidence: Some(0.95),
    }
}
