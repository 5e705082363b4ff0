//! The stage handler end to end on a memory store: artifacts, events,
//! statuses, and bad configurations failing before any work.

mod common;

use common::run_stage as run;
use common::server::{answer_all, error, Recorded, ScriptServer};
use doctown_core::{ErrorKind, JobState, JobStatus, StageStatus};
use doctown_generate::artifacts::generate::{CostReport, GenerateManifest, GeneratedDocs};
use doctown_generate::events::generate::{
    GenerationCompleted, GenerationStarted, SymbolDocumented,
};
use doctown_generate::{Backend, DocSource, FactsModel, GenerateConfig, GenerateHandler};
use doctown_store::{MemoryStore, ObjectStore};
use std::sync::Arc;

fn docs(store: &MemoryStore, job: &JobState) -> GeneratedDocs {
    doctown_store::get_json(store, &format!("jobs/{}/generate/docs.json", job.job_id))
        .unwrap()
        .unwrap()
}

#[test]
fn facts_backend_writes_docs_and_events() {
    let (store, job) = common::fixture_job(None);
    let handler = GenerateHandler::new(GenerateConfig::default());
    let (result, events) = run(&handler, &store, &job);
    let output = result.unwrap();
    assert_eq!(output.status, StageStatus::Succeeded);
    let manifest: GenerateManifest = doctown_store::get_json(&store, &output.artifacts["manifest"])
        .unwrap()
        .unwrap();
    assert_eq!(
        (manifest.symbols, manifest.from_facts, manifest.failed),
        (18, 18, 0)
    );
    let docs = docs(&store, &job);
    assert!(docs.symbols.windows(2).all(|w| w[0].id < w[1].id));
    assert!(docs
        .symbols
        .iter()
        .all(|s| s.documentation.source == DocSource::Facts && s.documentation.model.is_none()));
    assert_eq!(docs.modules.len(), 3);
    assert!(docs
        .architecture
        .documentation
        .summary
        .contains("18 symbols"));
    assert_eq!(docs.architecture.entry_points, ["crate::main"]);
    let cost: CostReport = doctown_store::get_json(&store, &manifest.cost)
        .unwrap()
        .unwrap();
    assert_eq!((cost.requests, cost.cost_usd), (0, 0.0));
    assert!(events[0].payload_as::<GenerationStarted>().is_some());
    assert_eq!(
        events
            .iter()
            .filter_map(|e| e.payload_as::<SymbolDocumented>())
            .count(),
        18
    );
    let last = events.last().unwrap();
    assert_eq!(last.status, Some(JobStatus::Succeeded));
    assert_eq!(
        last.payload_as::<GenerationCompleted>()
            .unwrap()
            .totals
            .from_facts,
        18
    );
    // Same inputs, same bytes.
    let first = store.get(&manifest.docs).unwrap().unwrap().bytes;
    run(&handler, &store, &job).0.unwrap();
    assert_eq!(store.get(&manifest.docs).unwrap().unwrap().bytes, first);
}

#[test]
fn a_budget_with_an_unpriced_model_fails_before_any_request() {
    let server = ScriptServer::start(|_, r| answer_all(r, 1, 1));
    let options =
        serde_json::json!({"backend": "openai", "model": "llama3.1:8b", "max_cost": 0.01});
    let (store, job) = common::fixture_job(Some(options));
    let host = GenerateConfig {
        base_url: Some(server.base_url.clone()),
        api_key: Some("local".into()),
        ..Default::default()
    };
    let (result, _) = run(&GenerateHandler::new(host), &store, &job);
    let failure = result.unwrap_err();
    assert_eq!(failure.kind, ErrorKind::Invalid);
    assert!(
        failure
            .message
            .contains("no price is known for model \"llama3.1:8b\""),
        "{}",
        failure.message
    );
    assert!(server.requests().is_empty());
}

#[test]
fn openai_without_a_key_fails_before_any_work() {
    let server = ScriptServer::start(|_, r| answer_all(r, 1, 1));
    let (store, job) = common::fixture_job(Some(serde_json::json!({"backend": "openai"})));
    let host = GenerateConfig {
        base_url: Some(server.base_url.clone()),
        ..Default::default()
    };
    let (result, events) = run(&GenerateHandler::new(host), &store, &job);
    let failure = result.unwrap_err();
    assert_eq!(failure.kind, ErrorKind::Invalid);
    assert!(
        failure.message.contains("OPENAI_API_KEY"),
        "{}",
        failure.message
    );
    assert!(server.requests().is_empty());
    assert!(store
        .list(&format!("jobs/{}/generate/", job.job_id))
        .unwrap()
        .is_empty());
    assert_eq!(events.last().unwrap().status, Some(JobStatus::Failed));
}

#[test]
fn model_failures_end_partial_with_flagged_fallbacks() {
    let server = ScriptServer::start(|_, r: &Recorded| {
        if r.ids()[0].starts_with('s') && r.data()["items"][0]["name"] == "ObjectStore" {
            error(500, "boom", vec![])
        } else {
            answer_all(r, 100, 20)
        }
    });
    let (store, job) = common::fixture_job(Some(
        serde_json::json!({"backend": "openai", "attempts": 2, "max_batch_items": 6}),
    ));
    let host = GenerateConfig {
        base_url: Some(server.base_url.clone()),
        api_key: Some("k".into()),
        backoff_base_ms: 5,
        ..Default::default()
    };
    let (result, events) = run(&GenerateHandler::new(host), &store, &job);
    let output = result.unwrap();
    assert_eq!(output.status, StageStatus::Partial);
    assert_eq!(events.last().unwrap().status, Some(JobStatus::Partial));
    let docs = docs(&store, &job);
    let failed: Vec<_> = docs
        .symbols
        .iter()
        .filter(|s| s.documentation.error.is_some())
        .collect();
    assert_eq!(failed.len(), 6);
    assert!(failed
        .iter()
        .all(|s| s.documentation.source == DocSource::Facts));
    let documented = events
        .iter()
        .filter_map(|e| e.payload_as::<SymbolDocumented>())
        .filter(|d| d.error.is_some())
        .count();
    assert_eq!(documented, 6);
    let serialised =
        String::from_utf8(store.get(&output.artifacts["cost"]).unwrap().unwrap().bytes).unwrap();
    assert!(!serialised.contains("\"k\""));
}

#[test]
fn the_facts_model_drives_the_model_path_offline() {
    let (store, job) = common::fixture_job(None);
    let config = GenerateConfig {
        backend: Backend::OpenAi,
        trivial_to_facts: false,
        budget_per_file_usd: None,
        ..Default::default()
    };
    let handler = GenerateHandler::with_model(config, Arc::new(FactsModel::default()));
    let (result, _) = run(&handler, &store, &job);
    assert_eq!(result.unwrap().status, StageStatus::Succeeded);
    let docs = docs(&store, &job);
    assert!(docs
        .symbols
        .iter()
        .all(|s| s.documentation.source == DocSource::Model));
    assert!(docs
        .symbols
        .iter()
        .all(|s| s.documentation.model.as_deref() == Some("facts")));
}

#[test]
fn missing_assemble_artifacts_and_bad_options_are_clear() {
    let store = MemoryStore::new();
    let job = JobState::new(
        doctown_core::JobId::new("job-x").unwrap(),
        Default::default(),
        "t".into(),
    );
    let (result, _) = run(
        &GenerateHandler::new(GenerateConfig::default()),
        &store,
        &job,
    );
    assert!(result
        .unwrap_err()
        .message
        .contains("run the assemble stage first"));
    let (store, job) = common::fixture_job(Some(
        serde_json::json!({"base_url": "http://attacker.example/v1"}),
    ));
    let (result, _) = run(
        &GenerateHandler::new(GenerateConfig::default()),
        &store,
        &job,
    );
    assert!(result.unwrap_err().message.contains("base_url"));
}
