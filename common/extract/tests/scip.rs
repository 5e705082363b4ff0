//! SCIP round trip: a real index written by scip-python 0.6.6 for the
//! `scip_py` fixture (regenerate with `scip-python index . --project-name
//! shop --project-version 1.0 --output index.scip` in that directory)
//! links calls exactly, overriding the heuristic resolver, and damaged or
//! foreign indexes change nothing.

mod common;

use doctown_core::{Language, Provenance, Symbol};
use doctown_extract::{apply_scip, parse_scip, ScipError};
use std::collections::BTreeMap;
use std::path::Path;

fn fixture_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scip_py")
}

fn symbols() -> Vec<Symbol> {
    let dir = fixture_dir();
    let files: Vec<(String, String)> = ["shop/__init__.py", "shop/store.py", "shop/service.py"]
        .iter()
        .map(|p| (p.to_string(), std::fs::read_to_string(dir.join(p)).unwrap()))
        .collect();
    let inputs: Vec<(&str, Language, &str)> = files
        .iter()
        .map(|(p, s)| (p.as_str(), Language::Python, s.as_str()))
        .collect();
    common::extract_all(&inputs)
        .into_iter()
        .flat_map(|e| e.symbols)
        .collect()
}

/// caller → callee as written → (target, provenance), for resolved calls.
fn links(symbols: &[Symbol]) -> BTreeMap<(String, String), (String, String)> {
    let names: BTreeMap<&str, &str> = symbols
        .iter()
        .map(|s| (s.id.as_str(), s.qualified_name.as_str()))
        .collect();
    let mut out = BTreeMap::new();
    for s in symbols {
        for c in &s.calls {
            if let Some(id) = &c.resolved {
                let how = c.provenance.map_or("?", |p| p.name());
                out.insert(
                    (s.qualified_name.clone(), c.callee.to_string()),
                    (names[id.as_str()].to_string(), how.to_string()),
                );
            }
        }
    }
    out
}

fn index_bytes() -> Vec<u8> {
    std::fs::read(fixture_dir().join("index.scip")).unwrap()
}

#[test]
fn scip_links_override_the_heuristics() {
    let mut symbols = symbols();
    let index = parse_scip(&index_bytes()).unwrap();
    assert!(index.tool.starts_with("scip-python"), "{}", index.tool);
    let stats = apply_scip(&mut symbols, &index);
    // `shop/__init__.py` is empty: no symbols, nothing to match.
    assert_eq!(stats.documents_matched, 2, "{stats:?}");
    let got = links(&symbols);
    let scip = |caller: &str, callee: &str, target: &str| {
        (
            (caller.to_string(), callee.to_string()),
            (target.to_string(), "scip".to_string()),
        )
    };
    for (key, want) in [
        scip("shop.service.build", "inv.add", "shop.store.Inventory.add"),
        scip("shop.service.build", "restock", "shop.service.restock"),
        scip(
            "shop.store.Inventory.add",
            "self.touch",
            "shop.store.Inventory.touch",
        ),
        scip("shop.store.Ledger.add", "record", "shop.store.record"),
    ] {
        assert_eq!(got.get(&key), Some(&want), "{key:?} in {got:#?}");
    }
    // An external function stays unresolved even though a repository
    // function shares the name it is imported as a prefix of.
    let restock = symbols
        .iter()
        .find(|s| s.qualified_name == "shop.service.restock")
        .unwrap();
    let external = restock
        .calls
        .iter()
        .find(|c| &*c.name == "record_json")
        .unwrap();
    assert!(external.resolved.is_none());
    assert!(symbols
        .iter()
        .flat_map(|s| &s.calls)
        .filter(|c| c.resolved.is_some())
        .all(|c| c.confidence.is_some() && c.provenance.is_some()));
    assert!(stats.linked >= 4, "{stats:?}");
}

#[test]
fn without_an_index_the_heuristics_decide() {
    let symbols = symbols();
    let got = links(&symbols);
    // `inv = Inventory()` types the receiver; the untyped parameters of
    // `restock` do not, and two classes have `add`: left unresolved.
    assert_eq!(
        got.get(&("shop.service.build".into(), "inv.add".into())),
        Some(&("shop.store.Inventory.add".into(), "receiver_type".into()))
    );
    assert_eq!(
        got.get(&("shop.service.restock".into(), "inventory.add".into())),
        None
    );
    assert_eq!(
        got.get(&("shop.service.restock".into(), "ledger.add".into())),
        None
    );
    // `handler()` calls a parameter, not a symbol: not even a call site.
    let run = symbols
        .iter()
        .find(|s| s.qualified_name == "shop.service.run")
        .unwrap();
    assert!(
        run.calls.iter().all(|c| &*c.name != "handler"),
        "{:?}",
        run.calls
    );
    // `key=build` is a function passed as a value.
    assert_eq!(
        got.get(&("shop.service.run".into(), "build".into())),
        Some(&("shop.service.build".into(), Provenance::Scope.name().into()))
    );
}

#[test]
fn damaged_and_foreign_indexes_change_nothing() {
    let bytes = index_bytes();
    for cut in [1, bytes.len() / 3, bytes.len() - 1] {
        let err = parse_scip(&bytes[..cut]).unwrap_err();
        assert!(matches!(err, ScipError::Malformed(_)), "{err}");
    }
    // The same index moved under another root: no path matches.
    let mut index = parse_scip(&bytes).unwrap();
    for doc in &mut index.documents {
        doc.path = format!("elsewhere/{}", doc.path);
    }
    let mut symbols = symbols();
    let before = links(&symbols);
    let stats = apply_scip(&mut symbols, &index);
    assert_eq!(stats.documents_matched, 0);
    assert_eq!(links(&symbols), before);
}

/// scip-typescript names a class declared inside a function, and its
/// methods, as document-local symbols (`local N`); the method a local
/// method calls is still the one the index names.
#[test]
fn methods_of_a_class_declared_in_a_function_link_through_local_symbols() {
    let source = "export function enableMapSet() {\n  class DraftMap {\n    get(key: string) { return key }\n    has(key: string) { return this.get(key) !== undefined }\n  }\n  return new DraftMap()\n}\n";
    let mut symbols = extract_one("src/m.ts", Language::TypeScript, source);
    let index = doctown_extract::ScipIndex {
        tool: "scip-typescript 0.4.0".into(),
        documents: vec![doctown_extract::ScipDocument {
            path: "src/m.ts".into(),
            occurrences: vec![
                occ(
                    0,
                    16,
                    "scip-typescript npm pkg 1.0 src/`m.ts`/enableMapSet().",
                    true,
                ),
                occ(1, 8, "local 0", true),
                occ(2, 4, "local 1", true),
                occ(2, 8, "local 2", true),
                occ(3, 4, "local 3", true),
                occ(3, 8, "local 4", true),
                occ(3, 37, "local 1", false),
                occ(3, 41, "local 4", false),
                occ(5, 13, "local 0", false),
            ],
        }],
    };
    apply_scip(&mut symbols, &index);
    let links = links(&symbols);
    assert_eq!(
        links.get(&("src/m.enableMapSet.DraftMap.has".into(), "this.get".into())),
        Some(&("src/m.enableMapSet.DraftMap.get".into(), "scip".into())),
        "{links:?}"
    );
}

/// A struct literal filled by a method of the same name as the field
/// (`Position { offset: self.offset() }`): the index names the field and
/// the method on one line, and the call links to the method.
#[test]
fn a_call_links_to_the_function_when_a_field_shares_its_name_on_the_line() {
    let source = "pub struct Position {\n    pub offset: usize,\n}\npub struct P {\n    o: usize,\n}\nimpl P {\n    fn offset(&self) -> usize {\n        self.o\n    }\n    pub fn span(&self) -> Position {\n        Position { offset: self.offset() }\n    }\n}\n";
    let mut symbols = extract_one("src/lib.rs", Language::Rust, source);
    let g = |d: &str| format!("rust-analyzer cargo rs1 0.1.0 {d}");
    let index = doctown_extract::ScipIndex {
        tool: "rust-analyzer 0.0.349".into(),
        documents: vec![doctown_extract::ScipDocument {
            path: "src/lib.rs".into(),
            occurrences: vec![
                occ(0, 11, &g("Position#"), true),
                occ(1, 8, &g("Position#offset."), true),
                occ(3, 11, &g("P#"), true),
                occ(7, 7, &g("impl#[P]offset()."), true),
                occ(10, 11, &g("impl#[P]span()."), true),
                occ(11, 8, &g("Position#"), false),
                occ(11, 19, &g("Position#offset."), false),
                occ(11, 32, &g("impl#[P]offset()."), false),
            ],
        }],
    };
    apply_scip(&mut symbols, &index);
    let links = links(&symbols);
    let span = links
        .iter()
        .find(|((caller, callee), _)| caller.ends_with("P::span") && callee == "self.offset")
        .map(|(_, to)| to.clone());
    assert!(
        matches!(&span, Some((target, how)) if target.ends_with("P::offset") && how == "scip"),
        "{links:?}"
    );
}

/// rust-analyzer names a nested function globally and its parameters as
/// locals on the same line: a use of a parameter is not a call of the
/// function.
#[test]
fn a_nested_functions_parameters_are_not_the_function() {
    let source = "pub fn outer(x: u8) -> u8 {\n    fn inner(ptr: u8) -> u8 {\n        ptr + 1\n    }\n    inner(x)\n}\n";
    let mut symbols = extract_one("src/lib.rs", Language::Rust, source);
    let g = |d: &str| format!("rust-analyzer cargo rs1 0.1.0 {d}");
    let index = doctown_extract::ScipIndex {
        tool: "rust-analyzer 0.0.349".into(),
        documents: vec![doctown_extract::ScipDocument {
            path: "src/lib.rs".into(),
            occurrences: vec![
                occ(0, 7, &g("outer()."), true),
                occ(0, 13, "local 0", true),
                occ(1, 7, &g("outer().inner()."), true),
                occ(1, 13, "local 1", true),
                occ(2, 8, "local 1", false),
                occ(4, 4, &g("outer().inner()."), false),
                occ(4, 10, "local 0", false),
            ],
        }],
    };
    apply_scip(&mut symbols, &index);
    let links = links(&symbols);
    let edges: Vec<(&str, &str)> = links
        .iter()
        .map(|((caller, _), (target, _))| (caller.as_str(), target.as_str()))
        .collect();
    assert!(
        edges
            .iter()
            .any(|(c, t)| c.ends_with("outer") && t.ends_with("inner")),
        "{links:?}"
    );
    assert!(
        !edges
            .iter()
            .any(|(c, t)| c.ends_with("inner") && t.ends_with("inner")),
        "a parameter's use became a self-call: {links:?}"
    );
}

/// The symbols of one source file.
fn extract_one(path: &str, language: Language, source: &str) -> Vec<Symbol> {
    common::extract_all(&[(path, language, source)])
        .into_iter()
        .flat_map(|e| e.symbols)
        .collect()
}

/// One occurrence of a hand-built index (0-based line and column).
fn occ(line: u32, column: u32, symbol: &str, definition: bool) -> doctown_extract::ScipOccurrence {
    doctown_extract::ScipOccurrence {
        line,
        column,
        symbol: symbol.to_string(),
        definition,
    }
}
