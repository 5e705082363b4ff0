//! Ingest options: limits, chunking and how much git history to read, with
//! the defaults users get.

use serde::{Deserialize, Serialize};

/// Options of the ingest stage (`input.options["ingest"]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IngestOptions {
    /// Files larger than this are skipped (`too_large`). Default 1 MiB.
    pub max_file_bytes: u64,
    /// The source files to parse may not add up to more than this. Default 100 MiB.
    pub max_total_bytes: u64,
    /// Chunks larger than this are split at statement boundaries. Default 4 KiB.
    pub chunk_max_bytes: usize,
    /// Lines repeated at the start of the next part of a split chunk. Default 3.
    pub chunk_overlap_lines: usize,
    /// Chunks per shard of the chunk artifact. Default 2,000.
    pub shard_size: usize,
    /// Files parsed per parallel batch; bounds memory. Default 256.
    pub batch_files: usize,
    /// Emit one `ingest.chunk_created.v1` event per chunk of each file
    /// parsed (a file reused from the previous ingest of the source
    /// logs none). Default true.
    pub chunk_events: bool,
    /// At most this many `ingest.chunk_created.v1` events per job
    /// (default 10,000): they show a build's first steps live; a tree of
    /// millions of chunks would log millions of events (the Linux kernel:
    /// 3.8 million, 2.2 GB). `ingest.completed.v1` carries the total.
    pub chunk_event_limit: u64,
    /// Take unchanged files' symbols from the previous ingest of the same
    /// source instead of parsing them again. Default true.
    pub reuse_previous: bool,
    /// A SCIP index (a local path) whose references link calls exactly;
    /// without it, an `index.scip` at the repository root is used if present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scip: Option<String>,
    /// Honour `.gitignore` files. Default true; off for trees whose
    /// `.gitignore` belongs to something else (Debian's `linux-source`
    /// ships the packaging repository's, which ignores `/*`).
    pub gitignore: bool,
    /// The git history read for the docpack's `history.json` (see
    /// [`HistoryConfig`]; per file by default).
    pub history: HistoryConfig,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            max_file_bytes: 1024 * 1024,
            max_total_bytes: 100 * 1024 * 1024,
            chunk_max_bytes: 4096,
            chunk_overlap_lines: 3,
            shard_size: 2000,
            batch_files: 256,
            chunk_events: true,
            chunk_event_limit: 10_000,
            reuse_previous: true,
            scip: None,
            gitignore: true,
            history: HistoryConfig::default(),
        }
    }
}

/// How much history a build reads (`input.options["ingest"]["history"]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HistoryConfig {
    /// `off`, `files` (the default: per file, author and module) or
    /// `symbols` (also per symbol: parses every changed version of each
    /// source file, minutes on a long history).
    pub mode: HistoryMode,
    /// Read at most this many commits, newest first (default
    /// [`DEFAULT_MAX_COMMITS`]; `0` reads them all). The limit is stated
    /// in the document (`summary.max_commits`, and `summary.truncated`
    /// when it cut the history).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_commits: Option<usize>,
    /// Leave out commits before this date (`YYYY-MM-DD` or RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Follow first parents only (each merge diffed against its first
    /// parent); otherwise every commit, merges without a diff.
    pub first_parent: bool,
    /// A GitHub source's history: clone the repository with git over
    /// HTTPS (with the job's token) to read it. Off by default (a
    /// tarball has no history, and a clone of a long history is large).
    pub github: bool,
}

/// The commits a build reads by default. A cold build reads the history
/// on a thread of its own while the files are parsed; on cargo's 23,077
/// commits the whole history took twice the parse (BENCHMARKS.md, "The
/// history cache"), 10,000 commits about as long (four years of cargo).
/// Later builds read only new commits (the cache), so the limit matters
/// for the first build of a long history.
pub const DEFAULT_MAX_COMMITS: usize = 10_000;

impl Default for HistoryConfig {
    fn default() -> Self {
        HistoryConfig {
            mode: HistoryMode::Files,
            max_commits: Some(DEFAULT_MAX_COMMITS),
            since: None,
            first_parent: false,
            github: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryMode {
    Off,
    Files,
    Symbols,
}
