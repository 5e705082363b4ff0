//! Operations and guards: metrics, OpenAPI coverage, API keys, CORS, the
//! website fallback, and a real TCP server.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::*;
use doctown_trigger::{hash_api_key, parse_api_key_hashes, TriggerConfig, ROUTES};
use serde_json::json;
use std::time::Duration;

const REPO: &str = "https://github.com/rust-lang/log";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_report_jobs_durations_cache_and_tokens() {
    let t = test_app(TriggerConfig::default(), None);
    for _ in 0..2 {
        let job = t.submit(REPO).await;
        t.wait_terminal(&job).await;
    }
    let response = t.send(get("/metrics")).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = String::from_utf8(
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    for expected in [
        "doctown_jobs{status=\"succeeded\"} 2",
        "doctown_jobs{status=\"failed\"} 0",
        "doctown_queue_depth 0",
        "# TYPE doctown_stage_duration_seconds histogram",
        "doctown_stage_duration_seconds_count{stage=\"ingest\"} 2",
        "doctown_stage_duration_seconds_bucket{stage=\"pack\",le=\"+Inf\"} 2",
        "doctown_embed_cache_hits_total 6",
        "doctown_embed_cache_misses_total 2",
        "doctown_embed_cache_hit_ratio 0.750000",
        "doctown_model_tokens_total{kind=\"prompt\"} 200",
        "doctown_model_tokens_total{kind=\"completion\"} 40",
        "doctown_model_cost_usd_total 1.000000",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

#[tokio::test]
async fn openapi_describes_every_route() {
    let t = test_app(TriggerConfig::default(), None);
    let (status, doc) = t.json(get("/openapi.json")).await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    for (method, path) in ROUTES {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is not documented"
        );
    }
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    assert_eq!(
        documented,
        ROUTES.len(),
        "the document describes routes the router does not have"
    );
    // Every route in ROUTES is really served (not the fallback 404 "no route").
    for (method, path) in ROUTES {
        let uri = path.replace("{id}", "job-x").replace("{stage}", "ingest");
        let request = Request::builder()
            .method(method.to_uppercase().as_str())
            .uri(&uri)
            .body(Body::empty())
            .unwrap();
        let (_, body) = t.json(request).await;
        let error = body["error"].as_str().unwrap_or("");
        assert!(
            !error.starts_with("no route"),
            "{method} {uri} is not routed"
        );
    }
}

/// The document's schemas are generated from the handlers' types: every
/// `$ref` resolves, and what the API answers for a real job validates
/// against them (and a damaged answer does not).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_validate_against_the_documented_schemas() {
    let t = test_app(TriggerConfig::default(), None);
    let (_, doc) = t.json(get("/openapi.json")).await;
    let text = doc.to_string();
    for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = &piece[..piece.find('"').unwrap()];
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{name} is not defined"
        );
    }
    let errors = |schema: &str, value: &serde_json::Value| -> Vec<String> {
        let root = json!({
            "$ref": format!("#/components/schemas/{schema}"),
            "components": doc["components"],
        });
        let validator = jsonschema::validator_for(&root).unwrap();
        validator
            .iter_errors(value)
            .map(|e| e.to_string())
            .collect()
    };
    let (status, accepted) = t.json(post_json("/jobs", &json!({"repo_url": REPO}))).await;
    assert_eq!(status, 202, "{accepted}");
    assert_eq!(errors("JobAccepted", &accepted), Vec::<String>::new());
    let job = doctown_core::JobId::new(accepted["job_id"].as_str().unwrap()).unwrap();
    t.wait_terminal(&job).await;
    let (_, state) = t.json(get(&format!("/jobs/{job}"))).await;
    assert_eq!(errors("JobState", &state), Vec::<String>::new(), "{state}");
    assert!(state["stages"]["pack"]["artifacts"].is_object(), "{state}");
    let events = doctown_pipeline::read_events(t.store.as_ref(), &job, None).unwrap();
    assert!(events.len() > 5);
    for event in &events {
        let value = serde_json::to_value(event).unwrap();
        assert_eq!(errors("Event", &value), Vec::<String>::new(), "{value}");
    }
    let mut broken = state.clone();
    broken["status"] = json!("exploded");
    broken.as_object_mut().unwrap().remove("job_id");
    assert_eq!(errors("JobState", &broken).len(), 2, "{broken}");
    assert!(!errors("CreateJob", &json!({"git_ref": "main"})).is_empty());
}

#[tokio::test]
async fn api_keys_guard_mutating_routes_only() {
    let config = TriggerConfig::default().with_api_keys(["s3cret-key"]);
    let t = test_app(config, None);
    let body = json!({"repo_url": REPO});
    let (status, err) = t.json(post_json("/jobs", &body)).await;
    assert_eq!(status, 401, "{err}");
    let wrong = Request::post("/jobs")
        .header("authorization", "Bearer nope")
        .body(Body::from(body.to_string()))
        .unwrap();
    assert_eq!(t.json(wrong).await.0, 401);
    let right = Request::post("/jobs")
        .header("authorization", "Bearer s3cret-key")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, created) = t.json(right).await;
    assert_eq!(status, 202, "{created}");
    let stage = post_json("/stages/ingest", &json!({"job_id": created["job_id"]}));
    assert_eq!(t.json(stage).await.0, 401);
    // Reads stay open.
    assert_eq!(t.json(get("/docpacks")).await.0, 200);
    assert_eq!(
        t.json(get(&format!(
            "/jobs/{}",
            created["job_id"].as_str().unwrap()
        )))
        .await
        .0,
        200
    );
    assert_eq!(t.job_count(), 1);

    let file = format!("# keys\n{}\n\n", hex(&hash_api_key("k1")));
    assert_eq!(
        parse_api_key_hashes(&file).unwrap(),
        vec![hash_api_key("k1")]
    );
    assert!(parse_api_key_hashes("not-a-hash\n").is_err());
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn cors_preflight_for_the_configured_origin() {
    let config = TriggerConfig {
        cors_origins: vec!["https://doctown.dev".into()],
        ..TriggerConfig::default()
    };
    let t = test_app(config, None);
    let preflight = |origin: &str| {
        Request::options("/jobs")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .body(Body::empty())
            .unwrap()
    };
    let ok = t.send(preflight("https://doctown.dev")).await;
    assert!(ok.status().is_success());
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://doctown.dev"
    );
    let methods = ok.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(methods.contains("POST"), "{methods}");
    let other = t.send(preflight("https://evil.example")).await;
    assert!(other.headers().get("access-control-allow-origin").is_none());
    // Same-origin and no-CORS deployments send no CORS headers.
    let plain = test_app(TriggerConfig::default(), None);
    let response = plain.send(preflight("https://doctown.dev")).await;
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

#[tokio::test]
async fn website_is_served_with_spa_fallback() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<h1>doctown</h1>").unwrap();
    std::fs::write(dir.path().join("app.js"), "console.log(1)").unwrap();
    let t = test_app(TriggerConfig::default().with_static_dir(dir.path()), None);
    let text = |r: axum::http::Response<Body>| async {
        String::from_utf8(
            axum::body::to_bytes(r.into_body(), usize::MAX)
                .await
                .unwrap()
                .to_vec(),
        )
        .unwrap()
    };
    assert_eq!(text(t.send(get("/app.js")).await).await, "console.log(1)");
    let page = t.send(get("/job/abc")).await;
    assert_eq!(page.status(), 200);
    assert_eq!(text(page).await, "<h1>doctown</h1>");
    assert_eq!(text(t.send(get("/")).await).await, "<h1>doctown</h1>");
    // API paths never fall back to the website.
    let (status, body) = t.json(get("/api/unknown")).await;
    assert_eq!(status, 404);
    assert!(body["error"].is_string());
    assert_eq!(t.json(get("/api/health")).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_over_tcp_with_graceful_shutdown() {
    let t = test_app(TriggerConfig::default(), None);
    let store = t.store.clone();
    let state = doctown_trigger::AppState::new(
        store,
        std::sync::Arc::new(t.launcher.clone()),
        TriggerConfig::default(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(doctown_trigger::serve_listener(listener, state, async {
        let _ = stopped.await;
    }));
    let body = tokio::task::spawn_blocking(move || {
        let mut response = ureq::get(&format!("http://{addr}/health")).call().unwrap();
        response.body_mut().read_to_string().unwrap()
    })
    .await
    .unwrap();
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["stages"].as_array().unwrap().len(), 5);
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}
