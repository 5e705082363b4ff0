//! The stage-handler interface.

use crate::emitter::EventEmitter;
use doctown_core::{Chunk, ErrorKind, JobState, ResolvedSource, Stage, StageStatus};
use doctown_store::{ObjectStore, StoreError};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

/// Set when the job is cancelled or the host is shutting down; long stages
/// check it between units of work, and what waits (a retry's pause, a
/// model's answers) wakes when it is set — nothing polls it on a clock.
#[derive(Clone, Default)]
pub struct CancelToken(Arc<Cancel>);

#[derive(Default)]
struct Cancel {
    set: AtomicBool,
    /// What runs when the token is set, taken by the first `cancel`.
    hooks: Mutex<Vec<Box<dyn FnOnce() + Send>>>,
    woken: Condvar,
}

impl std::fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CancelToken({})", self.is_cancelled())
    }
}

impl CancelToken {
    pub fn cancel(&self) {
        let hooks = {
            let mut hooks = self.0.hooks.lock().unwrap_or_else(PoisonError::into_inner);
            self.0.set.store(true, Ordering::SeqCst);
            std::mem::take(&mut *hooks)
        };
        self.0.woken.notify_all();
        hooks.into_iter().for_each(|hook| hook());
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.set.load(Ordering::SeqCst)
    }

    /// Sleeps up to `pause`; whether the token was set (before or
    /// meanwhile: then it returns at once).
    pub fn sleep(&self, pause: Duration) -> bool {
        let hooks = self.0.hooks.lock().unwrap_or_else(PoisonError::into_inner);
        drop(
            self.0
                .woken
                .wait_timeout_while(hooks, pause, |_| !self.is_cancelled())
                .unwrap_or_else(PoisonError::into_inner),
        );
        self.is_cancelled()
    }

    /// Runs `hook` once the token is set (at once when it is): how what
    /// waits elsewhere (an async task) is woken.
    pub fn on_cancel(&self, hook: impl FnOnce() + Send + 'static) {
        let mut hooks = self.0.hooks.lock().unwrap_or_else(PoisonError::into_inner);
        if self.is_cancelled() {
            drop(hooks);
            hook();
        } else {
            hooks.push(Box::new(hook));
        }
    }
}

/// Sees chunks as ingest produces them, so that the next stage can start
/// early in-process (embedding while ingest still parses).
pub trait ChunkObserver: Send + Sync {
    fn on_chunk(&self, chunk: &Chunk);
    /// No more chunks will come.
    fn on_end(&self) {}
}

/// What a stage is given.
pub struct StageContext<'a> {
    /// The job's state as it was when the stage started.
    pub job: &'a JobState,
    pub store: &'a dyn ObjectStore,
    pub events: &'a EventEmitter<'a>,
    pub cancel: &'a CancelToken,
    /// In-process only: observers of ingest's chunk stream.
    pub chunk_observer: Option<&'a dyn ChunkObserver>,
    /// For a fanned-out stage: the shard this invocation handles; `None`
    /// means the whole stage.
    pub shard: Option<u32>,
}

impl StageContext<'_> {
    /// `jobs/<job>/<stage>/<name>`
    pub fn artifact_key(&self, stage: Stage, name: &str) -> String {
        doctown_core::artifacts::artifact_key(&self.job.job_id, stage.name(), name)
    }

    /// Stage options from the job input (`input.options[stage]`), or defaults.
    pub fn options<T: serde::de::DeserializeOwned + Default>(
        &self,
        stage: Stage,
    ) -> Result<T, StageFailure> {
        match self.job.input.options.get(stage.name()) {
            None => Ok(T::default()),
            Some(value) => serde_json::from_value(value.clone())
                .map_err(|e| StageFailure::invalid(format!("invalid {stage} options: {e}"))),
        }
    }
}

/// What a stage reports when it ends well.
#[derive(Debug, Clone, PartialEq)]
pub struct StageOutput {
    /// Succeeded, Partial (some items failed, recorded) or Skipped.
    pub status: StageStatus,
    /// Artifact name → object key.
    pub artifacts: BTreeMap<String, String>,
    /// Totals worth keeping in the state document.
    pub summary: serde_json::Value,
    /// Ingest reports what the source resolved to.
    pub source: Option<ResolvedSource>,
}

impl StageOutput {
    pub fn succeeded() -> Self {
        StageOutput {
            status: StageStatus::Succeeded,
            artifacts: BTreeMap::new(),
            summary: serde_json::Value::Null,
            source: None,
        }
    }

    pub fn with_artifact(mut self, name: &str, key: impl Into<String>) -> Self {
        self.artifacts.insert(name.to_string(), key.into());
        self
    }
}

/// Why a stage failed, and whether running it again can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct StageFailure {
    pub message: String,
    pub kind: ErrorKind,
}

impl StageFailure {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        StageFailure {
            message: message.into(),
            kind,
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, message)
    }

    pub fn transient(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Transient, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    pub fn cancelled() -> Self {
        Self::invalid("cancelled")
    }
}

impl From<StoreError> for StageFailure {
    fn from(e: StoreError) -> Self {
        StageFailure::new(e.kind(), e.to_string())
    }
}

/// One pipeline stage. Implementations are stateless between runs: all they
/// need is in the context, all they produce goes to the store.
pub trait StageHandler: Send + Sync {
    fn stage(&self) -> Stage;
    fn run(&self, ctx: &StageContext<'_>) -> Result<StageOutput, StageFailure>;

    /// Fan-in of a fanned-out stage (see `machine`): called once, with
    /// `ctx.shard == None`, after [`StageHandler::run`] succeeded for every
    /// shard (`ctx.job.stage(stage).shards` holds their outputs). It must
    /// write the same artifacts a whole, unsharded `run` writes.
    ///
    /// The default records every shard's artifacts as `<name>-<shard>`,
    /// which suits stages whose shards are the final product.
    fn merge(&self, ctx: &StageContext<'_>) -> Result<StageOutput, StageFailure> {
        let mut output = StageOutput::succeeded();
        for (shard, state) in &ctx.job.stage(self.stage()).shards {
            if state.status == StageStatus::Partial {
                output.status = StageStatus::Partial;
            }
            for (name, key) in &state.artifacts {
                output
                    .artifacts
                    .insert(format!("{name}-{shard}"), key.clone());
            }
        }
        Ok(output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancel_wakes_whoever_waits_and_runs_each_hook_once() {
        let token = CancelToken::default();
        assert!(!token.sleep(Duration::from_millis(1)));
        let (tx, rx) = std::sync::mpsc::channel();
        let hook = |name: &'static str| {
            let tx = tx.clone();
            move || tx.send(name).unwrap()
        };
        token.on_cancel(hook("before"));
        let sleeper = {
            let token = token.clone();
            std::thread::spawn(move || token.sleep(Duration::from_secs(600)))
        };
        token.cancel();
        token.cancel();
        assert!(
            sleeper.join().unwrap(),
            "woken by the cancel, not the pause"
        );
        token.on_cancel(hook("after"));
        drop(tx);
        assert_eq!(rx.iter().collect::<Vec<_>>(), ["before", "after"]);
        assert!(token.sleep(Duration::from_secs(600)));
    }
}
