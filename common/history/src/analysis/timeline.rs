//! The monthly timeline: commits, authors, lines per language, files and
//! symbols added and removed. Pure. Months are UTC months of the author
//! time; months without commits between the first and the last are kept,
//! empty, so the timeline can be scrubbed.

use crate::document::{LanguageLines, Month};
use crate::record::{ChangeKind, CommitRecord};
use crate::time::{date, month_name, month_of, next_month};
use doctown_core::Language;
use std::collections::{BTreeMap, BTreeSet};

/// The language of a path: a Doctown language name, else the lowercased
/// extension (alphanumeric, at most 10 characters), else `other`.
pub fn language_of(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return "other".to_string();
    };
    if stem.is_empty() {
        return "other".to_string();
    }
    if let Some(language) = Language::from_extension(ext) {
        return language.name().to_string();
    }
    let ext = ext.to_ascii_lowercase();
    if !ext.is_empty() && ext.len() <= 10 && ext.chars().all(|c| c.is_ascii_alphanumeric()) {
        ext
    } else {
        "other".to_string()
    }
}

struct Bucket<'a> {
    month: Month,
    authors: BTreeSet<&'a str>,
}

/// A history spanning at most this many days also gets a daily timeline.
pub const DAILY_SPAN_DAYS: i64 = 92;

/// The timeline of the commits (any order), per month.
pub fn timeline(commits: &[CommitRecord]) -> Vec<Month> {
    buckets(commits, month_of, month_name, next_month)
}

/// The timeline per day (`month` is `YYYY-MM-DD`), for a history of at
/// most [`DAILY_SPAN_DAYS`] days from its first commit's day to its last's:
/// a short history (a few days or weeks) is one or two months, too coarse
/// to scrub. Empty for a longer one.
pub fn days(commits: &[CommitRecord]) -> Vec<Month> {
    let day = |seconds: i64| seconds.div_euclid(DAY);
    let (Some(first), Some(last)) = (
        commits.iter().map(|c| day(c.time)).min(),
        commits.iter().map(|c| day(c.time)).max(),
    ) else {
        return Vec::new();
    };
    if last - first >= DAILY_SPAN_DAYS {
        return Vec::new();
    }
    buckets(commits, day, |d| date(d * DAY), |d| d + 1)
}

const DAY: i64 = 86_400;

/// The commits bucketed by `key_of` their time, gaps filled with empty buckets.
fn buckets<K: Ord + Copy>(
    commits: &[CommitRecord],
    key_of: impl Fn(i64) -> K,
    name: impl Fn(K) -> String,
    next: impl Fn(K) -> K,
) -> Vec<Month> {
    let keys: Vec<String> = commits.iter().map(|c| c.author.key()).collect();
    let mut buckets: BTreeMap<K, Bucket> = BTreeMap::new();
    for (commit, key) in commits.iter().zip(&keys) {
        let at = key_of(commit.time);
        let bucket = buckets.entry(at).or_insert_with(|| Bucket {
            month: empty(name(at)),
            authors: BTreeSet::new(),
        });
        bucket.authors.insert(key);
        let month = &mut bucket.month;
        month.commits += 1;
        for change in &commit.changes {
            month.added += u64::from(change.added);
            month.removed += u64::from(change.removed);
            let lines = month
                .languages
                .entry(language_of(&change.path))
                .or_default();
            lines.added += u64::from(change.added);
            lines.removed += u64::from(change.removed);
            match change.kind {
                ChangeKind::Added => month.files_added += 1,
                ChangeKind::Deleted => month.files_deleted += 1,
                _ => {}
            }
            month.symbols_added += change.symbols_added.len() as u32;
            month.symbols_removed += change.symbols_removed.len() as u32;
        }
    }
    fill(buckets, name, next)
}

fn empty(name: String) -> Month {
    Month {
        month: name,
        commits: 0,
        authors: 0,
        added: 0,
        removed: 0,
        files_added: 0,
        files_deleted: 0,
        languages: BTreeMap::<String, LanguageLines>::new(),
        symbols_added: 0,
        symbols_removed: 0,
    }
}

/// The buckets in order, the gaps between them filled with empty ones.
fn fill<K: Ord + Copy>(
    buckets: BTreeMap<K, Bucket>,
    name: impl Fn(K) -> String,
    next: impl Fn(K) -> K,
) -> Vec<Month> {
    let (Some(&first), Some(&last)) = (buckets.keys().next(), buckets.keys().next_back()) else {
        return Vec::new();
    };
    let mut buckets = buckets;
    let mut out = Vec::new();
    let mut at = first;
    while at <= last {
        let month = match buckets.remove(&at) {
            Some(bucket) => {
                let mut month = bucket.month;
                month.authors = bucket.authors.len() as u32;
                month
            }
            None => empty(name(at)),
        };
        out.push(month);
        at = next(at);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Author, FileChange};
    use crate::time::parse_since;

    #[test]
    fn languages_by_extension() {
        assert_eq!(language_of("src/lib.rs"), "rust");
        assert_eq!(language_of("web/App.TSX"), "tsx");
        assert_eq!(language_of("README.md"), "md");
        assert_eq!(language_of("Makefile"), "other");
        assert_eq!(language_of(".gitignore"), "other");
        assert_eq!(language_of("x.a-b"), "other");
    }

    fn commit(who: &str, day: &str, path: &str, kind: ChangeKind, added: u32) -> CommitRecord {
        CommitRecord {
            author: Author::new(who, format!("{who}@x")),
            time: parse_since(day).unwrap(),
            changes: vec![FileChange {
                path: path.into(),
                kind,
                added,
                removed: 1,
                symbols_added: vec!["f".into()],
                ..FileChange::default()
            }],
            ..CommitRecord::default()
        }
    }

    #[test]
    fn months_with_gaps_filled() {
        let commits = vec![
            commit("al", "2024-03-05", "a.rs", ChangeKind::Modified, 4),
            commit("bo", "2024-01-20", "b.py", ChangeKind::Added, 2),
            commit("al", "2024-01-02", "a.rs", ChangeKind::Added, 3),
        ];
        let months = timeline(&commits);
        let names: Vec<_> = months.iter().map(|m| m.month.as_str()).collect();
        assert_eq!(names, ["2024-01", "2024-02", "2024-03"]);
        let jan = &months[0];
        assert_eq!(
            (jan.commits, jan.authors, jan.added, jan.removed),
            (2, 2, 5, 2)
        );
        assert_eq!(jan.files_added, 2);
        assert_eq!(jan.symbols_added, 2);
        assert_eq!(jan.languages["rust"].added, 3);
        assert_eq!(jan.languages["python"].added, 2);
        assert_eq!(months[1].commits, 0);
        assert_eq!(months[2].languages["rust"].added, 4);
        assert!(timeline(&[]).is_empty());
    }

    #[test]
    fn a_short_history_is_also_kept_per_day() {
        let commits = vec![
            commit(
                "al",
                "2026-11-24T10:00:00Z",
                "a.rs",
                ChangeKind::Modified,
                4,
            ),
            commit("bo", "2026-11-22T03:00:00Z", "b.py", ChangeKind::Added, 2),
            commit("al", "2026-11-22T23:59:00Z", "a.rs", ChangeKind::Added, 3),
        ];
        let daily = days(&commits);
        let names: Vec<_> = daily.iter().map(|d| d.month.as_str()).collect();
        assert_eq!(names, ["2026-11-22", "2026-11-23", "2026-11-24"]);
        assert_eq!(
            (daily[0].commits, daily[0].authors, daily[0].added),
            (2, 2, 5)
        );
        assert_eq!(daily[1].commits, 0);
        assert_eq!(daily[2].symbols_added, 1);
        // One month of the monthly timeline.
        assert_eq!(timeline(&commits).len(), 1);
        // A year: months only.
        let long = vec![
            commit("al", "2024-01-01", "a.rs", ChangeKind::Added, 1),
            commit("al", "2024-12-31", "a.rs", ChangeKind::Modified, 1),
        ];
        assert!(days(&long).is_empty());
        assert!(days(&[]).is_empty());
    }
}
