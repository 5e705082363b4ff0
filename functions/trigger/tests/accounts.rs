//! The hosted service against the real router: sign-in through a local
//! server that plays GitHub (forged, replayed, expired and unbound states;
//! rotation; logout), CSRF, the authorisation matrix (every route ×
//! anonymous, owner, another user, each key scope, the operator), private
//! repositories built with the owner's token (which never reaches the
//! store), share links and their revocation, Stripe (a stand-in for
//! Checkout and the portal, webhooks signed like Stripe's: bad signature,
//! old timestamp, replay), a downgrade while a job runs, quotas and rate
//! limits, a database that is down, and SQL injection strings.

mod common;
mod standin;

use common::Gate;
use doctown_accounts::PlanName;
use doctown_store::ObjectStore;
use serde_json::json;
use standin::*;

const PUBLIC: &str = "https://github.com/octo/demo";

fn job_id(answer: &Answer) -> String {
    answer.body["job_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", answer.text))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_through_the_stand_in_github() {
    let w = world(None, |_| {}).await;
    let start = w
        .call(
            "GET",
            "/auth/github/login?redirect=/library",
            &Who::Anonymous,
            None,
        )
        .await;
    assert_eq!(start.status, 303);
    let location = start.headers["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with(&format!("{}/login/oauth/authorize?client_id=", w.base)),
        "{location}"
    );
    assert!(location.contains("code_challenge_method=S256") && location.contains("state="));
    let oauth = set_cookie(&start.headers, "__Host-doctown_oauth").unwrap();
    assert!(
        oauth.contains("HttpOnly") && oauth.contains("SameSite=Lax") && oauth.contains("Secure"),
        "{oauth}"
    );
    let oauth = cookie_value(&start.headers, "__Host-doctown_oauth").unwrap();

    let callback = w.follow_authorize(&location).await;
    assert!(
        callback.starts_with("/auth/github/callback?code="),
        "{callback}"
    );
    // Another browser (no binding cookie) cannot finish it (login CSRF), and that spends the state.
    let stolen = w.callback(&callback, None, None).await;
    assert_eq!(stolen.status, 401, "{}", stolen.text);
    let after = w.callback(&callback, Some(&oauth), None).await;
    assert_eq!(after.status, 401, "a state works once: {}", after.text);

    // A clean run, then a replay and a forgery.
    let start = w
        .call(
            "GET",
            "/auth/github/login?redirect=/library",
            &Who::Anonymous,
            None,
        )
        .await;
    let oauth = cookie_value(&start.headers, "__Host-doctown_oauth").unwrap();
    let callback = w
        .follow_authorize(start.headers["location"].to_str().unwrap())
        .await;
    let done = w.callback(&callback, Some(&oauth), None).await;
    assert_eq!(done.status, 303, "{}", done.text);
    assert_eq!(done.headers["location"], "/library");
    let session = set_cookie(&done.headers, "__Host-doctown_session").unwrap();
    assert!(
        session.contains("HttpOnly")
            && session.contains("SameSite=Lax")
            && session.contains("Secure"),
        "{session}"
    );
    let cookie = cookie_value(&done.headers, "__Host-doctown_session").unwrap();
    assert_eq!(
        w.callback(&callback, Some(&oauth), None).await.status,
        401,
        "replayed state"
    );
    let forged = callback.replace(&format!("state={oauth}"), "state=forged");
    assert_eq!(
        w.callback(&forged, Some("forged"), None).await.status,
        401,
        "forged state"
    );

    let me = w
        .call("GET", "/me", &Who::CookieOnly(cookie.clone()), None)
        .await;
    assert_eq!(me.body["user"]["login"], "ada", "{}", me.text);
    assert_eq!(me.body["plan"], "free");
    let csrf = me.body["csrf_token"].as_str().unwrap().to_string();
    // The user's GitHub token is stored sealed, and readable by the server only.
    let user_id = me.body["user"]["id"].as_i64().unwrap();
    let token = w
        .db()
        .github_token(user_id, &w.accounts.config.keyring)
        .await
        .unwrap();
    assert_eq!(token.as_deref(), Some(token_of("ada").as_str()));

    // Signing in again rotates: the old cookie stops working.
    let start = w
        .call("GET", "/auth/github/login", &Who::Anonymous, None)
        .await;
    let oauth = cookie_value(&start.headers, "__Host-doctown_oauth").unwrap();
    let callback = w
        .follow_authorize(start.headers["location"].to_str().unwrap())
        .await;
    let again = w.callback(&callback, Some(&oauth), Some(&cookie)).await;
    let rotated = cookie_value(&again.headers, "__Host-doctown_session").unwrap();
    assert_ne!(rotated, cookie);
    assert!(w
        .call("GET", "/me", &Who::CookieOnly(cookie.clone()), None)
        .await
        .body["user"]
        .is_null());

    // Logout needs the CSRF token; afterwards the cookie is worthless.
    let who = Who::Session {
        cookie: rotated.clone(),
        csrf: csrf.clone(),
    };
    let no_csrf = w
        .call(
            "POST",
            "/auth/logout",
            &Who::CookieOnly(rotated.clone()),
            None,
        )
        .await;
    assert_eq!(no_csrf.status, 403, "{}", no_csrf.text);
    let me = w
        .call("GET", "/me", &Who::CookieOnly(rotated.clone()), None)
        .await;
    let who = match who {
        Who::Session { cookie, .. } => Who::Session {
            cookie,
            csrf: me.body["csrf_token"].as_str().unwrap().into(),
        },
        other => other,
    };
    let out = w.call("POST", "/auth/logout", &who, None).await;
    assert_eq!(out.status, 204, "{}", out.text);
    assert!(set_cookie(&out.headers, "__Host-doctown_session")
        .unwrap()
        .contains("Max-Age=0"));
    assert!(w.call("GET", "/me", &who, None).await.body["user"].is_null());
    assert_eq!(w.call("GET", "/me/jobs", &who, None).await.status, 401);
    assert_eq!(
        w.submit(&who, PUBLIC).await.status,
        202,
        "as anonymous (allowed in these tests)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_state_is_refused() {
    let w = world(None, |c| c.state_ttl = std::time::Duration::from_millis(1)).await;
    let start = w
        .call("GET", "/auth/github/login", &Who::Anonymous, None)
        .await;
    let oauth = cookie_value(&start.headers, "__Host-doctown_oauth").unwrap();
    let callback = w
        .follow_authorize(start.headers["location"].to_str().unwrap())
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    let late = w.callback(&callback, Some(&oauth), None).await;
    assert_eq!(late.status, 401, "{}", late.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_mutations_need_the_csrf_token_and_this_origin() {
    let w = world(None, |_| {}).await;
    let ada = w.sign_in("ada").await;
    let Who::Session { cookie, csrf } = &ada else {
        unreachable!()
    };
    let body = json!({ "repo_url": PUBLIC }).to_string();
    let post = |token: Option<&str>, origin: Option<&str>| {
        let mut b = axum::http::Request::post("/jobs")
            .header("host", "doctown.test")
            .header("content-type", "application/json")
            .header("cookie", format!("__Host-doctown_session={cookie}"));
        if let Some(t) = token {
            b = b.header("x-csrf-token", t);
        }
        if let Some(o) = origin {
            b = b.header("origin", o);
        }
        b.body(axum::body::Body::from(body.clone())).unwrap()
    };
    assert_eq!(w.send(post(None, None)).await.status, 403, "no token");
    assert_eq!(
        w.send(post(Some("wrong"), None)).await.status,
        403,
        "wrong token"
    );
    assert_eq!(
        w.send(post(Some(csrf), Some("https://evil.example")))
            .await
            .status,
        403,
        "another site"
    );
    assert_eq!(
        w.send(post(Some(csrf), Some("https://doctown.test")))
            .await
            .status,
        202
    );
    // Keys carry no ambient authority: no CSRF token needed.
    let key = w.key(&ada, &["build"]).await;
    assert_eq!(w.submit(&Who::Key(key.clone()), PUBLIC).await.status, 202);
    // Stage options (limits, the embed stage off) are the operator's.
    let with_options =
        json!({"repo_url": PUBLIC, "options": {"ingest": {"max_total_bytes": 1u64 << 40}}});
    let refused = w
        .call("POST", "/jobs", &Who::Key(key), Some(with_options))
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    // Creating a key, revoking a share, checkout: all refused without the token.
    let no_token = Who::CookieOnly(cookie.clone());
    assert_eq!(
        w.call("POST", "/me/keys", &no_token, Some(json!({"name": "x"})))
            .await
            .status,
        403
    );
    assert_eq!(
        w.call(
            "POST",
            "/billing/checkout",
            &no_token,
            Some(json!({"plan": "creator"}))
        )
        .await
        .status,
        403
    );
}

/// Makes a finished job's docpack a real one (a function `hub` and three
/// callers), for the query routes (the fake stages store fake bytes).
fn put_hub_docpack(w: &World, job: &str) {
    let hub = doctown_query::synthetic::Hub {
        callers: 3,
        test_callers: 0,
        second_level: 0,
        modules: 1,
    };
    let bytes = doctown_docpack::encode_docpack(&doctown_query::synthetic::hub_docpack(hub))
        .unwrap()
        .bytes;
    let id = doctown_core::JobId::new(job).unwrap();
    let state = doctown_store::load_state(w.store.as_ref(), &id)
        .unwrap()
        .unwrap();
    let key = &state.stage(doctown_core::Stage::Pack).artifacts["docpack"];
    w.store.put(key, &bytes).unwrap();
}

/// The server's chat model answers `ask` for signed-in callers and keys;
/// an anonymous caller gets the evidence (the model is the operator's cost).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_uses_the_model_for_signed_in_callers_only() {
    let w = world(None, |c| c.plans.free.model_budget_usd = 1.0).await;
    let ada = w.sign_in("ada").await;
    let read = Who::Key(w.key(&ada, &["read"]).await);
    let job = job_id(&w.submit(&ada, PUBLIC).await);
    w.wait_terminal(&job).await;
    put_hub_docpack(&w, &job);
    let path = format!("/jobs/{job}/ask?q=who+calls+hub");
    for who in [&ada, &read, &Who::Key(OPERATOR_KEY.into())] {
        let answer = w.call("GET", &path, who, None).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert_eq!(answer.body["model"], "standin-model", "{}", answer.text);
        assert!(answer.body["answer"]
            .as_str()
            .unwrap()
            .starts_with("The stand-in model's answer (src/"));
        assert_eq!(answer.body["cited"].as_array().unwrap().len(), 1);
    }
    let anonymous = w.call("GET", &path, &Who::Anonymous, None).await;
    assert_eq!(anonymous.status, 200, "{}", anonymous.text);
    assert_eq!(anonymous.body["model"], "evidence");
    assert_eq!(
        anonymous.body["note"],
        "the model answers signed-in callers only"
    );
    assert!(!anonymous.body["cited"].as_array().unwrap().is_empty());
}

/// The model's answers are charged to the asker's month; once the plan's
/// monthly allowance (jobs a month × the model budget of one) is spent,
/// the evidence answers instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_is_charged_to_the_askers_plan() {
    // The job's model costs $0.50 (the fake generate stage): the month's
    // allowance of 2 × $0.2575 leaves room for two answers at a cent.
    let w = world(None, |c| {
        c.plans.free.jobs_per_month = 2;
        c.plans.free.model_budget_usd = 0.2575;
    })
    .await;
    let ada = w.sign_in("ada").await;
    let ada_id = w.user_id(&ada).await;
    let job = job_id(&w.submit(&ada, PUBLIC).await);
    w.wait_terminal(&job).await;
    put_hub_docpack(&w, &job);
    let path = format!("/jobs/{job}/ask?q=who+calls+hub");
    let spent = || async { w.db().month_cost(ada_id).await.unwrap() };
    // Reading the job records its end, and its cost, in the month.
    w.call("GET", &format!("/jobs/{job}"), &ada, None).await;
    let before = spent().await;
    assert!((before - 0.5).abs() < 1e-9, "{before}");
    for _ in 0..2 {
        let answer = w.call("GET", &path, &ada, None).await;
        assert_eq!(answer.body["model"], "standin-model", "{}", answer.text);
    }
    assert!((spent().await - before - 0.02).abs() < 1e-9);
    let answer = w.call("GET", &path, &ada, None).await;
    assert_eq!(answer.body["model"], "evidence", "{}", answer.text);
    assert!(
        answer.body["note"].as_str().unwrap().contains("allowance"),
        "{}",
        answer.text
    );
    assert!(
        (spent().await - before - 0.02).abs() < 1e-9,
        "nothing more charged"
    );
    // The operator's key is not metered.
    let operator = Who::Key(OPERATOR_KEY.into());
    let answer = w.call("GET", &path, &operator, None).await;
    assert_eq!(answer.body["model"], "standin-model");
}

/// Everything the matrix needs: two users, keys of each scope, jobs.
struct Matrix {
    w: World,
    ada: Who,
    bob: Who,
    read: Who,
    build: Who,
    admin: Who,
    operator: Who,
    private_job: String,
    public_job: String,
    share: String,
}

async fn matrix_world() -> Matrix {
    let w = world(None, |c| {
        c.plans.free.private_repos = true;
        c.plans.free.jobs_per_month = 100;
    })
    .await;
    let ada = w.sign_in("ada").await;
    let bob = w.sign_in("bob").await;
    let read = Who::Key(w.key(&ada, &["read"]).await);
    let build = Who::Key(w.key(&ada, &["build"]).await);
    let admin = Who::Key(w.key(&ada, &["admin"]).await);
    let private_job = job_id(&w.submit(&ada, "https://github.com/ada/secret").await);
    let public_job = job_id(&w.submit(&ada, PUBLIC).await);
    w.wait_terminal(&private_job).await;
    w.wait_terminal(&public_job).await;
    // Real docpacks, for the query routes (search, ask, impact).
    put_hub_docpack(&w, &private_job);
    put_hub_docpack(&w, &public_job);
    let share = w
        .call("POST", &format!("/jobs/{public_job}/share"), &ada, None)
        .await;
    assert_eq!(share.status, 201, "{}", share.text);
    let share = share.body["token"].as_str().unwrap().to_string();
    Matrix {
        w,
        ada,
        bob,
        read,
        build,
        admin,
        operator: Who::Key(OPERATOR_KEY.into()),
        private_job,
        public_job,
        share,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorisation_matrix() {
    let m = matrix_world().await;
    let (p, q, s) = (m.private_job.clone(), m.public_job.clone(), m.share.clone());
    let anon = Who::Anonymous;
    // (method, path, body, [anonymous, owner session, other user, read key, build key, admin key, operator])
    let rows: Vec<(&str, String, Option<serde_json::Value>, [u16; 7])> = vec![
        (
            "GET",
            format!("/jobs/{p}"),
            None,
            [404, 200, 404, 200, 200, 200, 200],
        ),
        (
            "GET",
            format!("/jobs/{q}"),
            None,
            [200, 200, 200, 200, 200, 200, 200],
        ),
        (
            "GET",
            format!("/jobs/{p}/events?after=999"),
            None,
            [404, 200, 404, 200, 200, 200, 200],
        ),
        (
            "GET",
            format!("/jobs/{p}/docpack"),
            None,
            [404, 200, 404, 200, 200, 200, 200],
        ),
        (
            "GET",
            format!("/jobs/{q}/docpack"),
            None,
            [200, 200, 200, 200, 200, 200, 200],
        ),
        (
            "GET",
            format!("/jobs/{p}/search?q=hub"),
            None,
            [404, 200, 404, 200, 200, 200, 200],
        ),
        (
            "GET",
            format!("/jobs/{q}/search?q=hub"),
            None,
            [200, 200, 200, 200, 200, 200, 200],
        ),
        (
            "GET",
            format!("/jobs/{p}/ask?q=who+calls+hub"),
            None,
            [404, 200, 404, 200, 200, 200, 200],
        ),
        (
            "GET",
            format!("/jobs/{q}/ask?q=who+calls+hub"),
            None,
            [200, 200, 200, 200, 200, 200, 200],
        ),
        (
            "GET",
            format!("/jobs/{p}/impact?symbol=hub"),
            None,
            [404, 200, 404, 200, 200, 200, 200],
        ),
        (
            "GET",
            format!("/jobs/{q}/impact?symbol=hub"),
            None,
            [200, 200, 200, 200, 200, 200, 200],
        ),
        (
            "POST",
            format!("/jobs/{p}/cancel"),
            None,
            [401, 409, 404, 403, 409, 409, 409],
        ),
        (
            "POST",
            format!("/jobs/{p}/visibility"),
            Some(json!({"visibility": "private"})),
            [401, 200, 404, 403, 403, 200, 401],
        ),
        (
            "GET",
            format!("/jobs/{p}/share"),
            None,
            [401, 200, 404, 403, 403, 200, 401],
        ),
        (
            "POST",
            format!("/jobs/{p}/share"),
            None,
            [401, 201, 404, 403, 403, 201, 401],
        ),
        (
            "DELETE",
            format!("/jobs/{p}/share"),
            None,
            [401, 204, 404, 403, 403, 204, 401],
        ),
        (
            "GET",
            "/docpacks".to_string(),
            None,
            [200, 200, 200, 200, 200, 200, 200],
        ),
        (
            "GET",
            "/docpacks?scope=mine".to_string(),
            None,
            [401, 200, 200, 200, 200, 200, 401],
        ),
        (
            "GET",
            "/me".to_string(),
            None,
            [200, 200, 200, 200, 200, 200, 200],
        ),
        (
            "GET",
            "/me/jobs".to_string(),
            None,
            [401, 200, 200, 200, 200, 200, 401],
        ),
        (
            "GET",
            "/me/usage".to_string(),
            None,
            [401, 200, 200, 200, 200, 200, 401],
        ),
        (
            "GET",
            "/me/keys".to_string(),
            None,
            [401, 200, 200, 403, 403, 200, 401],
        ),
        (
            "POST",
            "/me/keys".to_string(),
            Some(json!({"name": "k"})),
            [401, 201, 201, 403, 403, 201, 401],
        ),
        (
            "DELETE",
            "/me/keys/999999".to_string(),
            None,
            [401, 404, 404, 403, 403, 404, 401],
        ),
        (
            "POST",
            "/jobs".to_string(),
            Some(json!({"repo_url": "https://github.com/ada/secret"})),
            [404, 202, 404, 403, 202, 202, 202],
        ),
        (
            "POST",
            "/estimate".to_string(),
            Some(json!({"repo_url": PUBLIC})),
            [401, 404, 404, 403, 404, 404, 404],
        ),
        (
            "POST",
            "/stages/pack".to_string(),
            Some(json!({"job_id": p})),
            [403, 403, 403, 403, 403, 403, 202],
        ),
        (
            "GET",
            "/metrics".to_string(),
            None,
            [403, 403, 403, 403, 403, 403, 200],
        ),
        (
            "GET",
            format!("/shared/{s}"),
            None,
            [200, 200, 200, 200, 200, 200, 200],
        ),
        (
            "GET",
            format!("/shared/{s}/docpack"),
            None,
            [200, 200, 200, 200, 200, 200, 200],
        ),
        (
            "POST",
            "/billing/portal".to_string(),
            None,
            [401, 400, 400, 403, 403, 400, 401],
        ),
        (
            "GET",
            "/health".to_string(),
            None,
            [200, 200, 200, 200, 200, 200, 200],
        ),
    ];
    let callers = [
        &anon,
        &m.ada,
        &m.bob,
        &m.read,
        &m.build,
        &m.admin,
        &m.operator,
    ];
    let names = [
        "anonymous",
        "owner",
        "other user",
        "read key",
        "build key",
        "admin key",
        "operator",
    ];
    let mut wrong = Vec::new();
    for (method, path, body, expected) in &rows {
        for (i, who) in callers.iter().enumerate() {
            let got = m.w.call(method, path, who, body.clone()).await;
            if got.status != expected[i] {
                wrong.push(format!(
                    "{method} {path} as {}: {} (expected {}) {}",
                    names[i],
                    got.status,
                    expected[i],
                    got.text.chars().take(120).collect::<String>()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_repositories_use_the_owners_token_and_stay_private() {
    let w = world(None, |_| {}).await;
    let ada = w.sign_in("ada").await;
    let bob = w.sign_in("bob").await;
    // Free does not build private repositories: 402, before any work.
    let refused = w.submit(&ada, "https://github.com/ada/secret").await;
    assert_eq!(refused.status, 402, "{}", refused.text);
    assert_eq!(w.store.list("jobs/").unwrap().len(), 0);
    // Bob cannot even see Ada's private repository on GitHub.
    assert_eq!(
        w.submit(&bob, "https://github.com/ada/secret").await.status,
        404
    );
    // Ada upgrades through Stripe (webhook), then builds it.
    let ada_id = w.user_id(&ada).await;
    let paid = w
        .stripe_event(
            &checkout_completed("evt_up", ada_id, "creator"),
            WEBHOOK_SECRET,
            None,
        )
        .await;
    assert_eq!(paid.body["outcome"], "applied", "{}", paid.text);
    let job = job_id(&w.submit(&ada, "https://github.com/ada/secret").await);
    w.wait_terminal(&job).await;
    assert_eq!(
        *w.seen_tokens.lock().unwrap(),
        vec![Some(token_of("ada"))],
        "ingest got Ada's token"
    );
    // The token is nowhere in the store: not in the state, the events, the docpack.
    for key in w.store.list("").unwrap() {
        let bytes = w.store.get(&key).unwrap().unwrap().bytes;
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(&token_of("ada")) && !text.contains("SECRETTOKEN"),
            "{key} holds the token"
        );
    }
    // Ada sees it; Bob and anonymous get 404 for the job, its events and its docpack.
    assert_eq!(
        w.call("GET", &format!("/jobs/{job}"), &ada, None)
            .await
            .status,
        200
    );
    for who in [&bob, &Who::Anonymous] {
        for path in [
            format!("/jobs/{job}"),
            format!("/jobs/{job}/events"),
            format!("/jobs/{job}/docpack"),
        ] {
            assert_eq!(w.call("GET", &path, who, None).await.status, 404, "{path}");
        }
    }
    let mine = w.call("GET", "/docpacks", &ada, None).await;
    assert_eq!(
        mine.body["items"][0]["visibility"], "private",
        "{}",
        mine.text
    );
    assert_eq!(
        w.call("GET", "/docpacks", &bob, None).await.body["items"],
        json!([])
    );
    assert_eq!(
        w.call("GET", "/docpacks?scope=public", &Who::Anonymous, None)
            .await
            .body["items"],
        json!([])
    );
    let history = w.call("GET", "/me/jobs", &ada, None).await;
    assert_eq!(history.body["items"][0]["status"], "succeeded");
    assert_eq!(history.body["items"][0]["cost_usd"], 0.5);
    assert!(history.body["items"][0]["duration_ms"].is_number());

    // A share link opens it signed out, until it is revoked.
    let share = w
        .call("POST", &format!("/jobs/{job}/share"), &ada, None)
        .await;
    let url = share.body["url"].as_str().unwrap().to_string();
    let token = share.body["token"].as_str().unwrap().to_string();
    assert!(
        share.body["page_url"]
            .as_str()
            .is_some_and(|page| page.ends_with(&format!("/s/{token}"))),
        "{}",
        share.body
    );
    let opened = w.call("GET", &url, &Who::Anonymous, None).await;
    assert_eq!(
        (opened.status, opened.body["job_id"].as_str()),
        (200, Some(job.as_str()))
    );
    let download = w
        .call("GET", &format!("/shared/{token}/docpack"), &bob, None)
        .await;
    assert_eq!(download.bytes, common::DOCPACK_BYTES);
    assert_eq!(
        w.call("DELETE", &format!("/jobs/{job}/share"), &bob, None)
            .await
            .status,
        404,
        "not Bob's to revoke"
    );
    assert_eq!(
        w.call("DELETE", &format!("/jobs/{job}/share"), &ada, None)
            .await
            .status,
        204
    );
    for path in [url.clone(), format!("/shared/{token}/docpack")] {
        assert_eq!(
            w.call("GET", &path, &bob, None).await.status,
            404,
            "revoked: {path}"
        );
    }
    // Made public, everyone sees it, and it is in the gallery.
    let public = w
        .call(
            "POST",
            &format!("/jobs/{job}/visibility"),
            &ada,
            Some(json!({"visibility": "public"})),
        )
        .await;
    assert_eq!(public.status, 200, "{}", public.text);
    assert_eq!(
        w.call(
            "GET",
            &format!("/jobs/{job}/docpack"),
            &Who::Anonymous,
            None
        )
        .await
        .status,
        200
    );
    assert_eq!(
        w.call("GET", "/docpacks", &Who::Anonymous, None).await.body["items"][0]["owner"],
        "ada"
    );
}

/// A Stripe event as Stripe sends it; each made later than the one before.
fn stripe_json(id: &str, kind: &str, object: serde_json::Value) -> serde_json::Value {
    use std::sync::atomic::{AtomicI64, Ordering};
    static CLOCK: AtomicI64 = AtomicI64::new(1_800_000_000);
    let created = CLOCK.fetch_add(1, Ordering::SeqCst);
    json!({ "id": id, "type": kind, "created": created, "data": { "object": object } })
}

fn checkout_completed(id: &str, user: i64, plan: &str) -> serde_json::Value {
    stripe_json(
        id,
        "checkout.session.completed",
        json!({ "client_reference_id": user.to_string(), "customer": "cus_ada",
            "subscription": "sub_ada", "payment_status": "paid", "metadata": { "plan": plan } }),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stripe_checkout_portal_and_webhooks() {
    let w = world(None, |_| {}).await;
    let ada = w.sign_in("ada").await;
    let ada_id = w.user_id(&ada).await;
    assert_eq!(
        w.call("POST", "/billing/portal", &ada, None).await.status,
        400,
        "no customer yet"
    );
    let checkout = w
        .call(
            "POST",
            "/billing/checkout",
            &ada,
            Some(json!({"plan": "creator"})),
        )
        .await;
    assert_eq!(
        checkout.body["url"], "https://checkout.stripe.test/c/cs_test_1",
        "{}",
        checkout.text
    );
    {
        let calls = w.stand.stripe_calls.lock().unwrap();
        let (path, form) = &calls[0];
        assert_eq!(path, "checkout/sessions");
        assert_eq!(form["line_items[0][price]"], "price_creator");
        assert_eq!(form["client_reference_id"], ada_id.to_string());
        assert_eq!(form["mode"], "subscription");
        // Stripe sends the browser back to the website's billing page.
        assert!(
            form["success_url"].ends_with("/account/billing?checkout=success"),
            "{}",
            form["success_url"]
        );
    }
    assert_eq!(
        w.call(
            "POST",
            "/billing/checkout",
            &ada,
            Some(json!({"plan": "team"}))
        )
        .await
        .status,
        400,
        "no price"
    );

    let event = checkout_completed("evt_1", ada_id, "creator");
    let bad = w.stripe_event(&event, "whsec_wrong", None).await;
    assert_eq!(bad.status, 401, "bad signature: {}", bad.text);
    let old = w
        .stripe_event(
            &event,
            WEBHOOK_SECRET,
            Some(doctown_accounts::now_ms() / 1000 - 3600),
        )
        .await;
    assert_eq!(old.status, 401, "old timestamp: {}", old.text);
    assert_eq!(
        w.call("GET", "/me", &ada, None).await.body["plan"],
        "free",
        "nothing applied"
    );
    let good = w.stripe_event(&event, WEBHOOK_SECRET, None).await;
    assert_eq!(good.body["outcome"], "applied", "{}", good.text);
    assert_eq!(
        w.call("GET", "/me", &ada, None).await.body["plan"],
        "creator"
    );

    // The portal, now that Ada is a customer.
    let portal = w.call("POST", "/billing/portal", &ada, None).await;
    assert_eq!(portal.body["url"], "https://billing.stripe.test/p/bps_1");

    let deleted = stripe_json(
        "evt_2",
        "customer.subscription.deleted",
        json!({ "customer": "cus_ada" }),
    );
    assert_eq!(
        w.stripe_event(&deleted, WEBHOOK_SECRET, None).await.body["outcome"],
        "applied"
    );
    assert_eq!(w.call("GET", "/me", &ada, None).await.body["plan"], "free");
    // Replaying the upgrade (a fresh signature, the same event id) changes nothing.
    let replay = w.stripe_event(&event, WEBHOOK_SECRET, None).await;
    assert_eq!(replay.body["outcome"], "duplicate");
    assert_eq!(w.call("GET", "/me", &ada, None).await.body["plan"], "free");

    let resubscribed = checkout_completed("evt_3", ada_id, "creator");
    w.stripe_event(&resubscribed, WEBHOOK_SECRET, None).await;
    let failed = stripe_json(
        "evt_4",
        "invoice.payment_failed",
        json!({ "customer": "cus_ada" }),
    );
    assert_eq!(
        w.stripe_event(&failed, WEBHOOK_SECRET, None).await.body["outcome"],
        "applied"
    );
    let usage = w.call("GET", "/me/usage", &ada, None).await;
    assert_eq!(
        (
            usage.body["plan"].as_str(),
            usage.body["effective_plan"].as_str()
        ),
        (Some("creator"), Some("free"))
    );
    assert_eq!(usage.body["billing_status"], "past_due");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_downgrade_while_a_job_runs() {
    let gate = Gate::closed();
    let w = world(Some(gate.clone()), |_| {}).await;
    let ada = w.sign_in("ada").await;
    let ada_id = w.user_id(&ada).await;
    w.stripe_event(
        &checkout_completed("evt_a", ada_id, "creator"),
        WEBHOOK_SECRET,
        None,
    )
    .await;
    let running = job_id(&w.submit(&ada, "https://github.com/ada/secret").await);
    let cancel = stripe_json(
        "evt_b",
        "customer.subscription.deleted",
        json!({ "customer": "cus_ada" }),
    );
    assert_eq!(
        w.stripe_event(&cancel, WEBHOOK_SECRET, None).await.body["outcome"],
        "applied"
    );
    // The running job was admitted under Creator: it finishes.
    gate.open();
    w.wait_terminal(&running).await;
    let job = w.call("GET", &format!("/jobs/{running}"), &ada, None).await;
    assert_eq!(job.body["status"], "succeeded");
    // The next private job is judged by Free.
    assert_eq!(
        w.submit(&ada, "https://github.com/ada/secret").await.status,
        402
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotas_rate_limits_and_brute_force() {
    let w = world(None, |_| {}).await;
    let ada = w.sign_in("ada").await;
    for _ in 0..3 {
        let a = w.submit(&ada, PUBLIC).await;
        assert_eq!(a.status, 202, "{}", a.text);
        w.wait_terminal(&job_id(&a)).await;
    }
    let over = w.submit(&ada, PUBLIC).await;
    assert_eq!(over.status, 402, "{}", over.text);
    let usage = w.call("GET", "/me/usage", &ada, None).await;
    assert_eq!(
        (
            usage.body["usage"]["jobs"].as_u64(),
            usage.body["usage"]["jobs_left"].as_u64()
        ),
        (Some(3), Some(0))
    );
    assert!(
        (usage.body["usage"]["cost_usd"].as_f64().unwrap() - 1.5).abs() < 1e-9,
        "{}",
        usage.text
    );
    // Too large for the plan: 402 before any work.
    let bob = w.sign_in("bob").await;
    assert_eq!(
        w.submit(&bob, "https://github.com/octo/huge").await.status,
        402
    );
    // Anonymous: two an hour per address, then 429 with Retry-After.
    for _ in 0..2 {
        assert_eq!(w.submit(&Who::Anonymous, PUBLIC).await.status, 202);
    }
    let limited = w.submit(&Who::Anonymous, PUBLIC).await;
    assert_eq!(limited.status, 429, "{}", limited.text);
    assert!(limited.headers.contains_key("retry-after"));
    // Guessing keys: ten wrong ones, then 429 even for the eleventh.
    for i in 0..10 {
        let guess = format!("dt_{:012}_{}", i, "x".repeat(40));
        assert_eq!(
            w.call("GET", "/me", &Who::Key(guess), None).await.status,
            401
        );
    }
    let blocked = w
        .call("GET", "/me", &Who::Key("dt_whatever".into()), None)
        .await;
    assert_eq!(blocked.status, 429);
    assert!(
        blocked.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    // The guesser locks out only failed credentials: a user behind the
    // same address, signed in or with a key, and anonymous reads go on.
    let me = w.call("GET", "/me", &ada, None).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.body["user"]["login"], "ada");
    let key = Who::Key(w.key(&ada, &["read"]).await);
    assert_eq!(w.call("GET", "/me/jobs", &key, None).await.status, 200);
    assert_eq!(
        w.call("GET", "/docpacks", &Who::Anonymous, None)
            .await
            .status,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_per_minute_are_limited() {
    let w = world(None, |c| c.plans.free.requests_per_minute = 5).await;
    let ada = w.sign_in("ada").await;
    let key = Who::Key(w.key(&ada, &["read"]).await);
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(w.call("GET", "/me/jobs", &key, None).await.status);
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(statuses.last(), Some(&429));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_is_down_answers_503() {
    let w = world(None, |_| {}).await;
    let ada = w.sign_in("ada").await;
    let key = Who::Key(w.key(&ada, &["build"]).await);
    w.db().pool.close().await;
    for (method, path) in [
        ("POST", "/jobs"),
        ("GET", "/me/jobs"),
        ("GET", "/docpacks"),
        ("GET", "/me"),
    ] {
        let body = (method == "POST").then(|| json!({"repo_url": PUBLIC}));
        let a = w.call(method, path, &key, body).await;
        assert_eq!(a.status, 503, "{method} {path}: {}", a.text);
        assert!(
            a.body["error"].as_str().unwrap().contains("database"),
            "{}",
            a.text
        );
    }
    assert_eq!(
        w.store.list("jobs/").unwrap().len(),
        0,
        "nothing launched without its row"
    );
    let health = w.call("GET", "/health", &Who::Anonymous, None).await;
    assert_eq!(
        (health.status, health.body["database"].as_str()),
        (200, Some("unavailable"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injection_strings_through_every_string_field() {
    let w = world(None, |_| {}).await;
    let ada = w.sign_in("ada").await;
    let nasty = [
        "'; DROP TABLE users; --",
        "\" OR 1=1 --",
        "x' UNION SELECT key_hash FROM api_keys --",
    ];
    for s in nasty {
        let enc = s
            .replace(' ', "%20")
            .replace('"', "%22")
            .replace('\'', "%27")
            .replace(';', "%3B");
        for (method, path, body) in [
            ("POST", "/jobs".to_string(), Some(json!({"repo_url": s}))),
            (
                "POST",
                "/jobs".to_string(),
                Some(json!({"repo_url": PUBLIC, "git_ref": s})),
            ),
            (
                "POST",
                "/jobs".to_string(),
                Some(json!({"repo_url": PUBLIC, "visibility": s})),
            ),
            (
                "POST",
                "/jobs".to_string(),
                Some(json!({"repo_url": format!("https://github.com/octo/{s}")})),
            ),
            (
                "POST",
                "/me/keys".to_string(),
                Some(json!({"name": s, "scopes": [s]})),
            ),
            (
                "POST",
                "/billing/checkout".to_string(),
                Some(json!({"plan": s})),
            ),
            ("GET", format!("/shared/{enc}"), None),
            ("GET", format!("/me/jobs?cursor={enc}"), None),
            ("GET", format!("/docpacks?scope={enc}"), None),
            ("DELETE", format!("/me/keys/{enc}"), None),
            (
                "GET",
                format!("/auth/github/callback?code={enc}&state={enc}"),
                None,
            ),
        ] {
            let a = w.call(method, &path, &ada, body).await;
            assert!(
                (400..500).contains(&a.status),
                "{method} {path}: {} {}",
                a.status,
                a.text
            );
        }
        let named = w
            .call(
                "POST",
                "/me/keys",
                &ada,
                Some(json!({"name": s, "scopes": ["read"]})),
            )
            .await;
        assert_eq!(named.status, 201);
        assert_eq!(named.body["key"]["name"], s);
    }
    assert_eq!(w.db().tables().await.unwrap().len(), 12);
    assert_eq!(
        w.call("GET", "/me", &ada, None).await.body["user"]["login"],
        "ada"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_and_history_come_from_the_database() {
    let w = world(None, |_| {}).await;
    let ada = w.sign_in("ada").await;
    let mut jobs = Vec::new();
    for _ in 0..3 {
        let id = job_id(&w.submit(&ada, PUBLIC).await);
        w.wait_terminal(&id).await;
        jobs.push(id);
    }
    let page = w.call("GET", "/me/jobs?limit=2", &ada, None).await;
    let items = page.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], jobs[2].as_str(), "newest first");
    let next = page.body["next_cursor"].as_str().unwrap();
    let rest = w
        .call(
            "GET",
            &format!("/me/jobs?limit=2&cursor={next}"),
            &ada,
            None,
        )
        .await;
    assert_eq!(rest.body["items"][0]["id"], jobs[0].as_str());
    assert!(rest.body["next_cursor"].is_null());
    let library = w.call("GET", "/docpacks?limit=10", &ada, None).await;
    assert_eq!(library.body["items"].as_array().unwrap().len(), 3);
    assert_eq!(
        library.body["items"][0]["download_url"],
        format!("/jobs/{}/docpack", jobs[2])
    );
    // The row copied the state document: status, commit, cost; the usage counted the cost once.
    let row = w.db().job(&jobs[0]).await.unwrap().unwrap();
    assert_eq!(
        (row.status.as_str(), row.commit.as_deref()),
        ("succeeded", Some("c0ffee"))
    );
    assert!((w.db().month_cost(row.owner_id.unwrap()).await.unwrap() - 1.5).abs() < 1e-9);
    assert_eq!(PlanName::Free.as_str(), "free");

    // The answers are what the OpenAPI document, generated from their types, says.
    let doc = w
        .call("GET", "/openapi.json", &Who::Anonymous, None)
        .await
        .body;
    let errors = |schema: &str, value: &serde_json::Value| -> Vec<String> {
        let root = json!({"$ref": format!("#/components/schemas/{schema}"), "components": doc["components"]});
        let validator = jsonschema::validator_for(&root).unwrap();
        validator
            .iter_errors(value)
            .map(|e| format!("{schema}: {e}"))
            .collect()
    };
    let mut found = Vec::new();
    for item in page.body["items"].as_array().unwrap() {
        found.extend(errors("HistoryItem", item));
    }
    let created = w
        .call("POST", "/me/keys", &ada, Some(json!({"name": "ci"})))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let keys = w.call("GET", "/me/keys", &ada, None).await;
    found.extend(errors("ApiKey", &keys.body["items"][0]));
    let me = w.call("GET", "/me", &ada, None).await;
    found.extend(errors("User", &me.body["user"]));
    found.extend(errors("PlanLimits", &me.body["limits"]));
    assert_eq!(found, Vec::<String>::new());
    assert!(!errors("HistoryItem", &json!({"id": 1})).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_installation_jobs_belong_to_the_installations_user() {
    let w = world(None, |_| {}).await;
    let ada = w.sign_in("ada").await;
    let bob = w.sign_in("bob").await;
    // `installation` (created) at first; later, the repository added again
    // (`installation_repositories`), a new event with a body of its own.
    let hook = |delivery: &str, account: serde_json::Value| {
        let repos = json!([{ "full_name": "ada/secret", "private": true }]);
        let (event, payload) = if delivery == "d-2" {
            let body = json!({ "action": "added", "installation": { "id": 99, "account": account },
                "repositories_added": repos });
            ("installation_repositories", body)
        } else {
            let body = json!({ "action": "created", "installation": { "id": 99, "account": account },
                "repositories": repos });
            ("installation", body)
        };
        let payload = payload.to_string();
        axum::http::Request::post("/webhooks/github")
            .header("x-github-event", event)
            .header("x-github-delivery", delivery)
            .header(
                "x-hub-signature-256",
                doctown_trigger::webhook_signature(HOOK_SECRET.as_bytes(), payload.as_bytes()),
            )
            .body(axum::body::Body::from(payload))
            .unwrap()
    };
    // Someone else's account that took the login "ada" is not ada's.
    let impostor = w
        .send(hook("d-0", json!({ "login": "ada", "id": 7_000_001 })))
        .await;
    assert_eq!(impostor.status, 200, "{}", impostor.text);
    assert_eq!(impostor.body["job_ids"], json!([]));
    assert!(
        impostor.body["skipped"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("no Doctown user"),
        "{}",
        impostor.text
    );
    // Ada's own installation: her plan decides (free builds no private code) …
    let account = json!({ "login": "ada", "id": github_id("ada") });
    let refused = w.send(hook("d-1", account.clone())).await;
    assert_eq!(refused.status, 200, "{}", refused.text);
    assert!(
        refused.body["skipped"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("private"),
        "{}",
        refused.text
    );
    // … and once she pays for private repositories, it builds, counted.
    let ada_id = w.user_id(&ada).await;
    w.db()
        .set_billing(ada_id, PlanName::Creator, "active", None, None)
        .await
        .unwrap();
    let created = w.send(hook("d-2", account)).await;
    assert_eq!(created.status, 202, "{}", created.text);
    let job = created.body["job_ids"][0].as_str().unwrap().to_string();
    w.wait_terminal(&job).await;
    let row = w.db().job(&job).await.unwrap().unwrap();
    assert_eq!(row.visibility, doctown_accounts::Visibility::Private);
    assert_eq!(
        w.call("GET", &format!("/jobs/{job}"), &ada, None)
            .await
            .status,
        200
    );
    assert_eq!(
        w.call("GET", &format!("/jobs/{job}"), &bob, None)
            .await
            .status,
        404
    );
    let history = w.call("GET", "/me/jobs", &ada, None).await;
    assert_eq!(
        history.body["items"][0]["id"],
        job.as_str(),
        "{}",
        history.text
    );
}

/// Stripe delivers events in any order and retries what was not 2xx: a
/// late `updated(active)` after `deleted` restores nothing, an event for a
/// customer not linked yet is answered 409 and applied when delivered
/// again after the link, and an unpaid Checkout links without upgrading.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stripe_events_out_of_order() {
    let w = world(None, |_| {}).await;
    let ada = w.sign_in("ada").await;
    let ada_id = w.user_id(&ada).await;
    let subscription = |status: &str| {
        json!({ "id": "sub_ada", "customer": "cus_ada", "status": status,
            "items": { "data": [{ "price": { "id": "price_creator" } }] } })
    };
    // Made first, delivered before the customer is linked: 409, not recorded.
    let early = stripe_json(
        "evt_e",
        "customer.subscription.updated",
        subscription("active"),
    );
    let answer = w.stripe_event(&early, WEBHOOK_SECRET, None).await;
    assert_eq!(answer.status, 409, "{}", answer.text);
    // Checkout completes unpaid (a bank debit): linked, still free.
    let unpaid = stripe_json(
        "evt_u",
        "checkout.session.completed",
        json!({ "client_reference_id": ada_id.to_string(), "customer": "cus_ada",
            "subscription": "sub_ada", "payment_status": "unpaid", "metadata": { "plan": "creator" } }),
    );
    let answer = w.stripe_event(&unpaid, WEBHOOK_SECRET, None).await;
    assert_eq!(answer.body["outcome"], "applied", "{}", answer.text);
    assert_eq!(w.call("GET", "/me", &ada, None).await.body["plan"], "free");
    // The early event, delivered again, is older than the checkout: stale.
    let again = w.stripe_event(&early, WEBHOOK_SECRET, None).await;
    assert_eq!(again.body["outcome"], "stale", "{}", again.text);
    // Paid, then cancelled; the cancellation's predecessor arrives last.
    let active = stripe_json(
        "evt_a",
        "customer.subscription.updated",
        subscription("active"),
    );
    let deleted = stripe_json(
        "evt_d",
        "customer.subscription.deleted",
        subscription("canceled"),
    );
    assert_eq!(
        w.stripe_event(&active, WEBHOOK_SECRET, None).await.body["outcome"],
        "applied"
    );
    assert_eq!(
        w.call("GET", "/me", &ada, None).await.body["plan"],
        "creator"
    );
    assert_eq!(
        w.stripe_event(&deleted, WEBHOOK_SECRET, None).await.body["outcome"],
        "applied"
    );
    let late = {
        let mut e = active.clone();
        e["id"] = json!("evt_a2");
        e
    };
    assert_eq!(
        w.stripe_event(&late, WEBHOOK_SECRET, None).await.body["outcome"],
        "stale"
    );
    assert_eq!(
        w.call("GET", "/me", &ada, None).await.body["plan"],
        "free",
        "the late event restored nothing"
    );
}

/// An organisation's installation belongs to the user who installed it
/// (`sender`), by GitHub id; its jobs count on that user's plan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organisations_installation_belongs_to_its_installer() {
    let w = world(None, |_| {}).await;
    let bob = w.sign_in("bob").await;
    let payload = json!({
        "action": "created",
        "installation": { "id": 500, "account": { "login": "octo", "id": 9_000, "type": "Organization" } },
        "sender": { "login": "bob", "id": github_id("bob"), "type": "User" },
        "repositories": [{ "full_name": "octo/demo", "private": false }],
    })
    .to_string();
    let request = axum::http::Request::post("/webhooks/github")
        .header("x-github-event", "installation")
        .header("x-github-delivery", "d-org")
        .header(
            "x-hub-signature-256",
            doctown_trigger::webhook_signature(HOOK_SECRET.as_bytes(), payload.as_bytes()),
        )
        .body(axum::body::Body::from(payload))
        .unwrap();
    let created = w.send(request).await;
    assert_eq!(created.status, 202, "{}", created.text);
    let job = created.body["job_ids"][0].as_str().unwrap().to_string();
    w.wait_terminal(&job).await;
    let row = w.db().job(&job).await.unwrap().unwrap();
    assert_eq!(row.owner_id, Some(w.user_id(&bob).await));
    let usage = w.call("GET", "/me/usage", &bob, None).await;
    assert_eq!(usage.body["usage"]["jobs"], 1, "{}", usage.text);
}
