//! The in-process launcher: runs jobs in this process on a bounded pool
//! (at most `max_concurrent_jobs` at once, a semaphore in front of
//! `spawn_blocking`), through the pipeline's `Runner`.
//!
//! Cancellation: a queued job is ended at once (`job.completed.v1` with
//! status `cancelled`); a running job gets its `CancelToken` set and its
//! state marked `cancelled`, so the runner stops before the next stage and
//! long stages stop between units of work.

use super::finish::{end_job, set_status};
use super::{
    installation_id, token_owner, HandlerFactory, JobLauncher, LaunchContext, LaunchError,
    LiveEvents, LiveSubscription, TokenSource,
};
use doctown_core::{JobId, JobInput, JobState, JobStatus, Stage, StageStatus};
use doctown_pipeline::{CancelToken, EventSink, RunError, Runner, StageHandler};
use doctown_store::{create_state, load_state, ObjectStore, StoreError};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::runtime::Handle;
use tokio::sync::Semaphore;

/// Settings of the in-process launcher.
#[derive(Clone)]
pub struct InProcessOptions {
    /// Jobs run at once; more wait their turn (default 2).
    pub max_concurrent_jobs: usize,
    /// Mints installation tokens for jobs from a GitHub App installation.
    pub tokens: Option<Arc<dyn TokenSource>>,
    /// Where live events go (shared with SSE streams).
    pub live: LiveEvents,
}

impl Default for InProcessOptions {
    fn default() -> Self {
        InProcessOptions {
            max_concurrent_jobs: 2,
            tokens: None,
            live: LiveEvents::default(),
        }
    }
}

/// Runs jobs in this process. Cheap to clone.
#[derive(Clone)]
pub struct InProcessLauncher {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn ObjectStore>,
    factory: HandlerFactory,
    stages: Vec<Stage>,
    slots: Arc<Semaphore>,
    jobs: Mutex<HashMap<JobId, CancelToken>>,
    waiting: AtomicU64,
    options: InProcessOptions,
    runtime: Handle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Work {
    Run,
    Stage(Stage),
    Shard(Stage, u32),
}

impl InProcessLauncher {
    /// A launcher over `store` building handlers with `factory`. Must be
    /// called inside a Tokio runtime, which then runs the jobs.
    pub fn new(
        store: Arc<dyn ObjectStore>,
        factory: HandlerFactory,
        options: InProcessOptions,
    ) -> Result<Self, LaunchError> {
        let runtime = Handle::try_current()
            .map_err(|_| LaunchError::Internal("InProcessLauncher needs a Tokio runtime".into()))?;
        let mut stages: Vec<Stage> = factory(&LaunchContext::default())
            .iter()
            .map(|h| h.stage())
            .collect();
        stages.sort();
        stages.dedup();
        Ok(InProcessLauncher {
            inner: Arc::new(Inner {
                store,
                factory,
                stages,
                slots: Arc::new(Semaphore::new(options.max_concurrent_jobs.max(1))),
                jobs: Mutex::new(HashMap::new()),
                waiting: AtomicU64::new(0),
                options,
                runtime,
            }),
        })
    }

    /// The live event hub this launcher feeds.
    pub fn live_events(&self) -> LiveEvents {
        self.inner.options.live.clone()
    }

    /// Jobs queued or running in this process.
    pub fn active_jobs(&self) -> usize {
        self.inner.jobs().len()
    }

    /// Waits until no job is queued or running here.
    pub async fn wait_idle(&self) {
        while self.active_jobs() > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Cancels every job of this process and waits for them to stop (shutdown).
    pub async fn shutdown(&self) {
        let jobs: Vec<JobId> = self.inner.jobs().keys().cloned().collect();
        for job in jobs {
            let inner = self.inner.clone();
            let _ = tokio::task::spawn_blocking(move || inner.cancel(&job)).await;
        }
        self.wait_idle().await;
    }
}

impl JobLauncher for InProcessLauncher {
    fn submit_as(&self, job: JobId, input: JobInput) -> Result<JobId, LaunchError> {
        let state = doctown_pipeline::new_job(job.clone(), input);
        create_state(self.inner.store.as_ref(), &state)?;
        self.inner.spawn(job.clone(), Work::Run)?;
        Ok(job)
    }

    fn run_stage(&self, job: &JobId, stage: Stage, shard: Option<u32>) -> Result<(), LaunchError> {
        if !self.inner.stages.contains(&stage) {
            return Err(LaunchError::NoHandler(stage));
        }
        let state = load_state(self.inner.store.as_ref(), job)?
            .ok_or_else(|| LaunchError::UnknownJob(job.clone()))?;
        let work = match shard {
            None => Work::Stage(stage),
            Some(i) => {
                let shards = state.stage(stage).fan_out;
                if shards.is_none_or(|n| i >= n) {
                    return Err(LaunchError::Unsupported(format!(
                        "stage {stage} of job {job} has no shard {i} (shards: {})",
                        shards.map_or("none, not fanned out".to_string(), |n| n.to_string())
                    )));
                }
                Work::Shard(stage, i)
            }
        };
        self.inner.spawn(job.clone(), work)
    }

    fn cancel(&self, job: &JobId) -> Result<JobState, LaunchError> {
        self.inner.cancel(job)
    }

    fn queue_depth(&self) -> u64 {
        self.inner.waiting.load(Ordering::SeqCst)
    }

    fn stages(&self) -> Vec<Stage> {
        self.inner.stages.clone()
    }

    fn subscribe(&self, job: &JobId) -> Option<LiveSubscription> {
        Some(self.inner.options.live.subscribe(job))
    }
}

impl Inner {
    fn jobs(&self) -> std::sync::MutexGuard<'_, HashMap<JobId, CancelToken>> {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn spawn(self: &Arc<Self>, job: JobId, work: Work) -> Result<(), LaunchError> {
        let cancel = CancelToken::default();
        {
            let mut jobs = self.jobs();
            if jobs.contains_key(&job) {
                return Err(LaunchError::Busy(job));
            }
            jobs.insert(job.clone(), cancel.clone());
        }
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let inner = self.clone();
        self.runtime.spawn(async move {
            let permit = inner.slots.clone().acquire_owned().await;
            inner.waiting.fetch_sub(1, Ordering::SeqCst);
            // Cancelled while queued: `cancel` already ended the job.
            if permit.is_ok() && !cancel.is_cancelled() {
                let worker = inner.clone();
                let job = job.clone();
                let run = tokio::task::spawn_blocking(move || worker.execute(&job, work, &cancel));
                if let Err(e) = run.await {
                    tracing::error!("job worker task failed: {e}");
                }
            }
            inner.jobs().remove(&job);
            drop(permit);
        });
        Ok(())
    }

    fn execute(&self, job: &JobId, work: Work, cancel: &CancelToken) {
        if let Err(e) = self.try_execute(job, work, cancel) {
            tracing::warn!(%job, "job ended with an error: {e}");
        }
    }

    fn try_execute(&self, job: &JobId, work: Work, cancel: &CancelToken) -> Result<(), StoreError> {
        let store = self.store.as_ref();
        let Some(state) = load_state(store, job)? else {
            return Ok(());
        };
        let github_token = match self.github_token(&state.input) {
            Ok(token) => token,
            Err(message) => {
                self.finish(job, JobStatus::Failed, Some(message))?;
                return Ok(());
            }
        };
        let context = LaunchContext {
            job_id: Some(job.clone()),
            github_token,
        };
        let handlers = (self.factory)(&context);
        let refs: Vec<&dyn StageHandler> = handlers.iter().map(|h| h.as_ref()).collect();
        let runner = Runner::new(store, refs)
            .with_sink(Arc::new(self.options.live.clone()) as Arc<dyn EventSink>)
            .with_cancel(cancel.clone());
        let result = self.run_work(&runner, &handlers, job, work);
        self.settle(job, work, &state, cancel, result)
    }

    /// Runs the work: the whole job, one stage (then the job, when every
    /// stage up to it is done), or one shard of a stage.
    fn run_work(
        &self,
        runner: &Runner<'_>,
        handlers: &[Box<dyn StageHandler>],
        job: &JobId,
        work: Work,
    ) -> Result<JobState, RunError> {
        let store = self.store.as_ref();
        match work {
            Work::Run => runner.run(job),
            // The stages after it were set back to pending (made from the
            // output the rerun replaced): when every stage up to it is done
            // they run again, so that the job ends with a docpack of what it
            // now holds (and `run` ends the job).
            Work::Stage(stage) => runner.run_stage(job, stage).and_then(|after| {
                let mut upto = Stage::ALL.into_iter().filter(|s| *s <= stage);
                if upto.all(|s| after.stage(s).status.is_done()) {
                    runner.run(job)
                } else {
                    Ok(after)
                }
            }),
            Work::Shard(stage, shard) => match handlers.iter().find(|h| h.stage() == stage) {
                Some(handler) => doctown_pipeline::execute_stage(
                    store,
                    handler.as_ref(),
                    job,
                    Some(shard),
                    &[Arc::new(self.options.live.clone()) as Arc<dyn EventSink>],
                ),
                None => Err(RunError::NoHandler(stage)),
            },
        }
    }

    /// Ends the job as the work's result says, where the runner has not:
    /// cancelled, failed, or a single stage's re-run ended.
    fn settle(
        &self,
        job: &JobId,
        work: Work,
        state: &JobState,
        cancel: &CancelToken,
        result: Result<JobState, RunError>,
    ) -> Result<(), StoreError> {
        let store = self.store.as_ref();
        match result {
            Err(RunError::Cancelled(_)) => {
                self.finish(job, JobStatus::Cancelled, Some("cancelled".into()))?;
            }
            // The runner has emitted job.completed.v1 (failed); the cancel wins in the state.
            Err(RunError::StageFailed { .. }) if cancel.is_cancelled() => {
                set_status(store, job, JobStatus::Cancelled, Some("cancelled".into()))?;
            }
            Err(RunError::StageFailed { .. }) => {}
            Err(other) => {
                self.finish(job, JobStatus::Failed, Some(other.to_string()))?;
            }
            Ok(_) if work == Work::Run => {}
            Ok(after) if after.status.is_terminal() => {}
            Ok(after) => {
                // A single stage re-run: end it with a terminal event too.
                let (status, error) = rerun_end(state, &after);
                self.finish(job, status, error)?;
            }
        }
        Ok(())
    }

    /// The job's GitHub token: its installation's, or its owner's own.
    fn github_token(&self, input: &JobInput) -> Result<Option<String>, String> {
        let Some(tokens) = &self.options.tokens else {
            return Ok(None);
        };
        if let Some(id) = installation_id(input) {
            return tokens
                .installation_token(id)
                .map(Some)
                .map_err(|e| format!("cannot get a token for GitHub installation {id}: {e}"));
        }
        match token_owner(input) {
            Some(user) => tokens
                .user_token(user)
                .map_err(|e| format!("cannot read the owner's GitHub token: {e}")),
            None => Ok(None),
        }
    }

    fn cancel(&self, job: &JobId) -> Result<JobState, LaunchError> {
        let store = self.store.as_ref();
        let state = load_state(store, job)?.ok_or_else(|| LaunchError::UnknownJob(job.clone()))?;
        if state.status.is_terminal() {
            return Err(LaunchError::Finished {
                job: job.clone(),
                status: state.status,
            });
        }
        let running_here = self.jobs().get(job).cloned();
        match running_here {
            Some(token) => {
                token.cancel();
                // Queued jobs never start once cancelled; running ones stop at the
                // next check. Either way the job is cancelled from now on.
                if state.status == JobStatus::Queued {
                    Ok(self.finish(job, JobStatus::Cancelled, Some("cancelled".into()))?)
                } else {
                    Ok(set_status(
                        store,
                        job,
                        JobStatus::Cancelled,
                        Some("cancelled".into()),
                    )?)
                }
            }
            // Nobody here runs it (another process, or one that stopped): end it.
            None => Ok(self.finish(job, JobStatus::Cancelled, Some("cancelled".into()))?),
        }
    }

    fn finish(
        &self,
        job: &JobId,
        status: JobStatus,
        error: Option<String>,
    ) -> Result<JobState, StoreError> {
        end_job(self.store.as_ref(), &self.options.live, job, status, error)
    }
}

/// How a single stage's re-run ends the job: succeeded (or partial) when
/// no stage is left, as it was when it had ended otherwise, else failed.
fn rerun_end(state: &JobState, after: &JobState) -> (JobStatus, Option<String>) {
    if after.next_stage().is_none() {
        let partial = Stage::ALL
            .iter()
            .any(|s| after.stage(*s).status == StageStatus::Partial);
        let status = if partial {
            JobStatus::Partial
        } else {
            JobStatus::Succeeded
        };
        (status, None)
    } else if state.status.is_terminal() && state.status != JobStatus::Succeeded {
        (state.status, state.error.clone())
    } else {
        let next = after.next_stage().map(|s| s.name()).unwrap_or("?");
        (
            JobStatus::Failed,
            Some(format!("incomplete: stage {next} has not run")),
        )
    }
}
