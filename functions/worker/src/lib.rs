//! The distributed hosts of Doctown's stage handlers: the same handlers the
//! in-process `Runner` uses, chained by queues over an object store.
//!
//! - [`run_worker`]: the SQS (or in-memory) worker loop — long polling,
//!   visibility heartbeats, delete-after-durable, idempotent redelivery,
//!   the next stage / fan-out / fan-in / delayed retry / dead letter.
//! - `lambda` (feature `lambda`): an AWS Lambda SQS handler with partial
//!   batch failures.
//! - [`runpod`]: the RunPod serverless worker protocol and a dispatcher
//!   that feeds RunPod endpoints from SQS.
//! - [`invoke_stage`]: run one stage of a job here and now (HTTP trigger,
//!   debugging); [`submit_job`], [`cancel_job`], [`wait_for_job`].
//! - [`WorkerTokens`]: the GitHub token of each job that fetches a private
//!   repository (its owner's, from the accounts database; or its GitHub
//!   App installation's), given to ingest by every worker host.
//! - [`Engine`]: the per-message logic all of them share; the state machine
//!   itself is `doctown_pipeline::Machine` (docs/STATE_MACHINE.md).
//!
//! Everything here is synchronous; the S3 and SQS clients own their tokio
//! runtimes. From async code (Lambda), call into it with `spawn_blocking`.
//! Test doubles (`fakes`, feature `testing`) are not part of production
//! builds.

pub mod deploy;
mod engine;
mod error;
mod executor;
#[cfg(feature = "testing")]
pub mod fakes;
#[cfg(feature = "lambda")]
pub mod lambda;
pub mod runpod;
mod signals;
mod sqs_worker;
mod submit;
mod tokens;
mod watchdog;

pub use engine::{Disposition, Engine};
pub use error::WorkerError;
pub use executor::{invoke_stage, Executor, LocalExecutor, RunControl};
pub use signals::stop_on_signals;
pub use sqs_worker::{run_loop, run_worker, WorkerConfig, WorkerStats};
pub use submit::{cancel_job, submit_job, wait_for_job};
pub use tokens::WorkerTokens;
pub use watchdog::watch;
