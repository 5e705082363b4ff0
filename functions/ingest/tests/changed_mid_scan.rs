//! A tree that changes while it is scanned (#65's bad input): a file the
//! walk listed and that is deleted before it is read is recorded as
//! unreadable, and the scan goes on with the rest — no panic, no stale
//! symbols for the file that is gone. (The live server's watcher sees the
//! deletion too and builds again.)

mod common;

use doctown_core::events::ingest::SkipReason;
use doctown_ingest::scan::scan;
use doctown_ingest::IngestOptions;
use std::sync::atomic::{AtomicBool, Ordering};

#[test]
fn a_file_deleted_between_the_walk_and_its_read_is_recorded_and_the_rest_goes_on() {
    let dir = common::tree(&[
        ("a.py", "def first():\n    return 1\n"),
        ("b.py", "def doomed():\n    return 2\n"),
        ("c.py", "def last():\n    return first()\n"),
    ]);
    let doomed = dir.path().join("b.py");
    let deleted = AtomicBool::new(false);
    // Asked before each batch is read, after the walk listed every file.
    let delete_once = || {
        if !deleted.swap(true, Ordering::SeqCst) {
            std::fs::remove_file(&doomed).unwrap();
        }
        false
    };
    let mut seen = common::Scanned::default();
    scan(
        dir.path(),
        &IngestOptions::default(),
        &delete_once,
        None,
        &mut seen,
    )
    .unwrap();
    assert!(deleted.load(Ordering::SeqCst), "the scan never asked");
    assert_eq!(seen.skipped.get("b.py"), Some(&SkipReason::Unreadable));
    assert!(
        !seen.symbols.contains_key("b.py"),
        "symbols for a file that is gone"
    );
    assert_eq!(seen.symbols["a.py"], ["first"]);
    assert_eq!(seen.symbols["c.py"], ["last"]);
}
