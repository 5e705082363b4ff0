//! Call resolution across a repository: each call site is linked to the
//! one symbol it can mean, trying in order (1) the caller's own scope
//! (`self.f()`, `this.f()`, `Self::f()`, a Go receiver), (2) the caller's
//! file, (3) its imports, (4) a repository-wide unique name. Anything
//! ambiguous stays unresolved. Lookups are hash-indexed, so the cost is
//! linear in calls.

use crate::resolve_index::{file_scope, owner_name, Family, FileScope, Index};
use crate::resolve_modules::rust_module_files;
use crate::resolve_rules::{is_common, is_definition, unique};
use crate::rust::base_type_name;
use doctown_core::{CallKind, CallSite, Import, Symbol, SymbolKind};
use rayon::prelude::*;
use std::collections::HashMap;

/// Totals of one resolution run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResolveStats {
    pub calls: u64,
    pub resolved: u64,
}

/// Resolves call sites to symbol ids across the whole repository, in place
/// (sets [`CallSite::resolved`]). `imports_by_path` holds each file's imports.
pub fn resolve_calls(
    symbols: &mut [Symbol],
    imports_by_path: &HashMap<String, Vec<Import>>,
) -> ResolveStats {
    // Callers grouped in runs of one file (symbols come in path order), so
    // each run builds its file's import scope once; runs resolve in parallel.
    let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, symbol) in symbols.iter().enumerate() {
        match runs.last_mut() {
            Some(run) if symbols[run.start].path == symbol.path => run.end = i + 1,
            _ => runs.push(i..i + 1),
        }
    }
    // (caller, call, callee) indices of the resolved calls: small, so the
    // parallel collect stays cheap next to the symbols themselves.
    let resolved: Vec<(u32, u32, u32)> = {
        let symbols: &[Symbol] = symbols;
        let index = Index::build(symbols);
        let no_imports = Vec::new();
        runs.into_par_iter()
            .filter(|run| symbols[run.clone()].iter().any(|s| !s.calls.is_empty()))
            .flat_map_iter(|run| {
                let first = &symbols[run.start];
                let imports = imports_by_path.get(&first.path).unwrap_or(&no_imports);
                let scope = file_scope(&index, &first.path, first.language, imports);
                let mut out = Vec::new();
                for i in run {
                    let resolver = Resolver {
                        index: &index,
                        scope: &scope,
                        caller: i,
                    };
                    for (j, call) in symbols[i].calls.iter().enumerate() {
                        if let Some(target) = resolver.resolve(call) {
                            out.push((i as u32, j as u32, target as u32));
                        }
                    }
                }
                out
            })
            .collect()
    };
    let stats = ResolveStats {
        calls: symbols.iter().map(|s| s.calls.len() as u64).sum(),
        resolved: resolved.len() as u64,
    };
    for call in symbols.iter_mut().flat_map(|s| s.calls.iter_mut()) {
        call.resolved = None;
    }
    for (i, j, target) in resolved {
        let id = symbols[target as usize].id.clone();
        symbols[i as usize].calls[j as usize].resolved = Some(id);
    }
    stats
}

struct Resolver<'r, 'a> {
    index: &'r Index<'a>,
    scope: &'r FileScope<'a>,
    caller: usize,
}

impl<'r, 'a> Resolver<'r, 'a> {
    fn sym(&self, i: usize) -> &'a Symbol {
        &self.index.symbols[i]
    }

    fn family(&self) -> Family {
        Family::of(self.sym(self.caller).language)
    }

    fn resolve(&self, call: &'a CallSite) -> Option<usize> {
        let qualifier = call.qualifier.as_deref();
        if self.is_self(qualifier) {
            return self.same_scope(&call.name);
        }
        match (call.kind, qualifier) {
            (CallKind::Function | CallKind::Constructor | CallKind::Macro, None) => self
                .same_file(call)
                .or_else(|| self.imported(call))
                .or_else(|| self.repository_unique(call)),
            (_, Some(q)) => {
                let type_like = q.starts_with(char::is_uppercase)
                    && q.chars().all(|c| c.is_alphanumeric() || c == '_');
                if call.kind != CallKind::Method || type_like || self.scope.modules.contains_key(q)
                {
                    if let Some(found) = self.qualified(call, q) {
                        return Some(found);
                    }
                }
                if call.kind != CallKind::Method || is_common(&call.name) {
                    return None;
                }
                unique(
                    self.candidates(&call.name)
                        .filter(|&c| self.sym(c).kind == SymbolKind::Method),
                )
            }
            _ => None,
        }
    }

    fn candidates(
        &self,
        name: &'a str,
    ) -> std::iter::Copied<std::iter::Flatten<std::option::IntoIter<&'r Vec<usize>>>> {
        let found = self.index.by_name.get(&(self.family(), name));
        found.into_iter().flatten().copied()
    }

    /// `self`, `this`, `Self`, `cls`, or the Go receiver's name.
    fn is_self(&self, qualifier: Option<&str>) -> bool {
        let Some(q) = qualifier else { return false };
        let caller = self.sym(self.caller);
        match self.family() {
            Family::Rust => q == "self" || q == "Self",
            Family::Python => q == "self" || q == "cls",
            Family::Ecma => q == "this",
            Family::Go => {
                let receiver = caller
                    .signature
                    .strip_prefix("func (")
                    .and_then(|r| r.split([' ', ')']).next());
                caller.kind == SymbolKind::Method && receiver == Some(q)
            }
        }
    }

    /// A method of the caller's own type: its parent's children, other
    /// impls of the same Rust type or same-package Go methods, the trait's
    /// default methods, then base classes.
    fn same_scope(&self, name: &'a str) -> Option<usize> {
        let parent = self.index.parent_of[self.caller]?;
        let own = self
            .index
            .children
            .get(&(parent, name))
            .into_iter()
            .flatten()
            .copied();
        if let Some(found) = unique(own) {
            return Some(found);
        }
        let family = self.family();
        let caller = self.sym(self.caller);
        let owner = owner_name(self.index.symbols, Some(parent), caller)?;
        let mut types: Vec<&'a str> = vec![owner];
        let mut seen = 0;
        while seen < types.len() && seen < 8 {
            let methods = self.index.methods.get(&(family, types[seen], name));
            let methods = methods.into_iter().flatten().copied();
            let methods = methods
                .filter(|&m| family != Family::Go || same_dir(&self.sym(m).path, &caller.path));
            if let Some(found) = unique(methods) {
                return Some(found);
            }
            // Bases of every definition of this type (traits, superclasses).
            for def in self.candidates(types[seen]) {
                let s = self.sym(def);
                if matches!(
                    s.kind,
                    SymbolKind::Class
                        | SymbolKind::Interface
                        | SymbolKind::Trait
                        | SymbolKind::Impl
                ) {
                    types.extend(
                        s.bases
                            .iter()
                            .map(|b| base_type_name(b.rsplit('.').next().unwrap_or(b))),
                    );
                }
            }
            if seen == 0 && self.sym(parent).kind == SymbolKind::Impl {
                types.extend(self.sym(parent).bases.iter().map(|b| base_type_name(b)));
            }
            seen += 1;
        }
        None
    }

    fn same_file(&self, call: &'a CallSite) -> Option<usize> {
        let family = self.family();
        let caller = self.sym(self.caller);
        if family == Family::Go {
            let same_package = self.candidates(&call.name).filter(|&c| {
                let s = self.sym(c);
                same_dir(&s.path, &caller.path)
                    && s.parent.is_none()
                    && is_definition(s.kind, call.kind, family)
            });
            return unique(same_package);
        }
        let here = self
            .index
            .by_file_name
            .get(&(caller.path.as_str(), call.name.as_str()));
        unique(
            here.into_iter()
                .flatten()
                .copied()
                .filter(|&c| is_definition(self.sym(c).kind, call.kind, family)),
        )
    }

    /// Top-level definitions named `name` in `files`.
    fn defined_in(&self, files: &[&str], name: &'a str, call: CallKind) -> Option<usize> {
        let family = self.family();
        let found = files.iter().flat_map(|f| {
            self.index
                .by_file_name
                .get(&(*f, name))
                .into_iter()
                .flatten()
                .copied()
        });
        let found = found.filter(|&c| {
            let s = self.sym(c);
            s.parent.is_none() && (is_definition(s.kind, call, family) || name == "default")
        });
        unique(found)
    }

    fn imported(&self, call: &'a CallSite) -> Option<usize> {
        if let Some(bound) = self.scope.names.get(&call.name) {
            let found = bound.iter().filter_map(|(file, name)| {
                if name == "default" {
                    unique(
                        self.index
                            .default_exports
                            .get(file)
                            .into_iter()
                            .flatten()
                            .copied(),
                    )
                } else {
                    self.defined_in(&[file], name, call.kind)
                }
            });
            if let Some(found) = unique(found) {
                return Some(found);
            }
        }
        self.defined_in(&self.scope.globs, &call.name, call.kind)
    }

    fn repository_unique(&self, call: &'a CallSite) -> Option<usize> {
        let family = self.family();
        if family == Family::Go || (call.kind == CallKind::Function && is_common(&call.name)) {
            return None;
        }
        unique(
            self.candidates(&call.name)
                .filter(|&c| is_definition(self.sym(c).kind, call.kind, family)),
        )
    }

    /// `module.f()`, `pkg.F()`, `crate::a::f()`, `Type::f()`, `Class.f()`.
    fn qualified(&self, call: &'a CallSite, qualifier: &'a str) -> Option<usize> {
        let family = self.family();
        let caller = self.sym(self.caller);
        if let Some(files) = self.scope.modules.get(qualifier) {
            if let Some(found) = self.defined_in(files, &call.name, CallKind::Function) {
                return Some(found);
            }
        }
        if family == Family::Rust {
            let mut module = qualifier.to_string();
            if let Some((first, rest)) = qualifier.split_once("::") {
                if let Some(files) = self.scope.modules.get(first) {
                    let found = files
                        .iter()
                        .map(|f| format!("{}::{rest}", crate::module_path(f, caller.language)));
                    if let Some(m) = found.into_iter().next() {
                        module = m;
                    }
                }
            }
            let files = rust_module_files(self.index, &caller.path, &module);
            if let Some(found) = self.defined_in(&files, &call.name, CallKind::Function) {
                return Some(found);
            }
        }
        let owner = base_type_name(qualifier.rsplit(['.', ':']).next().unwrap_or(qualifier));
        if !owner.starts_with(char::is_uppercase) {
            return None;
        }
        let methods = self.index.methods.get(&(family, owner, call.name.as_str()));
        let methods: Vec<usize> = methods.into_iter().flatten().copied().collect();
        unique(
            methods
                .iter()
                .copied()
                .filter(|&m| self.sym(m).path == caller.path),
        )
        .or_else(|| unique(methods.into_iter()))
    }
}

fn same_dir(a: &str, b: &str) -> bool {
    crate::modpath::go_package_dir(a) == crate::modpath::go_package_dir(b)
}
