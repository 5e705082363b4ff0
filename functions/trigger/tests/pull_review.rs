//! The hosted App's reviews of pull requests, end to end against a local
//! server that plays GitHub (installation tokens, the repository's commits
//! and tarballs, the pull request's comments): the webhook asks for two
//! builds by the real stages, the sweep reviews the change and keeps one
//! comment up to date with it; a failed build is said, a passing refusal
//! is tried again, a superseded push is never posted, a closed pull
//! request's reviews are dropped.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use doctown_embed::EmbedConfig;
use doctown_generate::GenerateConfig;
use doctown_sources::pull_comment::MARKER;
use doctown_sources::GitHubConfig;
use doctown_stages::{Stages, StagesConfig};
use doctown_store::{MemoryStore, ObjectStore};
use doctown_trigger::pull_reviews::{PullReviews, ReviewOutcome};
use doctown_trigger::{
    installation_tokens, router, webhook_signature, AppState, GitHubAppConfig, HandlerFactory,
    InProcessLauncher, InProcessOptions, JobLauncher, LaunchContext, TokenSource, TriggerConfig,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

const SECRET: &str = "webhook-secret";
const KEY: &str = include_str!("fixtures/github-app-key.pem");
const INSTALLATION: u64 = 42;

const BASE: &str = "b000000000000000000000000000000000000001";
const HEAD: &str = "d100000000000000000000000000000000000002";
const HEAD_2: &str = "d200000000000000000000000000000000000003";
const HEAD_3: &str = "d300000000000000000000000000000000000004";
/// A commit whose tarball GitHub cannot give: its build fails.
const BROKEN: &str = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";

const LIB_BASE: &str = "//! Arithmetic.\n\n/// Adds.\npub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n\n/// Doubles.\npub fn double(a: u32) -> u32 {\n    add(a, a)\n}\n\n/// Quadruples.\npub fn quadruple(a: u32) -> u32 {\n    double(double(a))\n}\n";

/// The files of a commit of `octo/demo`.
fn tree(sha: &str) -> Option<Vec<(&'static str, String)>> {
    let manifest = "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n".to_string();
    let lib = match sha {
        BASE => LIB_BASE.to_string(),
        // `double` changes, `triple` is new.
        HEAD => {
            LIB_BASE.replace("    add(a, a)\n", "    a.wrapping_mul(2)\n")
                + "\n/// Triples.\npub fn triple(a: u32) -> u32 {\n    add(double(a), a)\n}\n"
        }
        // `quadruple` is removed.
        HEAD_2 => LIB_BASE.replace(
            "/// Quadruples.\npub fn quadruple(a: u32) -> u32 {\n    double(double(a))\n}\n",
            "",
        ),
        // `add` changes, and everything reaches it.
        HEAD_3 => LIB_BASE.replace("    a + b\n", "    a.saturating_add(b)\n"),
        _ => return None,
    };
    Some(vec![("Cargo.toml", manifest), ("src/lib.rs", lib)])
}

/// What the stand-in saw and holds.
#[derive(Default)]
struct GitHub {
    /// Comments on `octo/demo#7`: (id, body).
    comments: Mutex<Vec<(u64, String)>>,
    /// The Authorization header of each comment request.
    comment_auth: Mutex<Vec<String>>,
    /// Comment writes to answer 502 before accepting.
    failing_writes: AtomicUsize,
}

fn installation_token() -> String {
    format!("ghs_installation_{INSTALLATION}")
}

fn authorised(headers: &HeaderMap) -> bool {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    auth.ends_with(&installation_token())
}

async fn access_token(Path(id): Path<u64>) -> Response {
    let body =
        json!({ "token": format!("ghs_installation_{id}"), "expires_at": "2099-01-01T00:00:00Z" });
    (StatusCode::CREATED, Json(body)).into_response()
}

async fn repo(headers: HeaderMap) -> Response {
    if !authorised(&headers) {
        return StatusCode::NOT_FOUND.into_response();
    }
    Json(json!({ "default_branch": "main" })).into_response()
}

async fn commit(headers: HeaderMap, Path((_, _, r)): Path<(String, String, String)>) -> Response {
    if !authorised(&headers) || (tree(&r).is_none() && r != BROKEN) {
        return StatusCode::NOT_FOUND.into_response();
    }
    Json(json!({ "sha": r })).into_response()
}

async fn tarball(Path((_, _, sha)): Path<(String, String, String)>) -> Response {
    let Some(files) = tree(&sha) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({ "message": "Not Found" })),
        )
            .into_response();
    };
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut builder = tar::Builder::new(gz);
    for (path, text) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        let name = format!("octo-demo-{}/{path}", &sha[..7]);
        builder
            .append_data(&mut header, name, text.as_bytes())
            .unwrap();
    }
    let bytes = builder.into_inner().unwrap().finish().unwrap();
    ([("content-type", "application/x-gzip")], bytes).into_response()
}

fn comment_json(id: u64, body: &str) -> Value {
    json!({ "id": id, "body": body, "html_url": format!("https://github.test/octo/demo/pull/7#issuecomment-{id}") })
}

async fn list_comments(State(g): State<Arc<GitHub>>, headers: HeaderMap) -> Response {
    g.comment_auth.lock().unwrap().push(auth_of(&headers));
    let list: Vec<Value> = g
        .comments
        .lock()
        .unwrap()
        .iter()
        .map(|(id, body)| comment_json(*id, body))
        .collect();
    Json(list).into_response()
}

/// A write, unless the stand-in is told to fail it.
fn failing(g: &GitHub) -> Option<Response> {
    let left = g.failing_writes.load(Ordering::SeqCst);
    if left == 0 {
        return None;
    }
    g.failing_writes.store(left - 1, Ordering::SeqCst);
    Some((StatusCode::BAD_GATEWAY, "Bad Gateway").into_response())
}

async fn create_comment(
    State(g): State<Arc<GitHub>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    g.comment_auth.lock().unwrap().push(auth_of(&headers));
    if let Some(refused) = failing(&g) {
        return refused;
    }
    let text = body["body"].as_str().unwrap_or_default().to_string();
    let mut comments = g.comments.lock().unwrap();
    let id = 1000 + comments.len() as u64;
    comments.push((id, text.clone()));
    (StatusCode::CREATED, Json(comment_json(id, &text))).into_response()
}

async fn edit_comment(
    State(g): State<Arc<GitHub>>,
    headers: HeaderMap,
    Path((_, _, id)): Path<(String, String, u64)>,
    Json(body): Json<Value>,
) -> Response {
    g.comment_auth.lock().unwrap().push(auth_of(&headers));
    if let Some(refused) = failing(&g) {
        return refused;
    }
    let text = body["body"].as_str().unwrap_or_default().to_string();
    let mut comments = g.comments.lock().unwrap();
    let Some(found) = comments.iter_mut().find(|(i, _)| *i == id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    found.1 = text.clone();
    Json(comment_json(id, &text)).into_response()
}

fn auth_of(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn start_github() -> (String, Arc<GitHub>) {
    let github = Arc::new(GitHub::default());
    let app = Router::new()
        .route(
            "/api/app/installations/{id}/access_tokens",
            post(access_token),
        )
        .route("/api/repos/{owner}/{name}", get(repo))
        .route("/api/repos/{owner}/{name}/commits/{r}", get(commit))
        .route("/api/repos/{owner}/{name}/tarball/{sha}", get(tarball))
        .route(
            "/api/repos/{owner}/{name}/issues/7/comments",
            get(list_comments).post(create_comment),
        )
        .route(
            "/api/repos/{owner}/{name}/issues/comments/{id}",
            patch(edit_comment),
        )
        .with_state(github.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/api"), github)
}

struct World {
    app: Router,
    store: Arc<MemoryStore>,
    launcher: InProcessLauncher,
    reviews: Arc<PullReviews>,
    github: Arc<GitHub>,
    deliveries: AtomicUsize,
}

/// The real stages, fetching from the stand-in with the job's token.
fn real_stages(api: String) -> HandlerFactory {
    Arc::new(move |ctx: &LaunchContext| {
        let config = StagesConfig {
            github: GitHubConfig {
                api_base: api.clone(),
                token: ctx.github_token.clone(),
                ..GitHubConfig::default()
            },
            embed: EmbedConfig {
                enabled: false,
                ..EmbedConfig::default()
            },
            generate: GenerateConfig::default(),
        };
        Stages::new(config).into_handlers()
    })
}

async fn world() -> World {
    let (api, github) = start_github().await;
    let config = TriggerConfig {
        webhook_secret: Some(SECRET.into()),
        github_app: Some(GitHubAppConfig {
            app_id: "12345".into(),
            private_key_pem: KEY.into(),
            api_base: api.clone(),
        }),
        ..TriggerConfig::default()
    };
    let tokens: Arc<dyn TokenSource> = installation_tokens(&config).unwrap().unwrap();
    let store = Arc::new(MemoryStore::new());
    let options = InProcessOptions {
        max_concurrent_jobs: 2,
        tokens: Some(tokens.clone()),
        ..InProcessOptions::default()
    };
    let launcher =
        InProcessLauncher::new(store.clone(), real_stages(api.clone()), options).unwrap();
    let dyn_store = store.clone() as Arc<dyn ObjectStore>;
    let reviews = Arc::new(PullReviews::new(dyn_store.clone(), tokens, &api));
    let state = AppState::new(
        dyn_store,
        Arc::new(launcher.clone()) as Arc<dyn JobLauncher>,
        config,
    );
    World {
        app: router(state),
        store,
        launcher,
        reviews,
        github,
        deliveries: AtomicUsize::new(0),
    }
}

/// A `pull_request` event of `octo/demo#7` from a fork.
fn pull_request(action: &str, base: &str, head: &str) -> Value {
    json!({
        "action": action,
        "number": 7,
        "pull_request": {
            "number": 7,
            "base": { "sha": base, "ref": "main", "repo": { "full_name": "octo/demo" } },
            "head": { "sha": head, "ref": "patch-1", "repo": { "full_name": "mallory/demo", "fork": true } },
        },
        "repository": { "full_name": "octo/demo", "html_url": "https://github.com/octo/demo", "private": false },
        "installation": { "id": INSTALLATION },
    })
}

impl World {
    async fn deliver(&self, event: &str, body: &Value) -> (u16, Value) {
        let n = self.deliveries.fetch_add(1, Ordering::SeqCst);
        let bytes = body.to_string();
        let request = Request::post("/webhooks/github")
            .header("content-type", "application/json")
            .header("x-github-event", event)
            .header("x-github-delivery", format!("delivery-{n}"))
            .header(
                "x-hub-signature-256",
                webhook_signature(SECRET.as_bytes(), bytes.as_bytes()),
            )
            .body(Body::from(bytes))
            .unwrap();
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// One sweep, once every build has finished.
    async fn sweep(&self) -> Vec<(String, ReviewOutcome)> {
        self.launcher.wait_idle().await;
        let reviews = self.reviews.clone();
        tokio::task::spawn_blocking(move || reviews.post_ready())
            .await
            .unwrap()
            .unwrap()
    }

    fn comments(&self) -> Vec<String> {
        let comments = self.github.comments.lock().unwrap();
        comments.iter().map(|(_, body)| body.clone()).collect()
    }

    fn job_inputs(&self) -> BTreeMap<String, (Option<String>, Value)> {
        let mut inputs = BTreeMap::new();
        for id in doctown_store::job_ids_newest_first(self.store.as_ref()).unwrap() {
            let state = doctown_store::load_state(self.store.as_ref(), &id)
                .unwrap()
                .unwrap();
            let options = serde_json::to_value(&state.input.options).unwrap();
            inputs.insert(id.to_string(), (state.input.git_ref.clone(), options));
        }
        inputs
    }
}

fn only(outcomes: &[(String, ReviewOutcome)]) -> &ReviewOutcome {
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    &outcomes[0].1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_request_gets_one_review_comment_kept_up_to_date() {
    let w = world().await;
    let (status, answer) = w
        .deliver("pull_request", &pull_request("opened", BASE, HEAD))
        .await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["job_ids"].as_array().unwrap().len(), 2, "{answer}");
    // Both builds are of the base repository, at the two commits,
    // structure only and without a model.
    let inputs = w.job_inputs();
    let refs: Vec<_> = inputs.values().map(|(r, _)| r.clone().unwrap()).collect();
    assert!(refs.contains(&BASE.to_string()) && refs.contains(&HEAD.to_string()));
    for (_, options) in inputs.values() {
        assert_eq!(options["embed"]["enabled"], false, "{options}");
        assert_eq!(options["generate"]["backend"], "facts", "{options}");
        assert_eq!(options["github"]["installation_id"], INSTALLATION);
    }
    // Nothing is posted before both builds are done.
    let outcomes = w.sweep().await;
    let ReviewOutcome::Posted(url) = only(&outcomes) else {
        panic!("{outcomes:?}")
    };
    assert!(url.contains("issuecomment-1000"), "{url}");
    let comments = w.comments();
    assert_eq!(comments.len(), 1);
    let first = &comments[0];
    assert!(first.starts_with(MARKER), "{first}");
    assert!(first.contains("## Doctown review"), "{first}");
    assert!(
        first.contains("`demo::double`"),
        "the changed function: {first}"
    );
    assert!(
        first.contains("`demo::triple`"),
        "the added function: {first}"
    );
    assert!(first.contains(&HEAD[..12]), "{first}");
    // Posted with the installation's token; nothing is pending now.
    assert!(w
        .github
        .comment_auth
        .lock()
        .unwrap()
        .iter()
        .all(|a| a == &format!("Bearer {}", installation_token())));
    assert!(w.sweep().await.is_empty());
    assert!(w.store.list("reviews/pending/").unwrap().is_empty());

    // A push: the base's build is reused, only the head is built, and the
    // same comment now reviews the new head.
    let (status, answer) = w
        .deliver("pull_request", &pull_request("synchronize", BASE, HEAD_2))
        .await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["job_ids"].as_array().unwrap().len(), 1, "{answer}");
    let outcomes = w.sweep().await;
    assert!(
        matches!(only(&outcomes), ReviewOutcome::Posted(u) if u == url),
        "{outcomes:?}"
    );
    let comments = w.comments();
    assert_eq!(comments.len(), 1, "one comment, edited");
    assert!(comments[0].contains("`demo::quadruple`"), "{}", comments[0]);
    assert!(!comments[0].contains("`demo::triple`"), "{}", comments[0]);
    let posted = w.store.list("reviews/posted/").unwrap();
    assert_eq!(posted.len(), 1, "{posted:?}");

    // Two pushes before a sweep: the older is superseded and never posted.
    for head in [HEAD, HEAD_3] {
        let (status, answer) = w
            .deliver("pull_request", &pull_request("synchronize", BASE, head))
            .await;
        assert_eq!(status, 202, "{answer}");
    }
    let outcomes = w.sweep().await;
    assert_eq!(outcomes.len(), 2, "{outcomes:?}");
    let dropped = outcomes
        .iter()
        .find(|(key, _)| key.ends_with(&format!("{HEAD}.json")))
        .unwrap();
    assert!(
        matches!(&dropped.1, ReviewOutcome::Dropped(why) if why.contains("superseded")),
        "{outcomes:?}"
    );
    let comments = w.comments();
    assert_eq!(comments.len(), 1);
    assert!(comments[0].contains(&HEAD_3[..12]), "{}", comments[0]);
    assert!(comments[0].contains("`demo::add`"), "{}", comments[0]);

    // A closed pull request: what was pending is dropped, nothing is posted.
    let (status, _) = w
        .deliver("pull_request", &pull_request("reopened", BASE, HEAD_2))
        .await;
    assert_eq!(status, 202);
    let (status, answer) = w
        .deliver("pull_request", &pull_request("closed", BASE, HEAD_2))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer["ignored"].as_str().unwrap().contains("1 pending"),
        "{answer}"
    );
    assert!(w.sweep().await.is_empty());
    assert!(w.comments()[0].contains(&HEAD_3[..12]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_build_is_said_and_a_refused_post_is_tried_again() {
    let w = world().await;
    w.github.failing_writes.store(1, Ordering::SeqCst);
    let (status, answer) = w
        .deliver("pull_request", &pull_request("opened", BASE, BROKEN))
        .await;
    assert_eq!(status, 202, "{answer}");
    // GitHub answers 502: the review stays pending and is tried again.
    let outcomes = w.sweep().await;
    assert!(
        matches!(only(&outcomes), ReviewOutcome::Retrying(why) if why.contains("502")),
        "{outcomes:?}"
    );
    assert!(w.comments().is_empty());
    let outcomes = w.sweep().await;
    assert!(
        matches!(only(&outcomes), ReviewOutcome::Posted(_)),
        "{outcomes:?}"
    );
    let comments = w.comments();
    assert_eq!(comments.len(), 1);
    assert!(comments[0].contains("not made"), "{}", comments[0]);
    assert!(comments[0].contains(&BROKEN[..12]), "{}", comments[0]);
    assert!(comments[0].contains("failed"), "{}", comments[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_requests_that_ask_for_no_review_build_nothing() {
    let w = world().await;
    // Not a commit sha: refused whole.
    let (status, answer) = w
        .deliver(
            "pull_request",
            &pull_request("opened", BASE, "main; rm -rf /"),
        )
        .await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap_or_default()
            .contains("is not a commit sha"),
        "{answer}"
    );
    // No installation: nobody's token could post the review.
    let mut event = pull_request("opened", BASE, HEAD);
    event.as_object_mut().unwrap().remove("installation");
    let (status, answer) = w.deliver("pull_request", &event).await;
    assert_eq!(status, 200, "{answer}");
    // Actions that change nothing to review.
    for action in ["labeled", "edited", "assigned"] {
        let (status, answer) = w
            .deliver("pull_request", &pull_request(action, BASE, HEAD))
            .await;
        assert_eq!(status, 200, "{action}: {answer}");
        assert!(answer["ignored"].is_string(), "{answer}");
    }
    // A payload that is not a pull request's.
    let (status, _) = w
        .deliver("pull_request", &json!({ "action": "opened" }))
        .await;
    assert_eq!(status, 400);
    assert!(w.job_inputs().is_empty());
    assert!(w.store.list("reviews/").unwrap().is_empty());
}
