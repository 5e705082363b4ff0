//! `doctown history`: a repository's history in text and JSON, and a
//! one-line error with a non-zero exit for what is not a history.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str], day: u32) {
    let date = format!("2024-01-{:02}T12:00:00Z", day + 1);
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Ann")
        .env("GIT_AUTHOR_EMAIL", "ann@example.com")
        .env("GIT_COMMITTER_NAME", "Ann")
        .env("GIT_COMMITTER_EMAIL", "ann@example.com")
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// Three commits of a small Rust crate.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"], 0);
    for day in 0..3 {
        let body: String = (0..=day)
            .map(|i| format!("    let x{i} = {i};\n"))
            .collect();
        let lib = format!("pub fn run() {{\n{body}}}\n\npub fn other() {{}}\n");
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/lib.rs"), lib).unwrap();
        git(dir.path(), &["add", "-A"], day);
        git(dir.path(), &["commit", "-q", "-m", "edit"], day);
    }
    dir
}

#[test]
fn text_and_json() {
    let repo = repository();
    let path = repo.path().to_str().unwrap();
    let output = run(&["history", path]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.starts_with("3 commit(s) (0 merges) by 1 author(s)"),
        "{text}"
    );
    assert!(text.contains("src/lib.rs"), "{text}");

    let output = run(&["history", path, "--json", "--symbols", "--max-commits", "2"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(doc["format"], "doctown-history");
    assert_eq!(doc["summary"]["commits"], 2);
    assert_eq!(doc["summary"]["truncated"], true);
    let run_fn = doc["symbols"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "run")
        .expect("the extractor names `run` inside its file");
    assert_eq!(run_fn["commits"], 2);
    assert_eq!(run_fn["kind"], "function");
}

#[test]
fn bad_input_is_one_line_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(&["history", dir.path().to_str().unwrap()]);
    assert_one_line_error(&output, "is not a git repository");

    let repo = repository();
    let output = run(&[
        "history",
        repo.path().to_str().unwrap(),
        "--since",
        "last week",
    ]);
    assert_one_line_error(&output, "invalid --since date");
}
