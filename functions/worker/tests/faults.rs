//! Faults survived, with numbers (#13): the distributed path on moto while
//! the server goes away and comes back, while S3 answers `503 SlowDown` and
//! `500 InternalError` for a while, while a message's visibility timeout
//! lapses under a worker that still works on it, and after the job's state
//! document is deleted mid-job. Each test prints what it saw (run with
//! `--nocapture`); `BENCHMARKS.md` ("Faults and soak") records the numbers.
//!
//! The faults come from [`proxy::FaultProxy`], a small HTTP/1.1 proxy on
//! loopback in front of moto (std::net and a thread per connection): it
//! forwards each request on a fresh upstream connection, or answers it with
//! an S3 error itself, or — "killed" — closes its listening socket (new
//! connections are refused) and cuts every open connection, until it is
//! "restarted" on the same port. It logs every request with the SDK's
//! `amz-sdk-invocation-id` and `amz-sdk-request: attempt=N` headers, so a
//! test can count faults, SDK retries and the backoff between them.
//!
//! The tests share nothing but moto, yet they run one at a time (a lock):
//! the visibility-timeout test depends on timing, and all of them on the two
//! cores of a CI machine.

mod common;

use common::*;
use doctown_core::{JobId, JobState, JobStatus, Stage, StageStatus};
use doctown_ingest::IngestHandler;
use doctown_pipeline::{read_events, CancelToken, Machine, StageHandler};
use doctown_queue::{DeadLetter, QueueSet};
use doctown_sources::GitHubConfig;
use doctown_store::{load_state, ObjectStore};
use doctown_store_s3::{S3Config, S3Store};
use doctown_worker::fakes::FakeStage;
use doctown_worker::{run_worker, wait_for_job, WorkerConfig, WorkerStats};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const POLL: Duration = Duration::from_millis(100);

/// One fault test at a time (see the module doc).
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// Worker threads, one stage each, with their fakes kept to count runs.
struct Workers {
    stop: CancelToken,
    threads: Vec<JoinHandle<Arc<WorkerStats>>>,
    fakes: Vec<Arc<FakeStage>>,
}

/// What the workers did, summed: messages received, acknowledged,
/// released for a retry (storage or queue trouble), and errors (failed
/// receives and acknowledgements).
#[derive(Debug, Default)]
struct Handled {
    received: u64,
    acked: u64,
    released: u64,
    errors: u64,
}

impl Workers {
    /// `per_stage` workers for every stage over `store` and `queues`;
    /// `slow` delays one stage's fake; `visibility` is each stage's
    /// receive visibility timeout.
    fn spawn(
        store: Arc<dyn ObjectStore>,
        queues: &QueueSet,
        machine: &Machine,
        per_stage: usize,
        slow: Option<(Stage, Duration)>,
        visibility: impl Fn(Stage) -> Duration,
    ) -> Workers {
        let stop = CancelToken::default();
        let mut threads = Vec::new();
        let mut fakes = Vec::new();
        for stage in Stage::ALL {
            for _ in 0..per_stage {
                let mut config = WorkerConfig::new(&[stage]);
                config.wait = Duration::from_millis(500);
                config.visibility = visibility(stage);
                config.machine = machine.clone();
                let fake = (stage != Stage::Ingest).then(|| {
                    let mut f = FakeStage::new(stage);
                    if let Some((s, delay)) = slow {
                        if s == stage {
                            f = f.slow(delay);
                        }
                    }
                    Arc::new(f)
                });
                fakes.extend(fake.clone());
                let (store, queues, stop) = (store.clone(), queues.clone(), stop.clone());
                threads.push(std::thread::spawn(move || {
                    let ingest = IngestHandler::new(GitHubConfig::default());
                    let handler: &dyn StageHandler = match &fake {
                        Some(f) => f.as_ref(),
                        None => &ingest,
                    };
                    run_worker(&config, &[handler], store.as_ref(), &queues, &stop).unwrap()
                }));
            }
        }
        Workers {
            stop,
            threads,
            fakes,
        }
    }

    /// How many times each fake stage's handler started (shards, fan-ins
    /// and whole runs together).
    fn runs(&self) -> BTreeMap<Stage, u32> {
        let mut out = BTreeMap::new();
        for f in &self.fakes {
            *out.entry(f.stage).or_default() += f.runs.load(Ordering::SeqCst);
        }
        out
    }

    fn stop(self) -> Handled {
        self.stop.cancel();
        let mut h = Handled::default();
        for t in self.threads {
            let s = t.join().unwrap();
            h.received += s.received.load(Ordering::Relaxed);
            h.acked += s.acked.load(Ordering::Relaxed);
            h.released += s.released.load(Ordering::Relaxed);
            h.errors += s.errors.load(Ordering::Relaxed);
        }
        h
    }
}

/// Polls `store` until `pred` holds for the job's state (or panics after
/// `within`).
fn wait_until(
    store: &dyn ObjectStore,
    job: &JobId,
    within: Duration,
    what: &str,
    pred: impl Fn(&JobState) -> bool,
) -> JobState {
    let deadline = Instant::now() + within;
    loop {
        if let Ok(Some(state)) = load_state(store, job) {
            if pred(&state) {
                return state;
            }
            assert!(
                Instant::now() < deadline,
                "waited {within:?} for {what}: {state:#?}"
            );
        } else {
            assert!(Instant::now() < deadline, "waited {within:?} for {what}");
        }
        std::thread::sleep(POLL);
    }
}

/// Waits for the job to end and for every unit to settle: a duplicate
/// delivery that started before the job ended (its message redelivered
/// while the first run was still going) is still running then, and records
/// its outcome moments later.
fn wait_settled(store: &dyn ObjectStore, job: &JobId) -> JobState {
    wait_for_job(store, job, Duration::from_secs(45), POLL).unwrap();
    wait_until(
        store,
        job,
        Duration::from_secs(30),
        "every unit to settle",
        |s| {
            Stage::ALL.into_iter().all(|stage| {
                let st = s.stage(stage);
                st.status != StageStatus::Running
                    && st
                        .shards
                        .values()
                        .all(|sh| sh.status != StageStatus::Running)
            })
        },
    )
}

/// Attempts recorded per stage (shards and fan-in summed).
fn attempts(state: &JobState) -> BTreeMap<Stage, u32> {
    Stage::ALL
        .into_iter()
        .map(|s| {
            let st = state.stage(s);
            (
                s,
                st.attempts + st.shards.values().map(|sh| sh.attempts).sum::<u32>(),
            )
        })
        .collect()
}

/// The units whose recorded attempts exceed one, as `stage[ shard i| fan-in] xN`.
fn repeated(state: &JobState) -> Vec<String> {
    let mut out = Vec::new();
    for stage in Stage::ALL {
        let st = state.stage(stage);
        for (i, sh) in &st.shards {
            if sh.attempts > 1 {
                out.push(format!("{stage} shard {i} x{}", sh.attempts));
            }
        }
        if st.attempts > 1 {
            let what = if st.fan_out.is_some() { " fan-in" } else { "" };
            out.push(format!("{stage}{what} x{}", st.attempts));
        }
    }
    out
}

/// The checks every surviving job must pass: succeeded; every unit
/// recorded once as succeeded; the artifacts byte-identical to the
/// in-process run's; one `job.completed`; unique event sequence numbers;
/// no dead letter; every stage queue drained. Returns the event producers
/// whose events came from more than one attempt (a unit that ran again).
fn assert_survived(
    d: &Deployment,
    observer: &dyn ObjectStore,
    job: &JobId,
    state: &JobState,
) -> Vec<String> {
    assert_eq!(state.status, JobStatus::Succeeded, "{:?}", state.error);
    for stage in Stage::ALL {
        let st = state.stage(stage);
        assert_eq!(st.status, StageStatus::Succeeded, "{stage}: {st:?}");
        if let Some(n) = st.fan_out {
            assert_eq!(st.shards.len() as u32, n, "{stage}: one record per shard");
            for (i, sh) in &st.shards {
                assert_eq!(sh.status, StageStatus::Succeeded, "{stage} shard {i}");
                assert_eq!(sh.artifacts.len(), 1, "{stage} shard {i}");
            }
        }
    }
    let (reference, ref_state) = reference_run(job, input(&fixture(), 4));
    assert_eq!(ref_state.status, JobStatus::Succeeded);
    let ours: BTreeMap<_, _> = artifacts(observer, job).into_iter().collect();
    let theirs = artifacts(&reference, job);
    assert!(theirs.iter().any(|(k, _)| k.ends_with(".docpack")));
    for (key, bytes) in &theirs {
        assert!(ours.get(key) == Some(bytes), "{key} differs or is missing");
    }
    let events = read_events(observer, job, None).unwrap();
    let terminal = events.iter().filter(|e| e.is_terminal()).count();
    assert_eq!(terminal, 1, "one job.completed event");
    let seqs: BTreeSet<u64> = events.iter().map(|e| e.sequence).collect();
    assert_eq!(
        seqs.len(),
        events.len(),
        "event sequence numbers are unique"
    );
    let mut by_producer: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for e in &events {
        let attempt = e.meta.idempotency_key.split(':').nth(2).unwrap_or("?");
        by_producer
            .entry(e.meta.producer.as_str())
            .or_default()
            .insert(attempt.to_string());
    }
    let dead = d
        .queues
        .dead_letter()
        .receive(10, Duration::from_millis(500), Duration::from_secs(30))
        .unwrap();
    assert!(dead.is_empty(), "{dead:?}");
    assert_queues_drain(d, Duration::from_secs(10));
    by_producer
        .into_iter()
        .filter(|(_, attempts)| attempts.len() > 1)
        .map(|(p, _)| p.to_string())
        .collect()
}

/// An S3 store over `endpoint` with the deployment's bucket and prefix.
fn store_at(endpoint: &str, d: &Deployment) -> Arc<S3Store> {
    Arc::new(
        S3Store::connect(&S3Config::local(endpoint, BUCKET).with_prefix(d.prefix.clone())).unwrap(),
    )
}

/// a. The server goes away mid-job and comes back.
///
/// moto keeps its state in memory, so killing the moto process itself
/// loses every bucket, object and queue: no job can survive that, and it is
/// not what a restart of S3/SQS looks like (their data is durable). What
/// the clients see of a restart is reproduced instead: the test starts its
/// own moto on a free port and puts the fault proxy in front of it, for S3
/// and SQS both; "killing the server" closes the proxy's listening socket
/// (connections are refused) and cuts every open connection — in-flight
/// requests, long polls, heartbeats — and after [`OUTAGE`] it listens on
/// the same port again, with moto's data intact, as a durable server that
/// restarted would. It is killed twice: while the embed shards flow (many
/// requests in flight) and while a slowed assemble runs (its heartbeats
/// fail). The job must complete with the in-process bytes, every unit
/// recorded once, one `job.completed`, nothing dead-lettered.
#[test]
#[ignore = "needs a local S3/SQS server (DOCTOWN_TEST_S3_ENDPOINT; scripts/test.sh starts moto)"]
fn the_server_killed_and_restarted_mid_job_loses_nothing() {
    const OUTAGE: Duration = Duration::from_secs(3);
    let _serial = serial();
    let started = Instant::now();
    let moto = moto::Moto::start();
    let proxy = proxy::FaultProxy::start(&moto.url);
    let d = deployment(&proxy.url(), "restart", 10, Duration::from_secs(5));
    let observer = store_at(&moto.url, &d);
    // Heartbeats every 2 s extend the lease to 6 s: longer than an outage.
    let m = machine(2, Duration::from_secs(2));
    let workers = Workers::spawn(
        d.store.clone(),
        &d.queues,
        &m,
        2,
        Some((Stage::Assemble, Duration::from_secs(3))),
        |_| Duration::from_secs(5),
    );
    let job = submit_fixture(&d, &m, "restarted");

    wait_until(
        observer.as_ref(),
        &job,
        Duration::from_secs(30),
        "embed shards",
        |s| {
            s.stage(Stage::Embed)
                .shards
                .values()
                .any(|sh| sh.attempts > 0)
        },
    );
    let first_kill = Instant::now();
    proxy.kill();
    std::thread::sleep(OUTAGE);
    proxy.restart();
    wait_until(
        observer.as_ref(),
        &job,
        Duration::from_secs(30),
        "assemble running",
        |s| s.stage(Stage::Assemble).status == StageStatus::Running,
    );
    std::thread::sleep(Duration::from_millis(500));
    proxy.kill();
    std::thread::sleep(OUTAGE);
    proxy.restart();
    let state = wait_settled(observer.as_ref(), &job);
    let done = first_kill.elapsed();
    let runs = workers.runs();
    let handled = workers.stop();
    let rerun = assert_survived(&d, observer.as_ref(), &job, &state);
    let stats = proxy.summary();
    let recorded = attempts(&state);
    println!(
        "restart: 2 outages of {OUTAGE:?}; {} requests cut in flight; {} SDK retries reached the \
         server; workers: {handled:?}; job done {:.1} s after the first kill; attempts recorded \
         {recorded:?} (repeated units {:?}); fake handler runs {runs:?}; producers with events from >1 attempt {rerun:?}; \
         test {:.1} s",
        stats.cut,
        stats.retries,
        done.as_secs_f64(),
        repeated(&state),
        started.elapsed().as_secs_f64(),
    );
    assert!(stats.cut > 0, "the kills cut requests in flight: {stats:?}");
    assert!(
        handled.errors > 0,
        "the workers saw the outages: {handled:?}"
    );
    // Every run is recorded. A start can be recorded without a run: when
    // the kill cuts the answer to the compare-and-swap that records it, the
    // worker gives the message back and the next delivery starts again.
    for (stage, n) in &runs {
        assert!(recorded[stage] >= *n, "{stage}: {recorded:?} {runs:?}");
    }
    for stage in Stage::ALL {
        let max = m.spec(stage).retry.total_attempts();
        let st = state.stage(stage);
        assert!(st.attempts <= max, "{stage}: {st:?}");
        assert!(
            st.shards.values().all(|sh| sh.attempts <= max),
            "{stage}: {st:?}"
        );
    }
}

/// b. For [`STORM`] from the moment ingest is done (the embed fan-out, the
/// busiest phase, follows), S3 answers every call's first attempt with
/// `503 SlowDown` and its second with `500 InternalError` (S3's XML error
/// bodies), and only a third attempt gets through; then everything is
/// forwarded again. Only the workers' S3 traffic goes through the proxy
/// (SQS and the test's own reads go to moto directly). The S3 client's
/// standard retry mode (3 attempts, exponential backoff with full jitter:
/// up to 1 s, then up to 2 s) must ride it out on its own: every faulted
/// call recovers, no message needs a retry by the worker, and the job
/// completes with the in-process bytes.
#[test]
#[ignore = "needs a local S3/SQS server (DOCTOWN_TEST_S3_ENDPOINT; scripts/test.sh starts moto)"]
fn s3_slowdown_and_internal_errors_are_retried_with_backoff() {
    const STORM: Duration = Duration::from_secs(4);
    let _serial = serial();
    let started = Instant::now();
    let endpoint = endpoint("s3_faults");
    let proxy = proxy::FaultProxy::start(&endpoint);
    let d = deployment(&endpoint, "slowdown", 10, Duration::from_secs(5));
    let via_proxy = store_at(&proxy.url(), &d);
    let m = machine(2, Duration::from_secs(1));
    let workers = Workers::spawn(via_proxy, &d.queues, &m, 3, None, |_| {
        Duration::from_secs(5)
    });
    let submitted = Instant::now();
    let job = submit_fixture(&d, &m, "slowdown");
    wait_until(
        d.store.as_ref(),
        &job,
        Duration::from_secs(30),
        "ingest done",
        |s| s.stage(Stage::Ingest).status == StageStatus::Succeeded,
    );
    proxy.fail_for(STORM, 2);
    let state = wait_settled(d.store.as_ref(), &job);
    let took = submitted.elapsed();
    let runs = workers.runs();
    let handled = workers.stop();
    let rerun = assert_survived(&d, d.store.as_ref(), &job, &state);
    let stats = proxy.summary();
    let recorded = attempts(&state);
    println!(
        "slowdown: {STORM:?} of faults (attempts 1 and 2 of each call): {} x 503 SlowDown + {} x 500 InternalError \
         of {} requests; {} SDK retries; {} invocations recovered by the SDK, {} gave up to the \
         worker; backoff between attempts min {:?} median {:?} max {:?}; workers: {handled:?}; job \
         took {:.1} s; attempts recorded {recorded:?} (repeated units {:?}); fake handler runs {runs:?}; producers with \
         events from >1 attempt {rerun:?}; test {:.1} s",
        stats.slowdown,
        stats.internal,
        stats.requests,
        stats.retries,
        stats.recovered,
        stats.exhausted,
        stats.backoff_min,
        stats.backoff_median,
        stats.backoff_max,
        took.as_secs_f64(),
        repeated(&state),
        started.elapsed().as_secs_f64(),
    );
    assert!(stats.slowdown > 0 && stats.internal > 0, "{stats:?}");
    assert!(stats.retries > 0, "the SDK retried: {stats:?}");
    assert!(stats.recovered > 0, "calls succeeded on a retry: {stats:?}");
    assert_eq!(stats.exhausted, 0, "the SDK rode it out: {stats:?}");
    assert_eq!(handled.released, 0, "no worker-level retry: {handled:?}");
    // Slow calls widen the window between a shard's record and the next
    // step. Deciding the fan-in from the state a shard's own record wrote
    // made repeated fan-ins rarer, not impossible: about one run in six
    // still sends three (printed above as repeated units; the job and its
    // bytes stay right, as `assert_survived` checks). Sending the fan-in
    // exactly once needs a claim in the state document — an open issue.
    assert!(
        stats.backoff_max >= Duration::from_millis(50),
        "the SDK backs off between attempts: {stats:?}"
    );
}

/// c. The visibility timeout lapses while a worker still works: assemble's
/// workers receive with a 1 s visibility timeout, the machine's heartbeat
/// (which would extend it) is 10 s, and assemble takes 3 s — so the message
/// comes back after 1 s and the second assemble worker runs the unit too.
/// The duplicate must be harmless: the job completes once, with the
/// in-process bytes and a consistent state document.
#[test]
#[ignore = "needs a local S3/SQS server (DOCTOWN_TEST_S3_ENDPOINT; scripts/test.sh starts moto)"]
fn a_lapsed_visibility_timeout_makes_a_harmless_duplicate() {
    let _serial = serial();
    let started = Instant::now();
    let endpoint = endpoint("visibility");
    let d = deployment(&endpoint, "lapse", 10, Duration::from_secs(5));
    let m = machine(2, Duration::from_secs(10));
    let workers = Workers::spawn(
        d.store.clone(),
        &d.queues,
        &m,
        2,
        Some((Stage::Assemble, Duration::from_secs(3))),
        |s| Duration::from_secs(if s == Stage::Assemble { 1 } else { 5 }),
    );
    let job = submit_fixture(&d, &m, "lapsed");
    let state = wait_for_job(d.store.as_ref(), &job, Duration::from_secs(45), POLL).unwrap();
    // A late duplicate, if any, would show up now.
    std::thread::sleep(Duration::from_secs(2));
    let after = wait_settled(d.store.as_ref(), &job);
    let runs = workers.runs();
    let handled = workers.stop();
    let rerun = assert_survived(&d, d.store.as_ref(), &job, &after);
    let recorded = attempts(&after);
    println!(
        "visibility: assemble ran {} times (attempts recorded {}); attempts {recorded:?} (repeated units {:?}); fake \
         handler runs {runs:?}; workers: {handled:?}; state written after the job ended: {}; \
         producers with events from >1 attempt {rerun:?}; test {:.1} s",
        runs[&Stage::Assemble],
        after.stage(Stage::Assemble).attempts,
        repeated(&after),
        after.updated_at != state.updated_at,
        started.elapsed().as_secs_f64(),
    );
    assert_eq!(
        runs[&Stage::Assemble],
        2,
        "the message came back once while the first run worked"
    );
    assert_eq!(
        after.stage(Stage::Assemble).attempts,
        2,
        "both runs recorded"
    );
    for stage in [Stage::Generate, Stage::Pack] {
        assert_eq!(runs[&stage], 1, "{stage} ran once");
        assert_eq!(after.stage(stage).attempts, 1, "{stage} ran once");
    }
    // The second run may record its (identical) outcome after the job
    // ended; the job stays as it ended.
    assert_eq!(after.status, JobStatus::Succeeded, "{:?}", after.error);
    for stage in Stage::ALL {
        assert_eq!(
            after.stage(stage).artifacts,
            state.stage(stage).artifacts,
            "{stage}"
        );
    }
}

/// d. The state document is deleted while assemble (slowed to 3 s) runs.
/// Nothing can recreate it (only `submit_job` creates state documents), so
/// the job cannot go on: the run's outcome cannot be recorded, and the
/// message must go to the dead-letter queue with a reason naming the
/// missing state — within a bounded time, without a retry loop — and the
/// workers must stay healthy (a later job completes).
#[test]
#[ignore = "needs a local S3/SQS server (DOCTOWN_TEST_S3_ENDPOINT; scripts/test.sh starts moto)"]
fn a_deleted_state_document_fails_clearly() {
    let _serial = serial();
    let started = Instant::now();
    let endpoint = endpoint("state_deleted");
    let d = deployment(&endpoint, "vanish", 10, Duration::from_secs(5));
    let m = machine(2, Duration::from_secs(1));
    let workers = Workers::spawn(
        d.store.clone(),
        &d.queues,
        &m,
        1,
        Some((Stage::Assemble, Duration::from_secs(3))),
        |_| Duration::from_secs(5),
    );
    let job = submit_fixture(&d, &m, "vanishing");
    wait_until(
        d.store.as_ref(),
        &job,
        Duration::from_secs(30),
        "assemble running",
        |s| s.stage(Stage::Assemble).status == StageStatus::Running,
    );
    d.store
        .delete(&doctown_core::state::state_key(&job))
        .unwrap();
    let deleted = Instant::now();

    let waited = wait_for_job(d.store.as_ref(), &job, Duration::from_secs(5), POLL);
    assert!(
        matches!(&waited, Err(doctown_worker::WorkerError::UnknownJob(j)) if j == &job),
        "{waited:?}"
    );
    let dlq = d.queues.dead_letter();
    let letter = loop {
        let got = dlq
            .receive(1, Duration::from_millis(500), Duration::from_secs(30))
            .unwrap();
        if let Some(m) = got.into_iter().next() {
            dlq.delete(&m.receipt).unwrap();
            break DeadLetter::parse(&m.body);
        }
        assert!(
            deleted.elapsed() < Duration::from_secs(30),
            "no dead letter 30 s after the state document was deleted"
        );
    };
    let time_to_fail = deleted.elapsed();
    assert_eq!(letter.job_id.as_ref(), Some(&job), "{letter:?}");
    assert!(
        letter.reason.contains("state.json") && letter.reason.contains("not found"),
        "the reason names the missing state: {letter:?}"
    );
    assert!(letter.body.contains("\"stage\":\"assemble\""), "{letter:?}");

    // Nothing loops on the lost job, and the workers still work.
    let later = submit_fixture(&d, &m, "after-vanishing");
    let state = wait_for_job(d.store.as_ref(), &later, Duration::from_secs(30), POLL).unwrap();
    assert_eq!(state.status, JobStatus::Succeeded, "{:?}", state.error);
    let runs = workers.runs();
    let handled = workers.stop();
    let more = dlq
        .receive(10, Duration::from_millis(500), Duration::from_secs(30))
        .unwrap();
    assert!(more.is_empty(), "one dead letter only: {more:?}");
    assert_queues_drain(&d, Duration::ZERO);
    println!(
        "state deleted: dead-lettered {:.1} s after the deletion (assemble had ~3 s left to run), \
         reason {:?}; fake handler runs (both jobs) {runs:?}; workers: {handled:?}; test {:.1} s",
        time_to_fail.as_secs_f64(),
        letter.reason,
        started.elapsed().as_secs_f64(),
    );
    assert!(time_to_fail < Duration::from_secs(15), "{time_to_fail:?}");
}

/// A moto server of the test's own, on a free port, from the virtualenv
/// `scripts/start-moto.sh` installs (`$DOCTOWN_CACHE/venv-moto`).
mod moto {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::path::PathBuf;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    pub struct Moto {
        pub url: String,
        child: Child,
    }

    impl Moto {
        pub fn start() -> Moto {
            let cache = std::env::var_os("DOCTOWN_CACHE")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/doctown")
                });
            let server = cache.join("venv-moto/bin/moto_server");
            assert!(
                server.exists(),
                "{} is missing: run `bash scripts/start-moto.sh` once (it installs moto)",
                server.display()
            );
            let port = TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let child = Command::new(&server)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start moto_server");
            let mut moto = Moto {
                url: format!("http://127.0.0.1:{port}"),
                child,
            };
            let deadline = Instant::now() + Duration::from_secs(30);
            while !answers(port) {
                if let Ok(Some(status)) = moto.child.try_wait() {
                    panic!("moto_server exited: {status}");
                }
                assert!(
                    Instant::now() < deadline,
                    "moto did not answer on port {port}"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
            moto
        }
    }

    fn answers(port: u16) -> bool {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        if s.write_all(b"GET /moto-api/ HTTP/1.0\r\nHost: localhost\r\n\r\n")
            .is_err()
        {
            return false;
        }
        let mut head = [0u8; 12];
        s.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") && &head[9..12] == b"200"
    }

    impl Drop for Moto {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The fault-injecting HTTP/1.1 proxy (see the module doc).
mod proxy {
    use std::collections::{BTreeMap, HashMap};
    use std::io::{self, BufRead, BufReader, Write};
    use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};
    use std::thread::JoinHandle;
    use std::time::{Duration, Instant};

    /// What became of one request.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Outcome {
        /// Answered `503 SlowDown` by the proxy.
        SlowDown,
        /// Answered `500 InternalError` by the proxy.
        InternalError,
        /// Forwarded; moto's status.
        Forwarded(u16),
        /// Cut by a kill before a full response.
        Cut,
    }

    #[derive(Debug, Clone)]
    pub struct Request {
        pub at: Instant,
        pub invocation: Option<String>,
        pub attempt: u32,
        pub outcome: Outcome,
    }

    /// Counts over the request log.
    #[derive(Debug, Default)]
    pub struct Summary {
        pub requests: usize,
        pub slowdown: usize,
        pub internal: usize,
        pub cut: usize,
        /// Requests that were an SDK retry (`attempt` > 1).
        pub retries: usize,
        /// Invocations that failed at least once and then got a response
        /// from moto (the SDK's retries recovered them).
        pub recovered: usize,
        /// Invocations whose every attempt failed (the error reached the
        /// caller, i.e. the worker).
        pub exhausted: usize,
        /// Time between a failed attempt and the next attempt of the same
        /// invocation.
        pub backoff_min: Duration,
        pub backoff_median: Duration,
        pub backoff_max: Duration,
    }

    #[derive(Default)]
    struct Faults {
        until: Option<Instant>,
        /// Attempts of a call (`amz-sdk-request: attempt=N`) below and
        /// including this one get a fault.
        attempts: u32,
    }

    struct Shared {
        upstream: SocketAddr,
        port: u16,
        stop: AtomicBool,
        down: AtomicBool,
        listening: AtomicBool,
        faults: Mutex<Faults>,
        conns: Mutex<HashMap<u64, TcpStream>>,
        next_conn: AtomicU64,
        log: Mutex<Vec<Request>>,
    }

    pub struct FaultProxy {
        shared: Arc<Shared>,
        accept: Option<JoinHandle<()>>,
    }

    impl FaultProxy {
        /// A proxy on a free loopback port forwarding to `upstream`
        /// (`http://host:port`).
        pub fn start(upstream: &str) -> FaultProxy {
            let authority = upstream.trim_start_matches("http://").trim_end_matches('/');
            let upstream = authority
                .to_socket_addrs()
                .unwrap()
                .next()
                .expect("upstream address");
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let shared = Arc::new(Shared {
                upstream,
                port: listener.local_addr().unwrap().port(),
                stop: AtomicBool::new(false),
                down: AtomicBool::new(false),
                listening: AtomicBool::new(true),
                faults: Mutex::new(Faults::default()),
                conns: Mutex::new(HashMap::new()),
                next_conn: AtomicU64::new(0),
                log: Mutex::new(Vec::new()),
            });
            let s = shared.clone();
            let accept = std::thread::spawn(move || accept_loop(s, listener));
            FaultProxy {
                shared,
                accept: Some(accept),
            }
        }

        pub fn url(&self) -> String {
            format!("http://127.0.0.1:{}", self.shared.port)
        }

        /// For `d` from now, answers the first `attempts` attempts of every
        /// call with an S3 error: odd attempts `503 SlowDown`, even ones
        /// `500 InternalError`. A client that tries more often gets through.
        pub fn fail_for(&self, d: Duration, attempts: u32) {
            *self.shared.faults.lock().unwrap() = Faults {
                until: Some(Instant::now() + d),
                attempts,
            };
        }

        /// The server goes away: the listening socket is closed (new
        /// connections are refused) and every open connection is cut.
        pub fn kill(&self) {
            self.shared.down.store(true, Ordering::SeqCst);
            while self.shared.listening.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(1));
            }
            self.shared.cut_all();
        }

        /// The server is back, on the same port.
        pub fn restart(&self) {
            self.shared.down.store(false, Ordering::SeqCst);
            while !self.shared.listening.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(1));
            }
        }

        pub fn requests(&self) -> Vec<Request> {
            self.shared.log.lock().unwrap().clone()
        }

        pub fn summary(&self) -> Summary {
            let log = self.requests();
            let mut s = Summary {
                requests: log.len(),
                ..Summary::default()
            };
            let mut by_invocation: BTreeMap<&str, Vec<&Request>> = BTreeMap::new();
            for r in &log {
                match r.outcome {
                    Outcome::SlowDown => s.slowdown += 1,
                    Outcome::InternalError => s.internal += 1,
                    Outcome::Cut => s.cut += 1,
                    Outcome::Forwarded(_) => {}
                }
                if r.attempt > 1 {
                    s.retries += 1;
                }
                if let Some(id) = &r.invocation {
                    by_invocation.entry(id).or_default().push(r);
                }
            }
            let mut gaps = Vec::new();
            for attempts in by_invocation.values_mut() {
                attempts.sort_by_key(|r| (r.attempt, r.at));
                let failed = |r: &Request| !matches!(r.outcome, Outcome::Forwarded(_));
                if !attempts.iter().any(|r| failed(r)) {
                    continue;
                }
                if attempts.last().is_some_and(|r| failed(r)) {
                    s.exhausted += 1;
                } else {
                    s.recovered += 1;
                }
                for w in attempts.windows(2) {
                    if failed(w[0]) {
                        gaps.push(w[1].at.saturating_duration_since(w[0].at));
                    }
                }
            }
            gaps.sort();
            if !gaps.is_empty() {
                s.backoff_min = gaps[0];
                s.backoff_median = gaps[gaps.len() / 2];
                s.backoff_max = gaps[gaps.len() - 1];
            }
            s
        }
    }

    impl Drop for FaultProxy {
        fn drop(&mut self) {
            self.shared.stop.store(true, Ordering::SeqCst);
            if let Some(t) = self.accept.take() {
                let _ = t.join();
            }
            self.shared.cut_all();
        }
    }

    impl Shared {
        fn register(&self, stream: &TcpStream) -> Option<u64> {
            let id = self.next_conn.fetch_add(1, Ordering::SeqCst);
            let clone = stream.try_clone().ok()?;
            self.conns.lock().unwrap().insert(id, clone);
            Some(id)
        }

        fn unregister(&self, id: Option<u64>) {
            if let Some(id) = id {
                self.conns.lock().unwrap().remove(&id);
            }
        }

        fn cut_all(&self) {
            for (_, s) in self.conns.lock().unwrap().drain() {
                let _ = s.shutdown(Shutdown::Both);
            }
        }

        /// The fault to answer attempt `attempt` of a call with, if any.
        fn fault(&self, attempt: u32) -> Option<Outcome> {
            let f = self.faults.lock().unwrap();
            if f.until.is_none_or(|u| Instant::now() >= u) || attempt > f.attempts {
                return None;
            }
            Some(if attempt % 2 == 1 {
                Outcome::SlowDown
            } else {
                Outcome::InternalError
            })
        }

        fn record(&self, invocation: Option<String>, attempt: u32, outcome: Outcome) {
            self.log.lock().unwrap().push(Request {
                at: Instant::now(),
                invocation,
                attempt,
                outcome,
            });
        }
    }

    fn accept_loop(shared: Arc<Shared>, first: TcpListener) {
        first.set_nonblocking(true).unwrap();
        let mut listener = Some(first);
        while !shared.stop.load(Ordering::SeqCst) {
            if shared.down.load(Ordering::SeqCst) {
                listener = None; // closed: connections are refused
                shared.listening.store(false, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
            let Some(l) = &listener else {
                // std sets SO_REUSEADDR, so the port can be bound again at once.
                match TcpListener::bind(("127.0.0.1", shared.port)) {
                    Ok(l) => {
                        l.set_nonblocking(true).unwrap();
                        listener = Some(l);
                        shared.listening.store(true, Ordering::SeqCst);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
                continue;
            };
            match l.accept() {
                Ok((stream, _)) => {
                    let s = shared.clone();
                    std::thread::spawn(move || {
                        let _ = stream.set_nonblocking(false);
                        let id = s.register(&stream);
                        let _ = serve(&s, &stream);
                        s.unregister(id);
                        let _ = stream.shutdown(Shutdown::Both);
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }

    /// Reads an HTTP head (through the blank line); `None` at a clean EOF.
    fn read_head(reader: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
        let mut head = Vec::new();
        loop {
            let before = head.len();
            let n = reader.read_until(b'\n', &mut head)?;
            if n == 0 {
                return if head.is_empty() {
                    Ok(None)
                } else {
                    Err(io::ErrorKind::UnexpectedEof.into())
                };
            }
            let line = &head[before..];
            if line == b"\r\n" || line == b"\n" {
                return Ok(Some(head));
            }
            if head.len() > 256 * 1024 {
                return Err(io::Error::other("head too large"));
            }
        }
    }

    /// The head with its `Connection` header replaced by `Connection: close`.
    fn closing(head: &[u8]) -> Vec<u8> {
        let text = String::from_utf8_lossy(head);
        let mut out = String::new();
        for line in text.split_inclusive('\n') {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("connection:") || lower.starts_with("keep-alive:") {
                continue;
            }
            if line == "\r\n" || line == "\n" {
                out.push_str("Connection: close\r\n");
            }
            out.push_str(line);
        }
        out.into_bytes()
    }

    fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
        head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    fn serve(shared: &Shared, client: &TcpStream) -> io::Result<()> {
        client.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut reader = BufReader::new(client.try_clone()?);
        let Some(head) = read_head(&mut reader)? else {
            return Ok(());
        };
        if shared.down.load(Ordering::SeqCst) {
            return Ok(()); // accepted just before a kill
        }
        let text = String::from_utf8_lossy(&head).into_owned();
        let method = text.split_whitespace().next().unwrap_or("").to_string();
        let invocation = header(&text, "amz-sdk-invocation-id").map(str::to_string);
        let attempt = header(&text, "amz-sdk-request")
            .and_then(|v| {
                v.split(';')
                    .find_map(|p| p.trim().strip_prefix("attempt=")?.parse().ok())
            })
            .unwrap_or(1);

        if let Some(fault) = shared.fault(attempt) {
            let (status, reason, code, message) = match fault {
                Outcome::SlowDown => (
                    503,
                    "Slow Down",
                    "SlowDown",
                    "Please reduce your request rate.",
                ),
                _ => (
                    500,
                    "Internal Server Error",
                    "InternalError",
                    "We encountered an internal error. Please try again.",
                ),
            };
            let id = format!("FAULT{:08}", shared.next_conn.load(Ordering::SeqCst));
            let body = if method == "HEAD" {
                String::new()
            } else {
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>\
                     <Message>{message}</Message><RequestId>{id}</RequestId></Error>"
                )
            };
            shared.record(invocation, attempt, fault);
            let mut w = client;
            write!(
                w,
                "HTTP/1.1 {status} {reason}\r\nContent-Type: application/xml\r\n\
                 Content-Length: {}\r\nx-amz-request-id: {id}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )?;
            w.flush()?;
            // Read what the client still sends (the body), so that closing
            // does not reset the connection under the answer.
            client.shutdown(Shutdown::Write)?;
            client.set_read_timeout(Some(Duration::from_secs(2)))?;
            let _ = io::copy(&mut reader, &mut io::sink());
            return Ok(());
        }

        let result = forward(shared, client, reader, &head);
        let outcome = match result {
            Ok(status) => Outcome::Forwarded(status),
            Err(_) => Outcome::Cut,
        };
        shared.record(invocation, attempt, outcome);
        Ok(())
    }

    /// Sends the request to moto on a new connection (`Connection: close`)
    /// and the answer back; moto's status.
    fn forward(
        shared: &Shared,
        client: &TcpStream,
        mut reader: BufReader<TcpStream>,
        head: &[u8],
    ) -> io::Result<u16> {
        let upstream = TcpStream::connect(shared.upstream)?;
        let id = shared.register(&upstream);
        let result = (|| {
            upstream.set_read_timeout(Some(Duration::from_secs(60)))?;
            (&upstream).write_all(&closing(head))?;
            // The body (and anything else the client sends) follows as is.
            let mut to_upstream = upstream.try_clone()?;
            let pump = std::thread::spawn(move || {
                let _ = io::copy(&mut reader, &mut to_upstream);
            });
            let mut from_upstream = BufReader::new(upstream.try_clone()?);
            let answer = (|| {
                let head = read_head(&mut from_upstream)?
                    .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
                let status = String::from_utf8_lossy(&head)
                    .split_whitespace()
                    .nth(1)
                    .and_then(|s| s.parse::<u16>().ok())
                    .ok_or_else(|| io::Error::other("bad status line"))?;
                let mut w = client;
                w.write_all(&closing(&head))?;
                // Connection: close upstream: the body ends at EOF.
                io::copy(&mut from_upstream, &mut w)?;
                w.flush()?;
                if shared.down.load(Ordering::SeqCst) {
                    return Err(io::Error::other("cut"));
                }
                Ok(status)
            })();
            let _ = client.shutdown(Shutdown::Both);
            let _ = upstream.shutdown(Shutdown::Both);
            let _ = pump.join();
            answer
        })();
        shared.unregister(id);
        result
    }
}
