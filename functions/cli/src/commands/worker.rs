//! `doctown worker`: the distributed hosts — an SQS worker loop, a RunPod
//! dispatcher, or a RunPod serverless worker. Storage and queues come from
//! the environment (`DOCTOWN_S3_*`, `DOCTOWN_SQS_*`, `DOCTOWN_QUEUE_PREFIX`);
//! private repositories' tokens from `DATABASE_URL` + `DOCTOWN_TOKEN_KEYS`
//! and the GitHub App's variables (`WorkerTokens`, docs/ACCOUNTS.md).

use crate::args::{Dispatch, WorkerArgs};
use anyhow::{Context, Result};
use doctown_core::Stage;
use doctown_pipeline::{CancelToken, StageHandler};
use doctown_stages::{Stages, StagesConfig};
use doctown_worker::{deploy, run_worker, runpod, stop_on_signals, WorkerConfig, WorkerTokens};
use std::process::ExitCode;
use std::sync::Arc;

pub fn worker(args: WorkerArgs) -> Result<ExitCode> {
    let stages: Vec<Stage> = if args.stages.is_empty() {
        Stage::ALL.to_vec()
    } else {
        args.stages
            .iter()
            .map(|s| s.parse())
            .collect::<Result<_, _>>()?
    };
    let stop = CancelToken::default();
    stop_on_signals(stop.clone()).context("cannot install signal handlers")?;
    let store = deploy::store_from_env()?;
    // Private repositories: each job's own GitHub token (its owner's from
    // the accounts database, or its App installation's).
    let tokens = WorkerTokens::from_env().map_err(anyhow::Error::msg)?;
    if stages.contains(&Stage::Ingest) {
        eprintln!("doctown worker: {}", tokens.describe());
    }
    let stage_set = Stages::new(StagesConfig::from_env()?).with_job_tokens(Some(Arc::new(tokens)));
    let handlers: Vec<&dyn StageHandler> = stage_set
        .handlers()
        .into_iter()
        .filter(|h| stages.contains(&h.stage()))
        .collect();
    if args.runpod {
        return runpod_worker(&store, &handlers, &stop);
    }
    let queues = deploy::queues_from_env(true)?;
    let mut config = WorkerConfig::new(&stages);
    config.concurrency = args.concurrency.max(1);
    config.visibility = deploy::visibility_from_env();
    match args.dispatch {
        None => {
            run_worker(&config, &handlers, &store, &queues, &stop)?;
        }
        Some(Dispatch::Runpod) => {
            let endpoints = deploy::endpoints_from_env(&stages)?;
            runpod::run_dispatcher(&config, endpoints, &store, &queues, &stop)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn runpod_worker(
    store: &dyn doctown_store::ObjectStore,
    handlers: &[&dyn StageHandler],
    stop: &CancelToken,
) -> Result<ExitCode> {
    match runpod::RunPodEnv::from_env() {
        Some(env) => {
            runpod::run_runpod_worker(&env, store, handlers, stop)?;
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let input = std::fs::read_to_string("test_input.json").context(
                "not inside RunPod (RUNPOD_WEBHOOK_GET_JOB unset) and no test_input.json here",
            )?;
            let output = runpod::run_local_test(store, handlers, &input)?;
            println!("{output}");
            Ok(if output.get("error").is_some() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}
