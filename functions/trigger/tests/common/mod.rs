//! Shared test fixtures: fake stage handlers that emit events and write a
//! fake docpack, an app over a `MemoryStore`, and request helpers.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{Request, Response};
use axum::Router;
use doctown_core::{EventPayload, JobId, JobState, ResolvedSource, Stage};
use doctown_pipeline::{StageContext, StageFailure, StageHandler, StageOutput};
use doctown_store::{MemoryStore, ObjectStore};
use doctown_trigger::{
    router, AppState, HandlerFactory, InProcessLauncher, InProcessOptions, JobLauncher,
    LaunchContext, TokenSource, TriggerConfig,
};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::ServiceExt;

pub const DOCPACK_BYTES: &[u8] = b"\x1f\x8bfake docpack bytes";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tick {
    pub stage: String,
    pub n: u32,
}

impl EventPayload for Tick {
    const TYPE: &'static str = "test.tick.v1";
}

/// Opened by the test to let gated stages finish.
#[derive(Clone, Default)]
pub struct Gate(Arc<AtomicBool>);

impl Gate {
    pub fn closed() -> Self {
        Gate::default()
    }
    pub fn open(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_open(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

pub struct FakeStage {
    pub stage: Stage,
    pub ticks: u32,
    pub gate: Option<Gate>,
    /// While waiting at the gate, emit a tick every 20 ms (live events).
    pub pulse: bool,
}

impl StageHandler for FakeStage {
    fn stage(&self) -> Stage {
        self.stage
    }

    fn run(&self, ctx: &StageContext<'_>) -> Result<StageOutput, StageFailure> {
        for n in 0..self.ticks {
            ctx.events.emit(&Tick {
                stage: self.stage.to_string(),
                n,
            });
        }
        if let Some(gate) = &self.gate {
            let mut n = self.ticks;
            let started = std::time::Instant::now();
            while !gate.is_open() && started.elapsed() < Duration::from_secs(30) {
                if self.pulse && n < 200 {
                    ctx.events.emit(&Tick {
                        stage: "pulse".into(),
                        n,
                    });
                    n += 1;
                    std::thread::sleep(Duration::from_millis(15));
                }
                if ctx.cancel.is_cancelled() {
                    return Err(StageFailure::cancelled());
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        let mut output = StageOutput::succeeded();
        match self.stage {
            Stage::Ingest => {
                output.source = Some(ResolvedSource {
                    kind: "github".into(),
                    name: "demo".into(),
                    url: Some(ctx.job.input.source.clone()),
                    git_ref: ctx.job.input.git_ref.clone(),
                    commit: Some("c0ffee".into()),
                });
            }
            Stage::Embed => {
                output.summary = serde_json::json!({"cache_hits": 3, "cache_misses": 1})
            }
            Stage::Generate => {
                output.summary = serde_json::json!({"prompt_tokens": 100, "completion_tokens": 20, "cost_usd": 0.5})
            }
            Stage::Pack => {
                let key = ctx.artifact_key(Stage::Pack, "demo.docpack");
                ctx.store.put(&key, DOCPACK_BYTES)?;
                output = output.with_artifact("docpack", key);
                output.summary = serde_json::json!({"size_bytes": DOCPACK_BYTES.len()});
            }
            Stage::Assemble => {}
        }
        Ok(output)
    }
}

/// Records the GitHub token each job's handlers were built with.
pub type SeenTokens = Arc<Mutex<Vec<Option<String>>>>;

pub fn factory(gate: Option<Gate>, seen: SeenTokens) -> HandlerFactory {
    factory_with(gate, seen, false)
}

pub fn factory_with(gate: Option<Gate>, seen: SeenTokens, pulse: bool) -> HandlerFactory {
    Arc::new(move |ctx: &LaunchContext| {
        if ctx.job_id.is_some() {
            seen.lock().unwrap().push(ctx.github_token.clone());
        }
        Stage::ALL
            .into_iter()
            .map(|stage| {
                Box::new(FakeStage {
                    stage,
                    ticks: 3,
                    gate: (stage == Stage::Embed).then(|| gate.clone()).flatten(),
                    pulse,
                }) as Box<dyn StageHandler>
            })
            .collect()
    })
}

pub struct TestApp {
    pub store: Arc<MemoryStore>,
    pub launcher: InProcessLauncher,
    pub app: Router,
    pub seen_tokens: SeenTokens,
}

pub fn test_app(config: TriggerConfig, gate: Option<Gate>) -> TestApp {
    test_app_with_tokens(config, gate, None)
}

pub fn test_app_with_tokens(
    config: TriggerConfig,
    gate: Option<Gate>,
    tokens: Option<Arc<dyn TokenSource>>,
) -> TestApp {
    build(config, gate, tokens, false)
}

/// An app whose gated embed stage emits a tick every 15 ms until the gate opens.
pub fn pulsing_app(gate: Gate) -> TestApp {
    build(TriggerConfig::default(), Some(gate), None, true)
}

fn build(
    config: TriggerConfig,
    gate: Option<Gate>,
    tokens: Option<Arc<dyn TokenSource>>,
    pulse: bool,
) -> TestApp {
    let store = Arc::new(MemoryStore::new());
    let seen: SeenTokens = Arc::default();
    let options = InProcessOptions {
        max_concurrent_jobs: 2,
        tokens,
        ..InProcessOptions::default()
    };
    let launcher = InProcessLauncher::new(
        store.clone(),
        factory_with(gate, seen.clone(), pulse),
        options,
    )
    .expect("inside a runtime");
    let state = AppState::new(
        store.clone() as Arc<dyn ObjectStore>,
        Arc::new(launcher.clone()) as Arc<dyn JobLauncher>,
        config,
    );
    TestApp {
        store,
        launcher,
        app: router(state),
        seen_tokens: seen,
    }
}

impl TestApp {
    pub async fn send(&self, request: Request<Body>) -> Response<Body> {
        self.app.clone().oneshot(request).await.expect("infallible")
    }

    pub async fn json(&self, request: Request<Body>) -> (u16, serde_json::Value) {
        let response = self.send(request).await;
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let value = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        (status, value)
    }

    pub async fn submit(&self, repo: &str) -> JobId {
        let (status, body) = self
            .json(post_json("/jobs", &serde_json::json!({"repo_url": repo})))
            .await;
        assert_eq!(status, 202, "{body}");
        JobId::new(body["job_id"].as_str().unwrap()).unwrap()
    }

    pub fn job_count(&self) -> usize {
        self.store
            .list("jobs/")
            .unwrap()
            .iter()
            .filter(|k| k.ends_with("/state.json"))
            .count()
    }

    pub fn state(&self, job: &JobId) -> JobState {
        doctown_store::load_state(self.store.as_ref(), job)
            .unwrap()
            .unwrap()
    }

    pub async fn wait_terminal(&self, job: &JobId) -> JobState {
        for _ in 0..500 {
            let state = self.state(job);
            if state.status.is_terminal() {
                self.launcher.wait_idle().await;
                return self.state(job);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("job {job} did not finish");
    }
}

pub fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

pub fn post_json(uri: &str, body: &serde_json::Value) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// One parsed SSE message.
#[derive(Debug, Clone, PartialEq)]
pub struct SseMessage {
    pub id: Option<u64>,
    pub event: Option<String>,
    pub data: String,
}

/// Reads a whole SSE response (until the server closes it) within `limit`.
pub async fn read_sse(response: Response<Body>, limit: Duration) -> (Vec<SseMessage>, bool) {
    let mut stream = response.into_body().into_data_stream();
    let mut text = String::new();
    let closed = tokio::time::timeout(limit, async {
        while let Some(chunk) = stream.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        }
    })
    .await
    .is_ok();
    (parse_sse(&text), closed)
}

pub fn parse_sse(text: &str) -> Vec<SseMessage> {
    let mut out = Vec::new();
    for block in text.split("\n\n") {
        let mut message = SseMessage {
            id: None,
            event: None,
            data: String::new(),
        };
        let mut any = false;
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("id:") {
                message.id = v.trim().parse().ok();
                any = true;
            } else if let Some(v) = line.strip_prefix("event:") {
                message.event = Some(v.trim().to_string());
                any = true;
            } else if let Some(v) = line.strip_prefix("data:") {
                message.data.push_str(v.trim_start());
                any = true;
            }
        }
        if any {
            out.push(message);
        }
    }
    out
}
