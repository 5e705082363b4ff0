//! Ownership: each file's main author, its authors by degree of
//! authorship, and a truck factor per module. Pure.
//!
//! Degree of authorship (Fritz et al., as calibrated by Avelino et al.,
//! "A novel approach for estimating truck factors", ICPC 2016):
//!
//! `DOA(d, f) = 3.293 + 1.098·FA + 0.164·DL − 0.321·ln(1 + AC)`
//!
//! where FA is 1 when `d` created `f`, DL the commits of `d` to `f` and AC
//! the commits of everyone else to `f`. `d` is an *author* of `f` when
//! their DOA is above 0.75 of the file's highest and at least 3.293.
//!
//! Truck factor of a set of files (Avelino et al.'s greedy algorithm):
//! repeatedly remove the author who authors the most files still covered,
//! until more than half of the files have no author left; the number
//! removed is the truck factor. Files with no author at all count as
//! uncovered from the start.
//!
//! The main author is code-maat's `main-dev`: the author of the most added
//! lines (of the most commits when the file has no added lines, e.g. a
//! binary), with their share.

use super::churn::FileStats;
use crate::analysis::coupling::round;
use crate::document::{FileOwnership, ModuleOwnership};
use std::collections::{BTreeMap, BTreeSet};

const DOA_BASE: f64 = 3.293;
const DOA_RELATIVE: f64 = 0.75;

/// The degree of authorship of one author in one file.
pub fn doa(first_author: bool, own_commits: u32, others_commits: u32) -> f64 {
    DOA_BASE + 1.098 * f64::from(u8::from(first_author)) + 0.164 * f64::from(own_commits)
        - 0.321 * (1.0 + f64::from(others_commits)).ln()
}

/// The authors of a file by degree of authorship, sorted by key.
pub fn doa_authors(stats: &FileStats) -> Vec<String> {
    let total: u32 = stats.authors.values().map(|s| s.commits).sum();
    let degrees: Vec<(&String, f64)> = stats
        .authors
        .iter()
        .map(|(key, share)| {
            let first = stats.creator.as_ref() == Some(key);
            (key, doa(first, share.commits, total - share.commits))
        })
        .collect();
    let max = degrees.iter().map(|(_, d)| *d).fold(f64::MIN, f64::max);
    degrees
        .into_iter()
        .filter(|(_, d)| *d >= DOA_BASE && *d / max > DOA_RELATIVE)
        .map(|(key, _)| key.clone())
        .collect()
}

/// The main author and their share (see the module's doc).
pub fn main_author(stats: &FileStats) -> (String, f64) {
    let total_added: u64 = stats.authors.values().map(|s| s.added).sum();
    let by_lines = total_added > 0;
    let weight = |s: &super::churn::Share| {
        if by_lines {
            s.added
        } else {
            u64::from(s.commits)
        }
    };
    let total: u64 = stats.authors.values().map(weight).sum();
    // Highest weight; ties go to the smallest key (BTreeMap order).
    let mut best: Option<(&String, u64)> = None;
    for (key, share) in &stats.authors {
        let w = weight(share);
        if best.is_none_or(|(_, b)| w > b) {
            best = Some((key, w));
        }
    }
    match best {
        Some((key, w)) if total > 0 => (key.clone(), round(w as f64 / total as f64)),
        Some((key, _)) => (key.clone(), 0.0),
        None => (String::new(), 0.0),
    }
}

/// The truck factor of files given each file's authors, and the authors
/// removed, in order.
pub fn truck_factor(file_authors: &[Vec<String>]) -> (u32, Vec<String>) {
    let files = file_authors.len();
    let mut remaining: Vec<BTreeSet<&str>> = file_authors
        .iter()
        .map(|a| a.iter().map(String::as_str).collect())
        .collect();
    let mut removed = Vec::new();
    loop {
        let uncovered = remaining.iter().filter(|a| a.is_empty()).count();
        if files == 0 || uncovered * 2 > files {
            break;
        }
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for author in remaining.iter().flatten() {
            *counts.entry(author).or_default() += 1;
        }
        // Most files; ties go to the smallest key.
        let Some((top, _)) =
            counts
                .into_iter()
                .fold(None, |best: Option<(&str, usize)>, (a, n)| match best {
                    Some((_, m)) if m >= n => best,
                    _ => Some((a, n)),
                })
        else {
            break;
        };
        for authors in &mut remaining {
            authors.remove(top);
        }
        removed.push(top.to_string());
    }
    (removed.len() as u32, removed)
}

/// Ownership of each living file, by path.
pub fn files(
    stats: &BTreeMap<String, FileStats>,
    alive: impl Fn(&str) -> bool,
) -> Vec<FileOwnership> {
    stats
        .iter()
        .filter(|(path, _)| alive(path))
        .map(|(path, s)| {
            let (main_author, main_share) = main_author(s);
            FileOwnership {
                path: path.clone(),
                authors: s.authors.len() as u32,
                main_author,
                main_share,
                doa_authors: doa_authors(s),
            }
        })
        .collect()
}

/// The directories a path belongs to, down to `depth` levels, with the
/// root `""` first.
pub fn modules_of(path: &str, depth: u32) -> Vec<String> {
    let mut out = vec![String::new()];
    let parts: Vec<&str> = path.split('/').collect();
    let dirs = parts.len().saturating_sub(1).min(depth as usize);
    for n in 1..=dirs {
        out.push(parts[..n].join("/"));
    }
    out
}

/// Ownership per module (directory down to `depth`, and the root) over the
/// living files.
pub fn modules(
    stats: &BTreeMap<String, FileStats>,
    owners: &[FileOwnership],
    depth: u32,
) -> Vec<ModuleOwnership> {
    let mut members: BTreeMap<String, Vec<&FileOwnership>> = BTreeMap::new();
    for owner in owners {
        for module in modules_of(&owner.path, depth) {
            members.entry(module).or_default().push(owner);
        }
    }
    members
        .into_iter()
        .map(|(path, files)| module(path, &files, stats))
        .collect()
}

fn module(
    path: String,
    files: &[&FileOwnership],
    stats: &BTreeMap<String, FileStats>,
) -> ModuleOwnership {
    let mut combined = FileStats::default();
    for file in files {
        for (key, share) in &stats[&file.path].authors {
            let c = combined.authors.entry(key.clone()).or_default();
            c.commits += share.commits;
            c.added += share.added;
        }
    }
    let (main_author, main_share) = main_author(&combined);
    let authors: Vec<Vec<String>> = files.iter().map(|f| f.doa_authors.clone()).collect();
    let (truck_factor, truck_authors) = truck_factor(&authors);
    ModuleOwnership {
        path,
        files: files.len() as u32,
        authors: combined.authors.len() as u32,
        main_author,
        main_share,
        truck_factor,
        truck_authors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::churn::Share;

    fn stats(authors: &[(&str, u32, u64)], creator: Option<&str>) -> FileStats {
        FileStats {
            authors: authors
                .iter()
                .map(|(k, commits, added)| {
                    (
                        k.to_string(),
                        Share {
                            commits: *commits,
                            added: *added,
                        },
                    )
                })
                .collect(),
            creator: creator.map(str::to_string),
            ..FileStats::default()
        }
    }

    #[test]
    fn doa_follows_avelino() {
        assert!((doa(true, 1, 0) - (3.293 + 1.098 + 0.164)).abs() < 1e-9);
        let with_others = doa(false, 2, 9);
        assert!((with_others - (3.293 + 0.328 - 0.321 * 10f64.ln())).abs() < 1e-9);
    }

    #[test]
    fn creator_with_many_commits_is_the_only_author() {
        let s = stats(&[("al", 10, 100), ("bo", 1, 5)], Some("al"));
        assert_eq!(doa_authors(&s), ["al"]);
    }

    #[test]
    fn two_equal_contributors_are_both_authors() {
        let s = stats(&[("al", 5, 50), ("bo", 5, 50)], None);
        assert_eq!(doa_authors(&s), ["al", "bo"]);
    }

    #[test]
    fn main_author_by_added_lines_then_commits() {
        let s = stats(&[("al", 1, 30), ("bo", 5, 10)], None);
        assert_eq!(main_author(&s), ("al".to_string(), 0.75));
        let binary = stats(&[("al", 1, 0), ("bo", 3, 0)], None);
        assert_eq!(main_author(&binary), ("bo".to_string(), 0.75));
    }

    #[test]
    fn truck_factor_greedy() {
        let authors = |v: &[&[&str]]| -> Vec<Vec<String>> {
            v.iter()
                .map(|a| a.iter().map(|s| s.to_string()).collect())
                .collect()
        };
        // One person authors everything: losing them orphans all files.
        let (tf, who) = truck_factor(&authors(&[&["al"], &["al"], &["al", "bo"]]));
        assert_eq!((tf, who), (1, vec!["al".to_string()]));
        // Two people each own half: removing one leaves exactly half (not
        // more than half) uncovered, so it takes both.
        let (tf, _) = truck_factor(&authors(&[&["al"], &["al"], &["bo"], &["bo"]]));
        assert_eq!(tf, 2);
        // Files without authors already count as uncovered.
        let (tf, _) = truck_factor(&authors(&[&[], &[], &["al"]]));
        assert_eq!(tf, 0);
        assert_eq!(truck_factor(&[]).0, 0);
    }

    #[test]
    fn modules_down_to_a_depth() {
        assert_eq!(modules_of("a/b/c/d.rs", 2), ["", "a", "a/b"]);
        assert_eq!(modules_of("top.rs", 2), [""]);
        assert_eq!(modules_of("a/x.rs", 2), ["", "a"]);
    }
}
