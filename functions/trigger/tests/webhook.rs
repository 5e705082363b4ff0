//! The GitHub App webhook: signatures, event handling, duplicate deliveries,
//! and installation tokens from a fake GitHub API this test starts.

mod common;

use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::routing::post;
use axum::Json;
use common::*;
use doctown_store::ObjectStore;
use doctown_trigger::{
    installation_tokens, webhook_signature, AppClaims, GitHubAppConfig, TokenSource, TriggerConfig,
};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const SECRET: &str = "webhook-secret";
const KEY: &str = include_str!("fixtures/github-app-key.pem");
const PUBLIC_KEY: &str = include_str!("fixtures/github-app-key.pub.pem");

fn config() -> TriggerConfig {
    TriggerConfig {
        webhook_secret: Some(SECRET.into()),
        ..TriggerConfig::default()
    }
}

fn delivery(event: &str, id: &str, body: &serde_json::Value) -> Request<Body> {
    let bytes = body.to_string();
    Request::post("/webhooks/github")
        .header("content-type", "application/json")
        .header("x-github-event", event)
        .header("x-github-delivery", id)
        .header(
            "x-hub-signature-256",
            webhook_signature(SECRET.as_bytes(), bytes.as_bytes()),
        )
        .body(Body::from(bytes))
        .unwrap()
}

fn push(branch_ref: &str, installation: u64) -> serde_json::Value {
    json!({
        "ref": branch_ref,
        "after": "1111111111111111111111111111111111111111",
        "deleted": false,
        "repository": { "full_name": "octo/private-repo", "html_url": "https://github.com/octo/private-repo", "private": true },
        "installation": { "id": installation }
    })
}

#[tokio::test]
async fn wrong_or_missing_signatures_are_refused_and_create_nothing() {
    let t = test_app(config(), None);
    let body = push("refs/heads/main", 1).to_string();
    let unsigned = Request::post("/webhooks/github")
        .header("x-github-event", "push")
        .header("x-github-delivery", "d-1")
        .body(Body::from(body.clone()))
        .unwrap();
    assert_eq!(t.json(unsigned).await.0, 401);
    let forged = Request::post("/webhooks/github")
        .header("x-github-event", "push")
        .header("x-github-delivery", "d-1")
        .header(
            "x-hub-signature-256",
            webhook_signature(b"wrong-secret", body.as_bytes()),
        )
        .body(Body::from(body))
        .unwrap();
    let (status, err) = t.json(forged).await;
    assert_eq!(status, 401);
    assert!(err["error"].is_string());
    let huge = "x".repeat(6 << 20);
    let oversized = Request::post("/webhooks/github")
        .header("x-github-event", "push")
        .header(
            "x-hub-signature-256",
            webhook_signature(SECRET.as_bytes(), huge.as_bytes()),
        )
        .body(Body::from(huge))
        .unwrap();
    assert_eq!(t.json(oversized).await.0, 413);
    assert_eq!(t.job_count(), 0);
    assert!(t.store.list("webhooks/").unwrap().is_empty());
    // Not configured at all: 503.
    let off = test_app(TriggerConfig::default(), None);
    assert_eq!(off.json(delivery("ping", "d-0", &json!({}))).await.0, 503);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_creates_one_job_even_when_delivered_twice() {
    let t = test_app(config(), None);
    let (status, body) = t.json(delivery("ping", "p-1", &json!({"zen": "hi"}))).await;
    assert_eq!((status, body["event"].as_str()), (200, Some("ping")));
    let (status, first) = t
        .json(delivery("push", "d-42", &push("refs/heads/dev", 9)))
        .await;
    assert_eq!(status, 202, "{first}");
    let (status, second) = t
        .json(delivery("push", "d-42", &push("refs/heads/dev", 9)))
        .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["duplicate"], true);
    assert_eq!(second["job_ids"], first["job_ids"]);
    assert_eq!(t.job_count(), 1);
    // The same signed body under a new delivery id (a captured request
    // replayed) builds nothing either.
    let (status, replayed) = t
        .json(delivery("push", "d-forged", &push("refs/heads/dev", 9)))
        .await;
    assert_eq!(status, 200, "{replayed}");
    assert_eq!(replayed["duplicate"], true);
    assert_eq!(t.job_count(), 1);
    let job = doctown_core::JobId::new(first["job_ids"][0].as_str().unwrap()).unwrap();
    let state = t.state(&job);
    assert_eq!(state.input.source, "https://github.com/octo/private-repo");
    assert_eq!(state.input.git_ref.as_deref(), Some("dev"));
    assert_eq!(doctown_trigger::installation_id(&state.input), Some(9));
    // Tags and branch deletions build nothing.
    let (status, tag) = t
        .json(delivery("push", "d-43", &push("refs/tags/v1.0", 9)))
        .await;
    assert_eq!(status, 200);
    assert!(tag["ignored"].is_string());
    let mut deleted = push("refs/heads/gone", 9);
    deleted["deleted"] = json!(true);
    deleted["after"] = json!("0000000000000000000000000000000000000000");
    assert_eq!(t.json(delivery("push", "d-44", &deleted)).await.0, 200);
    let (status, _) = t
        .json(delivery("issues", "d-45", &json!({"action": "opened"})))
        .await;
    assert_eq!(status, 200);
    let (status, _) = t.json(delivery("push", "d-46", &json!({"ref": 5}))).await;
    assert_eq!(status, 400);
    assert_eq!(t.job_count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installation_repositories_builds_every_added_repository() {
    let t = test_app(config(), None);
    let body = json!({
        "action": "added",
        "installation": { "id": 7 },
        "repositories_added": [
            { "full_name": "octo/a", "private": false },
            { "full_name": "octo/b", "private": true },
            { "full_name": "octo/c", "private": false }
        ],
        "repositories_removed": []
    });
    let (status, response) = t
        .json(delivery("installation_repositories", "d-7", &body))
        .await;
    assert_eq!(status, 202, "{response}");
    assert_eq!(response["job_ids"].as_array().unwrap().len(), 3);
    assert_eq!(t.job_count(), 3);
    let mut sources: Vec<String> = response["job_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| {
            t.state(&doctown_core::JobId::new(id.as_str().unwrap()).unwrap())
                .input
                .source
        })
        .collect();
    sources.sort();
    assert_eq!(
        sources,
        [
            "https://github.com/octo/a",
            "https://github.com/octo/b",
            "https://github.com/octo/c"
        ]
    );
    let removed = json!({"action": "removed", "installation": {"id": 7}, "repositories_removed": [{"full_name": "octo/a"}]});
    assert_eq!(
        t.json(delivery("installation_repositories", "d-8", &removed))
            .await
            .0,
        200
    );
    assert_eq!(t.job_count(), 3);
}

/// A fake GitHub API: verifies the App JWT and hands out installation tokens.
async fn fake_github(calls: Arc<AtomicUsize>) -> String {
    let app = axum::Router::new().route(
        "/app/installations/{id}/access_tokens",
        post(move |Path(id): Path<u64>, headers: HeaderMap| {
            let calls = calls.clone();
            async move {
                calls.fetch_add(1, Ordering::SeqCst);
                let jwt = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
                    .unwrap_or("");
                let mut validation = Validation::new(Algorithm::RS256);
                validation.set_issuer(&["12345"]);
                let key = DecodingKey::from_rsa_pem(PUBLIC_KEY.as_bytes()).unwrap();
                match jsonwebtoken::decode::<AppClaims>(jwt, &key, &validation) {
                    Ok(data) if data.claims.exp > data.claims.iat => (
                        StatusCode::CREATED,
                        Json(json!({"token": format!("ghs_test_{id}"), "expires_at": "2099-01-01T00:00:00Z"})),
                    ),
                    _ => (StatusCode::UNAUTHORIZED, Json(json!({"message": "A JSON web token could not be decoded"}))),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installation_tokens_reach_ingest_but_never_the_store() {
    let calls = Arc::new(AtomicUsize::new(0));
    let api = fake_github(calls.clone()).await;
    let mut config = config();
    config.github_app = Some(GitHubAppConfig {
        app_id: "12345".into(),
        private_key_pem: KEY.into(),
        api_base: api.clone(),
    });
    let tokens = installation_tokens(&config).unwrap().unwrap();
    let t = test_app_with_tokens(config, None, Some(tokens.clone() as Arc<dyn TokenSource>));
    for (n, delivery_id) in ["d-100", "d-101"].iter().enumerate() {
        // Two pushes: two commits.
        let mut event = push("refs/heads/main", 77);
        event["after"] = json!(format!("{}", n + 1).repeat(40));
        let (status, body) = t.json(delivery("push", delivery_id, &event)).await;
        assert_eq!(status, 202, "{body}");
        let job = doctown_core::JobId::new(body["job_ids"][0].as_str().unwrap()).unwrap();
        let state = t.wait_terminal(&job).await;
        assert_eq!(
            state.status,
            doctown_core::JobStatus::Succeeded,
            "{:?}",
            state.error
        );
        assert_eq!(
            t.seen_tokens.lock().unwrap()[n].as_deref(),
            Some("ghs_test_77")
        );
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "the token is cached");
    for key in t.store.list("").unwrap() {
        let bytes = t.store.get(&key).unwrap().unwrap().bytes;
        assert!(
            !String::from_utf8_lossy(&bytes).contains("ghs_test"),
            "token leaked into {key}"
        );
    }
    // A wrong key is refused by GitHub: the error names the status.
    let other = tokio::task::spawn_blocking(move || {
        let bad = doctown_trigger::InstallationTokens::new(GitHubAppConfig {
            app_id: "999".into(),
            private_key_pem: KEY.into(),
            api_base: api,
        })
        .unwrap();
        bad.installation_token(5)
    })
    .await
    .unwrap();
    assert!(other.unwrap_err().contains("HTTP 401"));
}
