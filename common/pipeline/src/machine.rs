//! The job state machine, defined once: stage order, retry policy per stage
//! (Step Functions' `Retry`), timeouts and heartbeats, fan-out/fan-in, and
//! the catch-all that fails the job. `docs/STATE_MACHINE.md` documents it
//! and embeds [`Machine::table_markdown`] (a test keeps the two in step).
//!
//! The machine is pure: given the state document after a unit of work ran,
//! [`Machine::after`] says what comes next ([`Step`]). Hosts carry it out —
//! the queue worker sends messages, the in-process runner simply loops.

use crate::execute::{unit_attempts, unit_status, Unit};
use doctown_core::{JobState, JobStatus, Stage, StageStatus};
use std::time::Duration;

pub use doctown_core::retry::{JitterStrategy, RetryPolicy};

/// How a stage is split across workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FanOut {
    /// One unit of work.
    None,
    /// One shard per chunk shard of ingest's manifest
    /// (`IngestManifest::chunk_shards`), then a fan-in.
    ChunkShards,
}

/// One state of the machine: a stage task.
#[derive(Debug, Clone, PartialEq)]
pub struct StageSpec {
    pub stage: Stage,
    pub retry: RetryPolicy,
    /// `TimeoutSeconds`: a run longer than this is cancelled and fails with
    /// a retryable `States.Timeout`.
    pub timeout: Duration,
    /// `HeartbeatSeconds`: a live worker proves it is alive this often
    /// (extends its message's visibility); a silent one loses the message,
    /// which is then delivered again.
    pub heartbeat: Duration,
    pub fan_out: FanOut,
}

/// A unit of work to start: a stage, one shard of it, or (shard `None` on a
/// fanned-out stage) its fan-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Task {
    pub stage: Stage,
    pub shard: Option<u32>,
}

impl Task {
    pub fn whole(stage: Stage) -> Task {
        Task { stage, shard: None }
    }
}

/// What happens after a unit of work ran.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Start these tasks.
    Start(Vec<Task>),
    /// This stage fans out next: count its shards, record them with
    /// [`Machine::plan_fan_out`], then start [`Machine::pending_tasks`].
    FanOut(Stage),
    /// Nothing to start: other shards are still running, the next stage
    /// already started, the unit has not finished, or the job has ended.
    Wait,
    /// Run the same unit again after `delay`; `retry` counts from 1.
    Retry {
        task: Task,
        retry: u32,
        delay: Duration,
    },
    /// Retries exhausted or the error is not retryable: the catch-all.
    Fail { error: String },
    /// Every stage is done: the job ends with this status.
    Complete(JobStatus),
}

/// The whole machine: stage specs in pipeline order.
#[derive(Debug, Clone, PartialEq)]
pub struct Machine {
    specs: Vec<StageSpec>,
}

fn policy(interval: u64, max_attempts: u32, max_delay: u64) -> RetryPolicy {
    RetryPolicy {
        interval: Duration::from_secs(interval),
        max_attempts,
        backoff_rate: 2.0,
        max_delay: Duration::from_secs(max_delay),
        jitter: JitterStrategy::Full,
    }
}

/// Where the claim on starting `tasks` is kept: the fan-in's own slot
/// for a fanned-out stage's whole task, else the stage's.
fn claim_slot<'s>(state: &'s mut JobState, tasks: &[Task]) -> Option<&'s mut Option<String>> {
    let first = tasks.first()?;
    let st = state.stage_mut(first.stage);
    Some(if claims_merge(st, first) {
        &mut st.merge_sent_by
    } else {
        &mut st.sent_by
    })
}

fn claims_merge(st: &doctown_core::StageState, task: &Task) -> bool {
    task.shard.is_none() && st.fan_out.is_some()
}

fn spec(stage: Stage, retry: RetryPolicy, timeout_min: u64, fan_out: FanOut) -> StageSpec {
    StageSpec {
        stage,
        retry,
        timeout: Duration::from_secs(timeout_min * 60),
        heartbeat: Duration::from_secs(30),
        fan_out,
    }
}

impl Machine {
    /// The production machine.
    pub fn standard() -> Machine {
        Machine {
            specs: vec![
                spec(Stage::Ingest, policy(2, 2, 60), 15, FanOut::None),
                spec(Stage::Embed, policy(5, 3, 120), 30, FanOut::ChunkShards),
                spec(Stage::Assemble, policy(2, 2, 60), 15, FanOut::None),
                spec(Stage::Generate, policy(10, 3, 300), 60, FanOut::None),
                spec(Stage::Pack, policy(2, 2, 60), 10, FanOut::None),
            ],
        }
    }

    /// Replaces one stage's retry policy.
    pub fn with_retry(mut self, stage: Stage, retry: RetryPolicy) -> Machine {
        self.specs
            .iter_mut()
            .filter(|s| s.stage == stage)
            .for_each(|s| s.retry = retry.clone());
        self
    }

    /// The same retry policy for every stage (tests, benchmarks).
    pub fn with_retry_all(mut self, retry: RetryPolicy) -> Machine {
        self.specs.iter_mut().for_each(|s| s.retry = retry.clone());
        self
    }

    /// Sets every stage's timeout and heartbeat.
    pub fn with_timeouts(mut self, timeout: Duration, heartbeat: Duration) -> Machine {
        for s in &mut self.specs {
            s.timeout = timeout;
            s.heartbeat = heartbeat;
        }
        self
    }

    /// Sets how one stage fans out.
    pub fn with_fan_out(mut self, stage: Stage, fan_out: FanOut) -> Machine {
        self.specs
            .iter_mut()
            .filter(|s| s.stage == stage)
            .for_each(|s| s.fan_out = fan_out);
        self
    }

    pub fn specs(&self) -> &[StageSpec] {
        &self.specs
    }

    /// The spec of a stage (every stage has one).
    pub fn spec(&self, stage: Stage) -> &StageSpec {
        self.specs
            .iter()
            .find(|s| s.stage == stage)
            .unwrap_or(&self.specs[0])
    }

    pub fn first(&self) -> Stage {
        self.specs[0].stage
    }

    /// The stage after `stage`, in order.
    pub fn next(&self, stage: Stage) -> Option<Stage> {
        let at = self.specs.iter().position(|s| s.stage == stage)?;
        self.specs.get(at + 1).map(|s| s.stage)
    }

    /// Whether a unit has used up its attempts (checked before running it
    /// again, so a worker that keeps dying cannot loop forever).
    pub fn attempts_exhausted(&self, state: &JobState, task: Task) -> bool {
        let unit = Unit::of(state, task.stage, task.shard);
        unit_attempts(state, task.stage, unit).0 >= self.spec(task.stage).retry.total_attempts()
    }

    /// What comes after `task` ran, judged from the recorded state.
    pub fn after(&self, state: &JobState, task: Task, random01: f64) -> Step {
        if state.status.is_terminal() {
            return Step::Wait;
        }
        let unit = Unit::of(state, task.stage, task.shard);
        let status = unit_status(state, task.stage, unit);
        if status == StageStatus::Failed {
            return self.after_failure(state, task, unit, random01);
        }
        if !status.is_done() {
            return Step::Wait;
        }
        if let Unit::Shard(_) = unit {
            let st = state.stage(task.stage);
            return if st.all_shards_done() && st.attempts == 0 {
                Step::Start(vec![Task::whole(task.stage)])
            } else {
                Step::Wait
            };
        }
        let Some(next) = self.next(task.stage) else {
            let partial = self
                .specs
                .iter()
                .any(|s| state.stage(s.stage).status == StageStatus::Partial);
            return Step::Complete(if partial {
                JobStatus::Partial
            } else {
                JobStatus::Succeeded
            });
        };
        let st = state.stage(next);
        if self.spec(next).fan_out != FanOut::None {
            if st.fan_out.is_none() {
                return Step::FanOut(next);
            }
            let tasks = Self::pending_tasks(state, next);
            return if tasks.is_empty() {
                Step::Wait
            } else {
                Step::Start(tasks)
            };
        }
        if st.status == StageStatus::Pending && st.attempts == 0 {
            Step::Start(vec![Task::whole(next)])
        } else {
            Step::Wait
        }
    }

    fn after_failure(&self, state: &JobState, task: Task, unit: Unit, random01: f64) -> Step {
        let (attempts, error) = unit_attempts(state, task.stage, unit);
        let retry = self.spec(task.stage).retry.clone();
        let retries_done = attempts.saturating_sub(1);
        let retryable = error.as_ref().is_some_and(|e| e.retryable);
        if retryable && retries_done < retry.max_attempts {
            let n = retries_done + 1;
            return Step::Retry {
                task,
                retry: n,
                delay: retry.jittered(n, random01),
            };
        }
        let message = error.map(|e| e.message).unwrap_or_else(|| "failed".into());
        let place = match unit {
            Unit::Shard(i) => format!("{} shard {i}", task.stage),
            _ => task.stage.to_string(),
        };
        let why = if retryable {
            format!("after {attempts} attempts")
        } else {
            "not retryable".to_string()
        };
        Step::Fail {
            error: format!("{place}: {message} ({why})"),
        }
    }

    /// Records a stage's fan-out: `shards` pending shards. Keeps what an
    /// earlier (duplicate) plan recorded.
    pub fn plan_fan_out(state: &mut JobState, stage: Stage, shards: u32) {
        let st = state.stage_mut(stage);
        if st.fan_out.is_none() {
            st.fan_out = Some(shards);
            for i in 0..shards {
                st.shards.entry(i).or_default();
            }
        }
    }

    /// The name a unit signs its claims with: `ingest`, `embed#3`,
    /// `embed:merge`.
    pub fn sender(state: &JobState, task: Task) -> String {
        match Unit::of(state, task.stage, task.shard) {
            Unit::Shard(i) => format!("{}#{i}", task.stage),
            Unit::Merge => format!("{}:merge", task.stage),
            Unit::Whole => task.stage.to_string(),
        }
    }

    /// Records `sender`'s claim on starting `tasks` (one stage's whole run,
    /// its shards, or its fan-in), unless another unit claimed them first.
    /// Called inside the state's compare-and-swap; then only the unit
    /// [`Machine::holds_claim`] names sends the messages, so the shards that
    /// each find every shard done send the fan-in once, not once each.
    pub fn claim_start(state: &mut JobState, tasks: &[Task], sender: &str) {
        if let Some(slot) = claim_slot(state, tasks) {
            slot.get_or_insert_with(|| sender.to_string());
        }
    }

    /// Whether `sender` holds the claim on starting `tasks` (true for none).
    pub fn holds_claim(state: &JobState, tasks: &[Task], sender: &str) -> bool {
        let Some(first) = tasks.first() else {
            return true;
        };
        let st = state.stage(first.stage);
        let slot = if claims_merge(st, first) {
            &st.merge_sent_by
        } else {
            &st.sent_by
        };
        slot.as_deref() == Some(sender)
    }

    /// The tasks of a fanned-out stage nobody has started: its pending
    /// shards, or its fan-in once every shard is done.
    pub fn pending_tasks(state: &JobState, stage: Stage) -> Vec<Task> {
        let st = state.stage(stage);
        let Some(n) = st.fan_out else {
            return Vec::new();
        };
        if st.all_shards_done() {
            return if st.attempts == 0 {
                vec![Task::whole(stage)]
            } else {
                Vec::new()
            };
        }
        (0..n)
            .filter(|i| {
                st.shards
                    .get(i)
                    .is_none_or(|s| s.status == StageStatus::Pending && s.attempts == 0)
            })
            .map(|i| Task {
                stage,
                shard: Some(i),
            })
            .collect()
    }

    /// The machine as the Markdown table in `docs/STATE_MACHINE.md`.
    pub fn table_markdown(&self) -> String {
        let mut out = String::from(
            "| stage | fan-out | timeout | heartbeat | retry interval | max attempts | backoff rate | max delay | jitter |\n\
             |---|---|---|---|---|---|---|---|---|\n",
        );
        for s in &self.specs {
            let r = &s.retry;
            out.push_str(&format!(
                "| {} | {} | {} s | {} s | {} s | {} | {} | {} s | {} |\n",
                s.stage,
                match s.fan_out {
                    FanOut::None => "none",
                    FanOut::ChunkShards => "per chunk shard",
                },
                s.timeout.as_secs(),
                s.heartbeat.as_secs(),
                r.interval.as_secs_f64(),
                r.max_attempts,
                r.backoff_rate,
                r.max_delay.as_secs_f64(),
                match r.jitter {
                    JitterStrategy::Full => "FULL",
                    JitterStrategy::Equal => "EQUAL",
                    JitterStrategy::None => "NONE",
                },
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests;
