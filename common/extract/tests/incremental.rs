//! `extract_after` (parsing a new version from the previous version's
//! tree) gives exactly what a full `extract` gives, whatever the edit:
//! lines removed, inserted, changed, the file cut short or grown, a syntax
//! error introduced and fixed, in every fixture language. And an outline
//! (`Extractor::outline`, what the per-symbol history parses with) finds
//! the same symbols — ids, names, qualified names, kinds, spans, parents —
//! as the full extraction, whole and incrementally.

use doctown_core::{Language, Symbol};
use doctown_extract::Extractor;
use std::path::{Path, PathBuf};

fn fixtures() -> Vec<(PathBuf, Language)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if let Some(language) = Language::from_extension(ext) {
                out.push((path, language));
            }
        }
    }
    out.sort();
    out
}

/// Versions of `text`, each a small edit of the one before.
fn versions(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let n = lines.len();
    let join = |ls: &[&str]| ls.join("\n") + "\n";
    let mut out = vec![text.to_string()];
    let mut removed = lines.clone();
    if n > 4 {
        removed.remove(n / 2);
    }
    out.push(join(&removed));
    let mut inserted = removed.clone();
    inserted.insert(n / 3, "  // a comment added in the middle");
    out.push(join(&inserted));
    out.push(join(&inserted).replace("return", "return  "));
    out.push(join(&lines[..n / 2]));
    out.push(format!("{}\n{{{{ not code (\n", join(&lines[..n / 2])));
    out.push(text.to_string());
    out.push(String::new());
    out.push(text.to_string());
    out
}

/// What an outline promises of each symbol: what it is and where.
fn identities(symbols: &[Symbol]) -> String {
    let ids: Vec<_> = symbols
        .iter()
        .map(|s| {
            (
                s.id.as_str(),
                &s.name,
                &s.qualified_name,
                s.kind.name(),
                &s.span,
                s.parent.as_ref().map(|p| p.as_str()),
                &s.path,
                s.language,
            )
        })
        .collect();
    json(&ids)
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap()
}

#[test]
fn incremental_extraction_equals_a_full_one() {
    let mut incremental = Extractor::new();
    let mut full = Extractor::new();
    let mut checked = 0;
    for (path, language) in fixtures() {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut previous: Option<(String, doctown_extract::Tree)> = None;
        for (i, version) in versions(&text).into_iter().enumerate() {
            let prev = previous.as_ref().map(|(t, tree)| (t.as_str(), tree));
            let (got, tree) = incremental.extract_after(&name, language, &version, prev);
            let want = full.extract(&name, language, &version);
            assert_eq!(
                json(&got.symbols),
                json(&want.symbols),
                "{} version {i}",
                path.display()
            );
            assert_eq!(got.has_syntax_errors, want.has_syntax_errors, "{name} {i}");
            assert_eq!(json(&got.imports), json(&want.imports), "{name} {i}");
            previous = tree.map(|tree| (version, tree));
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} versions");
}

#[test]
fn an_outline_finds_the_full_extractions_symbols() {
    let mut outline = Extractor::new().outline();
    let mut chained = Extractor::new().outline();
    let mut full = Extractor::new();
    let mut languages = std::collections::BTreeSet::new();
    let (mut symbols, mut checked) = (0, 0);
    for (path, language) in fixtures() {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut previous: Option<(String, doctown_extract::Tree)> = None;
        for (i, version) in versions(&text).into_iter().enumerate() {
            let want = full.extract(&name, language, &version);
            let whole = outline.extract(&name, language, &version);
            let prev = previous.as_ref().map(|(t, tree)| (t.as_str(), tree));
            let (after, tree) = chained.extract_after(&name, language, &version, prev);
            for (got, how) in [(&whole, "whole"), (&after, "from the previous tree")] {
                let at = format!("{} version {i}, {how}", path.display());
                assert_eq!(identities(&got.symbols), identities(&want.symbols), "{at}");
                assert_eq!(got.has_syntax_errors, want.has_syntax_errors, "{at}");
                assert!(got.imports.is_empty(), "{at}: an outline has no imports");
                let calls = got.symbols.iter().map(|s| s.calls.len()).sum::<usize>();
                assert_eq!(calls, 0, "{at}: an outline has no calls");
            }
            symbols += want.symbols.len();
            previous = tree.map(|tree| (version, tree));
            checked += 1;
        }
        languages.insert(language);
    }
    let missing: Vec<_> = Language::ALL
        .into_iter()
        .filter(|l| !languages.contains(l))
        .collect();
    assert!(missing.is_empty(), "no fixture in {missing:?}");
    assert!(
        checked > 100 && symbols > 1000,
        "{checked} versions, {symbols} symbols"
    );
}

/// A listing (`Extractor::listing`, what `doctown symbols` prints) is an
/// outline whose symbols carry the full extraction's signatures.
#[test]
fn a_listing_has_the_full_extractions_signatures() {
    let mut listing = Extractor::new().listing();
    let mut full = Extractor::new();
    let mut signatures = 0;
    for (path, language) in fixtures() {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let got = listing.extract(&name, language, &text);
        let want = full.extract(&name, language, &text);
        let at = path.display();
        assert_eq!(identities(&got.symbols), identities(&want.symbols), "{at}");
        let sigs = |e: &doctown_extract::Extraction| -> Vec<String> {
            e.symbols.iter().map(|s| s.signature.clone()).collect()
        };
        assert_eq!(sigs(&got), sigs(&want), "{at}");
        assert!(got.imports.is_empty(), "{at}: a listing has no imports");
        assert!(
            got.symbols
                .iter()
                .all(|s| s.calls.is_empty() && s.words.is_empty()),
            "{at}"
        );
        signatures += want
            .symbols
            .iter()
            .filter(|s| !s.signature.is_empty())
            .count();
    }
    assert!(signatures > 1000, "{signatures} signatures compared");
}

/// An outline skips Python's expressions (no statement, so no definition,
/// sits in one) and walks every statement that holds a block: it finds
/// what the full extraction finds wherever a definition is nested.
#[test]
fn a_python_outline_finds_definitions_in_every_block() {
    let source = r#"
import os
TOP = os.environ.get("TOP", "")
if os.name == "nt":
    def on_windows(): pass
elif os.name == "java":
    class OnJava: pass
else:
    LIMIT = 10
for _ in range(1):
    def in_for(): pass
else:
    def in_for_else(): pass
while False:
    def in_while(): pass
try:
    def in_try(): pass
except ImportError:
    def in_except(): pass
except* ValueError:
    def in_except_group(): pass
finally:
    def in_finally(): pass
with open(__file__) as f:
    def in_with(): pass
match os.name:
    case "posix":
        def in_case(): pass
def outer(x=lambda: 1):
    handler = [lambda y: y for _ in range(2)]
    def inner():
        class Local:
            def method(self): pass
    return sorted(x, key=lambda v: v)

@decorate(lambda: 0)
class Decorated:
    size: int = len("x")
    async def fetch(self): pass
"#;
    let want = Extractor::new().extract("m.py", Language::Python, source);
    let got = Extractor::new()
        .outline()
        .extract("m.py", Language::Python, source);
    assert!(!want.has_syntax_errors);
    assert_eq!(identities(&got.symbols), identities(&want.symbols));
    let names: Vec<&str> = got.symbols.iter().map(|s| s.name.as_str()).collect();
    for name in [
        "on_windows",
        "OnJava",
        "in_for",
        "in_for_else",
        "in_while",
        "in_try",
        "in_except",
        "in_except_group",
        "in_finally",
        "in_with",
        "in_case",
        "outer",
        "inner",
        "Local",
        "method",
        "Decorated",
        "size",
        "fetch",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
}
