//! Renames followed: every change is filed under the path its file has at
//! the newest commit that had it. Pure.
//!
//! Commits come newest first. A rename `old → new` seen at commit X means
//! that, in the commits older than X, `old` is the file now called
//! `current(new)`; and that `new`, before X, named some other file (or
//! none), so an alias set for `new` by newer renames stops there.

use crate::record::CommitRecord;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// Rewrites each change's `path` to its current path (newest first input);
/// returns each current path's former paths, newest first.
pub fn follow(commits: &mut [CommitRecord]) -> BTreeMap<String, Vec<String>> {
    let mut alias: FxHashMap<String, String> = FxHashMap::default();
    let mut former: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for commit in commits.iter_mut() {
        // Resolve the whole commit against the names newer commits gave…
        let mut renames = Vec::new();
        for change in &mut commit.changes {
            let current = alias
                .get(&change.path)
                .cloned()
                .unwrap_or_else(|| change.path.clone());
            if let Some(old) = change.old_path.as_ref().filter(|o| **o != change.path) {
                renames.push((old.clone(), change.path.clone(), current.clone()));
            }
            change.path = current;
        }
        // …then let its renames rename the older ones.
        for (_, new, _) in &renames {
            alias.remove(new);
        }
        for (old, _, current) in renames {
            let list = former.entry(current.clone()).or_default();
            if !list.contains(&old) {
                list.push(old.clone());
            }
            alias.insert(old, current);
        }
    }
    former
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{ChangeKind, FileChange};

    fn commit(changes: &[(&str, Option<&str>)]) -> CommitRecord {
        CommitRecord {
            changes: changes
                .iter()
                .map(|(path, old)| FileChange {
                    path: path.to_string(),
                    old_path: old.map(str::to_string),
                    kind: if old.is_some() {
                        ChangeKind::Renamed
                    } else {
                        ChangeKind::Modified
                    },
                    ..FileChange::default()
                })
                .collect(),
            ..CommitRecord::default()
        }
    }

    fn paths(commits: &[CommitRecord]) -> Vec<Vec<&str>> {
        commits
            .iter()
            .map(|c| c.changes.iter().map(|f| f.path.as_str()).collect())
            .collect()
    }

    #[test]
    fn chains_of_renames_end_at_the_current_path() {
        // Newest first: b → c, then a → b, then an edit of a.
        let mut commits = vec![
            commit(&[("src/c.rs", Some("lib/b.rs"))]),
            commit(&[("lib/b.rs", Some("a.rs"))]),
            commit(&[("a.rs", None)]),
        ];
        let former = follow(&mut commits);
        assert_eq!(paths(&commits), [["src/c.rs"], ["src/c.rs"], ["src/c.rs"]]);
        assert_eq!(former["src/c.rs"], ["lib/b.rs", "a.rs"]);
    }

    #[test]
    fn a_path_reused_after_a_rename_keeps_its_own_history() {
        // Newest first: a new a.rs edited; a.rs → b.rs; the old a.rs edited.
        let mut commits = vec![
            commit(&[("a.rs", None)]),
            commit(&[("b.rs", Some("a.rs"))]),
            commit(&[("a.rs", None)]),
        ];
        follow(&mut commits);
        assert_eq!(paths(&commits), [["a.rs"], ["b.rs"], ["b.rs"]]);
    }

    #[test]
    fn a_rename_and_a_new_file_at_the_old_path_in_one_commit() {
        let mut commits = vec![
            commit(&[("a.rs", None), ("b.rs", Some("a.rs"))]),
            commit(&[("a.rs", None)]),
        ];
        follow(&mut commits);
        assert_eq!(paths(&commits), [vec!["a.rs", "b.rs"], vec!["b.rs"]]);
    }

    #[test]
    fn the_target_of_a_rename_names_another_file_before_it() {
        // Newest first: b → c; a → b; an older, unrelated b.
        let mut commits = vec![
            commit(&[("c.rs", Some("b.rs"))]),
            commit(&[("b.rs", Some("a.rs"))]),
            commit(&[("b.rs", None)]),
        ];
        follow(&mut commits);
        assert_eq!(paths(&commits), [["c.rs"], ["c.rs"], ["b.rs"]]);
    }
}
