//! `list_symbols` (what `doctown symbols` prints) finds what the ingest
//! finds — the same symbols, in the same order, with the same names,
//! qualified names, kinds, lines and signatures — on the extractor's
//! fixtures of every language, without gathering calls, imports or words.

use doctown_core::Symbol;
use doctown_ingest::{list_symbols, stream_symbols, symbols_of, IngestError, IngestOptions};
use std::path::Path;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../common/extract/tests/fixtures"
);

fn printed(symbols: &[Symbol]) -> Vec<String> {
    symbols
        .iter()
        .map(|s| {
            format!(
                "{} {} {} {} {} {}-{} {:?}",
                s.path,
                s.language,
                s.kind.name(),
                s.name,
                s.qualified_name,
                s.span.start.line,
                s.span.end.line,
                s.signature
            )
        })
        .collect()
}

#[test]
fn the_listing_prints_what_the_ingest_finds() {
    let options = IngestOptions::default();
    let listed = list_symbols(Path::new(FIXTURES), &options).unwrap();
    let ingested = symbols_of(Path::new(FIXTURES), &options).unwrap();
    assert!(listed.len() > 1000, "{} symbols", listed.len());
    assert_eq!(printed(&listed), printed(&ingested));
    assert!(listed
        .iter()
        .all(|s| s.calls.is_empty() && s.words.is_empty()));
    assert!(
        ingested.iter().any(|s| !s.calls.is_empty()),
        "the ingest resolves calls"
    );
}

#[test]
fn a_listing_over_the_size_limit_is_refused() {
    let options = IngestOptions {
        max_total_bytes: 10,
        ..IngestOptions::default()
    };
    let error = list_symbols(Path::new(FIXTURES), &options).unwrap_err();
    assert!(error.to_string().contains("10"), "{error}");
}

#[test]
fn a_missing_directory_is_an_error() {
    let error =
        list_symbols(Path::new("/nonexistent/doctown"), &IngestOptions::default()).unwrap_err();
    assert!(
        error.to_string().contains("/nonexistent/doctown"),
        "{error}"
    );
}

/// The stream (what `doctown symbols --format jsonl` prints from) hands
/// over each file's symbols once, in path order, as the listing has them.
#[test]
fn the_stream_hands_over_each_files_symbols_in_path_order() {
    let options = IngestOptions::default();
    let listed = list_symbols(Path::new(FIXTURES), &options).unwrap();
    let (mut streamed, mut files) = (Vec::new(), Vec::new());
    stream_symbols(
        Path::new(FIXTURES),
        &options,
        |symbols| symbols,
        |symbols: Vec<Symbol>| {
            if let Some(first) = symbols.first() {
                assert!(symbols.iter().all(|s| s.path == first.path));
                files.push(first.path.clone());
            }
            streamed.extend(symbols);
            Ok::<(), IngestError>(())
        },
    )
    .unwrap();
    assert_eq!(printed(&streamed), printed(&listed));
    let mut in_order = files.clone();
    in_order.sort();
    in_order.dedup();
    assert_eq!(files, in_order);
    assert!(files.len() > 20, "{} files", files.len());
}

/// A receiver that fails (a closed pipe) stops the stream: nothing more
/// is handed over, and its error is what the stream returns.
#[test]
fn an_error_from_the_receiver_stops_the_stream() {
    let mut handed = 0;
    let error = stream_symbols(
        Path::new(FIXTURES),
        &IngestOptions::default(),
        |symbols| symbols.len(),
        |_| {
            handed += 1;
            if handed == 3 {
                Err(IngestError::Cancelled)
            } else {
                Ok(())
            }
        },
    )
    .unwrap_err();
    assert!(matches!(error, IngestError::Cancelled), "{error}");
    assert_eq!(handed, 3);
}
