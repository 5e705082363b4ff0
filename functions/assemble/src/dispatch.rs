//! Dispatch edges: a call to a method of a trait, an interface or a class
//! may run an implementation or override of it instead. For each `calls`
//! edge to such a method, the caller also gets a `calls` edge to every
//! repository method that implements or overrides it, with provenance
//! `dispatch` and a confidence below the threshold: the edge says "may
//! call", so centrality and summaries do not count it, while impact
//! analysis and "who reaches this" can.
//!
//! This is class hierarchy analysis, the usual static over-approximation:
//!
//! - Rust: the methods of `impl Trait for Type` blocks implement `Trait`'s
//!   methods;
//! - Python, TypeScript, JavaScript: a class's methods override same-named
//!   methods of its bases, transitively; a TS class's methods implement its
//!   interfaces'. Constructors (`__init__`, `__new__`, `constructor`) are
//!   not overrides: a call of one (`super().__init__()`) runs that one;
//! - Go: methods of any named type (`type F func()`, `type m map[…]`, not
//!   only structs) count;
//! - Go, structurally: a type whose methods include every method name of an
//!   interface implements that interface.
//!
//! Names and bases resolve through [`TypeIndex`] (same file, then imported
//! files, then same directory, else only when unique); a method with more than
//! [`MAX_TARGETS`] implementations gets no dispatch edges, since a
//! reader learns nothing from a hundred "may call"s.

use crate::bases::TypeIndex;
use doctown_core::{FileRecord, Language, Symbol, SymbolKind};
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeSet;

/// Implementations beyond which a method gets no dispatch edges.
pub const MAX_TARGETS: usize = 64;

/// How far base chains are followed.
const MAX_DEPTH: usize = 8;

/// For each method that other methods implement or override: those
/// methods, sorted.
pub struct Overrides {
    targets: HashMap<usize, Vec<usize>>,
}

impl Overrides {
    /// Builds the table from the symbols (sorted by id), each symbol's
    /// parent index, and the files (for what each imports).
    pub fn new(symbols: &[Symbol], parent_of: &[Option<usize>], files: &[FileRecord]) -> Overrides {
        Overrides::with_types(symbols, parent_of, &TypeIndex::new(symbols, files))
    }

    /// [`Overrides::new`] with the repository's type index already built.
    pub fn with_types(
        symbols: &[Symbol],
        parent_of: &[Option<usize>],
        types: &TypeIndex<'_>,
    ) -> Overrides {
        let owner = owners(symbols, parent_of, types);
        // (owner type, method name) → the method, for every method.
        let mut declared: HashMap<(usize, &str), usize> = HashMap::default();
        for (m, o) in owner.iter().enumerate() {
            if let Some(o) = *o {
                declared.entry((o, symbols[m].name.as_str())).or_insert(m);
            }
        }
        let mut targets: HashMap<usize, BTreeSet<usize>> = HashMap::default();
        let mut supers_of: HashMap<usize, Vec<usize>> = HashMap::default();
        for (m, o) in owner.iter().enumerate() {
            let Some(o) = *o else { continue };
            if is_constructor(&symbols[m]) {
                continue;
            }
            let name = symbols[m].name.as_str();
            let supers = supers_of
                .entry(o)
                .or_insert_with(|| ancestors(symbols, types, o));
            for &s in supers.iter() {
                if let Some(&base) = declared.get(&(s, name)) {
                    if base != m {
                        targets.entry(base).or_default().insert(m);
                    }
                }
            }
        }
        for (base, implementations) in go_structural(symbols, &owner, &declared) {
            targets.entry(base).or_default().extend(implementations);
        }
        let targets = targets
            .into_iter()
            .filter(|(_, t)| t.len() <= MAX_TARGETS)
            .map(|(base, t)| (base, t.into_iter().collect()))
            .collect();
        Overrides { targets }
    }

    /// The methods that implement or override `method`, sorted; empty when
    /// there are none (or too many).
    pub fn of(&self, method: usize) -> &[usize] {
        self.targets.get(&method).map_or(&[], Vec::as_slice)
    }

    /// Every `(method, implementation or override)` pair, sorted.
    pub fn pairs(&self) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = self
            .targets
            .iter()
            .flat_map(|(&base, t)| t.iter().map(move |&m| (base, m)))
            .collect();
        out.sort_unstable();
        out
    }

    /// How many methods have implementations or overrides.
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }
}

/// The type (or impl block) each method belongs to: its parent when that
/// is a type or an impl; for a Go method declared in another file than
/// its type, the receiver type resolved by name.
fn owners(
    symbols: &[Symbol],
    parent_of: &[Option<usize>],
    types: &TypeIndex,
) -> Vec<Option<usize>> {
    symbols
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if s.kind != SymbolKind::Method {
                return None;
            }
            match parent_of[i] {
                Some(p) if is_owner(symbols[p].kind) => Some(p),
                Some(_) => None,
                None => s.target.as_deref().and_then(|t| types.resolve(s, t)),
            }
        })
        .collect()
}

fn is_owner(kind: SymbolKind) -> bool {
    matches!(
        kind,
        SymbolKind::Impl
            | SymbolKind::Trait
            | SymbolKind::Interface
            | SymbolKind::Class
            | SymbolKind::Struct
            | SymbolKind::TypeAlias
    )
}

/// A constructor: calling one runs that one, never a subclass's.
fn is_constructor(s: &Symbol) -> bool {
    match s.language {
        Language::Python => s.name == "__init__" || s.name == "__new__",
        Language::TypeScript | Language::Tsx | Language::JavaScript => s.name == "constructor",
        Language::Rust | Language::Go => false,
        // Java, C++, C#: named after the class; Swift `init`, PHP
        // `__construct`, Ruby `initialize`.
        _ => {
            s.kind == SymbolKind::Method
                && (matches!(s.name.as_str(), "init" | "__construct" | "initialize")
                    || s.qualified_name
                        .strip_suffix(s.name.as_str())
                        .map(|q| q.trim_end_matches(['.', ':', '\\']))
                        .and_then(|q| q.rsplit(['.', ':', '\\']).next())
                        .is_some_and(|owner| owner == s.name))
        }
    }
}

/// Every type `owner` derives from through its bases (an impl block's are
/// the traits it implements), nearest first, without `owner` itself.
fn ancestors(symbols: &[Symbol], types: &TypeIndex, owner: usize) -> Vec<usize> {
    let mut found: Vec<usize> = Vec::new();
    let mut frontier = vec![owner];
    for _ in 0..MAX_DEPTH {
        let mut next = Vec::new();
        for t in frontier {
            let s = &symbols[t];
            for base in &s.bases {
                let Some(b) = types.resolve_base(s, base) else {
                    continue;
                };
                if b != owner && !found.contains(&b) {
                    found.push(b);
                    next.push(b);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    found
}

/// Go interfaces to the methods of the types that satisfy them: every
/// method name of the interface is a method of the type.
fn go_structural(
    symbols: &[Symbol],
    owner: &[Option<usize>],
    declared: &HashMap<(usize, &str), usize>,
) -> Vec<(usize, Vec<usize>)> {
    let is_go = |i: usize| symbols[i].language == Language::Go;
    // Interface → its method names; concrete type → its method names.
    let mut interface_methods: HashMap<usize, Vec<(&str, usize)>> = HashMap::default();
    let mut types_with: HashMap<&str, Vec<usize>> = HashMap::default();
    for (m, o) in owner.iter().enumerate() {
        let Some(o) = *o else { continue };
        if !is_go(m) {
            continue;
        }
        let name = symbols[m].name.as_str();
        if symbols[o].kind == SymbolKind::Interface {
            interface_methods.entry(o).or_default().push((name, m));
        } else {
            types_with.entry(name).or_default().push(o);
        }
    }
    let mut out = Vec::new();
    let mut interfaces: Vec<_> = interface_methods.into_iter().collect();
    interfaces.sort();
    for (_, methods) in interfaces {
        // Start from the rarest name: few candidate types to check.
        let Some(rarest) = methods
            .iter()
            .map(|(n, _)| types_with.get(n).map_or(&[][..], Vec::as_slice))
            .min_by_key(|t| t.len())
        else {
            continue;
        };
        let satisfying: BTreeSet<usize> = rarest
            .iter()
            .copied()
            .filter(|&t| methods.iter().all(|(n, _)| declared.contains_key(&(t, *n))))
            .collect();
        for &(name, m) in &methods {
            let implementations: Vec<usize> = satisfying
                .iter()
                .filter_map(|&t| declared.get(&(t, name)).copied())
                .collect();
            if !implementations.is_empty() {
                out.push((m, implementations));
            }
        }
    }
    out
}
