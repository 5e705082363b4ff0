//! The queue-backed launcher: jobs go to the distributed path (an object
//! store and the stage queues) and separate workers (`doctown worker`,
//! Lambda, RunPod) run them.
//!
//! `submit` creates the state document and sends the first stage's message
//! (`doctown_worker::submit_job`); `cancel` sets `cancel_requested`, which
//! the workers honour at their next check (`doctown_worker::cancel_job`);
//! `run_stage` runs one stage here and now with this process's handlers
//! (`doctown_worker::invoke_stage`, debugging; nothing is chained after it)
//! when the launcher was given a handler factory. There are no live events:
//! SSE clients poll the stored event log.
//!
//! The methods block on the store and the queues (which may be called from
//! any thread, `doctown_blocking`); the routes call them from
//! `spawn_blocking` threads.

use super::{HandlerFactory, JobLauncher, LaunchContext, LaunchError};
use doctown_core::{JobId, JobInput, JobState, Stage};
use doctown_pipeline::{Machine, StageHandler};
use doctown_queue::QueueSet;
use doctown_store::{load_state, ObjectStore};
use doctown_worker::{cancel_job, invoke_stage, submit_job, RunControl, WorkerError};
use std::sync::Arc;

/// Sends jobs to the stage queues. Cheap to clone.
#[derive(Clone)]
pub struct QueueLauncher {
    store: Arc<dyn ObjectStore>,
    queues: QueueSet,
    machine: Machine,
    factory: Option<HandlerFactory>,
}

impl QueueLauncher {
    /// A launcher over `store` and `queues` with the standard machine; it
    /// runs no stage itself (`run_stage` is refused until
    /// [`with_handlers`](Self::with_handlers)).
    pub fn new(store: Arc<dyn ObjectStore>, queues: QueueSet) -> Self {
        QueueLauncher {
            store,
            queues,
            machine: Machine::standard(),
            factory: None,
        }
    }

    /// The state machine whose first stage receives new jobs.
    pub fn with_machine(mut self, machine: Machine) -> Self {
        self.machine = machine;
        self
    }

    /// Handlers for `run_stage` (per-stage invocation in this process).
    pub fn with_handlers(mut self, factory: HandlerFactory) -> Self {
        self.factory = Some(factory);
        self
    }

    /// The queues jobs are sent to.
    pub fn queues(&self) -> &QueueSet {
        &self.queues
    }
}

fn launch_error(e: WorkerError) -> LaunchError {
    match e {
        WorkerError::UnknownJob(job) => LaunchError::UnknownJob(job),
        WorkerError::NoHandler(stage) => LaunchError::NoHandler(stage),
        WorkerError::Invalid(message) => LaunchError::Unsupported(message),
        WorkerError::Store(e) => LaunchError::Store(e),
        WorkerError::Queue(e) => LaunchError::Unavailable(format!("stage queue: {e}")),
        other => LaunchError::Internal(other.to_string()),
    }
}

impl JobLauncher for QueueLauncher {
    fn submit_as(&self, job: JobId, input: JobInput) -> Result<JobId, LaunchError> {
        let id = job.clone();
        submit_job(self.store.as_ref(), &self.queues, &self.machine, id, input)
            .map_err(launch_error)?;
        Ok(job)
    }

    fn run_stage(&self, job: &JobId, stage: Stage, shard: Option<u32>) -> Result<(), LaunchError> {
        self.run_stage_here(job, stage, shard)
    }

    fn cancel(&self, job: &JobId) -> Result<JobState, LaunchError> {
        self.cancel_here(job)
    }

    /// Messages waiting, in flight or delayed, summed over the stage queues
    /// (a queue that cannot be read counts zero).
    fn queue_depth(&self) -> u64 {
        self.depth_here()
    }

    fn stages(&self) -> Vec<Stage> {
        Stage::ALL
            .into_iter()
            .filter(|s| self.queues.stage(*s).is_ok())
            .collect()
    }
}

impl QueueLauncher {
    fn run_stage_here(
        &self,
        job: &JobId,
        stage: Stage,
        shard: Option<u32>,
    ) -> Result<(), LaunchError> {
        let Some(factory) = &self.factory else {
            return Err(LaunchError::Unsupported(format!(
                "this trigger sends jobs to the queues and runs no stage itself; \
                 a worker for {stage} runs it"
            )));
        };
        if load_state(self.store.as_ref(), job)?.is_none() {
            return Err(LaunchError::UnknownJob(job.clone()));
        }
        let owned = factory(&LaunchContext {
            job_id: Some(job.clone()),
            github_token: None,
        });
        if !owned.iter().any(|h| h.stage() == stage) {
            return Err(LaunchError::NoHandler(stage));
        }
        let handlers: Vec<&dyn StageHandler> = owned.iter().map(|h| h.as_ref()).collect();
        invoke_stage(
            self.store.as_ref(),
            &handlers,
            job,
            stage,
            shard,
            &RunControl::default(),
        )
        .map(|_| ())
        .map_err(launch_error)
    }

    fn cancel_here(&self, job: &JobId) -> Result<JobState, LaunchError> {
        let state = load_state(self.store.as_ref(), job)?
            .ok_or_else(|| LaunchError::UnknownJob(job.clone()))?;
        if state.status.is_terminal() {
            return Err(LaunchError::Finished {
                job: job.clone(),
                status: state.status,
            });
        }
        cancel_job(self.store.as_ref(), job).map_err(launch_error)
    }

    fn depth_here(&self) -> u64 {
        Stage::ALL
            .into_iter()
            .filter_map(|stage| self.queues.stage(stage).ok())
            .filter_map(|queue| match queue.approximate_depth() {
                Ok(depth) => Some(depth.total()),
                Err(e) => {
                    tracing::warn!("cannot read the depth of {}: {e}", queue.name());
                    None
                }
            })
            .sum()
    }
}
