//! Histories with known answers: churn, co-change pairs, owners, renames,
//! mailmap, merges, binary files and per-symbol history, read from real
//! repositories the tests build.

mod common;

use common::{lines, Repo, Toy};
use doctown_history::document::{FileHistory, History, SymbolHistory};
use doctown_history::{
    history, read_history, AnalysisOptions, CouplingOptions, HistoryOptions, SymbolSource,
};

fn loose() -> AnalysisOptions {
    AnalysisOptions {
        coupling: CouplingOptions {
            min_support: 2,
            min_revisions: 2,
            min_degree: 0.0,
            max_changeset: 10,
            max_pairs: 100,
        },
        ..AnalysisOptions::default()
    }
}

fn analyse(repo: &Repo, options: &HistoryOptions) -> History {
    history(repo.path(), options, None, &loose()).unwrap()
}

fn with_symbols(repo: &Repo, options: &HistoryOptions) -> History {
    let toy: &dyn SymbolSource = &Toy;
    history(repo.path(), options, Some(toy), &loose()).unwrap()
}

fn file<'a>(h: &'a History, path: &str) -> &'a FileHistory {
    h.files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no {path} in {:?}", h.files))
}

fn symbol<'a>(h: &'a History, path: &str, name: &str) -> &'a SymbolHistory {
    h.symbols
        .iter()
        .find(|s| s.path == path && s.name == name)
        .unwrap_or_else(|| panic!("no {path}#{name} in {:?}", h.symbols))
}

#[test]
fn churn_per_file_and_author() {
    let repo = Repo::new();
    repo.write("src/a.rs", lines("a", 10))
        .write("README.md", "hi\n");
    repo.commit("al", 0, "start");
    repo.write("src/a.rs", lines("a", 8) + &lines("b", 4));
    repo.commit("bo", 1, "edit a");
    repo.write("README.md", "hi\nthere\n")
        .write("src/b.rs", lines("b", 3));
    repo.commit("al", 40, "readme and b");

    let h = analyse(&repo, &HistoryOptions::default());
    assert_eq!(h.summary.commits, 3);
    assert_eq!(h.summary.authors, 2);
    assert!(!h.summary.shallow && !h.summary.truncated);
    let a = file(&h, "src/a.rs");
    // +10, then lines 9-10 replaced by four: +4 -2.
    assert_eq!((a.commits, a.added, a.removed, a.authors), (2, 14, 2, 2));
    assert_eq!((a.alive, a.lines), (true, Some(12)));
    assert_eq!(a.language, "rust");
    assert_eq!(file(&h, "README.md").language, "md");
    assert_eq!(file(&h, "README.md").added, 2);

    let al = h
        .authors
        .iter()
        .find(|x| x.key == "al@example.com")
        .unwrap();
    assert_eq!((al.commits, al.added, al.removed), (2, 15, 0));
    assert_eq!(h.authors[0].key, "al@example.com", "most commits first");

    let months: Vec<_> = h
        .timeline
        .iter()
        .map(|m| (m.month.as_str(), m.commits))
        .collect();
    assert_eq!(months, [("2024-01", 2), ("2024-02", 1)]);
    assert_eq!(h.timeline[0].languages["rust"].added, 14);
}

#[test]
fn co_change_pairs_with_support_and_confidence() {
    let repo = Repo::new();
    for day in 0..4 {
        repo.write("model.rs", lines(&format!("m{day}"), 3))
            .write("view.rs", lines(&format!("v{day}"), 3));
        repo.commit("al", day, "both");
    }
    for day in 4..6 {
        repo.write("model.rs", lines(&format!("m{day}"), 3));
        repo.commit("al", day, "model alone");
    }
    repo.write("other.rs", "x\n");
    repo.commit("al", 7, "other");

    let h = analyse(&repo, &HistoryOptions::default());
    assert_eq!(h.coupling.files.len(), 1, "{:?}", h.coupling.files);
    let pair = &h.coupling.files[0];
    assert_eq!((pair.a.as_str(), pair.b.as_str()), ("model.rs", "view.rs"));
    assert_eq!(pair.support, 4);
    assert_eq!(pair.confidence_a, 0.6667); // 4 of model's 6
    assert_eq!(pair.confidence_b, 1.0); // 4 of view's 4
    assert_eq!(pair.degree, 0.8); // 4 / mean(6, 4)
}

#[test]
fn huge_changesets_are_left_out_of_coupling() {
    let repo = Repo::new();
    for day in 0..3 {
        for i in 0..12 {
            repo.write(&format!("gen/f{i}.txt"), format!("{day}\n"));
        }
        repo.commit("bot", day, "regenerate");
    }
    let h = analyse(&repo, &HistoryOptions::default());
    assert_eq!(h.coupling.skipped_commits, 3);
    assert!(h.coupling.files.is_empty());
    assert_eq!(file(&h, "gen/f3.txt").commits, 3, "churn still counts them");
}

#[test]
fn owners_and_truck_factor_per_module() {
    let repo = Repo::new();
    repo.write("core/a.rs", lines("a", 20))
        .write("core/b.rs", lines("b", 20))
        .write("web/x.ts", lines("x", 5));
    repo.commit("al", 0, "core");
    for day in 1..4 {
        repo.write("core/a.rs", lines(&format!("a{day}"), 20));
        repo.commit("al", day, "more core");
    }
    repo.write("web/x.ts", lines("y", 30))
        .write("web/y.ts", lines("y", 10));
    repo.commit("bo", 5, "web");
    repo.write("web/x.ts", lines("z", 30));
    repo.commit("bo", 6, "web again");

    let h = analyse(&repo, &HistoryOptions::default());
    let owner = |path: &str| h.ownership.files.iter().find(|f| f.path == path).unwrap();
    assert_eq!(owner("core/a.rs").main_author, "al@example.com");
    assert_eq!(owner("core/a.rs").main_share, 1.0);
    assert_eq!(owner("core/a.rs").doa_authors, ["al@example.com"]);
    // al created web/x.ts (5 lines); bo rewrote it twice (60 added lines).
    assert_eq!(owner("web/x.ts").main_author, "bo@example.com");
    assert_eq!(owner("web/x.ts").authors, 2);

    let module = |path: &str| h.ownership.modules.iter().find(|m| m.path == path).unwrap();
    assert_eq!(module("core").truck_factor, 1);
    assert_eq!(module("core").truck_authors, ["al@example.com"]);
    assert_eq!(module("core").files, 2);
    assert_eq!(module("web").main_author, "bo@example.com");
    let root = module("");
    assert_eq!(root.files, 4);
    // al authors both core files and web/x.ts (which bo authors too, by
    // two commits against al's creation); bo authors web/y.ts. Losing al
    // leaves exactly half orphaned (not more), so it takes both.
    assert_eq!(root.truck_factor, 2);
}

#[test]
fn renames_across_directories_keep_one_history() {
    let repo = Repo::new();
    repo.write("src/old/engine.rs", lines("engine", 30));
    repo.commit("al", 0, "engine");
    repo.write("src/old/engine.rs", lines("engine", 31));
    repo.commit("al", 1, "grow");
    repo.mv("src/old/engine.rs", "lib/core/motor.rs");
    repo.commit("bo", 2, "move");
    repo.write("lib/core/motor.rs", lines("engine", 33));
    repo.commit("bo", 3, "grow again");

    let h = analyse(&repo, &HistoryOptions::default());
    assert_eq!(h.files.len(), 1, "{:?}", h.files);
    let motor = file(&h, "lib/core/motor.rs");
    assert_eq!(motor.commits, 4);
    assert_eq!(motor.former_paths, ["src/old/engine.rs"]);
    assert_eq!((motor.added, motor.removed), (33, 0));
    assert_eq!(motor.authors, 2);
}

#[test]
fn mailmap_joins_an_authors_addresses() {
    let repo = Repo::new();
    repo.write("a.txt", "1\n");
    repo.commit("Ann Lee <ann@old.example>", 0, "one");
    repo.write("a.txt", "2\n");
    repo.commit("ann@new.example", 1, "two");
    let before = analyse(&repo, &HistoryOptions::default());
    assert_eq!(before.summary.authors, 2);

    repo.write(
        ".mailmap",
        "Ann Lee <ann@new.example>\nAnn Lee <ann@new.example> <ann@old.example>\n",
    );
    repo.commit("ann@new.example", 2, "mailmap");
    let after = analyse(&repo, &HistoryOptions::default());
    assert_eq!(after.summary.authors, 1);
    assert_eq!(after.authors[0].key, "ann@new.example");
    assert_eq!(after.authors[0].name, "Ann Lee");
    assert_eq!(after.authors[0].commits, 3);
}

#[test]
fn five_addresses_without_a_mailmap_are_five_authors() {
    let repo = Repo::new();
    for (day, email) in [
        "a@one.example",
        "a@two.example",
        "A@Three.example",
        "a@four.example",
        "a@five.example",
    ]
    .iter()
    .enumerate()
    {
        repo.write("a.txt", format!("{day}\n"));
        repo.commit(email, day as i64, "edit");
    }
    let h = analyse(&repo, &HistoryOptions::default());
    assert_eq!(h.summary.authors, 5);
    assert!(
        h.authors.iter().any(|a| a.key == "a@three.example"),
        "keys are lowercased"
    );
}

/// main: c1 ─ c2 ───────── m1 ─ c5 ─ m2
///              \── f1 ─ f2 ╯      ╲ g1 ╯
fn merge_heavy() -> Repo {
    let repo = Repo::new();
    repo.write("a.txt", lines("a", 3));
    repo.commit("al", 0, "c1");
    repo.write("a.txt", lines("a", 4));
    repo.commit("al", 1, "c2");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("f.txt", lines("f", 2));
    repo.commit("bo", 2, "f1");
    repo.write("f.txt", lines("f", 5));
    repo.commit("bo", 3, "f2");
    repo.git(&["checkout", "-q", "main"]);
    repo.merge("al", 4, "feature");
    repo.git(&["checkout", "-q", "-b", "g"]);
    repo.write("g.txt", "g\n");
    repo.commit("cy", 5, "g1");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("a.txt", lines("a", 6));
    repo.commit("al", 6, "c5");
    repo.merge("al", 7, "g");
    repo
}

#[test]
fn merge_heavy_history_all_and_first_parent() {
    let repo = merge_heavy();
    let all = analyse(&repo, &HistoryOptions::default());
    assert_eq!((all.summary.commits, all.summary.merges), (8, 2));
    assert!(!all.summary.first_parent);
    // Merges carry no diff: f.txt's lines come from bo's two commits.
    assert_eq!(file(&all, "f.txt").commits, 2);
    assert_eq!(file(&all, "f.txt").authors, 1);
    assert_eq!(all.summary.authors, 3);

    let first = analyse(
        &repo,
        &HistoryOptions {
            first_parent: true,
            ..HistoryOptions::default()
        },
    );
    assert_eq!((first.summary.commits, first.summary.merges), (5, 2));
    assert!(first.summary.first_parent);
    // Each merge is diffed against its first parent: the feature arrives
    // whole, authored by whoever merged it.
    let f = file(&first, "f.txt");
    assert_eq!((f.commits, f.added, f.authors), (1, 5, 1));
    assert_eq!(first.summary.authors, 1);
    assert_eq!(file(&first, "g.txt").commits, 1);
}

#[test]
fn binary_files_count_as_changed_with_no_lines() {
    let repo = Repo::new();
    let mut blob = vec![0u8; 3 * 1024 * 1024];
    for (i, b) in blob.iter_mut().enumerate() {
        *b = (i * 7 % 251) as u8;
    }
    repo.write("assets/big.bin", &blob)
        .write("small.txt", lines("s", 3));
    repo.commit("al", 0, "assets");
    blob[10] = 1;
    repo.write("assets/big.bin", &blob)
        .write("small.txt", lines("s", 4));
    repo.commit("al", 1, "assets again");

    let h = analyse(&repo, &HistoryOptions::default());
    let big = file(&h, "assets/big.bin");
    assert_eq!(
        (big.commits, big.added, big.removed, big.binary),
        (2, 0, 0, true)
    );
    assert_eq!(big.lines, None);
    assert_eq!(file(&h, "small.txt").added, 4);

    // Text over the blob limit is counted as binary too, never loaded.
    let small_limit = analyse(
        &repo,
        &HistoryOptions {
            max_blob_bytes: 8,
            ..HistoryOptions::default()
        },
    );
    let small = file(&small_limit, "small.txt");
    assert!(small.binary);
    assert_eq!((small.added, small.lines), (0, None));
}

#[test]
fn limits_since_and_max_commits() {
    let repo = Repo::new();
    for day in 0..10 {
        repo.write("a.txt", format!("{day}\n"));
        repo.commit("al", day * 10, "edit");
    }
    let bounded = analyse(
        &repo,
        &HistoryOptions {
            max_commits: Some(3),
            ..HistoryOptions::default()
        },
    );
    assert_eq!(bounded.summary.commits, 3);
    assert!(bounded.summary.truncated);
    assert_eq!(bounded.summary.max_commits, Some(3));
    assert_eq!(
        bounded.summary.last_commit.as_deref(),
        Some("2024-03-31T12:00:00Z")
    );

    let since = doctown_history::time::parse_since("2024-03-01").unwrap();
    let recent = analyse(
        &repo,
        &HistoryOptions {
            since: Some(since),
            ..HistoryOptions::default()
        },
    );
    // Days 60, 70, 80, 90.
    assert_eq!(recent.summary.commits, 4);
    assert_eq!(recent.summary.since.as_deref(), Some("2024-03-01"));
    assert!(!recent.summary.truncated);
}

#[test]
fn one_commit() {
    let repo = Repo::new();
    repo.write("main.lua", "fn main\n  x\nend\n");
    let id = repo.commit("al", 0, "only");
    let h = with_symbols(&repo, &HistoryOptions::default());
    assert_eq!(h.summary.commits, 1);
    assert_eq!(h.summary.head.as_deref(), Some(id.as_str()));
    assert_eq!(file(&h, "main.lua").added, 3);
    let main = symbol(&h, "main.lua", "main");
    assert_eq!((main.commits, main.added, main.age_days), (1, 3, 0));
    assert_eq!(h.timeline.len(), 1);
    assert_eq!(h.timeline[0].symbols_added, 1);
}

#[test]
fn per_symbol_history_follows_hunks_and_renames() {
    let repo = Repo::new();
    let v1 = "fn alpha\n  a1\n  a2\nend\n\nfn beta\n  b1\nend\n";
    repo.write("src/lib.lua", v1);
    repo.commit("al", 0, "alpha and beta");
    // Edit inside beta only.
    let v2 = "fn alpha\n  a1\n  a2\nend\n\nfn beta\n  b1\n  b2\n  b3\nend\n";
    repo.write("src/lib.lua", v2);
    repo.commit("bo", 10, "grow beta");
    // Remove a line of alpha (a pure deletion), move the file.
    let v3 = "fn alpha\n  a1\nend\n\nfn beta\n  b1\n  b2\n  b3\nend\n";
    repo.write("src/lib.lua", v3);
    repo.mv("src/lib.lua", "core/lib.lua");
    repo.commit("al", 20, "shrink alpha, move");
    // Add gamma, drop beta.
    let v4 = "fn alpha\n  a1\nend\n\nfn gamma\n  g\nend\n";
    repo.write("core/lib.lua", v4);
    repo.commit("cy", 40, "gamma replaces beta");

    let h = with_symbols(&repo, &HistoryOptions::default());
    assert!(h.summary.symbols);
    let alpha = symbol(&h, "core/lib.lua", "alpha");
    assert_eq!((alpha.commits, alpha.added, alpha.removed), (2, 4, 1));
    assert_eq!(
        (alpha.authors, alpha.alive, alpha.lines),
        (1, true, Some(3))
    );
    assert_eq!(alpha.age_days, 40);
    // The rename commit removed a line of alpha only: beta was not touched.
    let beta = symbol(&h, "core/lib.lua", "beta");
    assert_eq!((beta.commits, beta.added, beta.removed), (3, 5, 4));
    assert_eq!((beta.authors, beta.alive), (3, false));
    // beta's `end` line stays, as gamma's.
    let gamma = symbol(&h, "core/lib.lua", "gamma");
    assert_eq!((gamma.commits, gamma.added, gamma.age_days), (1, 2, 0));
    let last = h.timeline.last().unwrap();
    assert_eq!((last.symbols_added, last.symbols_removed), (1, 1));
    assert_eq!(h.timeline[0].symbols_added, 2);
}

#[test]
fn containers_stay_out_of_symbol_hotspots_and_coupling() {
    let repo = Repo::new();
    for day in 0..3 {
        let body = format!("type T\n  fn m\n    {day}\n  end\n  fn n\n    {day}\n  end\nend\n");
        repo.write("t.lua", body);
        repo.commit("al", day, "edit");
    }
    let h = with_symbols(&repo, &HistoryOptions::default());
    let t = symbol(&h, "t.lua", "T");
    assert!(t.container);
    assert!(!symbol(&h, "t.lua", "T.m").container);
    assert!(h.hotspots.symbols.iter().all(|s| s.name != "t.lua#T"));
    let pairs: Vec<_> = h
        .coupling
        .symbols
        .iter()
        .map(|p| (p.a.as_str(), p.b.as_str(), p.support))
        .collect();
    assert_eq!(pairs, [("t.lua#T.m", "t.lua#T.n", 3)]);
}

#[test]
fn hotspots_rank_living_files() {
    let repo = Repo::new();
    repo.write("hot.rs", lines("h", 50))
        .write("cold.rs", lines("c", 200));
    repo.commit("al", 0, "start");
    for day in 1..6 {
        repo.write("hot.rs", lines(&format!("h{day}"), 50));
        repo.commit("al", day, "churn");
    }
    repo.write("gone.rs", lines("g", 10));
    repo.commit("al", 7, "tmp");
    repo.remove("gone.rs");
    repo.commit("al", 8, "drop");

    let h = analyse(&repo, &HistoryOptions::default());
    let names: Vec<_> = h
        .hotspots
        .files
        .iter()
        .map(|x| (x.name.as_str(), x.score))
        .collect();
    assert_eq!(names, [("hot.rs", 300.0), ("cold.rs", 200.0)]);
    let gone = file(&h, "gone.rs");
    assert!(!gone.alive);
    assert_eq!((gone.commits, gone.added, gone.removed), (2, 10, 10));
}

#[test]
fn threads_do_not_change_the_answer() {
    let repo = merge_heavy();
    for day in 10..60 {
        repo.write(
            &format!("d{}/x.lua", day % 7),
            format!("fn f{day}\n  {day}\nend\n"),
        );
        repo.commit(if day % 3 == 0 { "al" } else { "bo" }, day, "more");
    }
    let one = HistoryOptions {
        threads: 1,
        ..HistoryOptions::default()
    };
    let four = HistoryOptions {
        threads: 4,
        ..HistoryOptions::default()
    };
    let a = serde_json::to_string(&with_symbols(&repo, &one)).unwrap();
    let b = serde_json::to_string(&with_symbols(&repo, &four)).unwrap();
    assert_eq!(a, b);
    let raw = read_history(repo.path(), &four, None).unwrap();
    assert_eq!(raw.commits.len(), 58);
}

#[test]
fn huge_files_are_renamed_only_when_unchanged() {
    let repo = Repo::new();
    repo.write("big.txt", lines("x", 10_000))
        .write("small.rs", lines("s", 5));
    repo.commit("al", 0, "start");
    repo.mv("big.txt", "data/big.txt");
    repo.write("data/big.txt", lines("x", 10_001));
    repo.mv("small.rs", "src/small.rs");
    repo.commit("al", 1, "move both, edit the big one");

    // Over the blob limit, similarity is not measured (it would load the
    // blobs whole): the edited big file is a deletion and an addition.
    let limited = analyse(
        &repo,
        &HistoryOptions {
            max_blob_bytes: 16 * 1024,
            ..HistoryOptions::default()
        },
    );
    assert!(limited.files.iter().any(|f| f.path == "big.txt"));
    assert!(file(&limited, "data/big.txt").former_paths.is_empty());
    // An unchanged move is still found, by id.
    assert_eq!(file(&limited, "src/small.rs").former_paths, ["small.rs"]);

    let full = analyse(&repo, &HistoryOptions::default());
    assert_eq!(file(&full, "data/big.txt").former_paths, ["big.txt"]);
}
