//! The event log on S3 while a stage runs inside its own async runtime (as
//! the generate stage does): segments are written as they fill, mid-stage,
//! and every event arrives exactly once. Before the S3 client could be
//! called from inside a runtime's context, each of these writes was refused
//! ("S3Store was called from a thread with an async runtime context") and
//! the whole log waited for the final flush.

mod common;

use common::*;
use doctown_core::events::generate::GenerationStarted;
use doctown_core::{EventContext, JobId};
use doctown_pipeline::{read_events, EventEmitter, SEGMENT_BYTES};
use doctown_store::ObjectStore;

#[test]
#[ignore = "needs a local S3/SQS server (DOCTOWN_TEST_S3_ENDPOINT; scripts/test.sh starts moto)"]
fn events_emitted_inside_a_runtime_reach_s3_as_they_fill_and_none_is_lost() {
    let endpoint = endpoint("event_log");
    let d = deployment(&endpoint, "events", 5, std::time::Duration::from_secs(5));
    let store: &dyn ObjectStore = d.store.as_ref();
    let job = JobId::new("events").unwrap();
    let prefix = doctown_core::artifacts::events_prefix(&job);
    let emitter = EventEmitter::new(
        job.clone(),
        "doctown-generate",
        EventContext::default(),
        0,
        1,
        vec![],
    )
    .with_store(store);
    let payload = GenerationStarted {
        backend: "facts".into(),
        model: Some("x".repeat(400)), // ≈ 0.7 KiB per event
        symbols: 1,
        modules: 1,
        to_model: 0,
        cache_hits: 0,
        requests_planned: 0,
        estimated_cost_usd: 0.0,
    };
    const EVENTS: u64 = 2_000;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let before_flush = runtime.block_on(async {
        for _ in 0..EVENTS {
            emitter.emit(&payload);
        }
        let segments = store.list(&prefix).unwrap().len();
        assert!(segments >= 1);
        segments
    });
    emitter.flush(store).unwrap();
    let events = read_events(store, &job, None).unwrap();
    let sequences: Vec<u64> = events.iter().map(|e| e.sequence).collect();
    assert_eq!(
        sequences,
        (0..EVENTS).collect::<Vec<_>>(),
        "lost or duplicated events"
    );
    let bytes: usize = events
        .iter()
        .map(|e| serde_json::to_vec(e).unwrap().len())
        .sum();
    assert!(
        before_flush >= bytes / SEGMENT_BYTES,
        "only {before_flush} segments were written before the flush, for {bytes} bytes of events"
    );
}
