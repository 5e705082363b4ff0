//! Launching jobs: the [`JobLauncher`] trait the routes, the webhook and the
//! scheduler call, and its in-process implementation.
//!
//! A launcher creates the job's state document and gets its stages run
//! somewhere. [`InProcessLauncher`] runs them in this process on a bounded
//! pool; [`QueueLauncher`] (SQS, for the distributed deployment)
//! implements the same trait by sending the first stage's message instead.
//!
//! Secrets never go into the state document. A job built for a GitHub App
//! installation carries only the installation id
//! (`input.options["github"]["installation_id"]`, see [`installation_id`]);
//! whoever runs ingest mints the installation token from it (in process: the
//! [`TokenSource`] given to the launcher, passed to the handler factory
//! through [`LaunchContext::github_token`]).

mod finish;
mod inprocess;
mod live;
mod queue;

pub use inprocess::{InProcessLauncher, InProcessOptions};
pub use live::{LiveEvents, LiveSubscription};
pub use queue::QueueLauncher;

use doctown_core::{JobId, JobInput, JobState, JobStatus, Stage};
use doctown_pipeline::{now_ms, StageHandler};
use doctown_store::StoreError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Why a launcher could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("job {0} not found")]
    UnknownJob(JobId),
    #[error("job {job} has already finished ({status})")]
    Finished { job: JobId, status: JobStatus },
    #[error("job {0} is running; wait for it to finish or cancel it")]
    Busy(JobId),
    #[error("no handler for stage {0} in this deployment")]
    NoHandler(Stage),
    #[error("{0}")]
    Unsupported(String),
    #[error("launcher unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Starts jobs and single stages; cancels jobs.
///
/// Methods may block on storage; async callers run them in `spawn_blocking`.
pub trait JobLauncher: Send + Sync {
    /// Creates the job (state document, status `queued`) and schedules it.
    fn submit(&self, input: JobInput) -> Result<JobId, LaunchError> {
        self.submit_as(new_job_id(), input)
    }

    /// Like [`submit`](Self::submit) under an id the caller chose (the
    /// accounts layer records the job's row before launching it).
    fn submit_as(&self, job: JobId, input: JobInput) -> Result<JobId, LaunchError>;

    /// Re-runs one stage of an existing job (debugging); `shard` selects one
    /// shard of a fanned-out stage.
    fn run_stage(&self, job: &JobId, stage: Stage, shard: Option<u32>) -> Result<(), LaunchError>;

    /// Cancels a queued or running job; returns its state afterwards.
    fn cancel(&self, job: &JobId) -> Result<JobState, LaunchError>;

    /// Work waiting to start (in process: jobs waiting for a free slot).
    fn queue_depth(&self) -> u64;

    /// Stages this launcher can run.
    fn stages(&self) -> Vec<Stage> {
        Stage::ALL.to_vec()
    }

    /// Live events of `job` for lower-latency SSE, when this launcher sees
    /// them (in process); `None` means clients poll the stored log only.
    fn subscribe(&self, _job: &JobId) -> Option<LiveSubscription> {
        None
    }
}

/// What the handler factory is told about the job it builds handlers for.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct LaunchContext {
    pub job_id: Option<JobId>,
    /// A GitHub installation token for this job's repository, when the job
    /// came from a GitHub App installation; give it to ingest's `GitHubConfig`.
    pub github_token: Option<String>,
}

impl std::fmt::Debug for LaunchContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LaunchContext")
            .field("job_id", &self.job_id)
            .field("github_token", &self.github_token.as_ref().map(|_| "<set>"))
            .finish()
    }
}

/// Builds the stage handlers for one job.
pub type HandlerFactory = Arc<dyn Fn(&LaunchContext) -> Vec<Box<dyn StageHandler>> + Send + Sync>;

/// Mints GitHub installation tokens (the GitHub App's `InstallationTokens`
/// is one).
pub trait TokenSource: Send + Sync {
    fn installation_token(&self, installation_id: u64) -> Result<String, String>;

    /// A signed-in user's own GitHub token, for the jobs of their private
    /// repositories (the accounts layer; none by default).
    fn user_token(&self, _user_id: i64) -> Result<Option<String>, String> {
        Ok(None)
    }
}

/// The user whose GitHub token fetches this job's repository, if any
/// (`input.options["accounts"]["owner"]`, an id, not a secret).
pub fn token_owner(input: &JobInput) -> Option<i64> {
    input.options.get("accounts")?.get("owner")?.as_i64()
}

/// The GitHub App installation a job was created for, if any.
pub fn installation_id(input: &JobInput) -> Option<u64> {
    input
        .options
        .get("github")?
        .get("installation_id")?
        .as_u64()
}

/// Records the installation a job is built for (not a secret).
pub fn set_installation_id(input: &mut JobInput, installation_id: u64) {
    input.options.insert(
        "github".to_string(),
        serde_json::json!({ "installation_id": installation_id }),
    );
}

/// A fresh job id: sorts by creation time, unique within and across processes.
pub fn new_job_id() -> JobId {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let entropy = [
        &std::process::id().to_be_bytes()[..],
        &nanos.to_be_bytes(),
        &count.to_be_bytes(),
    ]
    .concat();
    JobId::generate(now_ms(), &entropy)
}

/// A launcher that refuses everything: for read-only deployments (and the
/// Lambda entry point until a queue-backed launcher is configured).
#[derive(Debug, Clone)]
pub struct UnavailableLauncher(pub String);

impl JobLauncher for UnavailableLauncher {
    fn submit_as(&self, _job: JobId, _input: JobInput) -> Result<JobId, LaunchError> {
        Err(LaunchError::Unavailable(self.0.clone()))
    }

    fn run_stage(&self, _: &JobId, _: Stage, _: Option<u32>) -> Result<(), LaunchError> {
        Err(LaunchError::Unavailable(self.0.clone()))
    }

    fn cancel(&self, _: &JobId) -> Result<JobState, LaunchError> {
        Err(LaunchError::Unavailable(self.0.clone()))
    }

    fn queue_depth(&self) -> u64 {
        0
    }
}
