//! The AWS Lambda function of one stage, triggered by that stage's SQS
//! queue. Environment:
//!
//! - `DOCTOWN_STAGE`: the stage this function runs (`ingest`, …);
//! - `DOCTOWN_S3_BUCKET`, `DOCTOWN_S3_PREFIX`, … (see `S3Config::from_env`);
//! - `DOCTOWN_QUEUE_PREFIX` (default `doctown`): queues `<prefix>-<stage>`
//!   and `<prefix>-dlq`, which must exist (see `doctown_worker::deploy`);
//! - `DATABASE_URL`, `DOCTOWN_TOKEN_KEYS`, `DOCTOWN_GITHUB_APP_*` (the ingest
//!   function): the tokens of private repositories' jobs (`WorkerTokens`);
//! - `DOCTOWN_LOG`: a tracing filter (default `info`).
//!
//! Every stage's handler is linked (`doctown-stages`), configured from the
//! environment like every other host.

use doctown_core::Stage;
use doctown_pipeline::{Machine, StageHandler};
use doctown_stages::{Stages, StagesConfig};
use doctown_worker::lambda::{serve, LambdaFunction};
use doctown_worker::{deploy, WorkerTokens};
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
    let stage: Stage = doctown_config::var("DOCTOWN_STAGE")
        .ok_or_else(|| anyhow::anyhow!("set DOCTOWN_STAGE to the stage this function runs"))?
        .parse()?;
    let handlers: Vec<Arc<dyn StageHandler>> = Stages::new(StagesConfig::from_env()?)
        .with_job_tokens(Some(Arc::new(
            WorkerTokens::from_env().map_err(anyhow::Error::msg)?,
        )))
        .into_handlers()
        .into_iter()
        .filter(|h| h.stage() == stage)
        .map(Arc::from)
        .collect();
    let store = deploy::store_from_env()?;
    let queues = deploy::queues_from_env(false)?;
    let function = Arc::new(LambdaFunction {
        store: Arc::new(store),
        queues,
        machine: Machine::standard(),
        handlers,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(serve(function.clone()));
    drop(runtime);
    drop(function);
    result.map_err(|e| anyhow::anyhow!(e))
}
