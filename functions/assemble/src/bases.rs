//! Implements/inherits edges: `Symbol.bases` (as written) resolved by name
//! to repository types. An `impl Trait for Type` block links its target
//! type (or, when the type is not in the repository, the impl itself) to
//! the trait. A base resolves to a type of the same language family with
//! that name and of a kind that can be a base there (a Rust trait, not an
//! associated type of the same name), preferring the same file, then the
//! one the file's imports name (`use crate::ast::Visitor`, `from .core
//! import Option`: the candidate whose qualified name holds the imported
//! module's path), then the same directory; a name that stays ambiguous is
//! left unresolved.

use crate::artifacts::EdgeKind;
use crate::imports::module_of;
use doctown_core::{FileRecord, Import, Language, Symbol, SymbolKind};
use rustc_hash::FxHashMap as HashMap;

/// The bare type name of a base as written: `a::b::Trait<T>` → `Trait`,
/// `*pkg.Type` → `Type`, `Generic[T]` → `Generic`.
pub fn base_name(written: &str) -> &str {
    let s = written.trim();
    let s = s
        .strip_prefix("dyn ")
        .or_else(|| s.strip_prefix("impl "))
        .unwrap_or(s);
    let s = s.trim_start_matches(['*', '&']);
    let s = s.split(['<', '[', '(']).next().unwrap_or(s).trim();
    s.rsplit("::")
        .next()
        .unwrap_or(s)
        .rsplit('.')
        .next()
        .unwrap_or(s)
}

fn family(language: Language) -> u8 {
    match language {
        Language::Rust => 0,
        Language::Python => 1,
        Language::TypeScript | Language::Tsx | Language::JavaScript => 2,
        Language::Go => 3,
        Language::C | Language::Cpp | Language::ObjC => 4,
        Language::Java | Language::Kotlin | Language::Scala => 5,
        other => 6 + other as u8,
    }
}

fn is_type(kind: SymbolKind) -> bool {
    matches!(
        kind,
        SymbolKind::Trait
            | SymbolKind::Interface
            | SymbolKind::Class
            | SymbolKind::Struct
            | SymbolKind::Enum
            | SymbolKind::TypeAlias
    )
}

/// Whether a type of this kind can be named as a base (a supertype, an
/// implemented trait or interface, an embedded type) in its language.
fn can_be_base(language: Language, kind: SymbolKind) -> bool {
    match language {
        Language::Rust => kind == SymbolKind::Trait,
        Language::Python => kind == SymbolKind::Class,
        Language::TypeScript | Language::Tsx | Language::JavaScript => matches!(
            kind,
            SymbolKind::Class | SymbolKind::Interface | SymbolKind::TypeAlias
        ),
        Language::Go => true,
        // The query engine's languages name types as bases only where
        // their grammar says so (`@base`): any type kind may be one.
        _ => true,
    }
}

/// Types by (family, name), and each file's imports.
pub struct TypeIndex<'a> {
    symbols: &'a [Symbol],
    by_name: HashMap<(u8, &'a str), Vec<usize>>,
    imports: HashMap<&'a str, &'a [Import]>,
}

/// The name segments of a path: `crate::ast` → `ast`, `./internal/Observable`
/// → `internal`, `Observable`; `pkg.mod.Type` → `pkg`, `mod`, `Type`.
fn segments(path: &str) -> Vec<&str> {
    path.split(['/', '.', ':'])
        .filter(|s| !s.is_empty() && !matches!(*s, "crate" | "self" | "super"))
        .collect()
}

/// Whether `needle` is a contiguous run of `hay`.
fn holds(hay: &[&str], needle: &[&str]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

impl<'a> TypeIndex<'a> {
    /// The index of `symbols`' types; `files` give each file's imports.
    pub fn new(symbols: &'a [Symbol], files: &'a [FileRecord]) -> Self {
        let mut by_name: HashMap<(u8, &str), Vec<usize>> = HashMap::default();
        for (i, s) in symbols.iter().enumerate().filter(|(_, s)| is_type(s.kind)) {
            by_name
                .entry((family(s.language), s.name.as_str()))
                .or_default()
                .push(i);
        }
        let imports = files
            .iter()
            .map(|f| (f.path.as_str(), f.imports.as_slice()))
            .collect();
        TypeIndex {
            symbols,
            by_name,
            imports,
        }
    }

    /// The type a name written in `from` refers to, if it is unambiguous.
    pub fn resolve(&self, from: &Symbol, written: &str) -> Option<usize> {
        let candidates = self
            .by_name
            .get(&(family(from.language), base_name(written)))?;
        self.pick(from, written, candidates)
    }

    /// The type a base written in `from` refers to (`class A(B)`, `impl B
    /// for A`, `trait A: B`, an embedded `B`): a type of a kind that can be
    /// a base, if it is unambiguous.
    pub fn resolve_base(&self, from: &Symbol, written: &str) -> Option<usize> {
        let candidates: Vec<usize> = self
            .by_name
            .get(&(family(from.language), base_name(written)))?
            .iter()
            .copied()
            .filter(|&i| can_be_base(from.language, self.symbols[i].kind))
            .collect();
        self.pick(from, written, &candidates)
    }

    /// The module paths (as segments) that `from`'s file imports `written`
    /// from: `use a::b::{X}` for `X`, `use a::b` for `b::X`.
    fn imported_from(&self, from: &Symbol, written: &str) -> Vec<Vec<&'a str>> {
        let name = base_name(written);
        let head = written.split(['<', '[', '(']).next().unwrap_or(written);
        let qualifier = segments(head).first().copied().filter(|q| *q != name);
        let mut out = Vec::new();
        for i in self.imports.get(from.path.as_str()).copied().unwrap_or(&[]) {
            let module = segments(&i.module);
            if i.names.iter().any(|n| n == name) {
                out.push(module);
            } else if let Some(q) = qualifier {
                let bound = i.alias.as_deref().or(module.last().copied());
                if i.names.is_empty() && bound == Some(q) {
                    out.push(module);
                }
            }
        }
        out
    }

    fn pick(&self, from: &Symbol, written: &str, candidates: &[usize]) -> Option<usize> {
        if let [only] = candidates {
            return Some(*only);
        }
        let pick = |pred: &dyn Fn(&Symbol) -> bool| -> Option<usize> {
            let hits: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|i| pred(&self.symbols[*i]))
                .collect();
            (hits.len() == 1).then(|| hits[0])
        };
        pick(&|s| s.path == from.path)
            .or_else(|| {
                let modules = self.imported_from(from, written);
                if modules.is_empty() {
                    return None;
                }
                pick(&|s| {
                    let q = segments(&s.qualified_name);
                    let q = &q[..q.len().saturating_sub(1)];
                    modules.iter().any(|m| holds(q, m))
                })
            })
            .or_else(|| pick(&|s| module_of(&s.path) == module_of(&from.path)))
    }
}

/// `(subtype, supertype, kind)` for every resolvable base, sorted, distinct.
pub fn supertype_edges(symbols: &[Symbol], files: &[FileRecord]) -> Vec<(usize, usize, EdgeKind)> {
    supertype_edges_in(&TypeIndex::new(symbols, files), symbols)
}

/// [`supertype_edges`] with the repository's type index already built.
pub fn supertype_edges_in(
    index: &TypeIndex<'_>,
    symbols: &[Symbol],
) -> Vec<(usize, usize, EdgeKind)> {
    let mut edges = Vec::new();
    for (i, s) in symbols
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.bases.is_empty())
    {
        let from = match (&s.kind, &s.target) {
            (SymbolKind::Impl, Some(target)) => index.resolve(s, target).unwrap_or(i),
            _ => i,
        };
        for base in &s.bases {
            let Some(to) = index.resolve_base(s, base) else {
                continue;
            };
            if to == from {
                continue;
            }
            let kind = match symbols[to].kind {
                SymbolKind::Trait | SymbolKind::Interface => EdgeKind::Implements,
                _ => EdgeKind::Inherits,
            };
            edges.push((from, to, kind));
        }
    }
    edges.sort();
    edges.dedup();
    edges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_names() {
        assert_eq!(base_name("std::fmt::Display"), "Display");
        assert_eq!(base_name("Iterator<Item = u8>"), "Iterator");
        assert_eq!(base_name("*pkg.Reader"), "Reader");
        assert_eq!(base_name("Generic[T]"), "Generic");
        assert_eq!(base_name("dyn Store"), "Store");
        assert_eq!(base_name("models.Model"), "Model");
    }
}
