//! Per-author and per-file churn: commits, lines added and removed, who
//! changed what and when. Pure; the commits' paths are already current
//! (`renames::follow`).

use crate::record::{ChangeKind, CommitRecord};
use std::collections::BTreeMap;

/// One author's part in one file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Share {
    pub commits: u32,
    pub added: u64,
}

/// What the history says about one file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileStats {
    pub commits: u32,
    pub added: u64,
    pub removed: u64,
    pub binary: bool,
    pub first: i64,
    pub last: i64,
    /// By author key.
    pub authors: BTreeMap<String, Share>,
    /// The author of the commit that added the file, when the analysed
    /// history reaches back to it.
    pub creator: Option<String>,
}

/// What the history says about one author.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthorTotals {
    /// The name on the newest commit.
    pub name: String,
    pub commits: u32,
    pub added: u64,
    pub removed: u64,
    pub first: i64,
    pub last: i64,
}

/// Per-file statistics, by path.
pub fn files(commits: &[CommitRecord]) -> BTreeMap<String, FileStats> {
    let mut files: BTreeMap<String, FileStats> = BTreeMap::new();
    // Oldest first, so the first `Added` seen is the creation.
    for commit in commits.iter().rev() {
        let key = commit.author.key();
        for change in &commit.changes {
            let stats = files
                .entry(change.path.clone())
                .or_insert_with(|| FileStats {
                    first: commit.time,
                    last: commit.time,
                    ..FileStats::default()
                });
            stats.commits += 1;
            stats.added += u64::from(change.added);
            stats.removed += u64::from(change.removed);
            stats.binary |= change.binary;
            stats.first = stats.first.min(commit.time);
            stats.last = stats.last.max(commit.time);
            let share = stats.authors.entry(key.clone()).or_default();
            share.commits += 1;
            share.added += u64::from(change.added);
            if change.kind == ChangeKind::Added && stats.creator.is_none() {
                stats.creator = Some(key.clone());
            }
        }
    }
    files
}

/// Per-author totals, by key.
pub fn authors(commits: &[CommitRecord]) -> BTreeMap<String, AuthorTotals> {
    let mut authors: BTreeMap<String, AuthorTotals> = BTreeMap::new();
    for commit in commits {
        let totals = authors
            .entry(commit.author.key())
            .or_insert_with(|| AuthorTotals {
                name: commit.author.name.clone(),
                first: commit.time,
                last: commit.time,
                ..AuthorTotals::default()
            });
        totals.commits += 1;
        for change in &commit.changes {
            totals.added += u64::from(change.added);
            totals.removed += u64::from(change.removed);
        }
        totals.first = totals.first.min(commit.time);
        totals.last = totals.last.max(commit.time);
    }
    authors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Author, FileChange};

    fn change(path: &str, kind: ChangeKind, added: u32, removed: u32) -> FileChange {
        FileChange {
            path: path.into(),
            kind,
            added,
            removed,
            ..FileChange::default()
        }
    }

    fn commit(who: &str, time: i64, changes: Vec<FileChange>) -> CommitRecord {
        CommitRecord {
            author: Author::new(who, format!("{who}@example.com")),
            time,
            changes,
            ..CommitRecord::default()
        }
    }

    #[test]
    fn sums_commits_lines_and_authors_per_file() {
        // Newest first.
        let commits = vec![
            commit("bo", 30, vec![change("a", ChangeKind::Modified, 1, 4)]),
            commit(
                "al",
                20,
                vec![
                    change("a", ChangeKind::Modified, 5, 0),
                    change("b", ChangeKind::Added, 2, 0),
                ],
            ),
            commit("al", 10, vec![change("a", ChangeKind::Added, 10, 0)]),
        ];
        let files = files(&commits);
        let a = &files["a"];
        assert_eq!((a.commits, a.added, a.removed), (3, 16, 4));
        assert_eq!((a.first, a.last), (10, 30));
        assert_eq!(a.creator.as_deref(), Some("al@example.com"));
        assert_eq!(
            a.authors["al@example.com"],
            Share {
                commits: 2,
                added: 15
            }
        );
        assert_eq!(a.authors["bo@example.com"].commits, 1);
        assert_eq!(files["b"].commits, 1);

        let authors = authors(&commits);
        let al = &authors["al@example.com"];
        assert_eq!((al.commits, al.added, al.removed), (2, 17, 0));
        assert_eq!((al.first, al.last), (10, 20));
    }

    #[test]
    fn the_creator_is_unknown_when_the_history_starts_later() {
        let commits = vec![commit(
            "al",
            1,
            vec![change("a", ChangeKind::Modified, 1, 1)],
        )];
        assert_eq!(files(&commits)["a"].creator, None);
    }
}
