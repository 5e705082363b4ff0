//! The random-access reader (`Access::open`, 1.6) on raw `.docpack` bytes
//! written to a file, then every symbol and the whole archive after the
//! index read through it, with a small cache.
//!
//! Checks: no panic; an error has a message on one line; a read never
//! returns more than was asked.

#![no_main]

use doctown_docpack::Access;
use doctown_fuzz::scratch_dir;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    static SCRATCH: OnceLock<tempfile::TempDir> = OnceLock::new();
    let scratch = SCRATCH.get_or_init(|| scratch_dir("doctown-fuzz-access-"));
    let path = scratch.path().join("input.docpack");
    std::fs::write(&path, data).unwrap();
    let check = |e: doctown_docpack::DocpackError| {
        let m = e.to_string();
        assert!(!m.trim().is_empty() && !m.contains('\n'), "bad message {m:?}");
    };
    match Access::open_with(&path, 1 << 20) {
        Ok(a) => {
            for i in 0..a.index.rows.len().min(2_000) as u32 {
                if let Err(e) = a.symbol(i) {
                    check(e);
                }
            }
            let len = a.index.body_len.min(64 << 20);
            match a.read(0, len) {
                Ok(bytes) => assert_eq!(bytes.len() as u64, len),
                Err(e) => check(e),
            }
        }
        Err(e) => check(e),
    }
});
