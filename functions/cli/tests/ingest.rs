//! `doctown build`, `ingest`, `symbols`, `jobs`, `stage` and `resume` on real
//! files, through the real binary.

mod common;

use common::*;
use serde_json::Value;
use std::fs;

fn jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A reader that stops after the first line (`doctown symbols | head -1`)
/// ends the listing quietly: a success, no error printed, no panic.
#[test]
fn symbols_stop_quietly_when_the_reader_goes_away() {
    use std::io::{BufRead, BufReader};
    let extract_fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../common/extract/tests/fixtures");
    let mut child = doctown()
        .args([
            "symbols",
            extract_fixtures.to_str().unwrap(),
            "--format",
            "jsonl",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let line: Value = serde_json::from_str(&first).unwrap();
    assert!(line["qualified_name"].is_string(), "{first}");
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

#[test]
fn symbols_jsonl_lists_every_language_with_relative_paths() {
    let out = run(&[
        "symbols",
        fixture("multilang").to_str().unwrap(),
        "--format",
        "jsonl",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let symbols = jsonl(&stdout(&out));
    let names: Vec<String> = symbols
        .iter()
        .map(|s| s["qualified_name"].as_str().unwrap().to_string())
        .collect();
    for expected in [
        "crate::greet",
        "crate::store::Store::put",
        "pyapp.models.User.display",
        "gosvc.Server.Ping",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
    assert!(
        names.iter().any(|n| n.ends_with("ApiClient.fetchUser")),
        "{names:?}"
    );
    let greet = symbols
        .iter()
        .find(|s| s["qualified_name"] == "crate::greet")
        .unwrap();
    assert_eq!(greet["path"], "src/lib.rs");
    assert_eq!(greet["kind"], "function");
    assert_eq!(greet["language"], "rust");
    assert_eq!(greet["start_line"], 8);
    assert_eq!(greet["end_line"], 12);
    assert_eq!(greet["signature"], "pub fn greet(name: &str) -> String");
    let languages: std::collections::BTreeSet<&str> = symbols
        .iter()
        .map(|s| s["language"].as_str().unwrap())
        .collect();
    assert_eq!(
        languages.into_iter().collect::<Vec<_>>(),
        ["go", "python", "rust", "typescript"]
    );
}

#[test]
fn build_stores_the_job_and_ingest_events_are_sequenced() {
    let repo = copy_fixture("multilang");
    fs::create_dir_all(repo.path().join("generated")).unwrap();
    fs::write(repo.path().join("generated/out.rs"), "fn ignored() {}").unwrap();
    fs::write(
        repo.path().join("bad.py"),
        b"x = '\xff\xfe'\ndef ok():\n    pass\n",
    )
    .unwrap();
    let store = tempfile::tempdir().unwrap();
    let out = run(&[
        "ingest",
        repo.path().to_str().unwrap(),
        "--store",
        store.path().to_str().unwrap(),
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let events = jsonl(&stdout(&out));
    let seqs: Vec<u64> = events
        .iter()
        .map(|e| e["sequence"].as_u64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(events[0]["type"], "ingest.started.v1");
    let completed = events
        .iter()
        .find(|e| e["type"] == "ingest.completed.v1")
        .unwrap();
    assert_eq!(completed["status"], "succeeded");
    assert_eq!(completed["payload"]["totals"]["files_parsed"], 9);
    let skipped: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e["type"] == "ingest.file_skipped.v1")
        .map(|e| {
            (
                e["payload"]["path"].as_str().unwrap(),
                e["payload"]["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(skipped.contains(&("generated/", "ignored")), "{skipped:?}");
    assert!(
        skipped.contains(&("README.md", "unsupported_language")),
        "{skipped:?}"
    );
    assert!(events
        .iter()
        .any(|e| e["type"] == "ingest.chunk_created.v1"));
    assert_eq!(events.last().unwrap()["type"], "job.completed.v1");

    let job = events[0]["job_id"].as_str().unwrap().to_string();
    let jobs = run(&["jobs", "--store", store.path().to_str().unwrap(), "--json"]);
    let listed = jsonl(&stdout(&jobs));
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["job_id"], job.as_str());
    assert_eq!(listed[0]["status"], "succeeded");

    // Stored artifacts: the manifest names every shard, and bad.py is flagged lossy.
    let prefix = store.path().join("jobs").join(&job).join("ingest");
    let manifest: Value =
        serde_json::from_slice(&fs::read(prefix.join("manifest.json")).unwrap()).unwrap();
    assert!(manifest["chunk_count"].as_u64().unwrap() >= 10);
    let files = jsonl(&fs::read_to_string(prefix.join("files.jsonl")).unwrap());
    let bad = files.iter().find(|f| f["path"] == "bad.py").unwrap();
    assert_eq!(bad["lossy_utf8"], true);

    // Re-running the stage from the stored state gives the same artifacts.
    let before = fs::read(prefix.join("symbols.jsonl")).unwrap();
    let chunks_before = fs::read(prefix.join("chunks-00000.jsonl")).unwrap();
    let again = run(&[
        "stage",
        "ingest",
        "--job",
        &job,
        "--store",
        store.path().to_str().unwrap(),
    ]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(fs::read(prefix.join("symbols.jsonl")).unwrap(), before);
    assert_eq!(
        fs::read(prefix.join("chunks-00000.jsonl")).unwrap(),
        chunks_before
    );
}

/// `doctown stage ingest` on a source that changed since the job ran sets
/// the later stages back to pending, so that `doctown resume` makes them
/// from the new symbols (they were left "succeeded" with artifacts of the
/// old tree, and a later `stage pack` failed on a symbol without a node);
/// a rerun of the last stage ends the job as it was, not "running".
#[test]
fn a_stage_rerun_sets_the_later_stages_back_and_resume_makes_them_again() {
    let repo = tempfile::tempdir().unwrap();
    fs::write(repo.path().join("a.py"), "def first():\n    return 1\n").unwrap();
    let store = tempfile::tempdir().unwrap();
    let s = store.path().to_str().unwrap();
    let built = run(&[
        "build",
        repo.path().to_str().unwrap(),
        "--store",
        s,
        "-o",
        store.path().join("a.docpack").to_str().unwrap(),
        "--embeddings",
        "off",
        "--json",
    ]);
    assert!(built.status.success(), "{}", stderr(&built));
    let summary: Value = serde_json::from_slice(&built.stdout).unwrap();
    let job = summary["job_id"].as_str().unwrap().to_string();
    let status = || jsonl(&stdout(&run(&["jobs", "--store", s, "--json"])))[0]["status"].clone();
    let contexts = || {
        fs::read_to_string(
            store
                .path()
                .join("jobs")
                .join(&job)
                .join("assemble/contexts.jsonl"),
        )
        .unwrap()
    };

    let rerun = run(&["stage", "pack", "--job", &job, "--store", s]);
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    assert!(!stderr(&rerun).contains("set back"), "{}", stderr(&rerun));
    assert_eq!(status(), "succeeded");

    fs::write(
        repo.path().join("a.py"),
        "def first():\n    return 1\n\ndef second():\n    return first()\n",
    )
    .unwrap();
    let rerun = run(&["stage", "ingest", "--job", &job, "--store", s]);
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    assert!(
        stderr(&rerun).contains("embed, assemble, generate, pack set back to pending"),
        "{}",
        stderr(&rerun)
    );
    assert_eq!(status(), "running");
    assert!(!contexts().contains("\"second\""));

    let resumed = run(&["resume", &job, "--store", s]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert_eq!(status(), "succeeded");
    assert!(contexts().contains("\"name\":\"second\""), "{}", contexts());
}

#[test]
fn chunk_events_stop_at_the_limit_and_the_total_still_counts_every_chunk() {
    // 10,050 one-line functions: a chunk each, more than the 10,000 chunk
    // events a job emits.
    let repo = tempfile::tempdir().unwrap();
    let mut source = String::new();
    for i in 0..10_050 {
        source.push_str(&format!("def f{i}():\n    return {i}\n\n"));
    }
    fs::write(repo.path().join("many.py"), source).unwrap();
    let store = tempfile::tempdir().unwrap();
    let out = run(&[
        "ingest",
        repo.path().to_str().unwrap(),
        "--store",
        store.path().to_str().unwrap(),
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let events = jsonl(&stdout(&out));
    let chunk_events = events
        .iter()
        .filter(|e| e["type"] == "ingest.chunk_created.v1")
        .count();
    assert_eq!(chunk_events, 10_000);
    let completed = events
        .iter()
        .find(|e| e["type"] == "ingest.completed.v1")
        .unwrap();
    let chunks = completed["payload"]["totals"]["chunks"].as_u64().unwrap();
    assert!(chunks >= 10_050, "{chunks}");
}

#[test]
fn calls_are_resolved_across_files() {
    let store = tempfile::tempdir().unwrap();
    let out = run(&[
        "ingest",
        fixture("multilang").to_str().unwrap(),
        "--store",
        store.path().to_str().unwrap(),
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let events = jsonl(&stdout(&out));
    let job = events[0]["job_id"].as_str().unwrap();
    let symbols = jsonl(
        &fs::read_to_string(
            store
                .path()
                .join("jobs")
                .join(job)
                .join("ingest/symbols.jsonl"),
        )
        .unwrap(),
    );
    let by_id = |id: &Value| {
        symbols.iter().find(|s| &s["id"] == id).unwrap()["qualified_name"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let resolved = |caller: &str| -> Vec<String> {
        let s = symbols
            .iter()
            .find(|s| s["qualified_name"] == caller)
            .unwrap();
        s["calls"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| !c["resolved"].is_null())
            .map(|c| by_id(&c["resolved"]))
            .collect()
    };
    let greet = resolved("crate::greet");
    assert!(
        greet.contains(&"crate::store::Store::new".to_string()),
        "{greet:?}"
    );
    assert!(
        greet.contains(&"crate::store::Store::put".to_string()),
        "{greet:?}"
    );
    assert!(resolved("pyapp.models.User.display").contains(&"pyapp.models.format_name".to_string()));
    assert!(resolved("pyapp.main.main").contains(&"pyapp.models.User".to_string()));
}

#[test]
fn resume_continues_and_unknown_jobs_fail_cleanly() {
    let store = tempfile::tempdir().unwrap();
    let s = store.path().to_str().unwrap();
    assert_one_line_error(
        &run(&["resume", "job-nope", "--store", s]),
        "job job-nope not found",
    );
    assert_one_line_error(&run(&["resume", "../etc", "--store", s]), "invalid job id");
    assert_one_line_error(
        &run(&["stage", "bake", "--job", "job-x", "--store", s]),
        "unknown stage",
    );
}

#[test]
fn estimate_prices_every_tier_before_any_model_call() {
    let store = tempfile::tempdir().unwrap();
    let out = run(&[
        "estimate",
        fixture("multilang").to_str().unwrap(),
        "--store",
        store.path().to_str().unwrap(),
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let estimate: Value = serde_json::from_slice(&out.stdout).unwrap();
    let tiers = estimate["tiers"].as_array().unwrap();
    assert!(tiers.len() >= 2, "{estimate}");
    let all = tiers.last().unwrap();
    assert!(all["prompt_tokens"].as_u64().unwrap() > 0, "{estimate}");
}
