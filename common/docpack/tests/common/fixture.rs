//! A small, fully cross-referenced docpack: a Rust key-value server and one
//! Python helper, with graph, clusters, modules, embeddings and contexts.

use doctown_core::{ChunkKind, FileRole, Language, Provenance, SymbolKind, Visibility};
use doctown_docpack::*;
use serde_json::json;

pub struct Sym {
    pub id: &'static str,
    pub name: &'static str,
    pub qualified: &'static str,
    pub kind: SymbolKind,
    pub path: &'static str,
    pub lines: (u32, u32),
    pub parent: Option<&'static str>,
    pub cluster: Option<&'static str>,
    pub centrality: f64,
    pub vector: [f32; 4],
}

pub const SYMS: [Sym; 7] = [
    Sym {
        id: "sym_http_server",
        name: "HttpServer",
        qualified: "kv::http::HttpServer",
        kind: SymbolKind::Struct,
        path: "src/http.rs",
        lines: (3, 6),
        parent: None,
        cluster: Some("c-http"),
        centrality: 0.12,
        vector: [0.9, 0.1, 0.0, 0.0],
    },
    Sym {
        id: "sym_serve",
        name: "serve",
        qualified: "kv::http::HttpServer::serve",
        kind: SymbolKind::Method,
        path: "src/http.rs",
        lines: (9, 20),
        parent: Some("sym_http_server"),
        cluster: Some("c-http"),
        centrality: 0.31,
        vector: [0.7, 0.3, 0.1, 0.0],
    },
    Sym {
        id: "sym_parse",
        name: "parse_http_request",
        qualified: "kv::http::parse_http_request",
        kind: SymbolKind::Function,
        path: "src/http.rs",
        lines: (23, 40),
        parent: None,
        cluster: Some("c-http"),
        centrality: 0.18,
        vector: [0.0, 0.0, 1.0, 0.2],
    },
    Sym {
        id: "sym_store",
        name: "Store",
        qualified: "kv::store::Store",
        kind: SymbolKind::Struct,
        path: "src/store.rs",
        lines: (1, 4),
        parent: None,
        cluster: Some("c-store"),
        centrality: 0.2,
        vector: [0.1, 0.9, 0.0, 0.0],
    },
    Sym {
        id: "sym_get",
        name: "get",
        qualified: "kv::store::Store::get",
        kind: SymbolKind::Method,
        path: "src/store.rs",
        lines: (7, 9),
        parent: Some("sym_store"),
        cluster: Some("c-store"),
        centrality: 0.09,
        vector: [0.0, 0.8, 0.2, 0.1],
    },
    Sym {
        id: "sym_put",
        name: "put",
        qualified: "kv::store::Store::put",
        kind: SymbolKind::Method,
        path: "src/store.rs",
        lines: (11, 14),
        parent: Some("sym_store"),
        cluster: Some("c-store"),
        centrality: 0.07,
        vector: [0.0, 0.7, 0.0, 0.7],
    },
    Sym {
        id: "sym_load_config",
        name: "loadConfig",
        qualified: "util.loadConfig",
        kind: SymbolKind::Function,
        path: "tools/util.py",
        lines: (1, 8),
        parent: None,
        cluster: None,
        centrality: 0.03,
        vector: [0.2, 0.2, 0.2, 0.9],
    },
];

pub fn chunk_id(sym: &str) -> String {
    format!("chk_{}", &sym[4..])
}

fn range(lines: (u32, u32)) -> SourceRange {
    SourceRange {
        start_byte: (lines.0 as u64 - 1) * 40,
        end_byte: lines.1 as u64 * 40,
        start_line: lines.0,
        start_column: 0,
        end_line: lines.1,
        end_column: 1,
    }
}

fn language(path: &str) -> Language {
    if path.ends_with(".py") {
        Language::Python
    } else {
        Language::Rust
    }
}

fn symbol(s: &Sym) -> SymbolNode {
    let summarised = s.kind != SymbolKind::Struct;
    SymbolNode {
        id: s.id.into(),
        name: s.name.into(),
        kind: s.kind,
        qualified_name: s.qualified.into(),
        language: language(s.path),
        path: s.path.into(),
        range: range(s.lines),
        signature: format!("{} {}()", s.kind, s.name),
        visibility: if s.name == "put" {
            Visibility::Restricted
        } else {
            Visibility::Public
        },
        doc_comment: (s.name == "serve").then(|| "Serves requests until shutdown.".to_string()),
        attributes: if s.kind == SymbolKind::Struct {
            vec!["#[derive(Debug)]".into()]
        } else {
            vec![]
        },
        parent: s.parent.map(Into::into),
        bases: vec![],
        documentation: summarised.then(|| Documentation {
            summary: format!("Summary of {}.", s.name),
            source: if s.path.ends_with(".py") {
                DocSource::Facts
            } else {
                DocSource::Model
            },
            model: (!s.path.ends_with(".py")).then(|| "qwen2.5-coder-1.5b".to_string()),
        }),
        cluster: s.cluster.map(Into::into),
        centrality: s.centrality,
        metrics: SymbolMetrics {
            loc: s.lines.1 - s.lines.0 + 1,
            complexity: Some(2),
            in_degree: 1,
            out_degree: 1,
        },
        role: Some(FileRole::Source),
        unresolved_calls: 0,
        words: if s.kind == SymbolKind::Struct {
            String::new()
        } else {
            format!("{} request", s.name)
        },
    }
}

fn edge(from: &str, to: &str, kind: EdgeKind, weight: f64) -> Edge {
    Edge {
        from: from.into(),
        to: to.into(),
        kind,
        weight,
        provenance: (kind == EdgeKind::Calls).then_some(Provenance::Import),
        confidence: (kind == EdgeKind::Calls).then_some(0.95),
    }
}

pub fn fixture() -> DocpackInput {
    let files = ["src/http.rs", "src/store.rs", "tools/util.py"];
    let mut graph = Graph::default();
    for s in &SYMS {
        graph.nodes.push(GraphNode {
            id: s.id.into(),
            kind: NodeKind::Symbol,
            name: s.qualified.into(),
            path: Some(s.path.into()),
            symbol_kind: Some(s.kind),
            centrality: None,
        });
        graph.edges.push(edge(
            &format!("file:{}", s.path),
            s.id,
            EdgeKind::Contains,
            1.0,
        ));
    }
    for f in files {
        graph.nodes.push(GraphNode {
            id: format!("file:{f}"),
            kind: NodeKind::File,
            name: f.into(),
            path: Some(f.into()),
            symbol_kind: None,
            centrality: Some(0.5),
        });
    }
    graph.nodes.push(GraphNode {
        id: "module:kv".into(),
        kind: NodeKind::Module,
        name: "kv".into(),
        path: Some("src".into()),
        symbol_kind: None,
        centrality: None,
    });
    graph.edges.extend([
        edge("module:kv", "file:src/http.rs", EdgeKind::Contains, 1.0),
        edge("module:kv", "file:src/store.rs", EdgeKind::Contains, 1.0),
        edge("sym_serve", "sym_parse", EdgeKind::Calls, 2.0),
        edge("sym_serve", "sym_get", EdgeKind::Calls, 1.0),
        edge("sym_serve", "sym_put", EdgeKind::Calls, 1.0),
        edge(
            "file:src/http.rs",
            "file:src/store.rs",
            EdgeKind::Imports,
            1.0,
        ),
        edge("sym_get", "sym_put", EdgeKind::Related, 0.8123456789),
    ]);
    graph.metrics.components = Some(2);
    graph.metrics.centrality_method = Some("pagerank(d=0.85)".into());

    let source_map = SourceMap {
        files: files
            .iter()
            .map(|f| SourceFile {
                path: (*f).into(),
                language: language(f),
                sha256: format!("{:0>64}", f.len()),
                size_bytes: 1600,
                lines: 40,
                role: Some(FileRole::Source),
                chunks: SYMS
                    .iter()
                    .filter(|s| s.path == *f)
                    .map(|s| ChunkEntry {
                        id: chunk_id(s.id),
                        kind: ChunkKind::Symbol,
                        range: range(s.lines),
                        symbol_ids: vec![s.id.into()],
                        part: None,
                    })
                    .collect(),
            })
            .collect(),
    };
    let cluster = |id: &str, label: &str| Cluster {
        id: id.into(),
        label: label.into(),
        method: "louvain".into(),
        members: SYMS
            .iter()
            .filter(|s| s.cluster == Some(id))
            .map(|s| s.id.to_string())
            .collect(),
    };
    let module = |id: &str, name: &str, cluster: &str| ModuleDoc {
        id: id.into(),
        name: name.into(),
        path: Some(format!("src/{}.rs", &name[4..])),
        cluster: Some(cluster.into()),
        documentation: Documentation {
            summary: format!("The {name} module.\n\nMore detail."),
            source: DocSource::Model,
            model: Some("qwen2.5-coder-1.5b".into()),
        },
        symbols: SYMS
            .iter()
            .filter(|s| s.cluster == Some(cluster))
            .map(|s| s.id.to_string())
            .collect(),
        code: None,
        dependencies: None,
        package: Some(ModulePackage {
            name: format!("kv-{}", &name[4..]),
            description: Some(format!("The {name} package.")),
        }),
    };
    DocpackInput {
        source: SourceInfo { name: "kv".into(), repo_url: Some("https://example.com/kv.git".into()), git_ref: Some("main".into()), commit: Some("0123456789abcdef0123456789abcdef01234567".into()) },
        generator: GeneratorInfo { name: "doctown".into(), version: "0.0.0-test".into() },
        models: ModelInfo { embedding: Some("nomic-embed-text-v1.5".into()), summary: "qwen2.5-coder-1.5b".into() },
        nodes: Nodes { symbols: SYMS.iter().map(symbol).collect() },
        graph,
        clusters: Clusters { clusters: vec![cluster("c-http", "http server"), cluster("c-store", "storage")] },
        source_map,
        docs: Docs {
            architecture: Some(ArchitectureDoc { purpose: Some(Purpose { text: "kv is a key-value server.".into(), source: "README.md".into() }), documentation: Documentation { summary: "A key-value server: an HTTP front end over an in-memory store.\n\nDetails follow.".into(), source: DocSource::Model, model: Some("qwen2.5-coder-1.5b".into()) } }),
            modules: vec![module("module:kv::http", "kv::http", "c-http"), module("module:kv::store", "kv::store", "c-store")],
            insights: Vec::new(),
        },
        embeddings: Some(Embeddings::new(4, SYMS.iter().map(|s| (chunk_id(s.id), s.vector.to_vec()))).unwrap()),
        symbol_contexts: Some(SymbolContexts {
            contexts: vec![SymbolContext { symbol_id: "sym_serve".into(), model: "qwen2.5-coder-1.5b".into(), prompt: Some("Summarise serve.".into()), facts: json!({"calls": ["parse_http_request", "get", "put"], "loc": 12, "score": 0.30000000000000004}) }],
        }),
        history: None,
        history_absent: None,
    }
}

/// The fixture, encoded.
pub fn encoded() -> EncodedDocpack {
    encode_docpack(&fixture()).unwrap()
}

/// A small history of the fixture's repository: two authors, the server
/// and the store changing together, `serve` a hotspot.
pub fn history() -> History {
    let file = |path: &str, commits: u32, lines: u32| {
        json!({"path": path, "language": "rust", "alive": true, "lines": lines, "commits": commits,
               "added": 40, "removed": 8, "authors": 2, "binary": false,
               "first_change": "2024-01-01T12:00:00Z", "last_change": "2024-03-01T12:00:00Z"})
    };
    let author = |key: &str, name: &str, commits: u32| {
        json!({"key": key, "name": name, "commits": commits, "added": 60, "removed": 10,
               "first_commit": "2024-01-01T12:00:00Z", "last_commit": "2024-03-01T12:00:00Z"})
    };
    let spot = |name: &str, score: f64, commits: u32, complexity: f64| json!({"name": name, "score": score, "commits": commits, "complexity": complexity, "centrality": 1.0});
    serde_json::from_value(json!({
        "format": "doctown-history", "version": 1,
        "summary": {"head": "0123456789abcdef0123456789abcdef01234567", "commits": 9, "merges": 1,
                    "authors": 2, "files": 2, "shallow": false, "boundary_commits": 0,
                    "first_parent": false, "truncated": false, "symbols": true,
                    "first_commit": "2024-01-01T12:00:00Z", "last_commit": "2024-03-01T12:00:00Z"},
        "authors": [author("ann@example.com", "Ann", 6), author("bob@example.com", "Bob", 3)],
        "files": [file("src/http.rs", 7, 30), file("src/store.rs", 5, 14)],
        "symbols": [{"path": "src/http.rs", "name": "HttpServer::serve", "id": "sym_serve",
                     "kind": "method", "alive": true, "lines": 12, "commits": 6, "authors": 2,
                     "added": 30, "removed": 6, "first_change": "2024-01-01T12:00:00Z",
                     "last_change": "2024-03-01T12:00:00Z", "age_days": 60}],
        "coupling": {"min_support": 2, "min_revisions": 2, "min_degree": 0.3, "max_changeset": 30,
                     "skipped_commits": 0,
                     "files": [{"a": "src/http.rs", "b": "src/store.rs", "support": 4,
                                "confidence_a": 0.5714, "confidence_b": 0.8, "degree": 0.6667,
                                "linked": false}],
                     "symbols": []},
        "ownership": {"module_depth": 2,
                      "files": [{"path": "src/http.rs", "authors": 2, "main_author": "ann@example.com",
                                 "main_share": 0.75, "doa_authors": ["ann@example.com"]}],
                      "modules": [{"path": "", "files": 2, "authors": 2, "main_author": "ann@example.com",
                                   "main_share": 0.7, "truck_factor": 1, "truck_authors": ["ann@example.com"]}]},
        "modules": [{"path": "src", "commits": 9}],
        "hotspots": {"basis": "structure", "limit": 50,
                     "files": [spot("src/http.rs", 210.0, 7, 30.0), spot("src/store.rs", 70.0, 5, 14.0)],
                     "symbols": [spot("src/http.rs#HttpServer::serve", 72.0, 6, 12.0)],
                     "modules": [spot("src", 378.0, 9, 42.0)]},
        "timeline": [{"month": "2024-01", "commits": 5, "authors": 2, "added": 50, "removed": 6,
                      "files_added": 2, "files_deleted": 0,
                      "languages": {"rust": {"added": 50, "removed": 6}},
                      "symbols_added": 7, "symbols_removed": 0},
                     {"month": "2024-02", "commits": 0, "authors": 0, "added": 0, "removed": 0,
                      "files_added": 0, "files_deleted": 0, "languages": {},
                      "symbols_added": 0, "symbols_removed": 0},
                     {"month": "2024-03", "commits": 4, "authors": 1, "added": 30, "removed": 10,
                      "files_added": 0, "files_deleted": 0,
                      "languages": {"rust": {"added": 30, "removed": 10}},
                      "symbols_added": 0, "symbols_removed": 1}]
    }))
    .unwrap()
}

/// The fixture with its history.
pub fn fixture_with_history() -> DocpackInput {
    DocpackInput {
        history: Some(history()),
        ..fixture()
    }
}
