//! Embedding while ingest runs (the prefetcher) and per-stage invocation
//! on JSON Lines.

mod common;

use common::job::{chunks, job, run, summary_u64};
use common::{config, embedder};
use doctown_core::ErrorKind;
use doctown_embed::{embed_jsonl, EmbedError, EmbedHandler, EmbedPrefetcher};
use doctown_pipeline::ChunkObserver;
use doctown_store::{MemoryStore, ObjectStore};
use std::sync::Arc;

#[test]
#[ignore = "needs the embedding model (scripts/fetch-model.sh)"]
fn prefetched_chunks_are_cache_hits_for_the_stage() {
    embedder();
    let store: Arc<dyn ObjectStore> = Arc::new(MemoryStore::new());
    let mut chunks = chunks();
    for c in &mut chunks {
        c.path = format!("prefetch/{}", c.path); // texts unlike the other tests'
    }
    let config = doctown_embed::EmbedConfig {
        flush_timeout_ms: 50,
        ..config()
    };
    let prefetcher = Arc::new(EmbedPrefetcher::new(config.clone(), store.clone()));
    let producer = {
        let (prefetcher, chunks) = (prefetcher.clone(), chunks.clone());
        std::thread::spawn(move || {
            for c in &chunks {
                prefetcher.on_chunk(c);
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            prefetcher.on_end();
        })
    };
    producer.join().unwrap();
    let state = job(&*store, "job-prefetch", &chunks, serde_json::Value::Null);
    let handler = EmbedHandler::new(config).with_prefetcher(prefetcher.clone());
    let out = run(&handler, &*store, &state).0.unwrap();
    assert_eq!(summary_u64(&out, "cache_misses"), 0, "{}", out.summary);
    assert_eq!(summary_u64(&out, "prefetched"), chunks.len() as u64 - 1);
    let stats = prefetcher.finish();
    assert_eq!(
        (stats.embedded, stats.error.as_deref()),
        (chunks.len() as u64 - 1, None)
    );
    assert!(
        stats.batches >= 2,
        "the flush timeout releases small windows: {stats:?}"
    );
}

#[test]
#[ignore = "needs the embedding model (scripts/fetch-model.sh)"]
fn jsonl_embeds_lines_as_given_and_rejects_bad_ones() {
    let model = embedder();
    let mut input = Vec::new();
    input.extend_from_slice(b"{\"id\": \"a\", \"text\": \"fn main() {}\"}\n\n");
    input.extend_from_slice(b"{\"id\": 2, \"text\": \"\"}\n");
    input.extend_from_slice(b"{\"id\": \"bad-utf8\", \"text\": \"caf\xe9 \xff\"}\n");
    input.extend_from_slice(b"{\"id\": \"dup\", \"text\": \"fn main() {}\"}");
    let mut output = Vec::new();
    let stats = embed_jsonl(&mut input.as_slice(), &mut output, &config()).unwrap();
    assert_eq!((stats.chunks, stats.unique_texts, stats.dims), (4, 3, 384));
    let lines: Vec<serde_json::Value> = output
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[1]["id"], 2);
    let vector =
        |i: usize| -> Vec<f32> { serde_json::from_value(lines[i]["vector"].clone()).unwrap() };
    assert_eq!(vector(0).len(), 384);
    assert_eq!(vector(0), vector(3));
    let alone = model
        .embed(&["fn main() {}"], &doctown_embed::BatchPlan::naive(1))
        .unwrap();
    assert!(
        common::cosine(&alone[0], &vector(0)) > 0.9999,
        "text embedded exactly as given"
    );

    let bad = b"{\"id\": 1, \"text\": \"ok\"}\n{\"text\": 3}\n";
    let err = embed_jsonl(&mut bad.as_slice(), &mut Vec::new(), &config()).unwrap_err();
    assert!(matches!(err, EmbedError::Input { line: 2, .. }), "{err}");
    assert_eq!(err.kind(), ErrorKind::Invalid);
}
