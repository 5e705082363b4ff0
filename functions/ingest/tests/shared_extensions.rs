//! Files that are not what their extension says: `.h` holding C++ or
//! Objective-C is parsed as that language, a MATLAB `.m` is skipped as a
//! language Doctown does not read — by the ingest, by `doctown symbols`
//! and by the per-symbol history alike.

mod common;

use doctown_core::events::ingest::SkipReason;
use doctown_core::Language;
use doctown_ingest::{list_symbols, IngestOptions};

fn tree() -> tempfile::TempDir {
    common::tree(&[
        (
            "include/list.h",
            "#ifndef LIST_H\n#define LIST_H\nstruct list_head { struct list_head *next; };\n\
             static inline void list_init(struct list_head *h) { h->next = h; }\n#endif\n",
        ),
        (
            "include/widget.h",
            "#pragma once\n#include <vector>\nnamespace ui {\nclass Widget {\n public:\n  \
             void draw();\n};\n}  // namespace ui\n",
        ),
        (
            "include/Greeter.h",
            "#import <Foundation/Foundation.h>\n@interface Greeter : NSObject\n\
             - (void)greet;\n@end\n",
        ),
        (
            "src/Greeter.m",
            "#import \"Greeter.h\"\n@implementation Greeter\n- (void)greet {\n}\n@end\n",
        ),
        (
            "matlab/square.m",
            "function y = square(x)\n% SQUARE squares its argument\n  y = x .^ 2;\nend\n",
        ),
    ])
}

#[test]
fn headers_and_dot_m_files_are_read_as_what_they_hold() {
    let dir = tree();
    let seen = common::scanned(dir.path());
    let expected = [
        ("include/Greeter.h", Language::ObjC),
        ("include/list.h", Language::C),
        ("include/widget.h", Language::Cpp),
        ("src/Greeter.m", Language::ObjC),
    ];
    for (path, language) in expected {
        assert_eq!(seen.languages.get(path), Some(&language), "{path}");
    }
    assert!(seen.symbols["include/widget.h"].contains(&"Widget".to_string()));
    assert!(seen.symbols["include/widget.h"].contains(&"draw".to_string()));
    assert!(seen.symbols["include/Greeter.h"].contains(&"Greeter".to_string()));
    assert_eq!(
        seen.skipped.get("matlab/square.m"),
        Some(&SkipReason::UnsupportedLanguage)
    );
    assert!(!seen.languages.contains_key("matlab/square.m"));

    // `doctown symbols` reads them the same way.
    let listed = list_symbols(dir.path(), &IngestOptions::default()).unwrap();
    let widget: Vec<_> = listed
        .iter()
        .filter(|s| s.path == "include/widget.h")
        .collect();
    assert!(!widget.is_empty() && widget.iter().all(|s| s.language == Language::Cpp));
    assert!(listed.iter().all(|s| s.path != "matlab/square.m"));
}

#[test]
fn the_per_symbol_history_reads_them_the_same_way() {
    use doctown_history::SymbolSource;
    let source = doctown_ingest::history::ExtractSymbols;
    let cpp = b"#include <string>\nclass Widget {\n public:\n  void draw();\n};\n";
    let names: Vec<String> = source
        .symbols("include/widget.h", cpp)
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert!(names.iter().any(|n| n.ends_with("Widget")), "{names:?}");
    assert!(names.iter().any(|n| n.ends_with("draw")), "{names:?}");
    let matlab = b"function y = square(x)\n  y = x .^ 2;\nend\n";
    assert!(source.symbols("matlab/square.m", matlab).is_empty());
    // The same path read first as C, then (a later version) as C++: the
    // earlier C tree is not reused for the C++ text.
    let c = b"struct widget { int x; };\nvoid draw(struct widget *w);\n";
    assert!(!source.symbols("include/w2.h", c).is_empty());
    let names: Vec<String> = source
        .symbols("include/w2.h", cpp)
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert!(names.iter().any(|n| n.ends_with("Widget")), "{names:?}");
}
