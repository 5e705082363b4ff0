//! A job submitted over HTTP to a trigger with a [`QueueLauncher`] runs on
//! the distributed path (S3 + SQS on moto, worker threads per stage with the
//! real stage handlers) and its docpack, downloaded over HTTP, is
//! byte-identical to the one the in-process `Runner` builds with the same
//! handlers and the same job input.
//!
//! Needs moto (`DOCTOWN_TEST_S3_ENDPOINT`, see `scripts/start-moto.sh`) and
//! the embedding model (`scripts/fetch-model.sh`; `EmbedConfig::from_env()`
//! finds it), so it is ignored by a plain `cargo test`; `scripts/test.sh`
//! provides both and runs it with `--include-ignored`. Run without either,
//! it fails rather than pass.

use doctown_core::{JobId, JobInput, JobState, JobStatus, Stage};
use doctown_embed::EmbedConfig;
use doctown_pipeline::{CancelToken, JitterStrategy, Machine, RetryPolicy, Runner};
use doctown_queue::{QueueNames, QueueSet, SqsConfig, SqsConnection};
use doctown_stages::{Stages, StagesConfig};
use doctown_store::{LocalStore, ObjectStore};
use doctown_store_s3::{S3Config, S3Store};
use doctown_trigger::{AppState, JobLauncher, QueueLauncher, TriggerConfig};
use doctown_worker::{run_worker, WorkerConfig};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

const BUCKET: &str = "doctown-trigger-tests";
const WAIT: Duration = Duration::from_secs(600);

fn endpoint(test: &str) -> String {
    match std::env::var("DOCTOWN_TEST_S3_ENDPOINT") {
        Ok(e) if !e.is_empty() => e,
        _ => panic!(
            "{test} needs a local S3/SQS server: DOCTOWN_TEST_S3_ENDPOINT is not set \
             (run `bash scripts/start-moto.sh` and export what it prints, or scripts/test.sh)"
        ),
    }
}

fn unique(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{test}-{}-{}", std::process::id(), nanos % 1_000_000_000)
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../cli/tests/fixtures/multilang")
}

/// The real stage configuration, with the real embedder: a missing model
/// fails the test (it would otherwise compare two runs without embeddings).
fn stages_config() -> StagesConfig {
    let config = StagesConfig {
        embed: EmbedConfig::from_env().expect("embed configuration"),
        ..StagesConfig::default()
    };
    let model = config.embed.model_dir.join("model.onnx");
    assert!(
        config.embed.enabled && model.is_file() && config.embed.runtime_lib.is_file(),
        "this test needs the embedding model at {} and ONNX Runtime at {} \
         (run scripts/fetch-model.sh; scripts/env.sh sets DOCTOWN_MODEL_DIR and DOCTOWN_ORT_LIB), \
         with embeddings on (DOCTOWN_EMBEDDINGS is not `off`)",
        model.display(),
        config.embed.runtime_lib.display()
    );
    config
}

/// Fast retries and heartbeats, as in the worker tests.
fn machine() -> Machine {
    Machine::standard()
        .with_timeouts(Duration::from_secs(300), Duration::from_secs(2))
        .with_retry_all(RetryPolicy {
            interval: Duration::from_secs(1),
            max_attempts: 2,
            backoff_rate: 1.0,
            max_delay: Duration::from_secs(1),
            jitter: JitterStrategy::None,
        })
}

fn get_json(url: &str) -> serde_json::Value {
    let mut response = ureq::get(url).call().unwrap();
    serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap()
}

/// The docpack the in-process `Runner` builds for `job` with the same
/// handlers and input, on a local store.
fn reference_docpack(config: &StagesConfig, job: &JobId, input: JobInput) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path()).unwrap();
    let stages = Stages::new(config.clone());
    let runner = Runner::new(&store, stages.handlers());
    runner.submit(job.clone(), input).unwrap();
    let state: JobState = runner.run(job).unwrap();
    assert_eq!(state.status, JobStatus::Succeeded, "{:?}", state.error);
    let key = state
        .stage(Stage::Pack)
        .artifacts
        .values()
        .find(|k| k.ends_with(".docpack"))
        .cloned()
        .expect("the reference run has a docpack");
    store.get(&key).unwrap().unwrap().bytes
}

#[test]
#[ignore = "needs a local S3/SQS server (DOCTOWN_TEST_S3_ENDPOINT; scripts/test.sh starts moto) and the embedding model"]
fn a_job_posted_over_http_runs_on_the_queues_with_the_in_process_bytes() {
    let endpoint = endpoint("queue_launcher");
    let config = stages_config();
    let name = unique("qlaunch");
    let s3 =
        S3Store::connect(&S3Config::local(&endpoint, BUCKET).with_prefix(name.clone())).unwrap();
    s3.ensure_bucket().unwrap();
    let s3: Arc<dyn ObjectStore> = Arc::new(s3);
    let store: Arc<dyn ObjectStore> = s3.clone();
    let conn = SqsConnection::connect(&SqsConfig::local(&endpoint)).unwrap();
    let queues = QueueSet::sqs(
        &conn,
        &QueueNames::new(format!("q-{name}")),
        5,
        Duration::from_secs(10),
    )
    .unwrap();
    let m = machine();

    // One worker thread per stage, each with its own real handlers.
    let stop = CancelToken::default();
    let workers: Vec<_> = Stage::ALL
        .into_iter()
        .map(|stage| {
            let (store, queues, stop, config, m) = (
                s3.clone(),
                queues.clone(),
                stop.clone(),
                config.clone(),
                m.clone(),
            );
            std::thread::spawn(move || {
                let mut wc = WorkerConfig::new(&[stage]);
                wc.wait = Duration::from_millis(500);
                wc.visibility = Duration::from_secs(10);
                wc.machine = m;
                let stages = Stages::new(config);
                run_worker(&wc, &stages.handlers(), store.as_ref(), &queues, &stop).unwrap();
            })
        })
        .collect();

    let launcher = Arc::new(QueueLauncher::new(store.clone(), queues.clone()).with_machine(m));
    assert_eq!(launcher.stages(), Stage::ALL.to_vec());
    let trigger = TriggerConfig {
        allow_local: true,
        ..TriggerConfig::default()
    };
    let state = AppState::new(store.clone(), launcher.clone(), trigger);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_server, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = runtime.spawn(doctown_trigger::serve_listener(listener, state, async {
        let _ = stopped.await;
    }));
    let base = format!("http://{addr}");

    let source = fixture().canonicalize().unwrap();
    let mut response = ureq::post(&format!("{base}/jobs"))
        .config()
        .http_status_as_error(false)
        .build()
        .send_json(serde_json::json!({ "repo_url": source.display().to_string() }))
        .unwrap();
    let status = response.status();
    let created: serde_json::Value =
        serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(status, 202, "{created}");
    let job = JobId::new(created["job_id"].as_str().unwrap()).unwrap();

    let started = Instant::now();
    let finished = loop {
        let body = get_json(&format!("{base}/jobs/{job}"));
        let status = body["status"].as_str().unwrap_or_default().to_string();
        if ["succeeded", "failed", "cancelled"].contains(&status.as_str()) {
            break body;
        }
        assert!(
            started.elapsed() < WAIT,
            "job {job} did not finish in {WAIT:?}: {body}"
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_eq!(finished["status"], "succeeded", "{finished}");
    let embed = finished["stages"]["embed"]["status"].clone();
    eprintln!("queue_launcher: embed stage {embed}");
    if config.embed.enabled {
        assert_eq!(embed, "succeeded", "{finished}");
    }

    let mut response = ureq::get(&format!("{base}/jobs/{job}/docpack"))
        .call()
        .unwrap();
    assert_eq!(response.status(), 200);
    let downloaded = response
        .body_mut()
        .with_config()
        .limit(u64::MAX)
        .read_to_vec()
        .unwrap();
    let health = get_json(&format!("{base}/health"));
    assert_eq!(health["stages"].as_array().unwrap().len(), 5, "{health}");

    stop_server.send(()).unwrap();
    runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(10), server).await })
        .unwrap()
        .unwrap()
        .unwrap();
    drop(runtime);
    stop.cancel();
    for w in workers {
        w.join().unwrap();
    }

    // The input as the trigger built it (the stored state), run in-process.
    let input: JobInput = serde_json::from_value(finished["input"].clone()).unwrap();
    assert!(input.options.is_empty(), "{:?}", input.options);
    let reference = reference_docpack(&config, &job, input);
    assert!(!downloaded.is_empty());
    assert!(
        downloaded == reference,
        "the docpack from the queues ({} bytes) differs from the in-process one ({} bytes)",
        downloaded.len(),
        reference.len()
    );
}
