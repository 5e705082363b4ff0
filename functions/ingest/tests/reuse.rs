//! Reusing the previous ingest of a source: unchanged files are not parsed
//! again, and the artifacts are byte-for-byte those of a fresh ingest —
//! after no change, after a change, and when the previous artifacts are
//! damaged or gone.

use doctown_core::events::ingest::IngestTotals;
use doctown_core::{
    Chunk, ChunkEntry, IngestManifest, JobId, JobInput, JobState, Stage, StageStatus,
};
use doctown_ingest::reuse::POINTER;
use doctown_ingest::IngestHandler;
use doctown_pipeline::memo::Memo;
use doctown_pipeline::Runner;
use doctown_sources::GitHubConfig;
use doctown_store::{LocalStore, ObjectStore};
use doctown_store_s3::{S3Config, S3Store};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../common/extract/tests/fixtures"
);

/// A small repository of the extractor's realistic fixtures, in folders.
fn repository(dir: &Path) {
    for name in [
        "geometry.rs",
        "shop_models.py",
        "store.go",
        "users.ts",
        "server.js",
        "TodoList.tsx",
    ] {
        let text = fs::read(Path::new(FIXTURES).join(name)).unwrap();
        for folder in ["a", "b"] {
            fs::create_dir_all(dir.join(folder)).unwrap();
            fs::write(dir.join(folder).join(name), &text).unwrap();
        }
    }
}

/// A local directory store (and the directory, kept alive with it).
fn local_store() -> (LocalStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (LocalStore::open(dir.path()).unwrap(), dir)
}

/// An S3 store on moto under a fresh prefix. The tests that use it are
/// `#[ignore]`d (`scripts/test.sh` starts moto and runs them); run without
/// `DOCTOWN_TEST_S3_ENDPOINT`, they fail.
fn s3_store(test: &str) -> S3Store {
    let endpoint = match std::env::var("DOCTOWN_TEST_S3_ENDPOINT") {
        Ok(e) if !e.is_empty() => e,
        _ => panic!(
            "{test} needs a local S3/SQS server: DOCTOWN_TEST_S3_ENDPOINT is not set \
             (run `bash scripts/start-moto.sh` and export what it prints, or scripts/test.sh)"
        ),
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let config = S3Config::local(endpoint, "doctown-ingest-tests")
        .with_prefix(format!("{test}-{}-{nanos}", std::process::id()));
    let s3 = S3Store::connect(&config).unwrap();
    s3.ensure_bucket().unwrap();
    s3
}

fn ingest(
    store: &dyn ObjectStore,
    source: &Path,
    job: &str,
    options: Option<serde_json::Value>,
) -> JobState {
    let state = run_ingest(store, source, job, options).unwrap();
    assert_eq!(
        state.stage(Stage::Ingest).status,
        StageStatus::Succeeded,
        "{state:?}"
    );
    state
}

/// The job's state after its ingest, or why the run stopped.
fn run_ingest(
    store: &dyn ObjectStore,
    source: &Path,
    job: &str,
    options: Option<serde_json::Value>,
) -> Result<JobState, doctown_pipeline::RunError> {
    let handler = IngestHandler::new(GitHubConfig::default());
    let runner = Runner::new(store, vec![&handler]);
    let mut input = JobInput {
        source: source.display().to_string(),
        ..JobInput::default()
    };
    if let Some(options) = options {
        input.options.insert("ingest".into(), options);
    }
    let id = JobId::new(job).unwrap();
    runner.submit(id.clone(), input).unwrap();
    runner.run(&id)
}

fn totals(state: &JobState) -> IngestTotals {
    serde_json::from_value(state.stage(Stage::Ingest).summary.clone()).unwrap()
}

/// Every ingest artifact but the manifest (which names the job), by name.
fn artifacts(store: &dyn ObjectStore, job: &str) -> BTreeMap<String, Vec<u8>> {
    let prefix = format!("jobs/{job}/ingest/");
    store
        .list(&prefix)
        .unwrap()
        .into_iter()
        .filter(|k| !k.ends_with("manifest.json"))
        .map(|k| {
            let bytes = store.get(&k).unwrap().unwrap().bytes;
            (k[prefix.len()..].to_string(), bytes)
        })
        .collect()
}

/// The paths of a job's `ingest.chunk_created.v1` events, deduplicated.
fn chunk_event_paths(store: &dyn ObjectStore, job: &str) -> std::collections::BTreeSet<String> {
    doctown_pipeline::read_events(store, &JobId::new(job).unwrap(), None)
        .unwrap()
        .into_iter()
        .filter(|e| e.event_type == "ingest.chunk_created.v1")
        .map(|e| e.payload["path"].as_str().unwrap().to_string())
        .collect()
}

/// Checks that a job's chunk index is its chunks without their text,
/// shard for shard, line for line; returns the number of entries.
fn index_matches_chunks(store: &dyn ObjectStore, job: &str) -> usize {
    let manifest: IngestManifest =
        doctown_store::get_json(store, &format!("jobs/{job}/ingest/manifest.json"))
            .unwrap()
            .unwrap();
    assert_eq!(manifest.chunk_index.len(), manifest.chunk_shards.len());
    let mut count = 0;
    for (shard, index) in manifest.chunk_shards.iter().zip(&manifest.chunk_index) {
        let read = |key: &str| store.get_bytes(key).unwrap().unwrap();
        let chunks: Vec<Chunk> = doctown_store::parse_jsonl(shard, &read(shard)).unwrap();
        let entries: Vec<ChunkEntry> = doctown_store::parse_jsonl(index, &read(index)).unwrap();
        assert_eq!(
            entries,
            chunks.iter().map(ChunkEntry::of).collect::<Vec<_>>()
        );
        count += entries.len();
    }
    assert_eq!(count as u64, manifest.chunk_count);
    count
}

#[test]
fn unchanged_files_are_reused_and_the_output_is_identical() {
    let (store, _dir) = local_store();
    unchanged_files_are_reused(&store);
}

#[test]
#[ignore = "needs a local S3/SQS server (DOCTOWN_TEST_S3_ENDPOINT; scripts/test.sh starts moto)"]
fn unchanged_files_are_reused_and_the_output_is_identical_on_s3() {
    unchanged_files_are_reused(&s3_store("reuse"));
}

fn unchanged_files_are_reused(store: &dyn ObjectStore) {
    let repo = tempfile::tempdir().unwrap();
    repository(repo.path());

    let first = totals(&ingest(store, repo.path(), "job-first", None));
    assert_eq!(first.files_parsed, 12);
    assert_eq!(first.files_reused, 0);
    assert!(first.symbols > 50, "{first:?}");

    let second = totals(&ingest(store, repo.path(), "job-second", None));
    assert_eq!(second.files_reused, 12);
    assert_eq!(second.symbols, first.symbols);
    assert_eq!(second.calls_resolved, first.calls_resolved);
    assert_eq!(
        artifacts(store, "job-second"),
        artifacts(store, "job-first")
    );

    // One file changes (a new function) and one is added: only those parse.
    let mut geometry = fs::read_to_string(repo.path().join("a/geometry.rs")).unwrap();
    geometry.push_str("\npub fn extra_area(r: f64) -> f64 {\n    r * r\n}\n");
    fs::write(repo.path().join("a/geometry.rs"), geometry).unwrap();
    fs::write(
        repo.path().join("a/added.py"),
        "def added():\n    return 1\n",
    )
    .unwrap();
    let third = totals(&ingest(store, repo.path(), "job-third", None));
    assert_eq!(third.files_parsed, 13);
    assert_eq!(third.files_reused, 11);
    assert_eq!(third.symbols, first.symbols + 2);
    assert_eq!(
        index_matches_chunks(store, "job-third") as u64,
        third.chunks
    );

    // Chunks are logged where their file was parsed: every file's in the
    // first ingest, none in the second, the two parsed files' in the third.
    assert_eq!(chunk_event_paths(store, "job-first").len(), 12);
    assert!(chunk_event_paths(store, "job-second").is_empty());
    assert_eq!(
        chunk_event_paths(store, "job-third"),
        ["a/added.py", "a/geometry.rs"].map(String::from).into()
    );

    // The same tree ingested fresh into an empty store gives the same bytes.
    let fresh_dir = tempfile::tempdir().unwrap();
    let fresh = LocalStore::open(fresh_dir.path()).unwrap();
    let cold = totals(&ingest(&fresh, repo.path(), "job-third", None));
    assert_eq!(cold.files_reused, 0);
    assert_eq!(
        artifacts(store, "job-third"),
        artifacts(&fresh, "job-third")
    );

    // Reuse can be turned off.
    let off = totals(&ingest(
        store,
        repo.path(),
        "job-off",
        Some(serde_json::json!({ "reuse_previous": false })),
    ));
    assert_eq!(off.files_reused, 0);
    assert_eq!(artifacts(store, "job-off"), artifacts(&fresh, "job-third"));
}

/// Every line of a job's chunk shards, in order.
fn chunk_lines(store: &dyn ObjectStore, job: &str) -> Vec<String> {
    let manifest: IngestManifest =
        doctown_store::get_json(store, &format!("jobs/{job}/ingest/manifest.json"))
            .unwrap()
            .unwrap();
    let mut lines = Vec::new();
    for key in &manifest.chunk_shards {
        let bytes = store.get_bytes(key).unwrap().unwrap();
        lines.extend(String::from_utf8(bytes).unwrap().lines().map(String::from));
    }
    lines
}

#[test]
fn unchanged_files_chunks_are_copied_across_shards_unless_chunking_changed() {
    let (store, _dir) = local_store();
    let repo = tempfile::tempdir().unwrap();
    repository(repo.path());
    // Shards of seven chunks: a file's chunks often span two of them.
    let options = |max: usize| serde_json::json!({ "shard_size": 7, "chunk_max_bytes": max });
    let first = totals(&ingest(&store, repo.path(), "job-a", Some(options(4096))));
    assert!(first.chunks > 21, "several shards: {first:?}");

    // One file changes: the rest's chunks come from job-a's shards, and
    // the bytes are a fresh ingest's.
    let mut geometry = fs::read_to_string(repo.path().join("a/geometry.rs")).unwrap();
    geometry.push_str("\npub fn extra_area(r: f64) -> f64 {\n    r * r\n}\n");
    fs::write(repo.path().join("a/geometry.rs"), geometry).unwrap();
    ingest(&store, repo.path(), "job-b", Some(options(4096)));
    let (fresh, _fresh_dir) = local_store();
    ingest(&fresh, repo.path(), "job-b", Some(options(4096)));
    assert_eq!(artifacts(&store, "job-b"), artifacts(&fresh, "job-b"));

    // Mark job-b's stored chunks of an unchanged file: the next ingest
    // copies its lines as stored rather than cutting them again...
    let manifest: IngestManifest =
        doctown_store::get_json(&store, "jobs/job-b/ingest/manifest.json")
            .unwrap()
            .unwrap();
    let marked = |line: &str| line.contains(r#""path":"b/users.ts""#);
    for key in &manifest.chunk_shards {
        let text = String::from_utf8(store.get_bytes(key).unwrap().unwrap()).unwrap();
        let text: String = text
            .lines()
            .map(|l| match marked(l) {
                true => format!("{}\n", l.replace(r#""text":""#, r#""text":"MARKED "#)),
                false => format!("{l}\n"),
            })
            .collect();
        store.put(key, text.as_bytes()).unwrap();
    }
    ingest(&store, repo.path(), "job-c", Some(options(4096)));
    let copied: Vec<String> = chunk_lines(&store, "job-c")
        .into_iter()
        .filter(|l| marked(l))
        .collect();
    assert!(!copied.is_empty());
    assert!(copied.iter().all(|l| l.contains("MARKED ")), "{copied:?}");

    // ...but cuts every file again under other chunking options, giving a
    // fresh ingest's bytes.
    ingest(&store, repo.path(), "job-d", Some(options(1024)));
    assert!(chunk_lines(&store, "job-d")
        .iter()
        .all(|l| !l.contains("MARKED ")));
    ingest(&fresh, repo.path(), "job-d", Some(options(1024)));
    assert_eq!(artifacts(&store, "job-d"), artifacts(&fresh, "job-d"));
    assert_eq!(
        index_matches_chunks(&store, "job-d") as u64,
        totals(&ingest(&fresh, repo.path(), "job-e", Some(options(1024)))).chunks
    );
}

#[test]
fn damaged_or_missing_previous_artifacts_fall_back_to_parsing() {
    let (store, _dir) = local_store();
    damaged_previous_artifacts(&store);
}

#[test]
#[ignore = "needs a local S3/SQS server (DOCTOWN_TEST_S3_ENDPOINT; scripts/test.sh starts moto)"]
fn damaged_or_missing_previous_artifacts_fall_back_to_parsing_on_s3() {
    damaged_previous_artifacts(&s3_store("damaged"));
}

fn damaged_previous_artifacts(store: &dyn ObjectStore) {
    let repo = tempfile::tempdir().unwrap();
    repository(repo.path());
    ingest(store, repo.path(), "job-one", None);
    let expected = artifacts(store, "job-one");

    // Truncated symbols: the files before the cut are reused, the rest parsed.
    let symbols_key = "jobs/job-one/ingest/symbols.jsonl";
    let symbols = store.get(symbols_key).unwrap().unwrap().bytes;
    store
        .put(symbols_key, &symbols[..symbols.len() / 2])
        .unwrap();
    let two = totals(&ingest(store, repo.path(), "job-two", None));
    assert!(two.files_reused > 0 && two.files_reused < 12, "{two:?}");
    assert_eq!(artifacts(store, "job-two"), expected);

    // A garbled line in files.jsonl ends reuse at that point.
    let files_key = "jobs/job-two/ingest/files.jsonl";
    let files = String::from_utf8(store.get(files_key).unwrap().unwrap().bytes).unwrap();
    let garbled: Vec<&str> = files
        .lines()
        .enumerate()
        .map(|(i, l)| if i == 3 { "{not json" } else { l })
        .collect();
    store
        .put(files_key, (garbled.join("\n") + "\n").as_bytes())
        .unwrap();
    let three = totals(&ingest(store, repo.path(), "job-three", None));
    assert_eq!(three.files_reused, 3);
    assert_eq!(artifacts(store, "job-three"), expected);

    // The previous job deleted: a plain parse.
    for key in store.list("jobs/job-three/").unwrap() {
        store.delete(&key).unwrap();
    }
    let four = totals(&ingest(store, repo.path(), "job-four", None));
    assert_eq!(four.files_reused, 0);
    assert_eq!(artifacts(store, "job-four"), expected);

    // A chunk index out of step with its chunks (a line gone): the chunks
    // are cut again from there, since each is copied only beside its own
    // entry; the symbols are still reused.
    let index_key = "jobs/job-four/ingest/chunk-index-00000.jsonl";
    let index = String::from_utf8(store.get(index_key).unwrap().unwrap().bytes).unwrap();
    let shifted: String = index
        .lines()
        .enumerate()
        .filter(|(i, _)| *i != 5)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    store.put(index_key, shifted.as_bytes()).unwrap();
    let five = totals(&ingest(store, repo.path(), "job-five", None));
    assert_eq!(five.files_reused, 12);
    assert_eq!(artifacts(store, "job-five"), expected);

    // A chunk shard cut inside a line: the same.
    let shard_key = "jobs/job-five/ingest/chunks-00000.jsonl";
    let shard = store.get(shard_key).unwrap().unwrap().bytes;
    store.put(shard_key, &shard[..shard.len() / 2]).unwrap();
    let six = totals(&ingest(store, repo.path(), "job-six", None));
    assert_eq!(six.files_reused, 12);
    assert_eq!(artifacts(store, "job-six"), expected);

    // A pointer whose symbol count is damaged (absurdly large): the room
    // made for the symbols is bounded, and the rebuild is the same.
    let memos = store.list("cache/ingest/").unwrap();
    let memo = Memo::for_source(store, repo.path().to_str().unwrap(), Stage::Ingest);
    assert!(memos.contains(&memo.key(POINTER.name)), "{memos:?}");
    let mut pointer: serde_json::Value =
        serde_json::from_slice(&memo.get(POINTER).unwrap()).unwrap();
    assert!(pointer["symbol_count"].as_u64().unwrap() > 50);
    pointer["symbol_count"] = serde_json::json!(u64::MAX);
    memo.put(POINTER, &serde_json::to_vec(&pointer).unwrap());
    let seven = totals(&ingest(store, repo.path(), "job-seven", None));
    assert_eq!(seven.files_reused, 12);
    assert_eq!(artifacts(store, "job-seven"), expected);
}

/// The line of the symbol named `name` in a job's `symbols.jsonl`.
fn symbol_line(store: &dyn ObjectStore, job: &str, name: &str) -> String {
    let bytes = store
        .get_bytes(&format!("jobs/{job}/ingest/symbols.jsonl"))
        .unwrap()
        .unwrap();
    let needle = format!("\"name\":\"{name}\"");
    String::from_utf8(bytes)
        .unwrap()
        .lines()
        .find(|l| l.contains(&needle))
        .unwrap_or_else(|| panic!("no symbol {name} in {job}"))
        .to_string()
}

/// An unchanged file is reused, but its calls are resolved again: when a
/// change elsewhere links them otherwise (their callee added, then renamed
/// away), its symbols' lines say so, and the artifacts are a fresh
/// ingest's at every step.
#[test]
fn an_unchanged_files_calls_that_now_resolve_otherwise_are_written_anew() {
    let (store, _dir) = local_store();
    let repo = tempfile::tempdir().unwrap();
    let app = "from helpers import compute_total\n\n\ndef checkout(cart):\n    \"\"\"Totals a cart.\"\"\"\n    return compute_total(cart)\n";
    fs::write(repo.path().join("app.py"), app).unwrap();
    fs::write(
        repo.path().join("other.py"),
        "def unrelated():\n    return 1\n",
    )
    .unwrap();
    let fresh_ingest = |job: &str| {
        let dir = tempfile::tempdir().unwrap();
        let fresh = LocalStore::open(dir.path()).unwrap();
        ingest(&fresh, repo.path(), job, None);
        artifacts(&fresh, job)
    };

    ingest(&store, repo.path(), "job-1", None);
    let unlinked = symbol_line(&store, "job-1", "checkout");
    assert!(!unlinked.contains("\"resolved\""), "{unlinked}");

    let helpers = "def compute_total(cart):\n    return sum(cart)\n";
    fs::write(repo.path().join("helpers.py"), helpers).unwrap();
    let added = totals(&ingest(&store, repo.path(), "job-2", None));
    assert_eq!(added.files_reused, 2, "app.py and other.py: {added:?}");
    let linked = symbol_line(&store, "job-2", "checkout");
    assert!(linked.contains("\"resolved\":\"sym_"), "{linked}");
    assert_eq!(artifacts(&store, "job-2"), fresh_ingest("job-2"));

    fs::write(
        repo.path().join("helpers.py"),
        helpers.replace("total", "sum"),
    )
    .unwrap();
    let renamed = totals(&ingest(&store, repo.path(), "job-3", None));
    assert_eq!(renamed.files_reused, 2, "{renamed:?}");
    assert_eq!(symbol_line(&store, "job-3", "checkout"), unlinked);
    assert_eq!(artifacts(&store, "job-3"), fresh_ingest("job-3"));

    let again = totals(&ingest(&store, repo.path(), "job-4", None));
    assert_eq!(again.files_reused, 3, "{again:?}");
    assert_eq!(artifacts(&store, "job-4"), artifacts(&store, "job-3"));
}

/// A local store that refuses to store keys ending in `refused`: their
/// puts fail, or with `at_write` their writers fail at the first write.
struct Refusing {
    inner: LocalStore,
    refused: &'static str,
    at_write: bool,
}

/// A writer whose every write fails, as on a full disk.
struct FailingWriter;

impl std::io::Write for FailingWriter {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("disk full"))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl doctown_store::ObjectWriter for FailingWriter {
    fn commit(self: Box<Self>) -> Result<doctown_store::Etag, doctown_store::StoreError> {
        panic!("a writer that failed is never committed")
    }
}

impl ObjectStore for Refusing {
    fn get(&self, key: &str) -> Result<Option<doctown_store::Object>, doctown_store::StoreError> {
        self.inner.get(key)
    }
    fn put(
        &self,
        key: &str,
        bytes: &[u8],
    ) -> Result<doctown_store::Etag, doctown_store::StoreError> {
        if !self.at_write && key.ends_with(self.refused) {
            return Err(doctown_store::StoreError::io(
                key,
                std::io::Error::other("disk full"),
            ));
        }
        self.inner.put(key, bytes)
    }
    fn put_if(
        &self,
        key: &str,
        bytes: &[u8],
        condition: &doctown_store::Condition,
    ) -> Result<doctown_store::Etag, doctown_store::StoreError> {
        self.inner.put_if(key, bytes, condition)
    }
    fn writer<'s>(
        &'s self,
        key: &str,
    ) -> Result<Box<dyn doctown_store::ObjectWriter + 's>, doctown_store::StoreError> {
        if self.at_write && key.ends_with(self.refused) {
            return Ok(Box::new(FailingWriter));
        }
        self.inner.writer(key)
    }
    fn list(&self, prefix: &str) -> Result<Vec<String>, doctown_store::StoreError> {
        self.inner.list(prefix)
    }
    fn delete(&self, key: &str) -> Result<(), doctown_store::StoreError> {
        self.inner.delete(key)
    }
}

/// Chunk shards are stored on a thread of their own while the scan goes
/// on: a shard that cannot be stored fails the stage with the store's
/// error (naming the shard), first ingest or rebuild.
#[test]
fn a_chunk_shard_the_store_refuses_fails_the_ingest_with_its_error() {
    let repo = tempfile::tempdir().unwrap();
    repository(repo.path());
    for (refused, rebuild) in [
        ("chunks-00000.jsonl", false),
        ("chunk-index-00000.jsonl", false),
        ("chunks-00000.jsonl", true),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let store = Refusing {
            inner: LocalStore::open(dir.path()).unwrap(),
            refused,
            at_write: false,
        };
        if rebuild {
            // The first ingest goes through a store that takes everything.
            ingest(&store.inner, repo.path(), "job-first", None);
        }
        let error = run_ingest(&store, repo.path(), "job-refused", None)
            .expect_err("a refused shard fails the ingest")
            .to_string();
        assert!(error.contains("disk full"), "{refused}: {error}");
        assert!(error.contains(refused), "{refused}: {error}");
        assert!(error.contains(refused), "{refused}: {error}");
    }
}

/// `symbols.jsonl` is written while the next symbols are made whole on a
/// thread of their own: a write that fails ends that thread and fails the
/// stage with the store's error, naming the artifact, first ingest or
/// rebuild (whose symbols are mostly the last build's lines).
#[test]
fn a_symbols_write_that_fails_fails_the_ingest_with_its_error() {
    let repo = tempfile::tempdir().unwrap();
    repository(repo.path());
    for rebuild in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let store = Refusing {
            inner: LocalStore::open(dir.path()).unwrap(),
            refused: "symbols.jsonl",
            at_write: true,
        };
        if rebuild {
            ingest(&store.inner, repo.path(), "job-first", None);
            assert!(store
                .inner
                .exists("jobs/job-first/ingest/manifest.json")
                .unwrap());
        }
        let error = run_ingest(&store, repo.path(), "job-refused", None)
            .expect_err("a failed write fails the ingest")
            .to_string();
        assert!(error.contains("disk full"), "{error}");
        assert!(error.contains("symbols.jsonl"), "{error}");
        assert!(
            !store
                .inner
                .exists("jobs/job-refused/ingest/manifest.json")
                .unwrap(),
            "no manifest names the artifact that was not written"
        );
    }
}
