//! Graph construction on a small multi-language fixture.

mod common;

use doctown_assemble::artifacts::{
    AssembleGraph, ContextOutline, EdgeKind, GraphEdge, GraphNode, SymbolContext,
};
use doctown_assemble::{assemble, AssembleInput, AssembleOptions, ChunkInfo};

fn run() -> (common::Fixture, doctown_assemble::Assembled) {
    let f = common::multi_language();
    let chunks = f.chunks.iter().map(ChunkInfo::from_chunk).collect();
    let input = AssembleInput::new(f.symbols.clone(), f.files.clone(), chunks, None);
    let out = assemble(&input, &AssembleOptions::default()).unwrap();
    (f, out)
}

fn has_edge(g: &AssembleGraph, kind: EdgeKind, source: &str, target: &str) -> bool {
    g.edges
        .iter()
        .any(|e| e.kind == kind && e.source == source && e.target == target)
}

#[test]
fn calls_imports_and_supertypes() {
    let (f, out) = run();
    let g = &out.graph;
    let id = |q: &str| f.by_name(q).id.to_string();
    // calls (resolved only, weighted by call sites)
    let run_get = g
        .edges
        .iter()
        .find(|e| e.kind == EdgeKind::Calls && e.source == id("crate::run"))
        .unwrap();
    assert_eq!(
        (run_get.target.clone(), run_get.weight),
        (id("crate::store::local::LocalStore::get"), 2.0)
    );
    assert!(has_edge(
        g,
        EdgeKind::Calls,
        &id("pkg.service.load"),
        &id("pkg.models.User")
    ));
    assert!(has_edge(
        g,
        EdgeKind::Calls,
        &id("web/app.main"),
        &id("web/api.HttpClient")
    ));
    assert!(has_edge(
        g,
        EdgeKind::Calls,
        &id("main.main"),
        &id("db.Open")
    ));
    assert_eq!(g.metrics.edges_by_kind["calls"], 4);
    // imports: file → file, Go package → module
    assert!(has_edge(
        g,
        EdgeKind::Imports,
        "file:src/lib.rs",
        "file:src/store/local.rs"
    ));
    assert!(has_edge(
        g,
        EdgeKind::Imports,
        "file:src/store/local.rs",
        "file:src/lib.rs"
    ));
    assert!(has_edge(
        g,
        EdgeKind::Imports,
        "file:pkg/service.py",
        "file:pkg/models.py"
    ));
    assert!(has_edge(
        g,
        EdgeKind::Imports,
        "file:web/app.ts",
        "file:web/api.ts"
    ));
    assert!(has_edge(
        g,
        EdgeKind::Imports,
        "file:cmd/server/main.go",
        "mod:internal/db"
    ));
    assert_eq!(g.metrics.edges_by_kind["imports"], 5);
    // implements / inherits
    assert!(has_edge(
        g,
        EdgeKind::Implements,
        &id("crate::store::local::LocalStore"),
        &id("crate::Store")
    ));
    assert!(has_edge(
        g,
        EdgeKind::Implements,
        &id("web/api.HttpClient"),
        &id("web/api.Client")
    ));
    assert!(has_edge(
        g,
        EdgeKind::Inherits,
        &id("pkg.models.User"),
        &id("pkg.models.Base")
    ));
    assert!(has_edge(
        g,
        EdgeKind::Inherits,
        &id("db.Conn"),
        &id("db.DB")
    ));
    // containment: module → file → symbol, parent → child
    assert!(has_edge(
        g,
        EdgeKind::Contains,
        "mod:src/store",
        "file:src/store/local.rs"
    ));
    assert!(has_edge(
        g,
        EdgeKind::Contains,
        "file:src/lib.rs",
        &id("crate::run")
    ));
    let imp = id("crate::store::local::impl Store for LocalStore");
    assert!(has_edge(
        g,
        EdgeKind::Contains,
        &imp,
        &id("crate::store::local::LocalStore::get")
    ));
    assert_eq!(g.metrics.edges_by_kind["related"], 0);
}

#[test]
fn unresolved_calls_and_external_imports_are_attributes() {
    let (f, out) = run();
    let node = |id: &str| out.graph.nodes.iter().find(|n| n.id == id).unwrap();
    assert_eq!(
        node(f.by_name("crate::run").id.as_str()).unresolved_calls,
        vec!["println"]
    );
    assert_eq!(
        node("file:pkg/service.py").external_imports,
        vec!["os.path"]
    );
    assert_eq!(node("file:web/app.ts").external_imports, vec!["react"]);
    assert!(out.graph.edges.iter().all(|e| e.target != "println"));
}

#[test]
fn contexts_metrics_and_modules() {
    let (f, out) = run();
    let ctx = |q: &str| out.contexts.iter().find(|c| c.qualified_name == q).unwrap();
    let run_ctx = ctx("crate::run");
    assert_eq!(run_ctx.calls.len(), 1);
    assert_eq!(
        run_ctx.calls[0].qualified_name,
        "crate::store::local::LocalStore::get"
    );
    assert_eq!(run_ctx.unresolved_calls, vec!["println"]);
    assert_eq!(run_ctx.imports, vec!["crate::store::local", "std::fmt"]);
    assert_eq!(run_ctx.complexity, Some(4)); // if, &&, ? + 1
    assert_eq!(run_ctx.loc, 10);
    assert!(!run_ctx.vectors_missing);
    assert!(run_ctx.cluster.is_some());
    let get_ctx = ctx("crate::store::local::LocalStore::get");
    assert_eq!(get_ctx.called_by[0].id, f.by_name("crate::run").id);
    assert_eq!(get_ctx.complexity, Some(3));
    assert_eq!(ctx("crate::Store").complexity, None);
    assert_eq!(
        ctx("crate::store::local::LocalStore").supertypes[0].qualified_name,
        "crate::Store"
    );
    // PageRank: the trait implemented and called into ranks above a leaf caller.
    assert!(ctx("crate::Store").centrality > ctx("crate::run").centrality);
    let max = out
        .graph
        .nodes
        .iter()
        .map(|n| n.centrality)
        .fold(0.0, f64::max);
    assert_eq!(max, 1.0);
    // Modules: src and src/store depend on each other; cmd/server → internal/db.
    let module = |p: &str| out.modules.iter().find(|m| m.path == p).unwrap();
    assert_eq!(module("src").dependencies, vec!["src/store"]);
    assert_eq!(module("src").dependents, vec!["src/store"]);
    let server = module("cmd/server");
    assert_eq!(
        (server.afferent, server.efferent, server.instability),
        (0, 1, 1.0)
    );
    let db = module("internal/db");
    assert_eq!((db.afferent, db.efferent, db.instability), (1, 0, 0.0));
    assert_eq!(db.symbols, 3);
    assert!(out.graph.metrics.density > 0.0 && out.graph.metrics.density < 1.0);
}

#[test]
fn empty_and_single_symbol_repositories() {
    let input = AssembleInput::new(Vec::new(), Vec::new(), Vec::new(), None);
    let out = assemble(&input, &AssembleOptions::default()).unwrap();
    assert!(
        out.contexts.is_empty() && out.clusters.clusters.is_empty() && out.graph.nodes.is_empty()
    );
    let one = common::sym(
        "a.py",
        "a.f",
        doctown_core::SymbolKind::Function,
        doctown_core::Language::Python,
    );
    let input = AssembleInput::new(vec![one], Vec::new(), Vec::new(), None);
    let out = assemble(&input, &AssembleOptions::default()).unwrap();
    assert_eq!(out.contexts.len(), 1);
    assert_eq!(out.clusters.clusters.len(), 1);
    assert_eq!(out.graph.nodes.len(), 3); // module ".", file, symbol
}

/// A recursive call is not a dependency: a function that calls itself
/// ranks no higher than one that does not, and its degree ignores the loop.
#[test]
fn recursion_does_not_make_a_function_central() {
    use common::{call, file, sym};
    use doctown_core::{Language::Rust, SymbolKind::Function};
    let mut walk = sym("src/lib.rs", "crate::walk", Function, Rust);
    let mut visit = sym("src/lib.rs", "crate::visit", Function, Rust);
    let mut main = sym("src/lib.rs", "crate::main", Function, Rust);
    walk.calls = vec![call("walk", Some(&walk))];
    main.calls = vec![call("walk", Some(&walk)), call("visit", Some(&visit))];
    visit.calls = Vec::new();
    let files = vec![file("src/lib.rs", Rust, &[])];
    let input = AssembleInput::new(vec![walk, visit, main], files, Vec::new(), None);
    let out = assemble(&input, &AssembleOptions::default()).unwrap();
    let ctx = |q: &str| out.contexts.iter().find(|c| c.qualified_name == q).unwrap();
    assert_eq!(
        ctx("crate::walk").centrality,
        ctx("crate::visit").centrality
    );
    assert_eq!(ctx("crate::walk").called_by.len(), 1);
}

/// The graph and contexts spooled block by block are the bytes of the
/// collected artifacts serialised whole (one JSON object and one line per
/// context), whatever the blocks.
#[test]
fn spooled_artifacts_are_the_collected_ones_serialised() {
    use doctown_assemble::sink::{AssembleSink, JsonFiles};
    let (_, collected) = run();
    let expected_graph = {
        let mut bytes = serde_json::to_vec(&collected.graph).unwrap();
        bytes.push(b'\n');
        bytes
    };
    let expected_contexts: Vec<u8> = collected
        .contexts
        .iter()
        .flat_map(|c| {
            let mut line = serde_json::to_vec(c).unwrap();
            line.push(b'\n');
            line
        })
        .collect();
    // Through the stage's own path, and in blocks of every size up to 3.
    let f = common::multi_language();
    let chunks = f.chunks.iter().map(ChunkInfo::from_chunk).collect();
    let input = AssembleInput::new(f.symbols.clone(), f.files.clone(), chunks, None);
    let mut spooled = JsonFiles::new(Vec::new(), Vec::new(), Vec::new());
    let out = doctown_assemble::assemble_into(
        &input,
        &AssembleOptions::default(),
        &mut |_| {},
        &mut spooled,
    )
    .unwrap();
    assert_eq!(out.symbol_count, collected.contexts.len());
    assert_eq!(out.graph.metrics, collected.graph.metrics);
    let written = spooled.finish().unwrap();
    assert_eq!(written.contexts_written as usize, collected.contexts.len());
    assert_eq!(written.graph, expected_graph);
    assert_eq!(written.contexts, expected_contexts);
    // The outline is each context's few facts, line for line.
    let outlines: Vec<ContextOutline> = written
        .outline
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    let expected_outlines: Vec<ContextOutline> = collected
        .contexts
        .iter()
        .map(|c| ContextOutline {
            id: c.id.clone(),
            kind: c.kind,
            centrality: c.centrality,
            path: c.path.clone(),
            module: c.module.clone(),
            loc: c.loc,
            complexity: c.complexity,
        })
        .collect();
    assert!(!expected_outlines.is_empty());
    assert_eq!(outlines, expected_outlines);
    for block in 1..=3 {
        let mut files = JsonFiles::new(Vec::new(), Vec::new(), Vec::new());
        let g = &collected.graph;
        files.graph_start(&g.metrics).unwrap();
        files.graph_edges(Vec::new()).unwrap();
        for part in g.edges.chunks(block) {
            files
                .graph_edges(part.iter().map(GraphEdge::view).collect())
                .unwrap();
        }
        for part in g.nodes.chunks(block) {
            files
                .graph_nodes(part.iter().map(GraphNode::view).collect())
                .unwrap();
        }
        for part in collected.contexts.chunks(block) {
            files
                .contexts(part.iter().map(SymbolContext::view).collect())
                .unwrap();
        }
        let blocks = files.finish().unwrap();
        assert_eq!(blocks.graph, expected_graph, "blocks of {block}");
        assert_eq!(blocks.contexts, expected_contexts, "blocks of {block}");
        assert_eq!(blocks.outline, written.outline, "blocks of {block}");
    }
    // An edge after the nodes, or a node before the graph's start, is
    // out of order.
    let g = &collected.graph;
    assert!(!g.edges.is_empty() && !g.nodes.is_empty());
    let mut files = JsonFiles::new(Vec::new(), Vec::new(), Vec::new());
    assert!(files.graph_nodes(vec![g.nodes[0].view()]).is_err());
    files.graph_start(&g.metrics).unwrap();
    files.graph_nodes(vec![g.nodes[0].view()]).unwrap();
    assert!(files.graph_edges(vec![g.edges[0].view()]).is_err());
}

/// A graph with no nodes or edges still spools to valid JSON.
#[test]
fn an_empty_graph_spools_to_its_serialised_form() {
    use doctown_assemble::sink::{AssembleSink, JsonFiles};
    let empty = AssembleGraph::default();
    for with_edges_call in [false, true] {
        let mut files = JsonFiles::new(Vec::new(), Vec::new(), Vec::new());
        files.graph_start(&empty.metrics).unwrap();
        if with_edges_call {
            files.graph_edges(Vec::new()).unwrap();
            files.graph_nodes(Vec::new()).unwrap();
        }
        let bytes = files.finish().unwrap().graph;
        let mut expected = serde_json::to_vec(&empty).unwrap();
        expected.push(b'\n');
        assert_eq!(bytes, expected);
    }
}

/// What the stage drops of each symbol as it loads them changes nothing
/// that assemble writes: words, field types, attributes that do not mark
/// a test, call qualifiers and receivers, and the names of linked calls
/// (a link to a symbol outside the input still lists its callee).
#[test]
fn lean_symbols_assemble_the_same() {
    use doctown_assemble::input::lean_symbol;
    use doctown_core::SymbolId;
    let f = common::multi_language();
    let mut symbols = f.symbols.clone();
    let dangling = SymbolId::for_symbol("gone.rs", "gone", "function", 0);
    for (i, s) in symbols.iter_mut().enumerate() {
        s.words = format!("word{i} other");
        s.field_types.insert("store".into(), "Store".into());
        s.attributes = vec![if i % 3 == 0 { "#[test]" } else { "static" }.into()];
        let mut linked = common::call("gone::helper", None);
        linked.resolved = Some(dangling.clone());
        s.calls.push(linked);
        for call in &mut s.calls {
            call.qualifier = Some("q".into());
            call.receiver_type = Some("T".into());
        }
    }
    let chunks = || f.chunks.iter().map(ChunkInfo::from_chunk).collect();
    let run = |symbols: Vec<doctown_core::Symbol>| {
        let input = AssembleInput::new(symbols, f.files.clone(), chunks(), None);
        let mut out = assemble(&input, &AssembleOptions::default()).unwrap();
        out.timings.clear();
        out
    };
    let lean: Vec<_> = symbols.iter().cloned().map(lean_symbol).collect();
    assert!(lean.iter().all(|s| s.words.is_empty()));
    assert!(lean.iter().any(|s| s.attributes.is_empty()));
    let full = run(symbols);
    assert!(full
        .contexts
        .iter()
        .any(|c| c.unresolved_calls.iter().any(|u| u == "gone::helper")));
    assert!(full
        .contexts
        .iter()
        .any(|c| c.role == doctown_core::FileRole::Test));
    assert!(run(lean) == full, "the lean symbols assembled differently");
}
