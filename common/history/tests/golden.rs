//! The history document of a fixture repository, built the same way on
//! every run (fixed authors, dates and contents), must match
//! `tests/fixtures/history.golden.json`. `UPDATE_GOLDEN=1 cargo test -p
//! doctown-history --test golden` rewrites it; review the diff by eye.

mod common;

use common::{lines, Repo, Toy};
use doctown_history::{history, AnalysisOptions, CouplingOptions, HistoryOptions, SymbolSource};
use std::path::Path;

fn toy(names: &[&str], body: usize) -> String {
    names
        .iter()
        .map(|n| format!("fn {n}\n{}end\n\n", lines(&format!("  {n}"), body)))
        .collect()
}

/// Three people over four months: a library and its tests changing
/// together, a rename across directories, a merged branch, a binary
/// asset, a mailmap joining two addresses.
fn fixture() -> Repo {
    let repo = Repo::new();
    repo.write("src/parse.lua", toy(&["read", "token"], 3))
        .write("src/eval.lua", toy(&["eval"], 4))
        .write("tests/parse_test.lua", toy(&["test_read"], 2))
        .write("README.md", "# fixture\n");
    repo.commit("Ann <ann@home.example>", 0, "start");
    for day in [5, 12, 20, 33] {
        repo.write(
            "src/parse.lua",
            toy(&["read", "token"], 3 + day as usize / 5),
        )
        .write(
            "tests/parse_test.lua",
            toy(&["test_read"], 2 + day as usize / 10),
        );
        repo.commit("Ann <ann@work.example>", day, "parser and its test");
    }
    repo.write("assets/logo.png", [0u8, 1, 2, 3, 0, 255, 0, 7]);
    repo.commit("Bob <bob@example.com>", 35, "logo");
    repo.git(&["checkout", "-q", "-b", "evaluator"]);
    repo.write("src/eval.lua", toy(&["eval", "apply"], 4));
    repo.commit("Bob <bob@example.com>", 40, "apply");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("README.md", "# fixture\n\nParses and evaluates.\n");
    repo.commit("Cy <cy@example.com>", 41, "readme");
    repo.merge("Ann <ann@work.example>", 45, "evaluator");
    repo.mv("src/eval.lua", "core/eval/eval.lua");
    repo.commit("Cy <cy@example.com>", 70, "move the evaluator");
    repo.write("core/eval/eval.lua", toy(&["eval", "apply", "call"], 4));
    repo.write("assets/logo.png", [0u8, 1, 2, 3, 0, 255, 0, 8]);
    repo.commit("Bob <bob@example.com>", 95, "call, new logo");
    repo.write(".mailmap", "Ann <ann@work.example> <ann@home.example>\n");
    repo.commit("Ann <ann@work.example>", 100, "mailmap");
    repo
}

#[test]
fn golden_history() {
    let repo = fixture();
    let options = AnalysisOptions {
        coupling: CouplingOptions {
            min_support: 2,
            min_revisions: 2,
            min_degree: 0.3,
            ..CouplingOptions::default()
        },
        ..AnalysisOptions::default()
    };
    let toy: &dyn SymbolSource = &Toy;
    let h = history(repo.path(), &HistoryOptions::default(), Some(toy), &options).unwrap();
    let text = serde_json::to_string_pretty(&h).unwrap() + "\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/history.golden.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        text,
        expected,
        "{} differs; UPDATE_GOLDEN=1 rewrites it",
        path.display()
    );
    // A few facts the golden file must keep saying.
    assert_eq!(h.summary.commits, 12);
    assert_eq!(h.summary.merges, 1);
    assert_eq!(h.summary.authors, 3, "the mailmap joins Ann's addresses");
    let eval = h
        .files
        .iter()
        .find(|f| f.path == "core/eval/eval.lua")
        .unwrap();
    assert_eq!(eval.former_paths, ["src/eval.lua"]);
    let pair = &h.coupling.files[0];
    assert_eq!(
        (pair.a.as_str(), pair.b.as_str()),
        ("src/parse.lua", "tests/parse_test.lua")
    );
}
