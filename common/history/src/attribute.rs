//! Which symbols a file change touched: the diff's hunks laid over the
//! symbols of the two versions of the file. Pure.
//!
//! The diff has no context lines, so a hunk's new-side lines are exactly
//! the lines it added and its old-side lines exactly the lines it removed.
//! Added lines count for the symbols of the new version whose range holds
//! them, removed lines for the symbols of the old version whose range held
//! them (so a pure deletion counts where the lines were). Nested symbols
//! each count the lines inside them: a method's change is also its
//! class's.

use crate::record::{Hunk, SymbolSpan, SymbolTouch};
use std::collections::{BTreeMap, BTreeSet};

/// What one file change did to its symbols.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attribution {
    /// Touched symbols, by name.
    pub touched: Vec<SymbolTouch>,
    /// Names in the new version and not in the old one, sorted.
    pub added: Vec<String>,
    /// Names in the old version and not in the new one, sorted.
    pub removed: Vec<String>,
}

/// Lines of `[start, start + len)` inside the inclusive `[lo, hi]`.
fn overlap(start: u32, len: u32, lo: u32, hi: u32) -> u32 {
    if len == 0 || hi < lo {
        return 0;
    }
    let end = start.saturating_add(len - 1);
    let from = start.max(lo);
    let to = end.min(hi);
    if to < from {
        0
    } else {
        to - from + 1
    }
}

/// Lays `hunks` over the symbols of the old and new versions of a file.
pub fn attribute(hunks: &[Hunk], old: &[SymbolSpan], new: &[SymbolSpan]) -> Attribution {
    let mut touched: BTreeMap<&str, SymbolTouch> = BTreeMap::new();
    let containers = containers(old, new);
    for symbol in new {
        let added: u32 = hunks
            .iter()
            .map(|h| overlap(h.new_start, h.new_lines, symbol.start_line, symbol.end_line))
            .sum();
        if added > 0 {
            entry(&mut touched, symbol).added += added;
        }
    }
    for symbol in old {
        let removed: u32 = hunks
            .iter()
            .map(|h| overlap(h.old_start, h.old_lines, symbol.start_line, symbol.end_line))
            .sum();
        if removed > 0 {
            entry(&mut touched, symbol).removed += removed;
        }
    }
    for touch in touched.values_mut() {
        touch.container = containers.contains(touch.name.as_str());
    }
    let old_names: BTreeSet<&str> = old.iter().map(|s| s.name.as_str()).collect();
    let new_names: BTreeSet<&str> = new.iter().map(|s| s.name.as_str()).collect();
    Attribution {
        touched: touched.into_values().collect(),
        added: new_names
            .difference(&old_names)
            .map(|s| s.to_string())
            .collect(),
        removed: old_names
            .difference(&new_names)
            .map(|s| s.to_string())
            .collect(),
    }
}

/// Names of symbols that hold another symbol of the same version. Symbols
/// nest (a tree's ranges), so in (start, longest first) order a symbol
/// holds another exactly when the next one starts inside it.
fn containers<'a>(old: &'a [SymbolSpan], new: &'a [SymbolSpan]) -> BTreeSet<&'a str> {
    let mut out = BTreeSet::new();
    for version in [old, new] {
        let mut order: Vec<&SymbolSpan> = version.iter().collect();
        order.sort_by_key(|s| (s.start_line, std::cmp::Reverse(s.end_line)));
        for pair in order.windows(2) {
            let (outer, inner) = (pair[0], pair[1]);
            let same = (outer.start_line, outer.end_line) == (inner.start_line, inner.end_line);
            if !same && inner.start_line <= outer.end_line && inner.end_line <= outer.end_line {
                out.insert(outer.name.as_str());
            }
        }
    }
    out
}

fn entry<'m, 'a>(
    touched: &'m mut BTreeMap<&'a str, SymbolTouch>,
    symbol: &'a SymbolSpan,
) -> &'m mut SymbolTouch {
    touched
        .entry(symbol.name.as_str())
        .or_insert_with(|| SymbolTouch {
            name: symbol.name.clone(),
            kind: symbol.kind.clone(),
            added: 0,
            removed: 0,
            container: false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(name: &str, start: u32, end: u32) -> SymbolSpan {
        SymbolSpan {
            name: name.into(),
            kind: "function".into(),
            start_line: start,
            end_line: end,
        }
    }

    fn hunk(old_start: u32, old_lines: u32, new_start: u32, new_lines: u32) -> Hunk {
        Hunk {
            old_start,
            old_lines,
            new_start,
            new_lines,
        }
    }

    #[test]
    fn overlap_counts_inclusive_ranges() {
        assert_eq!(overlap(5, 3, 1, 10), 3);
        assert_eq!(overlap(5, 3, 6, 6), 1);
        assert_eq!(overlap(5, 3, 8, 9), 0);
        assert_eq!(overlap(5, 0, 1, 10), 0);
        assert_eq!(overlap(1, 10, 4, 6), 3);
    }

    #[test]
    fn added_lines_count_in_new_version_symbols() {
        let new = [span("a", 1, 5), span("b", 7, 12)];
        let got = attribute(&[hunk(3, 0, 4, 2)], &new, &new);
        assert_eq!(got.touched.len(), 1);
        assert_eq!(got.touched[0].name, "a");
        assert_eq!((got.touched[0].added, got.touched[0].removed), (2, 0));
        assert!(got.added.is_empty() && got.removed.is_empty());
    }

    #[test]
    fn pure_deletion_counts_where_the_lines_were() {
        let old = [span("a", 1, 5), span("b", 7, 12)];
        let new = [span("a", 1, 5), span("b", 7, 10)];
        // Lines 9-10 of the old file removed; new side: after line 8.
        let got = attribute(&[hunk(9, 2, 8, 0)], &old, &new);
        assert_eq!(got.touched.len(), 1);
        assert_eq!(got.touched[0].name, "b");
        assert_eq!((got.touched[0].added, got.touched[0].removed), (0, 2));
    }

    #[test]
    fn nested_symbols_both_count() {
        let new = [span("Type", 1, 20), span("Type::m", 5, 8)];
        let got = attribute(&[hunk(6, 1, 6, 1)], &new, &new);
        let names: Vec<_> = got.touched.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["Type", "Type::m"]);
        assert!(got.touched.iter().all(|t| t.added == 1 && t.removed == 1));
        assert!(got.touched[0].container && !got.touched[1].container);
    }

    #[test]
    fn new_and_removed_symbols_are_named() {
        let old = [span("a", 1, 3), span("gone", 5, 8)];
        let new = [span("a", 1, 3), span("fresh", 5, 9)];
        let got = attribute(&[hunk(5, 4, 5, 5)], &old, &new);
        assert_eq!(got.added, ["fresh"]);
        assert_eq!(got.removed, ["gone"]);
        let names: Vec<_> = got.touched.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["fresh", "gone"]);
    }

    #[test]
    fn hunks_between_symbols_touch_nothing() {
        let new = [span("a", 1, 3), span("b", 10, 12)];
        let got = attribute(&[hunk(5, 2, 5, 3)], &new, &new);
        assert!(got.touched.is_empty());
    }
}
