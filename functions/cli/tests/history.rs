//! `doctown history`: a repository's history in text and JSON, and a
//! one-line error with a non-zero exit for what is not a history.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

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

/// `doctown build` with the embeddings off (no model needed), into a
/// fresh store each time.
fn build(repo: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let store = tempfile::tempdir().unwrap();
    let mut args = vec![
        "build",
        repo.to_str().unwrap(),
        "--embeddings",
        "off",
        "--store",
        store.path().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn inspect_text(docpack: &Path) -> String {
    let output = run(&["inspect", docpack.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output)
}

#[test]
fn build_writes_the_history_part_and_rebuilds_byte_identical() {
    let repo = repository();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.docpack"), dir.path().join("b.docpack"));
    let first = build(repo.path(), &a, &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).contains("history  3 commits by 1 author\n"),
        "{}",
        stdout(&first)
    );
    let second = build(repo.path(), &b, &[]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(
        std::fs::read(&a).unwrap(),
        std::fs::read(&b).unwrap(),
        "the same commit gives the same bytes"
    );
    let d = doctown_docpack::read_docpack(&a).unwrap();
    assert!(d.manifest.parts.history);
    let h = d.history.expect("history.json");
    assert_eq!(h.summary.commits, 3);
    assert_eq!(h.summary.head, d.manifest.source.commit);
    assert!(!h.summary.symbols, "per file by default");
    let inspected = inspect_text(&a);
    assert!(inspected.contains("history   3 commits by 1 author, 2024-01-01 to 2024-01-03"));
    // The insight families, written from the facts (no model here).
    assert!(
        inspected.contains("insights  risk_hotspots: facts, 1 items; high: src/lib.rs\n"),
        "{inspected}"
    );
    assert!(
        inspected.contains("          module_health: facts, 1 items"),
        "{inspected}"
    );
    let docs = &d.docs;
    assert_eq!(docs.insights.len(), 3);
    let export = tempfile::tempdir().unwrap();
    let output = run(&[
        "export",
        a.to_str().unwrap(),
        "--markdown",
        export.path().to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let page = std::fs::read_to_string(export.path().join("history.md")).unwrap();
    assert!(
        page.contains(
            "### Risk hotspots\n\n_facts_\n\n- `src/lib.rs` — **high**: Changed in 3 commits"
        ),
        "{page}"
    );
}

#[test]
fn per_symbol_history_names_the_docpack_symbols() {
    let repo = repository();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.docpack");
    let built = build(repo.path(), &out, &["--history", "symbols"]);
    assert!(built.status.success(), "{}", stderr(&built));
    let d = doctown_docpack::read_docpack(&out).unwrap();
    let h = d.history.as_ref().unwrap();
    let run_fn = h.symbols.iter().find(|s| s.name == "run").unwrap();
    let id = run_fn
        .id
        .as_deref()
        .expect("joined to the docpack's symbol");
    assert_eq!(d.symbol(id).unwrap().name, "run");
    assert_eq!(run_fn.commits, 3);
}

#[test]
fn builds_without_a_history_say_why() {
    let dir = tempfile::tempdir().unwrap();
    // A copy of the files, without .git.
    let plain = dir.path().join("plain");
    std::fs::create_dir_all(plain.join("src")).unwrap();
    std::fs::write(plain.join("src/lib.rs"), "pub fn run() {}\n").unwrap();
    let out = dir.path().join("plain.docpack");
    let built = build(&plain, &out, &[]);
    assert!(built.status.success(), "{}", stderr(&built));
    assert!(
        stdout(&built).contains("history  no history: ")
            && stdout(&built).contains("is not the root of a git repository"),
        "{}",
        stdout(&built)
    );
    let text = inspect_text(&out);
    assert!(text.contains("history   no history: "), "{text}");
    assert!(doctown_docpack::read_docpack(&out)
        .unwrap()
        .history
        .is_none());

    let repo = repository();
    let off = dir.path().join("off.docpack");
    let built = build(repo.path(), &off, &["--history", "off"]);
    assert!(built.status.success(), "{}", stderr(&built));
    assert!(inspect_text(&off).contains("no history: history was turned off for this build"));
}

#[test]
fn a_shallow_clone_says_it_is_shallow() {
    let repo = repository();
    let dir = tempfile::tempdir().unwrap();
    let clone = dir.path().join("clone");
    let url = format!("file://{}", repo.path().display());
    let status = Command::new("git")
        .args(["clone", "-q", "--depth", "1", &url, clone.to_str().unwrap()])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .unwrap();
    assert!(status.success());
    let out = dir.path().join("shallow.docpack");
    let built = build(&clone, &out, &[]);
    assert!(built.status.success(), "{}", stderr(&built));
    let text = inspect_text(&out);
    assert!(
        text.contains("history   1 commit by 1 author, 2024-01-03 to 2024-01-03 (shallow clone"),
        "{text}"
    );
}

#[test]
fn the_docpack_history_is_joined_to_the_call_graph() {
    let repo = coupled_repository();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("coupled.docpack");
    let built = build(repo.path(), &out, &["--history", "symbols"]);
    assert!(built.status.success(), "{}", stderr(&built));
    let d = doctown_docpack::read_docpack(&out).unwrap();
    let h = d.history.as_ref().unwrap();
    let pairs =
        |list: &[doctown_docpack::history::CoupledPair]| -> Vec<(String, String, Option<bool>)> {
            list.iter()
                .map(|p| (p.a.clone(), p.b.clone(), p.linked))
                .collect()
        };
    let own = |a: &str, b: &str, linked: bool| (a.to_string(), b.to_string(), Some(linked));
    assert_eq!(
        pairs(&h.coupling.files),
        [
            own("src/api.rs", "src/cache.rs", false),
            own("src/api.rs", "src/store.rs", true),
            own("src/cache.rs", "src/store.rs", false),
        ]
    );
    assert_eq!(
        pairs(&h.coupling.symbols),
        [
            own("src/api.rs#serve", "src/cache.rs#evict", false),
            own("src/api.rs#serve", "src/store.rs#get", true),
            own("src/cache.rs#evict", "src/store.rs#get", false),
        ]
    );
    // Hotspots by the structure: each symbol's PageRank centrality, as
    // nodes.json has it; `get` (called) outranks `serve` and `evict`.
    assert_eq!(h.hotspots.basis, "structure");
    let get = h
        .hotspots
        .symbols
        .iter()
        .find(|s| s.name == "src/store.rs#get")
        .unwrap();
    let id = h
        .symbols
        .iter()
        .find(|s| s.name == "get")
        .and_then(|s| s.id.clone())
        .unwrap();
    let node = d.symbol(&id).unwrap();
    assert_eq!(
        get.centrality,
        (node.centrality * 10_000.0).round() / 10_000.0
    );
    assert_eq!(get.commits, 6);
    assert_eq!(h.hotspots.symbols[0].name, "src/store.rs#get");
}

/// `doctown build` into the given store, so a rebuild finds the last
/// build's caches.
fn build_in(store: &Path, repo: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "build",
        repo.to_str().unwrap(),
        "--embeddings",
        "off",
        "--store",
        store.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let output = run(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output)
}

/// The history caches in the store: ingest's memo entries
/// `cache/ingest/<source>.history-<mode>`.
fn history_cache_files(store: &Path) -> Vec<std::path::PathBuf> {
    match std::fs::read_dir(store.join("cache/ingest")) {
        Ok(entries) => entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.extension()
                    .is_some_and(|x| x.to_string_lossy().starts_with("history-"))
            })
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn a_rebuild_reads_only_new_commits_and_writes_the_same_history() {
    let repo = repository();
    let store = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = |name: &str| dir.path().join(name);
    let symbols = ["--history", "symbols"];
    let first = build_in(store.path(), repo.path(), &out("1.docpack"), &symbols);
    assert!(
        first.contains("history  3 commits by 1 author (per symbol)\n"),
        "{first}"
    );
    assert_eq!(history_cache_files(store.path()).len(), 1);

    // No new commit: every commit's analysis comes from the cache.
    let again = build_in(store.path(), repo.path(), &out("2.docpack"), &symbols);
    assert!(
        again.contains("(per symbol; 3 from the last build's cache)"),
        "{again}"
    );
    assert_eq!(
        std::fs::read(out("1.docpack")).unwrap(),
        std::fs::read(out("2.docpack")).unwrap()
    );

    // Two new commits: three from the cache, two read; the docpack is the
    // bytes a build in a fresh store writes.
    for day in 3..5 {
        std::fs::write(
            repo.path().join("src/lib.rs"),
            format!("pub fn run() {{}}\n\npub fn other() {{\n    let y = {day};\n}}\n"),
        )
        .unwrap();
        git(repo.path(), &["add", "-A"], day);
        git(repo.path(), &["commit", "-q", "-m", "other"], day);
    }
    let grown = build_in(store.path(), repo.path(), &out("3.docpack"), &symbols);
    assert!(
        grown
            .contains("history  5 commits by 1 author (per symbol; 3 from the last build's cache)"),
        "{grown}"
    );
    let cold = build(repo.path(), &out("cold.docpack"), &symbols);
    assert!(cold.status.success(), "{}", stderr(&cold));
    assert_eq!(
        std::fs::read(out("3.docpack")).unwrap(),
        std::fs::read(out("cold.docpack")).unwrap(),
        "the rebuild's docpack is the cold build's"
    );
    let h = doctown_docpack::read_docpack(&out("3.docpack"))
        .unwrap()
        .history
        .unwrap();
    let other = h.symbols.iter().find(|s| s.name == "other").unwrap();
    assert_eq!(other.commits, 3, "created, then changed twice");

    // A file-level build keeps a cache of its own beside it.
    build_in(store.path(), repo.path(), &out("4.docpack"), &[]);
    assert_eq!(history_cache_files(store.path()).len(), 2);
}

#[test]
fn a_corrupt_history_cache_is_a_warning_not_a_failure() {
    let repo = repository();
    let store = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.docpack"), dir.path().join("b.docpack"));
    build_in(store.path(), repo.path(), &a, &[]);
    let caches = history_cache_files(store.path());
    assert_eq!(caches.len(), 1);
    let mut bytes = std::fs::read(&caches[0]).unwrap();
    let middle = bytes.len() / 2;
    bytes.truncate(middle);
    std::fs::write(&caches[0], &bytes).unwrap();
    let text = build_in(store.path(), repo.path(), &b, &[]);
    assert!(text.contains("history cache cache/ingest/"), "{text}");
    assert!(text.contains("ignored: it is damaged"), "{text}");
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    // The build wrote a good cache again.
    let text = build_in(store.path(), repo.path(), &b, &[]);
    assert!(text.contains("3 from the last build's cache"), "{text}");
}
