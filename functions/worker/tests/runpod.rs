//! The RunPod worker protocol and the dispatcher against a fake RunPod
//! server this test starts on loopback (tiny_http): take → run → post
//! output, the error path, the stop channel, heartbeats; and `/run` +
//! `/status` for the dispatcher, with the SQS message acknowledged only
//! once the state document shows the unit done.

mod common;

use common::*;
use doctown_core::{JobId, JobState, Stage, StageStatus};
use doctown_pipeline::{CancelToken, StageHandler};
use doctown_queue::{QueueSet, StageMessage};
use doctown_store::{create_state, load_state, MemoryStore};
use doctown_worker::fakes::FakeStage;
use doctown_worker::runpod::{run_runpod_worker, Endpoint, RunPodEnv, RunPodExecutor};
use doctown_worker::{invoke_stage, run_loop, submit_job, RunControl, WorkerConfig};
use serde_json::{json, Value};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
struct Call {
    method: String,
    url: String,
    headers: BTreeMap<String, String>,
    body: String,
}

#[derive(Default)]
struct Shared {
    calls: Vec<Call>,
    jobs: VecDeque<Value>,
    stops: Vec<String>,
    /// Job ids whose take should be followed by a stop request.
    stop_after_take: Vec<String>,
    /// Endpoint API: RunPod job id → (pointer, status polls so far).
    remote: BTreeMap<String, (StageMessage, u32)>,
    /// Endpoint API: answer FAILED without running anything.
    fail_remote: bool,
}

struct FakeRunPod {
    port: u16,
    shared: Arc<Mutex<Shared>>,
    stop: CancelToken,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for FakeRunPod {
    fn drop(&mut self) {
        self.stop.cancel();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn respond(req: tiny_http::Request, status: u16, body: Value) {
    let text = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    let header = tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap();
    let _ = req.respond(
        tiny_http::Response::from_string(text)
            .with_status_code(status)
            .with_header(header),
    );
}

/// Starts the fake; `store` is what the fake endpoint's "remote workers" use.
fn fake_runpod(store: Arc<MemoryStore>) -> FakeRunPod {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let port = server.server_addr().to_ip().unwrap().port();
    let shared = Arc::new(Mutex::new(Shared::default()));
    let stop = CancelToken::default();
    let (s, st) = (shared.clone(), stop.clone());
    let thread = std::thread::spawn(move || {
        let ingest = doctown_ingest::IngestHandler::new(doctown_sources::GitHubConfig::default());
        while !st.is_cancelled() {
            let Ok(Some(mut req)) = server.recv_timeout(Duration::from_millis(50)) else {
                continue;
            };
            let mut body = String::new();
            let _ = req.as_reader().read_to_string(&mut body);
            let call = Call {
                method: req.method().to_string(),
                url: req.url().to_string(),
                headers: req
                    .headers()
                    .iter()
                    .map(|h| {
                        (
                            h.field.as_str().as_str().to_ascii_lowercase(),
                            h.value.to_string(),
                        )
                    })
                    .collect(),
                body,
            };
            let path = call.url.split('?').next().unwrap_or("").to_string();
            let mut sh = s.lock().unwrap();
            sh.calls.push(call.clone());
            if path.starts_with("/v2/job-take/") {
                match sh.jobs.pop_front() {
                    Some(job) => {
                        let id = job["id"].as_str().unwrap_or("").to_string();
                        if sh.stop_after_take.contains(&id) {
                            sh.stops.push(id);
                        }
                        drop(sh);
                        respond(req, 200, job)
                    }
                    None => respond(req, 204, Value::Null),
                }
            } else if path.starts_with("/v2/job-stop/") {
                if sh.stops.is_empty() {
                    drop(sh);
                    std::thread::sleep(Duration::from_millis(100));
                    respond(req, 204, Value::Null);
                } else {
                    let ids = std::mem::take(&mut sh.stops);
                    drop(sh);
                    respond(req, 200, json!({"jobsToStop": ids}));
                }
            } else if path.starts_with("/v2/job-done/") || path.starts_with("/ping/") {
                drop(sh);
                respond(req, 200, json!({}));
            } else if path == "/v2/ep/run" {
                let input: Value = serde_json::from_str(&call.body).unwrap_or(Value::Null);
                let message = StageMessage::parse(&input["input"].to_string()).unwrap();
                let id = format!("rp-{}", sh.remote.len() + 1);
                sh.remote.insert(id.clone(), (message, 0));
                drop(sh);
                respond(req, 200, json!({"id": id, "status": "IN_QUEUE"}));
            } else if let Some(id) = path.strip_prefix("/v2/ep/status/") {
                let fail = sh.fail_remote;
                let Some((message, polls)) = sh.remote.get_mut(id) else {
                    drop(sh);
                    respond(req, 404, json!({"error": "not found"}));
                    continue;
                };
                *polls += 1;
                let (message, polls) = (message.clone(), *polls);
                drop(sh);
                let status = match (polls, fail) {
                    (1, _) => "IN_PROGRESS",
                    (_, true) => "FAILED",
                    (_, false) => {
                        // The "remote worker" runs the unit now.
                        let handlers: Vec<&dyn StageHandler> = vec![&ingest];
                        invoke_stage(
                            store.as_ref(),
                            &handlers,
                            &message.job_id,
                            message.stage,
                            message.shard,
                            &RunControl::default(),
                        )
                        .unwrap();
                        "COMPLETED"
                    }
                };
                respond(req, 200, json!({"id": id, "status": status}));
            } else {
                drop(sh);
                respond(req, 404, Value::Null);
            }
        }
    });
    FakeRunPod {
        port,
        shared,
        stop,
        thread: Some(thread),
    }
}

fn env(port: u16) -> RunPodEnv {
    let base = format!("http://127.0.0.1:{port}");
    RunPodEnv::from_lookup(|name| match name {
        "RUNPOD_WEBHOOK_GET_JOB" => Some(format!("{base}/v2/job-take/$RUNPOD_POD_ID?gpu=none")),
        "RUNPOD_WEBHOOK_POST_OUTPUT" => {
            Some(format!("{base}/v2/job-done/$RUNPOD_POD_ID/$ID?gpu=none"))
        }
        "RUNPOD_WEBHOOK_PING" => Some(format!("{base}/ping/$RUNPOD_POD_ID")),
        "RUNPOD_POD_ID" => Some("pod-7".into()),
        "RUNPOD_AI_API_KEY" => Some("rpa_key".into()),
        "RUNPOD_PING_INTERVAL" => Some("100".into()),
        _ => None,
    })
    .unwrap()
}

fn new_job(store: &MemoryStore, id: &str) -> JobId {
    let job = JobId::new(id).unwrap();
    create_state(
        store,
        &JobState::new(job.clone(), input(&fixture(), 1000), "t".into()),
    )
    .unwrap();
    job
}

fn wait_for(fake: &FakeRunPod, what: &str, n: usize) -> Vec<Call> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let calls: Vec<Call> = fake
            .shared
            .lock()
            .unwrap()
            .calls
            .iter()
            .filter(|c| c.url.contains(what))
            .cloned()
            .collect();
        if calls.len() >= n {
            return calls;
        }
        assert!(Instant::now() < deadline, "no {what} after 30 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn error_detail(call: &Call) -> Value {
    let body: Value = serde_json::from_str(&call.body).unwrap();
    serde_json::from_str(body["error"].as_str().expect("error is a JSON string")).unwrap()
}

#[test]
fn the_worker_takes_runs_posts_and_reports_errors() {
    let store = Arc::new(MemoryStore::new());
    let fake = fake_runpod(store.clone());
    let job = new_job(&store, "rp-job");
    let pointer = StageMessage::new(job.clone(), Stage::Ingest, None, 1);
    {
        let mut sh = fake.shared.lock().unwrap();
        sh.jobs.push_back(json!({"id": "rp-1", "input": pointer}));
        sh.jobs
            .push_back(json!({"id": "rp-2", "input": {"not": "a pointer"}}));
    }
    let stop = CancelToken::default();
    let (st, s2, e) = (stop.clone(), store.clone(), env(fake.port));
    let worker = std::thread::spawn(move || {
        let ingest = doctown_ingest::IngestHandler::new(doctown_sources::GitHubConfig::default());
        run_runpod_worker(&e, s2.as_ref(), &[&ingest], &st).unwrap()
    });
    let done = wait_for(&fake, "/job-done/", 2);
    wait_for(&fake, "/ping/pod-7", 1);
    stop.cancel();
    assert_eq!(worker.join().unwrap(), 2);

    let calls = fake.shared.lock().unwrap().calls.clone();
    let take = calls.iter().find(|c| c.url.contains("/job-take/")).unwrap();
    assert_eq!(take.url, "/v2/job-take/pod-7?gpu=none&job_in_progress=0");
    assert_eq!(take.headers["authorization"], "rpa_key");
    let ok = &done[0];
    assert_eq!(ok.method, "POST");
    assert_eq!(ok.url, "/v2/job-done/pod-7/rp-1?gpu=none&isStream=false");
    assert_eq!(
        ok.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(ok.headers["x-request-id"], "rp-1");
    assert_eq!(ok.headers["charset"], "utf-8");
    let output: Value = serde_json::from_str(&ok.body).unwrap();
    assert_eq!(output["output"]["status"], "succeeded", "{output}");
    assert_eq!(output["output"]["stage"], "ingest");
    let state = load_state(store.as_ref(), &job).unwrap().unwrap();
    assert_eq!(state.stage(Stage::Ingest).status, StageStatus::Succeeded);

    assert_eq!(
        done[1].url,
        "/v2/job-done/pod-7/rp-2?gpu=none&isStream=false"
    );
    let detail = error_detail(&done[1]);
    assert_eq!(detail["error_type"], "InvalidInput");
    assert_eq!(detail["worker_id"], "pod-7");
    let ping = calls.iter().find(|c| c.url.starts_with("/ping/")).unwrap();
    assert!(ping.url.contains("runpod_version="), "{}", ping.url);
}

#[test]
fn the_stop_channel_cancels_the_running_job() {
    let store = Arc::new(MemoryStore::new());
    let fake = fake_runpod(store.clone());
    let job = new_job(&store, "rp-stopped");
    let pointer = StageMessage::new(job.clone(), Stage::Ingest, None, 1);
    {
        let mut sh = fake.shared.lock().unwrap();
        sh.jobs.push_back(json!({"id": "rp-3", "input": pointer}));
        sh.stop_after_take.push("rp-3".into());
    }
    let stop = CancelToken::default();
    let (st, s2, e) = (stop.clone(), store.clone(), env(fake.port));
    let started = Instant::now();
    let worker = std::thread::spawn(move || {
        let slow = FakeStage::new(Stage::Ingest).slow(Duration::from_secs(20));
        run_runpod_worker(&e, s2.as_ref(), &[&slow], &st).unwrap()
    });
    let done = wait_for(&fake, "/job-done/", 1);
    stop.cancel();
    worker.join().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the stop request was ignored"
    );
    let detail = error_detail(&done[0]);
    assert_eq!(detail["error_type"], "StageFailed");
    assert_eq!(detail["error_message"], "cancelled");
    assert!(fake
        .shared
        .lock()
        .unwrap()
        .calls
        .iter()
        .any(|c| c.url.starts_with("/v2/job-stop/pod-7")));
}

#[test]
fn the_dispatcher_acknowledges_only_durable_work() {
    let store = Arc::new(MemoryStore::new());
    let fake = fake_runpod(store.clone());
    let queues = QueueSet::memory(5);
    let m = machine(2, Duration::from_secs(1));
    let job = JobId::new("dispatched").unwrap();
    submit_job(
        store.as_ref(),
        &queues,
        &m,
        job.clone(),
        input(&fixture(), 1000),
    )
    .unwrap();
    let endpoints: BTreeMap<Stage, Endpoint> = [(
        Stage::Ingest,
        Endpoint {
            base_url: format!("http://127.0.0.1:{}/v2/ep", fake.port),
            api_key: "rpa_key".into(),
        },
    )]
    .into();
    let executor = RunPodExecutor::new(endpoints, Duration::from_millis(50));
    let mut config = WorkerConfig::new(&[Stage::Ingest]);
    config.wait = Duration::from_millis(200);
    config.visibility = Duration::from_secs(10);
    config.machine = m;
    let stop = CancelToken::default();
    let ingest_q = queues.stage(Stage::Ingest).unwrap().clone();
    std::thread::scope(|scope| {
        let loop_ =
            scope.spawn(|| run_loop(&config, &executor, store.as_ref(), &queues, &stop).unwrap());
        let deadline = Instant::now() + Duration::from_secs(30);
        while ingest_q.approximate_depth().unwrap().total() > 0 {
            assert!(
                Instant::now() < deadline,
                "the ingest message was never acknowledged"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let state = load_state(store.as_ref(), &job).unwrap().unwrap();
        assert_eq!(state.stage(Stage::Ingest).status, StageStatus::Succeeded);
        let embed = queues
            .stage(Stage::Embed)
            .unwrap()
            .receive(10, Duration::ZERO, Duration::from_secs(30))
            .unwrap();
        assert_eq!(embed.len(), 1, "the next stage was sent");
        let run = fake
            .shared
            .lock()
            .unwrap()
            .calls
            .iter()
            .find(|c| c.url == "/v2/ep/run")
            .cloned()
            .unwrap();
        assert_eq!(run.headers["authorization"], "Bearer rpa_key");

        // A remote run that FAILED without recording anything is a lost
        // worker: recorded, then retried per policy.
        fake.shared.lock().unwrap().fail_remote = true;
        let lost = JobId::new("lost").unwrap();
        submit_job(
            store.as_ref(),
            &queues,
            &config.machine,
            lost.clone(),
            input(&fixture(), 1000),
        )
        .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let state = load_state(store.as_ref(), &lost).unwrap().unwrap();
            if state.stage(Stage::Ingest).status == StageStatus::Failed {
                let err = state.stage(Stage::Ingest).error.clone().unwrap();
                assert!(err.message.starts_with("worker lost"), "{err:?}");
                assert!(err.retryable);
                break;
            }
            assert!(Instant::now() < deadline, "the lost run was never recorded");
            std::thread::sleep(Duration::from_millis(50));
        }
        stop.cancel();
        loop_.join().unwrap();
    });
    let retry = queues
        .stage(Stage::Ingest)
        .unwrap()
        .receive(10, Duration::from_secs(3), Duration::from_secs(30))
        .unwrap();
    assert_eq!(retry.len(), 1);
    assert_eq!(StageMessage::parse(&retry[0].body).unwrap().attempt, 2);
}
