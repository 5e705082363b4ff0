//! The queue worker loop: long-polls the queues of the stages it hosts,
//! runs each message under a watchdog (visibility heartbeat, cancel,
//! timeout), and deletes the message only after the engine has made the
//! outcome durable and sent what comes next.

use crate::engine::{Disposition, Engine};
use crate::executor::{Executor, RunControl};
use crate::watchdog::watch;
use doctown_core::Stage;
use doctown_pipeline::{CancelToken, Machine};
use doctown_queue::{Queue, QueueSet, Received, StageMessage};
use doctown_store::ObjectStore;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How a worker polls.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The stages whose queues this worker polls (each needs a handler).
    pub stages: Vec<Stage>,
    /// Messages processed at once (threads).
    pub concurrency: usize,
    /// Long-poll wait per receive (≤ 20 s); also bounds how long a stop
    /// request waits for an idle worker.
    pub wait: Duration,
    /// The visibility timeout of a received message; must exceed the
    /// stages' heartbeat (the watchdog extends it to three heartbeats).
    pub visibility: Duration,
    pub machine: Machine,
}

impl WorkerConfig {
    /// One thread polling `stages`, the standard machine, 20 s polls.
    pub fn new(stages: &[Stage]) -> WorkerConfig {
        WorkerConfig {
            stages: stages.to_vec(),
            concurrency: 1,
            wait: Duration::from_secs(20),
            visibility: Duration::from_secs(90),
            machine: Machine::standard(),
        }
    }
}

/// What a worker did.
#[derive(Debug, Default)]
pub struct WorkerStats {
    pub received: AtomicU64,
    pub acked: AtomicU64,
    pub released: AtomicU64,
    pub errors: AtomicU64,
}

/// Runs until `stop` is cancelled, then finishes the messages in hand
/// (drain) and returns. `handlers` come from the host (the CLI); each of
/// `config.stages` needs one.
pub fn run_worker(
    config: &WorkerConfig,
    handlers: &[&dyn doctown_pipeline::StageHandler],
    store: &dyn ObjectStore,
    queues: &QueueSet,
    stop: &CancelToken,
) -> Result<Arc<WorkerStats>, crate::WorkerError> {
    let executor = crate::LocalExecutor::new(handlers);
    run_loop(config, &executor, store, queues, stop)
}

/// The loop behind [`run_worker`] and the RunPod dispatcher, for any
/// executor.
pub fn run_loop(
    config: &WorkerConfig,
    executor: &dyn Executor,
    store: &dyn ObjectStore,
    queues: &QueueSet,
    stop: &CancelToken,
) -> Result<Arc<WorkerStats>, crate::WorkerError> {
    let mut polled: Vec<(Stage, Arc<dyn Queue>)> = Vec::new();
    for stage in &config.stages {
        if !executor.can_run(*stage) {
            return Err(crate::WorkerError::NoHandler(*stage));
        }
        polled.push((*stage, queues.stage(*stage)?.clone()));
    }
    if polled.is_empty() {
        return Err(crate::WorkerError::Config("no stages to poll".into()));
    }
    let engine = Engine::new(store, queues, &config.machine);
    let stats = Arc::new(WorkerStats::default());
    // With several queues, poll each briefly in turn.
    let wait = if polled.len() == 1 {
        config.wait
    } else {
        config.wait.min(Duration::from_secs(1))
    };
    std::thread::scope(|scope| {
        for n in 0..config.concurrency.max(1) {
            let (engine, polled, stats) = (&engine, &polled, &stats);
            scope.spawn(move || {
                let mut turn = n;
                while !stop.is_cancelled() {
                    let (stage, queue) = &polled[turn % polled.len()];
                    turn += 1;
                    let got = match queue.receive(1, wait, config.visibility) {
                        Ok(got) => got,
                        Err(e) => {
                            stats.errors.fetch_add(1, Ordering::Relaxed);
                            tracing::warn!(queue = queue.name(), error = %e, "receive failed");
                            std::thread::sleep(Duration::from_secs(1));
                            continue;
                        }
                    };
                    for message in got {
                        stats.received.fetch_add(1, Ordering::Relaxed);
                        handle_one(
                            engine,
                            executor,
                            config,
                            *stage,
                            queue.as_ref(),
                            &message,
                            stats,
                        );
                    }
                }
            });
        }
    });
    Ok(stats)
}

fn handle_one(
    engine: &Engine<'_>,
    executor: &dyn Executor,
    config: &WorkerConfig,
    stage: Stage,
    queue: &dyn Queue,
    message: &Received,
    stats: &WorkerStats,
) {
    let spec = config.machine.spec(stage);
    let control = RunControl::default();
    let lease = spec.heartbeat * 3;
    let extend = || {
        queue
            .change_visibility(&message.receipt, lease)
            .map_err(|e| e.to_string())
    };
    let disposition = match StageMessage::parse(&message.body) {
        Ok(parsed) => watch(
            engine.store,
            &parsed.job_id,
            spec,
            Some(&extend),
            &control,
            || engine.handle(queue.name(), &message.body, executor, &control),
        ),
        Err(_) => engine.handle(queue.name(), &message.body, executor, &control),
    };
    let result = match disposition {
        Disposition::Ack => queue.delete(&message.receipt).map(|_| &stats.acked),
        Disposition::Retry { after } => queue
            .change_visibility(&message.receipt, after)
            .map(|_| &stats.released),
    };
    match result {
        Ok(counter) => {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        Err(e) => {
            stats.errors.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(queue = queue.name(), error = %e, "acknowledging failed; the message will come again");
        }
    }
}
