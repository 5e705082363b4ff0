//! A handler that releases the model: once its stage ends, no process-wide
//! embedder is left loaded; one that does not keeps the model for the next
//! job. Its own test binary, so no other test loads the model meanwhile.

mod common;

use common::config;
use common::job::{chunks, job, run};
use doctown_core::StageStatus;
use doctown_embed::{EmbedHandler, Embedder};
use doctown_store::MemoryStore;

#[test]
#[ignore = "needs the embedding model (scripts/fetch-model.sh)"]
fn a_releasing_handler_leaves_no_model_loaded_and_the_same_vectors() {
    let chunks = chunks();
    let kept_store = MemoryStore::new();
    let state = job(&kept_store, "job-kept", &chunks, serde_json::Value::Null);
    let (kept, _) = run(&EmbedHandler::new(config()), &kept_store, &state);
    let kept = kept.unwrap();
    assert_eq!(kept.status, StageStatus::Succeeded);
    assert_eq!(
        Embedder::shared_count(),
        1,
        "a plain handler keeps the model"
    );

    // A fresh store (so the cache does not answer), the handler releasing.
    let store = MemoryStore::new();
    let state = job(&store, "job-released", &chunks, serde_json::Value::Null);
    let (released, _) = run(
        &EmbedHandler::new(config()).releasing_model(),
        &store,
        &state,
    );
    let released = released.unwrap();
    assert_eq!(released.status, StageStatus::Succeeded);
    assert_eq!(Embedder::shared_count(), 0, "released when the stage ended");
    let vectors = |s: &MemoryStore, out: &doctown_pipeline::StageOutput| {
        use doctown_store::ObjectStore;
        s.get(&out.artifacts["vectors"]).unwrap().unwrap().bytes
    };
    assert_eq!(vectors(&store, &released), vectors(&kept_store, &kept));
    // The next use loads it again.
    common::embedder();
    assert_eq!(Embedder::shared_count(), 1);
}
