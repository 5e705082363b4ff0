//! Starting, cancelling and waiting for jobs on the distributed path.

use crate::error::WorkerError;
use doctown_core::{JobId, JobInput, JobState};
use doctown_pipeline::{now_rfc3339, Machine};
use doctown_queue::{QueueSet, StageMessage};
use doctown_store::{create_state, load_state, update_state, ObjectStore};
use std::time::{Duration, Instant};

/// Creates the job's state document (`If-None-Match: *`: an existing job is
/// an error) and sends the first stage's message.
pub fn submit_job(
    store: &dyn ObjectStore,
    queues: &QueueSet,
    machine: &Machine,
    job_id: JobId,
    input: JobInput,
) -> Result<JobState, WorkerError> {
    let state = doctown_pipeline::new_job(job_id, input);
    create_state(store, &state)?;
    let first = StageMessage::new(state.job_id.clone(), machine.first(), None, 1);
    queues
        .stage(machine.first())?
        .send(&first.to_body(), Duration::ZERO)?;
    Ok(state)
}

/// Asks the workers to cancel a job: they stop at their next check and
/// record `cancelled`. A job that has ended is left as it is.
pub fn cancel_job(store: &dyn ObjectStore, job_id: &JobId) -> Result<JobState, WorkerError> {
    if load_state(store, job_id)?.is_none() {
        return Err(WorkerError::UnknownJob(job_id.clone()));
    }
    let now = now_rfc3339();
    Ok(update_state(store, job_id, |s| {
        if !s.status.is_terminal() {
            s.cancel_requested = true;
            s.updated_at = now.clone();
        }
    })?)
}

/// Polls the state document until the job ends or `timeout` passes
/// (returning the last state seen either way).
pub fn wait_for_job(
    store: &dyn ObjectStore,
    job_id: &JobId,
    timeout: Duration,
    poll: Duration,
) -> Result<JobState, WorkerError> {
    let deadline = Instant::now() + timeout;
    loop {
        let state =
            load_state(store, job_id)?.ok_or_else(|| WorkerError::UnknownJob(job_id.clone()))?;
        if state.status.is_terminal() || Instant::now() >= deadline {
            return Ok(state);
        }
        std::thread::sleep(poll);
    }
}
