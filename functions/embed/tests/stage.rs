//! The stage handler and the cache, end to end over an in-memory object
//! store: vectors, events, a rebuild from the cache, skipping, failures,
//! and fan-out per chunk shard with its fan-in.

mod common;

use common::job::{chunks, job, run, run_unit, sharded_job, summary_u64};
use common::{config, embedder};
use doctown_core::{ErrorKind, JobId, JobInput, JobState, StageStatus};
use doctown_embed::events::{EmbeddingBatchCompleted, EmbeddingCompleted, EmbeddingStarted};
use doctown_embed::{EmbedHandler, VectorsReader};
use doctown_store::{MemoryStore, ObjectStore};

#[test]
#[ignore = "needs the embedding model (scripts/fetch-model.sh)"]
fn stage_writes_vectors_and_a_rebuild_embeds_nothing() {
    embedder();
    let store = MemoryStore::new();
    let chunks = chunks();
    let state = job(&store, "job-embed-1", &chunks, serde_json::Value::Null);
    // Batches of at most 8 texts, so that the 24 texts run in several.
    let handler = EmbedHandler::new(doctown_embed::EmbedConfig {
        min_batch: 4,
        max_batch: 8,
        ..config()
    });
    let (out, events) = run(&handler, &store, &state);
    let out = out.unwrap();
    assert_eq!(out.status, StageStatus::Succeeded);
    let key = &out.artifacts["vectors"];
    assert_eq!(key, "jobs/job-embed-1/embed/vectors.bin");
    assert_eq!(summary_u64(&out, "chunks"), chunks.len() as u64);
    assert_eq!(summary_u64(&out, "unique_texts"), chunks.len() as u64 - 1);
    assert_eq!(summary_u64(&out, "cache_misses"), chunks.len() as u64 - 1);
    assert!(summary_u64(&out, "tokens") > 1000);

    let bytes = store.get(key).unwrap().unwrap().bytes;
    let vectors = VectorsReader::open(&bytes).unwrap();
    assert_eq!(
        (vectors.len(), vectors.rows(), vectors.dims()),
        (chunks.len(), chunks.len() - 1, 384)
    );
    assert_eq!(vectors.get("chk_copy"), vectors.get(chunks[0].id.as_str()));
    assert!(vectors.get("chk_unknown").is_none());

    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types.first(), Some(&"embedding.started.v1"));
    assert_eq!(types.last(), Some(&"embedding.completed.v1"));
    let batches = events
        .iter()
        .filter_map(|e| e.payload_as::<EmbeddingBatchCompleted>())
        .count();
    assert!(
        batches >= 2
            && types
                .iter()
                .filter(|t| **t == "embedding.batch_started.v1")
                .count()
                == batches
    );
    let done = events
        .last()
        .unwrap()
        .payload_as::<EmbeddingCompleted>()
        .unwrap();
    assert_eq!(done.totals.cache_misses, chunks.len() as u64 - 1);
    assert_eq!(
        events.last().unwrap().status,
        Some(doctown_core::JobStatus::Succeeded)
    );

    // A second job over the same chunks: everything comes from the cache.
    let state2 = job(&store, "job-embed-2", &chunks, serde_json::Value::Null);
    let (out2, events2) = run(&handler, &store, &state2);
    let out2 = out2.unwrap();
    assert_eq!(summary_u64(&out2, "cache_misses"), 0);
    assert_eq!(summary_u64(&out2, "cache_hits"), chunks.len() as u64 - 1);
    let started = events2[0].payload_as::<EmbeddingStarted>().unwrap();
    assert_eq!(started.cache_misses, 0);
    assert!(events2.iter().all(|e| !e.event_type.contains("batch")));
    assert_eq!(
        store
            .get(&out2.artifacts["vectors"])
            .unwrap()
            .unwrap()
            .bytes,
        bytes,
        "same inputs, same bytes"
    );
}

#[test]
fn disabled_embeddings_skip_the_stage() {
    let store = MemoryStore::new();
    let state = job(
        &store,
        "job-off",
        &chunks()[..2],
        serde_json::json!({"enabled": false}),
    );
    let (out, _) = run(&EmbedHandler::new(config()), &store, &state);
    let out = out.unwrap();
    assert_eq!(out.status, StageStatus::Skipped);
    assert!(out.artifacts.is_empty());
}

/// No chunks (an empty repository): skipped like embeddings off, so the
/// docpack is empty but valid; no model is needed, no vectors written.
#[test]
fn a_job_without_chunks_skips_the_stage_without_the_model() {
    let store = MemoryStore::new();
    let state = job(&store, "job-empty", &[], serde_json::Value::Null);
    let mut config = config();
    config.model_dir = "/nonexistent/model".into();
    let (out, events) = run(&EmbedHandler::new(config.clone()), &store, &state);
    let out = out.unwrap();
    assert_eq!(out.status, StageStatus::Skipped);
    assert!(out.artifacts.is_empty());
    assert_eq!(summary_u64(&out, "chunks"), 0);
    assert!(store.list("jobs/job-empty/embed/").unwrap().is_empty());
    let completed = events.last().unwrap();
    assert_eq!(completed.status, Some(doctown_core::JobStatus::Succeeded));
    // The fan-in of a job whose ingest wrote no chunk shard does the same.
    let (merged, _) = run_unit(&EmbedHandler::new(config), &store, &state, None, true);
    assert_eq!(merged.unwrap().status, StageStatus::Skipped);
}

#[test]
fn missing_manifest_and_bad_options_are_clear_failures() {
    let store = MemoryStore::new();
    let state = JobState::new(
        JobId::new("job-none").unwrap(),
        JobInput::default(),
        "t".into(),
    );
    let (out, events) = run(&EmbedHandler::new(config()), &store, &state);
    let failure = out.unwrap_err();
    assert_eq!(failure.kind, ErrorKind::Invalid);
    assert!(
        failure.message.contains("run the ingest stage first"),
        "{}",
        failure.message
    );
    assert_eq!(
        events.last().unwrap().status,
        Some(doctown_core::JobStatus::Failed)
    );
    let state = job(
        &store,
        "job-badopt",
        &chunks()[..1],
        serde_json::json!({"max_length": "long"}),
    );
    let failure = run(&EmbedHandler::new(config()), &store, &state)
        .0
        .unwrap_err();
    assert!(
        failure.message.contains("invalid embed options"),
        "{}",
        failure.message
    );
}

#[test]
#[ignore = "needs the embedding model (scripts/fetch-model.sh)"]
fn shards_then_fan_in_give_the_bytes_of_a_whole_run() {
    embedder();
    let store = MemoryStore::new();
    let mut chunks = chunks();
    for c in &mut chunks {
        c.path = format!("sharded/{}", c.path);
    }
    let (a, b) = chunks.split_at(10);
    let mut state = sharded_job(&store, "job-shards", &[a, b], serde_json::Value::Null);
    let handler = EmbedHandler::new(config());
    for i in 0..2u32 {
        let (out, events) = run_unit(&handler, &store, &state, Some(i), false);
        let out = out.unwrap();
        assert_eq!(
            out.artifacts["vectors"],
            format!("jobs/job-shards/embed/vectors-{i:05}.bin")
        );
        assert_eq!(
            events[0].payload_as::<EmbeddingStarted>().unwrap().shard,
            Some(i)
        );
        let shard = state
            .stage_mut(doctown_core::Stage::Embed)
            .shards
            .entry(i)
            .or_default();
        shard.status = StageStatus::Succeeded;
        shard.summary = out.summary;
        shard.artifacts = out.artifacts;
    }
    let vectors = |key: &str| VectorsReader::open(&store.get(key).unwrap().unwrap().bytes).unwrap();
    assert_eq!(vectors("jobs/job-shards/embed/vectors-00000.bin").len(), 10);
    assert!(run_unit(&handler, &store, &state, Some(2), false)
        .0
        .unwrap_err()
        .message
        .contains("shard 2"));

    let (merged, events) = run_unit(&handler, &store, &state, None, true);
    let merged = merged.unwrap();
    assert_eq!(
        merged.artifacts["vectors"],
        "jobs/job-shards/embed/vectors.bin"
    );
    assert_eq!(
        summary_u64(&merged, "cache_misses"),
        chunks.len() as u64 - 1,
        "the shards' work: {}",
        merged.summary
    );
    assert!(
        events.iter().all(|e| !e.event_type.contains("batch")),
        "the fan-in embeds nothing"
    );
    let merged_bytes = store
        .get("jobs/job-shards/embed/vectors.bin")
        .unwrap()
        .unwrap()
        .bytes;
    assert_eq!(
        vectors("jobs/job-shards/embed/vectors.bin").len(),
        chunks.len()
    );

    let whole = job(&store, "job-whole", &chunks, serde_json::Value::Null);
    let out = run(&handler, &store, &whole).0.unwrap();
    assert_eq!(
        store.get(&out.artifacts["vectors"]).unwrap().unwrap().bytes,
        merged_bytes
    );
}
