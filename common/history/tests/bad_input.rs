//! Bad input: not a repository, no commits, a shallow clone, a corrupted
//! object, a bounded walk of a long history. Every failure is a typed
//! error, never a panic.

mod common;

use common::{git_in, lines, Repo};
use doctown_history::{history, read_history, AnalysisOptions, HistoryError, HistoryOptions};

fn read(path: &std::path::Path) -> Result<doctown_history::History, HistoryError> {
    history(
        path,
        &HistoryOptions::default(),
        None,
        &AnalysisOptions::default(),
    )
}

#[test]
fn not_a_repository() {
    let dir = tempfile::tempdir().unwrap();
    let err = read(dir.path()).unwrap_err();
    assert!(
        matches!(err, HistoryError::NotARepository { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().ends_with("is not a git repository"),
        "{err}"
    );

    let missing = dir.path().join("nowhere");
    let err = read(&missing).unwrap_err();
    assert!(
        matches!(err, HistoryError::NotARepository { .. }),
        "{err:?}"
    );

    let file = dir.path().join("file.txt");
    std::fs::write(&file, "x").unwrap();
    assert!(matches!(
        read(&file).unwrap_err(),
        HistoryError::NotARepository { .. }
    ));
}

#[test]
fn a_repository_without_commits() {
    let repo = Repo::new();
    let err = read(repo.path()).unwrap_err();
    assert!(matches!(err, HistoryError::NoCommits { .. }), "{err:?}");
    assert!(err.to_string().contains("has no commits yet"));
}

#[test]
fn a_shallow_clone_is_analysed_and_flagged() {
    let origin = Repo::new();
    for day in 0..6 {
        origin.write("a.txt", lines(&format!("v{day}"), 5));
        origin.write(&format!("f{day}.txt"), "x\n");
        origin.commit("al", day, "edit");
    }
    let clones = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.path().display());
    git_in(
        clones.path(),
        &["clone", "-q", "--depth", "3", &url, "shallow"],
        &[],
    );
    let shallow = clones.path().join("shallow");

    let h = read(&shallow).unwrap();
    assert!(h.summary.shallow);
    assert_eq!(h.summary.commits, 3);
    assert_eq!(h.summary.boundary_commits, 1);
    // The boundary commit's parent is missing: no diff for it, so the
    // whole tree does not show up as added by it.
    let a = h.files.iter().find(|f| f.path == "a.txt").unwrap();
    assert_eq!(a.commits, 2);
    assert_eq!((a.added, a.removed), (10, 10));
    assert!(h.files.iter().all(|f| f.path != "f0.txt"));

    let full = read(origin.path()).unwrap();
    assert!(!full.summary.shallow);
    assert_eq!(full.summary.boundary_commits, 0);
}

/// The loose object file of `oid`.
fn object_file(repo: &Repo, oid: &str) -> std::path::PathBuf {
    repo.file(&format!(".git/objects/{}/{}", &oid[..2], &oid[2..]))
}

fn overwrite(path: &std::path::Path, bytes: &[u8]) {
    let mut perms = std::fs::metadata(path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(path, perms).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_corrupted_blob_is_named() {
    let repo = Repo::new();
    repo.write("src/a.rs", lines("a", 5));
    repo.commit("al", 0, "one");
    repo.write("src/a.rs", lines("a", 7));
    repo.commit("al", 1, "two");
    let blob = repo.git(&["rev-parse", "HEAD:src/a.rs"]);
    overwrite(&object_file(&repo, &blob), b"this is not zlib");

    let err = read(repo.path()).unwrap_err();
    match &err {
        HistoryError::CorruptObject { oid, what, .. } => {
            assert_eq!(oid, &blob);
            assert!(what.contains("src/a.rs"), "{what}");
        }
        other => panic!("expected a corrupt object, got {other:?}"),
    }
    assert!(err.to_string().contains(&blob), "{err}");
}

#[test]
fn a_missing_commit_is_named() {
    let repo = Repo::new();
    for day in 0..3 {
        repo.write("a.txt", format!("{day}\n"));
        repo.commit("al", day, "edit");
    }
    let middle = repo.git(&["rev-parse", "HEAD~1"]);
    std::fs::remove_file(object_file(&repo, &middle)).unwrap();

    let err = read(repo.path()).unwrap_err();
    match &err {
        HistoryError::CorruptObject { oid, what, .. } => {
            assert_eq!(oid, &middle);
            assert!(what.starts_with("commit"), "{what}");
        }
        other => panic!("expected a corrupt object, got {other:?}"),
    }
}

#[test]
fn max_commits_bounds_a_long_history() {
    let repo = Repo::new();
    // Empty commits make a long history cheaply.
    for day in 0..300 {
        repo.commit_staged(
            "al",
            day,
            "empty",
            &["commit", "-q", "--allow-empty", "-m", "empty"],
        );
    }
    let raw = read_history(
        repo.path(),
        &HistoryOptions {
            max_commits: Some(25),
            ..HistoryOptions::default()
        },
        None,
    )
    .unwrap();
    assert_eq!(raw.commits.len(), 25);
    assert!(raw.truncated);
    // Newest first.
    assert!(raw.commits.windows(2).all(|w| w[0].time > w[1].time));
}
