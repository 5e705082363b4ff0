//! Inputs found by the fuzz targets (`fuzz/`, `bash scripts/fuzz.sh`) that
//! once panicked, kept as regression tests: each must now be refused with a
//! one-line error.

mod common;

use common::fixture::encoded;
use common::repack;
use doctown_docpack::*;

/// An `embeddings.bin` header: magic, layout 1, rows, dims, id width.
fn header(count: u32, dims: u32, width: u32) -> Vec<u8> {
    let mut out = b"DPEV".to_vec();
    for word in [1, count, dims, width] {
        out.extend_from_slice(&u32::to_le_bytes(word));
    }
    out
}

/// rows × dims × 4 overflowed u64 while computing the expected file size
/// (a panic in builds with overflow checks; in release a wrapped size).
#[test]
fn embeddings_header_whose_size_overflows_is_refused() {
    for (count, dims, width) in [
        (u32::MAX, u32::MAX, u32::MAX),
        (1 << 31, 1 << 31, 1),
        (u32::MAX, u32::MAX, 0),
    ] {
        let bytes = header(count, dims, width);
        let err = Embeddings::from_bytes(&bytes).expect_err("a lying header was accepted");
        let msg = err.to_string();
        assert!(msg.contains("more than 2^64"), "{msg}");
        assert!(!msg.contains('\n'), "multi-line error: {msg:?}");
    }
}

/// The same header inside an otherwise valid docpack, checksums fixed.
#[test]
fn docpack_with_an_overflowing_embeddings_header_is_refused() {
    let mut entries = encoded().entries;
    let slot = entries
        .iter_mut()
        .find(|(name, _)| name == entry::EMBEDDINGS)
        .expect("the fixture has embeddings");
    slot.1 = header(u32::MAX, u32::MAX, 1);
    let bytes = repack(entries, true);
    let err = read_docpack_bytes(&bytes, &ReadLimits::default())
        .expect_err("a lying embeddings header was accepted");
    assert!(err.to_string().contains("embeddings"), "{err}");
}
