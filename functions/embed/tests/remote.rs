//! The remote embedding backend against a scripted local server
//! (`common::server`): ordering, retries (429 with `Retry-After`, 5xx,
//! hangs, unreachable hosts), strict checks of every answer (dimensions,
//! NaN, counts, the model), bounded concurrency, and the stage end to end
//! with its cache. No model files are needed.

mod common;

use common::job::{chunks, job, run, summary_u64};
use common::server::{raw, start, unit, vectors, Reply};
use doctown_core::{ErrorKind, StageStatus};
use doctown_embed::config::{ApiKey, BackendKind};
use doctown_embed::events::EmbeddingCompleted;
use doctown_embed::text::chunk_text;
use doctown_embed::{
    Backend, BatchPlan, EmbedConfig, EmbedError, EmbedHandler, RemoteConfig, RemoteEmbedder,
    VectorsReader,
};
use doctown_store::{MemoryStore, ObjectStore};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn remote(url: &str) -> RemoteConfig {
    RemoteConfig {
        base_url: url.to_string(),
        model: "m".into(),
        api_key: ApiKey::Key("sk-test-secret".into()),
        concurrency: 2,
        batch_size: 2,
        timeout_ms: 5_000,
        retries: 3,
        backoff_ms: 5,
    }
}

fn embed(config: &RemoteConfig, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
    let backend = Backend::Remote(Arc::new(RemoteEmbedder::new(config).unwrap()));
    backend.embed(texts, &BatchPlan::from_config(&EmbedConfig::default()))
}

/// One line, naming the endpoint and each needle, never the key.
fn assert_error(err: &EmbedError, kind: ErrorKind, needles: &[&str]) {
    let message = err.to_string();
    assert!(!message.contains('\n'), "not one line: {message}");
    assert!(
        !message.contains("sk-test-secret"),
        "the key leaked: {message}"
    );
    assert!(message.contains("/v1/embeddings"), "no endpoint: {message}");
    for needle in needles {
        assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    }
    assert_eq!(err.kind(), kind, "{message}");
}

#[test]
fn vectors_come_back_by_index_normalised_with_the_key_sent() {
    let server = start(|_, _| vectors(8));
    let texts = ["alpha", "beta beta", "gamma", "delta delta delta", "e"];
    let got = embed(&remote(&server.url), &texts).unwrap();
    for (text, vector) in texts.iter().zip(&got) {
        assert_eq!(vector, &unit(text, 8), "{text}");
        let norm: f32 = vector.iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-5);
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 3, "5 texts in batches of 2");
    let mut sent: Vec<&str> = requests
        .iter()
        .flat_map(|r| r.body["input"].as_array().unwrap())
        .map(|t| t.as_str().unwrap())
        .collect();
    sent.sort();
    let mut expected = texts.to_vec();
    expected.sort();
    assert_eq!(sent, expected);
    for r in &requests {
        assert_eq!(r.body["model"], "m");
        assert_eq!(r.authorization.as_deref(), Some("Bearer sk-test-secret"));
    }
}

#[test]
fn a_429_is_retried_after_the_time_retry_after_asks_for() {
    let server = start(|n, _| match n {
        0 => Reply::Raw {
            status: 429,
            headers: vec![("retry-after", "1".into())],
            body: r#"{"error": "slow down"}"#.into(),
        },
        _ => vectors(8),
    });
    let started = Instant::now();
    let got = embed(&remote(&server.url), &["one"]).unwrap();
    assert_eq!(got, vec![unit("one", 8)]);
    assert_eq!(server.requests().len(), 2);
    // The backoff is 5 ms: only Retry-After explains a wait of a second.
    assert!(started.elapsed() >= Duration::from_millis(950));
}

#[test]
fn a_server_failing_with_500_gives_one_clear_line_after_the_retries() {
    let server = start(|_, _| raw(500, "model crashed\nat line 3"));
    let config = RemoteConfig {
        retries: 2,
        ..remote(&server.url)
    };
    let err = embed(&config, &["one"]).unwrap_err();
    assert_eq!(
        server.requests().len(),
        3,
        "the first attempt and 2 retries"
    );
    assert_error(
        &err,
        ErrorKind::Transient,
        &[
            &server.url,
            "HTTP 500: model crashed at line 3",
            "gave up after 3 attempts",
        ],
    );
}

#[test]
fn a_client_error_is_not_retried() {
    let server = start(|_, _| raw(401, r#"{"error": "bad key sk-test-secret"}"#));
    let err = embed(&remote(&server.url), &["one"]).unwrap_err();
    assert_eq!(server.requests().len(), 1);
    assert_error(
        &err,
        ErrorKind::Invalid,
        &["HTTP 401", "bad key <redacted>"],
    );
}

#[test]
fn a_hang_times_out_and_is_retried() {
    let server = start(|n, _| if n == 0 { Reply::Hang } else { vectors(8) });
    let config = RemoteConfig {
        timeout_ms: 300,
        ..remote(&server.url)
    };
    assert_eq!(embed(&config, &["one"]).unwrap(), vec![unit("one", 8)]);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_server_that_always_hangs_fails_clearly_after_its_retries() {
    let server = start(|_, _| Reply::Hang);
    let config = RemoteConfig {
        timeout_ms: 200,
        retries: 1,
        ..remote(&server.url)
    };
    let started = Instant::now();
    let err = embed(&config, &["one"]).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(server.requests().len(), 2);
    assert_error(
        &err,
        ErrorKind::Transient,
        &[
            "no answer within DOCTOWN_EMBED_TIMEOUT_SECS",
            "gave up after 2 attempts",
        ],
    );
}

#[test]
fn other_dimensions_in_a_later_batch_are_refused() {
    let server = start(|n, _| vectors(if n == 0 { 8 } else { 7 }));
    let config = RemoteConfig {
        concurrency: 1,
        batch_size: 1,
        ..remote(&server.url)
    };
    let err = embed(&config, &["one", "two", "three"]).unwrap_err();
    assert_error(
        &err,
        ErrorKind::Internal,
        &[
            "7 dimensions, but the first batch had 8",
            "one model per docpack",
        ],
    );
    assert_eq!(server.requests().len(), 2, "refused, not retried");
}

#[test]
fn nan_values_are_refused() {
    // As Python's json writes NaN, and as JavaScript writes it (null).
    for body in [
        r#"{"data": [{"index": 0, "embedding": [0.5, NaN]}], "model": "m"}"#,
        r#"{"data": [{"index": 0, "embedding": [0.5, null]}], "model": "m"}"#,
    ] {
        let server = start(move |_, _| raw(200, body));
        let err = embed(&remote(&server.url), &["one"]).unwrap_err();
        assert_error(&err, ErrorKind::Internal, &["NaN"]);
        assert_eq!(server.requests().len(), 1);
    }
}

#[test]
fn fewer_vectors_than_texts_are_refused() {
    let body = r#"{"data": [{"index": 0, "embedding": [0.5, 0.5]}], "model": "m"}"#;
    let server = start(move |_, _| raw(200, body));
    let err = embed(&remote(&server.url), &["one", "two"]).unwrap_err();
    assert_error(
        &err,
        ErrorKind::Internal,
        &["answered 1 vector(s) for 2 texts"],
    );
}

#[test]
fn a_server_that_changes_model_between_batches_is_refused() {
    let server = start(|n, _| Reply::Vectors {
        dims: 8,
        model: Some(if n == 0 { "m" } else { "m-v2" }),
        delay: Duration::ZERO,
    });
    let config = RemoteConfig {
        concurrency: 1,
        batch_size: 1,
        ..remote(&server.url)
    };
    let err = embed(&config, &["one", "two"]).unwrap_err();
    assert_error(
        &err,
        ErrorKind::Internal,
        &[
            "\"m-v2\"",
            "first batch came from \"m\"",
            "one model per docpack",
        ],
    );
    // A server answering with another model than configured, from the start.
    let other = start(|_, _| Reply::Vectors {
        dims: 8,
        model: Some("other"),
        delay: Duration::ZERO,
    });
    let err = embed(&remote(&other.url), &["one"]).unwrap_err();
    assert_error(&err, ErrorKind::Internal, &["DOCTOWN_EMBED_MODEL is \"m\""]);
}

#[test]
fn an_unreachable_base_url_fails_clearly() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/v1");
    let config = RemoteConfig {
        retries: 1,
        ..remote(&url)
    };
    let err = embed(&config, &["one"]).unwrap_err();
    assert_error(
        &err,
        ErrorKind::Transient,
        &[&url, "cannot reach it", "gave up after 2 attempts"],
    );
}

#[test]
fn batches_in_flight_are_bounded_by_the_concurrency() {
    let server = start(|_, _| Reply::Vectors {
        dims: 8,
        model: Some("m"),
        delay: Duration::from_millis(150),
    });
    let config = RemoteConfig {
        concurrency: 3,
        batch_size: 1,
        ..remote(&server.url)
    };
    let texts: Vec<String> = (0..12).map(|i| format!("text {i}")).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let got = embed(&config, &refs).unwrap();
    for (text, vector) in refs.iter().zip(&got) {
        assert_eq!(vector, &unit(text, 8));
    }
    assert_eq!(server.requests().len(), 12);
    let max = server.max_in_flight();
    assert!((2..=3).contains(&max), "{max} in flight at once");
}

#[test]
fn https_without_a_key_is_a_configuration_error() {
    let config = EmbedConfig {
        backend: BackendKind::OpenAi,
        remote: RemoteConfig {
            base_url: "https://embeddings.example/v1".into(),
            model: "m".into(),
            ..RemoteConfig::default()
        },
        ..EmbedConfig::default()
    };
    let err = config.validate().unwrap_err();
    assert!(err.contains("DOCTOWN_EMBED_API_KEY"), "{err}");
    assert!(Backend::shared(&config).is_err());
}

fn remote_stage(url: &str) -> EmbedConfig {
    EmbedConfig {
        backend: BackendKind::OpenAi,
        remote: RemoteConfig {
            batch_size: 4,
            ..remote(url)
        },
        model_dir: "/nonexistent/model".into(),
        ..EmbedConfig::default()
    }
}

#[test]
fn the_stage_embeds_remotely_caches_per_model_and_rebuilds_without_requests() {
    let server = start(|_, _| vectors(16));
    let store = MemoryStore::new();
    let chunks = chunks();
    let handler = EmbedHandler::new(remote_stage(&server.url));
    let state = job(&store, "job-remote-1", &chunks, serde_json::Value::Null);
    let (out, events) = run(&handler, &store, &state);
    let out = out.unwrap();
    assert_eq!(out.status, StageStatus::Succeeded);
    assert_eq!(out.summary["model_id"], "openai:m");
    assert_eq!(summary_u64(&out, "dims"), 16);
    let bytes = store.get(&out.artifacts["vectors"]).unwrap().unwrap().bytes;
    let vectors = VectorsReader::open(&bytes).unwrap();
    assert_eq!((vectors.len(), vectors.dims()), (chunks.len(), 16));
    for c in &chunks {
        let expected = unit(&chunk_text(c, EmbedConfig::default().max_length), 16);
        assert_eq!(vectors.get(c.id.as_str()).unwrap(), &expected[..]);
    }
    let done = events
        .last()
        .unwrap()
        .payload_as::<EmbeddingCompleted>()
        .unwrap();
    assert_eq!(
        (done.model_id.as_str(), done.device.as_deref()),
        ("openai:m", Some("remote"))
    );
    let cached = store.list("cache/embeddings/").unwrap();
    assert_eq!(
        cached.len(),
        chunks.len() - 1,
        "one entry per distinct text"
    );
    assert!(
        cached
            .iter()
            .all(|k| k.starts_with("cache/embeddings/openai@m-")),
        "{cached:?}"
    );
    let requests = server.requests().len();
    // The probe that fixed the dimensions, then 25 texts in batches of 4.
    assert_eq!(requests, 1 + 7);

    let again = job(&store, "job-remote-2", &chunks, serde_json::Value::Null);
    let (out2, _) = run(&handler, &store, &again);
    let out2 = out2.unwrap();
    assert_eq!(summary_u64(&out2, "cache_misses"), 0);
    assert_eq!(server.requests().len(), requests, "all from the cache");
    let bytes2 = store
        .get(&out2.artifacts["vectors"])
        .unwrap()
        .unwrap()
        .bytes;
    assert_eq!(bytes2, bytes);
}

#[test]
fn a_failing_server_fails_the_stage_with_its_line() {
    let server = start(|_, _| raw(503, "overloaded"));
    let mut config = remote_stage(&server.url);
    config.remote.retries = 1;
    let store = MemoryStore::new();
    let state = job(
        &store,
        "job-remote-down",
        &chunks()[..3],
        serde_json::Value::Null,
    );
    let (out, _) = run(&EmbedHandler::new(config), &store, &state);
    let failure = out.unwrap_err();
    assert_eq!(failure.kind, ErrorKind::Transient);
    assert!(
        failure.message.contains("HTTP 503: overloaded"),
        "{}",
        failure.message
    );
    assert!(failure.message.contains(&server.url));
    assert!(store
        .list("jobs/job-remote-down/embed/")
        .unwrap()
        .is_empty());
}

#[test]
fn the_first_failure_stops_the_other_batches_retrying() {
    // "bad" is refused at once; "flaky" would retry for minutes on its own.
    let server = start(|_, body| {
        if body["input"][0] == "bad" {
            raw(400, "input refused")
        } else {
            raw(503, "busy")
        }
    });
    let config = RemoteConfig {
        concurrency: 2,
        batch_size: 1,
        retries: 10,
        backoff_ms: 1_000,
        ..remote(&server.url)
    };
    let started = Instant::now();
    let err = embed(&config, &["bad", "flaky"]).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_error(&err, ErrorKind::Invalid, &["HTTP 400: input refused"]);
}

#[test]
fn chunks_of_test_and_generated_files_are_not_embedded_unless_asked() {
    let server = start(|_, _| vectors(16));
    let store = MemoryStore::new();
    let mut chunks = chunks();
    chunks[0].role = Some(doctown_core::FileRole::Test);
    chunks[1].role = Some(doctown_core::FileRole::Generated);
    chunks[2].role = Some(doctown_core::FileRole::Example);
    let handler = EmbedHandler::new(remote_stage(&server.url));
    let state = job(&store, "job-roles-1", &chunks, serde_json::Value::Null);
    let out = run(&handler, &store, &state).0.unwrap();
    assert_eq!(summary_u64(&out, "skipped_chunks"), 2);
    assert_eq!(summary_u64(&out, "chunks"), chunks.len() as u64 - 2);
    let bytes = store.get(&out.artifacts["vectors"]).unwrap().unwrap().bytes;
    let vectors = VectorsReader::open(&bytes).unwrap();
    assert!(vectors.get(chunks[0].id.as_str()).is_none());
    assert!(vectors.get(chunks[1].id.as_str()).is_none());
    assert!(
        vectors.get(chunks[2].id.as_str()).is_some(),
        "examples are embedded"
    );
    assert_eq!(vectors.len(), chunks.len() - 2);

    // A job that asks for every role gets every chunk.
    let all = job(
        &store,
        "job-roles-2",
        &chunks,
        serde_json::json!({"skip_roles": []}),
    );
    let out = run(&handler, &store, &all).0.unwrap();
    assert_eq!(summary_u64(&out, "skipped_chunks"), 0);
    let bytes = store.get(&out.artifacts["vectors"]).unwrap().unwrap().bytes;
    assert_eq!(VectorsReader::open(&bytes).unwrap().len(), chunks.len());
}
