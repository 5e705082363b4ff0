//! The streaming `verify` on raw `.docpack` bytes (written to a file), side
//! by side with the in-memory reader on the same bytes.
//!
//! Checks: no panic; an error has a message; whatever `verify` accepts the
//! reader reads, and whatever the reader refuses `verify` refuses (the
//! reader alone accepts parts out of the format's order).

#![no_main]

use doctown_fuzz::{fuzz_read_limits, scratch_dir};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    static SCRATCH: OnceLock<tempfile::TempDir> = OnceLock::new();
    let scratch = SCRATCH.get_or_init(|| scratch_dir("doctown-fuzz-verify-"));
    let path = scratch.path().join("input.docpack");
    std::fs::write(&path, data).expect("scratch file");
    let limits = fuzz_read_limits();
    let verified = doctown_docpack::verify_with(&path, &limits);
    let read = doctown_docpack::read_docpack_bytes(data, &limits);
    if let Err(e) = &verified {
        assert!(!e.to_string().trim().is_empty(), "empty error message");
    }
    if verified.is_ok() {
        assert!(read.is_ok(), "verify accepted what the reader refuses: {:?}", read.err());
    }
});
