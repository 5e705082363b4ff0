//! Jobs in a memory store for the stage tests: chunks, an ingest manifest
//! and shards, and running the handler with events collected.

use doctown_core::artifacts::artifact_key;
use doctown_core::{
    ByteRange, Chunk, ChunkId, ChunkKind, Event, EventContext, IngestManifest, JobId, JobInput,
    JobState, Language, Position, Span, SymbolKind,
};
use doctown_embed::EmbedHandler;
use doctown_pipeline::{
    CancelToken, EventEmitter, MemorySink, StageContext, StageHandler, StageOutput,
};
use doctown_store::{put_json, ObjectStore};
use std::sync::Arc;

pub fn chunks() -> Vec<Chunk> {
    let text = include_str!("../fixtures/parity_snippets.json");
    let snippets: Vec<serde_json::Value> = serde_json::from_str(text).unwrap();
    let mut chunks: Vec<Chunk> = snippets
        .iter()
        .enumerate()
        .map(|(i, s)| {
            chunk(
                &format!("src/f{i}.rs"),
                s["id"].as_str().unwrap(),
                s["text"].as_str().unwrap(),
            )
        })
        .collect();
    // The same code twice (another path, same name) is one distinct text only if the header agrees.
    let mut copy = chunks[0].clone();
    copy.id = ChunkId::from_raw("chk_copy");
    chunks.push(copy);
    chunks
}

pub fn chunk(path: &str, name: &str, text: &str) -> Chunk {
    Chunk {
        id: ChunkId::for_chunk(path, 0, text.len(), text.as_bytes()),
        kind: ChunkKind::Symbol,
        path: path.into(),
        language: Language::Rust,
        span: Span {
            bytes: ByteRange {
                start: 0,
                end: text.len(),
            },
            start: Position { line: 1, column: 0 },
            end: Position { line: 9, column: 0 },
        },
        symbol_id: None,
        symbol_kind: Some(SymbolKind::Function),
        qualified_name: Some(name.into()),
        signature: None,
        doc: None,
        part: None,
        text: text.into(),
        role: None,
    }
}

pub fn job(
    store: &dyn ObjectStore,
    id: &str,
    chunks: &[Chunk],
    options: serde_json::Value,
) -> JobState {
    sharded_job(store, id, &[chunks], options)
}

/// A job whose ingest wrote one chunk shard per slice.
pub fn sharded_job(
    store: &dyn ObjectStore,
    id: &str,
    shards: &[&[Chunk]],
    options: serde_json::Value,
) -> JobState {
    let job_id = JobId::new(id).unwrap();
    let mut input = JobInput {
        source: "test".into(),
        ..JobInput::default()
    };
    if !options.is_null() {
        input.options.insert("embed".into(), options);
    }
    let mut keys = Vec::new();
    for (i, chunks) in shards.iter().enumerate() {
        let key = artifact_key(&job_id, "ingest", &format!("chunks-{i:05}.jsonl"));
        let mut lines = Vec::new();
        for c in chunks.iter() {
            serde_json::to_writer(&mut lines, c).unwrap();
            lines.push(b'\n');
        }
        store.put(&key, &lines).unwrap();
        keys.push(key);
    }
    let count = shards.iter().map(|s| s.len() as u64).sum();
    let manifest = IngestManifest {
        chunk_shards: keys,
        chunk_count: count,
        ..Default::default()
    };
    put_json(
        store,
        &artifact_key(&job_id, "ingest", IngestManifest::NAME),
        &manifest,
    )
    .unwrap();
    JobState::new(job_id, input, "2026-01-01T00:00:00.000Z".into())
}

pub type Outcome = (
    Result<StageOutput, doctown_pipeline::StageFailure>,
    Vec<Event>,
);

pub fn run(handler: &EmbedHandler, store: &dyn ObjectStore, state: &JobState) -> Outcome {
    run_unit(handler, store, state, None, false)
}

/// Runs the whole stage, one shard (`shard`), or the fan-in (`merge`).
pub fn run_unit(
    handler: &EmbedHandler,
    store: &dyn ObjectStore,
    state: &JobState,
    shard: Option<u32>,
    merge: bool,
) -> Outcome {
    let sink = Arc::new(MemorySink::default());
    let emitter = EventEmitter::new(
        state.job_id.clone(),
        "doctown-embed",
        EventContext::default(),
        0,
        1,
        vec![sink.clone()],
    );
    let cancel = CancelToken::default();
    let ctx = StageContext {
        job: state,
        store,
        events: &emitter,
        cancel: &cancel,
        chunk_observer: None,
        shard,
    };
    let out = if merge {
        handler.merge(&ctx)
    } else {
        handler.run(&ctx)
    };
    (out, sink.events())
}

pub fn summary_u64(out: &StageOutput, field: &str) -> u64 {
    out.summary[field]
        .as_u64()
        .unwrap_or_else(|| panic!("summary has no {field}: {}", out.summary))
}
