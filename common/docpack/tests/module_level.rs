//! The module level the writer stores in `docs.json` (since 1.4): each
//! module's code and its dependencies, by the rule of `module_level` —
//! confident calls and imports between source code of two modules — read
//! back by `ModuleGraph::of`, which counts it from the graph for docpacks
//! without it; and the reader refuses dependencies that do not resolve.

mod common;

use common::repack;
use doctown_core::{FileRole, Language, SymbolKind, Visibility};
use doctown_docpack::mermaid::ModuleGraph;
use doctown_docpack::module_level::{DependencyCounts, ModuleLevel};
use doctown_docpack::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// (id, path, role) of each symbol of [`layered`].
const SYMBOLS: [(&str, &str, FileRole); 6] = [
    ("sym_handle", "api/handlers.py", FileRole::Source),
    ("sym_run", "core/service.py", FileRole::Source),
    ("sym_get", "store/db.py", FileRole::Source),
    ("sym_put", "store/db.py", FileRole::Source),
    ("sym_test_run", "tests/test_core.py", FileRole::Test),
    ("sym_helper", "tests/test_core.py", FileRole::Test),
];
/// (path, lines, role) of each file.
const FILES: [(&str, u32, FileRole); 4] = [
    ("api/handlers.py", 30, FileRole::Source),
    ("core/service.py", 50, FileRole::Source),
    ("store/db.py", 70, FileRole::Source),
    ("tests/test_core.py", 20, FileRole::Test),
];

fn symbol(id: &str, path: &str, role: FileRole) -> SymbolNode {
    SymbolNode {
        id: id.into(),
        name: id[4..].into(),
        kind: SymbolKind::Function,
        qualified_name: id[4..].into(),
        language: Language::Python,
        path: path.into(),
        range: SourceRange {
            start_byte: 0,
            end_byte: 10,
            start_line: 1,
            start_column: 0,
            end_line: 1,
            end_column: 10,
        },
        signature: format!("def {}()", &id[4..]),
        visibility: Visibility::Public,
        doc_comment: None,
        attributes: vec![],
        parent: None,
        bases: vec![],
        documentation: None,
        cluster: None,
        centrality: 0.1,
        metrics: SymbolMetrics::default(),
        role: Some(role),
        unresolved_calls: 0,
        words: String::new(),
    }
}

fn node(id: &str, kind: NodeKind) -> GraphNode {
    GraphNode {
        id: id.into(),
        kind,
        name: id.into(),
        path: None,
        symbol_kind: None,
        centrality: None,
    }
}

fn edge(from: &str, to: &str, kind: EdgeKind, confidence: Option<f64>) -> Edge {
    Edge {
        from: from.into(),
        to: to.into(),
        kind,
        weight: 1.0,
        provenance: None,
        confidence,
    }
}

fn module(dir: &str, symbols: &[&str]) -> ModuleDoc {
    ModuleDoc {
        id: format!("module:{dir}"),
        name: dir.into(),
        path: Some(dir.into()),
        cluster: None,
        documentation: Documentation {
            summary: format!("The {dir} module."),
            source: DocSource::Facts,
            model: None,
        },
        symbols: symbols.iter().map(|s| s.to_string()).collect(),
        code: None,
        dependencies: None,
        package: None,
    }
}

/// api → core → store ⇄ core (a cycle), tests → core; guesses, tests
/// and edges inside a module do not count.
fn layered() -> DocpackInput {
    let mut input = DocpackInput::default();
    input.nodes.symbols = SYMBOLS.iter().map(|&(i, p, r)| symbol(i, p, r)).collect();
    input.source_map.files = FILES
        .iter()
        .map(|&(path, lines, role)| SourceFile {
            path: path.into(),
            language: Language::Python,
            sha256: "0".repeat(64),
            size_bytes: 100,
            lines,
            role: Some(role),
            chunks: vec![],
        })
        .collect();
    let g = &mut input.graph;
    g.nodes
        .extend(SYMBOLS.iter().map(|s| node(s.0, NodeKind::Symbol)));
    g.nodes.extend(
        FILES
            .iter()
            .map(|f| node(&format!("file:{}", f.0), NodeKind::File)),
    );
    let sure = Some(0.95);
    g.edges = vec![
        edge("sym_handle", "sym_run", EdgeKind::Calls, sure),
        edge("sym_handle", "sym_get", EdgeKind::Calls, Some(0.5)),
        edge("sym_run", "sym_get", EdgeKind::Calls, Some(0.8)),
        edge("sym_run", "sym_put", EdgeKind::Calls, None),
        edge("sym_get", "sym_run", EdgeKind::Calls, sure),
        edge("sym_get", "sym_put", EdgeKind::Calls, sure),
        edge("sym_test_run", "sym_run", EdgeKind::Calls, sure),
        edge("sym_handle", "sym_put", EdgeKind::References, sure),
        edge(
            "file:api/handlers.py",
            "file:core/service.py",
            EdgeKind::Imports,
            None,
        ),
        edge(
            "file:tests/test_core.py",
            "file:core/service.py",
            EdgeKind::Imports,
            None,
        ),
        edge("file:store/db.py", "sym_get", EdgeKind::Contains, None),
    ];
    // api lists its symbol; the others are placed by their files.
    input.docs.modules = vec![
        module("api", &["sym_handle"]),
        module("core", &[]),
        module("store", &[]),
        module("tests", &[]),
    ];
    input
}

fn read(input: &DocpackInput) -> Docpack {
    let bytes = encode_docpack(input).unwrap().bytes;
    read_docpack_bytes(&bytes, &ReadLimits::default()).unwrap()
}

fn dependency(module: &str, calls: u64, imports: u64) -> ModuleDependency {
    ModuleDependency {
        module: module.into(),
        calls,
        imports,
    }
}

#[test]
fn the_writer_stores_each_modules_code_and_dependencies() {
    let d = read(&layered());
    let by_id = |id: &str| d.docs.modules.iter().find(|m| m.id == id).unwrap();
    let code = |id: &str| by_id(id).code.unwrap();
    let deps = |id: &str| by_id(id).dependencies.clone().unwrap();
    assert_eq!(
        deps("module:api"),
        [dependency("module:core", 1, 1)],
        "the guess (0.5) and the reference do not count"
    );
    assert_eq!(deps("module:core"), [dependency("module:store", 2, 0)]);
    assert_eq!(deps("module:store"), [dependency("module:core", 1, 0)]);
    assert_eq!(deps("module:tests"), [], "tests depend on nothing");
    let store = code("module:store");
    assert_eq!((store.symbols, store.files, store.lines), (2, 1, 70));
    assert_eq!(store.role, FileRole::Source);
    let tests = code("module:tests");
    assert_eq!(
        (tests.symbols, tests.files, tests.role),
        (2, 1, FileRole::Test)
    );
}

#[test]
fn the_module_graph_is_the_same_read_from_docs_or_counted_from_the_graph() {
    let d = read(&layered());
    let stated = ModuleGraph::from_docs(&d.docs).expect("a 1.4 docpack states it");
    assert_eq!(ModuleGraph::of(&d), stated);
    let counted = ModuleLevel::compute(&d.docs, &d.nodes, &d.source_map, &d.graph).graph;
    assert_eq!(counted, stated);
    assert_eq!(stated.names, ["api", "core", "store", "tests"]);
    assert_eq!(stated.sizes, [1, 1, 2, 2]);
    assert_eq!(
        stated.edges[&(1, 2)],
        DependencyCounts {
            calls: 2,
            imports: 0
        }
    );
    assert_eq!(stated.on_cycles(), BTreeSet::from([1, 2]));

    // A docpack written before 1.4: the same graph, counted.
    let mut old = d.clone();
    for m in &mut old.docs.modules {
        m.code = None;
        m.dependencies = None;
    }
    assert_eq!(ModuleGraph::from_docs(&old.docs), None);
    assert_eq!(ModuleGraph::of(&old), stated);
    assert!(old.docs.modules[0].code.is_none());
}

#[test]
fn what_a_producer_says_is_replaced_and_the_bytes_do_not_depend_on_it() {
    let plain = encode_docpack(&layered()).unwrap();
    let mut lying = layered();
    lying.docs.modules[3].dependencies = Some(vec![dependency("module:api", 99, 0)]);
    lying.docs.modules[3].code = Some(ModuleCode {
        symbols: 1,
        files: 1,
        lines: 1,
        role: FileRole::Source,
    });
    lying.docs.modules.reverse();
    assert_eq!(encode_docpack(&lying).unwrap().bytes, plain.bytes);
}

#[test]
fn a_module_named_by_its_file_holds_that_file() {
    let mut input = layered();
    input.docs.modules[2].path = Some("store/db.py".into());
    let d = read(&input);
    let store = &d.docs.modules[2];
    assert_eq!(store.code.unwrap().files, 1);
    assert_eq!(
        store.dependencies.as_deref().unwrap(),
        [dependency("module:core", 1, 0)]
    );
}

/// The entries of the layered docpack with `docs.json` edited.
fn with_docs(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut entries = encode_docpack(&layered()).unwrap().entries;
    let (_, docs) = entries.iter_mut().find(|(n, _)| n == "docs.json").unwrap();
    let mut value: Value = serde_json::from_slice(docs).unwrap();
    edit(&mut value);
    *docs = serde_json::to_vec_pretty(&value).unwrap();
    repack(entries, true)
}

#[test]
fn the_reader_refuses_dependencies_that_do_not_resolve() {
    let dep = |module: &str| json!({"module": module, "calls": 1, "imports": 0});
    let cases = [
        (
            vec![dep("module:nowhere")],
            "refers to unknown module module:nowhere",
        ),
        (
            vec![dep("module:api")],
            "module module:api depends on itself",
        ),
        (
            vec![dep("module:store"), dep("module:core")],
            "are not sorted by module",
        ),
        (
            vec![dep("module:core"), dep("module:core")],
            "are not sorted by module, each once",
        ),
    ];
    for (deps, needle) in cases {
        let bytes = with_docs(|v| v["modules"][0]["dependencies"] = json!(deps));
        let err = read_docpack_bytes(&bytes, &ReadLimits::default()).unwrap_err();
        assert!(err.to_string().contains(needle), "{needle:?} in {err}");
    }
    // Without the fields (an older writer), the docpack reads.
    let bytes = with_docs(|v| {
        for m in v["modules"].as_array_mut().unwrap() {
            let m = m.as_object_mut().unwrap();
            m.remove("code");
            m.remove("dependencies");
        }
    });
    let d = read_docpack_bytes(&bytes, &ReadLimits::default()).unwrap();
    assert!(d.docs.modules.iter().all(|m| m.dependencies.is_none()));
}
