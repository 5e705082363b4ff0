//! Reading a local repository's history with libgit2 (git2): the walk,
//! the diffs (spread over threads) and the newest commit's files. All the
//! crate's IO is here; what it gathers is a [`RawHistory`].

mod blobs;
mod corrupt;
mod diff;
mod head;
mod open;
mod planned;
mod trees;
mod walk;
mod workers;

pub use head::count_lines;

use crate::analysis::RawHistory;
use crate::cache::{CacheKey, CommitCache};
use crate::error::HistoryError;
use crate::options::HistoryOptions;
use crate::record::{CommitRecord, FileChange, SymbolSpan};
use crate::source::SymbolSource;
use blobs::SymbolCache;
use diff::DiffSettings;
use git2::{Oid, Repository};
use head::HeadFile;
use planned::Planned;
use rustc_hash::FxHashMap;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

/// Reads the history of the repository at `path` (its root or a bare git
/// directory). With a symbol source, also maps every diff onto symbols.
pub fn read_history(
    path: &Path,
    options: &HistoryOptions,
    symbols: Option<&dyn SymbolSource>,
) -> Result<RawHistory, HistoryError> {
    read(path, options, symbols, CommitCache::default(), false).map(|r| r.raw)
}

/// What a read reused from an earlier run's cache and what it had to do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reuse {
    /// Commits whose changes came from the cache…
    pub cached_commits: usize,
    /// …and commits diffed (merges without a diff and shallow boundaries
    /// are neither).
    pub diffed_commits: usize,
    /// File versions at the newest commit whose symbols came from the
    /// cache.
    pub cached_versions: usize,
    /// File versions at the newest commit whose lines came from the cache
    /// (the others' blobs are read and counted).
    pub cached_lines: usize,
}

/// A history read with [`read_history_cached`].
#[derive(Debug)]
pub struct CachedRead {
    pub raw: RawHistory,
    /// The cache for the next run ([`CommitCache::decode`] under the key
    /// [`CacheKey::new`] gives for the same options and source): every
    /// commit of this read that has a diff, and the symbols of the file
    /// versions at its newest commit.
    pub cache: Vec<u8>,
    pub reuse: Reuse,
}

/// [`read_history`], taking what `previous` (an earlier run's cache,
/// decoded under this run's key) already holds instead of diffing and
/// parsing it again. The history is the same as [`read_history`]'s.
pub fn read_history_cached(
    path: &Path,
    options: &HistoryOptions,
    symbols: Option<&dyn SymbolSource>,
    previous: Option<CommitCache>,
) -> Result<CachedRead, HistoryError> {
    read(path, options, symbols, previous.unwrap_or_default(), true)
}

fn read(
    path: &Path,
    options: &HistoryOptions,
    symbols: Option<&dyn SymbolSource>,
    mut previous: CommitCache,
    keep: bool,
) -> Result<CachedRead, HistoryError> {
    // libgit2 rehashes every object it reads unless told not to (git
    // itself does not): a fifth of the diff time. Process-wide; a
    // corrupted object still fails to inflate or parse.
    git2::opts::strict_hash_verification(false);
    let repo = open::open(path)?;
    let head = open::start(&repo, path, options.start.as_deref())?;
    let boundary = open::shallow_boundary(&repo);
    let at_head = head::files(&repo, head)?;
    let known = known_spans(symbols.map(|_| std::mem::take(&mut previous.spans)));
    let known_lines = std::mem::take(&mut previous.lines);
    let cache = symbol_cache(&at_head, symbols, known);
    let cached_versions = cache.head_spans().len();
    let walk = walk::walk(&repo, head, &boundary, options)?;
    let settings = DiffSettings {
        first_parent: options.first_parent,
        max_blob_bytes: options.max_blob_bytes,
        symbols,
    };
    let mut changes = cached_changes(&walk.commits, options, previous);
    let diffed_commits = diff_uncached(
        &repo,
        &walk.commits,
        &mut changes,
        options.thread_count(),
        &settings,
        &cache,
    )?;
    let with_diff: Vec<bool> = walk
        .commits
        .iter()
        .map(|p| diff::has_diff(p, options.first_parent))
        .collect();
    let mut reuse = Reuse {
        cached_commits: with_diff.iter().filter(|d| **d).count() - diffed_commits,
        diffed_commits,
        cached_versions,
        cached_lines: 0,
    };
    let mut raw = raw_history(&repo, head, options, symbols, walk, changes);
    let head_side = HeadSide {
        head,
        files: &at_head,
        cache: &cache,
        known_lines: &known_lines,
    };
    reuse.cached_lines = head_side.read(&repo, options, symbols, &mut raw)?;
    let bytes = if keep {
        encode_cache(options, symbols, &raw, &with_diff, (&cache, &at_head))
    } else {
        Vec::new()
    };
    Ok(CachedRead {
        raw,
        cache: bytes,
        reuse,
    })
}

/// The history as walked and diffed, before its newest commit's side is
/// read.
fn raw_history(
    repo: &Repository,
    head: Oid,
    options: &HistoryOptions,
    symbols: Option<&dyn SymbolSource>,
    walk: walk::Walk,
    changes: Vec<Option<Vec<FileChange>>>,
) -> RawHistory {
    RawHistory {
        head: Some(head.to_string()),
        shallow: repo.is_shallow(),
        first_parent: options.first_parent,
        since: options.since,
        max_commits: options.max_commits,
        truncated: walk.truncated,
        symbols: symbols.is_some(),
        commits: records(walk.commits, changes.into_iter().flatten().collect()),
        ..RawHistory::default()
    }
}

/// Each commit's changes: none without a diff, the cache's, or to do
/// (`None`).
fn cached_changes(
    commits: &[Planned],
    options: &HistoryOptions,
    mut previous: CommitCache,
) -> Vec<Option<Vec<FileChange>>> {
    commits
        .iter()
        .map(
            |planned| match diff::has_diff(planned, options.first_parent) {
                false => Some(Vec::new()),
                true => previous.commits.remove(&planned.oid.to_string()),
            },
        )
        .collect()
}

/// Diffs the commits whose changes are still to do, on the reader's
/// threads, and fills them in; returns how many were diffed.
fn diff_uncached(
    repo: &Repository,
    commits: &[Planned],
    changes: &mut [Option<Vec<FileChange>>],
    threads: usize,
    settings: &DiffSettings<'_>,
    cache: &SymbolCache,
) -> Result<usize, HistoryError> {
    let todo: Vec<&Planned> = commits
        .iter()
        .zip(changes.iter())
        .filter(|(_, c)| c.is_none())
        .map(|(p, _)| p)
        .collect();
    let diffed = workers::parallel(
        repo,
        &todo,
        threads,
        || (),
        |repo, _, planned| diff::diff_commit(repo, planned, settings, cache),
    )?;
    let mut diffed = diffed.into_iter();
    for slot in changes.iter_mut().filter(|c| c.is_none()) {
        *slot = diffed.next();
    }
    Ok(todo.len())
}

/// The cached symbols by blob id (ids that do not parse are dropped).
fn known_spans(
    spans: Option<FxHashMap<String, Vec<SymbolSpan>>>,
) -> FxHashMap<Oid, Vec<SymbolSpan>> {
    spans
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(id, spans)| Oid::from_str(&id).ok().map(|oid| (oid, spans)))
        .collect()
}

/// The cache's bytes: the commits with a diff, newest first, and the
/// symbols of the versions at HEAD, by blob id.
fn encode_cache(
    options: &HistoryOptions,
    symbols: Option<&dyn SymbolSource>,
    raw: &RawHistory,
    with_diff: &[bool],
    (cache, at_head): (&SymbolCache, &[HeadFile]),
) -> Vec<u8> {
    let lines: Vec<(String, Option<u32>)> = at_head
        .iter()
        .filter_map(|f| Some((f.oid.to_string(), *raw.head_files.get(&f.path)?)))
        .collect();
    let head_spans: Vec<(String, Arc<Vec<SymbolSpan>>)> = cache
        .head_spans()
        .into_iter()
        .map(|(oid, spans)| (oid.to_string(), spans))
        .collect();
    CommitCache::encode(
        &CacheKey::new(options, symbols),
        raw.commits
            .iter()
            .zip(with_diff)
            .filter(|(_, &diffed)| diffed)
            .map(|(c, _)| (c.id.as_str(), c.changes.as_slice())),
        head_spans
            .iter()
            .map(|(id, spans)| (id.as_str(), spans.as_slice())),
        lines.iter().map(|(id, n)| (id.as_str(), *n)),
    )
}

/// A symbol cache that keeps the versions at HEAD the source can parse.
fn symbol_cache(
    at_head: &[HeadFile],
    symbols: Option<&dyn SymbolSource>,
    known: FxHashMap<Oid, Vec<SymbolSpan>>,
) -> SymbolCache {
    match symbols {
        Some(source) => SymbolCache::new(
            at_head
                .iter()
                .filter(|f| source.supports(&f.path))
                .map(|f| f.oid)
                .collect(),
            known,
        ),
        None => SymbolCache::default(),
    }
}

/// The walked commits with their diffs.
fn records(planned: Vec<Planned>, changes: Vec<Vec<FileChange>>) -> Vec<CommitRecord> {
    planned
        .into_iter()
        .zip(changes)
        .map(|(planned, changes)| CommitRecord {
            id: planned.oid.to_string(),
            author: planned.author,
            time: planned.time,
            parents: planned.parents,
            boundary: planned.boundary,
            changes,
        })
        .collect()
}

/// The newest commit's files, and the symbol versions already parsed and
/// the file versions' lines already counted (by blob id).
struct HeadSide<'a> {
    head: Oid,
    files: &'a [HeadFile],
    cache: &'a SymbolCache,
    known_lines: &'a FxHashMap<String, Option<u32>>,
}

impl HeadSide<'_> {
    /// The lines of the living files the history touched and, with a
    /// symbol source, their symbols; returns how many files' lines were
    /// known.
    fn read(
        &self,
        repo: &Repository,
        options: &HistoryOptions,
        symbols: Option<&dyn SymbolSource>,
        raw: &mut RawHistory,
    ) -> Result<usize, HistoryError> {
        let touched: BTreeSet<&str> = raw
            .commits
            .iter()
            .flat_map(|c| c.changes.iter().map(|f| f.path.as_str()))
            .collect();
        let files: Vec<&HeadFile> = self
            .files
            .iter()
            .filter(|f| touched.contains(f.path.as_str()))
            .collect();
        let threads = options.thread_count();
        let (lines, known) = self.lines(repo, &files, threads, options.max_blob_bytes)?;
        if let Some(source) = symbols {
            let parsed: Vec<&HeadFile> = files
                .iter()
                .zip(&lines)
                .filter(|(f, lines)| lines.is_some() && source.supports(&f.path))
                .map(|(f, _)| *f)
                .collect();
            let spans = workers::parallel(
                repo,
                &parsed,
                threads,
                || (),
                |repo, _, file| {
                    self.cache
                        .spans(repo, source, self.head, file.oid, &file.path)
                },
            )?;
            raw.head_symbols = parsed
                .iter()
                .map(|f| f.path.clone())
                .zip(spans.into_iter().map(|s| s.as_ref().clone()))
                .collect();
        }
        raw.head_files = head::line_map(&files, lines);
        Ok(known)
    }

    /// Each file's lines: the count kept for its blob, or counted now
    /// (the blobs read on `threads`); and how many were kept.
    fn lines(
        &self,
        repo: &Repository,
        files: &[&HeadFile],
        threads: usize,
        max: u64,
    ) -> Result<(Vec<Option<u32>>, usize), HistoryError> {
        let kept: Vec<Option<Option<u32>>> = files
            .iter()
            .map(|f| self.known_lines.get(&f.oid.to_string()).copied())
            .collect();
        let unknown: Vec<&HeadFile> = files
            .iter()
            .zip(&kept)
            .filter(|(_, k)| k.is_none())
            .map(|(f, _)| *f)
            .collect();
        let head = self.head;
        let counted = workers::parallel(
            repo,
            &unknown,
            threads,
            || (),
            |repo, _, file| head::lines(repo, head, file, max),
        )?;
        let known = files.len() - unknown.len();
        let mut counted = counted.into_iter();
        let lines = kept
            .into_iter()
            .map(|k| k.unwrap_or_else(|| counted.next().flatten()))
            .collect();
        Ok((lines, known))
    }
}
