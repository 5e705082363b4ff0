//! `changes OLD NEW`: the symbols whose code changed between two docpacks of
//! a repository, and their blast radius in the new one.
//!
//! A docpack stores ranges and content-addressed chunk ids, not text, so a
//! symbol (matched by id) counts as *changed* when its file's SHA-256
//! differs and its code's length, its signature or — when it did not move —
//! the content hashes of its chunks differ. A symbol that only moved
//! (lines inserted above it) is not changed; one that moved *and* was
//! edited to the same length is missed, the one case this cannot see.
//! A container (a class, an impl, a module; not a function, whose nested
//! functions are its own code) whose members changed is listed only when
//! what it says of itself changed too — its signature, doc comment, bases
//! or attributes, or, in Python, the length of its code outside its
//! members: a member edited, added or removed is listed itself, and the
//! container's range grew or shrank with it. In other languages a
//! container's other code (a module's imports) is not seen when a member
//! changed with it; measured on click's commits against ctags and the
//! tags' own lines (`scripts/changes_eval.py`).
//! Removed symbols' impact is taken from the old docpack's callers that
//! still exist.

use crate::answer::{Page, SymbolRef};
use crate::impact::{most_first, nearest_then_central, reach};
use crate::pack::{Link, Pack, Sym};
use crate::reader::Reader;
use doctown_core::{FileRole, Language};
use doctown_docpack::SymbolNode;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changes {
    pub old: String,
    pub new: String,
    pub changed: Vec<SymbolRef>,
    pub changed_total: usize,
    pub added: Vec<SymbolRef>,
    pub added_total: usize,
    pub removed: Vec<SymbolRef>,
    pub removed_total: usize,
    /// Symbols that reach a changed or removed symbol, nearest first.
    pub impacted: Vec<SymbolRef>,
    pub impacted_page: Page,
    /// Tests to run: tests that reach any changed symbol.
    pub tests: Vec<SymbolRef>,
    pub tests_total: usize,
    /// Modules with changed or impacted symbols: `(module, count)`.
    pub modules: Vec<(String, usize)>,
    pub truncated: bool,
}

/// What changed from `old` to `new`; the impact walk goes `depth` steps.
pub fn changes(old: &Pack, new: &Pack, depth: u32, offset: usize, limit: usize) -> Changes {
    let edited = edited_files(old, new);
    let (changed, added) = changed_and_added(old, new, &edited);
    let removed: Vec<Sym> = (0..old.len() as Sym)
        .filter(|&j| new.index_of(&old.symbol(j).id).is_none())
        .collect();
    let changed = members_aside(old, new, changed, &added, &removed);
    let seeds = seeds(old, new, &changed, &removed);
    let (reached, truncated) = reach(new, &seeds, depth.max(1));
    let (impacted, tests) = impacted_and_tests(new, &seeds, &reached);
    let modules = modules(new, &changed, &impacted);
    let tests = by_qualified_name(new, tests);
    let page = Page::new(offset, limit, impacted.len());
    let refs = |p: &Pack, list: &[Sym]| -> Vec<SymbolRef> {
        list.iter()
            .take(limit)
            .map(|&i| SymbolRef::new(p, i))
            .collect()
    };
    Changes {
        old: old.key.clone(),
        new: new.key.clone(),
        changed_total: changed.len(),
        changed: refs(new, &changed),
        added_total: added.len(),
        added: refs(new, &added),
        removed_total: removed.len(),
        removed: refs(old, &removed),
        impacted: impacted[page.range()]
            .iter()
            .map(|&(s, _)| SymbolRef::new(new, s))
            .collect(),
        impacted_page: page,
        tests_total: tests.len(),
        tests: refs(new, &tests),
        modules,
        truncated,
    }
}

/// The paths of the new docpack's files whose bytes differ from the old
/// one's: only they can hold changed symbols.
fn edited_files<'n>(old: &Pack, new: &'n Pack) -> FxHashSet<&'n str> {
    let old_sha: FxHashMap<&str, &str> = old
        .docpack
        .source_map
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.sha256.as_str()))
        .collect();
    new.docpack
        .source_map
        .files
        .iter()
        .filter(|f| old_sha.get(f.path.as_str()) != Some(&f.sha256.as_str()))
        .map(|f| f.path.as_str())
        .collect()
}

/// Each symbol's chunk ids, in the given files of a docpack.
fn chunk_ids<'a>(p: &'a Pack, files: &FxHashSet<&str>) -> FxHashMap<&'a str, Vec<&'a str>> {
    let mut m: FxHashMap<&str, Vec<&str>> = FxHashMap::default();
    let edited = p.docpack.source_map.files.iter();
    for c in edited
        .filter(|f| files.contains(f.path.as_str()))
        .flat_map(|f| &f.chunks)
    {
        for s in &c.symbol_ids {
            m.entry(s.as_str()).or_default().push(c.id.as_str());
        }
    }
    m
}

/// The new docpack's symbols whose code changed (see the module doc), and
/// those the old one did not have.
fn changed_and_added(old: &Pack, new: &Pack, edited: &FxHashSet<&str>) -> (Vec<Sym>, Vec<Sym>) {
    let (old_chunks, new_chunks) = (chunk_ids(old, edited), chunk_ids(new, edited));
    let mut changed: Vec<Sym> = Vec::new();
    let mut added: Vec<Sym> = Vec::new();
    for (i, s) in new.docpack.nodes.symbols.iter().enumerate() {
        let Some(o) = old.index_of(&s.id).map(|j| old.symbol(j)) else {
            added.push(i as Sym);
            continue;
        };
        if !edited.contains(s.path.as_str()) {
            continue;
        }
        let same_place = o.range.start_byte == s.range.start_byte;
        let chunks_differ = old_chunks.get(o.id.as_str()) != new_chunks.get(s.id.as_str());
        if code_len(o) != code_len(s) || o.signature != s.signature || (same_place && chunks_differ)
        {
            changed.push(i as Sym);
        }
    }
    (changed, added)
}

/// The changed symbols less the containers whose change is only their
/// members' (see the module doc).
fn members_aside(
    old: &Pack,
    new: &Pack,
    changed: Vec<Sym>,
    added: &[Sym],
    removed: &[Sym],
) -> Vec<Sym> {
    let touched: FxHashSet<Sym> = changed.iter().chain(added).copied().collect();
    let lost_a_member: FxHashSet<Sym> = removed
        .iter()
        .filter_map(|&j| old.symbol(j).parent.as_deref())
        .filter_map(|parent| new.index_of(parent))
        .collect();
    changed
        .into_iter()
        .filter(|&i| {
            let members_changed = lost_a_member.contains(&i)
                || new.children[i as usize].iter().any(|m| touched.contains(m));
            let s = new.symbol(i);
            // A function's nested functions are its own code.
            match old.index_of(&s.id) {
                Some(j) if members_changed && !s.kind.is_callable() => {
                    own_facts(old.symbol(j)) != own_facts(s)
                        || (s.language == Language::Python && own_len(old, j) != own_len(new, i))
                }
                _ => true,
            }
        })
        .collect()
}

/// What a container says of itself, apart from its members.
fn own_facts(s: &SymbolNode) -> (&str, Option<&str>, &[String], &[String]) {
    (
        &s.signature,
        s.doc_comment.as_deref(),
        &s.bases,
        &s.attributes,
    )
}

/// The bytes of symbol `i`'s range outside its direct members': a
/// container's own code, where its members' documentation lies inside
/// their ranges (Python's docstrings). Elsewhere doc comments and
/// attributes precede a member, outside its range, and would count as the
/// container's.
fn own_len(p: &Pack, i: Sym) -> u64 {
    let members: u64 = p.children[i as usize]
        .iter()
        .map(|&m| code_len(p.symbol(m)))
        .sum();
    code_len(p.symbol(i)).saturating_sub(members)
}

/// The bytes of a symbol's code.
fn code_len(s: &SymbolNode) -> u64 {
    s.range.end_byte.saturating_sub(s.range.start_byte)
}

/// Where the impact walk starts: the changed symbols, and the callers of
/// removed symbols, as the old docpack saw them, that remain.
fn seeds(old: &Pack, new: &Pack, changed: &[Sym], removed: &[Sym]) -> Vec<Sym> {
    let mut seeds: Vec<Sym> = changed.to_vec();
    for &j in removed {
        for (caller, _) in old.callers(j) {
            if let Some(k) = new.index_of(&old.symbol(caller).id) {
                seeds.push(k);
            }
        }
    }
    seeds.sort_unstable();
    seeds.dedup();
    seeds
}

/// The symbols reached that are not tests, nearest first, and the tests
/// that reach a seed or an impacted symbol.
fn impacted_and_tests(
    new: &Pack,
    seeds: &[Sym],
    reached: &[(Sym, u32, Link)],
) -> (Vec<(Sym, u32)>, FxHashSet<Sym>) {
    let is_test = |i: Sym| new.symbol(i).role == Some(FileRole::Test);
    let mut tests: FxHashSet<Sym> = FxHashSet::default();
    let mut impacted: Vec<(Sym, u32)> = Vec::new();
    for &s in seeds {
        tests.extend(new.tests_of(s));
    }
    for &(s, d, _) in reached {
        if is_test(s) {
            tests.insert(s);
        } else {
            impacted.push((s, d));
            tests.extend(new.tests_of(s));
        }
    }
    impacted.sort_by(|a, b| nearest_then_central(new, *a, *b));
    // Helpers of the tests lead to tests, but are not tests to run.
    tests.retain(|&t| new.is_test_case(t));
    (impacted, tests)
}

/// The modules of the changed and impacted symbols, with their counts, most
/// first.
fn modules(new: &Pack, changed: &[Sym], impacted: &[(Sym, u32)]) -> Vec<(String, usize)> {
    let mut modules: FxHashMap<&str, usize> = FxHashMap::default();
    for &s in changed.iter().chain(impacted.iter().map(|(s, _)| s)) {
        if let Some(m) = new.module_name(s) {
            *modules.entry(m).or_default() += 1;
        }
    }
    most_first(modules)
}

/// The tests, by qualified name.
fn by_qualified_name(new: &Pack, tests: FxHashSet<Sym>) -> Vec<Sym> {
    let mut tests: Vec<Sym> = tests.into_iter().collect();
    tests.sort_by(|a, b| {
        new.symbol(*a)
            .qualified_name
            .cmp(&new.symbol(*b).qualified_name)
    });
    tests
}
