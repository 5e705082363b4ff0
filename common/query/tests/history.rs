//! History questions on a docpack with a known history: the history in
//! brief and of a file or symbol, hotspots paged and tied to symbols,
//! owners, co-change partners with hidden coupling, and a docpack without
//! a history saying why.

use doctown_docpack::{encode_docpack, read_docpack_bytes, DocpackInput, ReadLimits};
use doctown_query::history::{self, Level, Target};
use doctown_query::synthetic::{hub_docpack, Hub};
use doctown_query::{render_history, Engine, Origin, Pack, QueryError};
use serde_json::json;
use std::sync::Arc;

fn shape() -> Hub {
    Hub {
        callers: 2,
        test_callers: 0,
        second_level: 0,
        modules: 1,
    }
}

/// Ann wrote most of it; `hub` and `caller_0` change together and
/// `caller_0` calls `hub` (linked); `hub` and `caller_1` change together
/// too, with nothing in the code saying why (hidden).
fn history(input: &DocpackInput) -> serde_json::Value {
    let id = |name: &str| {
        input
            .nodes
            .symbols
            .iter()
            .find(|s| s.name == name)
            .unwrap()
            .id
            .clone()
    };
    let t = "2024-01-01T12:00:00Z";
    let file = |path: &str, commits: u32| {
        json!({"path": path, "language": "rust", "alive": true, "lines": 20, "commits": commits,
               "added": 30, "removed": 5, "authors": 2, "binary": false,
               "first_change": t, "last_change": "2024-02-01T12:00:00Z"})
    };
    let symbol = |name: &str, commits: u32| {
        json!({"path": if name == "hub" { "src/hub.rs" } else { "src/m0/callers.rs" },
               "name": name, "id": id(name), "kind": "function", "alive": true, "lines": 3,
               "commits": commits, "authors": 2, "added": 9, "removed": 2,
               "first_change": t, "last_change": "2024-02-01T12:00:00Z", "age_days": 31})
    };
    let pair = |a: &str, b: &str, support: u32, linked: bool| {
        json!({"a": a, "b": b, "support": support, "confidence_a": 0.75, "confidence_b": 1.0,
               "degree": 0.8571, "linked": linked})
    };
    let spot = |name: &str, score: f64| json!({"name": name, "score": score, "commits": 8, "complexity": 2.0, "centrality": 0.5});
    json!({
        "format": "doctown-history", "version": 1,
        "summary": {"head": "0123456789abcdef0123456789abcdef01234567", "commits": 8, "merges": 0,
                    "authors": 2, "files": 2, "shallow": true, "boundary_commits": 1,
                    "first_parent": false, "truncated": false, "symbols": true,
                    "first_commit": t, "last_commit": "2024-02-01T12:00:00Z"},
        "authors": [
            {"key": "ann@example.com", "name": "Ann", "commits": 6, "added": 50, "removed": 8,
             "first_commit": t, "last_commit": "2024-02-01T12:00:00Z"},
            {"key": "bob@example.com", "name": "Bob", "commits": 2, "added": 10, "removed": 2,
             "first_commit": t, "last_commit": t}],
        "files": [file("src/hub.rs", 8), file("src/m0/callers.rs", 6)],
        "symbols": [symbol("caller_0", 6), symbol("caller_1", 6), symbol("hub", 8)],
        "coupling": {"min_support": 5, "min_revisions": 5, "min_degree": 0.3, "max_changeset": 30,
                     "skipped_commits": 0,
                     "files": [pair("src/hub.rs", "src/m0/callers.rs", 6, true)],
                     "symbols": [pair("src/hub.rs#hub", "src/m0/callers.rs#caller_0", 6, true),
                                 pair("src/hub.rs#hub", "src/m0/callers.rs#caller_1", 5, false)]},
        "ownership": {"module_depth": 2,
                      "files": [{"path": "src/hub.rs", "authors": 2, "main_author": "ann@example.com",
                                 "main_share": 0.8, "doa_authors": ["ann@example.com"]}],
                      "modules": [
                          {"path": "", "files": 2, "authors": 2, "main_author": "ann@example.com",
                           "main_share": 0.8, "truck_factor": 1, "truck_authors": ["ann@example.com"]},
                          {"path": "src", "files": 2, "authors": 2, "main_author": "ann@example.com",
                           "main_share": 0.8, "truck_factor": 1, "truck_authors": ["ann@example.com"]}]},
        "modules": [{"path": "src", "commits": 8}],
        "hotspots": {"basis": "structure", "limit": 50,
                     "files": [spot("src/hub.rs", 8.0), spot("src/m0/callers.rs", 6.0)],
                     "symbols": [spot("src/hub.rs#hub", 8.0), spot("src/m0/callers.rs#caller_0", 6.0),
                                 spot("src/m0/callers.rs#caller_1", 6.0)],
                     "modules": [spot("src", 16.0)]},
        "timeline": [{"month": "2024-01", "commits": 5, "authors": 2, "added": 40, "removed": 6,
                      "files_added": 2, "files_deleted": 0, "languages": {},
                      "symbols_added": 3, "symbols_removed": 0},
                     {"month": "2024-02", "commits": 3, "authors": 1, "added": 20, "removed": 4,
                      "files_added": 0, "files_deleted": 0, "languages": {},
                      "symbols_added": 0, "symbols_removed": 0}]
    })
}

fn pack(with_history: bool) -> Pack {
    let mut input = hub_docpack(shape());
    if with_history {
        input.history = Some(serde_json::from_value(history(&input)).unwrap());
    } else {
        input.history_absent = Some("the source is an archive: it has no git history".into());
    }
    let bytes = encode_docpack(&input).unwrap().bytes;
    let docpack = read_docpack_bytes(&bytes, &ReadLimits::default()).unwrap();
    Pack::new("hub", Origin::default(), docpack)
}

fn engine() -> (Engine, Vec<Arc<Pack>>) {
    let engine = Engine::from_packs(vec![pack(true)]);
    let packs = engine.packs(None).unwrap();
    (engine, packs)
}

#[test]
fn targets_are_files_history_keys_or_symbols() {
    let (engine, packs) = engine();
    let find = |q: &str| history::find_target(&engine, &packs, q).map(|(_, t)| t);
    assert_eq!(find("src/hub.rs"), Ok(Target::File("src/hub.rs".into())));
    assert_eq!(find("./src/hub.rs"), Ok(Target::File("src/hub.rs".into())));
    let symbol = Target::Symbol("src/m0/callers.rs#caller_1".into());
    assert_eq!(find("src/m0/callers.rs#caller_1"), Ok(symbol.clone()));
    assert_eq!(find("caller_1"), Ok(symbol));
    assert!(matches!(
        find("nothing_here"),
        Err(QueryError::UnknownSymbol { .. })
    ));
}

#[test]
fn history_in_brief_and_of_a_symbol() {
    let (engine, packs) = engine();
    let (p, target) = history::find_target(&engine, &packs, "hub").unwrap();
    let view = history::history(&p, Some(&target)).unwrap();
    assert_eq!(view.summary.commits, 8);
    assert_eq!(view.authors.len(), 2);
    assert_eq!(view.hidden_coupling, 1);
    assert_eq!(view.symbol.as_ref().unwrap().commits, 8);
    let text = render_history::history(&view);
    assert!(
        text.starts_with("8 commits (0 merges) by 2 authors, 2024-01-01 to 2024-02-01"),
        "{text}"
    );
    assert!(text.contains("shallow clone"), "{text}");
    assert!(
        text.contains("symbol src/hub.rs#hub: 8 commits by 2 authors, +9 -2 lines"),
        "{text}"
    );
    assert!(
        text.contains("1 co-change pairs have no static link"),
        "{text}"
    );
    assert!(text.contains("  2024-02 3 1 +20 -4"), "{text}");
}

#[test]
fn hotspots_are_paged_and_name_their_symbols() {
    let p = pack(true);
    let first = history::hotspots(&p, Level::Symbols, 0, 2).unwrap();
    assert_eq!(first.basis, "structure");
    assert_eq!(first.page.total, 3);
    assert_eq!(first.page.next_offset, Some(2));
    let hub = first.hotspots[0].symbol.as_ref().unwrap();
    assert_eq!(
        (hub.name.as_str(), hub.path.as_str()),
        ("hub", "src/hub.rs")
    );
    let text = render_history::hotspots(&first);
    assert!(
        text.contains(
            "1. src/hub.rs#hub score 8 (8 commits, complexity 2, centrality 0.5) src/hub.rs:1"
        ),
        "{text}"
    );
    assert!(text.contains("… 1 more hotspots (offset=2)"), "{text}");
    let modules = history::hotspots(&p, Level::Modules, 0, 10).unwrap();
    assert_eq!(modules.hotspots[0].hotspot.name, "src");
}

#[test]
fn owners_of_the_repository_a_module_and_a_file() {
    let p = pack(true);
    let all = history::owners(&p, None, 10).unwrap();
    assert_eq!(all.owners[0].path, "", "the repository first");
    assert_eq!(all.owners[0].truck_factor, Some(1));
    let text = render_history::owners(&all);
    assert!(text.starts_with("(repository): 2 files, 2 authors, main author Ann <ann@example.com> (80%), truck factor 1: Ann <ann@example.com>"), "{text}");
    let file = history::owners(&p, Some("src/hub.rs"), 10).unwrap();
    assert_eq!(file.owners[0].truck_factor, None);
    assert_eq!(file.owners[0].key_authors, ["Ann <ann@example.com>"]);
    assert_eq!(
        history::owners(&p, Some("src/"), 10).unwrap().owners[0].path,
        "src"
    );
    let err = history::owners(&p, Some("nowhere"), 10).unwrap_err();
    assert!(
        err.to_string()
            .contains("no living file or module \"nowhere\""),
        "{err}"
    );
}

#[test]
fn coupled_with_marks_hidden_coupling() {
    let p = pack(true);
    let hub = Target::Symbol("src/hub.rs#hub".into());
    let all = history::coupled_with(&p, &hub, false, 0, 10).unwrap();
    let partners: Vec<(&str, Option<bool>)> = all
        .partners
        .iter()
        .map(|x| (x.name.as_str(), x.linked))
        .collect();
    assert_eq!(
        partners,
        [
            ("src/m0/callers.rs#caller_0", Some(true)),
            ("src/m0/callers.rs#caller_1", Some(false))
        ]
    );
    assert_eq!(all.partners[0].confidence, 0.75, "of the target's commits");
    let hidden = history::coupled_with(&p, &hub, true, 0, 10).unwrap();
    assert_eq!(hidden.partners.len(), 1);
    let text = render_history::coupled(&hidden);
    assert!(text.contains("src/m0/callers.rs#caller_1: 5 commits together, 75% of its commits, degree 86%; hidden coupling: no static link"), "{text}");
    // From the other side, the confidence is the other one's.
    let caller = Target::Symbol("src/m0/callers.rs#caller_0".into());
    let back = history::coupled_with(&p, &caller, false, 0, 10).unwrap();
    assert_eq!(back.partners[0].confidence, 1.0);
    let file = Target::File("src/hub.rs".into());
    assert_eq!(
        history::coupled_with(&p, &file, false, 0, 10)
            .unwrap()
            .partners
            .len(),
        1
    );
}

#[test]
fn a_docpack_without_history_says_why() {
    let p = pack(false);
    let err = history::history(&p, None).unwrap_err().to_string();
    assert_eq!(
        err,
        "docpack hub has no history: the source is an archive: it has no git history"
    );
    assert!(history::hotspots(&p, Level::Files, 0, 10).is_err());
    assert!(history::owners(&p, None, 10).is_err());
}
