//! The paths two trees disagree on, found by walking only the subtrees
//! whose ids differ. libgit2's tree-to-tree diff visits every entry of
//! both trees; handed these paths as an exact path list, its iterators
//! skip the rest — on a repository of thousands of files, most of a
//! commit's diff time.

use git2::{ObjectType, Oid, Repository, Tree};
use rustc_hash::FxHashMap;

/// Blob (and symlink) paths added, removed or changed between `old` and
/// `new`, as bytes.
pub fn changed_paths(
    repo: &Repository,
    old: Option<&Tree<'_>>,
    new: &Tree<'_>,
) -> Result<Vec<Vec<u8>>, git2::Error> {
    let mut out = Vec::new();
    match old {
        Some(old) => compare(repo, old, new, &[], &mut out)?,
        None => all_paths(repo, new, &[], &mut out)?,
    }
    Ok(out)
}

fn join(prefix: &[u8], name: &[u8]) -> Vec<u8> {
    let mut path = Vec::with_capacity(prefix.len() + name.len() + 1);
    if !prefix.is_empty() {
        path.extend_from_slice(prefix);
        path.push(b'/');
    }
    path.extend_from_slice(name);
    path
}

/// An entry's id and kind: trees recurse, blobs are paths, gitlinks
/// (submodules) are left out as the diff leaves them out.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Entry {
    id: Oid,
    mode: i32,
    kind: Option<ObjectType>,
}

fn entries(tree: &Tree<'_>) -> Vec<(Vec<u8>, Entry)> {
    tree.iter()
        .map(|e| {
            (
                e.name_bytes().to_vec(),
                Entry {
                    id: e.id(),
                    mode: e.filemode(),
                    kind: e.kind(),
                },
            )
        })
        .collect()
}

fn compare(
    repo: &Repository,
    old: &Tree<'_>,
    new: &Tree<'_>,
    prefix: &[u8],
    out: &mut Vec<Vec<u8>>,
) -> Result<(), git2::Error> {
    let old_entries = entries(old);
    let new_entries = entries(new);
    let before: FxHashMap<&[u8], Entry> = old_entries
        .iter()
        .map(|(n, e)| (n.as_slice(), *e))
        .collect();
    let mut seen = 0;
    for (name, now) in &new_entries {
        let (name, now) = (name.as_slice(), *now);
        let path = join(prefix, name);
        match before.get(name) {
            Some(was) => {
                seen += 1;
                if was != &now {
                    changed(repo, Some(*was), Some(now), &path, out)?;
                }
            }
            None => changed(repo, None, Some(now), &path, out)?,
        }
    }
    if seen < before.len() {
        let after: FxHashMap<&[u8], ()> = new_entries
            .iter()
            .map(|(n, _)| (n.as_slice(), ()))
            .collect();
        for (name, was) in &old_entries {
            if !after.contains_key(name.as_slice()) {
                changed(repo, Some(*was), None, &join(prefix, name), out)?;
            }
        }
    }
    Ok(())
}

/// One name whose entry differs (or exists on one side only).
fn changed(
    repo: &Repository,
    was: Option<Entry>,
    now: Option<Entry>,
    path: &[u8],
    out: &mut Vec<Vec<u8>>,
) -> Result<(), git2::Error> {
    let tree = |e: Option<Entry>| e.filter(|e| e.kind == Some(ObjectType::Tree));
    let blob = |e: Option<Entry>| e.is_some_and(|e| e.kind == Some(ObjectType::Blob));
    if let (Some(w), Some(n)) = (tree(was), tree(now)) {
        return compare(
            repo,
            &repo.find_tree(w.id)?,
            &repo.find_tree(n.id)?,
            path,
            out,
        );
    }
    // A tree on one side only (or facing a file): all its files changed.
    for side in [tree(was), tree(now)].into_iter().flatten() {
        all_paths(repo, &repo.find_tree(side.id)?, path, out)?;
    }
    if blob(was) || blob(now) {
        out.push(path.to_vec());
    }
    Ok(())
}

/// Every blob path under `tree`.
fn all_paths(
    repo: &Repository,
    tree: &Tree<'_>,
    prefix: &[u8],
    out: &mut Vec<Vec<u8>>,
) -> Result<(), git2::Error> {
    for (name, entry) in entries(tree) {
        let path = join(prefix, &name);
        match entry.kind {
            Some(ObjectType::Tree) => all_paths(repo, &repo.find_tree(entry.id)?, &path, out)?,
            Some(ObjectType::Blob) => out.push(path),
            _ => {}
        }
    }
    Ok(())
}
