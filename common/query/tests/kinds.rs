//! Search by behaviour prefers what does something: a struct that matches
//! a question as well as its method ranks below the method, and is shown
//! with the members that match; naming the struct still puts it first.

use doctown_core::SymbolKind;
use doctown_docpack::{encode_docpack, read_docpack_bytes, ReadLimits, SymbolNode};
use doctown_query::search::{search, Filters, Mode, SearchRequest};
use doctown_query::synthetic::{hub_docpack, Hub};
use doctown_query::{Origin, Pack, SearchHit};
use std::sync::Arc;

const SHAPE: Hub = Hub {
    callers: 6,
    test_callers: 0,
    second_level: 0,
    modules: 2,
};

/// The hub docpack with `ConfigLoader` (a struct) and its method `load`,
/// both documented as reading configuration files.
fn pack() -> Arc<Pack> {
    let mut input = hub_docpack(SHAPE);
    let template = input.nodes.symbols[0].clone();
    let symbol = |name: &str, kind: SymbolKind, line: u32, parent: Option<String>| SymbolNode {
        id: doctown_core::SymbolId::for_symbol("src/config.rs", name, kind.name(), 0).to_string(),
        name: name.rsplit("::").next().unwrap().to_string(),
        kind,
        qualified_name: name.to_string(),
        path: "src/config.rs".into(),
        range: doctown_docpack::SourceRange {
            start_line: line,
            end_line: line + 5,
            ..Default::default()
        },
        signature: format!("{} {name}", kind.name()),
        doc_comment: Some("Reads configuration files from disk and merges them.".into()),
        parent,
        documentation: None,
        ..template.clone()
    };
    let owner = symbol("ConfigLoader", SymbolKind::Struct, 1, None);
    let method = symbol(
        "ConfigLoader::load",
        SymbolKind::Method,
        10,
        Some(owner.id.clone()),
    );
    for s in [owner, method] {
        input.graph.nodes.push(doctown_docpack::GraphNode {
            id: s.id.clone(),
            kind: doctown_docpack::NodeKind::Symbol,
            name: s.qualified_name.clone(),
            path: Some(s.path.clone()),
            symbol_kind: Some(s.kind),
            centrality: None,
        });
        input.nodes.symbols.push(s);
    }
    input.nodes.symbols.sort_by(|a, b| a.id.cmp(&b.id));
    input.graph.nodes.sort_by(|a, b| a.id.cmp(&b.id));
    let bytes = encode_docpack(&input).unwrap().bytes;
    let docpack = read_docpack_bytes(&bytes, &ReadLimits::default()).unwrap();
    Arc::new(Pack::new("config", Origin::default(), docpack))
}

fn hits(p: &Arc<Pack>, query: &str) -> Vec<SearchHit> {
    let req = SearchRequest {
        query: query.into(),
        vector: None,
        mode: Mode::Lexical,
        limit: 5,
        filters: Filters::default(),
        expand: 0,
    };
    search(std::slice::from_ref(p), &req).unwrap().hits
}

#[test]
fn a_question_about_behaviour_is_answered_by_the_method() {
    let p = pack();
    let found = hits(&p, "reads the configuration files from disk");
    let names: Vec<&str> = found.iter().map(|h| h.symbol.name.as_str()).collect();
    assert_eq!(
        names[..2],
        ["ConfigLoader::load", "ConfigLoader"],
        "{found:#?}"
    );
    // The struct keeps 0.6 of the score its words earn, and shows the
    // member that matched.
    assert!(
        (found[1].score - 0.6 * found[0].score).abs() < 0.05,
        "{found:#?}"
    );
    let members: Vec<(&str, &str)> = found[1]
        .related
        .iter()
        .map(|r| (r.relation, r.symbol.name.as_str()))
        .collect();
    assert_eq!(members, [("member", "ConfigLoader::load")]);
    assert!(found[0].related.is_empty(), "a method has no members");
}

#[test]
fn naming_the_type_puts_it_first() {
    let p = pack();
    let found = hits(&p, "what does ConfigLoader read");
    assert_eq!(found[0].symbol.name, "ConfigLoader", "{found:#?}");
}
