//! Implements/inherits edges: `Symbol.bases` (as written) resolved by name
//! to repository types. An `impl Trait for Type` block links its target
//! type (or, when the type is not in the repository, the impl itself) to
//! the trait. A base resolves to a type of the same language family with
//! that name, preferring the same file, then the same directory; a name
//! that stays ambiguous is left unresolved.

use crate::artifacts::EdgeKind;
use crate::imports::module_of;
use doctown_core::{Language, Symbol, SymbolKind};
use std::collections::HashMap;

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

/// Types by (family, name).
pub struct TypeIndex<'a> {
    symbols: &'a [Symbol],
    by_name: HashMap<(u8, &'a str), Vec<usize>>,
}

impl<'a> TypeIndex<'a> {
    pub fn new(symbols: &'a [Symbol]) -> Self {
        let mut by_name: HashMap<(u8, &str), Vec<usize>> = HashMap::new();
        for (i, s) in symbols.iter().enumerate().filter(|(_, s)| is_type(s.kind)) {
            by_name
                .entry((family(s.language), s.name.as_str()))
                .or_default()
                .push(i);
        }
        TypeIndex { symbols, by_name }
    }

    /// The type a name written in `from` refers to, if it is unambiguous.
    pub fn resolve(&self, from: &Symbol, written: &str) -> Option<usize> {
        let candidates = self
            .by_name
            .get(&(family(from.language), base_name(written)))?;
        if let [only] = candidates.as_slice() {
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
            .or_else(|| pick(&|s| module_of(&s.path) == module_of(&from.path)))
    }
}

/// `(subtype, supertype, kind)` for every resolvable base, sorted, distinct.
pub fn supertype_edges(symbols: &[Symbol]) -> Vec<(usize, usize, EdgeKind)> {
    let index = TypeIndex::new(symbols);
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
            let Some(to) = index.resolve(s, base) else {
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
