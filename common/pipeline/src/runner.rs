//! The in-process runner: executes the stages it has handlers for, in
//! pipeline order, recording each in the job's state document.
//!
//! `run` continues a job from its first stage that is not done, so the same
//! call resumes a failed or interrupted job; `run_stage` re-runs one stage
//! from the stored artifacts of the stages before it. Each stage runs
//! through [`crate::execute`], which the distributed hosts share.

use crate::emitter::EventSink;
use crate::error::RunError;
use crate::execute::{execute, finish_job, Execution, Unit};
use crate::handler::{CancelToken, ChunkObserver, StageHandler};
use doctown_core::{JobId, JobInput, JobState, JobStatus, Stage, StageStatus};
use doctown_store::{create_state, load_state, ObjectStore};
use std::sync::Arc;

#[cfg(test)]
use crate::handler::{StageContext, StageFailure, StageOutput};

pub struct Runner<'a> {
    store: &'a dyn ObjectStore,
    handlers: Vec<&'a dyn StageHandler>,
    sinks: Vec<Arc<dyn EventSink>>,
    chunk_observer: Option<&'a dyn ChunkObserver>,
    cancel: CancelToken,
}

impl<'a> Runner<'a> {
    pub fn new(store: &'a dyn ObjectStore, mut handlers: Vec<&'a dyn StageHandler>) -> Self {
        handlers.sort_by_key(|h| h.stage());
        Runner {
            store,
            handlers,
            sinks: Vec::new(),
            chunk_observer: None,
            cancel: CancelToken::default(),
        }
    }

    /// Adds a live event sink (progress, stdout, SSE).
    pub fn with_sink(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.sinks.push(sink);
        self
    }

    pub fn with_chunk_observer(mut self, observer: &'a dyn ChunkObserver) -> Self {
        self.chunk_observer = Some(observer);
        self
    }

    pub fn with_cancel(mut self, cancel: CancelToken) -> Self {
        self.cancel = cancel;
        self
    }

    /// The stages this runner can execute, in order.
    pub fn stages(&self) -> Vec<Stage> {
        self.handlers.iter().map(|h| h.stage()).collect()
    }

    /// Creates a job's state document.
    pub fn submit(&self, job_id: JobId, input: JobInput) -> Result<JobState, RunError> {
        let state = crate::new_job(job_id, input);
        create_state(self.store, &state)?;
        Ok(state)
    }

    /// Runs every stage that is not done yet, in order, then completes the job.
    pub fn run(&self, job_id: &JobId) -> Result<JobState, RunError> {
        for handler in &self.handlers {
            let state = self.load(job_id)?;
            if state.status == JobStatus::Cancelled || self.cancel.is_cancelled() {
                return Err(RunError::Cancelled(job_id.clone()));
            }
            if !state.stage(handler.stage()).status.is_done() {
                self.execute(*handler, job_id)?;
            }
        }
        self.complete(job_id)
    }

    /// Re-runs one stage, whatever its recorded status; the later stages
    /// are set back to pending (their artifacts were made from the output
    /// it replaces), and the job's status is left to the caller.
    pub fn run_stage(&self, job_id: &JobId, stage: Stage) -> Result<JobState, RunError> {
        let handler = self
            .handlers
            .iter()
            .find(|h| h.stage() == stage)
            .ok_or(RunError::NoHandler(stage))?;
        self.load(job_id)?;
        self.execute(*handler, job_id)
    }

    fn load(&self, job_id: &JobId) -> Result<JobState, RunError> {
        load_state(self.store, job_id)?.ok_or_else(|| RunError::UnknownJob(job_id.clone()))
    }

    fn execute(&self, handler: &dyn StageHandler, job_id: &JobId) -> Result<JobState, RunError> {
        let exec = Execution {
            store: self.store,
            handler,
            job_id,
            unit: Unit::Whole,
            sinks: &self.sinks,
            cancel: &self.cancel,
            chunk_observer: self.chunk_observer,
            timed_out: None,
            // `run` only reaches stages that are not done; `run_stage` is a
            // deliberate rerun.
            rerun: true,
        };
        match execute(&exec) {
            Err(RunError::StageFailed { stage, failure }) => {
                let state = self.load(job_id)?;
                self.finish(
                    &state,
                    JobStatus::Failed,
                    Some(format!("{stage}: {failure}")),
                )?;
                Err(RunError::StageFailed { stage, failure })
            }
            other => other,
        }
    }

    /// Marks the job done once every stage this runner has is done
    /// (`run` does; after `run_stage`, the caller decides).
    pub fn complete(&self, job_id: &JobId) -> Result<JobState, RunError> {
        let state = self.load(job_id)?;
        let partial = self
            .stages()
            .iter()
            .any(|s| state.stage(*s).status == StageStatus::Partial);
        let status = if partial {
            JobStatus::Partial
        } else {
            JobStatus::Succeeded
        };
        self.finish(&state, status, None)
    }

    fn finish(
        &self,
        state: &JobState,
        status: JobStatus,
        error: Option<String>,
    ) -> Result<JobState, RunError> {
        finish_job(self.store, state, status, error, &self.sinks)
    }
}

#[cfg(test)]
mod tests;
