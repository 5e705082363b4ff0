//! What the git reader hands the analyses: one record per commit, newest
//! first, with its changed files, their line counts and the symbols the
//! diff touched. Plain data, built by hand in the tests.

use serde::{Deserialize, Serialize};

/// A commit author after `.mailmap`. People are told apart by email
/// (lowercased); without a mailmap, one person writing under five addresses
/// is five authors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Author {
    pub name: String,
    pub email: String,
}

impl Author {
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> Author {
        Author {
            name: name.into(),
            email: email.into(),
        }
    }

    /// The identity the analyses group by: the lowercased email, or the
    /// name when there is no email.
    pub fn key(&self) -> String {
        if self.email.trim().is_empty() {
            self.name.clone()
        } else {
            self.email.to_lowercase()
        }
    }
}

/// How a file changed in a commit (against its first parent).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    #[default]
    Modified,
    Deleted,
    Renamed,
}

/// A diff hunk's line ranges (1-based starts, as in `@@ -a,b +c,d @@`).
/// The diff has no context lines, so every old-side line of a hunk was
/// removed and every new-side line added. A pure deletion has
/// `new_lines == 0` and `new_start` the line after which the lines went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Hunk {
    pub old_start: u32,
    pub old_lines: u32,
    pub new_start: u32,
    pub new_lines: u32,
}

/// A symbol of one version of a file: a name unique within the file (the
/// key its history is gathered under) and its 1-based inclusive lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymbolSpan {
    pub name: String,
    pub kind: String,
    pub start_line: u32,
    pub end_line: u32,
}

/// The lines one commit added and removed inside one symbol.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SymbolTouch {
    pub name: String,
    pub kind: String,
    pub added: u32,
    pub removed: u32,
    /// The symbol holds other symbols (a class, an impl block, a module):
    /// its changes are mostly its members', so coupling and hotspots
    /// leave it out.
    pub container: bool,
}

/// One file changed by a commit. Serialised only into the reader's cache
/// (`cache.rs`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileChange {
    /// The path after the commit (for a deletion, the path it had).
    pub path: String,
    /// The path before, when the commit renamed the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_path: Option<String>,
    #[serde(default)]
    pub kind: ChangeKind,
    pub added: u32,
    pub removed: u32,
    /// Binary (or larger than the blob limit): counted as changed, 0 lines.
    #[serde(default, skip_serializing_if = "is_false")]
    pub binary: bool,
    /// Filled by the symbol pass: the symbols this change touched…
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub symbols: Vec<SymbolTouch>,
    /// …the names the new version has and the old one did not…
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub symbols_added: Vec<String>,
    /// …and the names the old version had and the new one does not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub symbols_removed: Vec<String>,
}

fn is_false(b: &bool) -> bool {
    !b
}

/// One commit of the analysed history.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CommitRecord {
    /// Full hex id.
    pub id: String,
    pub author: Author,
    /// Author time, seconds since the epoch (UTC).
    pub time: i64,
    /// Number of parents (2+ is a merge).
    pub parents: u32,
    /// The oldest commit of a shallow clone: its parents are missing, so
    /// it carries no diff.
    pub boundary: bool,
    pub changes: Vec<FileChange>,
}
