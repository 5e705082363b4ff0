//! Per-symbol history from the symbol pass's touches: commits, authors,
//! churn, first and last change, age. Pure. A symbol is `(path, name)`,
//! the path current (renames followed) and the name its name inside the
//! file, so a symbol keeps its history when its file moves.

use crate::document::SymbolHistory;
use crate::record::{CommitRecord, SymbolSpan};
use crate::time::{days_between, rfc3339};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Default)]
struct Stats<'a> {
    kind: &'a str,
    container: bool,
    commits: u32,
    authors: BTreeSet<String>,
    added: u64,
    removed: u64,
    first: i64,
    last: i64,
}

/// The history of every symbol the commits touched, by path and name.
/// `head` holds the symbols of the living files at the newest commit;
/// `now` is the newest commit's time (ages count up to it).
pub fn symbols(
    commits: &[CommitRecord],
    head: &BTreeMap<String, Vec<SymbolSpan>>,
    now: i64,
) -> Vec<SymbolHistory> {
    let mut all: BTreeMap<(&str, &str), Stats> = BTreeMap::new();
    for commit in commits {
        for change in &commit.changes {
            for touch in &change.symbols {
                let stats = all
                    .entry((change.path.as_str(), touch.name.as_str()))
                    .or_insert_with(|| Stats {
                        // Newest first: the first kind seen is the latest.
                        kind: &touch.kind,
                        first: commit.time,
                        last: commit.time,
                        ..Stats::default()
                    });
                stats.commits += 1;
                stats.container |= touch.container;
                stats.authors.insert(commit.author.key());
                stats.added += u64::from(touch.added);
                stats.removed += u64::from(touch.removed);
                stats.first = stats.first.min(commit.time);
                stats.last = stats.last.max(commit.time);
            }
        }
    }
    all.into_iter()
        .map(|((path, name), s)| {
            let at_head = head
                .get(path)
                .and_then(|spans| spans.iter().find(|span| span.name == name));
            SymbolHistory {
                path: path.to_string(),
                name: name.to_string(),
                id: None,
                kind: s.kind.to_string(),
                container: s.container,
                alive: at_head.is_some(),
                lines: at_head.map(|span| span.end_line.saturating_sub(span.start_line) + 1),
                commits: s.commits,
                authors: s.authors.len() as u32,
                added: s.added,
                removed: s.removed,
                first_change: rfc3339(s.first),
                last_change: rfc3339(s.last),
                age_days: days_between(s.first, now),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Author, FileChange, SymbolTouch};

    fn touch(name: &str, added: u32, removed: u32) -> SymbolTouch {
        SymbolTouch {
            name: name.into(),
            kind: "function".into(),
            added,
            removed,
            container: false,
        }
    }

    fn commit(who: &str, time: i64, path: &str, touches: Vec<SymbolTouch>) -> CommitRecord {
        CommitRecord {
            author: Author::new(who, format!("{who}@x")),
            time,
            changes: vec![FileChange {
                path: path.into(),
                symbols: touches,
                ..FileChange::default()
            }],
            ..CommitRecord::default()
        }
    }

    #[test]
    fn gathers_per_symbol() {
        let day = 86_400;
        let commits = vec![
            commit("bo", 10 * day, "a.rs", vec![touch("f", 1, 1)]),
            commit(
                "al",
                3 * day,
                "a.rs",
                vec![touch("f", 5, 0), touch("g", 2, 0)],
            ),
        ];
        let head = BTreeMap::from([(
            "a.rs".to_string(),
            vec![SymbolSpan {
                name: "f".into(),
                kind: "function".into(),
                start_line: 3,
                end_line: 9,
            }],
        )]);
        let got = symbols(&commits, &head, 12 * day);
        assert_eq!(got.len(), 2);
        let f = &got[0];
        assert_eq!((f.name.as_str(), f.commits, f.authors), ("f", 2, 2));
        assert_eq!((f.added, f.removed, f.age_days), (6, 1, 9));
        assert_eq!((f.alive, f.lines), (true, Some(7)));
        let g = &got[1];
        assert_eq!((g.alive, g.lines, g.commits), (false, None, 1));
    }
}
