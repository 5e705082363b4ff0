//! A file its grammar cannot parse cleanly is recorded as such and the
//! rest of the tree goes on: its valid parts still give symbols, the other
//! files are untouched, and nothing stops the scan.

use doctown_core::events::ingest::FileSkipped;
use doctown_ingest::scan::{scan, ParsedFile, ScanSink};
use doctown_ingest::{IngestError, IngestOptions};
use std::collections::BTreeMap;

#[derive(Default)]
struct Seen {
    errors: BTreeMap<String, bool>,
    symbols: BTreeMap<String, Vec<String>>,
}

impl ScanSink for Seen {
    fn skipped(&mut self, _: FileSkipped) -> Result<(), IngestError> {
        Ok(())
    }
    fn parsed(&mut self, file: ParsedFile) -> Result<(), IngestError> {
        let names = file.symbols.iter().map(|s| s.name.clone()).collect();
        self.symbols.insert(file.record.path.clone(), names);
        self.errors
            .insert(file.record.path, file.record.has_syntax_errors);
        Ok(())
    }
}

#[test]
fn a_file_the_grammar_rejects_is_recorded_and_the_rest_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("a_good.c", "int good(void) { return 1; }\n"),
        // Unbalanced braces and a stray token run through a C function.
        (
            "b_broken.c",
            "int before(void) { return 0; }\nint broken(void) { if ( { ]] return; \n#endif\nint after(void) { return 2; }\n",
        ),
        ("c_broken.java", "class A { void m( { } }\nclass B { }\n"),
        ("d_good.py", "def fine():\n    return 1\n"),
    ];
    for (path, text) in files {
        std::fs::write(dir.path().join(path), text).unwrap();
    }
    let mut seen = Seen::default();
    scan(
        dir.path(),
        &IngestOptions::default(),
        &|| false,
        None,
        &mut seen,
    )
    .unwrap();
    assert_eq!(
        seen.errors.len(),
        4,
        "every file is recorded: {:?}",
        seen.errors
    );
    let with_errors: Vec<&str> = seen
        .errors
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
