//! The generate benchmark (ignored by default): real contexts against the
//! recording server, batched versus one symbol per request, and the tiers.
//! The server answers every item with a 1-2 sentence summary of realistic
//! length and reports usage counted with the model's tokenizer, so the
//! token numbers are what the OpenAI API would bill for these prompts.
//!
//! ```text
//! DOCTOWN_BENCH_CONTEXTS=DIR cargo test -p doctown-generate --release --test bench -- --ignored --nocapture
//! ```
//! DIR is a built job's `jobs/<job>/assemble/` (its `contexts.jsonl`,
//! `modules.json`, `clusters.json`); without it the fixture is used.

mod common;

use common::server::{completion, Recorded, ScriptServer};
use doctown_generate::artifacts::assemble::{ClusterSet, ModuleContext, SymbolContext};
use doctown_generate::tokens::TokenCounter;
use doctown_generate::{estimate, Backend, GenerateConfig, GenerateInput, Generator};
use doctown_pipeline::CancelToken;
use std::time::Instant;

fn load() -> GenerateInput {
    let Some(dir) = std::env::var_os("DOCTOWN_BENCH_CONTEXTS").map(std::path::PathBuf::from) else {
        return common::fixture_input();
    };
    let contexts: Vec<SymbolContext> = std::fs::read_to_string(dir.join("contexts.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let modules: Vec<ModuleContext> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("modules.json")).unwrap()).unwrap();
    let clusters: ClusterSet =
        serde_json::from_str(&std::fs::read_to_string(dir.join("clusters.json")).unwrap()).unwrap();
    GenerateInput::from_assemble("bench", &contexts, &modules, Some(&clusters))
}

/// Answers like a model would: ~30 words per item; usage counted locally.
fn realistic(r: &Recorded) -> common::server::Reply {
    let counter = TokenCounter::for_model("gpt-4o-mini");
    let items: Vec<serde_json::Value> = r.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let name = item["name"].as_str().or(item["path"].as_str()).unwrap_or("it");
            let summary = format!(
                "`{name}` validates the parsed command-line arguments against the declared options and reports \
                 conflicts to its caller, which uses the result to decide whether parsing can continue."
            );
            serde_json::json!({"id": item["id"], "summary": summary})
        })
        .collect();
    let content = serde_json::json!({ "summaries": items }).to_string();
    let prompt = counter.chat(&[&r.message("system"), &r.message("user")]) as u64;
    completion(&content, prompt, counter.count(&content) as u64)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn generate_benchmark() {
    let input = load();
    let server = ScriptServer::start(|_, r| realistic(r));
    let base = GenerateConfig {
        backend: Backend::OpenAi,
        base_url: Some(server.base_url.clone()),
        api_key: Some("bench".into()),
        cache: false,
        ..Default::default()
    };
    println!(
        "{} symbols, {} modules",
        input.symbols.len(),
        input.modules.len()
    );
    println!("{}", estimate(&input, &base).render());
    let runs = [
        ("default (budget $0.0001 per file)", base.clone()),
        (
            "batched, all non-trivial",
            GenerateConfig {
                budget_per_file_usd: None,
                ..base.clone()
            },
        ),
        (
            "one symbol per request",
            GenerateConfig {
                max_batch_items: 1,
                budget_per_file_usd: None,
                ..base.clone()
            },
        ),
        (
            "batched, every symbol",
            GenerateConfig {
                trivial_to_facts: false,
                budget_per_file_usd: None,
                ..base.clone()
            },
        ),
        (
            "batched, budget $0.005",
            GenerateConfig {
                budget_usd: Some(0.005),
                ..base.clone()
            },
        ),
        (
            "batched, llm_top 100",
            GenerateConfig {
                llm_top: Some(100),
                ..base.clone()
            },
        ),
    ];
    println!("| run | to model | requests | prompt tok | completion tok | prompt/sym | completion/sym | cost $ | wall s |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, config) in runs {
        let before = server.requests().len();
        let started = Instant::now();
        let generator = Generator::new(config).unwrap();
        let outcome = generator
            .run(&input, None, &mut |_| {}, &CancelToken::default())
            .await
            .unwrap();
        let secs = started.elapsed().as_secs_f64();
        let requests = server.requests().len() - before;
        let n = outcome.totals.documented.max(1) as f64;
        println!(
            "| {name} | {} | {requests} | {} | {} | {:.1} | {:.1} | {:.5} | {secs:.2} |",
            outcome.totals.documented,
            outcome.cost.prompt_tokens,
            outcome.cost.completion_tokens,
            outcome.cost.prompt_tokens as f64 / n,
            outcome.cost.completion_tokens as f64 / n,
            outcome.cost.cost_usd,
        );
    }
}
