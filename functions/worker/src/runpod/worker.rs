//! The RunPod serverless worker protocol (runpod-python's `rp_job`,
//! `rp_http`, `rp_ping`, `rp_scale`): take a job from `GET_JOB`, run it,
//! post the output or the error to `POST_OUTPUT`, heartbeat on `PING`, and
//! honour the stop channel (`/job-stop/`). SIGTERM (the caller's `stop`
//! token) stops taking jobs; the job in hand finishes first.

use super::http::{agent, get, post, with_query};
use crate::error::WorkerError;
use crate::executor::{invoke_stage, RunControl};
use doctown_pipeline::execute::{unit_attempts, unit_status};
use doctown_pipeline::{CancelToken, StageHandler, Unit};
use doctown_queue::StageMessage;
use doctown_store::ObjectStore;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The protocol version this worker reports.
pub const RUNPOD_VERSION: &str = "doctown-1";

/// The worker's environment (RunPod sets these in the container).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPodEnv {
    /// `RUNPOD_WEBHOOK_GET_JOB`
    pub get_job: String,
    /// `RUNPOD_WEBHOOK_POST_OUTPUT`
    pub post_output: String,
    /// `RUNPOD_WEBHOOK_PING`
    pub ping: Option<String>,
    /// `RUNPOD_POD_ID` (else a random id).
    pub pod_id: String,
    /// `RUNPOD_AI_API_KEY`, sent raw as `Authorization`.
    pub api_key: Option<String>,
    /// `RUNPOD_PING_INTERVAL` (ms, default 10 000).
    pub ping_interval: Duration,
    /// How long to back off after a 429 (5 s).
    pub backoff: Duration,
}

impl RunPodEnv {
    /// `None` without `RUNPOD_WEBHOOK_GET_JOB` (RunPod's "local mode").
    pub fn from_env() -> Option<RunPodEnv> {
        Self::from_lookup(doctown_config::var)
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Option<RunPodEnv> {
        let get_job = get("RUNPOD_WEBHOOK_GET_JOB")?;
        let pod_id = get("RUNPOD_POD_ID").unwrap_or_else(|| {
            format!(
                "doctown-{}-{}",
                std::process::id(),
                doctown_pipeline::now_ms()
            )
        });
        Some(RunPodEnv {
            get_job,
            post_output: get("RUNPOD_WEBHOOK_POST_OUTPUT").unwrap_or_default(),
            ping: get("RUNPOD_WEBHOOK_PING"),
            pod_id,
            api_key: get("RUNPOD_AI_API_KEY"),
            ping_interval: Duration::from_millis(
                get("RUNPOD_PING_INTERVAL")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(10_000),
            ),
            backoff: Duration::from_secs(5),
        })
    }

    /// GET_JOB with `$ID` and `$RUNPOD_POD_ID` replaced by the worker id.
    fn take_url(&self, in_progress: bool) -> String {
        let url = self
            .get_job
            .replace("$RUNPOD_POD_ID", &self.pod_id)
            .replace("$ID", &self.pod_id);
        with_query(&url, &format!("job_in_progress={}", u8::from(in_progress)))
    }

    /// The stop channel: the take URL with `/job-take/` → `/job-stop/`.
    fn stop_url(&self) -> Option<String> {
        let url = self
            .get_job
            .replace("$RUNPOD_POD_ID", &self.pod_id)
            .replace("$ID", &self.pod_id);
        url.contains("/job-take/")
            .then(|| url.replace("/job-take/", "/job-stop/"))
    }

    fn output_url(&self, job_id: &str) -> String {
        let url = self
            .post_output
            .replace("$RUNPOD_POD_ID", &self.pod_id)
            .replace("$ID", job_id);
        with_query(&url, "isStream=false")
    }

    fn auth(&self) -> Vec<(&str, &str)> {
        self.api_key
            .as_deref()
            .map(|k| vec![("Authorization", k)])
            .unwrap_or_default()
    }
}

/// The job in hand (its id and its controls), and stop requests that came
/// before their job started (the stop channel can win the race with the
/// take that hands the job over).
#[derive(Default)]
struct Slot {
    job: Option<(String, Arc<RunControl>)>,
    early_stops: Vec<String>,
}

type Current = Mutex<Slot>;

/// Stop requests remembered for jobs not started yet.
const EARLY_STOPS: usize = 64;

/// Runs the worker until `stop`; returns how many jobs it ran.
pub fn run_runpod_worker(
    env: &RunPodEnv,
    store: &dyn ObjectStore,
    handlers: &[&dyn StageHandler],
    stop: &CancelToken,
) -> Result<u64, WorkerError> {
    let http = agent(Duration::from_secs(90));
    let current: Arc<Current> = Arc::default();
    let mut ran = 0;
    // Detached: a long poll in flight must not delay shutdown.
    for side in [
        ping_loop as fn(&RunPodEnv, &Current, &CancelToken),
        stop_channel,
    ] {
        let (env, current, stop) = (env.clone(), current.clone(), stop.clone());
        std::thread::spawn(move || side(&env, &current, &stop));
    }
    {
        while !stop.is_cancelled() {
            let reply = match get(&http, &env.take_url(false), &env.auth()) {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(error = %e, "taking a job failed");
                    std::thread::sleep(Duration::from_secs(1));
                    continue;
                }
            };
            match reply.status {
                200 => {}
                204 | 400 => {
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                }
                429 => {
                    std::thread::sleep(env.backoff);
                    continue;
                }
                status => {
                    tracing::warn!(status, body = %reply.body, "job-take answered an error");
                    std::thread::sleep(Duration::from_secs(1));
                    continue;
                }
            }
            let jobs = match serde_json::from_str::<Value>(&reply.body) {
                Ok(Value::Array(jobs)) => jobs,
                Ok(job @ Value::Object(_)) => vec![job],
                _ => {
                    tracing::warn!(body = %reply.body, "job-take returned no job object");
                    continue;
                }
            };
            for job in jobs {
                let Some(id) = job.get("id").and_then(Value::as_str).map(str::to_string) else {
                    tracing::warn!(%job, "a job without an id");
                    continue;
                };
                let control = Arc::new(RunControl::default());
                {
                    let mut slot = current.lock().unwrap_or_else(|p| p.into_inner());
                    if let Some(at) = slot.early_stops.iter().position(|s| s == &id) {
                        slot.early_stops.remove(at);
                        control.cancel.cancel();
                    }
                    slot.job = Some((id.clone(), control.clone()));
                }
                let body = run_job(
                    store,
                    handlers,
                    job.get("input").unwrap_or(&Value::Null),
                    &control,
                    &env.pod_id,
                );
                current.lock().unwrap_or_else(|p| p.into_inner()).job = None;
                post_result(&http, env, &id, &body);
                ran += 1;
            }
        }
    }
    Ok(ran)
}

/// Runs one job's input and returns the body to post: `{"output": …}` or
/// `{"error": "<JSON string>"}`.
pub(crate) fn run_job(
    store: &dyn ObjectStore,
    handlers: &[&dyn StageHandler],
    input: &Value,
    control: &RunControl,
    worker_id: &str,
) -> Value {
    let text = match input {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let message = match StageMessage::parse(&text) {
        Ok(m) => m,
        Err(e) => return error_body("InvalidInput", &e.to_string(), worker_id),
    };
    match invoke_stage(
        store,
        handlers,
        &message.job_id,
        message.stage,
        message.shard,
        control,
    ) {
        Ok(state) => {
            let unit = Unit::of(&state, message.stage, message.shard);
            let status = unit_status(&state, message.stage, unit);
            if status.is_done() {
                json!({"output": {
                    "job_id": message.job_id, "stage": message.stage, "shard": message.shard,
                    "status": status, "job_status": state.status,
                }})
            } else {
                let (_, error) = unit_attempts(&state, message.stage, unit);
                let text = error
                    .map(|e| e.message)
                    .unwrap_or_else(|| format!("{status:?}"));
                error_body("StageFailed", &text, worker_id)
            }
        }
        Err(e) => error_body("WorkerError", &e.to_string(), worker_id),
    }
}

fn error_body(kind: &str, message: &str, worker_id: &str) -> Value {
    let detail = json!({
        "error_type": kind,
        "error_message": message,
        "error_traceback": "",
        "hostname": std::env::var("HOSTNAME").unwrap_or_default(),
        "worker_id": worker_id,
        "runpod_version": RUNPOD_VERSION,
    });
    json!({"error": detail.to_string()})
}

/// POSTs a result: JSON text under RunPod's form content type, up to three
/// tries with Fibonacci backoff.
fn post_result(http: &doctown_http::Http, env: &RunPodEnv, job_id: &str, body: &Value) {
    let url = env.output_url(job_id);
    let mut headers = vec![
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("charset", "utf-8"),
        ("X-Request-ID", job_id),
    ];
    headers.extend(env.auth());
    let text = body.to_string();
    let mut delays = [1u64, 1, 2].into_iter();
    loop {
        match post(http, &url, &headers, &text) {
            Ok(r) if (200..300).contains(&r.status) => return,
            Ok(r) => tracing::warn!(status = r.status, job_id, "posting the result failed"),
            Err(e) => tracing::warn!(error = %e, job_id, "posting the result failed"),
        }
        match delays.next() {
            Some(s) if s < 3 => std::thread::sleep(Duration::from_secs(s)),
            _ => return,
        }
    }
}

/// `GET {PING}?job_id=<ids>&runpod_version=<v>` every interval, when an API
/// key and a pod id are set.
fn ping_loop(env: &RunPodEnv, current: &Current, stop: &CancelToken) {
    let (Some(ping), Some(_)) = (&env.ping, &env.api_key) else {
        return;
    };
    let http = agent(env.ping_interval * 2);
    let base = ping.replace("$RUNPOD_POD_ID", &env.pod_id);
    while !stop.is_cancelled() {
        let running = current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .job
            .as_ref()
            .map(|(id, _)| id.clone());
        let query = match running {
            Some(id) => format!("job_id={id}&runpod_version={RUNPOD_VERSION}"),
            None => format!("runpod_version={RUNPOD_VERSION}"),
        };
        if let Err(e) = get(&http, &with_query(&base, &query), &env.auth()) {
            tracing::debug!(error = %e, "ping failed");
        }
        sleep_unless(stop, env.ping_interval);
    }
}

/// Long-polls the stop channel and cancels the named job if it is ours.
fn stop_channel(env: &RunPodEnv, current: &Current, stop: &CancelToken) {
    let Some(url) = env.stop_url() else { return };
    let http = agent(Duration::from_secs(90));
    while !stop.is_cancelled() {
        match get(&http, &url, &env.auth()) {
            Ok(r) if r.status == 200 => {
                let ids: Vec<String> = serde_json::from_str::<Value>(&r.body)
                    .ok()
                    .and_then(|v| serde_json::from_value(v["jobsToStop"].clone()).ok())
                    .unwrap_or_default();
                let mut slot = current.lock().unwrap_or_else(|p| p.into_inner());
                for id in ids {
                    match &slot.job {
                        Some((running, control)) if *running == id => {
                            tracing::info!(job_id = %id, "stop requested by RunPod");
                            control.cancel.cancel();
                        }
                        _ => {
                            if slot.early_stops.len() == EARLY_STOPS {
                                slot.early_stops.remove(0);
                            }
                            slot.early_stops.push(id);
                        }
                    }
                }
            }
            Ok(_) => sleep_unless(stop, Duration::from_millis(200)),
            Err(_) => sleep_unless(stop, Duration::from_secs(1)),
        }
    }
}

fn sleep_unless(stop: &CancelToken, total: Duration) {
    let step = Duration::from_millis(50);
    let mut left = total;
    while !left.is_zero() && !stop.is_cancelled() {
        let d = left.min(step);
        std::thread::sleep(d);
        left -= d;
    }
}

/// RunPod's local mode: runs `{"input": …}` (the contents of
/// `test_input.json`) once and returns the result body.
pub fn run_local_test(
    store: &dyn ObjectStore,
    handlers: &[&dyn StageHandler],
    test_input: &str,
) -> Result<Value, WorkerError> {
    let doc: Value = serde_json::from_str(test_input)
        .map_err(|e| WorkerError::Invalid(format!("test input is not JSON: {e}")))?;
    Ok(run_job(
        store,
        handlers,
        &doc["input"],
        &RunControl::default(),
        "local_test",
    ))
}
