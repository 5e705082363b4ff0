//! Ending jobs and recording statuses outside the runner: cancellations,
//! launcher-side failures, and the end of single-stage re-runs.

use super::LiveEvents;
use doctown_core::events::JobCompleted;
use doctown_core::{EventContext, JobId, JobState, JobStatus};
use doctown_pipeline::{now_rfc3339, EventEmitter, EventSink};
use doctown_store::{load_state, update_state, ObjectStore, StoreError};
use std::sync::Arc;

/// Ends a job: emits `job.completed.v1` (to the stored log and the live
/// hub) and records the status in the state document.
pub(crate) fn end_job(
    store: &dyn ObjectStore,
    live: &LiveEvents,
    job: &JobId,
    status: JobStatus,
    error: Option<String>,
) -> Result<JobState, StoreError> {
    let state = load_state(store, job)?.ok_or_else(|| StoreError::NotFound {
        key: doctown_core::state::state_key(job),
    })?;
    let context = EventContext {
        repo: Some(state.input.source.clone()),
        git_ref: state.input.git_ref.clone(),
        user: None,
    };
    let emitter = EventEmitter::new(
        job.clone(),
        "doctown-trigger",
        context,
        state.next_event_seq,
        1,
        vec![Arc::new(live.clone()) as Arc<dyn EventSink>],
    );
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
    let next = emitter.next_sequence();
    let now = now_rfc3339();
    update_state(store, job, |s| {
        s.status = status;
        s.error = error.clone();
        s.updated_at = now.clone();
        s.next_event_seq = s.next_event_seq.max(next);
    })
}

/// Records a status without an event (the runner already emitted one).
pub(crate) fn set_status(
    store: &dyn ObjectStore,
    job: &JobId,
    status: JobStatus,
    error: Option<String>,
) -> Result<JobState, StoreError> {
    let now = now_rfc3339();
    update_state(store, job, |s| {
        s.status = status;
        s.error = error.clone();
        s.updated_at = now.clone();
    })
}
