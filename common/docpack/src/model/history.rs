//! `history.json` (optional, since format 1.4): a repository's git history
//! joined to its structure — churn per file, symbol and author, co-change
//! coupling, ownership and truck factors, hotspots and a monthly timeline.
//! The document is produced by `doctown-history` (which defines every
//! figure; see its README) and carried as is. Every list has a fixed order
//! (stated on its field), so equal histories give equal bytes.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The document's format name and version.
pub const FORMAT: &str = "doctown-history";
pub const VERSION: u32 = 1;

/// `history.json`: the document `doctown-history` writes (format
/// `doctown-history`, version 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct History {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`] for this layout.
    pub version: u32,
    pub summary: Summary,
    /// By commits (most first), then key.
    pub authors: Vec<AuthorStats>,
    /// By path.
    pub files: Vec<FileHistory>,
    /// By path, then name. Empty unless the symbol pass ran.
    pub symbols: Vec<SymbolHistory>,
    pub coupling: Coupling,
    pub ownership: Ownership,
    /// Directories down to `ownership.module_depth` (not the root) that
    /// hold living source files, by path: the commits that touched those
    /// files (what module hotspots count).
    pub modules: Vec<ModuleHistory>,
    pub hotspots: Hotspots,
    /// Every month from the first commit's to the last's, in order.
    pub timeline: Vec<Month>,
    /// Every day from the first commit's to the last's (`month` is
    /// `YYYY-MM-DD`), in order, when they are at most 92 days apart: a
    /// short history, which the monthly timeline shows as one or two
    /// months. Absent for a longer one (docpack 1.4, added later).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub days: Vec<Month>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ModuleHistory {
    pub path: String,
    pub commits: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// The commit the walk started from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
    pub commits: u32,
    /// Commits with two or more parents.
    pub merges: u32,
    pub authors: u32,
    /// Files that changed at least once.
    pub files: u32,
    /// The repository is a shallow clone: history stops at its boundary.
    pub shallow: bool,
    /// Shallow boundary commits (their parents are missing; no diff).
    pub boundary_commits: u32,
    /// Only the first parent of each merge was followed (merges diffed
    /// against it); otherwise every commit, merges without a diff.
    pub first_parent: bool,
    /// Commits before this date were left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_commits: Option<u32>,
    /// The walk stopped at `max_commits` with older commits left.
    pub truncated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_commit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_commit: Option<String>,
    /// The symbol pass ran (`symbols` and symbol coupling are filled).
    pub symbols: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AuthorStats {
    /// What the analyses group by: the email after `.mailmap`, lowercased.
    pub key: String,
    /// The name of the newest commit under this key.
    pub name: String,
    pub commits: u32,
    pub added: u64,
    pub removed: u64,
    pub first_commit: String,
    pub last_commit: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FileHistory {
    /// The path at the newest commit that had the file (renames followed).
    pub path: String,
    /// The language (`rust`, …) or else the lowercased extension.
    pub language: String,
    /// The file exists at `head`.
    pub alive: bool,
    /// Lines at `head` (absent for deleted and binary files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<u32>,
    pub commits: u32,
    pub added: u64,
    pub removed: u64,
    pub authors: u32,
    pub binary: bool,
    pub first_change: String,
    pub last_change: String,
    /// Earlier paths, newest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub former_paths: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SymbolHistory {
    pub path: String,
    /// The symbol's name within its file (qualified inside the file).
    pub name: String,
    /// Its id in `nodes.json` (`sym_…`), when the docpack has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub kind: String,
    /// It holds other symbols (a class, an impl block): left out of
    /// symbol coupling and hotspots.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub container: bool,
    /// The symbol exists at `head`.
    pub alive: bool,
    /// Its lines at `head`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<u32>,
    pub commits: u32,
    pub authors: u32,
    pub added: u64,
    pub removed: u64,
    pub first_change: String,
    pub last_change: String,
    /// Days from its first change to the newest commit analysed.
    pub age_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Coupling {
    pub min_support: u32,
    pub min_revisions: u32,
    pub min_degree: f64,
    pub max_changeset: u32,
    /// Commits left out of coupling for changing more than
    /// `max_changeset` files.
    pub skipped_commits: u32,
    /// By support (most first), degree, then names.
    pub files: Vec<CoupledPair>,
    /// The same over symbols (`path#name`).
    pub symbols: Vec<CoupledPair>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CoupledPair {
    pub a: String,
    pub b: String,
    /// Commits that changed both.
    pub support: u32,
    /// support / commits that changed `a`.
    pub confidence_a: f64,
    /// support / commits that changed `b`.
    pub confidence_b: f64,
    /// code-maat's degree: support / the mean of the two's commits.
    pub degree: f64,
    /// Whether a static edge links the two (a confident call, reference,
    /// import or inheritance between them, either way), when the graph was
    /// there to ask: `false` is hidden coupling — they change together
    /// and nothing in the code says why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Ownership {
    /// Living files, by path.
    pub files: Vec<FileOwnership>,
    /// Directories down to `module_depth` (and the root, `""`), by path.
    pub modules: Vec<ModuleOwnership>,
    pub module_depth: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FileOwnership {
    pub path: String,
    pub authors: u32,
    /// The author of most added lines (most commits when no lines).
    pub main_author: String,
    pub main_share: f64,
    /// Authors by degree of authorship (Avelino et al.), sorted.
    pub doa_authors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ModuleOwnership {
    pub path: String,
    pub files: u32,
    pub authors: u32,
    pub main_author: String,
    pub main_share: f64,
    pub truck_factor: u32,
    /// The authors whose loss leaves most of the module's files without
    /// an author, in the order the greedy algorithm took them.
    pub truck_authors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Hotspots {
    /// What complexity and centrality are: `lines` (lines of code at
    /// `head`, centrality 1: the history alone) or `structure`
    /// (cyclomatic complexity, summed over a file's or module's symbols,
    /// lines where a symbol has none; PageRank in the call graph,
    /// normalised to the most central node).
    pub basis: String,
    /// How many of each list were kept.
    pub limit: u32,
    /// Living files by score, highest first.
    pub files: Vec<Hotspot>,
    pub symbols: Vec<Hotspot>,
    pub modules: Vec<Hotspot>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Hotspot {
    /// A path, a `path#symbol`, or a module directory.
    pub name: String,
    /// commits × complexity × centrality.
    pub score: f64,
    pub commits: u32,
    /// Lines of code unless the caller gave a complexity.
    pub complexity: f64,
    /// 1 unless the caller gave a centrality.
    pub centrality: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Month {
    /// `YYYY-MM`.
    pub month: String,
    pub commits: u32,
    pub authors: u32,
    pub added: u64,
    pub removed: u64,
    pub files_added: u32,
    pub files_deleted: u32,
    /// Lines by language (or extension).
    pub languages: BTreeMap<String, LanguageLines>,
    pub symbols_added: u32,
    pub symbols_removed: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct LanguageLines {
    pub added: u64,
    pub removed: u64,
}
