//! Executing one unit of a stage — the whole stage, one shard of a
//! fanned-out stage, or its fan-in — and recording the result in the job's
//! state document. Every host shares this: the in-process [`crate::Runner`],
//! the queue workers and the serverless adapters.
//!
//! The sequence is always: mark the unit running (compare-and-swap, one more
//! attempt), run the handler (a panic becomes an internal failure), write the
//! buffered events as one log segment, record the outcome (compare-and-swap).
//! Whatever the handler wrote is durable before the outcome is recorded, so
//! a state document that says "done" never points at missing artifacts.

use crate::clock::{now_ms, now_rfc3339};
use crate::emitter::{EventEmitter, EventSink};
use crate::error::RunError;
use crate::handler::{
    CancelToken, ChunkObserver, StageContext, StageFailure, StageHandler, StageOutput,
};
use doctown_core::events::JobCompleted;
use doctown_core::state::StageError;
use doctown_core::{EventContext, JobId, JobState, JobStatus, Stage, StageState, StageStatus};
use doctown_store::{load_state, update_state, ObjectStore};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Event sequence numbers reserved for one shard: shards run in parallel,
/// so each numbers its events from its own block (sequences stay unique and
/// increasing per producer; consecutive stages never overlap).
pub const SHARD_SEQUENCE_BLOCK: u64 = 100_000;

/// Which part of a stage an execution covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// The whole stage (`ctx.shard = None`, [`StageHandler::run`]).
    Whole,
    /// One shard of a fanned-out stage (`ctx.shard = Some(i)`).
    Shard(u32),
    /// The fan-in of a fanned-out stage, after every shard is done
    /// ([`StageHandler::merge`]).
    Merge,
}

impl Unit {
    /// The shard a message or context names.
    pub fn shard(self) -> Option<u32> {
        match self {
            Unit::Shard(i) => Some(i),
            _ => None,
        }
    }

    /// The unit a `(stage, shard)` pointer means in this state: a pointer
    /// without a shard to a fanned-out stage is its fan-in.
    pub fn of(state: &JobState, stage: Stage, shard: Option<u32>) -> Unit {
        match shard {
            Some(i) => Unit::Shard(i),
            None if state.stage(stage).fan_out.is_some() => Unit::Merge,
            None => Unit::Whole,
        }
    }
}

/// The recorded status of a unit.
pub fn unit_status(state: &JobState, stage: Stage, unit: Unit) -> StageStatus {
    let st = state.stage(stage);
    match unit {
        Unit::Shard(i) => st
            .shards
            .get(&i)
            .map(|s| s.status)
            .unwrap_or(StageStatus::Pending),
        Unit::Whole | Unit::Merge => st.status,
    }
}

/// The recorded attempts and error of a unit.
pub fn unit_attempts(state: &JobState, stage: Stage, unit: Unit) -> (u32, Option<StageError>) {
    let st = state.stage(stage);
    match unit {
        Unit::Shard(i) => st
            .shards
            .get(&i)
            .map(|s| (s.attempts, s.error.clone()))
            .unwrap_or((0, None)),
        Unit::Whole | Unit::Merge => (st.attempts, st.error.clone()),
    }
}

/// Everything one execution needs.
pub struct Execution<'a> {
    pub store: &'a dyn ObjectStore,
    pub handler: &'a dyn StageHandler,
    pub job_id: &'a JobId,
    pub unit: Unit,
    pub sinks: &'a [Arc<dyn EventSink>],
    pub cancel: &'a CancelToken,
    pub chunk_observer: Option<&'a dyn ChunkObserver>,
    /// Set by a watchdog that cancelled the run for exceeding the stage
    /// timeout: the failure is then recorded as a retryable timeout.
    pub timed_out: Option<&'a AtomicBool>,
    /// Run the unit even when it is already recorded as done (a deliberate
    /// rerun, `doctown stage`); the later stages are then set back to
    /// pending as it starts ([`JobState::reset_after`]): their artifacts
    /// were made from the output it replaces. Otherwise a unit that
    /// another attempt has finished — a duplicate delivery, a redelivery
    /// after a lapsed visibility timeout — is left as recorded: it is not
    /// marked running again, and a late failure does not overwrite its
    /// success.
    pub rerun: bool,
}

impl<'a> Execution<'a> {
    pub fn new(
        store: &'a dyn ObjectStore,
        handler: &'a dyn StageHandler,
        job_id: &'a JobId,
    ) -> Self {
        static NO_CANCEL: std::sync::OnceLock<CancelToken> = std::sync::OnceLock::new();
        Execution {
            store,
            handler,
            job_id,
            unit: Unit::Whole,
            sinks: &[],
            cancel: NO_CANCEL.get_or_init(CancelToken::default),
            chunk_observer: None,
            timed_out: None,
            rerun: false,
        }
    }
}

/// Runs one stage of a job (`shard`: one shard of it) and records the result;
/// the short form of [`execute`] for a deliberate invocation, so a unit
/// that is already done runs again.
pub fn execute_stage(
    store: &dyn ObjectStore,
    handler: &dyn StageHandler,
    job_id: &JobId,
    shard: Option<u32>,
    sinks: &[Arc<dyn EventSink>],
) -> Result<JobState, RunError> {
    let state = load_state(store, job_id)?.ok_or_else(|| RunError::UnknownJob(job_id.clone()))?;
    let mut exec = Execution::new(store, handler, job_id);
    exec.unit = Unit::of(&state, handler.stage(), shard);
    exec.sinks = sinks;
    exec.rerun = true;
    execute(&exec)
}

/// Executes one unit. `Ok`: the state with the unit recorded as done;
/// `Err(RunError::StageFailed)`: the failure is recorded in the state (the
/// caller decides between retry and failing the job). Unless
/// [`Execution::rerun`], a unit already recorded as done when it would be
/// marked running is not run, and `Ok` returns the state as it is.
pub fn execute(exec: &Execution<'_>) -> Result<JobState, RunError> {
    let stage = exec.handler.stage();
    let unit = exec.unit;
    let (state, first_seq, already_done) = start(exec, stage, unit)?;
    if already_done {
        return Ok(state);
    }
    let (result, duration_ms, next_seq) = run_unit(exec, &state, stage, unit, first_seq)?;
    let finished_at = now_rfc3339();
    let state = update_state(exec.store, exec.job_id, |s| {
        s.next_event_seq = s.next_event_seq.max(next_seq);
        s.updated_at = finished_at.clone();
        // A duplicate that fails after another attempt succeeded keeps the
        // success: the next stage may already be reading its artifacts.
        if exec.rerun || result.is_ok() || !unit_status(s, stage, unit).is_done() {
            record(s, stage, unit, &result, duration_ms, &finished_at);
        }
    })?;
    match result {
        Ok(_) => Ok(state),
        Err(_) if unit_status(&state, stage, unit).is_done() => Ok(state),
        Err(failure) => Err(RunError::StageFailed { stage, failure }),
    }
}

/// Records the unit as running, unless it is already done (or the job has
/// ended) and this is no rerun: the state, the first event sequence number
/// of the unit, and whether it was already done.
fn start(
    exec: &Execution<'_>,
    stage: Stage,
    unit: Unit,
) -> Result<(JobState, u64, bool), RunError> {
    let started_at = now_rfc3339();
    let mut first_seq = 0;
    let mut already_done = false;
    let state = update_state(exec.store, exec.job_id, |s| {
        // Decided inside the compare-and-swap: between the caller's read and
        // this write another attempt may have finished the unit.
        // A job that ended meanwhile (a duplicate message of a finished
        // job) is not set back to running either.
        already_done =
            !exec.rerun && (unit_status(s, stage, unit).is_done() || s.status.is_terminal());
        if already_done {
            return;
        }
        s.status = JobStatus::Running;
        s.error = None;
        s.updated_at = started_at.clone();
        // A deliberate rerun replaces what the later stages were made from,
        // whether it then succeeds or not (a failure may have written part).
        if exec.rerun {
            s.reset_after(stage);
        }
        first_seq = s.next_event_seq;
        if let Unit::Shard(_) = unit {
            s.next_event_seq += SHARD_SEQUENCE_BLOCK;
        }
        mark_running(s.stage_mut(stage), unit, &started_at);
    })?;
    Ok((state, first_seq, already_done))
}

/// Marks the unit of a stage running: a shard (and its stage, when that
/// was pending), or the whole stage or its fan-in.
fn mark_running(st: &mut StageState, unit: Unit, started_at: &str) {
    match unit {
        Unit::Shard(i) => {
            let sh = st.shards.entry(i).or_default();
            sh.status = StageStatus::Running;
            sh.attempts += 1;
            sh.started_at = Some(started_at.to_string());
            sh.finished_at = None;
            sh.error = None;
            if st.status == StageStatus::Pending {
                st.status = StageStatus::Running;
                st.started_at = Some(started_at.to_string());
            }
        }
        Unit::Whole | Unit::Merge => {
            st.status = StageStatus::Running;
            st.attempts += 1;
            if unit == Unit::Whole || st.started_at.is_none() {
                st.started_at = Some(started_at.to_string());
            }
            st.finished_at = None;
            st.error = None;
        }
    }
}

/// Runs the handler on the unit (a panic is an internal failure, a failure
/// after the timeout a transient one) and stores its events: the result,
/// how long it ran (ms), and the next event sequence number.
fn run_unit(
    exec: &Execution<'_>,
    state: &JobState,
    stage: Stage,
    unit: Unit,
    first_seq: u64,
) -> Result<(Result<StageOutput, StageFailure>, u64, u64), RunError> {
    let attempt = unit_attempts(state, stage, unit).0;
    let producer = match unit {
        Unit::Shard(i) => format!("doctown-{stage}-{i}"),
        _ => format!("doctown-{stage}"),
    };
    let emitter = emitter(state, &producer, first_seq, attempt, exec.sinks).with_store(exec.store);
    let started = now_ms();
    let ctx = StageContext {
        job: state,
        store: exec.store,
        events: &emitter,
        cancel: exec.cancel,
        chunk_observer: exec.chunk_observer,
        shard: unit.shard(),
    };
    let mut result = catch_unwind(AssertUnwindSafe(|| match unit {
        Unit::Merge => exec.handler.merge(&ctx),
        _ => exec.handler.run(&ctx),
    }))
    .unwrap_or_else(|panic| Err(StageFailure::internal(panic_message(&*panic))));
    if result.is_err() && exec.timed_out.is_some_and(|t| t.load(Ordering::SeqCst)) {
        result = Err(StageFailure::transient(format!(
            "States.Timeout: {stage} ran past its timeout and was cancelled"
        )));
    }
    let duration_ms = now_ms().saturating_sub(started);
    emitter.flush(exec.store)?;
    Ok((result, duration_ms, emitter.next_sequence()))
}

/// Ends a job: emits `job.completed.v1` and records the terminal status.
pub fn finish_job(
    store: &dyn ObjectStore,
    state: &JobState,
    status: JobStatus,
    error: Option<String>,
    sinks: &[Arc<dyn EventSink>],
) -> Result<JobState, RunError> {
    let emitter = emitter(state, "doctown-runner", state.next_event_seq, 1, sinks);
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
    emitter.flush(store)?;
    let next_seq = emitter.next_sequence();
    let now = now_rfc3339();
    Ok(update_state(store, &state.job_id, |s| {
        s.status = status;
        s.error = error.clone();
        s.updated_at = now.clone();
        s.next_event_seq = s.next_event_seq.max(next_seq);
    })?)
}

fn emitter(
    state: &JobState,
    producer: &str,
    first_seq: u64,
    attempt: u32,
    sinks: &[Arc<dyn EventSink>],
) -> EventEmitter<'static> {
    let context = EventContext {
        repo: Some(state.input.source.clone()),
        git_ref: state.input.git_ref.clone(),
        user: None,
    };
    EventEmitter::new(
        state.job_id.clone(),
        producer,
        context,
        first_seq,
        attempt,
        sinks.to_vec(),
    )
}

fn record(
    s: &mut JobState,
    stage: Stage,
    unit: Unit,
    result: &Result<StageOutput, StageFailure>,
    duration_ms: u64,
    finished_at: &str,
) {
    if let Ok(output) = result {
        if let Some(source) = &output.source {
            s.source = Some(source.clone());
        }
    }
    let error = result.as_ref().err().map(|failure| StageError {
        message: failure.message.clone(),
        retryable: failure.kind.is_retryable(),
    });
    let st = s.stage_mut(stage);
    match unit {
        Unit::Shard(i) => {
            let sh = st.shards.entry(i).or_default();
            sh.duration_ms = Some(duration_ms);
            sh.finished_at = Some(finished_at.to_string());
            match result {
                Ok(output) => {
                    sh.status = output.status;
                    sh.artifacts = output.artifacts.clone();
                    sh.summary = output.summary.clone();
                }
                Err(_) => {
                    sh.status = StageStatus::Failed;
                    sh.error = error;
                }
            }
        }
        Unit::Whole | Unit::Merge => {
            st.duration_ms = Some(duration_ms);
            st.finished_at = Some(finished_at.to_string());
            match result {
                Ok(output) => {
                    st.status = output.status;
                    st.artifacts = output.artifacts.clone();
                    st.summary = output.summary.clone();
                }
                Err(_) => {
                    st.status = StageStatus::Failed;
                    st.error = error;
                }
            }
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
