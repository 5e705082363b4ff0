//! Shared test support: the fixture contexts, and a local OpenAI-compatible
//! HTTP server that records requests and answers from a script.
#![allow(dead_code)]

pub mod server;

use doctown_core::{JobId, JobInput, JobState};
use doctown_generate::artifacts::assemble::{
    AssembleManifest, ClusterSet, ContextOutline, ModuleContext, SymbolContext,
};
use doctown_generate::GenerateInput;
use doctown_store::{MemoryStore, ObjectStore};
use std::path::PathBuf;

pub fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn read_fixture(name: &str) -> String {
    std::fs::read_to_string(fixture_dir().join(name)).unwrap()
}

pub fn contexts() -> Vec<SymbolContext> {
    read_fixture("contexts.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

pub fn modules() -> Vec<ModuleContext> {
    serde_json::from_str(&read_fixture("modules.json")).unwrap()
}

pub fn clusters() -> ClusterSet {
    serde_json::from_str(&read_fixture("clusters.json")).unwrap()
}

/// The fixture repository as the generate stage sees it.
pub fn fixture_input() -> GenerateInput {
    GenerateInput::from_assemble("doctown", &contexts(), &modules(), Some(&clusters()))
}

/// Writes assemble artifacts for a job into a store.
pub fn write_assemble(store: &dyn ObjectStore, job: &JobId, contexts: &[SymbolContext]) {
    let key = |name: &str| format!("jobs/{job}/assemble/{name}");
    let manifest = AssembleManifest {
        graph: key("graph.json"),
        clusters: key("clusters.json"),
        contexts: key("contexts.jsonl"),
        outline: key("outline.jsonl"),
        modules: key("modules.json"),
        symbol_count: contexts.len() as u64,
        ..Default::default()
    };
    let (mut lines, mut outline) = (Vec::new(), Vec::new());
    for c in contexts {
        lines.extend(serde_json::to_vec(c).unwrap());
        lines.push(b'\n');
        outline.extend(serde_json::to_vec(&ContextOutline::from(c)).unwrap());
        outline.push(b'\n');
    }
    store.put(&manifest.contexts, &lines).unwrap();
    store.put(&manifest.outline, &outline).unwrap();
    store
        .put(&manifest.modules, read_fixture("modules.json").as_bytes())
        .unwrap();
    store
        .put(&manifest.clusters, read_fixture("clusters.json").as_bytes())
        .unwrap();
    doctown_store::put_json(store, &key("manifest.json"), &manifest).unwrap();
}

/// A store with the fixture job's assemble artifacts, and its state.
pub fn fixture_job(options: Option<serde_json::Value>) -> (MemoryStore, JobState) {
    let store = MemoryStore::new();
    let job = JobId::new("job-generate").unwrap();
    write_assemble(&store, &job, &contexts());
    let mut input = JobInput {
        source: "/src/doctown".into(),
        ..Default::default()
    };
    if let Some(options) = options {
        input.options.insert("generate".into(), options);
    }
    (
        store,
        JobState::new(job, input, "2026-01-01T00:00:00.000Z".into()),
    )
}

/// `n` synthetic symbol contexts with long-ish facts (for budget tests).
pub fn synthetic_contexts(n: usize) -> Vec<SymbolContext> {
    let base = contexts()[6].clone();
    (0..n)
        .map(|i| {
            let mut c = base.clone();
            c.id = doctown_core::SymbolId::from_raw(format!("sym_{i:05}"));
            c.name = format!("handle_{i}");
            c.qualified_name = format!("crate::service::Service::handle_{i}");
            c.centrality = 1.0 - i as f64 / n as f64;
            c.doc = Some(format!(
                "Handles request kind {i} and records the outcome in the journal. {}",
                "Details. ".repeat(i % 7 * 10)
            ));
            c
        })
        .collect()
}

/// Runs the generate stage on `job` with an in-memory event sink: its
/// result and the events it emitted.
pub fn run_stage(
    handler: &doctown_generate::GenerateHandler,
    store: &MemoryStore,
    job: &JobState,
) -> (
    Result<doctown_pipeline::StageOutput, doctown_pipeline::StageFailure>,
    Vec<doctown_core::Event>,
) {
    use doctown_pipeline::{CancelToken, EventEmitter, MemorySink, StageContext, StageHandler};
    let sink = std::sync::Arc::new(MemorySink::default());
    let emitter = EventEmitter::new(
        job.job_id.clone(),
        "doctown-generate",
        Default::default(),
        0,
        1,
        vec![sink.clone()],
    );
    let cancel = CancelToken::default();
    let ctx = StageContext {
        job,
        store,
        events: &emitter,
        cancel: &cancel,
        chunk_observer: None,
        shard: None,
    };
    let result = handler.run(&ctx);
    (result, sink.events())
}
