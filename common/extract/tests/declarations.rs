//! Declarations that universal-ctags finds on third-party code and a
//! language's query once missed (#62): each test is a trap written the way
//! that code writes it, and names what must come out — `kind name` (the
//! symbol's own name, as ctags names it) per declaration.

mod common;

use doctown_core::{Language, SymbolKind};

/// `kind name L<line>` of every symbol extracted from one file.
fn declared(path: &str, language: Language, source: &str) -> Vec<String> {
    let extractions = common::extract_all(&[(path, language, source)]);
    extractions[0]
        .symbols
        .iter()
        .map(|s| {
            let kind = format!("{:?}", s.kind).to_lowercase();
            format!("{kind} {} L{}", s.name, s.span.start.line)
        })
        .collect()
}

/// Fails naming each of `wanted` that `got` lacks.
fn assert_declares(got: &[String], wanted: &[&str]) {
    let missing: Vec<&&str> = wanted.iter().filter(|w| !got.iter().any(|g| g == *w)).collect();
    assert!(missing.is_empty(), "missing {missing:?} in {got:#?}");
}

#[test]
fn objective_c_methods_are_named_by_their_whole_selector() {
    let source = "@interface Store : NSObject\n\
                  - (void)insert:(id)item at:(NSUInteger)index;\n\
                  - (void)insert:(id)item;\n\
                  - (NSUInteger)count;\n\
                  + (instancetype)storeWith:(id)a :(id)b;\n\
                  @end\n\
                  @implementation Store\n\
                  - (void)insert:(id)item at:(NSUInteger)index {\n  [self insert:item];\n}\n\
                  - (void)insert:(id)item {\n  [self insert:item at:[self count]];\n}\n\
                  @end\n";
    let got = declared("Store.m", Language::ObjC, source);
    assert_declares(
        &got,
        &[
            "method insert:at: L2",
            "method insert: L3",
            "method count L4",
            "method storeWith:: L5",
            "method insert:at: L8",
            "method insert: L11",
        ],
    );
    // `insert:` and `insert:at:` are two methods: each send resolves to
    // the one its selector names.
    let extraction = &common::extract_all(&[("Store.m", Language::ObjC, source)])[0];
    let calls: Vec<(String, u32, String)> = extraction
        .symbols
        .iter()
        .filter(|s| s.kind == SymbolKind::Method)
        .flat_map(|s| s.calls.iter().map(move |c| (s.name.to_string(), c.line, c.name.to_string())))
        .collect();
    assert!(calls.contains(&("insert:at:".into(), 9, "insert:".into())), "{calls:?}");
    assert!(calls.contains(&("insert:".into(), 12, "insert:at:".into())), "{calls:?}");
}
