//! The query engine's languages: every bundled query compiles against its
//! grammar and says what symbols are, and every language has a golden
//! fixture — realistic code in `tests/fixtures/languages/<name>/`, whose
//! extraction (resolved across the directory's files) must match
//! `tests/fixtures/languages/<name>.golden`. `UPDATE_GOLDEN=1` rewrites
//! the golden files; review the diff by eye.

mod common;

use doctown_core::Language;
use doctown_extract::{check_query, query_languages};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/languages")
}

#[test]
fn every_bundled_query_compiles_and_defines_symbols() {
    let mut failures = Vec::new();
    for (language, query) in query_languages() {
        if let Err(e) = check_query(language) {
            failures.push(e);
        } else if !query.contains("@definition.") {
            failures.push(format!(
                "queries/{}.scm defines no symbols",
                language.name()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn twenty_six_languages_six_by_rules_the_rest_by_queries() {
    let engine: Vec<Language> = query_languages().map(|(l, _)| l).collect();
    assert_eq!(Language::ALL.len(), 26);
    for language in Language::ALL {
        assert_ne!(
            language.has_rules(),
            engine.contains(&language),
            "{language}: exactly one of rules and query"
        );
    }
}

fn files_of(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn golden(language: Language) -> Result<(), String> {
    let dir = fixtures().join(language.name());
    if !dir.is_dir() {
        return Err(format!(
            "{language}: no fixture directory {}",
            dir.display()
        ));
    }
    let files: Vec<(String, Language, String)> = files_of(&dir)
        .into_iter()
        .filter_map(|path| {
            let rel = path
                .strip_prefix(&dir)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            let ext = rel.rsplit_once('.').map(|(_, e)| e)?;
            let lang = Language::from_extension(ext)?;
            Some((rel, lang, std::fs::read_to_string(&path).ok()?))
        })
        .collect();
    if files.is_empty() {
        return Err(format!("{language}: no source files in {}", dir.display()));
    }
    let input: Vec<(&str, Language, &str)> = files
        .iter()
        .map(|(p, l, s)| (p.as_str(), *l, s.as_str()))
        .collect();
    let extractions = common::extract_all(&input);
    let all: Vec<_> = extractions.iter().flat_map(|e| e.symbols.clone()).collect();
    let mut text = String::new();
    for ((path, _, _), extraction) in files.iter().zip(&extractions) {
        if extraction.symbols.is_empty() {
            return Err(format!("{language}: {path} yields no symbols"));
        }
        text.push_str(&format!(
            "path: {path}\n{}\n",
            common::render(extraction, &all)
        ));
    }
    let golden = fixtures().join(format!("{}.golden", language.name()));
    std::panic::catch_unwind(|| common::check_golden(&golden, &text)).map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .unwrap_or_else(|| format!("{language}: golden differs"))
    })
}

#[test]
fn every_query_language_matches_its_golden_fixture() {
    // `DOCTOWN_LANGUAGE=java,c` checks only those (while writing a query).
    let only = std::env::var("DOCTOWN_LANGUAGE").unwrap_or_default();
    let failures: Vec<String> = query_languages()
        .filter(|(l, _)| only.is_empty() || only.split(',').any(|o| o == l.name()))
        .filter_map(|(language, _)| golden(language).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
