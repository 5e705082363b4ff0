//! The trigger on AWS Lambda (behind a Function URL with response streaming,
//! or API Gateway): the same router, adapted by `lambda_http`.
//!
//! Reads the same `DOCTOWN_*` variables as `doctown serve --distributed`:
//! the store is S3 (`DOCTOWN_S3_*`) and jobs go to the stage queues
//! (`DOCTOWN_SQS_*`, `DOCTOWN_QUEUE_PREFIX`), where the stage functions pick
//! them up; a Lambda cannot run jobs after it has answered. The queues must
//! exist (see `infra/`).
//!
//! A Function URL is reachable by anyone, so the deployment is checked
//! before it serves ([`doctown_trigger::check_hosted`]): accounts (on
//! PostgreSQL, `DATABASE_URL`) or API keys, reads behind the keys without
//! accounts, and the host names it answers. A refused configuration ends
//! the process with one line, and Lambda reports the failed start.

use doctown_accounts::{Accounts, AccountsConfig};
use doctown_store::ObjectStore;
use doctown_trigger::{check_hosted, router, AppState, JobLauncher, QueueLauncher, TriggerConfig};
use doctown_worker::deploy;
use std::sync::Arc;

fn main() -> Result<(), lambda_http::Error> {
    doctown_config::init()?;
    let config = TriggerConfig::from_env()?;
    let accounts_config = AccountsConfig::from_env()?;
    if let Some(accounts) = &accounts_config {
        let postgres = accounts
            .database_url
            .as_deref()
            .is_some_and(|u| u.starts_with("postgres"));
        if !postgres {
            return Err(
                "refusing to start: accounts on Lambda need DATABASE_URL=postgres://… \
                        (a SQLite file would not outlive the instance)"
                    .into(),
            );
        }
    }
    for note in check_hosted(&config, accounts_config.is_some())? {
        eprintln!("{note}");
    }
    let store: Arc<dyn ObjectStore> = Arc::new(deploy::store_from_env()?);
    let queues = deploy::queues_from_env(false)?;
    let launcher: Arc<dyn JobLauncher> = Arc::new(QueueLauncher::new(store.clone(), queues));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut state = AppState::new(store, launcher, config);
    if let Some(accounts_config) = accounts_config {
        let unused = std::path::Path::new("/tmp/accounts.db");
        let accounts = runtime.block_on(Accounts::open(accounts_config, unused))?;
        state = state.with_accounts(Arc::new(accounts));
    }
    runtime.block_on(lambda_http::run_with_streaming_response(router(state)))
}
