//! The query routes over a finished job's docpack: `GET /jobs/{id}/ask`
//! and `GET /jobs/{id}/impact` answer what the query engine (and so
//! `doctown query ask|impact --json`) answers, `search` too; bad input,
//! unknown symbols, unfinished jobs and jobs without a docpack are one-line
//! JSON errors.

mod common;

use common::{factory, get, Gate, TestApp};
use doctown_core::{JobId, Stage};
use doctown_docpack::{encode_docpack, read_docpack_bytes, ReadLimits};
use doctown_query::synthetic::{hub_docpack, Hub};
use doctown_query::Reader;
use doctown_query::{ask, impact, AskModel, Engine, Origin, Pack, SearchRequest};
use doctown_store::{MemoryStore, ObjectStore};
use doctown_trigger::{
    router, AppState, InProcessLauncher, InProcessOptions, JobLauncher, StoreCatalog, TriggerConfig,
};
use serde_json::Value;
use std::sync::Arc;

const SHAPE: Hub = Hub {
    callers: 6,
    test_callers: 1,
    second_level: 3,
    modules: 2,
};

fn docpack_bytes() -> Vec<u8> {
    encode_docpack(&hub_docpack(SHAPE)).unwrap().bytes
}

/// The same docpack as the engine indexes it, to compare answers with.
fn pack() -> Arc<Pack> {
    let docpack = read_docpack_bytes(&docpack_bytes(), &ReadLimits::default()).unwrap();
    let origin = Origin {
        location: "test".into(),
        checkout: None,
    };
    Arc::new(Pack::new("test", origin, docpack))
}

/// The app with the query engine over its store (and `model` behind ask).
fn query_app(gate: Option<Gate>, model: Option<Arc<dyn AskModel>>) -> TestApp {
    query_app_with(TriggerConfig::default(), gate, model)
}

fn query_app_with(
    config: TriggerConfig,
    gate: Option<Gate>,
    model: Option<Arc<dyn AskModel>>,
) -> TestApp {
    let store = Arc::new(MemoryStore::new());
    let seen = common::SeenTokens::default();
    let launcher = InProcessLauncher::new(
        store.clone(),
        factory(gate, seen.clone()),
        InProcessOptions::default(),
    )
    .unwrap();
    let catalog = StoreCatalog::new(store.clone() as Arc<dyn ObjectStore>);
    let engine = Arc::new(Engine::with_catalog(Arc::new(catalog), 4));
    let state = AppState::new(
        store.clone() as Arc<dyn ObjectStore>,
        Arc::new(launcher.clone()) as Arc<dyn JobLauncher>,
        config,
    )
    .with_query(engine, None)
    .with_ask_model(model);
    TestApp {
        store,
        launcher,
        app: router(state),
        seen_tokens: seen,
    }
}

/// A finished job whose docpack is the hub docpack.
async fn finished_job(t: &TestApp) -> JobId {
    let job = t.submit("https://github.com/octo/hub").await;
    let state = t.wait_terminal(&job).await;
    let key = state.stage(Stage::Pack).artifacts["docpack"].clone();
    t.store.put(&key, &docpack_bytes()).unwrap();
    job
}

/// A query string value.
fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// An error answer: the status, and a one-line `{"error": …}` body.
async fn error(t: &TestApp, uri: &str) -> (u16, String) {
    let (status, body) = t.json(get(uri)).await;
    let message = body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{uri}: {status} {body}"))
        .to_string();
    assert!(!message.contains('\n'), "{uri}: {message}");
    assert_eq!(body.as_object().unwrap().len(), 1, "{uri}: {body}");
    (status, message)
}

/// Validates `body` against the OpenAPI document's `schema` (generated
/// from the engine's answer types), with every error named.
async fn conforms(t: &TestApp, body: &Value, schema: &str) {
    let (_, doc) = t.json(get("/openapi.json")).await;
    let root = serde_json::json!({
        "$ref": format!("#/components/schemas/{schema}"),
        "components": doc["components"],
    });
    let validator = jsonschema::validator_for(&root).unwrap();
    let errors: Vec<String> = validator.iter_errors(body).map(|e| e.to_string()).collect();
    assert_eq!(errors, Vec::<String>::new(), "{schema}: {body}");
    let mut damaged = body.clone();
    damaged.as_object_mut().unwrap().remove(match schema {
        "Impact" => "target",
        "AskAnswer" => "answer",
        "Outline" => "docs",
        "Members" => "members",
        "SymbolDetail" => "signature",
        _ => "hits",
    });
    assert!(
        !validator.is_valid(&damaged),
        "{schema} without a required field"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn impact_answers_what_the_engine_answers() {
    let t = query_app(None, None);
    let job = finished_job(&t).await;
    let (status, body) = t.json(get(&format!("/jobs/{job}/impact?symbol=hub"))).await;
    assert_eq!(status, 200, "{body}");
    let p = pack();
    let hub = p.index_of(body["target"]["id"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::to_value(impact(&*p, hub, 3, 0, 50)).unwrap()
    );
    conforms(&t, &body, "Impact").await;
    // Five source callers, then three outer functions; the test caller is a test.
    assert_eq!(body["by_depth"], serde_json::json!([5, 3]));
    assert_eq!(body["tests_total"], 1);
    assert_eq!(body["tests"][0]["name"], "caller_0");
    let modules: u64 = body["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m[1].as_u64().unwrap())
        .sum();
    assert_eq!(modules, 8);
    // Depth, pages, and the same answer under /api and by id.
    let (_, one) = t
        .json(get(&format!("/api/jobs/{job}/impact?symbol=hub&depth=1")))
        .await;
    assert_eq!(one["by_depth"], serde_json::json!([5]));
    let id = enc(body["target"]["id"].as_str().unwrap());
    let (_, page) = t
        .json(get(&format!(
            "/jobs/{job}/impact?symbol={id}&limit=2&offset=2"
        )))
        .await;
    assert_eq!(page["affected"].as_array().unwrap().len(), 2);
    assert_eq!(page["affected"][0], body["affected"][2]);
    assert_eq!(page["page"]["next_offset"], 4);

    for (query, status, says) in [
        ("symbol=", 400, "symbol: name a symbol"),
        ("depth=2", 400, "symbol: name a symbol"),
        (
            "symbol=nothing_like_it",
            404,
            "no symbol \"nothing_like_it\"",
        ),
        (
            "symbol=hub&depth=0",
            400,
            "invalid depth \"0\": expected 1-10",
        ),
        ("symbol=hub&depth=11", 400, "invalid depth"),
        ("symbol=hub&depth=deep", 400, "invalid depth \"deep\""),
        (
            "symbol=hub&limit=201",
            400,
            "invalid limit \"201\": expected 1-200",
        ),
        ("symbol=hub&offset=-1", 400, "invalid offset"),
        ("symbol=hub&symbol=x", 400, "bad query string"),
    ] {
        let (got, message) = error(&t, &format!("/jobs/{job}/impact?{query}")).await;
        assert_eq!(got, status, "{query}: {message}");
        assert!(message.contains(says), "{query}: {message}");
    }
    let huge = "x".repeat(5000);
    let (got, message) = error(&t, &format!("/jobs/{job}/impact?symbol={huge}")).await;
    assert_eq!(
        (got, message.as_str()),
        (400, "a symbol name is at most 1024 bytes")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_answers_with_the_evidence_without_a_model() {
    let t = query_app(None, None);
    let job = finished_job(&t).await;
    let question = "which functions call hub";
    let (status, body) = t
        .json(get(&format!("/jobs/{job}/ask?q={}", enc(question))))
        .await;
    assert_eq!(status, 200, "{body}");
    // What `doctown query ask --no-model --json` prints for the same docpack.
    let request = SearchRequest {
        query: question.into(),
        ..SearchRequest::default()
    };
    let expected = ask::answer(&[pack()], &request, None, &mut |_| {}).unwrap();
    assert_eq!(body, serde_json::to_value(&expected).unwrap());
    conforms(&t, &body, "AskAnswer").await;
    let (status, found) = t.json(get(&format!("/jobs/{job}/search?q=hub"))).await;
    assert_eq!(status, 200, "{found}");
    conforms(&t, &found, "SearchResult").await;
    assert_eq!(body["model"], "evidence");
    assert_eq!(body["note"], "no model is configured");
    // Every citation names a symbol of the docpack, the first the hub.
    let citations = body["citations"].as_array().unwrap();
    let cited = body["cited"].as_array().unwrap();
    assert!(!citations.is_empty());
    assert_eq!(citations.len(), cited.len(), "{body}");
    assert_eq!(cited[0]["name"], "hub", "{body}");
    assert_eq!(cited[0]["cite"], citations[0]);
    let p = pack();
    for c in cited {
        let i = p
            .index_of(c["id"].as_str().unwrap())
            .expect("a symbol of the docpack");
        assert_eq!(
            c["cite"],
            format!("{}:{}", p.symbol(i).path, p.symbol(i).range.start_line)
        );
        assert!(body["answer"]
            .as_str()
            .unwrap()
            .contains(c["cite"].as_str().unwrap()));
    }

    let long = "why ".repeat(501);
    for (uri, status, says) in [
        (format!("/jobs/{job}/ask"), 400, "q: the question is empty"),
        (
            format!("/jobs/{job}/ask?q=%20%20"),
            400,
            "q: the question is empty",
        ),
        (
            format!("/jobs/{job}/ask?q={}", enc(&long)),
            400,
            "q: a question is at most 2000 characters (this one has 2003)",
        ),
        (format!("/jobs/{job}/ask?q=a&q=b"), 400, "bad query string"),
        ("/jobs/NOT%20A%20JOB/ask?q=x".to_string(), 400, "job id"),
        (
            "/jobs/job-0000000000000-00000000/ask?q=x".to_string(),
            404,
            "not found",
        ),
    ] {
        let (got, message) = error(&t, &uri).await;
        assert_eq!(got, status, "{uri}: {message}");
        assert!(message.contains(says), "{uri}: {message}");
    }
}

/// A model that cites the first evidence item, and a line outside the evidence.
struct Citing;

impl AskModel for Citing {
    fn id(&self) -> &str {
        "citing-model"
    }

    fn complete(
        &self,
        _system: &str,
        user: &str,
        on_text: &mut dyn FnMut(&str),
    ) -> Result<String, String> {
        let first = user
            .lines()
            .find(|l| l.starts_with("[1] "))
            .ok_or("no evidence")?;
        let cite = first.rsplit(' ').next().unwrap().split('-').next().unwrap();
        let text =
            format!("The hub is called by its callers ({cite}), see also (src/nowhere.rs:3).");
        // Streamed in three pieces, as a chat API sends it.
        let (a, rest) = text.split_at(10);
        let (b, c) = rest.split_at(20);
        for piece in [a, b, c] {
            on_text(piece);
        }
        Ok(text)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_with_a_model_checks_its_citations() {
    let t = query_app(None, Some(Arc::new(Citing)));
    let job = finished_job(&t).await;
    let (status, body) = t
        .json(get(&format!("/jobs/{job}/ask?q=who+calls+hub")))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["model"], "citing-model");
    assert_eq!(body["unverified"], serde_json::json!(["src/nowhere.rs:3"]));
    assert!(body["answer"]
        .as_str()
        .unwrap()
        .contains("src/nowhere.rs:3 [unverified]"));
    let cited = body["cited"].as_array().unwrap();
    assert_eq!(cited.len(), 1, "{body}");
    assert_eq!(cited[0]["cite"], body["citations"][0]);
    assert_eq!(cited[0]["id"], body["evidence"]["items"][0]["id"]);
    assert!(body.get("note").is_none(), "{body}");
}

/// Beyond loopback without accounts (reads opened with `--public-reads`),
/// the operator's model answers key holders only; anyone else gets the
/// evidence. Without keys (`--open`) it answers nobody.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_server_spends_its_model_on_key_holders_only() {
    for keys in [vec!["k3y"], vec![]] {
        let mut config = TriggerConfig::default().with_api_keys(keys.clone());
        config.ask_model_needs_key = true;
        let t = query_app_with(config, None, Some(Arc::new(Citing)));
        let job = {
            let request = axum::http::Request::post("/jobs")
                .header("content-type", "application/json")
                .header("authorization", "Bearer k3y")
                .body(axum::body::Body::from(
                    serde_json::json!({"repo_url": "https://github.com/octo/hub"}).to_string(),
                ))
                .unwrap();
            let (status, body) = t.json(request).await;
            assert_eq!(status, 202, "{body}");
            let job = JobId::new(body["job_id"].as_str().unwrap()).unwrap();
            let state = t.wait_terminal(&job).await;
            let key = state.stage(Stage::Pack).artifacts["docpack"].clone();
            t.store.put(&key, &docpack_bytes()).unwrap();
            job
        };
        let uri = format!("/jobs/{job}/ask?q=who+calls+hub");
        let (status, body) = t.json(get(&uri)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["model"], "evidence", "{keys:?}: {body}");
        assert!(
            body["note"].as_str().unwrap().contains("API keys"),
            "{body}"
        );
        let keyed = axum::http::Request::get(&uri)
            .header("authorization", "Bearer k3y")
            .body(axum::body::Body::empty())
            .unwrap();
        let (_, body) = t.json(keyed).await;
        let expected = if keys.is_empty() {
            "evidence"
        } else {
            "citing-model"
        };
        assert_eq!(body["model"], expected, "{keys:?}: {body}");
    }
}

/// A GET asking for Server-Sent Events.
fn get_stream(uri: &str) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::get(uri)
        .header("accept", "text/event-stream")
        .body(axum::body::Body::empty())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_streams_the_models_words_then_the_checked_answer() {
    let t = query_app(None, Some(Arc::new(Citing)));
    let job = finished_job(&t).await;
    let uri = format!("/jobs/{job}/ask?q=who+calls+hub");
    let (_, whole) = t.json(get(&uri)).await;
    let response = t.send(get_stream(&uri)).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let (events, closed) = common::read_sse(response, std::time::Duration::from_secs(10)).await;
    assert!(closed, "the stream did not end");
    let kinds: Vec<&str> = events.iter().filter_map(|e| e.event.as_deref()).collect();
    assert_eq!(kinds, ["text", "text", "text", "answer"]);
    let text: String = events[..3]
        .iter()
        .map(|e| serde_json::from_str::<String>(&e.data).unwrap())
        .collect();
    // The words as the model wrote them; the answer as checked (the same as without streaming).
    assert!(text.ends_with("see also (src/nowhere.rs:3)."), "{text}");
    let answer: Value = serde_json::from_str(&events[3].data).unwrap();
    assert_eq!(answer, whole);
    assert!(answer["answer"].as_str().unwrap().contains("[unverified]"));

    // Without a model: the answer alone. Bad input is still a JSON error.
    let plain = query_app(None, None);
    let job = finished_job(&plain).await;
    let (events, _) = common::read_sse(
        plain
            .send(get_stream(&format!("/jobs/{job}/ask?q=hub")))
            .await,
        std::time::Duration::from_secs(10),
    )
    .await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].event.as_deref(), Some("answer"));
    let bad = plain.send(get_stream(&format!("/jobs/{job}/ask?q="))).await;
    assert_eq!(bad.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unfinished_jobs_and_jobs_without_a_docpack() {
    let gate = Gate::closed();
    let t = query_app(Some(gate.clone()), None);
    let job = t.submit("https://github.com/octo/slow").await;
    for route in [
        "ask?q=x",
        "impact?symbol=hub",
        "search?q=x",
        "outline",
        "members?box=dir:.",
        "symbol?symbol=hub",
    ] {
        let (status, message) = error(&t, &format!("/jobs/{job}/{route}")).await;
        assert_eq!(status, 409, "{route}: {message}");
        assert!(message.contains("has not finished"), "{route}: {message}");
    }
    let (status, _) = t
        .json(common::post_json(
            &format!("/jobs/{job}/cancel"),
            &Value::Null,
        ))
        .await;
    assert!(status < 300, "cancel: {status}");
    t.wait_terminal(&job).await;
    for route in [
        "ask?q=x",
        "impact?symbol=hub",
        "search?q=x",
        "outline",
        "members?box=dir:.",
        "symbol?symbol=hub",
    ] {
        let (status, message) = error(&t, &format!("/jobs/{job}/{route}")).await;
        assert_eq!(status, 404, "{route}: {message}");
        assert!(
            message.contains("has no docpack (status cancelled)"),
            "{route}: {message}"
        );
    }
    gate.open();
    // A host without the query engine says so.
    let plain = common::test_app(TriggerConfig::default(), None);
    let (status, message) = error(&plain, &format!("/jobs/{job}/ask?q=x")).await;
    assert_eq!(
        (status, message.as_str()),
        (404, "ask is not served by this host")
    );
    let (status, message) = error(&plain, &format!("/jobs/{job}/impact?symbol=x")).await;
    assert_eq!(
        (status, message.as_str()),
        (404, "impact is not served by this host")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explorer_routes_answer_the_module_level_members_and_a_symbol() {
    let t = query_app(None, None);
    let job = finished_job(&t).await;
    let p = pack();

    let (status, outline) = t.json(get(&format!("/api/jobs/{job}/outline"))).await;
    assert_eq!(status, 200, "{outline}");
    conforms(&t, &outline, "Outline").await;
    assert_eq!(outline["symbols"], p.len());
    assert_eq!(outline["read_in_place"], false);
    assert_eq!(
        outline["manifest"]["docpack_id"],
        p.docpack.manifest.docpack_id.as_str()
    );
    let modules = outline["docs"]["modules"].as_array().unwrap();
    assert_eq!(modules.len(), p.docpack.docs.modules.len());
    assert!(modules.iter().all(|m| m.get("symbols").is_none()));

    // Each module's members are the symbols the engine places in it, most central first.
    let mut placed = 0;
    for (m, doc) in p.docpack.docs.modules.iter().enumerate() {
        let uri = format!("/jobs/{job}/members?box={}&limit=200", enc(&doc.id));
        let (status, body) = t.json(get(&uri)).await;
        assert_eq!(status, 200, "{body}");
        let expected: Vec<&str> = (0..p.len() as u32)
            .filter(|&i| p.module_of(i) == Some(m as u32))
            .map(|i| p.symbol(i).id.as_str())
            .collect();
        assert_eq!(body["total"], expected.len(), "{}", doc.id);
        let mut got: Vec<&str> = body["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap())
            .collect();
        let centralities: Vec<f64> = body["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["centrality"].as_f64().unwrap())
            .collect();
        assert!(centralities.windows(2).all(|w| w[0] >= w[1]), "{body}");
        got.sort_unstable();
        let mut expected = expected;
        expected.sort_unstable();
        assert_eq!(got, expected);
        placed += body["total"].as_u64().unwrap();
        if m == 0 {
            conforms(&t, &body, "Members").await;
        }
    }
    // Pages of the whole map: together, every placed symbol once.
    let mut offset = Some(0u64);
    let mut paged = std::collections::BTreeSet::new();
    while let Some(at) = offset {
        let (_, page) = t
            .json(get(&format!(
                "/jobs/{job}/members?box=dir:.&limit=3&offset={at}"
            )))
            .await;
        assert_eq!(page["total"], placed);
        for x in page["members"].as_array().unwrap() {
            assert!(paged.insert(x["id"].as_str().unwrap().to_string()));
        }
        offset = page["next_offset"].as_u64();
    }
    assert_eq!(paged.len() as u64, placed);

    let (status, detail) = t
        .json(get(&format!("/jobs/{job}/symbol?symbol=hub&lines=0")))
        .await;
    assert_eq!(status, 200, "{detail}");
    conforms(&t, &detail, "SymbolDetail").await;
    let hub = p.index_of(detail["id"].as_str().unwrap()).unwrap();
    assert_eq!(
        detail,
        serde_json::to_value(p.detail(hub, 0).unwrap()).unwrap()
    );
    assert_eq!(detail["callers_total"], 6);

    for (route, status, says) in [
        ("members", 400, "box: name a box"),
        (
            "members?box=module:nowhere",
            404,
            "module:<id> or dir:<path>",
        ),
        ("members?box=kernel", 404, "no symbol \"kernel\""),
        (
            "members?box=dir:.&limit=0",
            400,
            "invalid limit \"0\": expected 1-200",
        ),
        ("members?box=dir:.&limit=201", 400, "invalid limit"),
        ("members?box=dir:.&offset=-3", 400, "invalid offset"),
        ("members?box=a&box=b", 400, "bad query string"),
        ("symbol", 400, "symbol: name a symbol"),
        (
            "symbol?symbol=nothing_like_it",
            404,
            "no symbol \"nothing_like_it\"",
        ),
        (
            "symbol?symbol=hub&lines=401",
            400,
            "invalid lines \"401\": expected 0-400",
        ),
    ] {
        let (got, message) = error(&t, &format!("/jobs/{job}/{route}")).await;
        assert_eq!(got, status, "{route}: {message}");
        assert!(message.contains(says), "{route}: {message}");
    }
    // A page past the end is empty, not an error.
    let (_, past) = t
        .json(get(&format!(
            "/jobs/{job}/members?box=dir:.&offset=1000000"
        )))
        .await;
    assert_eq!(past["members"], serde_json::json!([]));
    assert!(past.get("next_offset").is_none());
}
