//! A repository's git history, joined to its structure: per-file churn,
//! co-change coupling, ownership and truck factors, a monthly timeline,
//! per-symbol history and hotspots, as one versioned, deterministic
//! document ([`History`], later the docpack's `history.json`).
//!
//! Two halves:
//! - [`read_history`] (module `git`): the only IO. Walks a local
//!   repository with git2 (first-parent or all, `since`, `max_commits`,
//!   `.mailmap`), diffs every commit against its first parent on several
//!   threads (renames found, binary files counted with 0 lines), and with a
//!   [`SymbolSource`] lays each diff's hunks over the symbols of the two
//!   versions of each changed file ([`attribute`]).
//! - [`analyze`] (module `analysis`): pure functions from the gathered
//!   [`RawHistory`] to the [`History`]; each analysis is tested on
//!   hand-built commits. Definitions are in the modules' docs and the
//!   crate's README.

pub mod analysis;
pub mod attribute;
pub mod cache;
pub mod document;
#[cfg(feature = "git")]
mod error;
#[cfg(feature = "git")]
mod git;
pub mod names;
mod options;
pub mod record;
mod source;
pub mod structure;
pub mod time;

pub use analysis::{analyze, AnalysisOptions, CouplingOptions, RawHistory, Weights};
pub use cache::{CacheError, CacheKey, CommitCache};
pub use document::History;
#[cfg(feature = "git")]
pub use error::HistoryError;
#[cfg(feature = "git")]
pub use git::{count_lines, read_history, read_history_cached, CachedRead, Reuse};
pub use names::{attach_ids, local_names, Named};
pub use options::{HistoryOptions, DEFAULT_MAX_BLOB_BYTES};
pub use record::{Author, ChangeKind, CommitRecord, FileChange, Hunk, SymbolSpan, SymbolTouch};
pub use source::SymbolSource;

#[cfg(feature = "git")]
use std::path::Path;

/// Reads and analyses the history of the repository at `path`.
#[cfg(feature = "git")]
pub fn history(
    path: &Path,
    options: &HistoryOptions,
    symbols: Option<&dyn SymbolSource>,
    analysis: &AnalysisOptions,
) -> Result<History, HistoryError> {
    Ok(analyze(read_history(path, options, symbols)?, analysis))
}
