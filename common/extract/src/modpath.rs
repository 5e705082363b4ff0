//! Module paths of files: the prefix of qualified names, and the keys that
//! import resolution looks files up by.

use doctown_core::Language;

/// The module path of a file, used as the qualified-name prefix:
///
/// - Rust: `crate::store::local` for `…/src/store/local.rs` (also
///   `…/src/store/local/mod.rs`); `crate` for crate roots (`src/lib.rs`,
///   `src/main.rs`, `src/bin/x.rs`, `tests/x.rs`, `examples/x.rs`,
///   `benches/x.rs`, `build.rs`). Everything before the last `src/` (or
///   `tests/` …) is the crate's directory, see [`rust_crate_dir`].
/// - Python: dotted, `pkg.sub.mod`; `__init__.py` names its package; a
///   leading `src/` is dropped.
/// - TypeScript/JavaScript: the path without its extension, and without a
///   trailing `/index` (`src/util`).
/// - Go: the directory's last component, the conventional package name
///   (extraction prefers the file's `package` clause); `main` at the root.
pub fn module_path(path: &str, language: Language) -> String {
    match language {
        Language::Rust => rust_module_path(path),
        Language::Python => python_module_path(path),
        Language::TypeScript | Language::Tsx | Language::JavaScript => ecma_module_path(path),
        Language::Go => go_package_dir(path)
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or("main")
            .to_string(),
        // The query engine's languages: the directory (a Java package, a
        // C subsystem), or the file's stem at the root.
        _ => match path.rsplit_once('/') {
            Some((dir, _)) => dir.to_string(),
            None => strip_ext(path).to_string(),
        },
    }
}

fn strip_ext(path: &str) -> &str {
    let file_start = path.rfind('/').map_or(0, |i| i + 1);
    match path[file_start..].find('.') {
        Some(0) | None => path,
        Some(dot) => &path[..file_start + dot],
    }
}

const RUST_ROOT_DIRS: [&str; 4] = ["src/", "tests/", "examples/", "benches/"];

/// The directory of the crate a Rust file belongs to (`common/core/`), and
/// the file's path inside its source root (`store/local.rs`).
pub(crate) fn rust_crate_dir(path: &str) -> (&str, &str) {
    let mut best: Option<(usize, usize)> = None;
    for dir in RUST_ROOT_DIRS {
        let found = if path.starts_with(dir) {
            Some(0)
        } else {
            path.rfind(&format!("/{dir}")).map(|i| i + 1)
        };
        if let Some(at) = found {
            if best.is_none_or(|(b, _)| at > b) {
                best = Some((at, dir.len()));
            }
        }
    }
    match best {
        Some((at, len)) if RUST_ROOT_DIRS[0] == &path[at..at + len] => {
            (&path[..at], &path[at + len..])
        }
        Some((at, len)) => {
            // tests/, examples/, benches/: each file (or dir/main.rs) is a
            // crate root; `dir/mod.rs` is the module `dir` those crates
            // share (`mod common;` in each test).
            let inner = &path[at + len..];
            match inner.split_once('/') {
                Some((_, "mod.rs")) => (&path[..at + len], inner),
                Some((_, rest)) => (&path[..at + len], rest),
                None => (&path[..at + len], "main.rs"),
            }
        }
        None => match path.rfind('/') {
            Some(i) if path.ends_with("/build.rs") => (&path[..=i], "main.rs"),
            _ if path == "build.rs" => ("", "main.rs"),
            _ => ("", path),
        },
    }
}

/// The crate a Rust file's module paths are relative to, for resolving
/// them: [`rust_crate_dir`], except that a test, example or bench crate
/// that is a directory (`tests/builder/main.rs`) is that directory, so two
/// such crates' same-named modules (`tests/builder/utils.rs`,
/// `tests/derive/utils.rs`) stay apart. `dir/mod.rs` stays the module the
/// single-file crates share.
pub(crate) fn rust_crate_key(path: &str) -> std::borrow::Cow<'_, str> {
    let (dir, inner) = rust_crate_dir(path);
    let crate_of_dir = ["tests/", "examples/", "benches/"]
        .iter()
        .any(|k| dir.ends_with(k))
        && !inner.ends_with("/mod.rs");
    match path[dir.len()..].split_once('/') {
        Some((sub, _)) if crate_of_dir => format!("{dir}{sub}/").into(),
        _ => dir.into(),
    }
}

fn rust_module_path(path: &str) -> String {
    let (_, inner) = rust_crate_dir(path);
    let inner = inner
        .strip_prefix("bin/")
        .map_or(inner, |rest| match rest.split_once('/') {
            Some((_, file)) => file,
            None => "main.rs",
        });
    let stem = strip_ext(inner);
    let stem = stem.strip_suffix("/mod").unwrap_or(stem);
    let mut out = String::from("crate");
    if !matches!(stem, "lib" | "main" | "mod") {
        for part in stem.split('/').filter(|p| !p.is_empty()) {
            out.push_str("::");
            out.push_str(part);
        }
    }
    out
}

fn python_module_path(path: &str) -> String {
    let path = path.strip_prefix("src/").unwrap_or(path);
    let stem = strip_ext(path);
    let stem = stem.strip_suffix("/__init__").unwrap_or(stem);
    if stem == "__init__" {
        return String::new();
    }
    stem.replace('/', ".")
}

fn ecma_module_path(path: &str) -> String {
    let stem = ecma_stem(path);
    match stem.strip_suffix("/index") {
        Some(dir) => dir.to_string(),
        None if stem == "index" => String::new(),
        None => stem.to_string(),
    }
}

/// A TS/JS path without its extension: only the extension goes
/// (`index.umd.js` → `index.umd`, `store.test.ts` → `store.test`, so a
/// bundle or a test file is not the module beside it), and a declaration
/// file is the module it declares (`types.d.ts` → `types`). The same stem
/// names a file and the relative imports of it.
pub(crate) fn ecma_stem(path: &str) -> &str {
    const KNOWN: [&str; 8] = [".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts"];
    let stem = KNOWN
        .iter()
        .find_map(|e| path.strip_suffix(e))
        .unwrap_or(path);
    stem.strip_suffix(".d").unwrap_or(stem)
}

/// The directory of a Go file (its package), without a trailing `/`.
pub(crate) fn go_package_dir(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_paths() {
        let cases = [
            ("src/lib.rs", "crate"),
            ("src/main.rs", "crate"),
            ("src/store/mod.rs", "crate::store"),
            ("src/store/local.rs", "crate::store::local"),
            ("common/core/src/ids.rs", "crate::ids"),
            ("common/core/src/lib.rs", "crate"),
            ("src/bin/cli.rs", "crate"),
            ("src/bin/cli/main.rs", "crate"),
            ("src/bin/cli/args.rs", "crate::args"),
            ("tests/golden.rs", "crate"),
            ("tests/common/mod.rs", "crate::common"),
            ("tests/it/helpers.rs", "crate::helpers"),
            ("build.rs", "crate"),
            ("tools/gen.rs", "crate::tools::gen"),
        ];
        for (path, want) in cases {
            assert_eq!(module_path(path, Language::Rust), want, "{path}");
        }
        assert_eq!(
            rust_crate_dir("common/core/src/ids.rs"),
            ("common/core/", "ids.rs")
        );
        assert_eq!(rust_crate_dir("src/a/b.rs"), ("", "a/b.rs"));
        for (path, key) in [
            ("tests/builder/utils.rs", "tests/builder/"),
            ("tests/builder/main.rs", "tests/builder/"),
            ("tests/it.rs", "tests/"),
            ("tests/common/mod.rs", "tests/"),
            (
                "clap_complete/tests/testsuite/bash.rs",
                "clap_complete/tests/testsuite/",
            ),
            ("src/a/b.rs", ""),
        ] {
            assert_eq!(rust_crate_key(path), key, "{path}");
        }
    }

    #[test]
    fn python_paths() {
        assert_eq!(
            module_path("pkg/sub/mod.py", Language::Python),
            "pkg.sub.mod"
        );
        assert_eq!(module_path("pkg/__init__.py", Language::Python), "pkg");
        assert_eq!(module_path("src/pkg/util.py", Language::Python), "pkg.util");
        assert_eq!(module_path("setup.py", Language::Python), "setup");
        assert_eq!(module_path("stubs/a.pyi", Language::Python), "stubs.a");
    }

    #[test]
    fn ecma_and_go_paths() {
        assert_eq!(module_path("src/util.ts", Language::TypeScript), "src/util");
        assert_eq!(module_path("src/util/index.tsx", Language::Tsx), "src/util");
        assert_eq!(
            module_path("lib/a.test.js", Language::JavaScript),
            "lib/a.test"
        );
        assert_eq!(module_path("types/x.d.ts", Language::TypeScript), "types/x");
        assert_eq!(
            module_path("lib/index.umd.js", Language::JavaScript),
            "lib/index.umd"
        );
        assert_eq!(module_path("lib/index.mjs", Language::JavaScript), "lib");
        assert_eq!(
            module_path("src/store.test.ts", Language::TypeScript),
            "src/store.test"
        );
        assert_eq!(module_path("index.js", Language::JavaScript), "");
        assert_eq!(
            module_path("internal/store/store.go", Language::Go),
            "store"
        );
        assert_eq!(module_path("main.go", Language::Go), "main");
        assert_eq!(go_package_dir("a/b/c.go"), "a/b");
    }
}
