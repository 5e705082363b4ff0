//! The history joined to a call graph, on a history built by the test:
//! hotspots scored by commits × complexity × centrality, and co-change
//! pairs marked linked or hidden, with answers worked out by hand.

mod common;

use common::{lines, Repo, Toy};
use doctown_history::structure::{hidden_coupling, join, Code, CodeSymbol, Joined};
use doctown_history::{history, AnalysisOptions, HistoryOptions, SymbolSource};
use std::collections::HashMap;

fn toy(functions: &[(&str, usize)]) -> String {
    functions
        .iter()
        .map(|(name, body)| format!("fn {name}\n{}end\n\n", lines(&format!("  {name}"), *body)))
        .collect()
}

/// Seven commits in which the server's `serve`, the store's `get` and the
/// cache's `evict` all change; `parse` and `helper` only once.
fn repository() -> Repo {
    let repo = Repo::new();
    for day in 0..7 {
        let n = 2 + day as usize;
        repo.write("src/api.lua", toy(&[("serve", n), ("parse", 3)]))
            .write("src/store.lua", toy(&[("get", n)]))
            .write("src/cache.lua", toy(&[("evict", n), ("helper", 2)]))
            .write("docs/notes.md", format!("notes {day}\n"));
        repo.commit("Ann", day, "change them together");
    }
    repo
}

/// What a graph says: `serve` calls `get`; nothing reaches `evict`;
/// `helper` is not in the graph.
fn code() -> Code<'static> {
    let symbol = |path, complexity, centrality| CodeSymbol {
        path,
        complexity,
        centrality,
    };
    Code {
        symbols: HashMap::from([
            ("sym_serve", symbol("src/api.lua", Some(4), 0.5)),
            ("sym_parse", symbol("src/api.lua", Some(10), 1.0)),
            ("sym_get", symbol("src/store.lua", Some(2), 1.0)),
            ("sym_evict", symbol("src/cache.lua", None, 0.1)),
        ]),
        files: HashMap::from([
            ("src/api.lua", 0.8),
            ("src/store.lua", 0.6),
            ("src/cache.lua", 0.2),
        ]),
        edges: vec![("sym_serve", "sym_get"), ("file:src/api.lua", "sym_parse")],
    }
}

fn ids() -> HashMap<(String, String), String> {
    [
        ("src/api.lua", "serve", "sym_serve"),
        ("src/api.lua", "parse", "sym_parse"),
        ("src/store.lua", "get", "sym_get"),
        ("src/cache.lua", "evict", "sym_evict"),
    ]
    .into_iter()
    .map(|(p, n, id)| ((p.to_string(), n.to_string()), id.to_string()))
    .collect()
}

fn scores(list: &[doctown_history::document::Hotspot]) -> Vec<(&str, f64)> {
    list.iter().map(|h| (h.name.as_str(), h.score)).collect()
}

#[test]
fn hotspots_are_churn_times_complexity_times_centrality() {
    let repo = repository();
    let source: &dyn SymbolSource = &Toy;
    let options = AnalysisOptions::default();
    let mut h = history(
        repo.path(),
        &HistoryOptions::default(),
        Some(source),
        &options,
    )
    .unwrap();
    assert_eq!(h.hotspots.basis, "lines");
    assert_eq!(doctown_history::attach_ids(&mut h, &ids()), 4);
    join(&mut h, &code());
    let spots = &h.hotspots;
    assert_eq!(spots.basis, "structure");
    // serve: 7 commits × complexity 4 × 0.5; get: 7 × 2 × 1.0;
    // parse: 1 × 10 × 1.0; evict: 7 × 1 (no complexity) × 0.1;
    // helper: not in the graph.
    assert_eq!(
        scores(&spots.symbols),
        [
            ("src/api.lua#serve", 14.0),
            ("src/store.lua#get", 14.0),
            ("src/api.lua#parse", 10.0),
            ("src/cache.lua#evict", 0.7),
        ]
    );
    // Files: their symbols' complexities together × their centrality.
    assert_eq!(
        scores(&spots.files),
        [
            ("src/api.lua", 78.4),
            ("src/store.lua", 8.4),
            ("src/cache.lua", 1.4)
        ]
    );
    // The module `src`: 7 commits × 17 × (14·0.8 + 2·0.6 + 1·0.2) / 17.
    assert_eq!(scores(&spots.modules), [("src", 88.2)]);
    assert_eq!(spots.modules[0].centrality, 0.7412);
}

#[test]
fn co_change_without_a_static_edge_is_hidden_coupling() {
    let repo = repository();
    let source: &dyn SymbolSource = &Toy;
    let options = AnalysisOptions::default();
    let mut h = history(
        repo.path(),
        &HistoryOptions::default(),
        Some(source),
        &options,
    )
    .unwrap();
    doctown_history::attach_ids(&mut h, &ids());
    let before: Vec<Option<bool>> = h.coupling.files.iter().map(|p| p.linked).collect();
    assert!(
        before.iter().all(Option::is_none),
        "unknown before the join"
    );
    let joined = join(&mut h, &code());
    let files: Vec<(&str, &str, Option<bool>)> = h
        .coupling
        .files
        .iter()
        .filter(|p| !p.a.ends_with(".md") && !p.b.ends_with(".md"))
        .map(|p| (p.a.as_str(), p.b.as_str(), p.linked))
        .collect();
    assert_eq!(
        files,
        [
            ("src/api.lua", "src/cache.lua", Some(false)),
            ("src/api.lua", "src/store.lua", Some(true)),
            ("src/cache.lua", "src/store.lua", Some(false)),
        ]
    );
    let symbols: Vec<(&str, &str, Option<bool>)> = h
        .coupling
        .symbols
        .iter()
        .map(|p| (p.a.as_str(), p.b.as_str(), p.linked))
        .collect();
    assert_eq!(
        symbols,
        [
            ("src/api.lua#serve", "src/cache.lua#evict", Some(false)),
            ("src/api.lua#serve", "src/store.lua#get", Some(true)),
            ("src/cache.lua#evict", "src/store.lua#get", Some(false)),
        ]
    );
    // The notes change with every file, but a document is outside what
    // the graph can say: not judged.
    let notes: Vec<Option<bool>> = h
        .coupling
        .files
        .iter()
        .filter(|p| p.b == "docs/notes.md" || p.a == "docs/notes.md")
        .map(|p| p.linked)
        .collect();
    assert_eq!(notes, [None, None, None]);
    assert_eq!(
        joined,
        Joined {
            linked: 2,
            hidden: 4
        }
    );
    let hidden: Vec<(&str, &str)> = hidden_coupling(&h)
        .iter()
        .map(|p| (p.a.as_str(), p.b.as_str()))
        .collect();
    assert!(hidden.contains(&("src/api.lua#serve", "src/cache.lua#evict")));
    assert!(!hidden.contains(&("src/api.lua", "src/store.lua")));
}
