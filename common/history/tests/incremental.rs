//! A history read with an earlier run's cache is the history read without
//! it — the same records, the same document bytes — while only the commits
//! new since that run are diffed and parsed.

mod common;

use common::{lines, Repo, Toy};
use doctown_history::{
    analyze, read_history, read_history_cached, AnalysisOptions, CacheKey, CommitCache,
    HistoryOptions, RawHistory, Reuse, SymbolSource,
};

fn toy_fn(name: &str, body: usize) -> String {
    format!("fn {name}\n{}end\n", lines(name, body))
}

/// A history with edits, a rename across directories, a deletion, a
/// binary file and a merge.
fn build() -> Repo {
    let repo = Repo::new();
    repo.write("src/a.lua", toy_fn("alpha", 3) + &toy_fn("beta", 2))
        .write("README.md", "hi\n");
    repo.commit("al", 0, "start");
    repo.write("src/a.lua", toy_fn("alpha", 5) + &toy_fn("beta", 2))
        .write("src/b.lua", toy_fn("gamma", 4));
    repo.commit("bo", 1, "alpha grows, gamma");
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("src/b.lua", toy_fn("gamma", 6))
        .write("logo.png", [0u8, 1, 2, 0, 255, 0]);
    repo.commit("cy", 2, "side: gamma, logo");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("README.md", "hi\nthere\n");
    repo.commit("al", 3, "readme");
    repo.merge("al", 4, "side");
    repo.mv("src/a.lua", "lib/core/a.lua");
    repo.commit("bo", 5, "move a");
    repo
}

/// Commits made after the first read: edits to a file the cache holds
/// the head version of, a new file, a deletion.
fn grow(repo: &Repo) {
    repo.write(
        "lib/core/a.lua",
        toy_fn("alpha", 5) + &toy_fn("beta", 7) + &toy_fn("delta", 1),
    );
    repo.commit("cy", 6, "beta and delta");
    repo.write("src/c.lua", toy_fn("eps", 2))
        .remove("README.md");
    repo.commit("al", 7, "eps, no readme");
    repo.write("src/c.lua", toy_fn("eps", 3));
    repo.commit("bo", 8, "eps");
}

fn cached(
    repo: &Repo,
    options: &HistoryOptions,
    symbols: Option<&dyn SymbolSource>,
    cache: Option<&[u8]>,
) -> (RawHistory, Vec<u8>, Reuse) {
    let previous = cache.map(|bytes| {
        CommitCache::decode(bytes, &CacheKey::new(options, symbols)).expect("the cache decodes")
    });
    let read = read_history_cached(repo.path(), options, symbols, previous).unwrap();
    (read.raw, read.cache, read.reuse)
}

fn document(raw: RawHistory) -> Vec<u8> {
    serde_json::to_vec_pretty(&analyze(raw, &AnalysisOptions::default())).unwrap()
}

fn check(options: &HistoryOptions, symbols: Option<&dyn SymbolSource>) {
    let repo = build();
    let fresh = read_history(repo.path(), options, symbols).unwrap();
    let (cold, cache, reuse) = cached(&repo, options, symbols, None);
    assert_eq!(cold, fresh, "a cold cached read is the plain read");
    assert_eq!(reuse.cached_commits, 0);
    assert!(reuse.diffed_commits >= 5, "{reuse:?}");
    assert_eq!(reuse.cached_lines, 0);

    // A rebuild with no new commits diffs nothing and parses nothing.
    let (again, cache_again, reuse) = cached(&repo, options, symbols, Some(&cache));
    assert_eq!(again, fresh);
    assert_eq!(reuse.diffed_commits, 0, "{reuse:?}");
    assert!(reuse.cached_commits >= 5, "{reuse:?}");
    if symbols.is_some() {
        assert!(reuse.cached_versions >= 2, "{reuse:?}");
    }
    // Every living file's lines (the binary logo's too: none) are kept.
    assert_eq!(reuse.cached_lines, fresh.head_files.len(), "{reuse:?}");
    assert_eq!(cache_again, cache, "the same history keeps the same cache");

    // Three new commits: only they are diffed; the result is the plain
    // read's, to the byte once analysed.
    grow(&repo);
    let fresh = read_history(repo.path(), options, symbols).unwrap();
    let (grown, _, reuse) = cached(&repo, options, symbols, Some(&cache));
    assert_eq!(reuse.diffed_commits, 3, "{reuse:?}");
    // Edited and new files are counted again; b.lua and the logo are not.
    assert_eq!(reuse.cached_lines, 2, "{reuse:?}");
    assert_eq!(grown, fresh);
    assert_eq!(document(grown), document(fresh));
}

#[test]
fn file_level_rebuilds_read_only_new_commits() {
    check(&HistoryOptions::default(), None);
}

#[test]
fn first_parent_rebuilds_read_only_new_commits() {
    let options = HistoryOptions {
        first_parent: true,
        ..HistoryOptions::default()
    };
    check(&options, None);
}

#[test]
fn per_symbol_rebuilds_read_only_new_commits() {
    let toy: &dyn SymbolSource = &Toy;
    check(&HistoryOptions::default(), Some(toy));
}

#[test]
fn the_cache_is_what_a_rebuild_reads() {
    // Not just a count: an entry changed in the cache shows in the
    // history read with it (so the equality above is the cache's doing).
    let repo = build();
    let options = HistoryOptions::default();
    let (raw, bytes, _) = cached(&repo, &options, None, None);
    let key = CacheKey::new(&options, None);
    let mut cache = CommitCache::decode(&bytes, &key).unwrap();
    let newest = &raw.commits[0].id;
    cache.commits.get_mut(newest).unwrap()[0].added += 1000;
    let tampered = CommitCache::encode(
        &key,
        cache
            .commits
            .iter()
            .map(|(id, c)| (id.as_str(), c.as_slice())),
        [],
        [],
    );
    let (read, _, reuse) = cached(&repo, &options, None, Some(&tampered));
    assert_eq!(reuse.diffed_commits, 0);
    assert_eq!(
        read.commits[0].changes[0].added,
        raw.commits[0].changes[0].added + 1000
    );
}

#[test]
fn a_kept_line_count_is_what_a_rebuild_reads() {
    let repo = build();
    let options = HistoryOptions::default();
    let (raw, bytes, _) = cached(&repo, &options, None, None);
    let key = CacheKey::new(&options, None);
    let mut cache = CommitCache::decode(&bytes, &key).unwrap();
    let readme = raw.head_files["README.md"].expect("README.md's lines");
    for n in cache.lines.values_mut().filter(|n| **n == Some(readme)) {
        *n = Some(readme + 1000);
    }
    let commits = cache
        .commits
        .iter()
        .map(|(id, c)| (id.as_str(), c.as_slice()));
    let lines = cache.lines.iter().map(|(id, n)| (id.as_str(), *n));
    let tampered = CommitCache::encode(&key, commits, [], lines);
    let (read, _, reuse) = cached(&repo, &options, None, Some(&tampered));
    assert_eq!(reuse.cached_lines, raw.head_files.len());
    assert_eq!(read.head_files["README.md"], Some(readme + 1000));
}

#[test]
fn a_cache_follows_a_history_cut_by_max_commits() {
    // The cache holds what the last read walked; a longer walk later
    // diffs only what it lacks.
    let repo = build();
    let short = HistoryOptions {
        max_commits: Some(2),
        ..HistoryOptions::default()
    };
    let (_, cache, reuse) = cached(&repo, &short, None, None);
    // The newest two: the move, and the merge (no diff of its own).
    assert_eq!(reuse.diffed_commits, 1);
    let all = HistoryOptions::default();
    let (raw, _, reuse) = cached(&repo, &all, None, Some(&cache));
    assert_eq!(reuse.cached_commits, 1, "{reuse:?}");
    assert_eq!(reuse.diffed_commits, 4, "{reuse:?}");
    assert_eq!(raw, read_history(repo.path(), &all, None).unwrap());
}
