//! `POST /estimate`: 404 without a model, the estimator's answer with one,
//! and the same source checks as `POST /jobs`.

use axum::body::Body;
use axum::http::Request;
use doctown_core::JobInput;
use doctown_store::{MemoryStore, ObjectStore};
use doctown_trigger::{
    router, AppState, Estimator, JobLauncher, TriggerConfig, UnavailableLauncher,
};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

#[derive(Default)]
struct Recorder(Mutex<Vec<JobInput>>);

impl Estimator for Recorder {
    fn estimate(&self, input: &JobInput) -> Result<Value, String> {
        self.0.lock().unwrap().push(input.clone());
        if input.source.ends_with("/broken") {
            return Err("cannot read the repository".into());
        }
        Ok(
            json!({ "model": "gpt-4o-mini", "tiers": [{ "name": "all symbols", "cost_usd": 0.0012 }] }),
        )
    }
}

fn app(estimator: Option<Arc<Recorder>>) -> axum::Router {
    let store: Arc<dyn ObjectStore> = Arc::new(MemoryStore::new());
    let launcher: Arc<dyn JobLauncher> = Arc::new(UnavailableLauncher("no jobs here".into()));
    let mut state = AppState::new(store, launcher, TriggerConfig::default());
    if let Some(estimator) = estimator {
        state = state.with_estimator(estimator);
    }
    router(state)
}

async fn post(app: axum::Router, body: Value) -> (u16, Value) {
    let request = Request::post("/estimate")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn without_a_model_there_is_nothing_to_estimate() {
    let (status, body) = post(
        app(None),
        json!({ "repo_url": "https://github.com/rust-lang/log" }),
    )
    .await;
    assert_eq!(status, 404);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("no model is configured"),
        "{body}"
    );
}

#[tokio::test]
async fn with_a_model_the_estimator_answers() {
    let recorder = Arc::new(Recorder::default());
    let (status, body) = post(
        app(Some(recorder.clone())),
        json!({ "repo_url": "https://github.com/rust-lang/log", "git_ref": "0.4.22" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["model"], "gpt-4o-mini");
    let seen = recorder.0.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].git_ref.as_deref(), Some("0.4.22"));

    let (status, body) = post(
        app(Some(recorder.clone())),
        json!({ "repo_url": "https://github.com/o/broken" }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
}

#[tokio::test]
async fn sources_are_checked_before_the_estimator_runs() {
    let recorder = Arc::new(Recorder::default());
    for bad in ["http://10.0.0.1/o/r", "https://gitlab.com/o/r", "/etc"] {
        let (status, body) = post(app(Some(recorder.clone())), json!({ "repo_url": bad })).await;
        assert!(
            (400..500).contains(&status) && status != 404,
            "{bad}: {status} {body}"
        );
    }
    assert!(recorder.0.lock().unwrap().is_empty());
}
