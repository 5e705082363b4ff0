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
}

impl Default for HistoryOptions {
    fn default() -> Self {
        HistoryOptions {
            since: None,
            max_commits: None,
            first_parent: false,
            threads: 0,
            max_blob_bytes: DEFAULT_MAX_BLOB_BYTES,
        }
    }
}

impl HistoryOptions {
    pub(crate) fn thread_count(&self) -> usize {
        if self.threads > 0 {
            self.threads
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        }
    }
}
