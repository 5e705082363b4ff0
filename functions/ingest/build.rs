//! `DOCTOWN_CHUNKER_FINGERPRINT`: the source that turns a parsed file into
//! its chunks and lines. Stored chunks are reused only under the same
//! fingerprint (`src/reuse.rs`).

fn main() {
    doctown_fingerprint::Fingerprint::of_crate()
        .file("src/chunker.rs")
        .file("src/detect.rs")
        .file("src/lines.rs")
        .file("src/scan.rs")
        .emit("DOCTOWN_CHUNKER_FINGERPRINT");
}
