//! `DOCTOWN_GENERATE_FINGERPRINT`: the source that turns a context into
//! its summary — this crate's and `doctown-core`'s (the types and names a
//! summary is made of). A summary memoised by a build is recalled only
//! under the same fingerprint (`src/memo.rs`).

fn main() {
    doctown_fingerprint::Fingerprint::of_crate()
        .rust_under("src")
        .rust_under("../../common/core/src")
        .emit("DOCTOWN_GENERATE_FINGERPRINT");
}
