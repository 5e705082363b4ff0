//! Running a unit of work: locally with this process's handlers
//! ([`LocalExecutor`], [`invoke_stage`]) or elsewhere (the RunPod
//! dispatcher's executor). Either way the outcome lands in the state
//! document; the [`crate::Engine`] reads it from there.

use crate::error::WorkerError;
use doctown_core::{JobId, JobState, Stage};
use doctown_pipeline::execute::unit_status;
use doctown_pipeline::{execute, CancelToken, EventSink, Execution, RunError, StageHandler, Unit};
use doctown_queue::StageMessage;
use doctown_store::{load_state, ObjectStore};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Controls for one run: cancellation (job cancelled, stage timeout, host
/// stopping) and whether the watchdog timed it out.
#[derive(Debug, Default)]
pub struct RunControl {
    pub cancel: CancelToken,
    pub timed_out: AtomicBool,
}

/// Runs units of work and records their outcome in the state document.
pub trait Executor: Send + Sync {
    /// Whether this executor can run `stage`.
    fn can_run(&self, stage: Stage) -> bool;

    /// Runs one unit. `Ok(Some(state))`: it ran, and `state` is the state
    /// document as the compare-and-swap that recorded its outcome wrote it;
    /// `Ok(None)`: it ran, read the state document for the outcome. An
    /// error means the run could not happen or could not be recorded.
    ///
    /// The engine decides the next step from the recorded state when it has
    /// it: of several shards finishing at once, only the one whose record
    /// completed the set sees every shard done and sends the fan-in. A later
    /// read (slow storage makes it later) can show all of them every shard
    /// done, and each would send a fan-in, and each fan-in the next stage.
    fn execute(
        &self,
        store: &dyn ObjectStore,
        message: &StageMessage,
        unit: Unit,
        control: &RunControl,
    ) -> Result<Option<JobState>, WorkerError>;
}

/// Runs units in this process with the given handlers.
pub struct LocalExecutor<'a> {
    handlers: Vec<&'a dyn StageHandler>,
    sinks: Vec<Arc<dyn EventSink>>,
}

impl<'a> LocalExecutor<'a> {
    pub fn new(handlers: &[&'a dyn StageHandler]) -> Self {
        LocalExecutor {
            handlers: handlers.to_vec(),
            sinks: Vec::new(),
        }
    }

    /// Adds a live event sink.
    pub fn with_sink(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.sinks.push(sink);
        self
    }

    fn handler(&self, stage: Stage) -> Option<&'a dyn StageHandler> {
        self.handlers.iter().copied().find(|h| h.stage() == stage)
    }

    pub fn stages(&self) -> Vec<Stage> {
        self.handlers.iter().map(|h| h.stage()).collect()
    }
}

impl Executor for LocalExecutor<'_> {
    fn can_run(&self, stage: Stage) -> bool {
        self.handler(stage).is_some()
    }

    fn execute(
        &self,
        store: &dyn ObjectStore,
        message: &StageMessage,
        unit: Unit,
        control: &RunControl,
    ) -> Result<Option<JobState>, WorkerError> {
        let handler = self
            .handler(message.stage)
            .ok_or(WorkerError::NoHandler(message.stage))?;
        let exec = Execution {
            store,
            handler,
            job_id: &message.job_id,
            unit,
            sinks: &self.sinks,
            cancel: &control.cancel,
            chunk_observer: None,
            timed_out: Some(&control.timed_out),
            rerun: false,
        };
        match execute(&exec) {
            Ok(state) => Ok(Some(state)),
            Err(RunError::StageFailed { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

/// Runs one stage (or one shard, or a fan-in) of a job here and now and
/// returns the state document afterwards — per-stage invocation for the
/// HTTP trigger, the RunPod worker and debugging. Idempotent: a unit that is
/// already done is not run again. A stage failure is recorded in the state
/// (look at the unit's status); errors are for an unknown job, a job that
/// has ended, a missing handler, or storage trouble. Queues are not touched:
/// nothing is chained after it.
pub fn invoke_stage(
    store: &dyn ObjectStore,
    handlers: &[&dyn StageHandler],
    job_id: &JobId,
    stage: Stage,
    shard: Option<u32>,
    control: &RunControl,
) -> Result<JobState, WorkerError> {
    let state =
        load_state(store, job_id)?.ok_or_else(|| WorkerError::UnknownJob(job_id.clone()))?;
    if state.status.is_terminal() || state.cancel_requested {
        return Err(WorkerError::Invalid(format!(
            "job {job_id} is {}{}",
            state.status,
            if state.cancel_requested {
                " (cancel requested)"
            } else {
                ""
            }
        )));
    }
    check_shard(&state, stage, shard)?;
    let unit = Unit::of(&state, stage, shard);
    if unit_status(&state, stage, unit).is_done() {
        return Ok(state);
    }
    let message = StageMessage::new(job_id.clone(), stage, shard, 1);
    LocalExecutor::new(handlers).execute(store, &message, unit, control)?;
    load_state(store, job_id)?.ok_or_else(|| WorkerError::UnknownJob(job_id.clone()))
}

/// A shard must name one of the stage's recorded shards; a fan-in needs
/// every shard done.
pub(crate) fn check_shard(
    state: &JobState,
    stage: Stage,
    shard: Option<u32>,
) -> Result<(), WorkerError> {
    let st = state.stage(stage);
    match (shard, st.fan_out) {
        (Some(i), Some(n)) if i < n => Ok(()),
        (Some(i), _) => Err(WorkerError::Invalid(format!(
            "{stage} has no shard {i} in job {}",
            state.job_id
        ))),
        (None, Some(_)) if !st.all_shards_done() => Err(WorkerError::Invalid(format!(
            "{stage} fan-in before every shard is done in job {}",
            state.job_id
        ))),
        _ => Ok(()),
    }
}
