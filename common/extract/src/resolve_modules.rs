//! Maps import statements to the repository files they name, and so builds
//! a file's scope from its imports ([`file_scope`]): Python dotted and
//! relative modules, ES relative specifiers with extension and `index`
//! resolution, Rust `crate::`/`super::`/`self::` paths, and Go import paths
//! by directory suffix.

use crate::golang::import_binding;
use crate::layout::ProjectLayout;
use crate::modpath::{module_path, rust_crate_key};
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
            let local = import_binding(&import.module, import.alias.as_deref());
            match import.alias.as_deref() {
                Some(".") => scope.globs.extend(files.iter().copied()),
                Some("_") => {}
                _ if files.is_empty() => scope.bind_external(&local),
                _ => scope.bind_module(&local, &files),
            }
        }
        // The query engine's languages: calls resolve in their own file and
        // by the rules that need no import binding (`resolve::Resolver`).
        Family::C | Family::Jvm | Family::Other(_) => {}
    }
}

/// Builds a file's scope from its imports.
pub(crate) fn file_scope<'a>(
    index: &Index<'a>,
    layout: &'a ProjectLayout,
    path: &str,
    language: Language,
    imports: &[Import],
) -> FileScope<'a> {
    let mut scope = FileScope::new(layout);
    for import in imports {
        bind(index, &mut scope, path, language, import);
    }
    scope
}

/// Marks what an import binds as external: its alias, or the names it
/// imports, or the module's own binding.
fn bind_all_external(scope: &mut FileScope, import: &Import, module_binding: &str) {
    match (&import.alias, import.names.as_slice()) {
        (Some(alias), _) => scope.bind_external(alias),
        (None, []) => scope.bind_external(module_binding),
        (None, names) => names.iter().for_each(|n| scope.bind_external(n)),
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
    let files = index.python_files(&absolute);
    let relative = import.module.starts_with('.');
    if files.is_empty() && !relative {
        let top = import.module.split('.').next().unwrap_or("");
        if index.python_files(top).is_empty() {
            let binding = if import.names.is_empty() { top } else { "" };
            bind_all_external(scope, import, binding);
            return;
        }
    }
    if import.names.is_empty() {
        let local = import
            .alias
            .clone()
            .unwrap_or_else(|| import.module.clone());
        scope.bind_module(&local, &files);
        if import.alias.is_none() {
            if let Some((first, _)) = import.module.split_once('.') {
                scope.bind_module(first, &index.python_files(first));
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
            scope.bind_module(local, &sub_files);
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
    let stem = crate::modpath::ecma_stem(&joined);
    let stem = stem.strip_suffix("/index").unwrap_or(stem);
    Some(if stem == "index" {
        String::new()
    } else {
        stem.to_string()
    })
}

fn bind_ecma<'a>(index: &Index<'a>, scope: &mut FileScope<'a>, path: &str, import: &Import) {
    let key = ecma_key(path, &import.module).or_else(|| {
        let (dir, sub) = scope.layout.js_package_dir(&import.module)?;
        let base = format!("{dir}{sub}");
        let base = base.trim_end_matches('/');
        [
            base.to_string(),
            format!("{dir}src/{sub}").trim_end_matches('/').to_string(),
        ]
        .into_iter()
        .find(|k| !index.files(Family::Ecma, k).is_empty())
    });
    let Some(key) = key else {
        // A bare specifier that is no package of this repository.
        if !import.module.starts_with('.') {
            bind_all_external(scope, import, "");
        }
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
            for name in names {
                if name == "*" {
                    scope.globs.extend(files.iter().copied());
                } else {
                    scope.bind_name(name, &files, name);
                }
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

/// Where a Rust path starts: this crate, another crate of the workspace,
/// or outside the repository (`std`, a dependency).
enum RustRoot<'l> {
    Here,
    Crate(&'l str),
    External,
}

fn rust_root<'l>(
    index: &Index,
    layout: &'l ProjectLayout,
    path: &str,
    first: &str,
) -> RustRoot<'l> {
    if matches!(first, "crate" | "self" | "super" | "Self") {
        return RustRoot::Here;
    }
    let source = layout.rust_source_path(path);
    if let Some(dir) = layout.rust_crate_dir_of(first) {
        if dir != rust_crate_key(&source) || first != "crate" {
            return RustRoot::Crate(dir);
        }
    }
    // A child module of the current one (`mod store; use store::X;`).
    let mut own = rust_segments(&source);
    own.push(first.to_string());
    let key = format!("{}{}", rust_crate_key(&source), own.join("::"));
    if !index.files(Family::Rust, &key).is_empty() {
        return RustRoot::Here;
    }
    // An inline module of this file (`mod inner { … } use inner::f;`), or
    // an enum or type (`use Kind::*`).
    let inline = index.in_file(path, first).next().is_some();
    if inline || first.starts_with(char::is_uppercase) {
        RustRoot::Here
    } else {
        RustRoot::External
    }
}

/// A Rust module path as written in `path` → the files that are it.
pub(crate) fn rust_module_files<'a>(
    index: &Index<'a>,
    layout: &ProjectLayout,
    path: &str,
    module: &str,
) -> Vec<&'a str> {
    let real = path;
    let source = layout.rust_source_path(path);
    let path = &*source;
    let mut crate_dir = rust_crate_key(path);
    let mut segments = module.split("::").filter(|s| !s.is_empty()).peekable();
    if let Some(first) = segments.peek().copied() {
        match rust_root(index, layout, real, first) {
            RustRoot::External => return Vec::new(),
            RustRoot::Crate(dir) => {
                segments.next();
                crate_dir = dir.into();
                let mut absolute = vec!["crate".to_string()];
                absolute.extend(segments.map(str::to_string));
                let key = format!("{crate_dir}{}", absolute.join("::"));
                return index.files(Family::Rust, &key).to_vec();
            }
            RustRoot::Here => {}
        }
    }
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

/// A Rust module path that no file is: the files of its longest prefix
/// that is one, and the rest as the path of inline modules inside them
/// (`a::sync` → `a.rs`, `sync`).
pub(crate) fn rust_inline_module<'a>(
    index: &Index<'a>,
    layout: &ProjectLayout,
    path: &str,
    module: &str,
) -> Option<(Vec<&'a str>, String)> {
    let segments: Vec<&str> = module.split("::").collect();
    (1..segments.len()).rev().find_map(|cut| {
        let files = rust_module_files(index, layout, path, &segments[..cut].join("::"));
        (!files.is_empty()).then(|| (files, segments[cut..].join("::")))
    })
}

fn bind_rust<'a>(index: &Index<'a>, scope: &mut FileScope<'a>, path: &str, import: &Import) {
    let first = import.module.split("::").next().unwrap_or("");
    if matches!(
        rust_root(index, scope.layout, path, first),
        RustRoot::External
    ) {
        let last = import.module.rsplit("::").next().unwrap_or("");
        bind_all_external(scope, import, last);
        return;
    }
    let files = rust_module_files(index, scope.layout, path, &import.module);
    if files.is_empty() && !import.names.is_empty() {
        // Inline modules: `use krate::sync::Lazy` where `sync` is a `mod
        // sync { … }` of `lib.rs` binds `Lazy` to `sync::Lazy` there.
        if let Some((files, inline)) = rust_inline_module(index, scope.layout, path, &import.module)
        {
            for name in import.names.iter().filter(|n| *n != "*") {
                let local = import.alias.as_deref().unwrap_or(name);
                scope.bind_name(local, &files, &format!("{inline}::{name}"));
            }
            return;
        }
    }
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
        let sub = rust_module_files(
            index,
            scope.layout,
            path,
            &format!("{}::{name}", import.module),
        );
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
