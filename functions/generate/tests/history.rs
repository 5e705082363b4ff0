//! The repository's history in what generate writes: the facts writer's
//! summaries and the model's prompt say how a symbol (or its file)
//! changed, from the `history.json` ingest stored.

mod common;

use common::server::{answer_all, completion, Recorded, Reply, ScriptServer};
use doctown_core::JobState;
use doctown_generate::artifacts::generate::{DocSource, GeneratedDocs};
use doctown_generate::insights::schema_errors;
use doctown_generate::{Backend, GenerateConfig, GenerateHandler};
use doctown_store::{MemoryStore, ObjectStore};
use serde_json::json;

fn run(handler: &GenerateHandler, store: &MemoryStore, job: &JobState) {
    common::run_stage(handler, store, job).0.unwrap();
}

fn time(day: u32) -> String {
    format!("2024-03-{day:02}T10:00:00Z")
}

/// A history of the fixture: `ObjectStore` (sym_0002) per symbol, always
/// changed with `put_json`; `main`'s file per file.
fn history() -> serde_json::Value {
    let symbol = |name: &str, id: &str, commits: u32| {
        json!({"path": "common/store/src/lib.rs", "name": name, "id": id, "kind": "trait",
               "alive": true, "commits": commits, "authors": 2, "added": 40, "removed": 5,
               "first_change": time(1), "last_change": time(20), "age_days": 19})
    };
    json!({
        "format": "doctown-history", "version": 1,
        "summary": {"commits": 7, "merges": 0, "authors": 2, "files": 2, "shallow": false,
                    "boundary_commits": 0, "first_parent": false, "truncated": false,
                    "symbols": true},
        "authors": [
            {"key": "ada@example.com", "name": "Ada", "commits": 5, "added": 50, "removed": 5,
             "first_commit": time(1), "last_commit": time(20)},
            {"key": "bo@example.com", "name": "Bo", "commits": 2, "added": 9, "removed": 1,
             "first_commit": time(2), "last_commit": time(9)}],
        "files": [
            {"path": "functions/cli/src/main.rs", "language": "rust", "alive": true, "lines": 7,
             "commits": 4, "added": 9, "removed": 2, "authors": 2, "binary": false,
             "first_change": time(2), "last_change": time(9)},
            {"path": "functions/cli/src/args.rs", "language": "rust", "alive": true, "lines": 70,
             "commits": 5, "added": 70, "removed": 2, "authors": 1, "binary": false,
             "first_change": time(2), "last_change": time(9)}],
        "symbols": [symbol("ObjectStore", "sym_0002", 6), symbol("put_json", "sym_other", 4)],
        "coupling": {"min_support": 2, "min_revisions": 2, "min_degree": 0.3, "max_changeset": 30,
                     "skipped_commits": 0,
                     "files": [{"a": "functions/cli/src/args.rs", "b": "functions/cli/src/main.rs",
                                "support": 4, "confidence_a": 0.8, "confidence_b": 1.0,
                                "degree": 0.89}],
                     "symbols": [{"a": "common/store/src/lib.rs#ObjectStore",
                                  "b": "common/store/src/lib.rs#put_json", "support": 4,
                                  "confidence_a": 0.6667, "confidence_b": 1.0, "degree": 0.8}]},
        "ownership": {"module_depth": 2,
                      "modules": [{"path": "functions/cli", "files": 2, "authors": 2,
                                   "main_author": "ada@example.com", "main_share": 0.75,
                                   "truck_factor": 1, "truck_authors": ["ada@example.com"]}],
                      "files": [{"path": "functions/cli/src/main.rs", "authors": 2,
                                 "main_author": "ada@example.com", "main_share": 0.75,
                                 "doa_authors": ["ada@example.com"]}]},
        "modules": [{"path": "functions/cli", "commits": 5}],
        "hotspots": {"basis": "lines", "limit": 50, "symbols": [], "modules": [],
                     "files": [{"name": "functions/cli/src/args.rs", "score": 350.0, "commits": 5,
                                "complexity": 70.0, "centrality": 1.0},
                               {"name": "functions/cli/src/main.rs", "score": 28.0, "commits": 4,
                                "complexity": 7.0, "centrality": 1.0}]},
        "timeline": []
    })
}

/// The fixture job with an ingest manifest naming the history.
fn job_with_history(options: Option<serde_json::Value>) -> (MemoryStore, JobState) {
    let (store, job) = common::fixture_job(options);
    let key = |name: &str| format!("jobs/{}/ingest/{name}", job.job_id);
    let manifest = json!({"chunk_shards": [], "chunk_index": [], "symbols": key("symbols.jsonl"),
        "files": key("files.jsonl"), "skipped": key("skipped.jsonl"), "chunk_count": 0,
        "symbol_count": 0, "file_count": 0, "history": key("history.json")});
    store
        .put(&key("history.json"), history().to_string().as_bytes())
        .unwrap();
    store
        .put(&key("manifest.json"), manifest.to_string().as_bytes())
        .unwrap();
    (store, job)
}

fn summary(store: &MemoryStore, job: &JobState, id: &str) -> String {
    let docs: GeneratedDocs =
        doctown_store::get_json(store, &format!("jobs/{}/generate/docs.json", job.job_id))
            .unwrap()
            .unwrap();
    docs.symbols
        .into_iter()
        .find(|s| s.id.as_str() == id)
        .unwrap()
        .documentation
        .summary
}

#[test]
fn the_facts_writer_says_how_symbols_and_files_changed() {
    let (store, job) = job_with_history(None);
    run(
        &GenerateHandler::new(GenerateConfig::default()),
        &store,
        &job,
    );
    let store_trait = summary(&store, &job, "sym_0002");
    assert!(
        store_trait.ends_with(
            "It changed in 6 commits by 2 authors between 2024-03-01 and 2024-03-20; \
             it changes with `put_json` in 4 of its 6 commits."
        ),
        "{store_trait}"
    );
    let main = summary(&store, &job, "sym_0001");
    assert!(
        main.ends_with(
            "Its file `functions/cli/src/main.rs`, change hotspot #2 of the repository, changed \
             in 4 commits by 2 authors between 2024-03-02 and 2024-03-09, 75% of it by Ada; \
             it changes with `functions/cli/src/args.rs` in all 4 of its commits."
        ),
        "{main}"
    );

    // Without a history, the same symbol's summary has no such sentence.
    let (plain, job) = common::fixture_job(None);
    run(
        &GenerateHandler::new(GenerateConfig::default()),
        &plain,
        &job,
    );
    let without = summary(&plain, &job, "sym_0002");
    assert!(!without.contains("changed in"), "{without}");
    assert!(
        store_trait.starts_with(&without),
        "{store_trait} / {without}"
    );
}

#[test]
fn the_model_prompt_carries_the_history() {
    let server = ScriptServer::start(|_, r: &Recorded| {
        if is_insight(r) {
            completion("{}", 10, 2)
        } else {
            answer_all(r, 100, 20)
        }
    });
    let (store, job) = job_with_history(Some(json!({"backend": "openai", "model": "gpt-4o-mini"})));
    let host = GenerateConfig {
        base_url: Some(server.base_url.clone()),
        api_key: Some("local".into()),
        backend: Backend::OpenAi,
        trivial_to_facts: false,
        budget_per_file_usd: None,
        ..Default::default()
    };
    run(&GenerateHandler::new(host), &store, &job);
    let requests = server.requests();
    let item = requests
        .iter()
        .flat_map(|r| r.data()["items"].as_array().cloned().unwrap_or_default())
        .find(|i| i["name"] == "ObjectStore")
        .expect("ObjectStore was sent to the model");
    assert_eq!(
        item["history"],
        "It changed in 6 commits by 2 authors between 2024-03-01 and 2024-03-20; \
         it changes with `put_json` in 4 of its 6 commits."
    );
    assert!(requests
        .iter()
        .any(|r| r.message("system").contains("centrality, history")));
}

fn is_insight(r: &Recorded) -> bool {
    r.message("system")
        .contains("history joined to its structure")
}

fn docs_of(store: &MemoryStore, job: &JobState) -> GeneratedDocs {
    doctown_store::get_json(store, &format!("jobs/{}/generate/docs.json", job.job_id))
        .unwrap()
        .unwrap()
}

#[test]
fn without_a_model_the_insight_families_are_written_from_the_facts() {
    let (store, job) = job_with_history(None);
    run(
        &GenerateHandler::new(GenerateConfig::default()),
        &store,
        &job,
    );
    let docs = docs_of(&store, &job);
    let families: Vec<&str> = docs.insights.iter().map(|i| i.family.as_str()).collect();
    assert_eq!(
        families,
        ["risk_hotspots", "reading_order", "module_health"]
    );
    for insight in &docs.insights {
        assert_eq!(insight.source, DocSource::Facts);
        assert!(insight.replay.is_none() && insight.error.is_none());
        let errors = schema_errors(&insight.schema, &insight.answer);
        assert!(errors.is_empty(), "{}: {errors:?}", insight.family);
    }
    let risk = &docs.insights[0].answer["hotspots"];
    assert_eq!(risk[0]["path"], "functions/cli/src/args.rs");
    assert_eq!(risk[0]["risk"], "high");
    assert_eq!(
        risk[1]["why"],
        "Changed in 4 commits by 2 authors, 75% of it by Ada; its most central symbol is \
         `main` (centrality 0.05); it changes with `functions/cli/src/args.rs` (4 commits)."
    );
    let health = &docs.insights[2].answer["modules"][0];
    assert_eq!(health["path"], "functions/cli");
    assert_eq!(health["health"], "fair", "a truck factor of one");
    let steps = docs.insights[1].answer["steps"].as_array().unwrap();
    assert!(steps.len() >= 3, "{steps:?}");
    assert_eq!(steps[0]["target"], "main", "the entry point first");

    // No history, no insights.
    let (plain, job) = common::fixture_job(None);
    run(
        &GenerateHandler::new(GenerateConfig::default()),
        &plain,
        &job,
    );
    assert!(docs_of(&plain, &job).insights.is_empty());
}

#[test]
fn model_insights_are_validated_repaired_retried_and_recorded() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = seen.clone();
    let server = ScriptServer::start(move |_, r: &Recorded| -> Reply {
        if !is_insight(r) {
            return answer_all(r, 100, 20);
        }
        let user = r.message("user");
        log.lock().unwrap().push(user.clone());
        let system = r.message("system");
        if system.contains("risky") {
            if user.contains("does not satisfy the schema") {
                let answer = json!({"hotspots": [
                    {"path": "functions/cli/src/args.rs", "risk": "high", "why": "Most churn."},
                    {"path": "functions/cli/src/main.rs", "risk": "low", "why": "Small."}]});
                completion(&answer.to_string(), 300, 40)
            } else {
                // An invented file: the schema's enum refuses it.
                let answer = json!({"hotspots": [
                    {"path": "src/invented.rs", "risk": "high", "why": "?"}]});
                completion(&answer.to_string(), 300, 30)
            }
        } else if system.contains("order in which a new reader") {
            completion("Start with main, then the store.", 200, 10)
        } else {
            let answer = json!({"modules": [
                {"path": "functions/cli", "health": "fair", "why": "One person wrote most."}]});
            completion(&answer.to_string(), 150, 20)
        }
    });
    let options = json!({"backend": "openai", "model": "gpt-4o-mini"});
    let (store, job) = job_with_history(Some(options));
    let host = GenerateConfig {
        base_url: Some(server.base_url.clone()),
        api_key: Some("local".into()),
        backoff_base_ms: 1,
        ..Default::default()
    };
    run(&GenerateHandler::new(host), &store, &job);
    let docs = docs_of(&store, &job);
    let [risk, reading, health] = &docs.insights[..] else {
        panic!("{:?}", docs.insights)
    };

    // Invalid, then repaired: the model's answer, two attempts recorded.
    assert_eq!(risk.source, DocSource::Model);
    assert_eq!(risk.model.as_deref(), Some("gpt-4o-mini-2024-07-18"));
    assert_eq!(risk.answer["hotspots"][1]["risk"], "low");
    let replay = risk.replay.as_ref().unwrap();
    let attempts = replay["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["outcome"], "invalid");
    let errors = attempts[0]["errors"].to_string();
    assert!(errors.contains("/hotspots/0/path"), "{errors}");
    assert_eq!(
        (
            attempts[1]["kind"].as_str(),
            attempts[1]["outcome"].as_str()
        ),
        (Some("repair"), Some("valid"))
    );
    assert_eq!(replay["prompt_tokens"], 600);
    assert_eq!(replay["completion_tokens"], 70);
    assert!(replay["cost_usd"].as_f64().unwrap() > 0.0);
    assert_eq!(replay["model"], "gpt-4o-mini");
    assert!(replay["user"]
        .as_str()
        .unwrap()
        .contains("functions/cli/src/args.rs"));
    assert!(replay["system"].as_str().unwrap().contains("JSON Schema"));
    assert_eq!(replay["parameters"]["max_tokens"], 1200);

    // Never valid: request, repair, fresh retry, then a recorded failure
    // and the facts' answer.
    assert_eq!(reading.source, DocSource::Facts);
    let error = reading.error.as_deref().unwrap();
    assert!(error.contains("not JSON"), "{error}");
    let kinds: Vec<&str> = reading.replay.as_ref().unwrap()["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["request", "repair", "request"]);
    assert!(schema_errors(&reading.schema, &reading.answer).is_empty());

    // The response format carries the schema strict mode accepts; the
    // prompt states the whole schema.
    let sent = server.requests().into_iter().find(is_insight).unwrap();
    let format = &sent.body["response_format"]["json_schema"];
    assert_eq!(format["strict"], true);
    let wire = format["schema"].to_string();
    assert!(
        wire.contains("\"enum\"") && !wire.contains("maxLength"),
        "{wire}"
    );
    assert!(sent.message("user").contains("\"maxLength\":400"));

    assert_eq!(health.source, DocSource::Model);
    assert_eq!(
        health.replay.as_ref().unwrap()["attempts"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // 2 + 3 + 1 insight requests.
    assert_eq!(seen.lock().unwrap().len(), 6);
}
