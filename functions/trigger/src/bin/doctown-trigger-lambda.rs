//! The trigger on AWS Lambda (behind a Function URL with response streaming,
//! or API Gateway): the same router, adapted by `lambda_http`.
//!
//! Reads the same `DOCTOWN_*` variables as `doctown serve --distributed`:
//! the store is S3 (`DOCTOWN_S3_*`) and jobs go to the stage queues
//! (`DOCTOWN_SQS_*`, `DOCTOWN_QUEUE_PREFIX`), where the stage functions pick
//! them up; a Lambda cannot run jobs after it has answered. The queues must
//! exist (see `infra/`).

use doctown_store::ObjectStore;
use doctown_trigger::{router, AppState, JobLauncher, QueueLauncher, TriggerConfig};
use doctown_worker::deploy;
use std::sync::Arc;

fn main() -> Result<(), lambda_http::Error> {
    let config = TriggerConfig::from_env()?;
    let store: Arc<dyn ObjectStore> = Arc::new(deploy::store_from_env()?);
    let queues = deploy::queues_from_env(false)?;
    let launcher: Arc<dyn JobLauncher> = Arc::new(QueueLauncher::new(store.clone(), queues));
    let state = AppState::new(store, launcher, config);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(lambda_http::run_with_streaming_response(router(state)))
}
