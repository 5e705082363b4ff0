//! Directory and git sources, against repositories made here with git2.

mod common;

use common::{is_empty_dir, list_files};
use doctown_sources::{
    fetch, fetch_with, parse_source, ExtractSettings, FetchOptions, SourceError, SourceSpec,
};
use git2::{Commit, IndexAddOption, Oid, Repository, RepositoryInitOptions, Signature};
use std::fs;
use std::path::Path;

fn init(dir: &Path) -> Repository {
    let mut opts = RepositoryInitOptions::new();
    opts.initial_head("main");
    Repository::init_opts(dir, &opts).unwrap()
}

/// Writes `files` (None deletes) into the work tree and commits everything.
fn commit(repo: &Repository, files: &[(&str, Option<&str>)], message: &str) -> Oid {
    let workdir = repo.workdir().unwrap();
    for (path, content) in files {
        let full = workdir.join(path);
        match content {
            Some(text) => {
                fs::create_dir_all(full.parent().unwrap()).unwrap();
                fs::write(&full, text).unwrap();
            }
            None => fs::remove_file(&full).unwrap(),
        }
    }
    let mut index = repo.index().unwrap();
    index.add_all(["*"], IndexAddOption::DEFAULT, None).unwrap();
    index.update_all(["*"], None).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::now("Test", "test@example.com").unwrap();
    let parents: Vec<Commit<'_>> = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .into_iter()
        .collect();
    let parents: Vec<&Commit<'_>> = parents.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .unwrap()
}

struct Fixture {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    first: Oid,
    second: Oid,
    third: Oid,
}

/// main: first (v0.1 lightweight tag) → second (v1.0 annotated, branch `release`) → third.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("myrepo");
    let repo = init(&path);
    let first = commit(
        &repo,
        &[("README.md", Some("v1")), ("src/lib.rs", Some("fn a() {}"))],
        "first",
    );
    repo.tag_lightweight("v0.1", &repo.find_object(first, None).unwrap(), false)
        .unwrap();
    let second = commit(
        &repo,
        &[("README.md", Some("v2")), ("src/old.rs", Some("old"))],
        "second",
    );
    let sig = Signature::now("Test", "test@example.com").unwrap();
    repo.tag(
        "v1.0",
        &repo.find_object(second, None).unwrap(),
        &sig,
        "release 1.0",
        false,
    )
    .unwrap();
    repo.branch("release", &repo.find_commit(second).unwrap(), false)
        .unwrap();
    let third = commit(
        &repo,
        &[("README.md", Some("v3")), ("src/old.rs", None)],
        "third",
    );
    Fixture {
        _dir: dir,
        path,
        first,
        second,
        third,
    }
}

fn fetch_at(fx: &Fixture, git_ref: &str) -> Result<doctown_sources::Fetched, SourceError> {
    let spec = parse_source(fx.path.to_str().unwrap(), Some(git_ref))?;
    assert!(matches!(spec, SourceSpec::Git { .. }));
    fetch(&spec, &FetchOptions::default())
}

#[test]
fn fetches_tags_branches_and_shas() {
    let fx = fixture();
    let short = &fx.first.to_string()[..7];
    let cases = [
        ("v0.1", fx.first, "v1"),
        ("v1.0", fx.second, "v2"),
        ("release", fx.second, "v2"),
        ("main", fx.third, "v3"),
        ("HEAD", fx.third, "v3"),
        ("HEAD~1", fx.second, "v2"),
        ("main~2", fx.first, "v1"),
        (short, fx.first, "v1"),
    ];
    let full = fx.third.to_string();
    for (git_ref, oid, readme) in cases.into_iter().chain([(full.as_str(), fx.third, "v3")]) {
        let fetched = fetch_at(&fx, git_ref).unwrap_or_else(|e| panic!("{git_ref}: {e}"));
        assert_eq!(
            fs::read_to_string(fetched.root.join("README.md")).unwrap(),
            readme,
            "{git_ref}"
        );
        assert_eq!(fetched.resolved.kind, "git");
        assert_eq!(fetched.resolved.name, "myrepo");
        assert_eq!(fetched.resolved.git_ref.as_deref(), Some(git_ref));
        assert_eq!(fetched.resolved.commit, Some(oid.to_string()), "{git_ref}");
        assert!(fetched.is_temporary());
    }
    // Files deleted later are absent; files of the ref are all there.
    let at_v1 = fetch_at(&fx, "v1.0").unwrap();
    assert_eq!(
        list_files(&at_v1.root),
        vec!["README.md", "src/lib.rs", "src/old.rs"]
    );
    let at_main = fetch_at(&fx, "main").unwrap();
    assert_eq!(list_files(&at_main.root), vec!["README.md", "src/lib.rs"]);
    // The user's work tree is untouched.
    assert_eq!(fs::read_to_string(fx.path.join("README.md")).unwrap(), "v3");
}

#[test]
fn temp_copy_is_deleted_on_drop() {
    let fx = fixture();
    let fetched = fetch_at(&fx, "main").unwrap();
    let root = fetched.root.clone();
    assert!(root.exists());
    drop(fetched);
    assert!(!root.exists());
}

#[test]
fn unknown_ref_names_the_ref() {
    let fx = fixture();
    let err = fetch_at(&fx, "no-such-branch").unwrap_err();
    assert!(matches!(err, SourceError::UnknownRef { .. }), "{err}");
    assert!(err.to_string().contains("\"no-such-branch\""), "{err}");
    assert_eq!(err.kind(), doctown_core::ErrorKind::Invalid);
}

#[test]
fn ref_on_plain_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = parse_source(dir.path().to_str().unwrap(), Some("main")).unwrap_err();
    assert!(matches!(err, SourceError::RefWithoutGit { .. }), "{err}");
    // Same through fetch with a hand-made spec.
    let spec = SourceSpec::Git {
        repo: dir.path().to_path_buf(),
        git_ref: "main".into(),
    };
    assert!(matches!(
        fetch(&spec, &FetchOptions::default()),
        Err(SourceError::RefWithoutGit { .. })
    ));
}

#[test]
fn skips_symlinks_and_submodules_and_records_oversized() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init(&dir.path().join("r"));
    commit(
        &repo,
        &[
            ("a.txt", Some("a")),
            ("big.bin", Some(&"x".repeat(5000))),
            ("run.sh", Some("#!/bin/sh")),
        ],
        "files",
    );
    // Build a tree with a symlink blob and a gitlink (submodule) by hand.
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let mut builder = repo.treebuilder(Some(&head.tree().unwrap())).unwrap();
    let target = repo.blob(b"/etc/passwd").unwrap();
    builder.insert("link", target, 0o120000).unwrap();
    builder.insert("vendor-sub", head.id(), 0o160000).unwrap();
    builder
        .insert("run.sh", repo.blob(b"#!/bin/sh").unwrap(), 0o100755)
        .unwrap();
    let tree = repo.find_tree(builder.write().unwrap()).unwrap();
    let sig = Signature::now("Test", "test@example.com").unwrap();
    let oid = repo
        .commit(None, &sig, &sig, "links", &tree, &[&head])
        .unwrap();
    repo.branch("links", &repo.find_commit(oid).unwrap(), false)
        .unwrap();

    let work = tempfile::tempdir().unwrap();
    let options = FetchOptions {
        max_file_bytes: 1000,
        ..Default::default()
    };
    let spec = SourceSpec::Git {
        repo: dir.path().join("r"),
        git_ref: "links".into(),
    };
    let settings = ExtractSettings {
        work_dir: Some(work.path().to_path_buf()),
        ..Default::default()
    };
    let fetched = fetch_with(&spec, &options, &settings).unwrap();
    assert_eq!(list_files(&fetched.root), vec!["a.txt", "run.sh"]);
    assert!(fs::symlink_metadata(fetched.root.join("link")).is_err());
    assert!(!fetched.root.join("vendor-sub").exists());
    assert_eq!(fetched.oversized, vec![("big.bin".to_string(), 5000)]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(fetched.root.join("run.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o111, 0o111);
    }
    drop(fetched);
    assert!(is_empty_dir(work.path()));
}

#[test]
fn git_tree_past_total_limit_is_too_large_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init(&dir.path().join("r"));
    let files: Vec<(String, String)> = (0..10)
        .map(|i| (format!("f{i}.txt"), "y".repeat(500)))
        .collect();
    let refs: Vec<(&str, Option<&str>)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), Some(c.as_str())))
        .collect();
    commit(&repo, &refs, "many");
    let work = tempfile::tempdir().unwrap();
    let options = FetchOptions {
        max_total_bytes: 2000,
        ..Default::default()
    };
    let spec = SourceSpec::Git {
        repo: dir.path().join("r"),
        git_ref: "main".into(),
    };
    let settings = ExtractSettings {
        work_dir: Some(work.path().to_path_buf()),
        ..Default::default()
    };
    let err = fetch_with(&spec, &options, &settings).unwrap_err();
    assert!(matches!(err, SourceError::TooLarge(_)), "{err}");
    assert!(is_empty_dir(work.path()));
}

#[test]
fn directory_is_used_in_place_with_git_head() {
    let fx = fixture();
    let fetched = fetch(
        &parse_source(fx.path.to_str().unwrap(), None).unwrap(),
        &FetchOptions::default(),
    )
    .unwrap();
    assert_eq!(fetched.root, fx.path.canonicalize().unwrap());
    assert!(!fetched.is_temporary());
    assert_eq!(fetched.resolved.kind, "directory");
    assert_eq!(fetched.resolved.name, "myrepo");
    assert_eq!(fetched.resolved.git_ref.as_deref(), Some("main"));
    assert_eq!(fetched.resolved.commit, Some(fx.third.to_string()));
    drop(fetched);
    assert!(
        fx.path.join("README.md").exists(),
        "dropping must not delete the user's directory"
    );

    let plain = tempfile::tempdir().unwrap();
    let sub = plain.path().join("proj");
    fs::create_dir(&sub).unwrap();
    let fetched = fetch(
        &SourceSpec::Directory(sub.clone()),
        &FetchOptions::default(),
    )
    .unwrap();
    assert_eq!(fetched.resolved.name, "proj");
    assert_eq!(fetched.resolved.commit, None);
    let err = fetch(
        &SourceSpec::Directory(plain.path().join("missing")),
        &FetchOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, SourceError::NotFound(_)), "{err}");
}

/// A commit's files are its own whatever the work tree holds: a blob the
/// work tree has unchanged may be read from there, but an edit of the
/// same size (staged or not), a file turned into a link, or a deleted
/// file never stand in for the commit's.
#[test]
fn a_ref_is_its_commit_never_the_work_tree_s_edits() {
    let fx = fixture();
    let workdir = fx.path.clone();
    // Same size as "fn a() {}" (the commit's), another text.
    fs::write(workdir.join("src/lib.rs"), "fn b() {}").unwrap();
    let repo = Repository::open(&workdir).unwrap();
    let mut index = repo.index().unwrap();
    index.add_path(Path::new("src/lib.rs")).unwrap();
    index.write().unwrap();
    fs::remove_file(workdir.join("README.md")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc/hostname", workdir.join("README.md")).unwrap();
    let fetched = fetch_at(&fx, "main").unwrap();
    assert_eq!(
        fs::read_to_string(fetched.root.join("src/lib.rs")).unwrap(),
        "fn a() {}"
    );
    assert_eq!(
        fs::read_to_string(fetched.root.join("README.md")).unwrap(),
        "v3"
    );
    assert!(!fetched.root.join("README.md").is_symlink());
    // Back to the commit's text: the same bytes either way.
    fs::write(workdir.join("src/lib.rs"), "fn a() {}").unwrap();
    let again = fetch_at(&fx, "main").unwrap();
    assert_eq!(
        fs::read_to_string(again.root.join("src/lib.rs")).unwrap(),
        "fn a() {}"
    );
}
