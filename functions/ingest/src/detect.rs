//! Cheap tests on names and bytes: lock files, minified bundles, binaries,
//! shebangs.

use doctown_core::Language;
use std::io::Read;
use std::path::Path;

const LOCK_FILES: &[&str] = &[
    "Cargo.lock",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lockb",
    "poetry.lock",
    "Pipfile.lock",
    "uv.lock",
    "pdm.lock",
    "go.sum",
    "composer.lock",
    "Gemfile.lock",
];

pub fn is_lock_file(name: &str) -> bool {
    LOCK_FILES.contains(&name)
}

/// `x.min.js`, `x-min.js`, `x.bundle.js` and the like.
pub fn is_minified_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".min.", "-min.", ".bundle.", ".chunk."]
        .iter()
        .any(|marker| lower.contains(marker))
        && [".js", ".mjs", ".cjs", ".css", ".ts"]
            .iter()
            .any(|ext| lower.ends_with(ext))
}

/// NUL bytes in the first 8 KiB mean binary, as git decides.
pub fn is_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(8192)].contains(&0)
}

/// Generated or minified code: long lines that no person wrote. A file is
/// minified when it is at least 4 KiB and its average line exceeds 300
/// bytes, or any line exceeds 20,000 bytes.
pub fn looks_minified(text: &str) -> bool {
    let lines = text.lines().count().max(1);
    let longest = text.lines().map(str::len).max().unwrap_or(0);
    (text.len() >= 4096 && text.len() / lines > 300) || longest > 20_000
}

/// The language of an extension-less file from its `#!` line.
pub fn shebang_language(path: &Path) -> Option<Language> {
    let mut head = [0u8; 256];
    let mut file = std::fs::File::open(path).ok()?;
    let n = file.read(&mut head).ok()?;
    let head = &head[..n];
    if !head.starts_with(b"#!") {
        return None;
    }
    let end = head.iter().position(|b| *b == b'\n').unwrap_or(head.len());
    Language::from_shebang(std::str::from_utf8(&head[..end]).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_lock_file("Cargo.lock") && is_lock_file("go.sum"));
        assert!(!is_lock_file("lock.rs"));
        assert!(is_minified_name("jquery.min.js") && is_minified_name("app.bundle.mjs"));
        assert!(!is_minified_name("minimal.js") && !is_minified_name("admin.py"));
    }

    #[test]
    fn contents() {
        assert!(is_binary(b"abc\0def"));
        assert!(!is_binary("fn main() {}".as_bytes()));
        assert!(looks_minified(&"a".repeat(30_000)));
        assert!(looks_minified(
            &format!("{}\n", "var a=1;".repeat(100)).repeat(10)
        ));
        assert!(!looks_minified(&"let x = 1;\n".repeat(1000)));
    }
}
