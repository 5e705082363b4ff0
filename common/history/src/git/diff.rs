//! One commit's diff against its first parent: changed files, lines added
//! and removed, renames, and (with a symbol source) the symbols touched.

use super::blobs::SymbolCache;
use super::corrupt;
use super::head;
use super::planned::Planned;
use super::trees;
use crate::attribute::attribute;
use crate::error::HistoryError;
use crate::record::{ChangeKind, FileChange, Hunk};
use crate::source::SymbolSource;
use git2::{Delta, DiffDelta, DiffFindOptions, DiffOptions, Oid, Patch, Repository};

/// What every diff needs to know.
pub struct DiffSettings<'a> {
    pub first_parent: bool,
    pub max_blob_bytes: u64,
    pub symbols: Option<&'a dyn SymbolSource>,
}

/// A changed file as the diff reports it.
struct Changed {
    path: String,
    old_path: String,
    kind: ChangeKind,
    old_id: Oid,
    new_id: Oid,
    binary: bool,
    hunks: Vec<Hunk>,
}

fn path_of(file: &git2::DiffFile<'_>) -> String {
    file.path_bytes()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .unwrap_or_default()
}

fn changed(delta: &DiffDelta<'_>) -> Option<Changed> {
    let kind = match delta.status() {
        Delta::Added => ChangeKind::Added,
        Delta::Deleted => ChangeKind::Deleted,
        Delta::Renamed => ChangeKind::Renamed,
        Delta::Modified | Delta::Typechange | Delta::Copied => ChangeKind::Modified,
        _ => return None,
    };
    let (old, new) = (delta.old_file(), delta.new_file());
    let path = if kind == ChangeKind::Deleted {
        path_of(&old)
    } else {
        path_of(&new)
    };
    Some(Changed {
        old_path: path_of(&old),
        path,
        kind,
        old_id: old.id(),
        new_id: new.id(),
        binary: delta.flags().is_binary(),
        hunks: Vec::new(),
    })
}

/// Whether `planned` is diffed at all: merges are not unless following
/// first parents; a shallow boundary is not (its parent is missing).
pub fn has_diff(planned: &Planned, first_parent: bool) -> bool {
    !(planned.boundary || (planned.parents > 1 && !first_parent))
}

/// The files `planned` changed (none when it [`has_diff`] not).
pub fn diff_commit(
    repo: &Repository,
    planned: &Planned,
    settings: &DiffSettings<'_>,
    cache: &SymbolCache,
) -> Result<Vec<FileChange>, HistoryError> {
    if !has_diff(planned, settings.first_parent) {
        return Ok(Vec::new());
    }
    let changed = diff_files(repo, planned.oid, settings)
        .map_err(|e| corrupt::diagnose_commit(repo, planned.oid, e))?;
    changed
        .into_iter()
        .map(|c| file_change(repo, planned.oid, c, settings, cache))
        .collect()
}

fn diff_files(
    repo: &Repository,
    oid: Oid,
    settings: &DiffSettings<'_>,
) -> Result<Vec<Changed>, git2::Error> {
    let commit = repo.find_commit(oid)?;
    let tree = commit.tree()?;
    let parent_tree = match commit.parent_ids().next() {
        Some(parent) => Some(repo.find_commit(parent)?.tree()?),
        None => None,
    };
    let paths = trees::changed_paths(repo, parent_tree.as_ref(), &tree)?;
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let mut options = DiffOptions::new();
    for path in paths {
        options.pathspec(path);
    }
    options
        .disable_pathspec_match(true)
        .context_lines(0)
        .interhunk_lines(0)
        .ignore_submodules(true)
        .max_size(i64::try_from(settings.max_blob_bytes).unwrap_or(i64::MAX));
    let mut diff = repo.diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), Some(&mut options))?;
    let mut find = DiffFindOptions::new();
    find.renames(true)
        .exact_match_only(has_huge_rename_candidate(
            repo,
            &diff,
            settings.max_blob_bytes,
        ));
    diff.find_similar(Some(&mut find))?;
    collect(repo, &diff, settings.max_blob_bytes)
}

/// Whether an added or deleted file is over the blob limit while the diff
/// has both additions and deletions: inexact rename detection would load
/// it whole to measure similarity, so that commit finds exact renames
/// only.
fn has_huge_rename_candidate(repo: &Repository, diff: &git2::Diff<'_>, max_bytes: u64) -> bool {
    let candidates: Vec<Oid> = diff
        .deltas()
        .filter_map(|d| match d.status() {
            Delta::Added => Some(d.new_file().id()),
            Delta::Deleted => Some(d.old_file().id()),
            _ => None,
        })
        .collect();
    let both = diff.deltas().any(|d| d.status() == Delta::Added)
        && diff.deltas().any(|d| d.status() == Delta::Deleted);
    if !both {
        return false;
    }
    let Ok(odb) = repo.odb() else {
        return false;
    };
    candidates.into_iter().any(|oid| {
        odb.read_header(oid)
            .is_ok_and(|(size, _)| size as u64 > max_bytes)
    })
}

/// The changed files of a diff with their hunks and binary flags. Added
/// and deleted files are counted from the blob, as git counts them: a diff
/// against nothing would hash every line only to say they all changed.
fn collect(
    repo: &Repository,
    diff: &git2::Diff<'_>,
    max_bytes: u64,
) -> Result<Vec<Changed>, git2::Error> {
    let mut out = Vec::with_capacity(diff.deltas().len());
    for (i, delta) in diff.deltas().enumerate() {
        let Some(mut change) = changed(&delta) else {
            continue;
        };
        match change.kind {
            ChangeKind::Added => whole_file(repo, change.new_id, max_bytes, true, &mut change)?,
            ChangeKind::Deleted => whole_file(repo, change.old_id, max_bytes, false, &mut change)?,
            _ => patch_hunks(diff, i, &mut change)?,
        }
        out.push(change);
    }
    Ok(out)
}

/// A whole file added or deleted: one hunk of all its lines.
fn whole_file(
    repo: &Repository,
    oid: Oid,
    max_bytes: u64,
    added: bool,
    change: &mut Changed,
) -> Result<(), git2::Error> {
    let (size, _) = repo.odb()?.read_header(oid)?;
    if size as u64 > max_bytes {
        change.binary = true;
        return Ok(());
    }
    let blob = repo.find_blob(oid)?;
    if blob.is_binary() {
        change.binary = true;
        return Ok(());
    }
    let lines = head::count_lines(blob.content());
    if lines > 0 {
        change.hunks.push(if added {
            Hunk {
                old_start: 0,
                old_lines: 0,
                new_start: 1,
                new_lines: lines,
            }
        } else {
            Hunk {
                old_start: 1,
                old_lines: lines,
                new_start: 0,
                new_lines: 0,
            }
        });
    }
    Ok(())
}

/// A modified or renamed file's hunks, from libgit2's patch.
fn patch_hunks(
    diff: &git2::Diff<'_>,
    index: usize,
    change: &mut Changed,
) -> Result<(), git2::Error> {
    let patch = Patch::from_diff(diff, index)?;
    let binary = patch
        .as_ref()
        .map(|p| p.delta().flags().is_binary())
        .or_else(|| diff.get_delta(index).map(|d| d.flags().is_binary()))
        .unwrap_or(false);
    if binary {
        change.binary = true;
        return Ok(());
    }
    let Some(patch) = patch else {
        return Ok(());
    };
    for h in 0..patch.num_hunks() {
        let (hunk, _) = patch.hunk(h)?;
        change.hunks.push(Hunk {
            old_start: hunk.old_start(),
            old_lines: hunk.old_lines(),
            new_start: hunk.new_start(),
            new_lines: hunk.new_lines(),
        });
    }
    Ok(())
}

fn file_change(
    repo: &Repository,
    commit: Oid,
    c: Changed,
    settings: &DiffSettings<'_>,
    cache: &SymbolCache,
) -> Result<FileChange, HistoryError> {
    let binary = c.binary;
    let mut change = FileChange {
        added: if binary {
            0
        } else {
            c.hunks.iter().map(|h| h.new_lines).sum()
        },
        removed: if binary {
            0
        } else {
            c.hunks.iter().map(|h| h.old_lines).sum()
        },
        old_path: (c.kind == ChangeKind::Renamed).then(|| c.old_path.clone()),
        path: c.path.clone(),
        kind: c.kind,
        binary,
        ..FileChange::default()
    };
    // No hunks (a pure rename, a mode change, an empty file): no symbol
    // changed, nothing to parse.
    let parse = !binary && !c.hunks.is_empty();
    let Some(source) = settings.symbols.filter(|s| parse && s.supports(&c.path)) else {
        return Ok(change);
    };
    let old = match c.kind {
        ChangeKind::Added => None,
        _ => Some(cache.spans(repo, source, commit, c.old_id, &c.old_path)?),
    };
    let new = match c.kind {
        ChangeKind::Deleted => None,
        _ => Some(cache.spans(repo, source, commit, c.new_id, &c.path)?),
    };
    let attribution = attribute(
        &c.hunks,
        old.as_deref().map_or(&[], |v| v.as_slice()),
        new.as_deref().map_or(&[], |v| v.as_slice()),
    );
    change.symbols = attribution.touched;
    change.symbols_added = attribution.added;
    change.symbols_removed = attribution.removed;
    Ok(change)
}
