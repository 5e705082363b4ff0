//! Robustness: pathological nesting, huge single-line files and broken
//! syntax must neither panic nor overflow the stack; output is deterministic.

use doctown_core::{Language, SymbolKind};
use doctown_extract::Extractor;
use std::time::Instant;

const DEPTH: usize = 10_000;

fn nested(open: &str, inner: &str, close: &str) -> String {
    format!("{}{inner}{}", open.repeat(DEPTH), close.repeat(DEPTH))
}

#[test]
fn deep_nesting_does_not_overflow() {
    let parens = nested("(", "1", ")");
    let calls = nested("f(", "1", ")");
    let chain = format!("x{}", ".m()".repeat(DEPTH));
    let cases = [
        (
            Language::Rust,
            format!(
                "fn a() {{ let x = {parens}; }}\nfn b() {{ {} }}\nfn c() {{ {calls}; {chain}; }}",
                nested("{", "", "}")
            ),
        ),
        (
            Language::Rust,
            format!("fn m() {{ println!({}); }}", nested("(", "g(1)", ")")),
        ),
        (
            Language::Python,
            format!(
                "x = {parens}\ny = {}\ndef c():\n    {calls}\n    {chain}\n",
                nested("[", "1", "]")
            ),
        ),
        (
            Language::JavaScript,
            format!(
                "const x = {parens};\nfunction b() {{ {} }}\nfunction c() {{ {calls}; {chain}; }}",
                nested("{", "", "}")
            ),
        ),
        (
            Language::TypeScript,
            format!(
                "let x = {};\nfunction c() {{ {calls}; }}",
                nested("[", "1", "]")
            ),
        ),
        (
            Language::Tsx,
            format!(
                "const x = {};\nfunction c() {{ {calls}; }}",
                nested("<a>", "t", "</a>")
            ),
        ),
        (
            Language::Go,
            format!(
                "package p\nvar x = {parens}\nfunc b() {{ {} }}\nfunc c() {{ {calls}; {chain} }}",
                nested("{", "", "}")
            ),
        ),
    ];
    let mut extractor = Extractor::new();
    for (language, source) in cases {
        let e = extractor.extract("deep", language, &source);
        assert!(
            !e.symbols.is_empty() || e.has_syntax_errors,
            "{language}: nothing extracted"
        );
        let calls: usize = e.symbols.iter().map(|s| s.calls.len()).sum();
        assert!(
            calls < 100,
            "{language}: {calls} calls on a few lines (dedupe failed)"
        );
        for call in e.symbols.iter().flat_map(|s| &s.calls) {
            assert!(
                call.callee.chars().count() <= 121,
                "{language}: uncapped callee"
            );
        }
    }
}

#[test]
fn huge_single_line_javascript() {
    let mut source = String::with_capacity(5_200_000);
    let mut i = 0;
    while source.len() < 5_000_000 {
        source.push_str(&format!("var a{i}=function(b){{return c{i}(b)+d.e(b)}};"));
        i += 1;
    }
    let started = Instant::now();
    let e = Extractor::new().extract("dist/app.min.js", Language::JavaScript, &source);
    assert_eq!(e.symbols.len(), i);
    assert!(e
        .symbols
        .iter()
        .all(|s| s.kind == SymbolKind::Function && s.span.start.line == 1));
    assert!(e.symbols.iter().all(|s| s.signature.len() < 400));
    assert!(
        started.elapsed().as_secs() < 60,
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn broken_syntax_is_recovered() {
    let cases = [
        (Language::Rust, "pub fn ok() -> u32 { 1 }\nfn broken( { struct }\nimpl X { fn m(&self) { self.ok( } }\npub struct After;"),
        (Language::Python, "def ok():\n    return 1\n\ndef broken(:\n    pass\nclass After:\n    def m(self): return ok()\n"),
        (Language::TypeScript, "export function ok() { return 1 }\nclass { broken(\nexport const after = () => ok();"),
        (Language::Tsx, "function ok() {}\nexport const C = () => <div><span></div>;"),
        (Language::JavaScript, "function ok() {}\nfunction (((\nconst z = 1;"),
        (Language::Go, "package p\nfunc ok() {}\nfunc broken( {\ntype After struct {}"),
    ];
    let mut extractor = Extractor::new();
    for (language, source) in cases {
        let e = extractor.extract("broken", language, source);
        assert!(e.has_syntax_errors, "{language}: errors not flagged");
        assert!(
            e.symbols.iter().any(|s| s.name == "ok"),
            "{language}: lost the valid symbol: {:?}",
            e.symbols
        );
    }
    // Empty, whitespace-only and binary-ish input.
    for language in Language::ALL {
        for source in ["", "   \n\n", "\u{0}\u{1}\u{fffd}"] {
            let _ = extractor.extract("x", language, source);
        }
    }
}

#[test]
fn extraction_is_deterministic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let files = [
        ("geometry.rs", Language::Rust),
        ("shop_models.py", Language::Python),
        ("users.ts", Language::TypeScript),
        ("TodoList.tsx", Language::Tsx),
        ("server.js", Language::JavaScript),
        ("store.go", Language::Go),
    ];
    let mut first = Extractor::new();
    let mut second = Extractor::new();
    for (name, language) in files {
        let source = std::fs::read_to_string(dir.join(name)).unwrap();
        let a = first.extract(name, language, &source);
        let _ = first.extract("other", language, "junk ((( {{");
        let b = first.extract(name, language, &source);
        let c = second.extract(name, language, &source);
        assert_eq!(a, b, "{name}: parser reuse changed the output");
        assert_eq!(a, c, "{name}: differs between extractors");
        let ids: std::collections::HashSet<_> = a.symbols.iter().map(|s| &s.id).collect();
        assert_eq!(ids.len(), a.symbols.len(), "{name}: duplicate symbol ids");
        let starts: Vec<_> = a.symbols.iter().map(|s| s.span.bytes.start).collect();
        assert!(
            starts.windows(2).all(|w| w[0] <= w[1]),
            "{name}: not in source order"
        );
    }
}
