//! A job that fails ends with its error's exit status, every time — also
//! when it fails while the embedding prefetcher is still bringing up ONNX
//! Runtime on another thread. The process used to exit under that thread
//! and die with a segfault (status 139) in some runs; the host now stops
//! and joins the prefetcher first. The race needs the real runtime and is
//! rare in a debug build (without the fix, 6 of these 64 builds crashed;
//! about 1 in 8 in release), so 64 builds run, four at a time.

mod common;

use common::*;
use std::fs;
use std::io::Write;
use std::path::Path;

/// A zip whose only entry escapes the destination (zip-slip).
fn zip_slip(dir: &Path) -> String {
    let archive = dir.join("evil.zip");
    let mut zip = zip::ZipWriter::new(fs::File::create(&archive).unwrap());
    zip.start_file("../escaped.rs", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"fn evil() {}").unwrap();
    zip.finish().unwrap();
    archive.to_str().unwrap().to_string()
}

#[test]
#[ignore = "needs the embedding model (scripts/fetch-model.sh)"]
fn a_failing_build_exits_with_its_error_status_every_time() {
    require_model();
    let dir = tempfile::tempdir().unwrap();
    let sources = [
        "https://github.com/../../etc".to_string(),
        zip_slip(dir.path()),
    ];
    const ROUNDS: usize = 8;
    const PARALLEL: usize = 4;
    let mut statuses = Vec::new();
    for round in 0..ROUNDS {
        for source in &sources {
            let runs: Vec<_> = (0..PARALLEL)
                .map(|i| {
                    let store = dir.path().join(format!("store-{round}-{i}"));
                    let source = source.clone();
                    std::thread::spawn(move || {
                        doctown()
                            .env_remove("DOCTOWN_EMBEDDINGS")
                            .args(["build", &source, "--store", store.to_str().unwrap()])
                            .output()
                            .expect("doctown runs")
                    })
                })
                .collect();
            for run in runs {
                let out = run.join().unwrap();
                // The one-line error, then the error's status (1), not a signal.
                assert_one_line_error(&out, "ingest failed");
                statuses.push((source.clone(), out.status.code()));
            }
        }
    }
    let wrong: Vec<_> = statuses.iter().filter(|(_, c)| *c != Some(1)).collect();
    assert!(
        wrong.is_empty(),
        "{} of {} failing builds did not exit with status 1 (None = killed by a signal): {wrong:?}",
        wrong.len(),
        statuses.len()
    );
    assert!(!dir.path().join("escaped.rs").exists());
}
