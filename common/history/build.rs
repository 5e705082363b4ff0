//! `DOCTOWN_HISTORY_FINGERPRINT`: what reading a history depends on —
//! this crate's source and the git2 and libgit2-sys versions in
//! `Cargo.lock`. The history cache is read only under the same fingerprint
//! (`src/cache.rs`).

fn main() {
    doctown_fingerprint::Fingerprint::of_crate()
        .rust_under("src")
        .locked("git2\"")
        .locked("libgit2-sys\"")
        .emit("DOCTOWN_HISTORY_FINGERPRINT");
}
