//! The in-process runner: executes the stages it has handlers for, in
//! pipeline order, recording each in the job's state document.
//!
//! `run` continues a job from its first stage that is not done, so the same
//! call resumes a failed or interrupted job; `run_stage` re-runs one stage
//! from the stored artifacts of the stages before it.

use crate::clock::{now_ms, now_rfc3339};
use crate::emitter::{EventEmitter, EventSink};
use crate::handler::{
    CancelToken, ChunkObserver, StageContext, StageFailure, StageHandler, StageOutput,
};
use doctown_core::events::JobCompleted;
use doctown_core::state::StageError;
use doctown_core::{EventContext, JobId, JobInput, JobState, JobStatus, Stage, StageStatus};
use doctown_store::{create_state, load_state, update_state, ObjectStore, StoreError};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("job {0} not found")]
    UnknownJob(JobId),
    #[error("no handler for stage {0} in this build")]
    NoHandler(Stage),
    #[error("stage {stage} failed: {failure}")]
    StageFailed { stage: Stage, failure: StageFailure },
    #[error("job {0} was cancelled")]
    Cancelled(JobId),
    #[error(transparent)]
    Store(#[from] StoreError),
}

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
        let state = JobState::new(job_id, input, now_rfc3339());
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

    /// Re-runs one stage, whatever its recorded status.
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

    fn emitter(&self, state: &JobState, producer: &str, attempt: u32) -> EventEmitter {
        let context = EventContext {
            repo: Some(state.input.source.clone()),
            git_ref: state.input.git_ref.clone(),
            user: None,
        };
        EventEmitter::new(
            state.job_id.clone(),
            producer,
            context,
            state.next_event_seq,
            attempt,
            self.sinks.clone(),
        )
    }

    fn execute(&self, handler: &dyn StageHandler, job_id: &JobId) -> Result<JobState, RunError> {
        let stage = handler.stage();
        let started_at = now_rfc3339();
        let state = update_state(self.store, job_id, |s| {
            s.status = JobStatus::Running;
            s.error = None;
            s.updated_at = started_at.clone();
            let st = s.stage_mut(stage);
            st.status = StageStatus::Running;
            st.attempts += 1;
            st.started_at = Some(started_at.clone());
            st.finished_at = None;
            st.error = None;
        })?;
        let attempt = state.stage(stage).attempts;
        let emitter = self.emitter(&state, &format!("doctown-{stage}"), attempt);
        let started = now_ms();
        let ctx = StageContext {
            job: &state,
            store: self.store,
            events: &emitter,
            cancel: &self.cancel,
            chunk_observer: self.chunk_observer,
            shard: None,
        };
        let result = catch_unwind(AssertUnwindSafe(|| handler.run(&ctx)))
            .unwrap_or_else(|panic| Err(StageFailure::internal(panic_message(&*panic))));
        let duration_ms = now_ms().saturating_sub(started);
        emitter.flush(self.store)?;
        let next_seq = emitter.next_sequence();
        let finished_at = now_rfc3339();
        let state = update_state(self.store, job_id, |s| {
            s.next_event_seq = s.next_event_seq.max(next_seq);
            s.updated_at = finished_at.clone();
            record(s, stage, &result, duration_ms, &finished_at);
        })?;
        match result {
            Ok(_) => Ok(state),
            Err(failure) => {
                self.finish(
                    &state,
                    JobStatus::Failed,
                    Some(format!("{stage}: {failure}")),
                )?;
                Err(RunError::StageFailed { stage, failure })
            }
        }
    }

    /// Marks the job done once every stage this runner has is done.
    fn complete(&self, job_id: &JobId) -> Result<JobState, RunError> {
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
        let emitter = self.emitter(state, "doctown-runner", 1);
        let duration_ms = humantime::parse_rfc3339(&state.created_at)
            .ok()
            .and_then(|t| t.elapsed().ok())
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        emitter.emit(&JobCompleted {
            status,
            error: error.clone(),
            duration_ms,
        });
        emitter.flush(self.store)?;
        let next_seq = emitter.next_sequence();
        let now = now_rfc3339();
        Ok(update_state(self.store, &state.job_id, |s| {
            s.status = status;
            s.error = error.clone();
            s.updated_at = now.clone();
            s.next_event_seq = s.next_event_seq.max(next_seq);
        })?)
    }
}

fn record(
    s: &mut JobState,
    stage: Stage,
    result: &Result<StageOutput, StageFailure>,
    duration_ms: u64,
    finished_at: &str,
) {
    if let Ok(output) = result {
        if let Some(source) = &output.source {
            s.source = Some(source.clone());
        }
    }
    let st = s.stage_mut(stage);
    st.duration_ms = Some(duration_ms);
    st.finished_at = Some(finished_at.to_string());
    match result {
        Ok(output) => {
            st.status = output.status;
            st.artifacts = output.artifacts.clone();
            st.summary = output.summary.clone();
        }
        Err(failure) => {
            st.status = StageStatus::Failed;
            st.error = Some(StageError {
                message: failure.message.clone(),
                retryable: failure.kind.is_retryable(),
            });
        }
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    format!("internal error: {text}")
}

#[cfg(test)]
mod tests;
