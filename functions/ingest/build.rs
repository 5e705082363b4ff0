//! Computes `CHUNKER_FINGERPRINT`: a hash of the source that turns a
//! file's bytes into its record and chunks besides the extractor (the
//! checks for binary and minified text, the chunker, the line index and
//! the scan that marks each chunk's role). The record and chunks of a file
//! unchanged since the previous ingest are taken from it only under the
//! same fingerprint (and the extractor's, which covers the core types), so
//! a change to any of them invalidates them without anyone bumping a
//! number.

fn main() {
    let here =
        std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    // FNV-1a, 64 bits: stable across toolchains, unlike `DefaultHasher`.
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for name in [
        "src/chunker.rs",
        "src/detect.rs",
        "src/lines.rs",
        "src/scan.rs",
    ] {
        let path = here.join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read(&path).expect("the chunker's source is readable");
        for b in name.as_bytes().iter().chain(&text) {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=DOCTOWN_CHUNKER_FINGERPRINT={hash:016x}");
}
