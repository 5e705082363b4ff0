//! Reading a local repository's history with libgit2 (git2): the walk,
//! the diffs (spread over threads) and the newest commit's files. All the
//! crate's IO is here; what it gathers is a [`RawHistory`].

mod blobs;
mod corrupt;
mod diff;
mod head;
mod open;
mod trees;
mod walk;
mod workers;

pub use head::count_lines;

use crate::analysis::RawHistory;
use crate::error::HistoryError;
use crate::options::HistoryOptions;
use crate::record::{CommitRecord, FileChange};
use crate::source::SymbolSource;
use blobs::SymbolCache;
use diff::DiffSettings;
use git2::{Oid, Repository};
use head::HeadFile;
use std::collections::BTreeSet;
use std::path::Path;

/// Reads the history of the repository at `path` (its root or a bare git
/// directory). With a symbol source, also maps every diff onto symbols.
pub fn read_history(
    path: &Path,
    options: &HistoryOptions,
    symbols: Option<&dyn SymbolSource>,
) -> Result<RawHistory, HistoryError> {
    // libgit2 rehashes every object it reads unless told not to (git
    // itself does not): a fifth of the diff time. Process-wide; a
    // corrupted object still fails to inflate or parse.
    git2::opts::strict_hash_verification(false);
    let repo = open::open(path)?;
    let head = open::start(&repo, path, options.start.as_deref())?;
    let boundary = open::shallow_boundary(&repo);
    let at_head = head::files(&repo, head)?;
    let cache = symbol_cache(&at_head, symbols);
    let walk = walk::walk(&repo, head, &boundary, options)?;
    let settings = DiffSettings {
        first_parent: options.first_parent,
        max_blob_bytes: options.max_blob_bytes,
        symbols,
    };
    let changes = workers::parallel(
        &repo,
        &walk.commits,
        options.thread_count(),
        || (),
        |repo, _, planned| diff::diff_commit(repo, planned, &settings, &cache),
    )?;
    let mut raw = RawHistory {
        head: Some(head.to_string()),
        shallow: repo.is_shallow(),
        first_parent: options.first_parent,
        since: options.since,
        max_commits: options.max_commits,
        truncated: walk.truncated,
        symbols: symbols.is_some(),
        commits: records(walk.commits, changes),
        ..RawHistory::default()
    };
    let head_side = HeadSide {
        head,
        files: &at_head,
        cache: &cache,
    };
    head_side.read(&repo, options, symbols, &mut raw)?;
    Ok(raw)
}

/// A symbol cache that keeps the versions at HEAD the source can parse.
fn symbol_cache(at_head: &[HeadFile], symbols: Option<&dyn SymbolSource>) -> SymbolCache {
    SymbolCache::new(match symbols {
        Some(source) => at_head
            .iter()
            .filter(|f| source.supports(&f.path))
            .map(|f| f.oid)
            .collect(),
        None => Default::default(),
    })
}

/// The walked commits with their diffs.
fn records(planned: Vec<walk::Planned>, changes: Vec<Vec<FileChange>>) -> Vec<CommitRecord> {
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

/// The newest commit's files, and the symbol versions already parsed.
struct HeadSide<'a> {
    head: Oid,
    files: &'a [HeadFile],
    cache: &'a SymbolCache,
}

impl HeadSide<'_> {
    /// The lines of the living files the history touched and, with a
    /// symbol source, their symbols.
    fn read(
        &self,
        repo: &Repository,
        options: &HistoryOptions,
        symbols: Option<&dyn SymbolSource>,
        raw: &mut RawHistory,
    ) -> Result<(), HistoryError> {
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
        let (head, max) = (self.head, options.max_blob_bytes);
        let lines = workers::parallel(
            repo,
            &files,
            threads,
            || (),
            |repo, _, file| head::lines(repo, head, file, max),
        )?;
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
                |repo, _, file| self.cache.spans(repo, source, head, file.oid, &file.path),
            )?;
            raw.head_symbols = parsed
                .iter()
                .map(|f| f.path.clone())
                .zip(spans.into_iter().map(|s| s.as_ref().clone()))
                .collect();
        }
        raw.head_files = head::line_map(&files, lines);
        Ok(())
    }
}
