//! `export_markdown` writes a linked site inside its directory only, and
//! `diff` reports what changed between two docpacks.

mod common;

use common::fixture::fixture;
use doctown_docpack::*;

fn read(input: &DocpackInput) -> Docpack {
    read_docpack_bytes(
        &encode_docpack(input).unwrap().bytes,
        &ReadLimits::default(),
    )
    .unwrap()
}

#[test]
fn export_draws_the_flows_it_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let flow = |n: usize| mermaid::FlowLine {
        name: format!("serve{n} → get"),
        kind: "route".into(),
        reach: 2,
        steps: vec![
            (format!("serve{n}"), Some("kv::http".into())),
            ("get".into(), Some("kv::store".into())),
        ],
    };
    let flows: Vec<mermaid::FlowLine> = (0..mermaid::MAX_FLOWS + 2).map(flow).collect();
    let out = dir.path().join("with");
    export_markdown_with_flows(&read(&fixture()), &out, &flows).unwrap();
    let arch = std::fs::read_to_string(out.join("architecture.md")).unwrap();
    assert!(arch.contains("## Top execution flows"), "{arch}");
    assert!(arch.contains(&mermaid::flow_diagram(&flows[0])), "{arch}");
    assert!(arch.contains("### `serve0 → get` (route, reaches 2 symbols)"));
    // The best MAX_FLOWS only.
    assert_eq!(arch.matches("sequenceDiagram").count(), mermaid::MAX_FLOWS);
    // Without flows, no section.
    let bare = dir.path().join("bare");
    export_markdown(&read(&fixture()), &bare).unwrap();
    let arch = std::fs::read_to_string(bare.join("architecture.md")).unwrap();
    assert!(!arch.contains("Top execution flows"), "{arch}");
}

#[test]
fn export_writes_a_linked_site() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let report = export_markdown(&read(&fixture()), &out).unwrap();
    assert_eq!(
        report.files,
        [
            "index.md",
            "architecture.md",
            "modules/kv-http.md",
            "modules/kv-store.md",
            "modules/dir-tools.md"
        ]
    );
    let http = std::fs::read_to_string(out.join("modules/kv-http.md")).unwrap();
    assert!(http.contains("<a id=\"sym_serve\"></a>"));
    assert!(http.contains("Summary of serve."));
    assert!(http.contains("**Calls:** [`kv::http::parse_http_request`](kv-http.md#sym_parse), [`kv::store::Store::get`](kv-store.md#sym_get)"));
    let store = std::fs::read_to_string(out.join("modules/kv-store.md")).unwrap();
    assert!(store.contains("**Called by:** [`kv::http::HttpServer::serve`](kv-http.md#sym_serve)"));
    let index = std::fs::read_to_string(out.join("index.md")).unwrap();
    assert!(index.contains("[`kv::http`](modules/kv-http.md) (3 symbols) — The kv::http module."));
    let arch = std::fs::read_to_string(out.join("architecture.md")).unwrap();
    assert!(arch.starts_with("# Architecture") && arch.contains("(modules/kv-store.md#sym_put)"));
    // Mermaid: kv::http calls into kv::store, so the diagrams draw it.
    assert!(arch.contains("## Modules and their dependencies\n\n```mermaid\nflowchart TD\n"));
    assert!(
        arch.contains("m0[\"kv::http\"]") && arch.contains("m1[\"kv::store\"]"),
        "{arch}"
    );
    assert!(arch.contains("  m0 -->|"), "{arch}");
    assert!(!arch.contains("  m1 -->|"), "{arch}");
    assert!(
        http.contains("## Dependencies\n\n```mermaid\nflowchart LR\n"),
        "{http}"
    );
    assert!(
        store.contains("m0 -->|") && store.contains("style m1"),
        "{store}"
    );
}

#[test]
fn export_sanitises_names_and_stays_inside() {
    let mut input = fixture();
    input.docs.modules[0].name = "../../../etc/passwd".into();
    input.docs.modules[1].name = "/abs\\..\\CON".into();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let report = export_markdown(&read(&input), &out).unwrap();
    for f in &report.files {
        assert!(!f.contains(".."), "{f}");
        assert!(out
            .join(f)
            .canonicalize()
            .unwrap()
            .starts_with(out.canonicalize().unwrap()));
    }
    assert!(
        report.files.contains(&"modules/etc-passwd.md".to_string()),
        "{:?}",
        report.files
    );
    let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(entries.len(), 1, "wrote outside the site directory");
}

#[test]
fn diff_reports_changes() {
    let old = read(&fixture());
    let mut changed = fixture();
    changed.nodes.symbols.retain(|s| s.id != "sym_load_config");
    changed.graph.nodes.retain(|n| n.id != "sym_load_config");
    changed.graph.edges.retain(|e| e.to != "sym_load_config");
    for f in &mut changed.source_map.files {
        f.chunks
            .retain(|c| !c.symbol_ids.contains(&"sym_load_config".to_string()));
    }
    changed.embeddings = None;
    changed.symbol_contexts = None;
    let put = changed
        .nodes
        .symbols
        .iter_mut()
        .find(|s| s.id == "sym_put")
        .unwrap();
    put.signature = "fn put(&mut self, k: Key)".into();
    put.cluster = Some("c-http".into());
    put.centrality = 0.5;
    let serve = changed
        .nodes
        .symbols
        .iter_mut()
        .find(|s| s.id == "sym_serve")
        .unwrap();
    serve.documentation.as_mut().unwrap().summary = "Serves forever.".into();
    for c in &mut changed.clusters.clusters {
        c.members.retain(|m| m != "sym_put");
        if c.id == "c-http" {
            c.members.push("sym_put".into());
        }
    }
    let new = read(&changed);
    let d = diff(&old, &new);
    assert_eq!(d.removed.len(), 1);
    assert_eq!(d.removed[0].id, "sym_load_config");
    assert!(d.added.is_empty());
    assert_eq!(d.signature_changed.len(), 1);
    assert_eq!(d.summary_changed[0].new.as_deref(), Some("Serves forever."));
    assert_eq!(
        (d.moved[0].from.as_str(), d.moved[0].to.as_str()),
        ("storage", "http server")
    );
    assert_eq!(d.centrality_shifts[0].symbol.id, "sym_put");
    assert_eq!(d.centrality_shifts[0].delta, 0.43);
    let text = d.render();
    assert!(
        text.contains("removed (1)\n  - function util.loadConfig (tools/util.py)"),
        "{text}"
    );
    assert!(
        text.contains("> method kv::store::Store::put (src/store.rs): storage -> http server"),
        "{text}"
    );
    assert!(serde_json::to_value(&d).unwrap()["moved"].is_array());
    assert!(diff(&old, &old).is_empty());
    assert!(diff(&old, &old).render().ends_with("no changes\n"));
}
