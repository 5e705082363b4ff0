//! `DOCTOWN_EXTRACTOR_FINGERPRINT`: what extraction depends on — this
//! crate's and `doctown-core`'s source, its data and queries, and the
//! tree-sitter grammars' versions in `Cargo.lock`. A file's symbols are
//! reused only under the same fingerprint (ingest's `reuse.rs`).

fn main() {
    doctown_fingerprint::Fingerprint::of_crate()
        .rust_under("src")
        .rust_under("../core/src")
        .files_in("data")
        .files_in("queries")
        .locked("tree-sitter")
        .emit("DOCTOWN_EXTRACTOR_FINGERPRINT");
}
