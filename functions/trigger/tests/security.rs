//! The attacks of `docs/SECURITY.md`, each against the real router: a web
//! page driving a laptop's server (content types, `Origin`,
//! `Sec-Fetch-Site`, DNS rebinding by `Host`), reads of a hosted server
//! without accounts, a `build` key publishing, and the redirect after
//! sign-in. Each test fails without the fix it guards.

mod common;
mod standin;

use axum::body::Body;
use axum::http::Request;
use common::*;
use doctown_accounts::PlanName;
use doctown_trigger::{ServerName, TriggerConfig};
use serde_json::json;
use standin::{cookie_value, world, Who};

fn post(uri: &str, content_type: Option<&str>) -> axum::http::request::Builder {
    let mut builder = Request::post(uri);
    if let Some(kind) = content_type {
        builder = builder.header("content-type", kind);
    }
    builder
}

fn job_body() -> String {
    json!({"repo_url": "https://github.com/octo/demo"}).to_string()
}

/// A laptop's `doctown serve`: loopback, no keys, its own names.
fn laptop() -> TestApp {
    let config = TriggerConfig {
        server_names: ServerName::of_addr(&"127.0.0.1:8080".parse().unwrap()),
        ..TriggerConfig::default()
    };
    test_app(config, None)
}

#[tokio::test]
async fn a_web_page_cannot_start_jobs_on_a_laptop() {
    let app = laptop();
    let body = job_body();
    // What a page can send without asking first: a form, or text/plain.
    for kind in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let request = post("/jobs", kind)
            .header("host", "127.0.0.1:8080")
            .body(Body::from(body.clone()))
            .unwrap();
        let (status, answer) = app.json(request).await;
        assert_eq!(status, 415, "{kind:?}: {answer}");
        assert!(answer["error"]
            .as_str()
            .unwrap()
            .contains("application/json"));
    }
    // JSON sent by another site's page (a preflight it would not pass, or
    // a browser that skips it) is refused by its Origin, and by
    // Sec-Fetch-Site when there is no Origin.
    for (name, value) in [
        ("origin", "http://evil.example"),
        ("origin", "null"),
        ("origin", "http://127.0.0.1:8081"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let request = post("/jobs", Some("application/json"))
            .header("host", "127.0.0.1:8080")
            .header(name, value)
            .body(Body::from(body.clone()))
            .unwrap();
        let (status, answer) = app.json(request).await;
        assert_eq!(status, 403, "{name}: {value}: {answer}");
    }
    // Cancelling (no body) from another site: refused too.
    let request = Request::post("/jobs/00000000000000000000000000/cancel")
        .header("host", "localhost:8080")
        .header("origin", "http://evil.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.json(request).await.0, 403);
    assert_eq!(app.job_count(), 0, "no job started");

    // The website itself (same origin) and programs (no Origin) go through.
    for origin in [
        Some("http://127.0.0.1:8080"),
        Some("http://localhost:8080"),
        None,
    ] {
        let mut builder = post("/jobs", Some("application/json; charset=utf-8"))
            .header("host", origin.map_or("127.0.0.1:8080", |o| &o[7..]));
        if let Some(origin) = origin {
            builder = builder.header("origin", origin);
        }
        let (status, answer) = app
            .json(builder.body(Body::from(body.clone())).unwrap())
            .await;
        assert_eq!(status, 202, "{origin:?}: {answer}");
    }
}

#[tokio::test]
async fn a_rebound_dns_name_reaches_nothing() {
    let app = laptop();
    for (method, path) in [
        ("GET", "/docpacks"),
        ("GET", "/jobs/00000000000000000000000000"),
        ("GET", "/health"),
        ("GET", "/"),
        ("POST", "/jobs"),
    ] {
        for host in ["rebind.evil.example:8080", "127.0.0.1.evil.example:8080"] {
            let request = Request::builder()
                .method(method)
                .uri(path)
                .header("host", host)
                .header("content-type", "application/json")
                .body(Body::from(job_body()))
                .unwrap();
            let (status, answer) = app.json(request).await;
            assert_eq!(status, 421, "{method} {path} at {host}: {answer}");
        }
    }
    let no_host = Request::get("/docpacks").body(Body::empty()).unwrap();
    assert_eq!(app.json(no_host).await.0, 421, "a request without a Host");
    let own = Request::get("/docpacks")
        .header("host", "localhost:8080")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.json(own).await.0, 200);
    assert_eq!(app.job_count(), 0);
}

#[tokio::test]
async fn without_accounts_a_hosted_server_keeps_reads_behind_its_keys() {
    let config = TriggerConfig {
        private_reads: true,
        ..TriggerConfig::default().with_api_keys(["k3y"])
    };
    let app = test_app(config, None);
    let job = {
        let request = Request::post("/jobs")
            .header("content-type", "application/json")
            .header("authorization", "Bearer k3y")
            .body(Body::from(job_body()))
            .unwrap();
        let (status, body) = app.json(request).await;
        assert_eq!(status, 202, "{body}");
        body["job_id"].as_str().unwrap().to_string()
    };
    for path in [
        "/docpacks".to_string(),
        format!("/jobs/{job}"),
        format!("/jobs/{job}/docpack"),
        format!("/jobs/{job}/events"),
        format!("/api/jobs/{job}/docpack"),
    ] {
        let (status, _) = app.json(get(&path)).await;
        assert_eq!(status, 401, "{path} without a key");
        let keyed = Request::get(&path)
            .header("authorization", "Bearer k3y")
            .body(Body::empty())
            .unwrap();
        let response = app.send(keyed).await;
        assert_ne!(response.status().as_u16(), 401, "{path} with the key");
    }
    // What shows no code stays open: health, metrics, the API's description.
    for path in ["/health", "/metrics", "/openapi.json"] {
        assert_eq!(app.send(get(path)).await.status().as_u16(), 200, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_build_key_cannot_publish() {
    let w = world(None, |_| {}).await;
    let ada = w.sign_in("ada").await;
    let ada_id = w.user_id(&ada).await;
    // A plan that builds private repositories: only visibility is in question.
    w.db()
        .set_billing(ada_id, PlanName::Creator, "active", None, None)
        .await
        .unwrap();
    let build = Who::Key(w.key(&ada, &["build", "read"]).await);
    let admin = Who::Key(w.key(&ada, &["build", "read", "admin"]).await);
    let secret = "https://github.com/ada/secret";
    let refused = w
        .call(
            "POST",
            "/jobs",
            &build,
            Some(json!({"repo_url": secret, "visibility": "public"})),
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert!(refused.text.contains("admin"), "{}", refused.text);
    // Private (or the repository's own visibility) is the build scope's.
    for (who, visibility) in [
        (&build, Some("private")),
        (&build, None),
        (&admin, Some("public")),
    ] {
        let mut body = json!({"repo_url": secret});
        if let Some(v) = visibility {
            body["visibility"] = json!(v);
        }
        let made = w.call("POST", "/jobs", who, Some(body)).await;
        assert_eq!(made.status, 202, "{visibility:?}: {}", made.text);
        w.wait_terminal(made.body["job_id"].as_str().unwrap()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_sends_the_browser_back_to_this_site_only() {
    let w = world(None, |_| {}).await;
    for (asked, expected) in [
        ("/%09/evil.example", "/"),
        ("/%0a/evil.example", "/"),
        ("/%5C/evil.example", "/"),
        ("//evil.example", "/"),
        ("/library%3Fx%3D1", "/library?x=1"),
    ] {
        let start = w
            .call(
                "GET",
                &format!("/auth/github/login?redirect={asked}"),
                &Who::Anonymous,
                None,
            )
            .await;
        assert_eq!(start.status, 303, "{}", start.text);
        let oauth = cookie_value(&start.headers, "__Host-doctown_oauth").unwrap();
        let callback = w
            .follow_authorize(start.headers["location"].to_str().unwrap())
            .await;
        let done = w.callback(&callback, Some(&oauth), None).await;
        assert_eq!(done.status, 303, "{}", done.text);
        assert_eq!(done.headers["location"], expected, "{asked}");
    }
}

#[path = "../../../common/accounts/tests/support.rs"]
mod support;

/// 200 parallel `POST /jobs` of one user whose plan runs 3 jobs at once,
/// and 200 of one anonymous address allowed 2 an hour: exactly 3 and 2
/// are admitted, the rest refused with 429, however they interleave.
async fn admission_under_load(database_url: Option<String>) {
    let gate = Gate::closed();
    let w = world(Some(gate.clone()), |c| {
        c.database_url = database_url;
        c.plans.free.concurrent_jobs = 3;
        c.plans.free.jobs_per_month = 1_000;
        c.plans.anonymous.jobs_per_hour = 2;
    })
    .await;
    let ada = w.sign_in("ada").await;
    let key = Who::Key(w.key(&ada, &["build", "read"]).await);
    for (who, limit) in [(key, 3), (Who::Anonymous, 2)] {
        let answers = futures_util::future::join_all(
            (0..200).map(|_| w.submit(&who, "https://github.com/octo/demo")),
        )
        .await;
        let admitted = answers.iter().filter(|a| a.status == 202).count();
        let refused = answers.iter().filter(|a| a.status == 429).count();
        let other: Vec<_> = answers
            .iter()
            .filter(|a| a.status != 202 && a.status != 429)
            .map(|a| format!("{} {}", a.status, a.text))
            .collect();
        assert!(other.is_empty(), "{who:?}: {other:?}");
        assert_eq!((admitted, refused), (limit, 200 - limit), "{who:?}");
    }
    gate.open();
    w.launcher.wait_idle().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn admission_under_load_on_sqlite() {
    admission_under_load(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL (DOCTOWN_TEST_DATABASE_URL; scripts/test.sh starts one)"]
async fn admission_under_load_on_postgres() {
    admission_under_load(Some(support::postgres_url().await)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_asks_github_for_private_repositories_only_when_wanted() {
    let w = world(None, |c| {
        if let Some(github) = &mut c.github {
            github.scopes = "read:user".into();
        }
    })
    .await;
    for (query, repo) in [("", false), ("&private=1", true)] {
        let start = w
            .call(
                "GET",
                &format!("/auth/github/login?redirect=/{query}"),
                &Who::Anonymous,
                None,
            )
            .await;
        let location = start.headers["location"].to_str().unwrap();
        let url = url::Url::parse(location).unwrap();
        let scope = url
            .query_pairs()
            .find(|(k, _)| k == "scope")
            .map(|(_, v)| v.to_string())
            .unwrap();
        assert_eq!(scope.split(' ').any(|s| s == "repo"), repo, "{scope}");
        assert!(scope.contains("read:user"), "{scope}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_everywhere_ends_every_session() {
    let w = world(None, |_| {}).await;
    let laptop = w.sign_in("ada").await;
    let phone = w.sign_in("ada").await;
    for who in [&laptop, &phone] {
        assert!(!w.call("GET", "/me", who, None).await.body["user"].is_null());
    }
    let out = w
        .call("POST", "/auth/logout?everywhere=1", &phone, None)
        .await;
    assert_eq!(out.status, 204, "{}", out.text);
    for who in [&laptop, &phone] {
        assert!(w.call("GET", "/me", who, None).await.body["user"].is_null());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_cookies_are_host_only_and_secure() {
    let w = world(None, |_| {}).await;
    let start = w
        .call("GET", "/auth/github/login", &Who::Anonymous, None)
        .await;
    let line = standin::set_cookie(&start.headers, "__Host-doctown_oauth").unwrap();
    for part in ["Secure", "Path=/", "HttpOnly"] {
        assert!(line.contains(part), "{line}");
    }
    assert!(!line.contains("Domain"), "{line}");
}

#[test]
fn debug_output_keeps_secrets_out_of_logs() {
    let context = doctown_trigger::LaunchContext {
        job_id: None,
        github_token: Some("ghs_installation_SECRET".into()),
    };
    let config = doctown_accounts::AccountsConfig {
        database_url: Some("postgres://doctown:pa55word@db.internal/doctown".into()),
        ..doctown_accounts::AccountsConfig::default()
    };
    for shown in [format!("{context:?}"), format!("{config:?}")] {
        assert!(
            !shown.contains("SECRET") && !shown.contains("pa55word"),
            "{shown}"
        );
    }
    let error = doctown_accounts::AccountsError::Internal(
        "duplicate key value violates unique constraint \"users_pkey\"".into(),
    );
    let answered = doctown_trigger::ApiError::from(error);
    assert_eq!(answered.status, 500);
    assert!(
        !answered.message.contains("users_pkey"),
        "{}",
        answered.message
    );
}

/// `docs/SECURITY.md` has one row per route of the router, no more: the
/// routes are read from the router's source (`.route("/path", get(…).post(…))`
/// and the MCP service), so a route added without its row fails here.
#[test]
fn security_matrix_covers_every_route() {
    let source = include_str!("../src/routes/mod.rs");
    let mut routed = std::collections::BTreeSet::new();
    let mut rest = source;
    while let Some(at) = rest.find(".route(") {
        rest = rest[at + ".route(".len()..].trim_start();
        let Some(quoted) = rest.strip_prefix('"') else {
            continue;
        };
        rest = quoted;
        let path = &rest[..rest.find('"').unwrap()];
        // The method routers of this route: up to the next `.route(`.
        let end = rest.find(".route(").unwrap_or(rest.len());
        let methods = &rest[..end];
        for method in ["get", "post", "delete"] {
            // `get(handler)`, `.post(handler)`, `routing::delete(handler)`:
            // the method's name as a word, called.
            let call = format!("{method}(");
            let called = methods.match_indices(&call).any(|(i, _)| {
                !methods[..i]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
            });
            if called {
                routed.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    assert!(source.contains("route_service(\"/mcp\""));
    routed.insert("POST /mcp".to_string());
    let declared: std::collections::BTreeSet<String> = doctown_trigger::ROUTES
        .iter()
        .map(|(m, p)| format!("{} {p}", m.to_uppercase()))
        .chain(["POST /mcp".to_string()])
        .collect();
    assert_eq!(routed, declared, "the router and ROUTES disagree");
    let doc = include_str!("../../../docs/SECURITY.md");
    let rows: std::collections::BTreeSet<String> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`').map(|(route, _)| route.to_string()))
        .filter(|r| r.contains(" /"))
        .collect();
    let missing: Vec<_> = routed.difference(&rows).collect();
    let extra: Vec<_> = rows.difference(&routed).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "docs/SECURITY.md: routes without a row {missing:?}, rows without a route {extra:?}"
    );
}

/// The router under arbitrary requests (`doctown_trigger::probe`, the
/// generator the `http_routes` fuzz target uses): every route, method,
/// attacker-controlled header and body shape, in local mode and with
/// accounts. No request fails the server (500) or panics it, and every
/// refusal is a one-line JSON error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arbitrary_requests_get_json_answers_never_a_failure() {
    let laptop = laptop();
    let w = world(None, |_| {}).await;
    let mut state: u64 = 0x5eed_0058;
    let mut next = move || {
        // xorshift64*: deterministic, so a failure repeats.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    for n in 0..3_000 {
        let len = (next() % 160) as usize;
        let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        for accounts in [false, true] {
            let request = doctown_trigger::probe::request_from_bytes(&data);
            let what = format!("#{n} {} {}", request.method(), request.uri());
            let (status, text) = if accounts {
                let a = w.send(request).await;
                (a.status, a.text)
            } else {
                let response = laptop.send(request).await;
                let status = response.status().as_u16();
                let is_stream = response
                    .headers()
                    .get("content-type")
                    .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/event-stream"));
                if is_stream {
                    continue;
                }
                let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
                    .await
                    .unwrap();
                (status, String::from_utf8_lossy(&bytes).into_owned())
            };
            assert!(
                status != 500,
                "{what} (accounts: {accounts}): {status} {text}"
            );
            if status >= 400 {
                let body: serde_json::Value = serde_json::from_str(&text)
                    .unwrap_or_else(|_| panic!("{what}: {status} not JSON: {text}"));
                let error = body["error"].as_str().unwrap_or_default();
                assert!(
                    !error.is_empty() && !error.contains('\n'),
                    "{what}: {status} {text}"
                );
            }
        }
    }
    laptop.launcher.wait_idle().await;
    w.launcher.wait_idle().await;
}

/// Inputs the `http_routes` fuzz target found, replayed through its
/// router (local mode, API keys, a webhook secret, loopback names).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzzing_findings_stay_fixed() {
    let mut config = TriggerConfig::default().with_api_keys(["fuzz-key"]);
    config.webhook_secret = Some("fuzz-secret".into());
    config.server_names = ServerName::of_addr(&"127.0.0.1:8080".parse().unwrap());
    let app = test_app(config, None);
    let findings: [&[u8]; 1] = [
        b"\x04:\x00+eeeeeeeeeeeeeeeeeeeeeee%eeeeeeeeeeeeeeeeeeeeeeee\x01\x96o)\xff\xff\xff\xff\xff\x04,$",
    ];
    for data in findings {
        let request = doctown_trigger::probe::request_from_bytes(data);
        let what = format!("{} {}", request.method(), request.uri());
        let response = app.send(request).await;
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert_ne!(status, 500, "{what}: {text}");
        if status >= 400 {
            let body: serde_json::Value = serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("{what}: {status} is not JSON: {text:?}"));
            assert!(
                body["error"].as_str().is_some_and(|e| !e.is_empty()),
                "{what}: {text}"
            );
        }
    }
}

/// Pricing ingests the repository, so it is admitted like a job: the
/// caller's own GitHub account must see it, and the plan's limits hold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_estimate_is_admitted_like_a_job() {
    let w = world(None, |_| {}).await;
    let bob = w.sign_in("bob").await;
    let price = |repo: &str| json!({ "repo_url": repo });
    // Ada's private repository: Bob's GitHub account cannot see it.
    let hidden = w
        .call(
            "POST",
            "/estimate",
            &bob,
            Some(price("https://github.com/ada/secret")),
        )
        .await;
    assert_eq!(hidden.status, 404, "{}", hidden.text);
    assert!(hidden.text.contains("cannot see it"), "{}", hidden.text);
    // 200 MiB against the free plan's 50.
    let huge = w
        .call(
            "POST",
            "/estimate",
            &bob,
            Some(price("https://github.com/octo/huge")),
        )
        .await;
    assert_eq!(huge.status, 402, "{}", huge.text);
    // A repository Bob may build reaches the estimator (none here).
    let fine = w
        .call(
            "POST",
            "/estimate",
            &bob,
            Some(price("https://github.com/octo/demo")),
        )
        .await;
    assert_eq!(fine.status, 404, "{}", fine.text);
    assert!(
        fine.text.contains("no model is configured"),
        "{}",
        fine.text
    );
}
