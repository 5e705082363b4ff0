//! Archive extraction (`doctown_sources::fetch_with` on a local archive):
//! zip, tar.gz and plain tar. The input is written to `input.tar.gz` (the
//! format is sniffed from the magic bytes first, so zips are read as zips
//! and anything else as a, possibly uncompressed, tarball).
//!
//! Checks: no panic; an error has a message; nothing is written outside the
//! temporary directory `fetch_with` makes under `work_dir`, no link is ever
//! created, the limits hold, and nothing is left behind once the result is
//! dropped.

#![no_main]

use doctown_fuzz::{assert_no_links, list_tree, scratch_dir};
use doctown_sources::{fetch_with, ExtractSettings, FetchOptions, SourceSpec};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

const MAX_TOTAL: u64 = 1 << 20;
const MAX_FILE: u64 = 64 << 10;

struct Scratch {
    _dir: tempfile::TempDir,
    root: PathBuf,
    input: PathBuf,
    work: PathBuf,
}

fn scratch() -> &'static Scratch {
    static SCRATCH: OnceLock<Scratch> = OnceLock::new();
    SCRATCH.get_or_init(|| {
        let dir = scratch_dir("doctown-fuzz-archive-");
        let root = dir.path().to_path_buf();
        let work = root.join("work");
        std::fs::create_dir(&work).unwrap();
        std::fs::create_dir(root.join("in")).unwrap();
        Scratch {
            input: root.join("in").join("input.tar.gz"),
            root,
            work,
            _dir: dir,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let s = scratch();
    std::fs::write(&s.input, data).unwrap();
    let options = FetchOptions {
        max_total_bytes: MAX_TOTAL,
        max_file_bytes: MAX_FILE,
        ..FetchOptions::default()
    };
    let settings = ExtractSettings {
        max_entries: 2_000,
        work_dir: Some(s.work.clone()),
    };
    let spec = SourceSpec::Archive(s.input.clone());
    match fetch_with(&spec, &options, &settings) {
        Ok(fetched) => {
            assert!(fetched.is_temporary());
            assert!(
                fetched.root.starts_with(&s.work),
                "root {} is outside the work directory",
                fetched.root.display()
            );
            assert_no_links(&s.work);
            let mut total = 0u64;
            for rel in list_tree(&fetched.root) {
                let meta = std::fs::symlink_metadata(fetched.root.join(&rel)).unwrap();
                if meta.is_file() {
                    assert!(
                        meta.len() <= MAX_FILE,
                        "{} is larger than max_file_bytes",
                        rel.display()
                    );
                    total += meta.len();
                }
            }
            assert!(total <= MAX_TOTAL, "{total} bytes written in all");
            for (path, size) in &fetched.oversized {
                assert!(*size > MAX_FILE, "{path} listed as oversized at {size}");
            }
        }
        Err(e) => assert!(!e.to_string().trim().is_empty(), "empty error message"),
    }
    // Dropping the result (or failing) leaves nothing behind, and nothing
    // was ever written beside the input or the work directory.
    assert_eq!(list_tree(&s.work), Vec::<PathBuf>::new(), "left behind");
    let outside = list_tree(&s.root);
    assert_eq!(
        outside,
        [
            PathBuf::from("in"),
            PathBuf::from("in/input.tar.gz"),
            PathBuf::from("work")
        ],
        "written outside the destination"
    );
});
