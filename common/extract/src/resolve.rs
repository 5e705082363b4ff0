//! Call resolution across a repository. Each call site is linked to the
//! one symbol the code says it means, or left unresolved: "unknown" is
//! better than "wrong". In order:
//!
//! 1. the caller's own scope: `self.f()`, `this.f()`, `Self::f()`, a Go
//!    receiver, then the caller's file (or Go package) — [`Provenance::Scope`];
//! 2. the file's imports and the module system (`module.f()`,
//!    `crate::a::f()`, `other_crate::f()`, `pkg.F()`) — [`Provenance::Import`].
//!    A name imported from outside the repository is bound there: it never
//!    falls through to a same-named local symbol;
//! 3. the receiver's type where the code states it (a typed parameter or
//!    local, a constructor call, a field's declared type) — its methods and
//!    its bases' — [`Provenance::ReceiverType`]; a receiver of a known type
//!    that is not the repository's stays unresolved;
//! 4. a method call on a receiver of unknown type, only when exactly one
//!    method in the repository has the name and the name is not one that
//!    standard types have — [`Provenance::UniqueName`], below the
//!    confidence threshold.
//!
//! Whatever found it, a link into a package of the repository that the
//! caller's package does not declare (directly or through the packages it
//! declares: its manifests, [`crate::packages`]) is dropped: code cannot
//! call a crate it does not depend on.
//!
//! Each link carries its provenance and that provenance's confidence.
//! Lookups are hash-indexed, so the cost is linear in calls.

use crate::layout::ProjectLayout;
use crate::packages::PackageGraph;
use crate::resolve_index::{owner_name, Family, FileScope, Ids, Index};
use crate::resolve_modules::{file_scope, rust_inline_module, rust_module_files};
use crate::resolve_rules::{is_common, is_definition, is_rust_std_method, unique};
use crate::text::base_type_name;
use doctown_core::{
    CallKind, CallSite, Import, Provenance, ReturnedBy, Symbol, SymbolId, SymbolKind, Visibility,
};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, HashMap};

/// Totals of one resolution run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResolveStats {
    /// Call sites (function references not counted).
    pub calls: u64,
    pub resolved: u64,
    /// Resolved calls at or above [`doctown_core::CONFIDENT`].
    pub confident: u64,
    /// Functions named as values that were linked (`references` edges).
    pub references: u64,
}

/// Resolves call sites to symbol ids across the whole repository, in place
/// (sets [`CallSite::resolved`], its provenance and confidence).
/// `imports_by_path` holds each file's imports; `layout` the crate names and
/// module roots its manifests declare.
pub fn resolve_calls(
    symbols: &mut [Symbol],
    imports_by_path: &HashMap<String, Vec<Import>>,
    layout: &ProjectLayout,
) -> ResolveStats {
    resolve_repository(symbols, imports_by_path, layout, false).0
}

/// Each file's repository files named by its imports (through the same
/// bindings call resolution uses), sorted, the file itself left out.
/// Files without symbols (an index of re-exports) count on both sides.
pub type ImportTargets = HashMap<String, Vec<String>>;

/// [`resolve_calls`], and each file's [`ImportTargets`] from the same
/// pass: one index, and one import scope per file for both.
pub fn resolve_calls_and_imports(
    symbols: &mut [Symbol],
    imports_by_path: &HashMap<String, Vec<Import>>,
    layout: &ProjectLayout,
) -> (ResolveStats, ImportTargets) {
    resolve_repository(symbols, imports_by_path, layout, true)
}

fn resolve_repository(
    symbols: &mut [Symbol],
    imports_by_path: &HashMap<String, Vec<Import>>,
    layout: &ProjectLayout,
    with_targets: bool,
) -> (ResolveStats, ImportTargets) {
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
    let (resolved, targets): (Vec<Link>, ImportTargets) = {
        let symbols: &[Symbol] = symbols;
        let mut index = Index::build(symbols, layout);
        index.add_files(imports_by_path.keys().map(String::as_str));
        let origins = OriginCache::default();
        let shared = Shared {
            index: &index,
            layout,
            imports: imports_by_path,
            origins: &origins,
        };
        let per_file: Vec<FileLinks> = runs
            .par_iter()
            .filter(|run| {
                let has_imports =
                    with_targets && imports_by_path.contains_key(&symbols[run.start].path);
                has_imports || symbols[(*run).clone()].iter().any(|s| !s.calls.is_empty())
            })
            .map(|run| shared.file_links(run.clone(), with_targets))
            .collect();
        let mut resolved = Vec::with_capacity(per_file.iter().map(|(l, _)| l.len()).sum());
        let mut targets = ImportTargets::new();
        for (links, files) in per_file {
            resolved.extend(links);
            targets.extend(files);
        }
        if with_targets {
            shared.add_targets_of_files_without_symbols(&mut targets);
        }
        let mut links = link_returned_receivers(&index, symbols, resolved);
        within_declared_packages(&mut links, symbols, &layout.package_graph());
        (links, targets)
    };
    apply_links(symbols, resolved);
    (resolve_stats(symbols), targets)
}

/// Drops the links into a package the caller's package does not declare
/// (see the top of this file).
fn within_declared_packages(links: &mut Vec<Link>, symbols: &[Symbol], packages: &PackageGraph) {
    links.retain(|l| {
        let (caller, callee) = (&symbols[l.caller as usize], &symbols[l.callee as usize]);
        packages.may_link(caller.language, &caller.path, &callee.path)
    });
}

/// Sets every call's link from `links` (at most one per call), clearing
/// the calls without one; symbol by symbol on every core.
fn apply_links(symbols: &mut [Symbol], mut links: Vec<Link>) {
    links.par_sort_unstable_by_key(Link::site);
    // The callees' ids are cloned on every core and moved into the calls.
    let mut named: Vec<NamedLink> = links
        .par_iter()
        .map(|l| NamedLink {
            caller: l.caller,
            call: l.call,
            callee: Some(symbols[l.callee as usize].id.clone()),
            how: l.how,
        })
        .collect();
    let runs = per_caller(&mut named, symbols.len());
    symbols
        .par_iter_mut()
        .zip(runs)
        .for_each(|(symbol, links)| {
            for call in &mut symbol.calls {
                call.resolved = None;
                call.provenance = None;
                call.confidence = None;
            }
            for link in links {
                let call = &mut symbol.calls[link.call as usize];
                call.resolved = link.callee.take();
                call.provenance = Some(link.how);
                call.confidence = Some(link.how.confidence_in(symbol.language));
            }
        });
}

/// A [`Link`] with its callee's id in place of its index.
struct NamedLink {
    caller: u32,
    call: u32,
    callee: Option<SymbolId>,
    how: Provenance,
}

/// `links` (sorted by caller) cut into one run per caller of `callers`,
/// empty for a caller without links.
fn per_caller(mut links: &mut [NamedLink], callers: usize) -> Vec<&mut [NamedLink]> {
    let mut runs = Vec::with_capacity(callers);
    for caller in 0..callers as u32 {
        let n = links.partition_point(|l| l.caller <= caller);
        let (mine, rest) = std::mem::take(&mut links).split_at_mut(n);
        runs.push(mine);
        links = rest;
    }
    runs
}

/// What every file's resolution shares: the index, the manifests' layout,
/// every file's imports and the memo of re-export walks.
struct Shared<'a> {
    index: &'a Index<'a>,
    layout: &'a ProjectLayout,
    imports: &'a HashMap<String, Vec<Import>>,
    origins: &'a OriginCache<'a>,
}

impl Shared<'_> {
    /// The links of the calls of one file's symbols (`run`), under the
    /// file's import scope; with `with_targets`, also the files its imports
    /// name.
    fn file_links(&self, run: std::ops::Range<usize>, with_targets: bool) -> FileLinks {
        let symbols = self.index.symbols;
        let first = &symbols[run.start];
        let no_imports = Vec::new();
        let imports = self.imports.get(&first.path).unwrap_or(&no_imports);
        let scope = file_scope(
            self.index,
            self.layout,
            &first.path,
            first.language,
            imports,
        );
        let mut out = Vec::new();
        for i in run {
            let resolver = Resolver {
                index: self.index,
                scope: &scope,
                caller: i,
                imports: self.imports,
                origins: self.origins,
            };
            for (j, call) in symbols[i].calls.iter().enumerate() {
                if let Some((target, how)) = resolver.resolve(call) {
                    out.push(Link::new(i as u32, j as u32, target as u32, how));
                }
            }
        }
        let files = (with_targets && self.imports.contains_key(&first.path))
            .then(|| (first.path.clone(), scope_files(&scope, &first.path)));
        (out, files)
    }

    /// Import targets of the files that have imports but no symbols.
    fn add_targets_of_files_without_symbols(&self, targets: &mut ImportTargets) {
        let rest: Vec<(&String, &Vec<Import>)> = self
            .imports
            .iter()
            .filter(|(path, _)| !targets.contains_key(*path))
            .collect();
        targets.par_extend(rest.into_par_iter().filter_map(|(path, imports)| {
            let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
            let language = doctown_core::Language::from_extension(ext)?;
            let scope = file_scope(self.index, self.layout, path, language, imports);
            Some((path.clone(), scope_files(&scope, path)))
        }));
    }
}

/// One resolved call site: call `call` of symbol `caller` links symbol
/// `callee`, found `how` (indices into the repository's symbols).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Link {
    caller: u32,
    call: u32,
    callee: u32,
    how: Provenance,
}

impl Link {
    fn new(caller: u32, call: u32, callee: u32, how: Provenance) -> Self {
        Link {
            caller,
            call,
            callee,
            how,
        }
    }

    /// Where the link is: its caller and call, the order links are kept in.
    fn site(&self) -> (u32, u32) {
        (self.caller, self.call)
    }
}

/// One file's links, and its path with the files its imports name.
type FileLinks = (Vec<Link>, Option<(String, Vec<String>)>);

/// Second pass: a method call on a value another call returned (`r :=
/// NewRouter(); r.Handle()`) resolves through that call's callee — linked
/// in the first pass — and its declared return type. Replaces only links
/// weaker than a receiver type (`unique_name`) or none.
///
/// Links are found by binary search in the first pass's list (sorted by
/// caller and call), and a caller's links by callee text are tabled only
/// while that caller (or a function nested in it) is being linked: this
/// pass runs when the repository's symbols and index are all in memory.
fn link_returned_receivers(
    index: &Index,
    symbols: &[Symbol],
    mut resolved: Vec<Link>,
) -> Vec<Link> {
    resolved.sort_unstable_by_key(Link::site);
    // Links this pass gives calls the first pass left unresolved.
    let mut added: BTreeMap<(u32, u32), Link> = BTreeMap::new();
    // A chain links one call per round (`a().b().c()`: `b` once `a` is
    // linked, then `c`); chains longer than this stay partly unknown
    // (builders chain a dozen calls; a round changes nothing once the
    // chains are done, and the loop stops there).
    for _round in 0..16 {
        let mut changed = false;
        // Callee text → linked target, for the caller and its enclosing
        // functions (symbols come in pre-order: parents first).
        let mut tables: Vec<(usize, FxHashMap<&str, u32>)> = Vec::new();
        for (i, s) in symbols.iter().enumerate() {
            if !s.calls.iter().any(|c| c.receiver_from.is_some()) {
                continue;
            }
            let chain = holders(index, symbols, i);
            tables.retain(|(h, _)| chain.contains(h));
            for (j, call) in s.calls.iter().enumerate() {
                let Some(given) = call.receiver_from.as_deref() else {
                    continue;
                };
                let (i32, j32) = (i as u32, j as u32);
                let weak = link_at(&resolved, &added, i32, j32)
                    .is_none_or(|l| l.how == Provenance::UniqueName);
                if !weak || call.kind != CallKind::Method {
                    continue;
                }
                // A callback's parameter, or what the callee returns.
                let from = &*given.callee;
                // The call may be the enclosing function's (`const f = () =>
                // subscriber.next()` inside the callback that bound it).
                let found = chain.iter().find_map(|&h| {
                    let links = LinkView {
                        symbols,
                        resolved: &resolved,
                        added: &added,
                    };
                    links.table(&mut tables, h).get(from).copied()
                });
                let Some(p) = found else {
                    continue;
                };
                let Some(ty) = value_type(index, symbols, p as usize, given) else {
                    continue;
                };
                let family = Family::of(s.language);
                let Some(m) = method_of_types(index, family, vec![&ty], &call.name, i) else {
                    continue;
                };
                let link = Link::new(i32, j32, m as u32, Provenance::ReceiverType);
                match resolved.binary_search_by_key(&(i32, j32), Link::site) {
                    Ok(k) => resolved[k] = link,
                    Err(_) => {
                        added.insert((i32, j32), link);
                    }
                }
                if let Some((_, table)) = tables.iter_mut().find(|(t, _)| *t == i) {
                    table.insert(&call.callee, m as u32);
                }
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    resolved.extend(added.into_values());
    resolved
}

/// The links made so far, read by caller.
struct LinkView<'v, 's> {
    symbols: &'s [Symbol],
    resolved: &'v [Link],
    added: &'v BTreeMap<(u32, u32), Link>,
}

impl<'s> LinkView<'_, 's> {
    /// Caller `h`'s table of links by callee text, made on first use.
    fn table<'t>(
        &self,
        tables: &'t mut Vec<(usize, FxHashMap<&'s str, u32>)>,
        h: usize,
    ) -> &'t FxHashMap<&'s str, u32> {
        let at = match tables.iter().position(|(t, _)| *t == h) {
            Some(at) => at,
            None => {
                tables.push((h, callee_links(self.symbols, self.resolved, self.added, h)));
                tables.len() - 1
            }
        };
        &tables[at].1
    }
}

/// A caller and up to three functions enclosing it, innermost first.
fn holders(index: &Index, symbols: &[Symbol], caller: usize) -> Vec<usize> {
    let mut chain = vec![caller];
    while chain.len() < 4 {
        match index.parent_of[chain[chain.len() - 1]] {
            Some(p) if symbols[p].kind.is_callable() => chain.push(p),
            _ => break,
        }
    }
    chain
}

/// The link of call `j` of caller `i`, if any.
fn link_at(resolved: &[Link], added: &BTreeMap<(u32, u32), Link>, i: u32, j: u32) -> Option<Link> {
    match resolved.binary_search_by_key(&(i, j), Link::site) {
        Ok(k) => Some(resolved[k]),
        Err(_) => added.get(&(i, j)).copied(),
    }
}

/// Caller `h`'s linked calls by callee text (the last link of a text wins).
fn callee_links<'s>(
    symbols: &'s [Symbol],
    resolved: &[Link],
    added: &BTreeMap<(u32, u32), Link>,
    h: usize,
) -> FxHashMap<&'s str, u32> {
    let h32 = h as u32;
    let start = resolved.partition_point(|l| l.caller < h32);
    let end = resolved.partition_point(|l| l.caller <= h32);
    let firsts = resolved[start..end].iter();
    let seconds = added.range((h32, 0)..(h32 + 1, 0)).map(|(_, l)| l);
    let calls = &symbols[h].calls;
    firsts
        .chain(seconds)
        .map(|l| (&*calls[l.call as usize].callee, l.callee))
        .collect()
}

/// The type of a value that `producer` gives: what it declares it returns
/// (or the error it returns), or the declared type of a parameter of a
/// callback it takes. A class called (`new Observable(cb)`) gives its
/// constructor's.
fn value_type(
    index: &Index,
    symbols: &[Symbol],
    producer: usize,
    given: &ReturnedBy,
) -> Option<String> {
    let p = &symbols[producer];
    let slot = given
        .callback
        .map(|c| (c.argument as usize, c.parameter as usize));
    let ty = match slot {
        None if given.error => crate::returns::returned_error_type(p)?,
        None => crate::returns::returned_type(p)?,
        Some((argument, parameter)) => {
            let function = if p.kind == SymbolKind::Class {
                let family = Family::of(p.language);
                let ctors = index
                    .methods
                    .get(&(family, p.name.as_str(), "constructor"))?;
                let ctors: Vec<usize> = ctors
                    .iter()
                    .copied()
                    .filter(|&c| index.parent_of[c] == Some(producer))
                    .collect();
                &symbols[unique(ctors.into_iter())?]
            } else {
                p
            };
            crate::returns::callback_parameter_type(function, argument, parameter)?
        }
    };
    if ty == "Self" {
        return owner_name(symbols, index.parent_of[producer], p).map(str::to_string);
    }
    Some(ty)
}

/// Rust: a type's own method wins over a trait's of the same name
/// (`Key::describe(k)` and `k.describe()` call the inherent one), so
/// among several candidates the inherent impls' methods, if any, remain.
fn prefer_inherent(index: &Index, family: Family, methods: Vec<usize>) -> Vec<usize> {
    if methods.len() < 2 || family != Family::of(doctown_core::Language::Rust) {
        return methods;
    }
    let inherent = |m: &usize| is_inherent(index, *m);
    if methods.iter().any(inherent) {
        methods.into_iter().filter(inherent).collect()
    } else {
        methods
    }
}

/// Whether method `m` is in an impl of its type itself (`impl T`, not
/// `impl Trait for T`).
fn is_inherent(index: &Index, m: usize) -> bool {
    index.parent_of[m].is_some_and(|p| {
        let p = &index.symbols[p];
        p.kind == SymbolKind::Impl && p.bases.is_empty()
    })
}

/// The innermost module symbol (a Rust `mod m { … }`) that encloses
/// symbol `i`, if any: the items beside it there are what its bare names
/// mean first.
fn enclosing_module(index: &Index, i: usize) -> Option<usize> {
    let mut parent = index.parent_of[i];
    while let Some(p) = parent {
        if index.symbols[p].kind == SymbolKind::Module {
            return Some(p);
        }
        parent = index.parent_of[p];
    }
    None
}

/// A method `name` of the first of `types` (then of their bases, up to a
/// few levels) that has one: preferring the caller's inline module, then
/// its file, then its package (Go), then the only one.
fn method_of_types<'s>(
    index: &'s Index<'_>,
    family: Family,
    mut types: Vec<&'s str>,
    name: &str,
    caller: usize,
) -> Option<usize> {
    let path = index.symbols[caller].path.as_str();
    let module = enclosing_module(index, caller);
    let mut seen = 0;
    // `types[derived_from..]` came from `#[derive(…)]`s.
    let mut derived_from = usize::MAX;
    while seen < types.len() && seen < 8 {
        let derived = seen >= derived_from;
        let methods: Vec<usize> = index
            .methods
            .get(&(family, types[seen], name))
            .into_iter()
            .flatten()
            .copied()
            .filter(|&m| !derived || provided_trait_method(index, m))
            .collect();
        let methods = prefer_inherent(index, family, methods);
        let pick =
            |keep: &dyn Fn(usize) -> bool| unique(methods.iter().copied().filter(|&m| keep(m)));
        let at = |m: usize| index.symbols[m].path.as_str();
        let found = module
            .and_then(|module| pick(&|m| enclosing_module(index, m) == Some(module)))
            .or_else(|| pick(&|m| at(m) == path))
            .or_else(|| pick(&|m| same_dir(at(m), path)))
            .or_else(|| pick(&|_| true));
        if found.is_some() {
            return found;
        }
        // Bases of every definition of this type (traits, superclasses),
        // and the traits a Rust type derives (`#[derive(Parser)]` gives
        // `Opt::parse()`).
        for def in index.named(family, types[seen]) {
            let s = &index.symbols[def];
            if matches!(
                s.kind,
                SymbolKind::Class | SymbolKind::Interface | SymbolKind::Trait | SymbolKind::Impl
            ) {
                types.extend(
                    s.bases
                        .iter()
                        .map(|b| base_type_name(b.rsplit('.').next().unwrap_or(b))),
                );
            }
            // `UnGraph::new_undirected()`: the methods of the type the
            // alias stands for, where the caller sees the alias.
            if let Some(&target) = index.aliases.get(&def) {
                if alias_in_sight(index, family, def, caller) {
                    types.push(target);
                }
            }
            if matches!(s.kind, SymbolKind::Struct | SymbolKind::Enum) {
                let before = types.len();
                types.extend(derived_traits(s));
                if types.len() > before {
                    derived_from = derived_from.min(before);
                }
            }
        }
        seen += 1;
    }
    None
}

/// Whether `caller` sees type alias `alias`: one declared in a function
/// that encloses the caller (`type G = UnMatrix<(), ()>;` in a test), one
/// of the caller's file, or the only module-level alias of its name (a
/// function's own alias is no one else's, and a name such as `G` is
/// usually a generic parameter elsewhere).
fn alias_in_sight(index: &Index, family: Family, alias: usize, caller: usize) -> bool {
    let local = |a: usize| index.parent_of[a].is_some_and(|p| index.symbols[p].kind.is_callable());
    let symbols = index.symbols;
    if local(alias) {
        return index.parent_of[alias]
            .is_some_and(|f| holders(index, symbols, caller).contains(&f));
    }
    if symbols[alias].path == symbols[caller].path {
        return true;
    }
    let name = symbols[alias].name.as_str();
    let module_level = index
        .named(family, name)
        .filter(|&d| index.aliases.contains_key(&d) && !local(d));
    unique(module_level) == Some(alias)
}

/// A method with a body in a trait: what a derived impl leaves as it is
/// (a required method, one line without a body, is the derive's own code;
/// a struct's method of the same name is not the trait's).
fn provided_trait_method(index: &Index, m: usize) -> bool {
    let s = &index.symbols[m];
    let in_trait = index.parent_of[m].is_some_and(|p| index.symbols[p].kind == SymbolKind::Trait);
    in_trait && s.span.end.line > s.span.start.line
}

/// Whether resolution reads a symbol's attribute: `export default` (a
/// module's default export) and Rust's `#[derive(…)]` (the traits whose
/// methods a type has). Ingest holds only these while it resolves.
pub fn resolution_reads_attribute(attribute: &str) -> bool {
    attribute == "export default" || attribute.starts_with("#[derive(")
}

/// The traits a Rust type's `#[derive(…)]` names, by their last segment,
/// but the standard library's (which have no methods in a repository).
fn derived_traits(s: &Symbol) -> impl Iterator<Item = &str> {
    const STD: [&str; 9] = [
        "Debug",
        "Clone",
        "Copy",
        "PartialEq",
        "Eq",
        "Hash",
        "PartialOrd",
        "Ord",
        "Default",
    ];
    s.attributes
        .iter()
        .filter_map(|a| a.strip_prefix("#[derive(")?.strip_suffix(")]"))
        .flat_map(|list| list.split(','))
        .map(|t| t.trim().rsplit("::").next().unwrap_or("").trim())
        .filter(|t| !t.is_empty() && !STD.contains(t))
}

/// Counts the calls and references of `symbols` and how they resolved.
pub fn resolve_stats(symbols: &[Symbol]) -> ResolveStats {
    let mut stats = ResolveStats::default();
    for call in symbols.iter().flat_map(|s| &s.calls) {
        if call.kind == CallKind::Reference {
            stats.references += u64::from(call.resolved.is_some());
            continue;
        }
        stats.calls += 1;
        stats.resolved += u64::from(call.resolved.is_some());
        stats.confident += u64::from(call.is_confident());
    }
    stats
}

/// The repository files a file's import scope binds, sorted, the file
/// itself left out.
fn scope_files(scope: &FileScope, path: &str) -> Vec<String> {
    let mut files: Vec<String> = scope
        .names
        .values()
        .flat_map(|bound| bound.iter().map(|(f, _)| *f))
        .chain(scope.modules.values().flatten().copied())
        .chain(scope.globs.iter().copied())
        .filter(|f| *f != path)
        .map(str::to_string)
        .collect();
    files.sort();
    files.dedup();
    files
}

struct Resolver<'r, 'a> {
    index: &'r Index<'a>,
    scope: &'r FileScope<'a>,
    caller: usize,
    /// Every file's imports, to follow re-exports.
    imports: &'r HashMap<String, Vec<Import>>,
    /// Memo of [`Resolver::origin`]: a name looked up through a file (and
    /// its globs and re-exports) once per repository, not once per call.
    origins: &'r OriginCache<'a>,
}

/// Keyed by (file, hash of the name, call kind, hops left): no allocation
/// per lookup, and 64-bit name hashes do not collide within a repository
/// in practice.
type OriginCache<'a> = std::sync::Mutex<FxHashMap<(&'a str, u64, CallKind, u8), Option<usize>>>;

fn name_hash(name: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = rustc_hash::FxBuildHasher.build_hasher();
    h.write(name.as_bytes());
    h.write_usize(name.len());
    h.finish()
}

/// How many re-exports (`pub use`, `export … from`, `__init__.py`
/// imports) a name is followed through.
const REEXPORT_HOPS: u8 = 3;

type Found = Option<(usize, Provenance)>;

fn with(how: Provenance) -> impl Fn(usize) -> (usize, Provenance) {
    move |i| (i, how)
}

impl<'r, 'a> Resolver<'r, 'a> {
    fn sym(&self, i: usize) -> &'a Symbol {
        &self.index.symbols[i]
    }

    fn family(&self) -> Family {
        Family::of(self.sym(self.caller).language)
    }

    fn resolve(&self, call: &'a CallSite) -> Found {
        let qualifier = call.qualifier.as_deref();
        if self.is_self(qualifier) {
            return self.same_scope(&call.name).map(with(Provenance::Scope));
        }
        match (call.kind, qualifier) {
            (_, None) => {
                if self.scope.external.contains(&*call.name) {
                    return None;
                }
                self.same_file(call)
                    .map(with(Provenance::Scope))
                    .or_else(|| self.imported(call).map(with(Provenance::Import)))
                    .or_else(|| self.global_function(call))
            }
            (_, Some(q)) => self.qualified_call(call, q),
        }
    }

    /// C (and shell scripts, whose `source`d functions share one
    /// namespace): a function called by its bare name and not defined in the
    /// caller's file is the repository's one function of that name with
    /// external linkage (not `static`), if there is exactly one — the
    /// linker's rule, though a library outside the repository may define
    /// the name too, so it stays a unique-name guess.
    fn global_function(&self, call: &'a CallSite) -> Found {
        let global = matches!(
            self.family(),
            Family::C | Family::Other(doctown_core::Language::Bash)
        );
        if !global || call.kind != CallKind::Function {
            return None;
        }
        let found = unique(self.candidates(&call.name).filter(|&c| {
            let s = self.sym(c);
            s.kind == SymbolKind::Function && s.visibility == Visibility::Public
        }))?;
        (found != self.caller).then_some((found, Provenance::UniqueName))
    }

    /// `super().f()` (Python), `super.f()` (JS/TS): the method of a base
    /// of the caller's class.
    fn super_call(&self, name: &'a str) -> Option<usize> {
        let parent = self.index.parent_of[self.caller]?;
        let class = self.sym(parent);
        let bases: Vec<&'a str> = class
            .bases
            .iter()
            .map(|b| base_type_name(b.rsplit('.').next().unwrap_or(b)))
            .collect();
        if bases.is_empty() {
            return None;
        }
        method_of_types(self.index, self.family(), bases, name, self.caller)
    }

    /// `x.f()`, `Type::f()`, `module.f()`, `Self::f` passed as a value.
    fn qualified_call(&self, call: &'a CallSite, q: &'a str) -> Found {
        if matches!(self.family(), Family::Python | Family::Ecma)
            && (q == "super()" || q == "super" || q.starts_with("super("))
        {
            return self.super_call(&call.name).map(with(Provenance::Scope));
        }
        let head = q.split(['.', ':']).next().unwrap_or(q);
        if self.scope.external.contains(q) || self.scope.external.contains(head) {
            return None;
        }
        // `std::io::Cursor::new(…)`: the standard library needs no import.
        if self.family() == Family::Rust && matches!(head, "std" | "core" | "alloc") {
            return None;
        }
        if let Some(ty) = call.receiver_type.as_deref() {
            return self.by_receiver_type(call, ty);
        }
        // `self.field.f()` where the field's type is declared in another
        // file than this method (a struct in lib.rs, its impl elsewhere).
        if let Some((head, field)) = q.split_once('.') {
            if call.kind == CallKind::Method && self.is_self(Some(head)) {
                let caller = self.sym(self.caller);
                let parent = self.index.parent_of[self.caller];
                let owner = owner_name(self.index.symbols, parent, caller);
                let ty = owner.and_then(|o| self.index.fields.get(&(self.family(), o, field)));
                if let Some(ty) = ty {
                    return self.by_receiver_type(call, ty);
                }
            }
        }
        // `CELL.get()` with `static CELL: OnceCell<u8>`: the declared type.
        if call.kind == CallKind::Method && self.family() == Family::Rust {
            if let Some(ty) = self.static_type(q) {
                return self.by_receiver_type(call, ty);
            }
        }
        let type_like = q.starts_with(char::is_uppercase)
            && q.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == ':');
        if call.kind != CallKind::Method || type_like || self.scope.modules.contains_key(q) {
            if let Some(found) = self.qualified(call, q) {
                return Some(found);
            }
        }
        if call.kind != CallKind::Method || is_common(&call.name) {
            return None;
        }
        if self.family() == Family::Rust && !self.rust_guessable(&call.name) {
            return None;
        }
        let found = unique(
            self.candidates(&call.name)
                .filter(|&c| self.sym(c).kind == SymbolKind::Method),
        )?;
        // A method calling a same-named method on another value delegates
        // (`fn get(&self) { self.inner.get() }`): not a guess to make.
        if found == self.caller || (self.family() == Family::Rust && !self.rust_reachable(found)) {
            return None;
        }
        Some((found, Provenance::UniqueName))
    }

    /// Rust: a method name that a standard type has (`all`, `map`,
    /// `truncate`), or that an imported external trait is named after
    /// (`use anyhow::Context` → `.context(…)`, `IntoResponse` →
    /// `.into_response()`), is never guessed from the repository's only
    /// method of that name.
    fn rust_guessable(&self, name: &str) -> bool {
        !is_rust_std_method(name) && !self.scope.external_methods.contains(name)
    }

    /// Rust: a guessed method must belong to the caller's own crate, and not
    /// implement a trait from outside the repository (whose method other,
    /// external types have too).
    fn rust_reachable(&self, method: usize) -> bool {
        let krate = |s: &'a Symbol| s.qualified_name.split("::").next();
        if krate(self.sym(method)) != krate(self.sym(self.caller)) {
            return false;
        }
        let Some(parent) = self.index.parent_of[method].map(|p| self.sym(p)) else {
            return true;
        };
        if parent.kind != SymbolKind::Impl || parent.bases.is_empty() {
            return true;
        }
        parent.bases.iter().all(|b| {
            self.candidates(base_type_name(b))
                .any(|t| self.sym(t).kind == SymbolKind::Trait)
        })
    }

    fn candidates(&self, name: &'a str) -> impl Iterator<Item = usize> + 'r {
        self.index.named(self.family(), name)
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
            Family::C | Family::Jvm | Family::Other(_) => {
                matches!(q, "this" | "self" | "Self" | "$this" | "static" | "@")
            }
        }
    }

    /// A method of the caller's own type: its parent's children, other
    /// impls of the same Rust type or same-package Go methods, the trait's
    /// default methods, then base classes.
    fn same_scope(&self, name: &'a str) -> Option<usize> {
        let caller = self.sym(self.caller);
        let Some(parent) = self.index.parent_of[self.caller] else {
            // A Go method in another file than its type has no parent
            // symbol; its receiver type (`target`) still names the owner.
            let owner = caller.target.as_deref().map(base_type_name)?;
            return method_of_types(self.index, self.family(), vec![owner], name, self.caller);
        };
        let own = self.index.children(parent, name);
        if let Some(found) = unique(own) {
            // `impl NodeCount for Graph { fn node_count(&self) {
            // self.node_count() } }`: the type's inherent method comes
            // first, so a trait method calling its own name delegates.
            if found == self.caller {
                if let Some(inherent) = self.inherent_namesake(parent, name) {
                    return Some(inherent);
                }
            }
            return Some(found);
        }
        let owner = owner_name(self.index.symbols, Some(parent), caller)?;
        let mut types: Vec<&'a str> = vec![owner];
        if self.sym(parent).kind == SymbolKind::Impl {
            types.extend(self.sym(parent).bases.iter().map(|b| base_type_name(b)));
        }
        method_of_types(self.index, self.family(), types, name, self.caller)
    }

    /// The declared type of the Rust `static` or `const` named `name` that
    /// the caller sees: one of its own (`static O: OnceCell<()>` in a
    /// test), one of its file, or one it imports.
    fn static_type(&self, name: &'a str) -> Option<&'a str> {
        let caller = self.sym(self.caller);
        let is_static =
            |&s: &usize| matches!(self.sym(s).kind, SymbolKind::Static | SymbolKind::Constant);
        let seen = |&s: &usize| match self.index.parent_of[s] {
            None => true,
            Some(p) => holders(self.index, self.index.symbols, self.caller).contains(&p),
        };
        let here = self
            .index
            .in_file(&caller.path, name)
            .filter(is_static)
            .filter(seen);
        let found = unique(here).or_else(|| {
            unique(
                self.imported_definitions(name)
                    .into_iter()
                    .filter(is_static),
            )
        })?;
        crate::returns::declared_type_name(&self.sym(found).signature)
    }

    /// The traits that bound `name` where it is a type parameter of the
    /// caller or of the impl or trait around it (`g: G` in `fn dfs<G:
    /// IntoNeighbors>`, `Ix::new()` with `Ix: IndexType`, a field
    /// `discovered: VM` in `impl<N, VM> Dfs<N, VM> where VM:
    /// VisitMap<N>`), read from their signatures (Rust).
    fn generic_bounds(&self, name: &str) -> Vec<&'a str> {
        if self.family() != Family::Rust {
            return Vec::new();
        }
        let caller = self.sym(self.caller);
        let mut bounds = crate::returns::signature_bounds(&caller.signature, name);
        let parent = self.index.parent_of[self.caller].map(|p| self.sym(p));
        if let Some(p) = parent.filter(|p| matches!(p.kind, SymbolKind::Impl | SymbolKind::Trait)) {
            for b in crate::returns::signature_bounds(&p.signature, name) {
                if !bounds.contains(&b) {
                    bounds.push(b);
                }
            }
        }
        bounds
    }

    /// A method `name` of the traits that bound type parameter `ty`.
    fn by_bounds(&self, call: &'a CallSite, ty: &str) -> Found {
        let bounds = self.generic_bounds(ty);
        if bounds.is_empty() {
            return None;
        }
        method_of_types(self.index, self.family(), bounds, &call.name, self.caller)
            .map(with(Provenance::ReceiverType))
    }

    /// The inherent method `name` of the type trait impl `parent` is for
    /// (`impl Trait for T` → `impl T`'s), preferring the caller's file.
    fn inherent_namesake(&self, parent: usize, name: &str) -> Option<usize> {
        let impl_ = self.sym(parent);
        if impl_.kind != SymbolKind::Impl || impl_.bases.is_empty() {
            return None;
        }
        let owner = owner_name(self.index.symbols, Some(parent), self.sym(self.caller))?;
        let methods = self.index.methods.get(&(self.family(), owner, name))?;
        let inherent: Vec<usize> = methods
            .iter()
            .copied()
            .filter(|&m| is_inherent(self.index, m))
            .collect();
        let path = &self.sym(self.caller).path;
        unique(
            inherent
                .iter()
                .copied()
                .filter(|&m| &self.sym(m).path == path),
        )
        .or_else(|| unique(inherent.into_iter()))
    }

    /// A call on a receiver whose type the code states: that type's
    /// methods (or its bases'), nothing else.
    fn by_receiver_type(&self, call: &'a CallSite, ty: &'a str) -> Found {
        let caller = self.sym(self.caller);
        let ty = if ty == "Self" {
            owner_name(
                self.index.symbols,
                self.index.parent_of[self.caller],
                caller,
            )?
        } else {
            ty
        };
        if self.scope.external.contains(ty) {
            return None;
        }
        // A type parameter (`g: G`, `sink: S`): its traits' methods, not
        // a blanket impl's (`impl<M: Matcher> Matcher for &M`, whose
        // methods are filed under `M`).
        if let found @ Some(_) = self.by_bounds(call, ty) {
            return found;
        }
        if let Some(found) = self.imported_type_method(ty, &call.name) {
            return Some((found, Provenance::ReceiverType));
        }
        method_of_types(self.index, self.family(), vec![ty], &call.name, self.caller)
            .map(with(Provenance::ReceiverType))
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
        let here: Vec<usize> = self
            .index
            .in_file(&caller.path, &call.name)
            .filter(|&c| is_definition(self.sym(c).kind, call.kind, family))
            .collect();
        // Lexical scope first: a function nested in the caller or in one of
        // its enclosing functions, then the file's top level.
        let mut scope = Some(self.caller);
        while let Some(s) = scope {
            let nested = here
                .iter()
                .copied()
                .filter(|&c| self.index.parent_of[c] == Some(s));
            if let Some(found) = unique(nested) {
                return Some(found);
            }
            scope = self.index.parent_of[s];
        }
        unique(
            here.iter()
                .copied()
                .filter(|&c| self.sym(c).parent.is_none()),
        )
        .or_else(|| unique(here.into_iter()))
    }

    /// Top-level definitions named `name` in `files`; a name with a path
    /// (`sync::Lazy`) is a definition in those inline modules of the files.
    fn defined_in(&self, files: &[&str], name: &str, call: CallKind) -> Option<usize> {
        let family = self.family();
        if let Some((inline, last)) = name.rsplit_once("::") {
            let found = files
                .iter()
                .filter_map(|f| self.inline_module(f, inline))
                .flat_map(|m| self.index.children(m, last))
                .filter(|&c| is_definition(self.sym(c).kind, call, family));
            return unique(found);
        }
        let found = files.iter().flat_map(|f| self.index.in_file(f, name));
        let found = found.filter(|&c| {
            let s = self.sym(c);
            s.parent.is_none() && (is_definition(s.kind, call, family) || name == "default")
        });
        unique(found)
    }

    /// The inline module `path` (`a::b`) of `file`: a top-level `mod a`
    /// of the file and its `mod b`.
    fn inline_module(&self, file: &str, path: &str) -> Option<usize> {
        let is_module = |c: &usize| self.sym(*c).kind == SymbolKind::Module;
        let mut segments = path.split("::");
        let first = segments.next()?;
        let top = self.index.in_file(file, first);
        let mut module = unique(
            top.filter(|&c| self.sym(c).parent.is_none())
                .filter(is_module),
        )?;
        for segment in segments {
            module = unique(self.index.children(module, segment).filter(is_module))?;
        }
        Some(module)
    }

    fn imported(&self, call: &'a CallSite) -> Option<usize> {
        if let Some(bound) = self.scope.names.get(&*call.name) {
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
                    self.origin(file, name, call.kind, REEXPORT_HOPS)
                }
            });
            if let Some(found) = unique(found) {
                return Some(found);
            }
        }
        let globs = self.scope.globs.iter();
        unique(globs.filter_map(|f| self.origin(f, &call.name, call.kind, REEXPORT_HOPS)))
    }

    /// The definition of `name` in `file`, or where `file` re-exports it
    /// from (`pub use a::X`, `export { X } from './a'`, `export * from`,
    /// `from .a import X` in an `__init__.py`), up to `hops` files away.
    fn origin(&self, file: &'a str, name: &str, call: CallKind, hops: u8) -> Option<usize> {
        if let Some(found) = self.defined_in(&[file], name, call) {
            return Some(found);
        }
        let key = (file, name_hash(name), call, hops);
        let cached = self.origins.lock().ok().and_then(|m| m.get(&key).copied());
        if let Some(found) = cached {
            return found;
        }
        let found = self.reexported(file, name, call, hops);
        if let Ok(mut memo) = self.origins.lock() {
            memo.insert(key, found);
        }
        found
    }

    /// The one definition of `name` in `files` or re-exported by them
    /// (`clap::Command` where the `clap` crate's root says `pub use
    /// clap_builder::*`).
    fn origin_in(&self, files: &[&'a str], name: &str, call: CallKind) -> Option<usize> {
        self.defined_in(files, name, call).or_else(|| {
            unique(
                files
                    .iter()
                    .filter_map(|f| self.origin(f, name, call, REEXPORT_HOPS)),
            )
        })
    }

    /// Where `file` re-exports `name` from, if it does (see [`Self::origin`]).
    fn reexported(&self, file: &'a str, name: &str, call: CallKind, hops: u8) -> Option<usize> {
        if hops == 0 {
            return None;
        }
        // Only the imports that can bind `name`: cheap to scope.
        let relevant: Vec<Import> = self
            .imports
            .get(file)?
            .iter()
            .filter(|i| {
                i.alias.as_deref() == Some(name) || i.names.iter().any(|n| n == name || n == "*")
            })
            .cloned()
            .collect();
        if relevant.is_empty() {
            return None;
        }
        let language = self.sym(self.caller).language;
        let layout = self.scope.layout;
        let scope = file_scope(self.index, layout, file, language, &relevant);
        let named = scope.names.get(name).into_iter().flatten();
        let found = named.filter_map(|(f, n)| self.origin(f, n, call, hops - 1));
        unique(found).or_else(|| {
            let globs = scope.globs.iter().filter(|g| **g != file);
            unique(globs.filter_map(|g| self.origin(g, name, call, hops - 1)))
        })
    }

    /// A Rust path as written, its first segment replaced by the module
    /// an import binds it to (`store::X` after `use crate::a::store`).
    fn rust_path(&self, qualifier: &str) -> String {
        let caller = self.sym(self.caller);
        if let Some((first, rest)) = qualifier.split_once("::") {
            if let Some(file) = self.scope.modules.get(first).and_then(|f| f.first()) {
                let file = self.scope.layout.rust_source_path(file);
                return format!("{}::{rest}", crate::module_path(&file, caller.language));
            }
        }
        qualifier.to_string()
    }

    /// The type a Rust path names from `file` (`krate::unsync::Lazy`), in
    /// a module file or an inline module.
    fn rust_type_at(&self, file: &str, path: &str) -> Option<usize> {
        let path = self.rust_path(path);
        let (module, name) = path.rsplit_once("::")?;
        let layout = self.scope.layout;
        let files = rust_module_files(self.index, layout, file, module);
        if !files.is_empty() {
            return self.origin_in(&files, name, CallKind::Constructor);
        }
        let (files, inline) = rust_inline_module(self.index, layout, file, module)?;
        self.defined_in(&files, &format!("{inline}::{name}"), CallKind::Constructor)
    }

    /// The definitions the caller's imports bind `name` to, through
    /// re-exports (`use crate::imp::OnceCell as Imp` → `imp::OnceCell`).
    fn imported_definitions(&self, name: &str) -> Vec<usize> {
        let bound = self.scope.names.get(name).into_iter().flatten();
        bound
            .filter_map(|(f, n)| self.origin(f, n, CallKind::Constructor, REEXPORT_HOPS))
            .collect()
    }

    /// Method `name` of the type an import binds `ty` to, when the import
    /// says which of several same-named types it is (`use krate::sync::
    /// OnceCell` beside `unsync::OnceCell`). The receiver's type is known
    /// by its name only: where the caller
    /// also names a type of that name by a path (`unsync::OnceCell::new()`
    /// beside an imported `OnceCell`), its values may be of either, and
    /// the import does not say.
    fn imported_type_method(&self, ty: &str, name: &str) -> Option<usize> {
        let by_path = format!("::{ty}::");
        if self
            .sym(self.caller)
            .calls
            .iter()
            .any(|c| c.callee.contains(&by_path))
        {
            return None;
        }
        let defs = self.imported_definitions(ty);
        // By each definition's own name: `use imp::OnceCell as Imp`.
        let mut methods: Vec<usize> = Vec::new();
        for &d in &defs {
            let own = self.sym(d).name.as_str();
            let found = self.index.methods.get(&(self.family(), own, name));
            for &m in found.into_iter().flat_map(Ids::iter) {
                if !methods.contains(&m) {
                    methods.push(m);
                }
            }
        }
        self.methods_of(&defs, &methods)
    }

    /// The one of `methods` that `types` (the definitions a name is
    /// bound to) own, by qualified name: of two same-named types in one
    /// file (inline modules `sync` and `unsync`), the one imported.
    fn methods_of(&self, types: &[usize], methods: &[usize]) -> Option<usize> {
        unique(methods.iter().copied().filter(|&m| {
            let method = &self.sym(m).qualified_name;
            types.iter().any(|&t| {
                let owner = &self.sym(t).qualified_name;
                method.len() > owner.len() + 2
                    && method.starts_with(owner.as_str())
                    && method[owner.len()..].starts_with("::")
                    && !method[owner.len() + 2..].contains("::")
            })
        }))
    }

    /// `module.f()`, `pkg.F()`, `crate::a::f()`: a function of the module
    /// the qualifier names, or one it re-exports.
    fn module_function(&self, call: &'a CallSite, qualifier: &'a str) -> Option<usize> {
        if let Some(files) = self.scope.modules.get(qualifier) {
            let found = files
                .iter()
                .filter_map(|f| self.origin(f, &call.name, CallKind::Function, REEXPORT_HOPS));
            if let Some(found) = unique(found) {
                return Some(found);
            }
        }
        if self.family() != Family::Rust {
            return None;
        }
        let module = self.rust_path(qualifier);
        let caller = &self.sym(self.caller).path;
        let files = rust_module_files(self.index, self.scope.layout, caller, &module);
        self.origin_in(&files, &call.name, CallKind::Function)
    }

    /// `module.f()`, `pkg.F()`, `crate::a::f()`, `Type::f()`, `Class.f()`.
    fn qualified(&self, call: &'a CallSite, qualifier: &'a str) -> Found {
        let family = self.family();
        let caller = self.sym(self.caller);
        if let Some(found) = self.module_function(call, qualifier) {
            return Some((found, Provenance::Import));
        }
        let owner = base_type_name(qualifier.rsplit(['.', ':']).next().unwrap_or(qualifier));
        if !owner.starts_with(char::is_uppercase) || self.scope.external.contains(owner) {
            return None;
        }
        let methods = self.index.methods.get(&(family, owner, &*call.name));
        let methods: Vec<usize> = methods.into_iter().flatten().copied().collect();
        let methods = prefer_inherent(self.index, family, methods);
        // `krate::unsync::Lazy::new()`: the methods of the type that path names.
        let path = family == Family::Rust && qualifier.contains("::");
        if path {
            let owner_type = self.rust_type_at(&caller.path, qualifier);
            if let Some(found) = owner_type.and_then(|t| self.methods_of(&[t], &methods)) {
                return Some((found, Provenance::Import));
            }
        }
        let module = enclosing_module(self.index, self.caller);
        let beside = module.and_then(|module| {
            let mine = |m: &usize| enclosing_module(self.index, *m) == Some(module);
            unique(methods.iter().copied().filter(mine))
        });
        let here = beside.or_else(|| {
            unique(
                methods
                    .iter()
                    .copied()
                    .filter(|&m| self.sym(m).path == caller.path),
            )
        });
        if let Some(found) = here {
            return Some((found, Provenance::Scope));
        }
        // The type imported by name (through re-exports): its methods in
        // the file that defines it, or the only ones.
        if self.scope.names.contains_key(owner) && !path {
            let defs = self.imported_definitions(owner);
            let files: Vec<&str> = defs.iter().map(|&d| self.sym(d).path.as_str()).collect();
            let from = self.methods_of(&defs, &methods).or_else(|| {
                unique(
                    methods
                        .iter()
                        .copied()
                        .filter(|&m| files.contains(&self.sym(m).path.as_str())),
                )
            });
            if let Some(found) = from.or_else(|| unique(methods.iter().copied())) {
                return Some((found, Provenance::Import));
            }
        }
        if methods.is_empty() && family == Family::Rust {
            // No method of the type itself: one of the traits bounding a
            // type parameter (`Ix::new()`), or of a trait it derives.
            return self.by_bounds(call, owner).or_else(|| {
                method_of_types(self.index, family, vec![owner], &call.name, self.caller)
                    .map(with(Provenance::ReceiverType))
            });
        }
        let found = unique(methods.into_iter())?;
        (family != Family::Rust || self.rust_reachable(found))
            .then_some((found, Provenance::UniqueName))
    }
}

fn same_dir(a: &str, b: &str) -> bool {
    crate::modpath::go_package_dir(a) == crate::modpath::go_package_dir(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A symbol `sym_<n>` with `calls` call sites to `f`, each linked to
    /// `stale` (what an earlier resolution left).
    fn symbol(n: u32, calls: usize, stale: Option<&str>) -> Symbol {
        let call = serde_json::json!({
            "callee": "f", "name": "f", "kind": "function", "line": 1,
            "resolved": stale, "provenance": stale.map(|_| "import"), "confidence": stale.map(|_| 0.9),
        });
        serde_json::from_value(serde_json::json!({
            "id": format!("sym_{n:016x}"), "name": "f", "kind": "function",
            "qualified_name": "m.f", "language": "python", "path": "m.py",
            "span": {"bytes": {"start": 0, "end": 1}, "start": {"line": 1, "column": 0},
                     "end": {"line": 1, "column": 1}},
            "signature": "def f()", "visibility": "public",
            "calls": vec![call; calls],
        }))
        .unwrap()
    }

    #[test]
    fn links_are_applied_per_caller_in_any_order_and_calls_without_one_are_cleared() {
        let mut symbols = vec![
            symbol(0, 2, Some("sym_stale")),
            symbol(1, 0, None),
            symbol(2, 1, Some("sym_stale")),
            symbol(3, 3, None),
        ];
        // Out of order, as the receiver pass appends its links.
        let links = vec![
            Link::new(3, 2, 0, Provenance::ReceiverType),
            Link::new(0, 1, 3, Provenance::Scope),
            Link::new(3, 0, 1, Provenance::Import),
        ];
        apply_links(&mut symbols, links);
        let linked = |i: usize| -> Vec<Option<(String, Provenance)>> {
            symbols[i]
                .calls
                .iter()
                .map(|c| {
                    assert_eq!(c.resolved.is_some(), c.confidence.is_some());
                    c.resolved
                        .as_ref()
                        .map(|id| (id.to_string(), c.provenance.unwrap()))
                })
                .collect()
        };
        let id = |n: u32| format!("sym_{n:016x}");
        assert_eq!(linked(0), [None, Some((id(3), Provenance::Scope))]);
        assert_eq!(linked(2), [None], "a call left unlinked is cleared");
        assert_eq!(
            linked(3),
            [
                Some((id(1), Provenance::Import)),
                None,
                Some((id(0), Provenance::ReceiverType))
            ]
        );
        apply_links(&mut symbols, Vec::new());
        assert!(symbols
            .iter()
            .flat_map(|s| &s.calls)
            .all(|c| c.resolved.is_none() && c.provenance.is_none() && c.confidence.is_none()));
    }
}
