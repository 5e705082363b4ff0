//! What `doctown diff` says of `history.json`: the commits and head each
//! docpack's history covers, the authors and file hotspots the newer one
//! adds. Pure.

use crate::model::history::History;
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt::Write;

/// Hotspots compared: each side's highest this many files.
pub const TOP_HOTSPOTS: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryDiff {
    /// Commits analysed; `None` where that docpack has no history.
    pub old_commits: Option<u32>,
    pub new_commits: Option<u32>,
    pub old_head: Option<String>,
    pub new_head: Option<String>,
    /// Authors (their names) in the newer history and not the older.
    pub new_authors: Vec<String>,
    /// Files among the newer history's top hotspots and not the older's.
    pub new_hotspots: Vec<String>,
}

/// The history change, or `None` when neither docpack has a history or
/// both say the same.
pub fn diff_history(old: Option<&History>, new: Option<&History>) -> Option<HistoryDiff> {
    if old.is_none() && new.is_none() {
        return None;
    }
    let keys = |h: Option<&History>| -> BTreeSet<String> {
        h.iter()
            .flat_map(|h| &h.authors)
            .map(|a| a.key.clone())
            .collect()
    };
    let old_keys = keys(old);
    let new_authors = new
        .iter()
        .flat_map(|h| &h.authors)
        .filter(|a| !old_keys.contains(&a.key))
        .map(|a| a.name.clone())
        .collect();
    let top = |h: Option<&History>| -> Vec<String> {
        h.iter()
            .flat_map(|h| h.hotspots.files.iter().take(TOP_HOTSPOTS))
            .map(|s| s.name.clone())
            .collect()
    };
    let old_top: BTreeSet<String> = top(old).into_iter().collect();
    let new_hotspots = top(new)
        .into_iter()
        .filter(|n| !old_top.contains(n))
        .collect();
    let out = HistoryDiff {
        old_commits: old.map(|h| h.summary.commits),
        new_commits: new.map(|h| h.summary.commits),
        old_head: old.and_then(|h| h.summary.head.clone()),
        new_head: new.and_then(|h| h.summary.head.clone()),
        new_authors,
        new_hotspots,
    };
    let same = out.old_commits == out.new_commits
        && out.old_head == out.new_head
        && out.new_authors.is_empty()
        && out.new_hotspots.is_empty();
    (!same).then_some(out)
}

impl HistoryDiff {
    /// Lines of text, each indented by two spaces.
    pub fn render(&self) -> String {
        let commits = |c: Option<u32>| c.map_or("no history".to_string(), |c| c.to_string());
        fn head(h: &Option<String>) -> &str {
            h.as_deref().map_or("-", |h| h.get(..12).unwrap_or(h))
        }
        let mut out = format!(
            "  commits {} -> {}, head {} -> {}\n",
            commits(self.old_commits),
            commits(self.new_commits),
            head(&self.old_head),
            head(&self.new_head)
        );
        if !self.new_authors.is_empty() {
            let _ = writeln!(out, "  new authors: {}", self.new_authors.join(", "));
        }
        if !self.new_hotspots.is_empty() {
            let _ = writeln!(out, "  new hotspots: {}", self.new_hotspots.join(", "));
        }
        out
    }
}
