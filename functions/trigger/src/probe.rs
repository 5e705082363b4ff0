//! Requests made from arbitrary bytes, for fuzzing the router (the
//! `http_routes` cargo-fuzz target) and for the test that sends thousands
//! of them through it (`functions/trigger/tests/security.rs`): one
//! generator, so what the fuzzer explores and what the suite checks are the
//! same shapes.
//!
//! The bytes pick a route of [`crate::ROUTES`] (its `{id}`, `{token}` and
//! `{stage}` filled from the input, valid or not), a method (usually the
//! route's), the headers an attacker controls on those routes (content
//! type, `Origin`, `Host`, `Authorization`, cookies, CSRF token, GitHub's
//! and Stripe's signature and event headers), a query string and a body.

use axum::body::Body;
use axum::http::Request;

/// Reads the input front to back; past its end every read is empty.
struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    fn byte(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        *first
    }

    fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        &items[usize::from(self.byte()) % items.len()]
    }

    /// A short string: a length byte, then that many bytes (lossy UTF-8).
    fn text(&mut self) -> String {
        let n = usize::from(self.byte() % 48).min(self.0.len());
        let (taken, rest) = self.0.split_at(n);
        self.0 = rest;
        String::from_utf8_lossy(taken).into_owned()
    }
}

const IDS: [&str; 6] = [
    "job-20260101-abcdef",
    "00000000000000000000000000",
    "..",
    "a%2Fb",
    "x",
    "%00",
];
const STAGES: [&str; 4] = ["ingest", "embed", "nope", ""];
const ORIGINS: [&str; 5] = [
    "http://127.0.0.1:8080",
    "http://evil.example",
    "null",
    "https://doctown.dev",
    "",
];
const HOSTS: [&str; 5] = [
    "127.0.0.1:8080",
    "localhost:8080",
    "rebind.evil.example:8080",
    "doctown.test",
    "",
];
const TYPES: [&str; 5] = [
    "application/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/vnd.api+json; charset=utf-8",
    "",
];
const EVENTS: [&str; 6] = [
    "push",
    "installation",
    "installation_repositories",
    "ping",
    "issues",
    "",
];
const BODIES: [&str; 8] = [
    r#"{"repo_url":"https://github.com/octo/demo"}"#,
    r#"{"repo_url":"https://github.com/octo/demo","visibility":"public","options":{"embed":{"enabled":false}}}"#,
    r#"{"repo_url":"/etc","git_ref":"../../x"}"#,
    r#"{"name":"k","scopes":["admin","read","bogus"]}"#,
    r#"{"visibility":"public"}"#,
    r#"{"plan":"team"}"#,
    r#"{"ref":"refs/heads/main","after":"1111111111111111111111111111111111111111","repository":{"full_name":"octo/demo"},"installation":{"id":1}}"#,
    r#"{"id":"evt_1","type":"customer.subscription.updated","created":1,"data":{"object":{"customer":"cus_1","status":"active"}}}"#,
];

/// A request for the router, made from `data`.
pub fn request_from_bytes(data: &[u8]) -> Request<Body> {
    let mut input = Bytes(data);
    let (method, template) = *input.pick(crate::ROUTES);
    let method = match input.byte() % 8 {
        0 => "PUT",
        1 => "DELETE",
        2 => "GET",
        _ => method,
    };
    let id = match input.byte() % 4 {
        0 => input.text(),
        _ => (*input.pick(&IDS)).to_string(),
    };
    let stage = *input.pick(&STAGES);
    let path = template
        .replace("{id}", &id)
        .replace("{token}", &id)
        .replace("{stage}", stage);
    let prefix = if input.byte() % 4 == 0 { "/api" } else { "" };
    let query = match input.byte() % 4 {
        0 => format!("?{}", input.text()),
        1 => "?q=who+calls+hub&limit=5".to_string(),
        _ => String::new(),
    };
    let uri = format!("{prefix}{path}{query}");
    let mut builder = Request::builder().method(method);
    builder = match uri.parse::<axum::http::Uri>() {
        Ok(uri) => builder.uri(uri),
        Err(_) => builder.uri("/jobs"),
    };
    let headers = input.byte();
    let mut header = |on: u8, name: &str, value: &str| {
        if headers & on != 0 && !value.is_empty() {
            if let Ok(v) = axum::http::HeaderValue::from_str(value) {
                builder = std::mem::take(&mut builder).header(name, v);
            }
        }
    };
    let (kind, origin, host) = (
        *input.pick(&TYPES),
        *input.pick(&ORIGINS),
        *input.pick(&HOSTS),
    );
    header(1, "content-type", kind);
    header(2, "origin", origin);
    header(4, "host", host);
    let token = input.text();
    header(8, "authorization", &format!("Bearer {token}"));
    header(16, "cookie", &format!("__Host-doctown_session={token}"));
    header(16, "x-csrf-token", &token);
    let event = *input.pick(&EVENTS);
    header(32, "x-github-event", event);
    header(32, "x-github-delivery", &id);
    let signature = input.text();
    header(64, "x-hub-signature-256", &format!("sha256={signature}"));
    header(128, "stripe-signature", &format!("t=1,v1={signature}"));
    let body = match input.byte() % 3 {
        0 => (*input.pick(&BODIES)).as_bytes().to_vec(),
        1 => input.0.to_vec(),
        _ => Vec::new(),
    };
    builder
        .body(Body::from(body))
        .unwrap_or_else(|_| Request::new(Body::empty()))
}
