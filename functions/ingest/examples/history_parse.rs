//! What the per-symbol history's extraction costs: replays the versions of
//! a repository's most changed Rust files (newest first, as the history
//! pass meets them) through `doctown-extract` four ways — every version
//! whole with words (`extract`), whole without words, each from the
//! previous version's tree without words, and each from the previous
//! version's tree as an outline (`Extractor::outline`: what
//! `ExtractSymbols` does) — and prints the time and throughput of each.
//! `cargo run --release -p doctown-ingest --example history_parse -- REPO [FILES] [VERSIONS]`

use doctown_core::Language;
use doctown_extract::{Extractor, Tree};
use std::process::Command;
use std::time::{Duration, Instant};

fn git(repo: &str, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The most changed files with an extension Doctown parses.
fn busiest(repo: &str, n: usize) -> Vec<String> {
    let log = git(repo, &["log", "--format=", "--name-only", "-n", "3000"]);
    let mut counts: std::collections::HashMap<String, usize> = Default::default();
    for line in log.lines().filter(|l| l.ends_with(".rs")) {
        *counts.entry(line.to_string()).or_default() += 1;
    }
    let mut files: Vec<(String, usize)> = counts.into_iter().collect();
    files.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    files.into_iter().take(n).map(|(f, _)| f).collect()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let repo = args
        .next()
        .expect("usage: history_parse REPO [FILES] [VERSIONS]");
    let files: usize = args.next().map_or(20, |n| n.parse().unwrap());
    let per_file: usize = args.next().map_or(50, |n| n.parse().unwrap());
    let mut versions: Vec<(String, Vec<String>)> = Vec::new();
    for path in busiest(&repo, files) {
        let commits = git(
            &repo,
            &[
                "log",
                "--format=%H",
                "-n",
                &per_file.to_string(),
                "--",
                &path,
            ],
        );
        let texts: Vec<String> = commits
            .lines()
            .map(|c| git(&repo, &["show", &format!("{c}:{path}")]))
            .filter(|t| !t.is_empty())
            .collect();
        versions.push((path, texts));
    }
    let bytes: usize = versions.iter().flat_map(|(_, v)| v).map(String::len).sum();
    let count: usize = versions.iter().map(|(_, v)| v.len()).sum();
    let (mut full, mut bare, mut incremental) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let mut outlined = Duration::ZERO;
    let mut with_words = Extractor::new();
    let mut extractor = Extractor::new().without_words();
    let mut outliner = Extractor::new().outline();
    for (path, texts) in &versions {
        let started = Instant::now();
        for text in texts {
            std::hint::black_box(with_words.extract(path, Language::Rust, text));
        }
        full += started.elapsed();
        let started = Instant::now();
        let whole: Vec<_> = texts
            .iter()
            .map(|text| extractor.extract(path, Language::Rust, text).symbols)
            .collect();
        bare += started.elapsed();
        let started = Instant::now();
        let mut previous: Option<(&str, Tree)> = None;
        let mut chained = Vec::new();
        for text in texts {
            let prev = previous.as_ref().map(|(t, tree)| (*t, tree));
            let (e, tree) = extractor.extract_after(path, Language::Rust, text, prev);
            chained.push(e.symbols);
            previous = tree.map(|tree| (text.as_str(), tree));
        }
        incremental += started.elapsed();
        assert!(chained == whole, "{path}: incremental extraction differs");
        let started = Instant::now();
        let mut previous: Option<(&str, Tree)> = None;
        let mut outlines = Vec::new();
        for text in texts {
            let prev = previous.as_ref().map(|(t, tree)| (*t, tree));
            let (e, tree) = outliner.extract_after(path, Language::Rust, text, prev);
            outlines.push(e.symbols);
            previous = tree.map(|tree| (text.as_str(), tree));
        }
        outlined += started.elapsed();
        assert!(
            outlines
                .iter()
                .map(Vec::as_slice)
                .map(identities)
                .eq(whole.iter().map(Vec::as_slice).map(identities)),
            "{path}: the outline's symbols differ"
        );
    }
    let mb = bytes as f64 / 1e6;
    let line = |what: &str, t: Duration| {
        println!(
            "  {what:<44} {:>7.2} s {:>6.1} MB/s {:>5.2}x",
            t.as_secs_f64(),
            mb / t.as_secs_f64(),
            full.as_secs_f64() / t.as_secs_f64()
        )
    };
    println!("{count} versions of {} files, {mb:.1} MB:", versions.len());
    line("whole, with words (extract)", full);
    line("whole, without words", bare);
    line("from the previous tree, without words", incremental);
    line("from the previous tree, outline", outlined);
}

/// What an outline promises of each symbol.
fn identities(symbols: &[doctown_core::Symbol]) -> Vec<String> {
    symbols
        .iter()
        .map(|s| {
            format!(
                "{} {} {} {} {:?} {:?}",
                s.id,
                s.qualified_name,
                s.name,
                s.kind.name(),
                s.span,
                s.parent
            )
        })
        .collect()
}
