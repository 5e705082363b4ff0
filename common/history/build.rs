//! Computes `DOCTOWN_HISTORY_FINGERPRINT`: a hash of everything that
//! decides what the reader gathers for a commit — this crate's source and
//! the locked git2 and libgit2 crates (their diff and rename detection). A
//! commit's stored analysis is reused (`cache.rs`) only under the same
//! fingerprint, so any change to the reader invalidates it without anyone
//! remembering to bump a number.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// FNV-1a, 64 bits: stable across toolchains, unlike `DefaultHasher`.
fn fnv(hash: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *hash ^= u64::from(*b);
        *hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
}

fn main() {
    let here = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let src = here.join("src");
    println!("cargo:rerun-if-changed={}", src.display());
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for file in &files {
        let rel = file.strip_prefix(&here).unwrap_or(file);
        fnv(&mut hash, rel.to_string_lossy().as_bytes());
        fnv(&mut hash, &std::fs::read(file).unwrap_or_default());
    }
    let lock = here.join("../../Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock.display());
    let lock = std::fs::read_to_string(&lock).unwrap_or_default();
    for package in lock.split("[[package]]") {
        if package.contains("name = \"git2\"") || package.contains("name = \"libgit2-sys\"") {
            fnv(&mut hash, package.as_bytes());
        }
    }
    println!("cargo:rustc-env=DOCTOWN_HISTORY_FINGERPRINT={hash:016x}");
}
