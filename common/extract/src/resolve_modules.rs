//! Maps import statements to the repository files they name: Python
//! dotted and relative modules, ES relative specifiers with extension and
//! `index` resolution, Rust `crate::`/`super::`/`self::` paths, and Go
//! import paths by directory suffix.

use crate::golang::import_binding;
use crate::modpath::{module_path, rust_crate_dir};
use crate::resolve_index::{Family, FileScope, Index};
use doctown_core::{Import, Language};

/// Adds one import's bindings to a file's scope.
pub(crate) fn bind<'a>(
    index: &Index<'a>,
    scope: &mut FileScope<'a>,
    path: &str,
    language: Language,
    import: &Import,
) {
    match Family::of(language) {
        Family::Python => bind_python(index, scope, path, import),
        Family::Ecma => bind_ecma(index, scope, path, import),
        Family::Rust => bind_rust(index, scope, path, import),
        Family::Go => {
            let files = go_files(index, &import.module);
            match import.alias.as_deref() {
                Some(".") => scope.globs.extend(files.iter().copied()),
                Some("_") => {}
                alias => scope.bind_module(&import_binding(&import.module, alias), &files),
            }
        }
    }
}

/// A Python module name as written (`a.b`, `.x`, `..`) → its absolute name.
pub(crate) fn python_absolute(path: &str, module: &str) -> String {
    let dots = module.chars().take_while(|c| *c == '.').count();
    if dots == 0 {
        return module.to_string();
    }
    let own = module_path(path, Language::Python);
    let mut package: Vec<&str> = own.split('.').filter(|s| !s.is_empty()).collect();
    if !path.ends_with("__init__.py") {
        package.pop();
    }
    for _ in 1..dots {
        package.pop();
    }
    let rest = &module[dots..];
    if !rest.is_empty() {
        package.push(rest);
    }
    package.join(".")
}

fn bind_python<'a>(index: &Index<'a>, scope: &mut FileScope<'a>, path: &str, import: &Import) {
    let absolute = python_absolute(path, &import.module);
    let files = index.python_files(&absolute).to_vec();
    if import.names.is_empty() {
        let local = import
            .alias
            .clone()
            .unwrap_or_else(|| import.module.clone());
        scope.bind_module(&local, &files);
        if import.alias.is_none() {
            if let Some((first, _)) = import.module.split_once('.') {
                scope.bind_module(first, index.python_files(first));
            }
        }
        return;
    }
    for name in &import.names {
        if name == "*" {
            scope.globs.extend(files.iter().copied());
            continue;
        }
        let local = import.alias.as_deref().unwrap_or(name);
        scope.bind_name(local, &files, name);
        let sub = if absolute.is_empty() {
            name.clone()
        } else {
            format!("{absolute}.{name}")
        };
        let sub_files = index.python_files(&sub);
        if !sub_files.is_empty() {
            scope.bind_module(local, sub_files);
        }
    }
}

/// `dir` + `./x/../y.js` → `dir/y`, or None for a bare specifier.
pub(crate) fn ecma_key(path: &str, spec: &str) -> Option<String> {
    if !(spec.starts_with("./") || spec.starts_with("../") || spec == "." || spec == "..") {
        return None;
    }
    let mut parts: Vec<&str> = path.split('/').collect();
    parts.pop();
    for segment in spec.split('/') {
        match segment {
            "." | "" => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    let known = [".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts"];
    let stem = known
        .iter()
        .find_map(|e| joined.strip_suffix(e))
        .unwrap_or(&joined);
    let stem = stem.strip_suffix(".d").unwrap_or(stem);
    let stem = stem.strip_suffix("/index").unwrap_or(stem);
    Some(if stem == "index" {
        String::new()
    } else {
        stem.to_string()
    })
}

fn bind_ecma<'a>(index: &Index<'a>, scope: &mut FileScope<'a>, path: &str, import: &Import) {
    let Some(key) = ecma_key(path, &import.module) else {
        return;
    };
    let files = index.files(Family::Ecma, &key).to_vec();
    if files.is_empty() {
        return;
    }
    match (&import.alias, import.names.as_slice()) {
        (Some(alias), []) => scope.bind_module(alias, &files),
        (Some(alias), [name]) => {
            scope.bind_name(alias, &files, name);
            if name == "default" {
                scope.bind_module(alias, &files);
            }
        }
        (None, names) => {
            for name in names.iter().filter(|n| *n != "*") {
                scope.bind_name(name, &files, name);
            }
        }
        _ => {}
    }
}

/// The module segments of a Rust file (`crate::a::b` → [crate, a, b]).
fn rust_segments(path: &str) -> Vec<String> {
    module_path(path, Language::Rust)
        .split("::")
        .map(str::to_string)
        .collect()
}

/// A Rust module path as written in `path` → the files that are it.
pub(crate) fn rust_module_files<'a>(index: &Index<'a>, path: &str, module: &str) -> Vec<&'a str> {
    let crate_dir = rust_crate_dir(path).0;
    let mut segments = module.split("::").filter(|s| !s.is_empty()).peekable();
    let mut absolute: Vec<String> = match segments.peek().copied() {
        Some("crate") => {
            segments.next();
            vec!["crate".into()]
        }
        Some("self") => {
            segments.next();
            rust_segments(path)
        }
        Some("super") => {
            let mut own = rust_segments(path);
            while segments.peek() == Some(&"super") {
                segments.next();
                if own.len() > 1 {
                    own.pop();
                }
            }
            own
        }
        Some(_) => rust_segments(path),
        None => return Vec::new(),
    };
    absolute.extend(segments.map(str::to_string));
    let key = format!("{crate_dir}{}", absolute.join("::"));
    index.files(Family::Rust, &key).to_vec()
}

fn bind_rust<'a>(index: &Index<'a>, scope: &mut FileScope<'a>, path: &str, import: &Import) {
    let files = rust_module_files(index, path, &import.module);
    if import.names.is_empty() {
        let last = import.module.rsplit("::").next().unwrap_or("");
        scope.bind_module(import.alias.as_deref().unwrap_or(last), &files);
        return;
    }
    for name in &import.names {
        if name == "*" {
            scope.globs.extend(files.iter().copied());
            continue;
        }
        let local = import.alias.as_deref().unwrap_or(name);
        scope.bind_name(local, &files, name);
        let sub = rust_module_files(index, path, &format!("{}::{name}", import.module));
        if !sub.is_empty() {
            scope.bind_module(local, &sub);
        }
    }
}

/// The repository directory a Go import path names: the longest suffix of
/// the path that is a directory here (a one-segment suffix only for
/// domain-qualified paths, so `errors` never maps to a local `errors/`).
pub(crate) fn go_files<'a>(index: &Index<'a>, module: &str) -> Vec<&'a str> {
    let segments: Vec<&str> = module.split('/').collect();
    let qualified = segments.first().is_some_and(|s| s.contains('.'));
    for k in 0..segments.len() {
        if k > 0 && segments.len() - k < 2 && !qualified {
            break;
        }
        let files = index.files(Family::Go, &segments[k..].join("/"));
        if !files.is_empty() {
            return files.to_vec();
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_relative_modules() {
        assert_eq!(python_absolute("pkg/sub/mod.py", ".x"), "pkg.sub.x");
        assert_eq!(python_absolute("pkg/sub/mod.py", ".."), "pkg");
        assert_eq!(python_absolute("pkg/sub/__init__.py", ".x"), "pkg.sub.x");
        assert_eq!(python_absolute("pkg/sub/mod.py", "os.path"), "os.path");
    }

    #[test]
    fn ecma_specifiers() {
        assert_eq!(
            ecma_key("src/app/main.ts", "./util").as_deref(),
            Some("src/app/util")
        );
        assert_eq!(
            ecma_key("src/app/main.ts", "../lib/index.js").as_deref(),
            Some("src/lib")
        );
        assert_eq!(
            ecma_key("src/main.ts", "./types.d.ts").as_deref(),
            Some("src/types")
        );
        assert_eq!(ecma_key("main.ts", "../x"), None);
        assert_eq!(ecma_key("src/main.ts", "react"), None);
    }
}
