//! Opening the repository: a clear error for a path that is not one, the
//! commit to start from, and the boundary of a shallow clone.

use crate::error::HistoryError;
use git2::{ErrorCode, Mailmap, Oid, Repository, RepositoryOpenFlags};
use std::collections::HashSet;
use std::ffi::OsStr;
use std::path::Path;

/// Opens the repository at `path` exactly (a work tree's root or a bare
/// git directory; parent directories are not searched), as a bare
/// repository: the history is read from objects only, so the work tree's
/// files play no part (`.mailmap` and `.gitattributes` come from the
/// repository, `HEAD:.mailmap`, not from uncommitted edits), and libgit2
/// does not look for attribute files in the work tree on every diff.
pub fn open(path: &Path) -> Result<Repository, HistoryError> {
    let not_a_repository = || HistoryError::NotARepository {
        path: path.to_path_buf(),
    };
    if !path.exists() {
        return Err(not_a_repository());
    }
    let failed = |e: git2::Error| match e.code() {
        ErrorCode::NotFound => not_a_repository(),
        _ => HistoryError::Git {
            context: format!("opening {}", path.display()),
            source: e,
        },
    };
    let flags = RepositoryOpenFlags::NO_SEARCH;
    let found = Repository::open_ext(path, flags, std::iter::empty::<&OsStr>()).map_err(failed)?;
    reopen(found.path()).map_err(failed)
}

/// A bare handle on the git directory `git_dir` (also for another
/// thread). Opened through `open_ext`, which loads a shallow clone's
/// grafts (`open_bare` does not).
pub fn reopen(git_dir: &Path) -> Result<Repository, git2::Error> {
    let flags = RepositoryOpenFlags::NO_SEARCH | RepositoryOpenFlags::BARE;
    Repository::open_ext(git_dir, flags, std::iter::empty::<&OsStr>())
}

/// The commit to start from: `start` (an id, a branch, a tag) or HEAD.
pub fn start(repo: &Repository, path: &Path, start: Option<&str>) -> Result<Oid, HistoryError> {
    let Some(revision) = start else {
        return head(repo, path);
    };
    repo.revparse_single(revision)
        .and_then(|o| o.peel_to_commit())
        .map(|c| c.id())
        .map_err(|_| HistoryError::UnknownRevision {
            revision: revision.to_string(),
            path: path.to_path_buf(),
        })
}

/// The `.mailmap` of commit `at`'s tree, alone (no repository setting);
/// `None` when it has none or it cannot be read.
pub fn mailmap_at(repo: &Repository, at: Oid) -> Option<Mailmap> {
    let tree = repo.find_commit(at).ok()?.tree().ok()?;
    let entry = tree.get_path(Path::new(".mailmap")).ok()?;
    let blob = repo.find_blob(entry.id()).ok()?;
    Mailmap::from_buffer(&String::from_utf8_lossy(blob.content())).ok()
}

/// The commit HEAD points at.
pub fn head(repo: &Repository, path: &Path) -> Result<Oid, HistoryError> {
    let reference = repo.head().map_err(|e| match e.code() {
        ErrorCode::UnbornBranch | ErrorCode::NotFound => HistoryError::NoCommits {
            path: path.to_path_buf(),
        },
        _ => HistoryError::Git {
            context: "reading HEAD".into(),
            source: e,
        },
    })?;
    let target = reference.resolve().ok().and_then(|r| r.target());
    target.ok_or_else(|| HistoryError::NoCommits {
        path: path.to_path_buf(),
    })
}

/// The commits of a shallow clone whose parents are missing (the
/// repository's `shallow` file); empty for a full clone.
pub fn shallow_boundary(repo: &Repository) -> HashSet<Oid> {
    if !repo.is_shallow() {
        return HashSet::new();
    }
    let text = std::fs::read_to_string(repo.path().join("shallow")).unwrap_or_default();
    text.lines()
        .filter_map(|line| Oid::from_str(line.trim()).ok())
        .collect()
}
