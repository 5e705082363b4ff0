//! The jobs API against the real router: submit, state, SSE (complete,
//! resumable, live), download, library, cancel, per-stage runs, bad input.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::*;
use doctown_core::{JobStatus, StageStatus};
use doctown_trigger::TriggerConfig;
use serde_json::json;
use std::time::Duration;

const REPO: &str = "https://github.com/rust-lang/log";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_run_and_stream_every_event_in_order() {
    let t = test_app(TriggerConfig::default(), None);
    let (status, body) = t
        .json(post_json(
            "/jobs",
            &json!({"repo_url": REPO, "git_ref": "main"}),
        ))
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["status"], "queued");
    let job = doctown_core::JobId::new(body["job_id"].as_str().unwrap()).unwrap();
    assert_eq!(body["links"]["events"], format!("/jobs/{job}/events"));

    let response = t.send(get(&format!("/jobs/{job}/events"))).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let (messages, closed) = read_sse(response, Duration::from_secs(20)).await;
    assert!(closed, "the stream must close after job.completed.v1");
    let ids: Vec<u64> = messages.iter().map(|m| m.id.unwrap()).collect();
    assert_eq!(
        ids,
        (0..ids.len() as u64).collect::<Vec<_>>(),
        "in order, no gaps"
    );
    assert_eq!(ids.len(), 5 * 3 + 1);
    let last = messages.last().unwrap();
    assert_eq!(last.event.as_deref(), Some("job.completed.v1"));
    let envelope: serde_json::Value = serde_json::from_str(&last.data).unwrap();
    assert_eq!(envelope["status"], "succeeded");
    assert_eq!(envelope["job_id"], job.as_str());
    assert!(messages[..ids.len() - 1]
        .iter()
        .all(|m| m.event.as_deref() == Some("test.tick.v1")));

    let (status, state) = t.json(get(&format!("/jobs/{job}"))).await;
    assert_eq!(status, 200);
    assert_eq!(state["status"], "succeeded");
    assert_eq!(state["input"]["ref"], "main");
    assert_eq!(
        state["stages"]["pack"]["artifacts"]["docpack"],
        format!("jobs/{job}/pack/demo.docpack")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnecting_resumes_without_gaps_or_duplicates() {
    let gate = Gate::closed();
    let t = test_app(TriggerConfig::default(), Some(gate.clone()));
    let job = t.submit(REPO).await;
    // The first connection sees ingest's events and embed's (live, not yet stored), then drops.
    let response = t.send(get(&format!("/jobs/{job}/events"))).await;
    let (first, closed) = read_sse(response, Duration::from_millis(700)).await;
    assert!(!closed, "the job is still running");
    assert!(first.len() >= 3, "{first:?}");
    let last_id = first.last().unwrap().id.unwrap();
    gate.open();
    let request = Request::get(format!("/jobs/{job}/events"))
        .header("last-event-id", last_id.to_string())
        .body(Body::empty())
        .unwrap();
    let (second, closed) = read_sse(t.send(request).await, Duration::from_secs(20)).await;
    assert!(closed);
    let all: Vec<u64> = first.iter().chain(&second).map(|m| m.id.unwrap()).collect();
    assert_eq!(all, (0..16).collect::<Vec<_>>());

    // `?after=` for clients that cannot set headers; header-less replay of the tail.
    let (tail, closed) = read_sse(
        t.send(get(&format!("/jobs/{job}/events?after=13"))).await,
        Duration::from_secs(5),
    )
    .await;
    assert!(closed);
    assert_eq!(
        tail.iter().map(|m| m.id.unwrap()).collect::<Vec<_>>(),
        vec![14, 15]
    );
    // Already has everything: closes at once with nothing.
    let (none, closed) = read_sse(
        t.send(get(&format!("/jobs/{job}/events?after=15"))).await,
        Duration::from_secs(5),
    )
    .await;
    assert!(closed && none.is_empty(), "{none:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_events_arrive_before_the_stage_is_stored_and_merge_cleanly() {
    let gate = Gate::closed();
    let t = pulsing_app(gate.clone());
    let job = t.submit(REPO).await;
    let response = t.send(get(&format!("/jobs/{job}/events"))).await;
    let mut stream = response.into_body().into_data_stream();
    let mut text = String::new();
    // Pulses of the running embed stage come through live: not in the store yet.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !parse_sse(&text)
        .iter()
        .any(|m| m.data.contains("\"pulse\""))
    {
        let chunk = tokio::time::timeout_at(deadline, futures_util::StreamExt::next(&mut stream))
            .await
            .expect("a live pulse within 10 s")
            .unwrap()
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let stored = doctown_pipeline::read_events(t.store.as_ref(), &job, None).unwrap();
    assert!(stored
        .iter()
        .all(|e| !e.payload.to_string().contains("pulse")));
    gate.open();
    tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(chunk) = futures_util::StreamExt::next(&mut stream).await {
            text.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        }
    })
    .await
    .expect("the stream closes");
    let ids: Vec<u64> = parse_sse(&text).iter().map(|m| m.id.unwrap()).collect();
    let state = t.state(&job);
    assert_eq!(ids, (0..state.next_event_seq).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_and_library() {
    let t = test_app(TriggerConfig::default(), None);
    let mut jobs = Vec::new();
    for _ in 0..3 {
        let job = t.submit(REPO).await;
        t.wait_terminal(&job).await;
        jobs.push(job);
    }
    let response = t.send(get(&format!("/jobs/{}/docpack", jobs[0]))).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"demo.docpack\""
    );
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(&bytes[..], DOCPACK_BYTES);

    let (status, page) = t.json(get("/docpacks?limit=2")).await;
    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["job_id"], jobs[2].as_str(), "newest first");
    assert_eq!(items[1]["job_id"], jobs[1].as_str());
    assert_eq!(items[0]["commit"], "c0ffee");
    assert_eq!(items[0]["name"], "demo");
    assert_eq!(items[0]["size"], DOCPACK_BYTES.len());
    assert_eq!(
        items[0]["download_url"],
        format!("/jobs/{}/docpack", jobs[2])
    );
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let (_, page2) = t
        .json(get(&format!("/api/docpacks?limit=2&cursor={cursor}")))
        .await;
    let items2 = page2["items"].as_array().unwrap();
    assert_eq!(items2.len(), 1);
    assert_eq!(items2[0]["job_id"], jobs[0].as_str());
    assert!(page2["next_cursor"].is_null());
    for bad in [
        "/docpacks?limit=0",
        "/docpacks?limit=abc",
        "/docpacks?cursor=../x",
    ] {
        let (status, body) = t.json(get(bad)).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body["error"].is_string());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_a_running_job() {
    let gate = Gate::closed();
    let t = test_app(TriggerConfig::default(), Some(gate));
    let job = t.submit(REPO).await;
    for _ in 0..200 {
        if t.state(&job).stage(doctown_core::Stage::Embed).status == StageStatus::Running {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (status, body) = t
        .json(post_json(&format!("/jobs/{job}/cancel"), &json!({})))
        .await;
    assert_eq!(status, 202, "{body}");
    let state = t.wait_terminal(&job).await;
    assert_eq!(state.status, JobStatus::Cancelled);
    let (messages, closed) = read_sse(
        t.send(get(&format!("/jobs/{job}/events"))).await,
        Duration::from_secs(10),
    )
    .await;
    assert!(closed);
    assert_eq!(
        messages.last().unwrap().event.as_deref(),
        Some("job.completed.v1")
    );
    let (status, body) = t
        .json(post_json(&format!("/jobs/{job}/cancel"), &json!({})))
        .await;
    assert_eq!(status, 409, "{body}");
    let (status, _) = t.json(get(&format!("/jobs/{job}/docpack"))).await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_stage_invocation() {
    let t = test_app(TriggerConfig::default(), None);
    let job = t.submit(REPO).await;
    let before = t.wait_terminal(&job).await;
    let (status, body) = t
        .json(post_json(
            "/stages/generate",
            &json!({"job_id": job.as_str()}),
        ))
        .await;
    assert_eq!(status, 202, "{body}");
    t.launcher.wait_idle().await;
    let after = t.state(&job);
    assert_eq!(after.stage(doctown_core::Stage::Generate).attempts, 2);
    assert_eq!(after.status, JobStatus::Succeeded);
    // Pack was made from generate's earlier output: it ran again.
    let pack = |s: &doctown_core::JobState| s.stage(doctown_core::Stage::Pack).clone();
    assert_eq!(pack(&after).status, StageStatus::Succeeded);
    assert!(
        pack(&after).started_at > pack(&before).started_at
            && pack(&after).started_at >= after.stage(doctown_core::Stage::Generate).started_at,
        "{:?}",
        pack(&after)
    );
    assert!(after.next_event_seq > before.next_event_seq);

    let (status, body) = t
        .json(post_json("/stages/bake", &json!({"job_id": job.as_str()})))
        .await;
    assert_eq!(status, 404);
    assert!(
        body["error"].as_str().unwrap().contains("unknown stage"),
        "{body}"
    );
    let (status, _) = t
        .json(post_json(
            "/stages/embed",
            &json!({"job_id": "job-missing"}),
        ))
        .await;
    assert_eq!(status, 404);
    let (status, _) = t
        .json(post_json("/stages/embed", &json!({"job_id": "Bad Id"})))
        .await;
    assert_eq!(status, 400);
    let (status, body) = t
        .json(post_json(
            "/stages/embed",
            &json!({"job_id": job.as_str(), "shard": 1}),
        ))
        .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_json_errors_and_creates_nothing() {
    let t = test_app(TriggerConfig::default(), None);
    let cases: Vec<(Request<Body>, u16)> = vec![
        (get("/jobs/job-does-not-exist"), 404),
        (get("/jobs/NOT%20VALID"), 400),
        (get("/jobs/job-does-not-exist/events"), 404),
        (get("/jobs/job-does-not-exist/docpack"), 404),
        (
            post_json("/jobs/job-does-not-exist/cancel", &json!({})),
            404,
        ),
        (
            post_json("/jobs", &json!({"repo_url": "http://10.0.0.5/o/r"})),
            403,
        ),
        (
            post_json(
                "/jobs",
                &json!({"repo_url": "http://169.254.169.254/latest"}),
            ),
            403,
        ),
        (
            post_json("/jobs", &json!({"repo_url": "https://localhost/o/r"})),
            403,
        ),
        (
            post_json("/jobs", &json!({"repo_url": "https://gitlab.com/o/r"})),
            403,
        ),
        (post_json("/jobs", &json!({"repo_url": "/etc"})), 400),
        (
            post_json("/jobs", &json!({"repo_url": REPO, "git_ref": "a..b"})),
            400,
        ),
        (post_json("/jobs", &json!({"git_ref": "main"})), 400),
        (
            Request::post("/jobs")
                .header("content-type", "application/json")
                .body(Body::from("{not json"))
                .unwrap(),
            400,
        ),
        (Request::post("/jobs").body(Body::empty()).unwrap(), 415),
        (
            Request::post("/jobs")
                .header("content-type", "application/json")
                .body(Body::empty())
                .unwrap(),
            400,
        ),
        (
            Request::post("/jobs")
                .header("content-type", "application/json")
                .body(Body::from(vec![b' '; 2 << 20]))
                .unwrap(),
            413,
        ),
        (get("/jobs/job-x/events?after=abc"), 400),
        (get("/nope"), 404),
        (Request::delete("/jobs").body(Body::empty()).unwrap(), 405),
    ];
    for (request, want) in cases {
        let what = format!("{} {}", request.method(), request.uri());
        let (status, body) = t.json(request).await;
        assert_eq!(status, want, "{what}: {body}");
        assert!(body["error"].is_string(), "{what}: {body}");
    }
    assert_eq!(t.job_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_paths_only_when_allowed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.rs"), "fn a() {}").unwrap();
    let path = dir.path().display().to_string();
    let closed = test_app(TriggerConfig::default(), None);
    let (status, _) = closed
        .json(post_json("/jobs", &json!({"repo_url": path})))
        .await;
    assert_eq!(status, 400);
    let open = test_app(
        TriggerConfig {
            allow_local: true,
            ..TriggerConfig::default()
        },
        None,
    );
    let (status, body) = open
        .json(post_json("/jobs", &json!({"repo_url": path})))
        .await;
    assert_eq!(status, 202, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stage_options_reach_the_job_and_bad_ones_are_refused() {
    let t = test_app(TriggerConfig::default(), None);
    let structural = json!({
        "ingest": {"max_total_bytes": 4_000_000_000u64, "gitignore": false},
        "embed": {"enabled": false},
        "assemble": {"use_embeddings": false},
    });
    let (status, body) = t
        .json(post_json(
            "/jobs",
            &json!({"repo_url": REPO, "options": structural}),
        ))
        .await;
    assert_eq!(status, 202, "{body}");
    let job = body["job_id"].as_str().unwrap().to_string();
    let (status, state) = t.json(get(&format!("/jobs/{job}"))).await;
    assert_eq!(status, 200);
    assert_eq!(state["input"]["options"], structural);

    let refused = [
        (json!({"ingets": {}}), "\"ingets\" is not a stage"),
        (json!({"ingest": {"max_total_byte": 1}}), "unknown field"),
        (json!({"embed": {"model_dir": "/etc"}}), "options.embed"),
        (
            json!({"ingest": {"scip": "/srv/x.scip"}}),
            "path on the host",
        ),
    ];
    for (options, expected) in refused {
        let (status, body) = t
            .json(post_json(
                "/jobs",
                &json!({"repo_url": REPO, "options": options}),
            ))
            .await;
        assert_eq!(status, 400, "{options}: {body}");
        let error = body["error"].as_str().unwrap();
        assert!(error.contains(expected), "{options}: {error}");
    }
    assert_eq!(t.job_count(), 1, "a refused job is not created");
}
