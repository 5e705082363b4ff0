//! A RunPod serverless worker for one stage (or all): speaks RunPod's
//! worker protocol (take a job, run it, post the output or the error,
//! heartbeat, honour stop requests). Environment:
//!
//! - `DOCTOWN_STAGE`: the stage this endpoint runs (all stages when unset);
//! - `DOCTOWN_S3_*`: the object store (see `S3Config::from_env`);
//! - `DATABASE_URL`, `DOCTOWN_TOKEN_KEYS`, `DOCTOWN_GITHUB_APP_*`: the tokens
//!   of private repositories' jobs, for ingest (`WorkerTokens`);
//! - the `RUNPOD_*` variables RunPod sets; without `RUNPOD_WEBHOOK_GET_JOB`
//!   it runs `test_input.json` once (RunPod's local mode) and exits.

use doctown_core::Stage;
use doctown_pipeline::{CancelToken, StageHandler};
use doctown_stages::{Stages, StagesConfig};
use doctown_worker::{deploy, runpod, stop_on_signals, WorkerTokens};
use std::sync::Arc;
// The process's allocator (mimalloc).
use doctown_alloc as _;

fn main() -> anyhow::Result<()> {
    doctown_config::init()?;
    tracing_subscriber::fmt()
        .with_env_filter(
            doctown_config::var("DOCTOWN_LOG")
                .and_then(|f| tracing_subscriber::EnvFilter::try_new(f).ok())
                .unwrap_or_else(|| "info".into()),
        )
        .without_time()
        .init();
    let only: Option<Stage> = match doctown_config::var("DOCTOWN_STAGE") {
        Some(stage) => Some(stage.parse()?),
        None => None,
    };
    let stop = CancelToken::default();
    stop_on_signals(stop.clone())?;
    let store = deploy::store_from_env()?;
    let stages = Stages::new(StagesConfig::from_env()?).with_job_tokens(Some(Arc::new(
        WorkerTokens::from_env().map_err(anyhow::Error::msg)?,
    )));
    let handlers: Vec<&dyn StageHandler> = stages
        .handlers()
        .into_iter()
        .filter(|h| only.is_none_or(|s| h.stage() == s))
        .collect();
    match runpod::RunPodEnv::from_env() {
        Some(env) => {
            runpod::run_runpod_worker(&env, &store, &handlers, &stop)?;
        }
        None => {
            let input = std::fs::read_to_string("test_input.json").map_err(|e| {
                anyhow::anyhow!(
                    "not inside RunPod (RUNPOD_WEBHOOK_GET_JOB unset) and no test_input.json: {e}"
                )
            })?;
            let output = runpod::run_local_test(&store, &handlers, &input)?;
            println!("{output}");
            if output.get("error").is_some() {
                std::process::exit(1);
            }
        }
    }
    Ok(())
}
