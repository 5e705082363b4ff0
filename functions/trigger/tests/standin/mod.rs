//! Local servers that play GitHub (OAuth authorize and token exchange with
//! PKCE, `/user`, `/repos/{owner}/{repo}`) and Stripe (Checkout and portal
//! sessions), and a world that runs the trigger with accounts against them.
#![allow(dead_code)]

use crate::common::{factory, Gate, SeenTokens};
use axum::body::Body;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use doctown_accounts::{
    crypto::pkce_challenge, Accounts, AccountsConfig, Db, GitHubOAuthConfig, Keyring, Plans,
    StripeConfig,
};
use doctown_store::{MemoryStore, ObjectStore};
use doctown_trigger::{
    router, AccountTokens, AppState, HandlerFactory, InProcessLauncher, InProcessOptions,
    JobLauncher, TokenSource, TriggerConfig,
};
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::ServiceExt;

pub const CLIENT_ID: &str = "Iv1.standin";
pub const CLIENT_SECRET: &str = "standin-secret";
pub const STRIPE_KEY: &str = "sk_test_standin";
pub const WEBHOOK_SECRET: &str = "whsec_standin";
pub const OPERATOR_KEY: &str = "operator-key-1";
pub const HOOK_SECRET: &str = "github-hook-secret";

/// What the stand-ins saw and hold.
#[derive(Default)]
pub struct Stand {
    /// Who the next authorize request signs in.
    pub next_login: Mutex<String>,
    /// code -> (login, challenge, redirect_uri)
    codes: Mutex<HashMap<String, (String, String, String)>>,
    /// Form bodies Stripe received, by path.
    pub stripe_calls: Mutex<Vec<(String, HashMap<String, String>)>>,
}

pub fn token_of(login: &str) -> String {
    format!("gho_{login}_SECRETTOKEN")
}

pub fn github_id(login: &str) -> i64 {
    login.bytes().map(i64::from).sum::<i64>() + 1000
}

#[derive(Deserialize)]
struct Authorize {
    client_id: String,
    redirect_uri: String,
    state: String,
    code_challenge: String,
    code_challenge_method: String,
}

async fn authorize(State(s): State<Arc<Stand>>, Query(q): Query<Authorize>) -> Response {
    if q.client_id != CLIENT_ID || q.code_challenge_method != "S256" {
        return (StatusCode::BAD_REQUEST, "bad client or PKCE method").into_response();
    }
    let login = s.next_login.lock().unwrap().clone();
    let code = format!("code-{}-{}", login, s.codes.lock().unwrap().len());
    s.codes.lock().unwrap().insert(
        code.clone(),
        (login, q.code_challenge, q.redirect_uri.clone()),
    );
    Redirect::to(&format!("{}?code={code}&state={}", q.redirect_uri, q.state)).into_response()
}

fn form(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

async fn access_token(State(s): State<Arc<Stand>>, body: Bytes) -> Json<serde_json::Value> {
    let f = form(&body);
    let field = |k: &str| f.get(k).cloned().unwrap_or_default();
    if field("client_id") != CLIENT_ID || field("client_secret") != CLIENT_SECRET {
        return Json(serde_json::json!({ "error": "incorrect_client_credentials" }));
    }
    let Some((login, challenge, redirect)) = s.codes.lock().unwrap().remove(&field("code")) else {
        return Json(serde_json::json!({ "error": "bad_verification_code" }));
    };
    if pkce_challenge(&field("code_verifier")) != challenge || redirect != field("redirect_uri") {
        return Json(
            serde_json::json!({ "error": "invalid_grant", "error_description": "PKCE or redirect_uri mismatch" }),
        );
    }
    Json(
        serde_json::json!({ "access_token": token_of(&login), "token_type": "bearer", "scope": "read:user,repo" }),
    )
}

fn login_of(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get("authorization")?.to_str().ok()?;
    let token = auth.strip_prefix("Bearer ")?;
    token
        .strip_prefix("gho_")?
        .strip_suffix("_SECRETTOKEN")
        .map(str::to_string)
}

async fn user(headers: HeaderMap) -> Response {
    match login_of(&headers) {
        Some(login) => Json(serde_json::json!({ "id": github_id(&login), "login": login,
            "name": format!("{login} Lovelace"), "email": format!("{login}@example.com"), "avatar_url": null })).into_response(),
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}

/// Repositories: `octo/*` public (size 100 KiB; `octo/huge` 200 MiB);
/// `<login>/secret` private, visible with that login's token only.
async fn repo(headers: HeaderMap, Path((owner, name)): Path<(String, String)>) -> Response {
    let caller = login_of(&headers);
    let (private, size) = match (owner.as_str(), name.as_str()) {
        ("octo", "huge") => (false, 200 * 1024),
        ("octo", _) => (false, 100),
        (o, "secret") if caller.as_deref() == Some(o) => (true, 100),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    Json(
        serde_json::json!({ "id": 7, "full_name": format!("{owner}/{name}"), "private": private,
        "size": size, "default_branch": "main" }),
    )
    .into_response()
}

async fn stripe(
    State(s): State<Arc<Stand>>,
    headers: HeaderMap,
    Path(path): Path<String>,
    body: Bytes,
) -> Response {
    let f = form(&body);
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {STRIPE_KEY}")) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({"error": {"message": "bad key"}})),
        )
            .into_response();
    }
    s.stripe_calls.lock().unwrap().push((path.clone(), f));
    let url = match path.as_str() {
        "checkout/sessions" => "https://checkout.stripe.test/c/cs_test_1",
        "billing_portal/sessions" => "https://billing.stripe.test/p/bps_1",
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    Json(serde_json::json!({ "id": "sess_1", "url": url })).into_response()
}

pub const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

/// Whether the caller of the stand-in API may see `owner/name`.
fn visible(headers: &HeaderMap, owner: &str, name: &str) -> bool {
    owner == "octo" || (name == "secret" && login_of(headers).as_deref() == Some(owner))
}

async fn commit(
    headers: HeaderMap,
    Path((owner, name, _r)): Path<(String, String, String)>,
) -> Response {
    if !visible(&headers, &owner, &name) {
        return StatusCode::NOT_FOUND.into_response();
    }
    Json(serde_json::json!({ "sha": COMMIT })).into_response()
}

/// A gzipped tarball of a small Rust crate, under GitHub's top folder.
async fn tarball(
    headers: HeaderMap,
    Path((owner, name, _sha)): Path<(String, String, String)>,
) -> Response {
    if !visible(&headers, &owner, &name) {
        return StatusCode::NOT_FOUND.into_response();
    }
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
    let bytes = builder.into_inner().unwrap().finish().unwrap();
    ([("content-type", "application/x-gzip")], bytes).into_response()
}

/// Starts the stand-in (GitHub at `/`, its API at `/api`, Stripe at `/stripe`).
pub async fn start_standin() -> (String, Arc<Stand>) {
    let stand = Arc::new(Stand::default());
    *stand.next_login.lock().unwrap() = "ada".into();
    let app = Router::new()
        .route("/login/oauth/authorize", get(authorize))
        .route("/login/oauth/access_token", post(access_token))
        .route("/api/user", get(user))
        .route("/api/repos/{owner}/{name}", get(repo))
        .route("/api/repos/{owner}/{name}/commits/{r}", get(commit))
        .route("/api/repos/{owner}/{name}/tarball/{sha}", get(tarball))
        .route("/stripe/v1/{*path}", post(stripe))
        .with_state(stand.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), stand)
}

/// The plans of the tests: small numbers.
pub fn test_plans() -> Plans {
    let mut plans = Plans::default();
    plans.free.jobs_per_month = 3;
    plans.free.concurrent_jobs = 3;
    plans.free.requests_per_minute = 10_000;
    plans.creator.stripe_price = Some("price_creator".into());
    plans.creator.requests_per_minute = 10_000;
    plans.creator.concurrent_jobs = 5;
    plans.anonymous.builds = true;
    plans.anonymous.jobs_per_hour = 2;
    plans.anonymous.requests_per_minute = 10_000;
    plans
}

pub fn accounts_config(base: &str) -> AccountsConfig {
    AccountsConfig {
        github: Some(GitHubOAuthConfig {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            oauth_base: base.into(),
            api_base: format!("{base}/api"),
            scopes: "read:user repo".into(),
        }),
        stripe: Some(StripeConfig {
            secret_key: STRIPE_KEY.into(),
            webhook_secret: WEBHOOK_SECRET.into(),
            api_base: format!("{base}/stripe"),
            tolerance: Duration::from_secs(300),
        }),
        plans: test_plans(),
        keyring: Keyring::ephemeral(),
        ..AccountsConfig::default()
    }
}

/// Who sends a request.
#[derive(Debug, Clone)]
pub enum Who {
    Anonymous,
    Session {
        cookie: String,
        csrf: String,
    },
    /// A cookie without the CSRF header.
    CookieOnly(String),
    Key(String),
}

/// The chat model behind `ask`: answers citing the first evidence item.
pub struct StandinModel;

impl doctown_query::AskModel for StandinModel {
    fn id(&self) -> &str {
        "standin-model"
    }

    /// A cent an answer.
    fn cost_usd(&self, _prompt: &str, _answer: &str) -> f64 {
        0.01
    }

    fn complete(
        &self,
        _system: &str,
        user: &str,
        _: &mut dyn FnMut(&str),
    ) -> Result<String, String> {
        let first = user
            .lines()
            .find(|l| l.starts_with("[1] "))
            .ok_or("no evidence")?;
        let cite = first.rsplit(' ').next().unwrap_or_default();
        let cite = cite.split('-').next().unwrap_or_default();
        Ok(format!("The stand-in model's answer ({cite})."))
    }
}

/// The trigger with accounts over a memory store and the fake stages.
pub struct World {
    pub app: Router,
    pub store: Arc<MemoryStore>,
    pub launcher: InProcessLauncher,
    pub accounts: Arc<Accounts>,
    pub seen_tokens: SeenTokens,
    pub base: String,
    pub stand: Arc<Stand>,
    pub ip: SocketAddr,
    _dir: tempfile::TempDir,
}

pub async fn world(gate: Option<Gate>, tweak: impl FnOnce(&mut AccountsConfig)) -> World {
    world_with(tweak, move |_, seen| factory(gate, seen)).await
}

/// A world whose stage handlers `make` builds (given the stand-in's URL).
pub async fn world_with(
    tweak: impl FnOnce(&mut AccountsConfig),
    make: impl FnOnce(&str, SeenTokens) -> HandlerFactory,
) -> World {
    let (base, stand) = start_standin().await;
    let mut config = accounts_config(&base);
    tweak(&mut config);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("accounts.db");
    let accounts = Arc::new(Accounts::open(config, &db).await.unwrap());
    let seen: SeenTokens = Arc::default();
    let handlers = make(&base, seen.clone());
    build_world(accounts, handlers, seen, base, stand, dir).await
}

pub async fn build_world(
    accounts: Arc<Accounts>,
    handlers: HandlerFactory,
    seen: SeenTokens,
    base: String,
    stand: Arc<Stand>,
    dir: tempfile::TempDir,
) -> World {
    let store = Arc::new(MemoryStore::new());
    let tokens = AccountTokens {
        accounts: accounts.clone(),
        app: None,
        runtime: tokio::runtime::Handle::current(),
    };
    let options = InProcessOptions {
        max_concurrent_jobs: 4,
        tokens: Some(Arc::new(tokens) as Arc<dyn TokenSource>),
        ..InProcessOptions::default()
    };
    let launcher = InProcessLauncher::new(store.clone(), handlers, options).unwrap();
    let mut config = TriggerConfig::default().with_api_keys([OPERATOR_KEY]);
    config.webhook_secret = Some(HOOK_SECRET.into());
    // The query routes (search, ask, impact) over the store's finished jobs.
    let catalog = doctown_trigger::StoreCatalog::new(store.clone() as Arc<dyn ObjectStore>);
    let engine = doctown_query::Engine::with_catalog(Arc::new(catalog), 4);
    let state = AppState::new(
        store.clone() as Arc<dyn ObjectStore>,
        Arc::new(launcher.clone()) as Arc<dyn JobLauncher>,
        config,
    )
    .with_query(Arc::new(engine), None)
    .with_ask_model(Some(Arc::new(StandinModel)))
    .with_accounts(accounts.clone());
    World {
        app: router(state),
        store,
        launcher,
        accounts,
        seen_tokens: seen,
        base,
        stand,
        ip: "203.0.113.7:4000".parse().unwrap(),
        _dir: dir,
    }
}

/// An answer: status, headers, JSON body (Null when not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: serde_json::Value,
    pub text: String,
    pub bytes: Vec<u8>,
}

impl World {
    pub async fn send(&self, mut request: Request<Body>) -> Answer {
        request.extensions_mut().insert(ConnectInfo(self.ip));
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&bytes).to_string();
        let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        Answer {
            status,
            headers,
            body,
            text,
            bytes: bytes.to_vec(),
        }
    }

    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        who: &Who,
        body: Option<serde_json::Value>,
    ) -> Answer {
        let mut builder = Request::builder()
            .method(method)
            .uri(uri)
            .header("host", "doctown.test");
        match who {
            Who::Anonymous => {}
            Who::Session { cookie, csrf } => {
                builder = builder
                    .header("cookie", format!("__Host-doctown_session={cookie}"))
                    .header("x-csrf-token", csrf);
            }
            Who::CookieOnly(cookie) => {
                builder = builder.header("cookie", format!("__Host-doctown_session={cookie}"))
            }
            Who::Key(key) => builder = builder.header("authorization", format!("Bearer {key}")),
        }
        let body = match body {
            Some(v) => {
                builder = builder.header("content-type", "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.send(builder.body(body).unwrap()).await
    }

    /// Signs `login` in through the stand-in GitHub; returns the session.
    pub async fn sign_in(&self, login: &str) -> Who {
        *self.stand.next_login.lock().unwrap() = login.into();
        let start = self
            .call(
                "GET",
                "/auth/github/login?redirect=/library",
                &Who::Anonymous,
                None,
            )
            .await;
        assert_eq!(start.status, 303, "{}", start.text);
        let oauth_cookie =
            cookie_value(&start.headers, "__Host-doctown_oauth").expect("the state cookie");
        let callback = self
            .follow_authorize(start.headers["location"].to_str().unwrap())
            .await;
        let done = self.callback(&callback, Some(&oauth_cookie), None).await;
        assert_eq!(done.status, 303, "{}", done.text);
        let cookie =
            cookie_value(&done.headers, "__Host-doctown_session").expect("a session cookie");
        let me = self
            .call("GET", "/me", &Who::CookieOnly(cookie.clone()), None)
            .await;
        let csrf = me.body["csrf_token"].as_str().unwrap().to_string();
        Who::Session { cookie, csrf }
    }

    /// Asks the stand-in's authorize page; returns the callback path and query.
    pub async fn follow_authorize(&self, location: &str) -> String {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .max_redirects(0)
            .build()
            .into();
        let location = location.to_string();
        let reply = tokio::task::spawn_blocking(move || agent.get(&location).call().unwrap())
            .await
            .unwrap();
        assert_eq!(reply.status().as_u16(), 303, "the stand-in redirects back");
        let to = reply.headers()["location"].to_str().unwrap().to_string();
        to.split_once("doctown.test")
            .map(|(_, p)| p.to_string())
            .unwrap_or(to)
    }

    pub async fn callback(
        &self,
        path: &str,
        oauth_cookie: Option<&str>,
        session: Option<&str>,
    ) -> Answer {
        let mut cookies = Vec::new();
        if let Some(c) = oauth_cookie {
            cookies.push(format!("__Host-doctown_oauth={c}"));
        }
        if let Some(s) = session {
            cookies.push(format!("__Host-doctown_session={s}"));
        }
        let mut builder = Request::get(path).header("host", "doctown.test");
        if !cookies.is_empty() {
            builder = builder.header("cookie", cookies.join("; "));
        }
        self.send(builder.body(Body::empty()).unwrap()).await
    }

    /// The user id of a signed-in `who`.
    pub async fn user_id(&self, who: &Who) -> i64 {
        let me = self.call("GET", "/me", who, None).await;
        me.body["user"]["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("not signed in: {}", me.text))
    }

    /// A key of `who` with these scopes.
    pub async fn key(&self, who: &Who, scopes: &[&str]) -> String {
        let made = self
            .call(
                "POST",
                "/me/keys",
                who,
                Some(serde_json::json!({ "name": "test", "scopes": scopes })),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.text);
        made.body["secret"].as_str().unwrap().to_string()
    }

    pub async fn submit(&self, who: &Who, repo: &str) -> Answer {
        self.call(
            "POST",
            "/jobs",
            who,
            Some(serde_json::json!({ "repo_url": repo })),
        )
        .await
    }

    pub async fn wait_terminal(&self, job: &str) {
        let id = doctown_core::JobId::new(job).unwrap();
        for _ in 0..500 {
            if let Ok(Some(state)) = doctown_store::load_state(self.store.as_ref(), &id) {
                if state.status.is_terminal() {
                    self.launcher.wait_idle().await;
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("job {job} did not finish");
    }

    /// Sends a Stripe event signed like Stripe (at `timestamp`, or now).
    pub async fn stripe_event(
        &self,
        event: &serde_json::Value,
        secret: &str,
        timestamp: Option<i64>,
    ) -> Answer {
        let payload = event.to_string();
        let t = timestamp.unwrap_or_else(|| doctown_accounts::now_ms() / 1000);
        let signature = doctown_accounts::stripe::sign(secret, t, payload.as_bytes());
        let request = Request::post("/webhooks/stripe")
            .header("stripe-signature", signature)
            .header("content-type", "application/json")
            .body(Body::from(payload))
            .unwrap();
        self.send(request).await
    }

    pub fn db(&self) -> &Db {
        &self.accounts.db
    }
}

/// A cookie's value from `Set-Cookie` headers.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    set_cookie(headers, name).and_then(|line| {
        let value = line.split(';').next()?.split_once('=')?.1.to_string();
        (!value.is_empty()).then_some(value)
    })
}

/// The whole `Set-Cookie` line of a cookie.
pub fn set_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}
