//! The watchdog that runs beside a unit of work: every heartbeat it extends
//! the message's lease (SQS visibility), checks the state document for a
//! cancel request (or its disappearance), and enforces the stage timeout —
//! all by cancelling the run's token, which handlers check between units of
//! work.

use crate::executor::RunControl;
use doctown_core::JobId;
use doctown_pipeline::StageSpec;
use doctown_store::{load_state, ObjectStore};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Runs `work` with a watchdog thread beside it. `extend` is called every
/// `spec.heartbeat` (a failure is logged; the lease may then lapse and the
/// message be delivered again, which is safe).
pub fn watch<R>(
    store: &dyn ObjectStore,
    job_id: &JobId,
    spec: &StageSpec,
    extend: Option<&(dyn Fn() -> Result<(), String> + Sync)>,
    control: &RunControl,
    work: impl FnOnce() -> R,
) -> R {
    let (done, wait) = mpsc::channel::<()>();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let started = Instant::now();
            let tick = spec.heartbeat.max(Duration::from_millis(50));
            loop {
                let left = spec.timeout.saturating_sub(started.elapsed());
                match wait.recv_timeout(tick.min(left.max(Duration::from_millis(1)))) {
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    _ => return,
                }
                if started.elapsed() >= spec.timeout && !control.timed_out.load(Ordering::SeqCst)
                {
                    tracing::warn!(job = %job_id, stage = %spec.stage, "stage timed out; cancelling");
                    control.timed_out.store(true, Ordering::SeqCst);
                    control.cancel.cancel();
                }
                if let Some(extend) = extend {
                    if let Err(e) = extend() {
                        tracing::warn!(job = %job_id, error = %e, "heartbeat failed");
                    }
                }
                match load_state(store, job_id) {
                    Ok(Some(state)) if state.cancel_requested || state.status.is_terminal() => {
                        control.cancel.cancel();
                    }
                    Ok(None) if !control.cancel.is_cancelled() => {
                        // Nothing can record this run's outcome any more.
                        tracing::warn!(job = %job_id, stage = %spec.stage, "the job's state document is gone; cancelling");
                        control.cancel.cancel();
                    }
                    _ => {}
                }
            }
        });
        let result = work();
        let _ = done.send(());
        result
    })
}
