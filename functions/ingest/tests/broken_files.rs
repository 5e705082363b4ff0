//! A file its grammar cannot parse cleanly is recorded as such and the
//! rest of the tree goes on: its valid parts still give symbols, the other
//! files are untouched, and nothing stops the scan.

mod common;

#[test]
fn a_file_the_grammar_rejects_is_recorded_and_the_rest_goes_on() {
    let dir = common::tree(&[
        ("a_good.c", "int good(void) { return 1; }\n"),
        // Unbalanced braces and a stray token run through a C function.
        (
            "b_broken.c",
            "int before(void) { return 0; }\nint broken(void) { if ( { ]] return; \n#endif\nint after(void) { return 2; }\n",
        ),
        ("c_broken.java", "class A { void m( { } }\nclass B { }\n"),
        ("d_good.py", "def fine():\n    return 1\n"),
    ]);
    let seen = common::scanned(dir.path());
    assert_eq!(
        seen.syntax_errors.len(),
        4,
        "every file is recorded: {:?}",
        seen.syntax_errors
    );
    let with_errors: Vec<&str> = seen
        .syntax_errors
        .iter()
        .filter(|(_, errors)| **errors)
        .map(|(path, _)| path.as_str())
        .collect();
    assert_eq!(with_errors, ["b_broken.c", "c_broken.java"]);
    assert!(seen.symbols["b_broken.c"].contains(&"before".to_string()));
    assert!(seen.symbols["c_broken.java"].contains(&"B".to_string()));
    assert_eq!(seen.symbols["a_good.c"], vec!["good".to_string()]);
    assert_eq!(seen.symbols["d_good.py"], vec!["fine".to_string()]);
}
