//! The newest commit's side of the story: which of the files the history
//! touched still exist, their lines, and their symbols.

use super::corrupt;
use crate::error::HistoryError;
use git2::{ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};
use std::collections::BTreeMap;

/// A file at HEAD.
pub struct HeadFile {
    pub path: String,
    pub oid: Oid,
}

/// Every blob at `head`, in tree order.
pub fn files(repo: &Repository, head: Oid) -> Result<Vec<HeadFile>, HistoryError> {
    let tree = repo
        .find_commit(head)
        .and_then(|c| c.tree())
        .map_err(|e| corrupt::diagnose_commit(repo, head, e))?;
    let mut out = Vec::new();
    tree.walk(TreeWalkMode::PreOrder, |root, entry| {
        if entry.kind() == Some(ObjectType::Blob) {
            out.push(HeadFile {
                path: format!("{root}{}", String::from_utf8_lossy(entry.name_bytes())),
                oid: entry.id(),
            });
        }
        TreeWalkResult::Ok
    })
    .map_err(|e| corrupt::diagnose_commit(repo, head, e))?;
    Ok(out)
}

/// A file's lines, or `None` when it is binary or over `max_bytes`.
pub fn lines(
    repo: &Repository,
    head: Oid,
    file: &HeadFile,
    max_bytes: u64,
) -> Result<Option<u32>, HistoryError> {
    let odb = repo
        .odb()
        .map_err(HistoryError::git("opening the object database"))?;
    let (size, _) = odb
        .read_header(file.oid)
        .map_err(|e| corrupt::blob(file.oid, &file.path, head, &e))?;
    if size as u64 > max_bytes {
        return Ok(None);
    }
    let blob = repo
        .find_blob(file.oid)
        .map_err(|e| corrupt::blob(file.oid, &file.path, head, &e))?;
    if blob.is_binary() {
        return Ok(None);
    }
    Ok(Some(count_lines(blob.content())))
}

/// Lines as `wc -l` would count them, plus an unterminated last line.
pub fn count_lines(content: &[u8]) -> u32 {
    let newlines = content.iter().filter(|&&b| b == b'\n').count();
    let last = usize::from(content.last().is_some_and(|&b| b != b'\n'));
    u32::try_from(newlines + last).unwrap_or(u32::MAX)
}

/// Files by path with their lines.
pub fn line_map(files: &[&HeadFile], lines: Vec<Option<u32>>) -> BTreeMap<String, Option<u32>> {
    files.iter().map(|f| f.path.clone()).zip(lines).collect()
}

#[cfg(test)]
mod tests {
    use super::count_lines;

    #[test]
    fn counts_lines() {
        assert_eq!(count_lines(b""), 0);
        assert_eq!(count_lines(b"a"), 1);
        assert_eq!(count_lines(b"a\n"), 1);
        assert_eq!(count_lines(b"a\nb"), 2);
        assert_eq!(count_lines(b"\n\n"), 2);
    }
}
