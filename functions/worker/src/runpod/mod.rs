//! RunPod serverless: the worker protocol a RunPod container speaks
//! ([`worker`], `docs` in PROTOCOLS.md §1a) and a dispatcher that feeds
//! RunPod endpoints from SQS ([`dispatch`], §1b).
//!
//! The input of a RunPod job is the same pointer the queues carry
//! (`StageMessage`). The RunPod worker only runs the unit
//! ([`crate::invoke_stage`]); the dispatcher, which owns the SQS message,
//! carries out the state machine afterwards and deletes the message only
//! when RunPod says `COMPLETED` *and* the state document shows the unit
//! done.

pub mod dispatch;
mod http;
pub mod worker;

pub use dispatch::{run_dispatcher, Endpoint, RunPodExecutor};
pub use worker::{run_local_test, run_runpod_worker, RunPodEnv};
