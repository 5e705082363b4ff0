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
    // A bound against work that grows worse than linearly (that would take
    // hours), loose enough for a debug build on a loaded machine.
    assert!(
        started.elapsed().as_secs() < 300,
        "took {:?}",
        started.elapsed()
    );
}

/// A generated C source of 100,000 lines (a table of functions and macros,
/// as code generators write them): every definition found, none lost to
/// the parse's time limit.
#[test]
fn a_generated_c_source_of_100_000_lines() {
    let mut source = String::from("/* generated */\n#include <stdint.h>\n");
    let per_entry = 4;
    let entries = 100_000 / per_entry;
    for i in 0..entries {
        source.push_str(&format!(
            "#define REG_{i} 0x{i:x}\nstatic int op_{i}(int x)\n{{ return x + REG_{i}; }}\n\n"
        ));
    }
    assert!(source.lines().count() >= 100_000);
    let e = Extractor::new().extract("gen/ops.c", Language::C, &source);
    assert!(!e.has_syntax_errors);
    let functions = e
        .symbols
        .iter()
        .filter(|s| s.kind == SymbolKind::Function)
        .count();
    let macros = e
        .symbols
        .iter()
        .filter(|s| s.name.starts_with("REG_"))
        .count();
    assert_eq!((functions, macros), (entries, entries));
    let last = e
        .symbols
        .iter()
        .find(|s| s.name == format!("op_{}", entries - 1))
        .unwrap();
    assert_eq!(last.span.start.line as usize, 2 + 4 * (entries - 1) + 2);
}

/// Macros nested thousands deep — in their definitions, in `#if`s and in
/// one invocation — neither overflow the stack nor hide the functions
/// around them.
#[test]
fn deeply_nested_c_macros() {
    let mut defines = String::from("#define M0(x) (x)\n");
    for i in 1..2_000 {
        defines.push_str(&format!("#define M{i}(x) M{}(M{}(x))\n", i - 1, i - 1));
    }
    let conditionals = format!(
        "{}int inside(void) {{ return 1; }}\n{}",
        "#if defined(A)\n".repeat(1_000),
        "#endif\n".repeat(1_000)
    );
    let invocation = format!(
        "int wrapped(void) {{ return {}; }}\n",
        nested("M1(", "0", ")")
    );
    let source = format!("int before(void) {{ return 0; }}\n{defines}{conditionals}{invocation}int after(void) {{ return before(); }}\n");
    let e = Extractor::new().extract("deep.h", Language::C, &source);
    let names: Vec<&str> = e.symbols.iter().map(|s| s.name.as_str()).collect();
    for expected in ["before", "M1999", "inside", "wrapped", "after"] {
        assert!(names.contains(&expected), "{expected} missing");
    }
    let after = e.symbols.iter().find(|s| s.name == "after").unwrap();
    assert!(
        after.calls.iter().any(|c| &*c.callee == "before"),
        "{:?}",
        after.calls
    );
}

/// Every language of the query engine survives 10,000 levels of brackets
/// and keeps the definitions around them.
#[test]
fn deep_nesting_in_every_query_language() {
    let deep = nested("(", "1", ")");
    let cases: [(Language, String, &str); 6] = [
        (
            Language::C,
            format!("int a(void) {{ return {deep}; }}\nint ok(void) {{ return 0; }}\n"),
            "ok",
        ),
        (
            Language::Cpp,
            format!("int a() {{ return {deep}; }}\nclass Ok {{}};\n"),
            "Ok",
        ),
        (
            Language::Java,
            format!("class Ok {{ int a() {{ return {deep}; }} }}\n"),
            "Ok",
        ),
        (
            Language::CSharp,
            format!("class Ok {{ int A() {{ return {deep}; }} }}\n"),
            "Ok",
        ),
        (
            Language::Ruby,
            format!("def a\n  {deep}\nend\ndef ok\nend\n"),
            "ok",
        ),
        (
            Language::Php,
            format!("<?php\nfunction a() {{ return {deep}; }}\nfunction ok() {{}}\n"),
            "ok",
        ),
    ];
    let mut extractor = Extractor::new();
    for (language, source, expected) in cases {
        let e = extractor.extract("deep", language, &source);
        assert!(
            e.symbols.iter().any(|s| s.name == expected),
            "{language}: {expected} lost: {:?}",
            e.symbols.iter().map(|s| &s.name).collect::<Vec<_>>()
        );
    }
    for language in Language::ALL {
        let _ = extractor.extract("deep", language, &deep);
    }
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
