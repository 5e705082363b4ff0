//! `parse_source`: every accepted shape of input, and the errors for bad ones.

use doctown_core::ErrorKind;
use doctown_sources::{parse_source, SourceError, SourceSpec};

fn gh(owner: &str, repo: &str, git_ref: Option<&str>, subpath: Option<&str>) -> SourceSpec {
    SourceSpec::GitHub {
        owner: owner.into(),
        repo: repo.into(),
        git_ref: git_ref.map(Into::into),
        subpath: subpath.map(Into::into),
    }
}

#[test]
fn github_url_table() {
    let cases: &[(&str, SourceSpec)] = &[
        (
            "https://github.com/rust-lang/cargo",
            gh("rust-lang", "cargo", None, None),
        ),
        ("http://github.com/o/r", gh("o", "r", None, None)),
        ("https://www.github.com/o/r", gh("o", "r", None, None)),
        ("HTTPS://GitHub.com/o/r", gh("o", "r", None, None)),
        ("https://github.com/o/r/", gh("o", "r", None, None)),
        ("https://github.com/o/r.git", gh("o", "r", None, None)),
        ("https://github.com/o/r.git/", gh("o", "r", None, None)),
        ("github.com/o/r", gh("o", "r", None, None)),
        ("www.github.com/o/r.git", gh("o", "r", None, None)),
        ("git@github.com:o/r.git", gh("o", "r", None, None)),
        ("git@github.com:o/r", gh("o", "r", None, None)),
        ("ssh://git@github.com/o/r.git", gh("o", "r", None, None)),
        ("git://github.com/o/r.git", gh("o", "r", None, None)),
        ("  https://github.com/o/r  ", gh("o", "r", None, None)),
        (
            "https://github.com/o/r?tab=readme#top",
            gh("o", "r", None, None),
        ),
        (
            "https://github.com/o/r/tree/main",
            gh("o", "r", Some("main"), None),
        ),
        (
            "https://github.com/o/r/tree/v1.2.3/",
            gh("o", "r", Some("v1.2.3"), None),
        ),
        (
            "https://github.com/o/r/tree/main/src/core",
            gh("o", "r", Some("main"), Some("src/core")),
        ),
        (
            "https://github.com/o/r/blob/main/src/lib.rs",
            gh("o", "r", Some("main"), None),
        ),
        (
            "https://github.com/o/r/commit/0123abc",
            gh("o", "r", Some("0123abc"), None),
        ),
        (
            "https://github.com/o/r/tree/release%2F1.0",
            gh("o", "r", Some("release/1.0"), None),
        ),
        ("https://github.com/o/r/issues", gh("o", "r", None, None)),
        (
            "https://github.com/my-org/my.repo_name-2",
            gh("my-org", "my.repo_name-2", None, None),
        ),
    ];
    for (input, expected) in cases {
        let got = parse_source(input, None).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(&got, expected, "{input}");
    }
}

#[test]
fn explicit_ref_wins_over_url_ref() {
    let spec = parse_source("https://github.com/o/r/tree/main/docs", Some("v2")).unwrap();
    assert_eq!(spec, gh("o", "r", Some("v2"), Some("docs")));
    let spec = parse_source("github.com/o/r", Some("dev")).unwrap();
    assert_eq!(spec, gh("o", "r", Some("dev"), None));
    // A blank --ref is no ref.
    let spec = parse_source("github.com/o/r", Some("  ")).unwrap();
    assert_eq!(spec, gh("o", "r", None, None));
}

fn error_of(input: &str) -> SourceError {
    match parse_source(input, None) {
        Ok(spec) => panic!("{input}: expected an error, got {spec:?}"),
        Err(err) => err,
    }
}

#[test]
fn bad_inputs_give_one_line_errors() {
    let cases: &[(&str, &str)] = &[
        ("", "empty source"),
        ("   ", "empty source"),
        ("/definitely/not/here", "source not found"),
        ("no-such-dir", "source not found"),
        ("gitlab.com/o/r", "source not found"),
        ("https://gitlab.com/o/r", "unsupported host \"gitlab.com\""),
        ("git@gitlab.com:o/r.git", "unsupported host"),
        (
            "https://github.com/o",
            "expected https://github.com/OWNER/REPO",
        ),
        (
            "https://github.com/",
            "expected https://github.com/OWNER/REPO",
        ),
        ("https://github.com/o/r/tree", "missing ref after /tree/"),
        ("https://github.com/bad_owner!/r", "invalid GitHub owner"),
        ("https://github.com/-owner/r", "invalid GitHub owner"),
        (
            "https://github.com/o/re%20po",
            "invalid GitHub repository name",
        ),
        (
            "https://github.com/o/r/tree/main/%2E%2E/%2E%2E/%2E%2E",
            "expected https://github.com/OWNER/REPO",
        ),
        (
            "https://github.com/o/..",
            "expected https://github.com/OWNER/REPO",
        ),
        ("ftp://github.com/o/r", "unsupported scheme"),
        ("https://", "invalid URL"),
        ("git@github.com", "expected git@github.com:OWNER/REPO.git"),
        ("http://[::1/o/r", "invalid URL"),
    ];
    for (input, needle) in cases {
        let err = error_of(input);
        let text = err.to_string();
        assert!(text.contains(needle), "{input:?}: {text}");
        assert!(!text.contains('\n'), "{input:?}: multi-line error {text:?}");
        assert_eq!(err.kind(), ErrorKind::Invalid, "{input:?}");
    }
}

#[test]
fn local_paths() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    assert_eq!(
        parse_source(plain.to_str().unwrap(), None).unwrap(),
        SourceSpec::Directory(plain.clone())
    );

    // A ref on a non-git directory is an error that names both.
    let err = parse_source(plain.to_str().unwrap(), Some("main")).unwrap_err();
    assert!(matches!(err, SourceError::RefWithoutGit { .. }), "{err}");
    assert!(err.to_string().contains("not a git repository"), "{err}");

    let repo = dir.path().join("repo");
    git2::Repository::init(&repo).unwrap();
    assert_eq!(
        parse_source(repo.to_str().unwrap(), None).unwrap(),
        SourceSpec::Directory(repo.clone())
    );
    assert_eq!(
        parse_source(repo.to_str().unwrap(), Some("v1")).unwrap(),
        SourceSpec::Git {
            repo: repo.clone(),
            git_ref: "v1".into()
        }
    );

    for name in ["a.zip", "b.tar.gz", "c.TGZ"] {
        let path = dir.path().join(name);
        std::fs::write(&path, b"x").unwrap();
        assert_eq!(
            parse_source(path.to_str().unwrap(), None).unwrap(),
            SourceSpec::Archive(path.clone())
        );
        assert!(matches!(
            parse_source(path.to_str().unwrap(), Some("main")),
            Err(SourceError::RefWithoutGit { .. })
        ));
    }
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, b"x").unwrap();
    let err = parse_source(text.to_str().unwrap(), None).unwrap_err();
    assert!(err.to_string().starts_with("unsupported file"), "{err}");
}
