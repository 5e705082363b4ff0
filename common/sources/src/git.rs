//! Local sources: a plain directory (read in place) and a git repository at
//! a ref (its commit's tree written to a temporary directory through libgit2,
//! never shelling out to `git`).
//!
//! Refs are resolved with `revparse_single` and peeled to a commit, so
//! branches, remote branches, lightweight and annotated tags, full and short
//! shas and revspecs such as `HEAD~1` all work. Only blobs are written:
//! symlinks and submodules (gitlinks) are skipped, and the tree walk goes
//! through the same [`Sink`] as archives, so its size limits apply.

use crate::error::SourceError;
use crate::sink::Sink;
use crate::{Fetched, Plan};
use doctown_core::ResolvedSource;
use git2::{ObjectType, Repository, Tree};
use std::path::Path;

const MODE_TREE: i32 = 0o040000;
const MODE_BLOB_EXEC: i32 = 0o100755;
const MODE_LINK: i32 = 0o120000;
const MODE_COMMIT: i32 = 0o160000;

/// A directory used in place; git HEAD recorded when there is one.
pub(crate) fn fetch_directory(dir: &Path) -> Result<Fetched, SourceError> {
    let shown = dir.display().to_string();
    if !dir.exists() {
        return Err(SourceError::NotFound(shown));
    }
    if !dir.is_dir() {
        return Err(SourceError::UnsupportedFile(shown));
    }
    let root = dir
        .canonicalize()
        .map_err(|e| SourceError::io(format!("cannot resolve {shown}"), &e))?;
    let mut resolved = ResolvedSource {
        kind: "directory".into(),
        name: dir_name(&root),
        ..Default::default()
    };
    if let Ok(repo) = Repository::open(&root) {
        if let Ok(head) = repo.head() {
            if head.is_branch() {
                resolved.git_ref = head.shorthand().map(str::to_string);
            }
            resolved.commit = head.peel_to_commit().ok().map(|c| c.id().to_string());
        }
    }
    Ok(Fetched {
        root,
        resolved,
        oversized: Vec::new(),
        archive_sha256: None,
        temp: None,
    })
}

/// The commit `git_ref` names in `repo_path`, written out to a temp dir.
pub(crate) fn fetch_git(
    repo_path: &Path,
    git_ref: &str,
    plan: &Plan<'_>,
) -> Result<Fetched, SourceError> {
    let shown = repo_path.display().to_string();
    if !repo_path.exists() {
        return Err(SourceError::NotFound(shown));
    }
    let repo = Repository::open(repo_path).map_err(|_| SourceError::RefWithoutGit {
        path: shown.clone(),
        git_ref: git_ref.to_string(),
    })?;
    let unknown = || SourceError::UnknownRef {
        git_ref: git_ref.to_string(),
        repo: shown.clone(),
    };
    if git_ref.trim().is_empty() {
        return Err(unknown());
    }
    let commit = repo
        .revparse_single(git_ref)
        .and_then(|o| o.peel_to_commit())
        .map_err(|_| unknown())?;
    let tree = commit.tree().map_err(|e| SourceError::git(&shown, &e))?;
    let temp = plan.temp_dir()?;
    let mut sink = Sink::new(temp.path().to_path_buf(), plan.limits());
    write_tree(&repo, &tree, "", &mut sink, &shown)?;
    let name = repo
        .workdir()
        .map(dir_name)
        .unwrap_or_else(|| dir_name(repo.path()).trim_end_matches(".git").to_string());
    let name = if name.is_empty() {
        "source".to_string()
    } else {
        name
    };
    let resolved = ResolvedSource {
        kind: "git".into(),
        name,
        url: None,
        git_ref: Some(git_ref.to_string()),
        commit: Some(commit.id().to_string()),
    };
    Ok(Fetched {
        root: temp.path().to_path_buf(),
        resolved,
        oversized: sink.into_oversized(),
        archive_sha256: None,
        temp: Some(temp),
    })
}

fn write_tree(
    repo: &Repository,
    tree: &Tree<'_>,
    prefix: &str,
    sink: &mut Sink,
    shown: &str,
) -> Result<(), SourceError> {
    for entry in tree.iter() {
        sink.count_entry()?;
        let Some(name) = entry.name() else {
            tracing::warn!(prefix, "skipping a git tree entry with a non-UTF-8 name");
            continue;
        };
        let path = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        };
        match (entry.filemode(), entry.kind()) {
            (MODE_TREE, _) | (_, Some(ObjectType::Tree)) => {
                let subtree = repo
                    .find_tree(entry.id())
                    .map_err(|e| SourceError::git(shown, &e))?;
                sink.add_dir(&path)?;
                write_tree(repo, &subtree, &path, sink, shown)?;
            }
            (MODE_LINK, _) | (MODE_COMMIT, _) => {
                tracing::debug!(%path, "skipping symlink or submodule");
            }
            (mode, Some(ObjectType::Blob)) => {
                let odb = repo.odb().map_err(|e| SourceError::git(shown, &e))?;
                let (size, _) = odb
                    .read_header(entry.id())
                    .map_err(|e| SourceError::git(shown, &e))?;
                let size = size as u64;
                if size > sink.max_file_bytes() {
                    // Let the sink record it without loading the blob.
                    sink.add_file(&path, size, &mut std::io::empty(), false)?;
                    continue;
                }
                let blob = repo
                    .find_blob(entry.id())
                    .map_err(|e| SourceError::git(shown, &e))?;
                sink.add_file(&path, size, &mut blob.content(), mode == MODE_BLOB_EXEC)?;
            }
            _ => tracing::debug!(%path, "skipping unexpected tree entry"),
        }
    }
    Ok(())
}

fn dir_name(path: &Path) -> String {
    path.components()
        .next_back()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .filter(|n| !n.is_empty() && n != "/")
        .unwrap_or_else(|| "source".to_string())
}
