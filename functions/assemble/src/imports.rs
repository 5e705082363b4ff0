//! Modules and import resolution.
//!
//! A module is a directory holding source files (`.` for the root): the one
//! notion that fits every language — Python and Go packages are
//! directories, Rust module trees and JS folders follow them. An import
//! resolves to a repository file where the language's rules find one, or
//! (Go) to a package directory; anything else is external.

use doctown_core::{FileRecord, Import, Language};
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeSet;

/// The module of a file: its directory, `.` at the root.
pub fn module_of(path: &str) -> &str {
    path.rfind('/').map_or(".", |i| &path[..i])
}

/// Where an import leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportTarget {
    /// A repository file, by path.
    File(String),
    /// A repository module (directory), for Go package imports.
    Module(String),
    External,
}

const ECMA_EXTENSIONS: [&str; 8] = [
    ".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts",
];

/// Lookup tables over the repository's files.
pub struct ImportResolver<'a> {
    files: BTreeSet<&'a str>,
    dirs: BTreeSet<&'a str>,
    /// Every `/`-suffix of every path (`linux/sched.h` of
    /// `include/linux/sched.h`) → the shortest path that ends with it.
    suffixes: HashMap<&'a str, &'a str>,
    /// Python dotted module (and every dotted suffix) → files.
    python: HashMap<String, Vec<&'a str>>,
}

impl<'a> ImportResolver<'a> {
    pub fn new(files: &'a [FileRecord]) -> Self {
        let mut python: HashMap<String, Vec<&str>> = HashMap::default();
        for f in files.iter().filter(|f| f.language == Language::Python) {
            let dotted = python_module(&f.path);
            let parts: Vec<&str> = dotted.split('.').collect();
            for i in 0..parts.len() {
                python
                    .entry(parts[i..].join("."))
                    .or_default()
                    .push(&f.path);
            }
        }
        let mut suffixes: HashMap<&str, &str> = HashMap::default();
        for f in files.iter().filter(|f| !f.language.has_rules()) {
            let path = f.path.as_str();
            let cuts = path.match_indices('/').map(|(i, _)| i + 1);
            for start in std::iter::once(0).chain(cuts) {
                let best = suffixes.entry(&path[start..]).or_insert(path);
                if (path.len(), path) < (best.len(), *best) {
                    *best = path;
                }
            }
        }
        ImportResolver {
            files: files.iter().map(|f| f.path.as_str()).collect(),
            dirs: files.iter().map(|f| module_of(&f.path)).collect(),
            suffixes,
            python,
        }
    }

    /// Resolves one import of `from`.
    pub fn resolve(&self, from: &FileRecord, import: &Import) -> ImportTarget {
        let found = match from.language {
            Language::TypeScript | Language::Tsx | Language::JavaScript => {
                self.ecma(&from.path, &import.module)
            }
            Language::Python => self
                .python(&from.path, &import.module)
                .map(ImportTarget::File),
            Language::Rust => self
                .rust(&from.path, &import.module)
                .map(ImportTarget::File),
            Language::Go => self.go(&import.module).map(ImportTarget::Module),
            other => self.by_path(&from.path, &import.module, other),
        };
        match found {
            Some(ImportTarget::File(path)) if path == from.path => ImportTarget::External,
            Some(target) => target,
            None => ImportTarget::External,
        }
    }

    fn file(&self, path: &str) -> Option<String> {
        self.files.contains(path).then(|| path.to_string())
    }

    fn ecma(&self, from: &str, module: &str) -> Option<ImportTarget> {
        if !(module.starts_with("./") || module.starts_with("../")) {
            return None;
        }
        let base = join(module_of(from), module)?;
        let direct = std::iter::once(base.clone());
        let with_ext = ECMA_EXTENSIONS.iter().map(|e| format!("{base}{e}"));
        let index = ECMA_EXTENSIONS.iter().map(|e| format!("{base}/index{e}"));
        direct
            .chain(with_ext)
            .chain(index)
            .find_map(|p| self.file(&p))
            .map(ImportTarget::File)
    }

    fn python(&self, from: &str, module: &str) -> Option<String> {
        let dots = module.chars().take_while(|c| *c == '.').count();
        if dots > 0 {
            let mut dir = module_of(from).to_string();
            for _ in 1..dots {
                dir = module_of(&dir).to_string();
            }
            let rest = module[dots..].replace('.', "/");
            let base = if rest.is_empty() {
                dir
            } else {
                join(&dir, &format!("./{rest}"))?
            };
            let init = format!("{base}/__init__.py");
            return self
                .file(&format!("{base}.py"))
                .or_else(|| self.file(&init));
        }
        match self.python.get(module).map(Vec::as_slice) {
            Some([only]) => Some(only.to_string()),
            Some(many) => many.iter().min_by_key(|p| p.len()).map(|p| p.to_string()),
            None => None,
        }
    }

    fn rust(&self, from: &str, module: &str) -> Option<String> {
        let (src, own) = rust_src_and_segments(from)?;
        let mut segs: Vec<&str> = module.split("::").collect();
        let mut base: Vec<String> = match segs.first().copied() {
            Some("crate") => Vec::new(),
            Some("self") => own.clone(),
            Some("super") => own.clone(),
            _ => return None,
        };
        if segs[0] != "super" {
            segs.remove(0);
        }
        while segs.first() == Some(&"super") {
            base.pop();
            segs.remove(0);
        }
        base.extend(segs.iter().map(|s| s.to_string()));
        while !base.is_empty() {
            let stem = format!("{src}{}", base.join("/"));
            if let Some(f) = self
                .file(&format!("{stem}.rs"))
                .or_else(|| self.file(&format!("{stem}/mod.rs")))
            {
                return Some(f);
            }
            base.pop();
        }
        self.file(&format!("{src}lib.rs"))
            .or_else(|| self.file(&format!("{src}main.rs")))
    }

    /// The query engine's languages: the module as a path (`a.b.C`,
    /// `a::b`, `A\\B` → `a/b/C`), with the language's extensions when it
    /// has none; relative to the importing file, then to the root, then
    /// the shortest file whose path ends with it (`<linux/sched.h>` →
    /// `include/linux/sched.h`, `import org.x.Y` → `src/main/java/org/x/Y.java`).
    /// A Java wildcard import (`org.x.*`) is the directory.
    fn by_path(&self, from: &str, module: &str, language: Language) -> Option<ImportTarget> {
        let module = module.trim().trim_start_matches('@');
        if module.is_empty() {
            return None;
        }
        if let Some(dir) = module.strip_suffix(".*") {
            let dir = dir.replace('.', "/");
            return self
                .dirs
                .iter()
                .filter(|d| **d == dir || d.ends_with(&format!("/{dir}")))
                .min_by_key(|d| d.len())
                .map(|d| ImportTarget::Module(d.to_string()));
        }
        let has_ext = module
            .rsplit('/')
            .next()
            .and_then(|name| name.rsplit_once('.'))
            .is_some_and(|(_, ext)| Language::from_extension(ext).is_some());
        let bases: Vec<String> = if has_ext || module.contains('/') {
            vec![module.to_string()]
        } else {
            let path = module.replace("::", "/").replace(['.', '\\'], "/");
            vec![path.clone(), path.to_lowercase()]
        };
        let extensions = language.extensions();
        let candidates: Vec<String> = bases
            .iter()
            .flat_map(|b| {
                let with_ext = extensions.iter().map(move |e| format!("{b}.{e}"));
                std::iter::once(b.clone()).chain(with_ext)
            })
            .collect();
        let relative = candidates
            .iter()
            .find_map(|c| self.file(&join(module_of(from), &format!("./{c}"))?));
        relative
            .or_else(|| candidates.iter().find_map(|c| self.file(c)))
            .or_else(|| {
                candidates
                    .iter()
                    .find_map(|c| self.suffixes.get(c.as_str()).map(|p| p.to_string()))
            })
            .map(ImportTarget::File)
    }

    /// The longest directory that is the import path or a `/`-suffix of
    /// it (`golang.org/x/tools/go/ast` → `go/ast`): one lookup per
    /// segment, not one comparison per directory of the repository.
    fn go(&self, module: &str) -> Option<String> {
        let cuts = module.match_indices('/').map(|(i, _)| i + 1);
        std::iter::once(0)
            .chain(cuts)
            .map(|start| &module[start..])
            .find(|dir| *dir != "." && self.dirs.contains(dir))
            .map(str::to_string)
    }
}

/// The dotted module of a Python file (`src/` dropped, `__init__` = package).
fn python_module(path: &str) -> String {
    let path = path.strip_prefix("src/").unwrap_or(path);
    let stem = path
        .strip_suffix(".pyi")
        .or_else(|| path.strip_suffix(".py"))
        .unwrap_or(path);
    let stem = stem.strip_suffix("/__init__").unwrap_or(stem);
    stem.replace('/', ".")
}

/// A Rust file's `…/src/` directory and its module segments below it.
fn rust_src_and_segments(path: &str) -> Option<(String, Vec<String>)> {
    let at = if path.starts_with("src/") {
        0
    } else {
        path.rfind("/src/")? + 1
    };
    let src = &path[..at + 4];
    let inner = path[at + 4..].strip_suffix(".rs")?;
    let inner = inner.strip_suffix("/mod").unwrap_or(inner);
    let segs = match inner {
        "lib" | "main" => Vec::new(),
        _ => inner.split('/').map(str::to_string).collect(),
    };
    Some((src.to_string(), segs))
}

/// `dir` joined with a `./` or `../` relative path, normalised; `None` when
/// it climbs above the root.
fn join(dir: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = if dir == "." {
        Vec::new()
    } else {
        dir.split('/').collect()
    };
    for seg in relative.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go_file(path: &str) -> FileRecord {
        FileRecord {
            path: path.to_string(),
            language: Language::Go,
            size_bytes: 0,
            lines: 0,
            sha256: String::new(),
            symbols: 0,
            chunks: 0,
            imports: Vec::new(),
            import_files: None,
            has_syntax_errors: false,
            lossy_utf8: false,
            role: Default::default(),
        }
    }

    /// The rule as written first: every directory compared with the
    /// import path, the longest match kept.
    fn go_by_scan(dirs: &BTreeSet<&str>, module: &str) -> Option<String> {
        let mut best: Option<&str> = None;
        for dir in dirs {
            let matches = module == *dir || module.ends_with(&format!("/{dir}"));
            if matches && *dir != "." && best.is_none_or(|b| dir.len() > b.len()) {
                best = Some(dir);
            }
        }
        best.map(str::to_string)
    }

    #[test]
    fn a_go_import_is_the_longest_directory_it_ends_with() {
        let files: Vec<FileRecord> = [
            "main.go",
            "go/ast/ast.go",
            "ast/inspector/inspector.go",
            "tools/go/ast/inspector/inspector.go",
            "x/tools/go/ast/inspector/typeof.go",
            "internal/st/inspector/x.go",
            "cmd/gopls/main.go",
        ]
        .into_iter()
        .map(go_file)
        .collect();
        let resolver = ImportResolver::new(&files);
        let modules = [
            "golang.org/x/tools/go/ast/inspector",
            "golang.org/x/tools/go/ast",
            "go/ast",
            "ast/inspector",
            "st/inspector",
            "golang.org/x/tools/cmd/gopls",
            "fmt",
            ".",
            "",
            "a/",
        ];
        for module in modules {
            assert_eq!(
                resolver.go(module),
                go_by_scan(&resolver.dirs, module),
                "{module}"
            );
        }
        assert_eq!(
            resolver
                .go("golang.org/x/tools/go/ast/inspector")
                .as_deref(),
            Some("x/tools/go/ast/inspector")
        );
        assert_eq!(resolver.go("st/inspector"), None, "not at a segment");
        assert_eq!(resolver.go("fmt"), None);
    }
}
