//! The dispatcher (`doctown worker --dispatch runpod`): an SQS worker loop
//! whose executor runs each unit on a RunPod endpoint — `POST /run` with
//! the pointer as input, then `GET /status/{id}` until a terminal status —
//! and whose engine acknowledges the SQS message only after RunPod said
//! `COMPLETED` and the state document shows the unit done (otherwise the
//! unit is recorded as lost and retried per policy).

use super::http::{agent, get, post};
use crate::error::WorkerError;
use crate::executor::{Executor, RunControl};
use crate::sqs_worker::{run_loop, WorkerConfig, WorkerStats};
use doctown_core::Stage;
use doctown_pipeline::{CancelToken, Unit};
use doctown_queue::{QueueSet, StageMessage};
use doctown_store::ObjectStore;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// One RunPod endpoint: `https://api.runpod.ai/v2/<endpoint id>` and a key.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub base_url: String,
    pub api_key: String,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// The public endpoint `https://api.runpod.ai/v2/{id}`.
    pub fn runpod(endpoint_id: &str, api_key: &str) -> Endpoint {
        Endpoint {
            base_url: format!("https://api.runpod.ai/v2/{endpoint_id}"),
            api_key: api_key.to_string(),
        }
    }
}

/// Runs units on RunPod endpoints, one endpoint per stage.
pub struct RunPodExecutor {
    pub endpoints: BTreeMap<Stage, Endpoint>,
    /// Between `/status` polls.
    pub poll: Duration,
    http: doctown_http::Http,
}

impl RunPodExecutor {
    pub fn new(endpoints: BTreeMap<Stage, Endpoint>, poll: Duration) -> RunPodExecutor {
        RunPodExecutor {
            endpoints,
            poll,
            http: agent(Duration::from_secs(60)),
        }
    }
}

const TERMINAL: [&str; 4] = ["COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"];

impl Executor for RunPodExecutor {
    fn can_run(&self, stage: Stage) -> bool {
        self.endpoints.contains_key(&stage)
    }

    fn execute(
        &self,
        _store: &dyn ObjectStore,
        message: &StageMessage,
        _unit: Unit,
        control: &RunControl,
    ) -> Result<Option<doctown_core::JobState>, WorkerError> {
        let endpoint = self
            .endpoints
            .get(&message.stage)
            .ok_or(WorkerError::NoHandler(message.stage))?;
        let bearer = format!("Bearer {}", endpoint.api_key);
        let headers = [
            ("Authorization", bearer.as_str()),
            ("Content-Type", "application/json"),
        ];
        let run_url = format!("{}/run", endpoint.base_url);
        let body = json!({"input": serde_json::to_value(message).unwrap_or(Value::Null)});
        let reply = post(&self.http, &run_url, &headers, &body.to_string())?;
        if !(200..300).contains(&reply.status) {
            return Err(WorkerError::Http {
                url: run_url,
                message: format!("status {}: {}", reply.status, reply.body),
                retryable: reply.status == 429 || reply.status >= 500,
            });
        }
        let id = serde_json::from_str::<Value>(&reply.body)
            .ok()
            .and_then(|v| v["id"].as_str().map(str::to_string))
            .ok_or_else(|| WorkerError::Http {
                url: run_url.clone(),
                message: format!("no job id in {}", reply.body),
                retryable: true,
            })?;
        let status_url = format!("{}/status/{id}", endpoint.base_url);
        let mut cancel_sent = false;
        loop {
            if control.cancel.is_cancelled() && !cancel_sent {
                let url = format!("{}/cancel/{id}", endpoint.base_url);
                if let Err(e) = post(&self.http, &url, &headers, "") {
                    tracing::warn!(error = %e, "cancelling a RunPod job failed");
                }
                cancel_sent = true;
            }
            std::thread::sleep(self.poll);
            let reply = get(&self.http, &status_url, &headers)?;
            match reply.status {
                404 => return Ok(None), // expired: the state document decides
                429 => {
                    std::thread::sleep(self.poll * 4);
                    continue;
                }
                s if !(200..300).contains(&s) => {
                    tracing::warn!(status = s, body = %reply.body, "RunPod status failed");
                    continue;
                }
                _ => {}
            }
            let status = serde_json::from_str::<Value>(&reply.body)
                .ok()
                .and_then(|v| v["status"].as_str().map(str::to_string))
                .unwrap_or_default();
            if TERMINAL.contains(&status.as_str()) {
                if status != "COMPLETED" {
                    tracing::warn!(job = %message.job_id, stage = %message.stage, %status, body = %reply.body, "RunPod job did not complete");
                }
                // The remote worker recorded the outcome: read it.
                return Ok(None);
            }
        }
    }
}

/// Feeds RunPod endpoints from the stage queues until `stop`.
pub fn run_dispatcher(
    config: &WorkerConfig,
    endpoints: BTreeMap<Stage, Endpoint>,
    store: &dyn ObjectStore,
    queues: &QueueSet,
    stop: &CancelToken,
) -> Result<Arc<WorkerStats>, WorkerError> {
    let executor = RunPodExecutor::new(endpoints, Duration::from_secs(2));
    run_loop(config, &executor, store, queues, stop)
}
