//! `impact`: what can break when a symbol changes — everything that reaches
//! it through confident calls and references, by depth, the tests that
//! exercise any of it, and the modules and importing files affected.
//!
//! The walk is breadth-first over reversed edges, so each symbol is listed
//! at its shortest distance; it stops at `depth` and at [`MAX_VISITED`]
//! symbols (then `truncated` says so). Test code is reported as tests, not
//! as affected code.

use crate::answer::{Page, SymbolRef};
use crate::pack::{Link, Sym};
use crate::reader::Reader;
use doctown_core::FileRole;
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::VecDeque;

/// Most symbols one walk visits.
pub const MAX_VISITED: usize = 20_000;
/// Deepest walk.
pub const MAX_DEPTH: u32 = 10;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Impact {
    pub target: SymbolRef,
    pub depth: u32,
    /// Affected symbols (tests excluded) at each depth, 1-based.
    pub by_depth: Vec<usize>,
    /// This page of the affected symbols, nearest first, then most central.
    pub affected: Vec<Affected>,
    pub page: Page,
    /// Tests that reach the target (directly or through affected code).
    pub tests: Vec<SymbolRef>,
    pub tests_total: usize,
    /// Modules with affected symbols: `(module, count)`, most first.
    pub modules: Vec<(String, usize)>,
    /// Files that import the target's file.
    pub importing_files: Vec<String>,
    pub importing_files_total: usize,
    /// The walk stopped at [`MAX_VISITED`] symbols.
    pub truncated: bool,
    /// What this answer could not say.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Affected {
    #[serde(flatten)]
    pub symbol: SymbolRef,
    pub depth: u32,
    /// How it reaches the next symbol towards the target: `calls` or `references`.
    pub via: &'static str,
}

/// What reaches `targets` in `p`, up to `depth` steps: `(symbol, depth, link)`
/// in breadth-first order, and whether the walk was cut short.
pub fn reach<R: Reader + ?Sized>(
    p: &R,
    targets: &[Sym],
    depth: u32,
) -> (Vec<(Sym, u32, Link)>, bool) {
    let mut seen: FxHashMap<Sym, ()> = targets.iter().map(|&t| (t, ())).collect();
    let mut queue: VecDeque<(Sym, u32)> = targets.iter().map(|&t| (t, 0)).collect();
    let mut out = Vec::new();
    while let Some((s, d)) = queue.pop_front() {
        if d >= depth {
            continue;
        }
        for (caller, link) in p.callers(s) {
            if seen.insert(caller, ()).is_some() {
                continue;
            }
            if seen.len() > MAX_VISITED {
                return (out, true);
            }
            out.push((caller, d + 1, link));
            queue.push_back((caller, d + 1));
        }
    }
    (out, false)
}

/// Order of reached symbols: nearest first, then most central, then index.
pub(crate) fn nearest_then_central<R: Reader + ?Sized>(
    p: &R,
    a: (Sym, u32),
    b: (Sym, u32),
) -> std::cmp::Ordering {
    a.1.cmp(&b.1)
        .then(p.centrality(b.0).total_cmp(&p.centrality(a.0)))
        .then(a.0.cmp(&b.0))
}

/// Module counts, most symbols first (then by name), at most 20.
pub(crate) fn most_first(counts: FxHashMap<&str, usize>) -> Vec<(String, usize)> {
    let mut list: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(m, n)| (m.to_string(), n))
        .collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    list.truncate(20);
    list
}

/// The impact of changing symbol `target`.
pub fn impact<R: Reader + ?Sized>(
    p: &R,
    target: Sym,
    depth: u32,
    offset: usize,
    limit: usize,
) -> Impact {
    let depth = depth.clamp(1, MAX_DEPTH);
    let (reached, truncated) = reach(p, &[target], depth);
    let is_test = |i: Sym| p.role(i) == Some(FileRole::Test);
    let mut affected: Vec<(Sym, u32, Link)> = Vec::new();
    let mut tests: Vec<Sym> = p.tests_of(target).to_vec();
    for &(s, d, link) in &reached {
        if is_test(s) {
            tests.push(s);
        } else {
            affected.push((s, d, link));
            tests.extend(p.tests_of(s));
        }
    }
    // Helpers of the tests lead to tests (the walk goes on through them),
    // but are not tests to run.
    tests.retain(|&t| p.is_test_case(t));
    tests.sort_unstable();
    tests.dedup();
    let mut by_depth = vec![0usize; depth as usize];
    let mut modules: FxHashMap<&str, usize> = FxHashMap::default();
    for &(s, d, _) in &affected {
        by_depth[d as usize - 1] += 1;
        if let Some(m) = p.module_name(s) {
            *modules.entry(m).or_default() += 1;
        }
    }
    while by_depth.last() == Some(&0) && by_depth.len() > 1 {
        by_depth.pop();
    }
    affected.sort_by(|a, b| nearest_then_central(p, (a.0, a.1), (b.0, b.1)));
    let page = Page::new(offset, limit, affected.len());
    let modules = most_first(modules);
    tests.sort_by(|a, b| p.centrality(*b).total_cmp(&p.centrality(*a)));
    let importers = p.importers(target);
    let mut notes = Vec::new();
    if importers.is_none() {
        notes.push("the files importing its file are not listed: this docpack is read in place, without its import graph".to_string());
    }
    let importing = importers.unwrap_or_default();
    Impact {
        target: SymbolRef::new(p, target),
        depth,
        by_depth,
        affected: affected[page.range()]
            .iter()
            .map(|&(s, d, link)| Affected {
                symbol: SymbolRef::new(p, s),
                depth: d,
                via: link.name(),
            })
            .collect(),
        page,
        tests_total: tests.len(),
        tests: tests
            .iter()
            .take(20)
            .map(|&t| SymbolRef::new(p, t))
            .collect(),
        modules,
        importing_files_total: importing.len(),
        importing_files: importing.into_iter().take(20).collect(),
        truncated,
        notes,
    }
}
