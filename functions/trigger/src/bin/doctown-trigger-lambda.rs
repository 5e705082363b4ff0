//! The trigger on AWS Lambda (behind a Function URL with response streaming,
//! or API Gateway): the same router, adapted by `lambda_http`.
//!
//! Reads the same `DOCTOWN_*` variables as `doctown serve`. Job launching in
//! Lambda must go through the queue-backed launcher (a Lambda cannot run
//! jobs after it has answered); until that launcher is wired here, mutating
//! routes answer 503 and the read routes serve the store.

use doctown_trigger::{router, AppState, TriggerConfig, UnavailableLauncher};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let config = TriggerConfig::from_env()?;
    let root = std::env::var("DOCTOWN_STORE").unwrap_or_else(|_| "/tmp/doctown".to_string());
    let store = doctown_store::LocalStore::open(std::path::Path::new(&root))?;
    let launcher = UnavailableLauncher(
        "this deployment has no job launcher configured (queue launcher pending)".to_string(),
    );
    let state = AppState::new(Arc::new(store), Arc::new(launcher), config);
    lambda_http::run_with_streaming_response(router(state)).await
}
