//! How much history to read, and how.

/// Blobs larger than this count as binary (changed, 0 lines), so a huge
/// file never has to be loaded and diffed.
pub const DEFAULT_MAX_BLOB_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryOptions {
    /// Leave out commits committed before this time (seconds since the
    /// epoch), as `git log --since`.
    pub since: Option<i64>,
    /// Read at most this many commits, newest first: bounds time and
    /// memory on any history.
    pub max_commits: Option<usize>,
    /// Follow only first parents, diffing each merge against its first
    /// parent (`git log --first-parent`). Otherwise every commit reachable
    /// from HEAD, merges without a diff (as `git log --numstat`).
    pub first_parent: bool,
    /// Diff threads; 0 uses every available core.
    pub threads: usize,
    /// See [`DEFAULT_MAX_BLOB_BYTES`].
    pub max_blob_bytes: u64,
    /// The commit to walk back from (a revision: an id, a branch, a tag);
    /// HEAD when absent. When given, the authors are mapped by that
    /// commit's `.mailmap` only — no repository setting plays a part — so
    /// the same commit always gives the same history (what a docpack
    /// build needs).
    pub start: Option<String>,
}

impl Default for HistoryOptions {
    fn default() -> Self {
        HistoryOptions {
            since: None,
            max_commits: None,
            first_parent: false,
            threads: 0,
            max_blob_bytes: DEFAULT_MAX_BLOB_BYTES,
            start: None,
        }
    }
}

impl HistoryOptions {
    #[cfg(feature = "git")]
    pub(crate) fn thread_count(&self) -> usize {
        if self.threads > 0 {
            self.threads
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        }
    }
}
