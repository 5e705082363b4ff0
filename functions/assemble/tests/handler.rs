//! The handler on a MemoryStore: byte-identical reruns, events, structural
//! builds, bad vectors, and a huge fan-in.

mod common;

use doctown_assemble::events::{AssemblyCompleted, ClusterCreated, GraphCompleted};
use doctown_assemble::{AssembleHandler, MemoryVectors, VectorLookup, VectorSource};
use doctown_core::{
    ChunkEntry, ErrorKind, IngestManifest, JobId, JobInput, JobState, JobStatus, Stage, StageStatus,
};
use doctown_pipeline::{
    CancelToken, EventEmitter, MemorySink, StageContext, StageFailure, StageHandler, StageOutput,
};
use doctown_store::{MemoryStore, ObjectStore};
use std::sync::Arc;

struct FixedVectors(MemoryVectors);

impl VectorSource for FixedVectors {
    fn open(&self, _: &StageContext<'_>) -> Result<Option<Box<dyn VectorLookup>>, StageFailure> {
        Ok(Some(Box::new(self.0.clone())))
    }
}

fn lines<T: serde::Serialize>(items: &[T]) -> Vec<u8> {
    items
        .iter()
        .flat_map(|i| [serde_json::to_vec(i).unwrap(), b"\n".to_vec()].concat())
        .collect()
}

/// Writes ingest-like artifacts for the multi-language fixture.
fn store_with_ingest(job: &JobId) -> MemoryStore {
    let f = common::multi_language();
    let store = MemoryStore::new();
    let key = |n: &str| format!("jobs/{job}/ingest/{n}");
    let manifest = IngestManifest {
        chunk_shards: vec![key("chunks-00000.jsonl"), key("chunks-00001.jsonl")],
        chunk_index: vec![
            key("chunk-index-00000.jsonl"),
            key("chunk-index-00001.jsonl"),
        ],
        symbols: key("symbols.jsonl"),
        files: key("files.jsonl"),
        skipped: key("skipped.jsonl"),
        chunk_count: f.chunks.len() as u64,
        symbol_count: f.symbols.len() as u64,
        file_count: f.files.len() as u64,
        ..IngestManifest::default()
    };
    store
        .put(&manifest.chunk_shards[0], &lines(&f.chunks[..2]))
        .unwrap();
    store
        .put(&manifest.chunk_shards[1], &lines(&f.chunks[2..]))
        .unwrap();
    let entries: Vec<ChunkEntry> = f.chunks.iter().map(ChunkEntry::of).collect();
    store
        .put(&manifest.chunk_index[0], &lines(&entries[..2]))
        .unwrap();
    store
        .put(&manifest.chunk_index[1], &lines(&entries[2..]))
        .unwrap();
    store.put(&manifest.symbols, &lines(&f.symbols)).unwrap();
    store.put(&manifest.files, &lines(&f.files)).unwrap();
    doctown_store::put_json(&store, &key("manifest.json"), &manifest).unwrap();
    store
}

fn vectors(dims: usize, value: impl Fn(usize) -> Vec<f32>) -> MemoryVectors {
    let mut v = MemoryVectors::new(dims);
    for (i, chunk) in common::multi_language().chunks.iter().enumerate() {
        v.insert(chunk.id.to_string(), value(i));
    }
    v
}

fn run(
    handler: &AssembleHandler,
    store: &MemoryStore,
    state: &JobState,
) -> (Result<StageOutput, StageFailure>, Vec<doctown_core::Event>) {
    let sink = Arc::new(MemorySink::default());
    let events = EventEmitter::new(
        state.job_id.clone(),
        "doctown-assemble",
        Default::default(),
        0,
        1,
        vec![sink.clone()],
    );
    let cancel = CancelToken::default();
    let ctx = StageContext {
        job: state,
        store,
        events: &events,
        cancel: &cancel,
        chunk_observer: None,
        shard: None,
    };
    (handler.run(&ctx), sink.events())
}

fn job() -> JobState {
    JobState::new(
        JobId::new("job-a").unwrap(),
        JobInput::default(),
        "2026-01-01T00:00:00Z".into(),
    )
}

fn outputs(store: &MemoryStore) -> Vec<(String, Vec<u8>)> {
    store
        .list("jobs/job-a/assemble/")
        .unwrap()
        .into_iter()
        .map(|k| (k.clone(), store.get(&k).unwrap().unwrap().bytes))
        .collect()
}

#[test]
fn reruns_are_byte_identical_and_emit_events() {
    let state = job();
    let source = FixedVectors(vectors(4, |i| vec![1.0, i as f32 * 0.1, 0.5, 0.0]));
    let handler = AssembleHandler::new(Arc::new(source));
    let (first_store, second_store) = (
        store_with_ingest(&state.job_id),
        store_with_ingest(&state.job_id),
    );
    let (out, events) = run(&handler, &first_store, &state);
    let out = out.unwrap();
    run(&handler, &second_store, &state).0.unwrap();
    let (a, b) = (outputs(&first_store), outputs(&second_store));
    assert_eq!(a.len(), 6);
    assert_eq!(a, b);
    assert_eq!(
        out.artifacts["manifest"],
        "jobs/job-a/assemble/manifest.json"
    );
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types.first(), Some(&"assembly.started.v1"));
    assert_eq!(types.last(), Some(&"assembly.completed.v1"));
    let clusters = events
        .iter()
        .filter_map(|e| e.payload_as::<ClusterCreated>())
        .count();
    assert!(clusters >= 1);
    let graph = events
        .iter()
        .find_map(|e| e.payload_as::<GraphCompleted>())
        .unwrap();
    assert_eq!(graph.edges_by_kind["calls"], 4);
    let done = events.last().unwrap();
    assert_eq!(done.status, Some(JobStatus::Succeeded));
    assert!(
        done.payload_as::<AssemblyCompleted>()
            .unwrap()
            .totals
            .related_edges
            > 0
    );
    let contexts = &a
        .iter()
        .find(|(k, _)| k.ends_with("contexts.jsonl"))
        .unwrap()
        .1;
    assert_eq!(
        contexts
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count(),
        15
    );
}

#[test]
fn assemble_reads_the_chunk_index_not_the_chunk_texts() {
    let state = job();
    let source = FixedVectors(vectors(4, |i| {
        vec![1.0, i as f32 * 0.1, 0.5, (i % 3) as f32]
    }));
    let handlers = [
        AssembleHandler::new(Arc::new(source)),
        AssembleHandler::structural(),
    ];
    for handler in &handlers {
        let whole = store_with_ingest(&state.job_id);
        run(handler, &whole, &state).0.unwrap();
        // Without the chunk shards: the same.
        let indexed = store_with_ingest(&state.job_id);
        for shard in ["chunks-00000.jsonl", "chunks-00001.jsonl"] {
            indexed
                .delete(&format!("jobs/{}/ingest/{shard}", state.job_id))
                .unwrap();
        }
        run(handler, &indexed, &state).0.unwrap();
        let (a, b) = (outputs(&whole), outputs(&indexed));
        assert_eq!(a.len(), 6);
        assert_eq!(a, b);
    }
    // The fixture's functions have decision points, so complexity is read
    // from the index, not only defaulted.
    let entries = common::multi_language().chunks;
    assert!(entries.iter().map(ChunkEntry::of).any(|e| e.decisions > 0));
}

#[test]
fn skipped_embed_means_a_structural_build() {
    let mut state = job();
    state.stage_mut(Stage::Embed).status = StageStatus::Skipped;
    let store = store_with_ingest(&state.job_id);
    let handler = AssembleHandler::new(Arc::new(FixedVectors(vectors(4, |_| vec![f32::NAN; 4]))));
    run(&handler, &store, &state).0.unwrap();
    let clusters: serde_json::Value = serde_json::from_slice(
        &store
            .get("jobs/job-a/assemble/clusters.json")
            .unwrap()
            .unwrap()
            .bytes,
    )
    .unwrap();
    assert_eq!(clusters["method"], "communities");
}

#[test]
fn bad_vectors_and_missing_ingest_fail_cleanly() {
    let state = job();
    let store = store_with_ingest(&state.job_id);
    let handler = AssembleHandler::new(Arc::new(FixedVectors(vectors(4, |_| {
        vec![0.0, f32::NAN, 0.0, 1.0]
    }))));
    let (result, events) = run(&handler, &store, &state);
    let err = result.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert!(
        err.message.contains("NaN") && !err.message.contains('\n'),
        "{}",
        err.message
    );
    assert_eq!(events.last().unwrap().status, Some(JobStatus::Failed));
    let wrong = AssembleHandler::new(Arc::new(FixedVectors(vectors(4, |_| vec![1.0; 3]))));
    assert!(run(&wrong, &store, &state)
        .0
        .unwrap_err()
        .message
        .contains("3 dimensions, expected 4"));
    let empty = MemoryStore::new();
    let err = run(&AssembleHandler::structural(), &empty, &state)
        .0
        .unwrap_err();
    assert!(
        err.message.contains("run the ingest stage first"),
        "{}",
        err.message
    );
    // Each of ingest's artifacts gone, or a line of one damaged: one line
    // naming it.
    for name in ["chunk-index-00001.jsonl", "symbols.jsonl", "files.jsonl"] {
        let key = format!("jobs/{}/ingest/{name}", state.job_id);
        for damage in [None, Some(&b"{\"id\": 1}\n"[..])] {
            let store = store_with_ingest(&state.job_id);
            match damage {
                None => store.delete(&key).unwrap(),
                Some(bytes) => drop(store.put(&key, bytes).unwrap()),
            }
            let err = run(&AssembleHandler::structural(), &store, &state)
                .0
                .unwrap_err();
            assert!(
                err.message.contains(&key) && !err.message.contains('\n'),
                "{name}: {}",
                err.message
            );
            if damage.is_none() {
                assert!(err.message.contains("run the ingest stage again"));
            }
        }
    }
}

#[test]
fn huge_fan_in_keeps_ten_callers() {
    use doctown_assemble::{assemble, AssembleInput, AssembleOptions};
    use doctown_core::{Language, SymbolKind};
    let target = common::sym(
        "core.py",
        "core.hot",
        SymbolKind::Function,
        Language::Python,
    );
    let mut symbols = vec![target.clone()];
    for i in 0..10_000 {
        let mut caller = common::sym(
            &format!("m{}/c{i}.py", i % 100),
            &format!("c{i}.f"),
            SymbolKind::Function,
            Language::Python,
        );
        caller.calls = vec![common::call("hot", Some(&target))];
        symbols.push(caller);
    }
    let started = std::time::Instant::now();
    let out = assemble(
        &AssembleInput::new(symbols, Vec::new(), Vec::new(), None),
        &AssembleOptions::default(),
    )
    .unwrap();
    let hot = out.contexts.iter().find(|c| c.id == target.id).unwrap();
    assert_eq!((hot.called_by.len(), hot.called_by_total), (10, 10_000));
    assert_eq!(hot.centrality, 1.0);
    assert!(started.elapsed().as_secs() < 30);
}
