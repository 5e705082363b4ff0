//! Helpers of the distributed-runtime tests: a moto deployment with fresh
//! names, worker threads per stage, and the in-process reference run.
#![allow(dead_code)]

use doctown_core::{JobId, JobInput, JobState, Stage};
use doctown_ingest::IngestHandler;
use doctown_pipeline::{CancelToken, JitterStrategy, Machine, RetryPolicy, Runner, StageHandler};
use doctown_queue::{QueueNames, QueueSet, SqsConfig, SqsConnection};
use doctown_sources::GitHubConfig;
use doctown_store::{MemoryStore, ObjectStore};
use doctown_store_s3::{S3Config, S3Store};
use doctown_worker::fakes::FakeStage;
use doctown_worker::{run_worker, WorkerConfig};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub const BUCKET: &str = "doctown-worker-tests";

/// The moto endpoint. The tests that call this are `#[ignore]`d, so they
/// run only when asked for (`scripts/test.sh` starts moto and passes
/// `--include-ignored`); asked for without a server, they fail.
pub fn endpoint(test: &str) -> String {
    match std::env::var("DOCTOWN_TEST_S3_ENDPOINT") {
        Ok(e) if !e.is_empty() => e,
        _ => panic!(
            "{test} needs a local S3/SQS server: DOCTOWN_TEST_S3_ENDPOINT is not set \
             (run `bash scripts/start-moto.sh` and export what it prints, or scripts/test.sh)"
        ),
    }
}

/// A unique name for this test run.
pub fn unique(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{test}-{}-{}", std::process::id(), nanos % 1_000_000_000)
}

/// S3 store + SQS queues on moto under fresh names.
pub struct Deployment {
    pub endpoint: String,
    pub prefix: String,
    pub queue_prefix: String,
    pub store: Arc<S3Store>,
    pub queues: QueueSet,
}

pub fn deployment(
    endpoint: &str,
    test: &str,
    max_receives: u32,
    visibility: Duration,
) -> Deployment {
    let name = unique(test);
    let store =
        S3Store::connect(&S3Config::local(endpoint, BUCKET).with_prefix(name.clone())).unwrap();
    store.ensure_bucket().unwrap();
    let conn = SqsConnection::connect(&SqsConfig::local(endpoint)).unwrap();
    let queue_prefix = format!("q-{name}");
    let queues = QueueSet::sqs(
        &conn,
        &QueueNames::new(&queue_prefix),
        max_receives,
        visibility,
    )
    .unwrap();
    Deployment {
        endpoint: endpoint.to_string(),
        prefix: name,
        queue_prefix,
        store: Arc::new(store),
        queues,
    }
}

/// The fast machine the tests use (same as `doctown-test-worker`).
pub fn machine(retries: u32, heartbeat: Duration) -> Machine {
    Machine::standard()
        .with_timeouts(Duration::from_secs(120), heartbeat)
        .with_retry_all(RetryPolicy {
            interval: Duration::from_secs(1),
            max_attempts: retries,
            backoff_rate: 1.0,
            max_delay: Duration::from_secs(1),
            jitter: JitterStrategy::None,
        })
}

/// The multi-language fixture repository.
pub fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../cli/tests/fixtures/multilang")
}

/// A job input over `source` with small chunk shards (so embed fans out).
pub fn input(source: &std::path::Path, shard_size: usize) -> JobInput {
    let mut input = JobInput {
        source: source.display().to_string(),
        ..JobInput::default()
    };
    input.options.insert(
        "ingest".into(),
        serde_json::json!({"shard_size": shard_size, "chunk_events": false}),
    );
    input
}

/// Worker threads: `per_stage` separate workers for each stage, each with
/// its own handlers; `fail` makes that stage's fake always fail.
pub fn spawn_workers(
    store: Arc<dyn ObjectStore>,
    queues: &QueueSet,
    machine: &Machine,
    per_stage: usize,
    fail: Option<Stage>,
    stop: &CancelToken,
) -> Vec<JoinHandle<()>> {
    let mut threads = Vec::new();
    for stage in Stage::ALL {
        for _ in 0..per_stage {
            let (store, queues, stop) = (store.clone(), queues.clone(), stop.clone());
            let mut config = WorkerConfig::new(&[stage]);
            config.wait = Duration::from_millis(500);
            config.visibility = Duration::from_secs(5);
            config.machine = machine.clone();
            threads.push(std::thread::spawn(move || {
                let ingest = IngestHandler::new(GitHubConfig::default());
                let fakes: Vec<FakeStage> = FakeStage::all_after_ingest()
                    .into_iter()
                    .map(|f| {
                        if Some(f.stage) == fail {
                            f.failing()
                        } else {
                            f
                        }
                    })
                    .collect();
                let mut handlers: Vec<&dyn StageHandler> = vec![&ingest];
                handlers.extend(fakes.iter().map(|f| f as &dyn StageHandler));
                run_worker(&config, &handlers, store.as_ref(), &queues, &stop).unwrap();
            }));
        }
    }
    threads
}

/// The in-process reference: the same handlers through the `Runner`.
pub fn reference_run(job: &JobId, input: JobInput) -> (MemoryStore, JobState) {
    let store = MemoryStore::new();
    let ingest = IngestHandler::new(GitHubConfig::default());
    let fakes = FakeStage::all_after_ingest();
    let mut handlers: Vec<&dyn StageHandler> = vec![&ingest];
    handlers.extend(fakes.iter().map(|f| f as &dyn StageHandler));
    let runner = Runner::new(&store, handlers);
    runner.submit(job.clone(), input).unwrap();
    let state = runner.run(job).unwrap();
    (store, state)
}

/// Every artifact of a job, by key below `jobs/<job>/` (events excluded).
pub fn artifacts(store: &dyn ObjectStore, job: &JobId) -> Vec<(String, Vec<u8>)> {
    let prefix = format!("jobs/{job}/");
    store
        .list(&prefix)
        .unwrap()
        .into_iter()
        .filter(|k| !k.contains("/events/") && !k.ends_with("state.json"))
        .map(|k| {
            let bytes = store.get(&k).unwrap().unwrap().bytes;
            (k[prefix.len()..].to_string(), bytes)
        })
        .collect()
}

/// Submits a job of the fixture (embed shards of 4 chunks) as `name`.
pub fn submit_fixture(d: &Deployment, machine: &Machine, name: &str) -> JobId {
    let job = JobId::new(name).unwrap();
    doctown_worker::submit_job(
        d.store.as_ref(),
        &d.queues,
        machine,
        job.clone(),
        input(&fixture(), 4),
    )
    .unwrap();
    job
}

/// Asserts that every stage queue is empty within `within` (zero: now);
/// in-flight duplicates of acknowledged work may take a moment to go.
pub fn assert_queues_drain(d: &Deployment, within: Duration) {
    let deadline = std::time::Instant::now() + within;
    for stage in Stage::ALL {
        let queue = d.queues.stage(stage).unwrap();
        while queue.approximate_depth().unwrap().total() > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "{stage} queue not drained"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
