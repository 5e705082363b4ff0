//! Ingest holds symbols for call resolution without their doc comments,
//! code words, attributes and (outside the languages whose return types
//! resolution reads) signatures, which wait in a spool file: the
//! `symbols.jsonl` it writes is byte for byte the whole symbols resolved in
//! memory (`symbols_of`), on the extractor's fixtures of every language.

use doctown_core::{JobId, JobInput, Stage, StageStatus, Symbol};
use doctown_ingest::{symbols_of, IngestHandler, IngestOptions};
use doctown_pipeline::Runner;
use doctown_sources::GitHubConfig;
use doctown_store::{LocalStore, ObjectStore};
use std::fs;
use std::path::Path;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../common/extract/tests/fixtures"
);

/// Copies `from` into `to`, leaving out the golden files.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else if !name.to_string_lossy().ends_with(".golden") {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn spooled_symbols_are_written_as_the_whole_symbols() {
    let repo = tempfile::tempdir().unwrap();
    copy_tree(Path::new(FIXTURES), repo.path());
    let store_dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(store_dir.path()).unwrap();
    let handler = IngestHandler::new(GitHubConfig::default());
    let runner = Runner::new(&store, vec![&handler]);
    let input = JobInput {
        source: repo.path().display().to_string(),
        ..JobInput::default()
    };
    let id = JobId::new("spooled").unwrap();
    runner.submit(id.clone(), input).unwrap();
    let state = runner.run(&id).unwrap();
    assert_eq!(state.stage(Stage::Ingest).status, StageStatus::Succeeded);
    let written = store
        .get("jobs/spooled/ingest/symbols.jsonl")
        .unwrap()
        .expect("symbols.jsonl")
        .bytes;

    let whole = symbols_of(repo.path(), &IngestOptions::default()).unwrap();
    // The fixtures have what the spool takes out, and resolved calls.
    let has = |f: &dyn Fn(&Symbol) -> bool| whole.iter().any(f);
    assert!(has(&|s| s.doc.is_some()));
    assert!(has(&|s| !s.words.is_empty()));
    assert!(has(&|s| s.attributes.len() > 1));
    assert!(has(&|s| s.path.ends_with(".c") && !s.signature.is_empty()));
    assert!(has(&|s| s.calls.iter().any(|c| c.resolved.is_some())));
    assert!(whole.len() > 500, "{} symbols", whole.len());
    let mut expected = Vec::new();
    for symbol in &whole {
        serde_json::to_writer(&mut expected, symbol).unwrap();
        expected.push(b'\n');
    }
    assert!(
        written == expected,
        "symbols.jsonl differs from the whole symbols ({} against {} bytes)",
        written.len(),
        expected.len()
    );
}
