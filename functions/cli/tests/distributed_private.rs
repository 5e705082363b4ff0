//! Private repositories on the distributed path, across processes:
//! `doctown serve --distributed` (accounts on a real PostgreSQL) admits the
//! jobs and sends them to SQS; `doctown worker` processes run them against
//! a stand-in GitHub that serves each private repository only with its
//! token — the owner's own (decrypted by the worker from the accounts
//! database) or a GitHub App installation's (minted by the worker).
//! Afterwards no object of the store holds a token. A worker without the
//! accounts database (or without the App) fails such a job at ingest with
//! one line naming what it lacks, once, never "not found".
//!
//! Needs moto (`DOCTOWN_TEST_S3_ENDPOINT`, `scripts/start-moto.sh`) and
//! PostgreSQL (`DOCTOWN_TEST_DATABASE_URL`, `scripts/start-postgres.sh`):
//! ignored by a plain `cargo test`, run by scripts/test.sh with
//! `--include-ignored`; asked for without them, they fail.

use doctown_accounts::{Db, GitHubProfile, Keyring, Scope};
use doctown_core::{JobId, JobState, JobStatus, Stage};
use doctown_store::{load_state, ObjectStore};
use doctown_store_s3::{S3Config, S3Store};
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BUCKET: &str = "doctown-cli-private";
/// The token keys the trigger and the workers share (32 bytes, base64).
const TOKEN_KEYS: &str = "k1:ZG9jdG93bi10ZXN0LWtleS0zMi1ieXRlcy1sb25nISE=";
const HOOK_SECRET: &str = "distributed-hook-secret";
const APP_KEY: &str = include_str!("../../trigger/tests/fixtures/github-app-key.pem");
const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";
const OWNER_TOKEN: &str = "gho_ada_SECRETTOKEN";
const INSTALLATION: u64 = 77;
const INSTALLATION_TOKEN: &str = "ghs_inst_77_SECRETTOKEN";
const WAIT: Duration = Duration::from_secs(240);
const NEEDS: &str = "needs moto and PostgreSQL (DOCTOWN_TEST_S3_ENDPOINT, DOCTOWN_TEST_DATABASE_URL; scripts/test.sh starts both)";

fn required(var: &str) -> String {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => v,
        _ => panic!("{NEEDS}: {var} is not set (run scripts/start-moto.sh and scripts/start-postgres.sh and export what they print)"),
    }
}

fn unique(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{test}-{}-{}", std::process::id(), nanos % 1_000_000_000)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

// ---------------------------------------------------------------- stand-in

/// A gzipped tarball of a small private crate, under GitHub's top folder.
fn tarball(owner: &str, name: &str) -> Vec<u8> {
    let top = format!("{owner}-{name}-0123456");
    let files = [
        ("Cargo.toml", "[package]\nname = \"secret\"\nversion = \"0.1.0\"\n"),
        ("src/lib.rs", "//! A private crate.\n\n/// Adds.\npub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n\n/// Doubles.\npub fn double(a: u32) -> u32 {\n    add(a, a)\n}\n"),
    ];
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut builder = tar::Builder::new(gz);
    for (path, text) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, format!("{top}/{path}"), text.as_bytes())
            .unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// GitHub's REST API as far as admission and ingest use it: `ada/secret`
/// answers only to Ada's token, `octo/private-repo` only to installation
/// 77's, which `POST /app/installations/77/access_tokens` mints for a
/// request carrying an App JWT. Everything else is 404, as GitHub hides
/// private repositories. Records `(method path, authorization)` of each call.
struct StandIn {
    api: String,
    calls: Arc<Mutex<Vec<(String, String)>>>,
}

fn visible(owner: &str, name: &str, auth: &str) -> bool {
    match (owner, name) {
        ("ada", "secret") => auth == format!("Bearer {OWNER_TOKEN}"),
        ("octo", "private-repo") => auth == format!("Bearer {INSTALLATION_TOKEN}"),
        _ => false,
    }
}

fn answer(status: u16, body: Vec<u8>, json: bool) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let kind = if json {
        "application/json"
    } else {
        "application/x-gzip"
    };
    tiny_http::Response::from_data(body)
        .with_status_code(status)
        .with_header(tiny_http::Header::from_bytes("content-type", kind).unwrap())
}

fn standin() -> StandIn {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let api = format!("http://{}/api", server.server_addr().to_ip().unwrap());
    let calls: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let seen = calls.clone();
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            let auth = request
                .headers()
                .iter()
                .find(|h| h.field.equiv("authorization"))
                .map(|h| h.value.as_str().to_string())
                .unwrap_or_default();
            let path = request.url().split('?').next().unwrap_or("").to_string();
            let method = request.method().to_string();
            seen.lock()
                .unwrap()
                .push((format!("{method} {path}"), auth.clone()));
            let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
            let not_found = || answer(404, br#"{"message":"Not Found"}"#.to_vec(), true);
            let response = match (method.as_str(), parts.as_slice()) {
                ("POST", ["api", "app", "installations", id, "access_tokens"]) => {
                    let jwt = auth.strip_prefix("Bearer ").unwrap_or("");
                    if *id == INSTALLATION.to_string() && jwt.split('.').count() == 3 {
                        let body = serde_json::json!({"token": INSTALLATION_TOKEN, "expires_at": "2099-01-01T00:00:00Z"});
                        answer(201, body.to_string().into_bytes(), true)
                    } else {
                        answer(401, br#"{"message":"Bad credentials"}"#.to_vec(), true)
                    }
                }
                ("GET", ["api", "repos", o, n]) if visible(o, n, &auth) => {
                    let body = serde_json::json!({"id": 7, "full_name": format!("{o}/{n}"),
                        "private": true, "size": 100, "default_branch": "main"});
                    answer(200, body.to_string().into_bytes(), true)
                }
                ("GET", ["api", "repos", o, n, "commits", _]) if visible(o, n, &auth) => answer(
                    200,
                    serde_json::json!({ "sha": COMMIT })
                        .to_string()
                        .into_bytes(),
                    true,
                ),
                ("GET", ["api", "repos", o, n, "tarball", _]) if visible(o, n, &auth) => {
                    answer(200, tarball(o, n), false)
                }
                _ => not_found(),
            };
            let _ = request.respond(response);
        }
    });
    StandIn { api, calls }
}

// -------------------------------------------------------------- processes

/// A child process, killed when dropped; its stderr goes to a file.
struct Process {
    child: Child,
    log: std::path::PathBuf,
}

impl Process {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One deployment: a fresh S3 prefix, queue names and PostgreSQL database.
struct Deployment {
    endpoint: String,
    prefix: String,
    database_url: String,
    api: String,
    store: S3Store,
    dir: tempfile::TempDir,
}

fn fresh_database(base: &str) -> String {
    let name = format!("dist_{}", doctown_accounts::crypto::random_alnum(12));
    runtime().block_on(async {
        let admin = Db::connect(base, 1)
            .await
            .expect("PostgreSQL at DOCTOWN_TEST_DATABASE_URL answers");
        // The name is made here from [a-z0-9]; CREATE DATABASE takes no parameters.
        sqlx::query(&format!("CREATE DATABASE {}", name.to_lowercase()))
            .execute(&admin.pool)
            .await
            .unwrap();
        admin.pool.close().await;
    });
    let (head, _) = base.rsplit_once('/').unwrap();
    format!("{head}/{}", name.to_lowercase())
}

impl Deployment {
    fn new(test: &str, api: &str) -> Deployment {
        let endpoint = required("DOCTOWN_TEST_S3_ENDPOINT");
        let database_url = fresh_database(&required("DOCTOWN_TEST_DATABASE_URL"));
        let prefix = unique(test);
        let store =
            S3Store::connect(&S3Config::local(&endpoint, BUCKET).with_prefix(prefix.clone()))
                .unwrap();
        store.ensure_bucket().unwrap();
        Deployment {
            endpoint,
            prefix,
            database_url,
            api: api.to_string(),
            store,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// `doctown ARGS` with the deployment's store, queues and stand-in
    /// GitHub, no token of the operator's and no model; `extra` on top.
    fn spawn(&self, name: &str, args: &[&str], extra: &[(&str, &str)]) -> Process {
        let log = self.dir.path().join(format!("{name}.log"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_doctown"));
        command.args(args);
        for var in [
            "GITHUB_TOKEN",
            "DOCTOWN_GITHUB_TOKEN",
            "DATABASE_URL",
            "DOCTOWN_ACCOUNTS",
            "DOCTOWN_TOKEN_KEYS",
            "DOCTOWN_GITHUB_APP_ID",
            "DOCTOWN_GITHUB_APP_PRIVATE_KEY",
            "DOCTOWN_GITHUB_APP_PRIVATE_KEY_FILE",
            "DOCTOWN_GITHUB_CLIENT_ID",
            "DOCTOWN_GITHUB_CLIENT_SECRET",
            "OPENAI_API_KEY",
            "DOCTOWN_LLM_API_KEY",
        ] {
            command.env_remove(var);
        }
        let region = "us-east-1";
        let queues = format!("q-{}", self.prefix);
        for (k, v) in [
            ("DOCTOWN_S3_ENDPOINT", self.endpoint.as_str()),
            ("DOCTOWN_S3_BUCKET", BUCKET),
            ("DOCTOWN_S3_PREFIX", self.prefix.as_str()),
            ("DOCTOWN_S3_PATH_STYLE", "true"),
            ("DOCTOWN_S3_REGION", region),
            ("DOCTOWN_S3_ACCESS_KEY_ID", "testing"),
            ("DOCTOWN_S3_SECRET_ACCESS_KEY", "testing"),
            ("DOCTOWN_SQS_ENDPOINT", self.endpoint.as_str()),
            ("DOCTOWN_SQS_REGION", region),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", region),
            ("DOCTOWN_QUEUE_PREFIX", queues.as_str()),
            ("DOCTOWN_VISIBILITY_SECS", "30"),
            ("DOCTOWN_GITHUB_API", self.api.as_str()),
            ("DOCTOWN_EMBEDDINGS", "off"),
            ("DOCTOWN_LLM_BACKEND", "facts"),
            ("DOCTOWN_LOG", "warn"),
        ] {
            command.env(k, v);
        }
        for (k, v) in extra {
            command.env(k, v);
        }
        let file = std::fs::File::create(&log).unwrap();
        command
            .stdout(Stdio::null())
            .stderr(Stdio::from(file))
            .stdin(Stdio::null());
        Process {
            child: command.spawn().unwrap(),
            log,
        }
    }

    /// `doctown serve --distributed` with accounts on PostgreSQL (Free
    /// allows private repositories), the GitHub App and its webhook.
    fn serve(&self) -> (Process, String) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let plans = self.dir.path().join("plans.toml");
        // Ada's own job and her installation's run side by side.
        std::fs::write(
            &plans,
            "[free]\nprivate_repos = true\nconcurrent_jobs = 2\n",
        )
        .unwrap();
        let addr = format!("127.0.0.1:{port}");
        let store = self.dir.path().join("serve-data");
        let mut server = self.spawn(
            "serve",
            &[
                "serve",
                "--distributed",
                "--addr",
                &addr,
                "--store",
                store.to_str().unwrap(),
            ],
            &[
                ("DATABASE_URL", &self.database_url),
                ("DOCTOWN_TOKEN_KEYS", TOKEN_KEYS),
                ("DOCTOWN_PLANS_FILE", plans.to_str().unwrap()),
                ("DOCTOWN_GITHUB_APP_ID", "12345"),
                ("DOCTOWN_GITHUB_APP_PRIVATE_KEY", APP_KEY),
                ("DOCTOWN_GITHUB_WEBHOOK_SECRET", HOOK_SECRET),
                // Sign-in is configured, as in a deployment (admission asks
                // the stand-in's API about the repository).
                ("DOCTOWN_GITHUB_CLIENT_ID", "Iv1.standin"),
                ("DOCTOWN_GITHUB_CLIENT_SECRET", "standin-secret"),
            ],
        );
        let base = format!("http://{addr}");
        let started = Instant::now();
        loop {
            if ureq::get(&format!("{base}/health")).call().is_ok() {
                break;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("doctown serve exited ({status}): {}", server.log());
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "doctown serve did not answer: {}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        (server, base)
    }

    /// A `doctown worker` for every stage with `extra` configuration.
    fn worker(&self, name: &str, extra: &[(&str, &str)]) -> Process {
        self.spawn(name, &["worker", "--concurrency", "5"], extra)
    }

    /// Ada, signed up with her GitHub token sealed under the shared keys,
    /// and a key of hers with `build` and `read`.
    fn ada_key(&self) -> String {
        let keyring = Keyring::parse(TOKEN_KEYS).unwrap();
        runtime().block_on(async {
            let db = Db::connect(&self.database_url, 1).await.unwrap();
            let profile = GitHubProfile {
                id: 4242,
                login: "ada".into(),
                name: None,
                email: None,
                avatar_url: None,
            };
            let user = db
                .upsert_github_user(&profile, Some(OWNER_TOKEN), &keyring)
                .await
                .unwrap();
            // Ada installed the App on the octo organisation: its jobs are hers.
            db.upsert_installation(INSTALLATION as i64, Some(4242), "octo", false)
                .await
                .unwrap();
            let (_, secret) = db
                .create_key(user.id, "test", &[Scope::Build, Scope::Read])
                .await
                .unwrap();
            secret
        })
    }

    fn wait(&self, job: &JobId, workers: &[&Process]) -> JobState {
        let started = Instant::now();
        loop {
            if let Some(state) = load_state(&self.store, job).unwrap() {
                if state.status.is_terminal() {
                    return state;
                }
            }
            let logs: Vec<String> = workers.iter().map(|w| w.log()).collect();
            assert!(
                started.elapsed() < WAIT,
                "job {job} did not finish in {WAIT:?}; workers said: {logs:?}"
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// Every object of the deployment, whole.
    fn objects(&self) -> Vec<(String, Vec<u8>)> {
        self.store
            .list("")
            .unwrap()
            .into_iter()
            .map(|key| {
                let bytes = self.store.get(&key).unwrap().unwrap().bytes;
                (key, bytes)
            })
            .collect()
    }
}

fn post(url: &str, headers: &[(&str, &str)], body: &str) -> (u16, serde_json::Value) {
    let mut request = ureq::post(url)
        .config()
        .http_status_as_error(false)
        .build()
        .header("content-type", "application/json");
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let mut response = request.send(body).unwrap();
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

fn get(url: &str, key: &str) -> (u16, Vec<u8>) {
    let mut response = ureq::get(url)
        .config()
        .http_status_as_error(false)
        .build()
        .header("authorization", &format!("Bearer {key}"))
        .call()
        .unwrap();
    let status = response.status().as_u16();
    let mut bytes = Vec::new();
    response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .reader()
        .read_to_end(&mut bytes)
        .unwrap();
    (status, bytes)
}

/// Submits Ada's private repository with her key; returns the job.
fn submit_private(base: &str, key: &str) -> JobId {
    let (status, body) = post(
        &format!("{base}/jobs"),
        &[("authorization", &format!("Bearer {key}"))],
        r#"{"repo_url": "https://github.com/ada/secret"}"#,
    );
    assert_eq!(status, 202, "{body}");
    JobId::new(body["job_id"].as_str().unwrap()).unwrap()
}

/// A signed push to `octo/private-repo` from installation 77; returns the job.
fn push_from_installation(base: &str, delivery: &str) -> JobId {
    let body = serde_json::json!({
        "ref": "refs/heads/main",
        "after": "1111111111111111111111111111111111111111",
        "deleted": false,
        "repository": { "full_name": "octo/private-repo",
            "html_url": "https://github.com/octo/private-repo", "private": true },
        "installation": { "id": INSTALLATION }
    })
    .to_string();
    let signature = doctown_trigger::webhook_signature(HOOK_SECRET.as_bytes(), body.as_bytes());
    let (status, answer) = post(
        &format!("{base}/webhooks/github"),
        &[
            ("x-github-event", "push"),
            ("x-github-delivery", delivery),
            ("x-hub-signature-256", &signature),
        ],
        &body,
    );
    assert_eq!(status, 202, "{answer}");
    JobId::new(answer["job_ids"][0].as_str().unwrap()).unwrap()
}

fn holds_a_token(bytes: &[u8]) -> bool {
    [OWNER_TOKEN, INSTALLATION_TOKEN, "SECRETTOKEN"]
        .iter()
        .any(|t| bytes.windows(t.len()).any(|w| w == t.as_bytes()))
}

#[test]
#[ignore = "needs moto and PostgreSQL (DOCTOWN_TEST_S3_ENDPOINT, DOCTOWN_TEST_DATABASE_URL; scripts/test.sh starts both)"]
fn workers_fetch_private_repositories_with_the_owners_and_the_installations_token() {
    let github = standin();
    let d = Deployment::new("private", &github.api);
    let (server, base) = d.serve();
    let key = d.ada_key();
    let owners = submit_private(&base, &key);
    let installations = push_from_installation(&base, "d-private-1");
    let worker = d.worker(
        "worker",
        &[
            ("DATABASE_URL", &d.database_url),
            ("DOCTOWN_TOKEN_KEYS", TOKEN_KEYS),
            ("DOCTOWN_GITHUB_APP_ID", "12345"),
            ("DOCTOWN_GITHUB_APP_PRIVATE_KEY", APP_KEY),
        ],
    );
    for job in [&owners, &installations] {
        let state = d.wait(job, &[&worker]);
        assert_eq!(
            state.status,
            JobStatus::Succeeded,
            "{job}: {:?}\nworker: {}\nserve: {}",
            state.error,
            worker.log(),
            server.log()
        );
        assert_eq!(
            state.source.as_ref().and_then(|s| s.commit.as_deref()),
            Some(COMMIT)
        );
    }
    assert!(
        worker
            .log()
            .contains("owners' GitHub tokens from postgres://"),
        "the worker says where tokens come from: {}",
        worker.log()
    );
    // The tarballs were fetched with the owner's and the installation's token.
    let calls = github.calls.lock().unwrap().clone();
    let fetched = |path: &str, token: &str| {
        calls
            .iter()
            .any(|(call, auth)| call.starts_with(path) && *auth == format!("Bearer {token}"))
    };
    assert!(
        fetched("GET /api/repos/ada/secret/tarball/", OWNER_TOKEN),
        "{calls:?}"
    );
    assert!(
        fetched(
            "GET /api/repos/octo/private-repo/tarball/",
            INSTALLATION_TOKEN
        ),
        "{calls:?}"
    );
    // Ada reads her job and its docpack through the API; it documents the code.
    let (status, body) = get(&format!("{base}/jobs/{owners}"), &key);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let (status, docpack) = get(&format!("{base}/jobs/{owners}/docpack"), &key);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&docpack));
    let pack =
        doctown_docpack::read_docpack_bytes(&docpack, &doctown_docpack::ReadLimits::default())
            .unwrap();
    assert!(pack.nodes.symbols.iter().any(|n| n.name == "double"));
    assert!(
        !format!("{pack:?}").contains("SECRETTOKEN"),
        "the docpack holds a token"
    );
    // No object of the store holds a token: state, events, artifacts, docpacks.
    let objects = d.objects();
    for job in [&owners, &installations] {
        let mine: Vec<&String> = objects
            .iter()
            .map(|(k, _)| k)
            .filter(|k| k.contains(job.as_str()))
            .collect();
        assert!(
            mine.iter().any(|k| k.ends_with("state.json"))
                && mine.iter().any(|k| k.contains("/events/"))
                && mine.iter().any(|k| k.ends_with(".docpack")),
            "{mine:?}"
        );
    }
    for (key, bytes) in &objects {
        assert!(!holds_a_token(bytes), "{key} holds a token");
    }
    for log in [worker.log(), server.log()] {
        assert!(!log.contains("SECRETTOKEN"), "a token was logged: {log}");
    }
}

#[test]
#[ignore = "needs moto and PostgreSQL (DOCTOWN_TEST_S3_ENDPOINT, DOCTOWN_TEST_DATABASE_URL; scripts/test.sh starts both)"]
fn a_worker_without_the_accounts_database_or_the_app_says_so_once() {
    let github = standin();
    let d = Deployment::new("unconfigured", &github.api);
    let (server, base) = d.serve();
    let said = server.log();
    assert!(
        !said.contains("warning: the accounts database is SQLite")
            && !said.contains("DOCTOWN_TOKEN_KEYS is not set")
            && said.contains("note: jobs of GitHub App installations"),
        "PostgreSQL and token keys: no warning about the workers, a note about the App: {said}"
    );
    let key = d.ada_key();
    let owners = submit_private(&base, &key);
    let installations = push_from_installation(&base, "d-unconfigured-1");
    // The operator's token cannot see either repository: without the hook
    // these jobs would fail with GitHub's "not found".
    let worker = d.worker("bare-worker", &[("GITHUB_TOKEN", "ghp_operator_token")]);
    let owners_state = d.wait(&owners, &[&worker]);
    let installations_state = d.wait(&installations, &[&worker]);
    for (state, expected) in [
        (
            &owners_state,
            "this worker has no accounts database (DATABASE_URL) to read the owner's GitHub token",
        ),
        (&installations_state, "this worker has no GitHub App"),
    ] {
        assert_eq!(state.status, JobStatus::Failed);
        let error = state.error.clone().unwrap_or_default();
        assert!(error.contains(expected), "{error}");
        assert!(!error.contains('\n'), "one line: {error}");
        assert!(!error.to_lowercase().contains("not found"), "{error}");
        let ingest = state.stage(Stage::Ingest);
        assert_eq!(ingest.attempts, 1, "not retried: {ingest:?}");
    }
    // No request reached GitHub's repositories for these jobs.
    let calls = github.calls.lock().unwrap().clone();
    assert!(
        !calls
            .iter()
            .any(|(call, auth)| call.contains("/tarball/") || auth.contains("ghp_operator")),
        "{calls:?}"
    );
    drop(server);
}
