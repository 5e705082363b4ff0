//! The engine: what every queue-driven host does with one message — parse
//! it, check the job, run the unit (through an [`Executor`]), then carry out
//! the machine's next step (next stage, fan-out, fan-in, delayed retry,
//! failure, completion). Hosts differ only in how messages arrive and are
//! acknowledged: the SQS loop deletes them, Lambda reports batch failures.

use crate::error::WorkerError;
use crate::executor::{check_shard, Executor, RunControl};
use doctown_core::state::StageError;
use doctown_core::{IngestManifest, JobState, JobStatus, Stage, StageStatus};
use doctown_pipeline::execute::unit_status;
use doctown_pipeline::{finish_job, now_rfc3339, EventSink, FanOut, Machine, Step, Task, Unit};
use doctown_queue::{DeadLetter, QueueSet, StageMessage};
use doctown_store::{get_json, load_state, update_state, ObjectStore};
use std::sync::Arc;
use std::time::Duration;

/// What to do with a message after handling it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Handled (or dead-lettered): delete it.
    Ack,
    /// Not handled (storage or queue trouble): leave it, to be delivered
    /// again after `after`.
    Retry { after: Duration },
}

/// The shared message logic of the queue-driven hosts.
pub struct Engine<'a> {
    pub store: &'a dyn ObjectStore,
    pub queues: &'a QueueSet,
    pub machine: &'a Machine,
    pub sinks: Vec<Arc<dyn EventSink>>,
}

/// A uniform sample from `[0, 1)` for retry jitter.
fn random01() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(doctown_pipeline::now_ms());
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

impl<'a> Engine<'a> {
    pub fn new(store: &'a dyn ObjectStore, queues: &'a QueueSet, machine: &'a Machine) -> Self {
        Engine {
            store,
            queues,
            machine,
            sinks: Vec::new(),
        }
    }

    /// Handles one message body from `source` (a queue name). Never panics
    /// on bad input: malformed messages are dead-lettered.
    pub fn handle(
        &self,
        source: &str,
        body: &str,
        executor: &dyn Executor,
        control: &RunControl,
    ) -> Disposition {
        let message = match StageMessage::parse(body) {
            Ok(m) => m,
            Err(e) => return self.dead_letter(source, body, &e.to_string(), None),
        };
        match self.process(&message, executor, control) {
            Ok(d) => d,
            Err(e) if e.is_retryable() => {
                tracing::warn!(job = %message.job_id, stage = %message.stage, error = %e, "will retry the message");
                Disposition::Retry {
                    after: Duration::from_secs(2),
                }
            }
            Err(e) => {
                tracing::error!(job = %message.job_id, stage = %message.stage, error = %e, "dead-lettering the message");
                self.dead_letter(source, body, &e.to_string(), Some(&message))
            }
        }
    }

    fn process(
        &self,
        message: &StageMessage,
        executor: &dyn Executor,
        control: &RunControl,
    ) -> Result<Disposition, WorkerError> {
        let job = &message.job_id;
        let task = Task {
            stage: message.stage,
            shard: message.shard,
        };
        let state =
            load_state(self.store, job)?.ok_or_else(|| WorkerError::UnknownJob(job.clone()))?;
        if state.status.is_terminal() {
            return Ok(Disposition::Ack);
        }
        if state.cancel_requested {
            self.cancel(&state)?;
            return Ok(Disposition::Ack);
        }
        if !executor.can_run(message.stage) {
            return Err(WorkerError::NoHandler(message.stage));
        }
        check_shard(&state, message.stage, message.shard)?;
        let unit = Unit::of(&state, message.stage, message.shard);
        if unit_status(&state, message.stage, unit).is_done() {
            // A duplicate: re-send what a crash may have kept from being sent.
            self.advance(&state, task, message)?;
            return Ok(Disposition::Ack);
        }
        if self.machine.attempts_exhausted(&state, task) {
            let state = self.record_lost(
                job,
                task,
                unit,
                "attempts used up: the workers running it were lost",
            )?;
            self.advance(&state, task, message)?;
            return Ok(Disposition::Ack);
        }
        // The state as this run's own record left it, when the executor has
        // it (see `Executor::execute`), else as it is now.
        let mut state = match executor.execute(self.store, message, unit, control)? {
            Some(recorded) => recorded,
            None => {
                load_state(self.store, job)?.ok_or_else(|| WorkerError::UnknownJob(job.clone()))?
            }
        };
        if state.cancel_requested {
            self.cancel(&state)?;
            return Ok(Disposition::Ack);
        }
        if state.status.is_terminal() {
            // The job ended while this message waited: nothing to record.
            return Ok(Disposition::Ack);
        }
        if !unit_status(&state, message.stage, unit).is_done()
            && unit_status(&state, message.stage, unit) != StageStatus::Failed
        {
            state = self.record_lost(
                job,
                task,
                unit,
                "the run ended without recording an outcome",
            )?;
        }
        self.advance(&state, task, message)?;
        Ok(Disposition::Ack)
    }

    /// Carries out the machine's next step after `task`.
    pub fn advance(
        &self,
        state: &JobState,
        task: Task,
        message: &StageMessage,
    ) -> Result<(), WorkerError> {
        let sender = Machine::sender(state, task);
        match self.machine.after(state, task, random01()) {
            Step::Wait => Ok(()),
            Step::Start(tasks) => {
                let state = update_state(self.store, &state.job_id, |s| {
                    Machine::claim_start(s, &tasks, &sender)
                })?;
                self.start_claimed(&state, &tasks, &sender)
            }
            Step::FanOut(stage) => {
                let shards = self.shard_count(state, stage)?;
                let state = update_state(self.store, &state.job_id, |s| {
                    Machine::plan_fan_out(s, stage, shards);
                    let tasks = Machine::pending_tasks(s, stage);
                    Machine::claim_start(s, &tasks, &sender);
                })?;
                self.start_claimed(&state, &Machine::pending_tasks(&state, stage), &sender)
            }
            Step::Retry { task, retry, delay } => {
                let next =
                    StageMessage::new(state.job_id.clone(), task.stage, task.shard, retry + 1);
                tracing::info!(job = %state.job_id, stage = %task.stage, retry, ?delay, "scheduling a retry");
                self.queues
                    .stage(task.stage)?
                    .send(&next.to_body(), delay.min(doctown_queue::MAX_DELAY))?;
                Ok(())
            }
            Step::Fail { error } => {
                tracing::error!(job = %state.job_id, %error, "job failed");
                let source = self.queues.stage(task.stage)?.name().to_string();
                let letter = DeadLetter {
                    v: 1,
                    source,
                    reason: error.clone(),
                    body: message.to_body(),
                    job_id: Some(state.job_id.clone()),
                };
                self.queues
                    .dead_letter()
                    .send(&letter.to_body(), Duration::ZERO)?;
                finish_job(
                    self.store,
                    state,
                    JobStatus::Failed,
                    Some(error),
                    &self.sinks,
                )?;
                Ok(())
            }
            Step::Complete(status) => {
                finish_job(self.store, state, status, None, &self.sinks)?;
                Ok(())
            }
        }
    }

    /// Sends `tasks` if `sender` holds the claim on them (a redelivery of
    /// the claimant sends them again: what a crash kept from being sent).
    fn start_claimed(
        &self,
        state: &JobState,
        tasks: &[Task],
        sender: &str,
    ) -> Result<(), WorkerError> {
        if state.status.is_terminal() || !Machine::holds_claim(state, tasks, sender) {
            tracing::debug!(job = %state.job_id, sender, "another unit starts what comes next");
            return Ok(());
        }
        for t in tasks {
            let m = StageMessage::new(state.job_id.clone(), t.stage, t.shard, 1);
            self.queues
                .stage(t.stage)?
                .send(&m.to_body(), Duration::ZERO)?;
        }
        Ok(())
    }

    /// How many shards a fanned-out stage has in this job.
    fn shard_count(&self, state: &JobState, stage: Stage) -> Result<u32, WorkerError> {
        match self.machine.spec(stage).fan_out {
            FanOut::None => Ok(0),
            FanOut::ChunkShards => {
                let key = state
                    .stage(Stage::Ingest)
                    .artifacts
                    .get("manifest")
                    .ok_or_else(|| WorkerError::Invalid("ingest recorded no manifest".into()))?;
                let manifest: IngestManifest = get_json(self.store, key)?.ok_or_else(|| {
                    WorkerError::Invalid(format!("ingest manifest {key} is missing"))
                })?;
                Ok(manifest.chunk_shards.len() as u32)
            }
        }
    }

    /// Records a retryable failure for a unit that has no outcome (its
    /// worker was lost, or it is out of attempts).
    fn record_lost(
        &self,
        job: &doctown_core::JobId,
        task: Task,
        unit: Unit,
        why: &str,
    ) -> Result<JobState, WorkerError> {
        let now = now_rfc3339();
        let error = StageError {
            message: format!("worker lost: {why}"),
            retryable: true,
        };
        Ok(update_state(self.store, job, |s| {
            if unit_status(s, task.stage, unit).is_done() {
                return;
            }
            let st = s.stage_mut(task.stage);
            match unit {
                Unit::Shard(i) => {
                    let sh = st.shards.entry(i).or_default();
                    sh.status = StageStatus::Failed;
                    sh.attempts = sh.attempts.max(1);
                    sh.finished_at = Some(now.clone());
                    sh.error = Some(error.clone());
                }
                Unit::Whole | Unit::Merge => {
                    st.status = StageStatus::Failed;
                    st.attempts = st.attempts.max(1);
                    st.finished_at = Some(now.clone());
                    st.error = Some(error.clone());
                }
            }
        })?)
    }

    /// Marks a job cancelled (once).
    fn cancel(&self, state: &JobState) -> Result<(), WorkerError> {
        if !state.status.is_terminal() {
            finish_job(
                self.store,
                state,
                JobStatus::Cancelled,
                Some("cancelled".into()),
                &self.sinks,
            )?;
        }
        Ok(())
    }

    /// Sends a message to the dead-letter queue, then acknowledges it; if
    /// even that fails, leaves it for SQS redrive.
    fn dead_letter(
        &self,
        source: &str,
        body: &str,
        reason: &str,
        message: Option<&StageMessage>,
    ) -> Disposition {
        let letter = DeadLetter {
            v: 1,
            source: source.to_string(),
            reason: reason.to_string(),
            body: body.chars().take(64 * 1024).collect(),
            job_id: message.map(|m| m.job_id.clone()),
        };
        match self
            .queues
            .dead_letter()
            .send(&letter.to_body(), Duration::ZERO)
        {
            Ok(_) => {
                tracing::warn!(source, reason, "message dead-lettered");
                Disposition::Ack
            }
            Err(e) => {
                tracing::error!(source, error = %e, "cannot dead-letter a message");
                Disposition::Retry {
                    after: Duration::from_secs(30),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use doctown_core::{JobId, JobInput, ShardState};
    use doctown_store::{create_state, MemoryStore};

    /// A job whose embed stage was fanned out into two shards, both done,
    /// and the messages sent to the embed queue.
    fn two_shards_done() -> (MemoryStore, QueueSet, JobState) {
        let store = MemoryStore::new();
        let mut state = JobState::new(
            JobId::new("job-fanin").unwrap(),
            JobInput::default(),
            now_rfc3339(),
        );
        state.status = JobStatus::Running;
        state.stage_mut(Stage::Ingest).status = StageStatus::Succeeded;
        let embed = state.stage_mut(Stage::Embed);
        embed.status = StageStatus::Running;
        embed.fan_out = Some(2);
        embed.sent_by = Some("ingest".into());
        for i in 0..2 {
            embed.shards.insert(
                i,
                ShardState {
                    status: StageStatus::Succeeded,
                    attempts: 1,
                    ..ShardState::default()
                },
            );
        }
        create_state(&store, &state).unwrap();
        (store, QueueSet::memory(5), state)
    }

    fn visible(queues: &QueueSet, stage: Stage) -> u64 {
        queues
            .stage(stage)
            .unwrap()
            .approximate_depth()
            .unwrap()
            .visible
    }

    #[test]
    fn shards_that_each_find_the_set_complete_send_the_fan_in_once() {
        let (store, queues, seen) = two_shards_done();
        let machine = Machine::standard();
        let engine = Engine::new(&store, &queues, &machine);
        // Both shards read the state after the other's record (a slow
        // store): each finds every shard done.
        for shard in [0, 1, 1] {
            let task = Task {
                stage: Stage::Embed,
                shard: Some(shard),
            };
            let message = StageMessage::new(seen.job_id.clone(), Stage::Embed, Some(shard), 1);
            engine.advance(&seen, task, &message).unwrap();
        }
        assert_eq!(visible(&queues, Stage::Embed), 1, "one fan-in message");
        let state = load_state(&store, &seen.job_id).unwrap().unwrap();
        assert_eq!(
            state.stage(Stage::Embed).merge_sent_by.as_deref(),
            Some("embed#0")
        );
        // A redelivery of the claimant sends it again (it may have crashed
        // before sending): at least once, from one unit only.
        let message = StageMessage::new(seen.job_id.clone(), Stage::Embed, Some(0), 1);
        engine
            .advance(
                &seen,
                Task {
                    stage: Stage::Embed,
                    shard: Some(0),
                },
                &message,
            )
            .unwrap();
        assert_eq!(visible(&queues, Stage::Embed), 2);
    }
}
