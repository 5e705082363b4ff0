//! Payloads of the ingest stage.

use super::EventPayload;
use crate::language::Language;
use crate::state::JobStatus;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestStarted {
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

impl EventPayload for IngestStarted {
    const TYPE: &'static str = "ingest.started.v1";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDetected {
    pub path: String,
    pub language: Language,
    pub size_bytes: u64,
}

impl EventPayload for FileDetected {
    const TYPE: &'static str = "ingest.file_detected.v1";
}

/// Why a file was not parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Matched `.gitignore` or a default ignore (`node_modules`, `target`, …).
    Ignored,
    /// A lock file (`Cargo.lock`, `package-lock.json`, …).
    LockFile,
    /// A minified bundle (`*.min.js`, or very long lines).
    Minified,
    /// Contains NUL bytes or is not text.
    Binary,
    /// Larger than the per-file limit.
    TooLarge,
    /// Not a language Doctown parses.
    UnsupportedLanguage,
    /// A symbolic link (never followed).
    Symlink,
    /// Could not be read.
    Unreadable,
}

impl SkipReason {
    pub fn name(self) -> &'static str {
        match self {
            SkipReason::Ignored => "ignored",
            SkipReason::LockFile => "lock_file",
            SkipReason::Minified => "minified",
            SkipReason::Binary => "binary",
            SkipReason::TooLarge => "too_large",
            SkipReason::UnsupportedLanguage => "unsupported_language",
            SkipReason::Symlink => "symlink",
            SkipReason::Unreadable => "unreadable",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSkipped {
    pub path: String,
    pub reason: SkipReason,
    pub size_bytes: u64,
}

impl EventPayload for FileSkipped {
    const TYPE: &'static str = "ingest.file_skipped.v1";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkCreated {
    pub chunk_id: String,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    pub start_line: u32,
    pub end_line: u32,
    pub bytes: u64,
}

impl EventPayload for ChunkCreated {
    const TYPE: &'static str = "ingest.chunk_created.v1";
}

/// Totals of an ingest run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestTotals {
    pub files_detected: u64,
    pub files_parsed: u64,
    pub files_skipped: u64,
    pub files_with_syntax_errors: u64,
    /// Files unchanged since the previous ingest of the source, whose
    /// symbols were taken from it instead of parsed again.
    #[serde(default)]
    pub files_reused: u64,
    pub bytes_parsed: u64,
    pub symbols: u64,
    pub chunks: u64,
    pub imports: u64,
    pub calls: u64,
    pub calls_resolved: u64,
    /// Resolved calls at or above the confidence threshold.
    #[serde(default)]
    pub calls_confident: u64,
    /// Functions named as values (callbacks, handlers) that were linked.
    #[serde(default)]
    pub references_resolved: u64,
    /// Calls and references linked by a SCIP index.
    #[serde(default)]
    pub calls_scip: u64,
    pub skipped_by_reason: BTreeMap<String, u64>,
    pub languages: BTreeMap<String, u64>,
    /// The git history read beside the files, or why there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<HistoryRead>,
}

/// What ingest made of the repository's git history: how much it read,
/// or why it read none (an archive, a directory that is not a
/// repository's root, history turned off).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRead {
    pub commits: u32,
    pub authors: u32,
    /// A shallow clone: the history stops at its boundary.
    #[serde(default)]
    pub shallow: bool,
    /// Cut at the commit limit.
    #[serde(default)]
    pub truncated: bool,
    /// Per-symbol history was read.
    #[serde(default)]
    pub symbols: bool,
    /// Why there is no history (then the counts are 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absent: Option<String>,
    /// Commits whose analysis came from the last build's cache (only the
    /// others were read from git).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cached_commits: u32,
    /// Why the last build's cache was not used (unreadable, or made by
    /// another version): a warning, the history was read whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_note: Option<String>,
    pub duration_ms: u64,
}

impl HistoryRead {
    /// One line: `412 commits by 9 authors (shallow clone)` or
    /// `no history: <reason>`.
    pub fn describe(&self) -> String {
        if let Some(reason) = &self.absent {
            return format!("no history: {reason}");
        }
        let mut notes = Vec::new();
        if self.shallow {
            notes.push("shallow clone: history stops at its boundary");
        }
        if self.truncated {
            notes.push("cut at the commit limit");
        }
        if self.symbols {
            notes.push("per symbol");
        }
        let cached = format!("{} from the last build's cache", self.cached_commits);
        if self.cached_commits > 0 {
            notes.push(&cached);
        }
        if let Some(note) = &self.cache_note {
            notes.push(note);
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join("; "))
        };
        format!(
            "{} by {}{notes}",
            counted(u64::from(self.commits), "commit", "commits"),
            counted(u64::from(self.authors), "author", "authors")
        )
    }
}

/// `1 commit`, `2 commits`.
fn counted(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

impl EventPayload for HistoryRead {
    const TYPE: &'static str = "ingest.history.v1";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestCompleted {
    pub status: JobStatus,
    pub totals: IngestTotals,
    pub duration_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl EventPayload for IngestCompleted {
    const TYPE: &'static str = "ingest.completed.v1";
    fn status(&self) -> Option<JobStatus> {
        Some(self.status)
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use super::HistoryRead;

    #[test]
    fn the_history_line_counts_in_the_singular_and_plural() {
        let one = HistoryRead {
            commits: 1,
            authors: 1,
            ..HistoryRead::default()
        };
        assert_eq!(one.describe(), "1 commit by 1 author");
        let many = HistoryRead {
            commits: 660,
            authors: 2,
            symbols: true,
            ..HistoryRead::default()
        };
        assert_eq!(many.describe(), "660 commits by 2 authors (per symbol)");
    }
}
