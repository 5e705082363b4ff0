//! The docpack reader on raw `.docpack` bytes (`read_docpack_bytes`), then,
//! for whatever reads cleanly, what the `doctown docpack` commands do with
//! it (inspect, search, diff, export).
//!
//! Checks: no panic; an error has a message; export writes only under its
//! directory.

#![no_main]

use doctown_fuzz::{exercise_docpack, fuzz_read_limits, scratch_dir};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    static SCRATCH: OnceLock<tempfile::TempDir> = OnceLock::new();
    let scratch = SCRATCH.get_or_init(|| scratch_dir("doctown-fuzz-docpack-"));
    match doctown_docpack::read_docpack_bytes(data, &fuzz_read_limits()) {
        Ok(d) => exercise_docpack(&d, scratch.path()),
        Err(e) => assert!(!e.to_string().trim().is_empty(), "empty error message"),
    }
});
