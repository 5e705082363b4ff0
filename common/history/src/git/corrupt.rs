//! When git fails mid-walk or mid-diff, find the object that cannot be
//! read and name it. Only runs on the error path: it rereads everything
//! the failed step could have touched.

use super::planned::Planned;
use crate::error::HistoryError;
use git2::{ObjectType, Odb, Oid, Repository};

fn short(oid: Oid) -> String {
    oid.to_string()[..12].to_string()
}

fn corrupt(oid: Oid, what: String, error: &git2::Error) -> HistoryError {
    HistoryError::CorruptObject {
        oid: oid.to_string(),
        what,
        message: error.message().to_string(),
    }
}

/// Reads a commit and parses it; the error names it.
fn check_commit(repo: &Repository, odb: &Odb, oid: Oid) -> Result<(), HistoryError> {
    let what = || format!("commit {}", short(oid));
    odb.read(oid).map_err(|e| corrupt(oid, what(), &e))?;
    repo.find_commit(oid)
        .map_err(|e| corrupt(oid, what(), &e))?;
    Ok(())
}

/// Reads every tree and blob under `root`; the first that fails is named
/// with its path and the commit it belongs to.
fn check_tree(repo: &Repository, odb: &Odb, root: Oid, commit: Oid) -> Result<(), HistoryError> {
    let mut stack = vec![(root, String::new())];
    while let Some((oid, path)) = stack.pop() {
        let what = format!("tree `{path}/` of commit {}", short(commit));
        odb.read(oid).map_err(|e| corrupt(oid, what.clone(), &e))?;
        let tree = repo.find_tree(oid).map_err(|e| corrupt(oid, what, &e))?;
        for entry in tree.iter() {
            let name = String::from_utf8_lossy(entry.name_bytes());
            let child = if path.is_empty() {
                name.into_owned()
            } else {
                format!("{path}/{name}")
            };
            match entry.kind() {
                Some(ObjectType::Tree) => stack.push((entry.id(), child)),
                Some(ObjectType::Blob) => {
                    odb.read(entry.id()).map_err(|e| {
                        corrupt(
                            entry.id(),
                            format!("blob `{child}` of commit {}", short(commit)),
                            &e,
                        )
                    })?;
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Checks a commit, its tree, its first parent and that parent's tree.
fn check_diff_inputs(repo: &Repository, odb: &Odb, oid: Oid) -> Result<(), HistoryError> {
    check_commit(repo, odb, oid)?;
    let commit = repo
        .find_commit(oid)
        .map_err(|e| corrupt(oid, format!("commit {}", short(oid)), &e))?;
    check_tree(repo, odb, commit.tree_id(), oid)?;
    if let Some(parent) = commit.parent_ids().next() {
        check_commit(repo, odb, parent)?;
        let parent_tree = repo
            .find_commit(parent)
            .map_err(|e| corrupt(parent, format!("commit {}", short(parent)), &e))?
            .tree_id();
        check_tree(repo, odb, parent_tree, parent)?;
    }
    Ok(())
}

/// The error for a failed diff of `oid`: the unreadable object when one is
/// found, else git's error.
pub fn diagnose_commit(repo: &Repository, oid: Oid, error: git2::Error) -> HistoryError {
    let found = repo
        .odb()
        .ok()
        .and_then(|odb| check_diff_inputs(repo, &odb, oid).err());
    found.unwrap_or_else(|| HistoryError::Git {
        context: format!("diffing commit {}", short(oid)),
        source: error,
    })
}

/// The error for a failed walk: an unreadable commit among HEAD, the
/// commits walked so far and their parents (the walk reads parents before
/// it yields a commit), else git's error.
pub fn diagnose_walk(
    repo: &Repository,
    head: Oid,
    walked: &[Planned],
    error: git2::Error,
) -> HistoryError {
    let found = repo.odb().ok().and_then(|odb| {
        let walked = walked.iter().filter(|p| !p.boundary).map(|p| p.oid);
        std::iter::once(head).chain(walked).find_map(|oid| {
            check_commit(repo, &odb, oid).err().or_else(|| {
                let parents: Vec<Oid> = repo.find_commit(oid).ok()?.parent_ids().collect();
                parents
                    .into_iter()
                    .find_map(|parent| check_commit(repo, &odb, parent).err())
            })
        })
    });
    found.unwrap_or_else(|| HistoryError::Git {
        context: "walking the history".into(),
        source: error,
    })
}

/// The error for a blob that could not be read.
pub fn blob(oid: Oid, path: &str, commit: Oid, error: &git2::Error) -> HistoryError {
    corrupt(
        oid,
        format!("blob `{path}` of commit {}", short(commit)),
        error,
    )
}
