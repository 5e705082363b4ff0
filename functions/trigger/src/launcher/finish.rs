//! Ending jobs and recording statuses outside the runner: cancellations,
//! launcher-side failures, and the end of single-stage re-runs.

use super::LiveEvents;
use doctown_core::{JobId, JobState, JobStatus};
use doctown_pipeline::{finish_job, now_rfc3339, EventSink, RunError};
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
    let key = doctown_core::state::state_key(job);
    let state = load_state(store, job)?.ok_or_else(|| StoreError::NotFound { key: key.clone() })?;
    let sinks = [Arc::new(live.clone()) as Arc<dyn EventSink>];
    finish_job(store, &state, status, error, &sinks).map_err(|e| match e {
        RunError::Store(e) => e,
        other => StoreError::Backend {
            key,
            message: other.to_string(),
            retryable: false,
        },
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
