//! The fingerprint a build script gives a crate of the source one of its
//! caches depends on (the extractor's, the chunker's, the summaries', the
//! history reader's): FNV-1a, 64 bits (stable across toolchains, unlike
//! `DefaultHasher`), over each file's path relative to the crate and its
//! bytes, in path order, then the `Cargo.lock` entries of the packages
//! named. A change to any of them gives another fingerprint, so a cache
//! written by another build is not read, without anyone bumping a number.
//!
//! ```no_run
//! // build.rs
//! doctown_fingerprint::Fingerprint::of_crate()
//!     .rust_under("src")
//!     .emit("DOCTOWN_EXAMPLE_FINGERPRINT");
//! ```

use std::path::{Path, PathBuf};

/// What a fingerprint is taken of.
#[derive(Debug)]
pub struct Fingerprint {
    here: PathBuf,
    files: Vec<PathBuf>,
    watched: Vec<PathBuf>,
    locked: Vec<String>,
}

impl Fingerprint {
    /// A fingerprint of the crate whose build script runs.
    pub fn of_crate() -> Fingerprint {
        let here = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
        Fingerprint {
            here: PathBuf::from(here),
            files: Vec::new(),
            watched: Vec::new(),
            locked: Vec::new(),
        }
    }

    /// Every `.rs` file under `dir` (relative to the crate), at any depth.
    pub fn rust_under(mut self, dir: &str) -> Fingerprint {
        let dir = self.here.join(dir);
        rust_files(&dir, &mut self.files);
        self.watched.push(dir);
        self
    }

    /// Every file directly in `dir` (relative to the crate).
    pub fn files_in(mut self, dir: &str) -> Fingerprint {
        let dir = self.here.join(dir);
        if let Ok(entries) = std::fs::read_dir(&dir) {
            self.files.extend(entries.flatten().map(|e| e.path()));
        }
        self.watched.push(dir);
        self
    }

    /// One file (relative to the crate).
    pub fn file(mut self, path: &str) -> Fingerprint {
        let path = self.here.join(path);
        self.files.push(path.clone());
        self.watched.push(path);
        self
    }

    /// The workspace's `Cargo.lock` entries of the packages whose name
    /// starts with `prefix`.
    pub fn locked(mut self, prefix: &str) -> Fingerprint {
        self.locked.push(format!("name = \"{prefix}"));
        self
    }

    /// The fingerprint, 16 lowercase hex digits.
    pub fn value(&self) -> String {
        let mut files = self.files.clone();
        files.sort();
        let mut hash = 0xcbf2_9ce4_8422_2325u64;
        for file in &files {
            let name = file.strip_prefix(&self.here).unwrap_or(file);
            fnv(&mut hash, name.to_string_lossy().as_bytes());
            fnv(&mut hash, &std::fs::read(file).unwrap_or_default());
        }
        if !self.locked.is_empty() {
            let lock = std::fs::read_to_string(self.lock_file()).unwrap_or_default();
            for package in lock.split("[[package]]") {
                if self
                    .locked
                    .iter()
                    .any(|name| package.contains(name.as_str()))
                {
                    fnv(&mut hash, package.as_bytes());
                }
            }
        }
        format!("{hash:016x}")
    }

    /// Hands the fingerprint to the crate as the environment variable
    /// `var` (`env!(var)`), to be taken again when anything read changes.
    pub fn emit(self, var: &str) {
        for path in &self.watched {
            println!("cargo:rerun-if-changed={}", path.display());
        }
        if !self.locked.is_empty() {
            println!("cargo:rerun-if-changed={}", self.lock_file().display());
        }
        println!("cargo:rustc-env={var}={}", self.value());
    }

    fn lock_file(&self) -> PathBuf {
        self.here.join("../../Cargo.lock")
    }
}

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

fn fnv(hash: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *hash ^= u64::from(*b);
        *hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fingerprint(dir: &Path) -> Fingerprint {
        Fingerprint {
            here: dir.to_path_buf(),
            files: Vec::new(),
            watched: Vec::new(),
            locked: Vec::new(),
        }
    }

    #[test]
    fn any_change_to_a_name_or_a_byte_is_another_fingerprint() {
        let dir = tempfile_dir();
        std::fs::create_dir_all(dir.join("src/inner")).unwrap();
        std::fs::write(dir.join("src/a.rs"), "fn a() {}").unwrap();
        std::fs::write(dir.join("src/inner/b.rs"), "fn b() {}").unwrap();
        std::fs::write(dir.join("src/notes.txt"), "not rust").unwrap();
        let first = fingerprint(&dir).rust_under("src").value();
        assert_eq!(first, fingerprint(&dir).rust_under("src").value());
        std::fs::write(dir.join("src/notes.txt"), "still not rust").unwrap();
        assert_eq!(first, fingerprint(&dir).rust_under("src").value());
        std::fs::write(dir.join("src/inner/b.rs"), "fn b() { }").unwrap();
        let edited = fingerprint(&dir).rust_under("src").value();
        assert_ne!(first, edited);
        std::fs::rename(dir.join("src/inner/b.rs"), dir.join("src/inner/c.rs")).unwrap();
        assert_ne!(edited, fingerprint(&dir).rust_under("src").value());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "doctown-fingerprint-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }
}
