//! Computes `DOCTOWN_GENERATE_FINGERPRINT`: a hash of the source that
//! turns a context into its summary — this crate's and `doctown-core`'s
//! (the types and names a summary is made of). A summary memoised by a
//! build is recalled only under the same fingerprint (`src/memo.rs`), so
//! a change to how summaries are written invalidates every memo without
//! anyone bumping a number.

use std::path::{Path, PathBuf};

fn main() {
    let here = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let roots = [here.join("src"), here.join("../../common/core/src")];
    let mut files = Vec::new();
    for root in &roots {
        println!("cargo:rerun-if-changed={}", root.display());
        collect(root, &mut files);
    }
    files.sort();
    // FNV-1a, 64 bits: stable across toolchains, unlike `DefaultHasher`.
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for path in &files {
        let name = path
            .strip_prefix(&here)
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read(path).expect("the crate's source is readable");
        for b in name.as_bytes().iter().chain(&text) {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=DOCTOWN_GENERATE_FINGERPRINT={hash:016x}");
}

/// Every `.rs` file under `dir`.
fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}
