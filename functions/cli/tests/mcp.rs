//! `doctown mcp` over stdio and `/mcp` of `doctown serve` over Streamable
//! HTTP, driven by rmcp's client: every tool, errors as results, bounded
//! answers, damaged docpacks, concurrent and abandoned requests, API keys.

mod common;

use common::{
    assert_one_line_error, copy_fixture, coupled_repository, doctown, fixture, run, stderr,
};
use rmcp::model::{CallToolRequestParams, CallToolResult, ReadResourceRequestParams};
use rmcp::service::RunningService;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{RoleClient, ServiceExt};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;

const TOOLS: [&str; 19] = [
    "search",
    "symbol",
    "callers",
    "callees",
    "impact",
    "flows",
    "module",
    "architecture",
    "cluster",
    "file_outline",
    "changes",
    "review",
    "list_docpacks",
    "ask",
    "context",
    "history",
    "hotspots",
    "owners",
    "coupled_with",
];

type Client = RunningService<RoleClient, ()>;

/// Builds the fixture (structure only) into `dir/<name>.docpack`, its job in `dir/store`.
fn build(repo: &Path, dir: &Path, name: &str) -> PathBuf {
    let out = dir.join(format!("{name}.docpack"));
    let store = dir.join("store");
    let result = run(&[
        "build",
        repo.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--embeddings",
        "off",
    ]);
    assert!(result.status.success(), "{}", stderr(&result));
    out
}

/// The fixture, and a copy whose `format_name` changed, as two docpacks.
fn two_docpacks(dir: &Path) -> (PathBuf, PathBuf) {
    let old = build(&fixture("multilang"), dir, "multilang");
    let repo = copy_fixture("multilang");
    let models = repo.path().join("pyapp/models.py");
    let text = std::fs::read_to_string(&models).unwrap();
    std::fs::write(
        &models,
        text.replace("return name.title()", "return name.strip().title()"),
    )
    .unwrap();
    let new = build(repo.path(), dir, "edited");
    (old, new)
}

/// The `doctown` binary for rmcp's child-process transport.
fn command(args: &[&Path]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::from(doctown());
    cmd.arg("mcp")
        .args(args)
        .env("DOCTOWN_LLM_BACKEND", "facts");
    cmd
}

async fn call(client: &Client, tool: &str, args: Value) -> CallToolResult {
    let mut params = CallToolRequestParams::new(tool.to_string());
    if let Value::Object(map) = args {
        params = params.with_arguments(map);
    }
    tokio::time::timeout(Duration::from_secs(60), client.call_tool(params))
        .await
        .unwrap_or_else(|_| panic!("{tool} timed out"))
        .unwrap_or_else(|e| panic!("{tool} failed: {e}"))
}

fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A successful answer: its text holds `needle` and ends with `(N tokens)`.
async fn ok(client: &Client, tool: &str, args: Value, needle: &str) -> (String, Value) {
    let result = call(client, tool, args.clone()).await;
    let body = text(&result);
    assert_eq!(result.is_error, Some(false), "{tool} {args}: {body}");
    assert!(
        body.contains(needle),
        "{tool} {args}: {needle:?} not in\n{body}"
    );
    let last = body.lines().last().unwrap_or_default();
    assert!(
        last.starts_with('(')
            && last.ends_with(" tokens)")
            && last[1..last.len() - 8].parse::<usize>().is_ok(),
        "{tool}: last line {last:?}"
    );
    let structured = result
        .structured_content
        .clone()
        .unwrap_or_else(|| panic!("{tool}: no structured content"));
    (body, structured)
}

/// A question the engine could not answer: an error result naming why.
async fn refused(client: &Client, tool: &str, args: Value, needle: &str) {
    let result = call(client, tool, args.clone()).await;
    let body = text(&result);
    assert_eq!(result.is_error, Some(true), "{tool} {args}: {body}");
    assert!(
        body.contains(needle),
        "{tool} {args}: {needle:?} not in {body}"
    );
    assert_eq!(body.lines().count(), 1, "{body}");
}

/// Calls every tool on the `multilang` docpack (and `changes` to `edited`).
async fn every_tool(client: &Client, key: &str, new_key: Option<&str>) {
    let tools: BTreeSet<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    assert_eq!(tools, TOOLS.iter().map(|t| t.to_string()).collect());

    let d = json!(key);
    ok(
        client,
        "list_docpacks",
        json!({}),
        &format!("{key}: multilang"),
    )
    .await;
    let (_, found) = ok(
        client,
        "search",
        json!({"query": "title-case a name", "docpack": d}),
        "format_name",
    )
    .await;
    let hit = found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "pyapp.models.format_name")
        .unwrap_or_else(|| panic!("{found}"));
    let id = hit["id"].as_str().unwrap().to_string();
    ok(
        client,
        "search",
        json!({"query": "name", "mode": "lexical", "kind": "function", "language": "python",
               "path_prefix": "pyapp/", "role": "source", "limit": 3, "docpack": d}),
        "pyapp/models.py",
    )
    .await;
    ok(
        client,
        "symbol",
        json!({"symbol": id, "docpack": d}),
        "pyapp/models.py:14",
    )
    .await;
    ok(
        client,
        "callers",
        json!({"symbol": "format_name", "docpack": d}),
        "pyapp.models.User.display",
    )
    .await;
    ok(
        client,
        "callees",
        json!({"symbol": "User.display", "docpack": d}),
        "format_name",
    )
    .await;
    let (_, impact) = ok(
        client,
        "impact",
        json!({"symbol": id, "docpack": d}),
        "impact of changing pyapp.models.format_name",
    )
    .await;
    assert!(impact["page"]["total"].as_u64().unwrap() >= 2, "{impact}");
    // Paged: one at a time, the next offset given.
    let (page, paged) = ok(
        client,
        "impact",
        json!({"symbol": id, "limit": 1, "docpack": d}),
        "(offset=1)",
    )
    .await;
    assert_eq!(paged["affected"].as_array().unwrap().len(), 1, "{page}");
    ok(client, "flows", json!({"docpack": d}), "flows:").await;
    ok(
        client,
        "flows",
        json!({"through": "format_name", "kind": "main", "docpack": d}),
        "flows through pyapp.models.format_name",
    )
    .await;
    ok(
        client,
        "module",
        json!({"module": "pyapp", "docpack": d}),
        "module pyapp",
    )
    .await;
    let (_, arch) = ok(client, "architecture", json!({"docpack": d}), "multilang").await;
    let cluster = arch["clusters"][0][0].as_str().unwrap().to_string();
    ok(
        client,
        "cluster",
        json!({"cluster": cluster, "docpack": d}),
        &format!("cluster {cluster}"),
    )
    .await;
    ok(
        client,
        "file_outline",
        json!({"path": "pyapp/models.py", "docpack": d}),
        "function format_name :14",
    )
    .await;
    let (_, asked) = ok(
        client,
        "ask",
        json!({"question": "how is a user's name title-cased?", "docpack": d}),
        "pyapp/models.py:14",
    )
    .await;
    assert_eq!(asked["model"], "evidence", "{asked}");
    let (_, context) = ok(
        client,
        "context",
        json!({"task": "title-case a user's name", "symbols": ["format_name"], "max_tokens": 300, "docpack": d}),
        "### `pyapp.models.format_name`",
    )
    .await;
    assert_eq!(context["items"][0]["role"], "named", "{context}");
    assert!(context["used_tokens"].as_u64().unwrap() <= 300, "{context}");
    match new_key {
        Some(new) => {
            let (_, changed) = ok(
                client,
                "changes",
                json!({"old": key, "new": new}),
                &format!("{key} → {new}: "),
            )
            .await;
            let names: Vec<&str> = changed["changed"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|s| s["name"].as_str())
                .collect();
            assert!(names.contains(&"pyapp.models.format_name"), "{changed}");
            assert!(!names.contains(&"crate::greet"), "{changed}");
            let (text, reviewed) = ok(
                client,
                "review",
                json!({"old": key, "new": new, "max_tokens": 800}),
                "## Doctown review: ",
            )
            .await;
            assert!(text.contains("`pyapp.models.format_name`"), "{text}");
            assert!(
                ["low", "medium", "high"].contains(&reviewed["risk"].as_str().unwrap()),
                "{reviewed}"
            );
        }
        None => {
            ok(
                client,
                "changes",
                json!({"old": key, "new": key}),
                "0 changed",
            )
            .await;
        }
    }
}

/// The history tools on a docpack built from a directory that is not a
/// repository: each says why there is no history.
async fn no_history(client: &Client, key: &str) {
    let d = json!(key);
    let why = "has no history: ";
    refused(client, "history", json!({"docpack": d}), why).await;
    refused(client, "hotspots", json!({"docpack": d}), why).await;
    refused(client, "owners", json!({"docpack": d}), why).await;
    refused(
        client,
        "coupled_with",
        json!({"target": "format_name", "docpack": d}),
        why,
    )
    .await;
}

/// Bad input: unknown symbols and docpacks, a 100 KB query, wrong types.
async fn bad_input(client: &Client, key: &str) {
    let d = json!(key);
    refused(
        client,
        "symbol",
        json!({"symbol": "no_such_symbol_anywhere", "docpack": d}),
        "no symbol \"no_such_symbol_anywhere\"",
    )
    .await;
    refused(
        client,
        "impact",
        json!({"symbol": "sym_0000000000000000", "docpack": d}),
        "no symbol",
    )
    .await;
    refused(
        client,
        "architecture",
        json!({"docpack": "no-such-docpack"}),
        "no docpack \"no-such-docpack\"",
    )
    .await;
    refused(
        client,
        "search",
        json!({"query": "x", "language": "cobol", "docpack": d}),
        "unknown language \"cobol\"",
    )
    .await;
    let huge = "format the name of a user ".repeat(4_000);
    assert!(huge.len() > 100_000);
    let (body, _) = ok(
        client,
        "search",
        json!({"query": huge, "docpack": d}),
        "the query was cut to its first 4096 bytes",
    )
    .await;
    assert!(body.len() < 30_000, "{} bytes", body.len());
    let huge_symbol = "x".repeat(100_000);
    refused(
        client,
        "symbol",
        json!({"symbol": huge_symbol, "docpack": d}),
        "at most 1024 bytes",
    )
    .await;
    // Wrong argument types: rmcp answers with an error result naming the field.
    let wrong = call(client, "search", json!({"query": 5})).await;
    assert_eq!(wrong.is_error, Some(true));
    assert!(
        text(&wrong).contains("failed to deserialize parameters"),
        "{}",
        text(&wrong)
    );
    let unknown_tool = client
        .call_tool(CallToolRequestParams::new("no_such_tool"))
        .await;
    assert!(unknown_tool.is_err(), "{unknown_tool:?}");
}

async fn resources(client: &Client, key: &str) {
    let listed = client.list_all_resources().await.unwrap();
    let uris: Vec<&str> = listed.iter().map(|r| r.uri.as_str()).collect();
    let architecture = format!("docpack://{key}/architecture");
    assert!(uris.contains(&architecture.as_str()), "{uris:?}");
    let module = format!("docpack://{key}/modules/module%3Apyapp");
    assert!(uris.contains(&module.as_str()), "{uris:?}");
    for (uri, needle) in [(&architecture, "multilang"), (&module, "module pyapp")] {
        let read = client
            .read_resource(ReadResourceRequestParams::new(uri.as_str()))
            .await
            .unwrap();
        let body = serde_json::to_string(&read.contents).unwrap();
        assert!(body.contains(needle), "{body}");
    }
    for uri in [
        "docpack://no-such/architecture".to_string(),
        format!("docpack://{key}/modules/module%3Anope"),
        format!("docpack://{key}/elsewhere"),
        "file:///etc/passwd".to_string(),
    ] {
        let read = client
            .read_resource(ReadResourceRequestParams::new(uri.as_str()))
            .await;
        assert!(read.is_err(), "{uri}: {read:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_serves_every_tool_and_survives_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = two_docpacks(dir.path());
    let transport = TokioChildProcess::new(command(&[&old, &new])).unwrap();
    let client = ().serve(transport).await.unwrap();
    let info = client.peer_info().unwrap();
    assert_eq!(info.server_info.as_ref().unwrap().name, "doctown");
    assert!(info.instructions.as_deref().unwrap().contains("search"));

    every_tool(&client, "multilang", Some("edited")).await;
    no_history(&client, "multilang").await;
    bad_input(&client, "multilang").await;
    resources(&client, "multilang").await;
    // Two docpacks served: a one-docpack question must name one.
    refused(
        &client,
        "architecture",
        json!({}),
        "several docpacks are served",
    )
    .await;
    client.cancel().await.unwrap();
}

/// `doctown mcp --in-place`: the questions a docpack read in place answers
/// (search once its index is ready, a symbol, callers, callees, impact),
/// and a one-line refusal naming why for those that need it whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_serves_a_docpack_read_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let docpack = build(&fixture("multilang"), dir.path(), "multilang");
    let mut cmd = command(&[&docpack]);
    cmd.arg("--in-place");
    let client = ().serve(TokioChildProcess::new(cmd).unwrap()).await.unwrap();
    // The search index is built on a thread: wait for it, by condition.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let hits = loop {
        let result = call(&client, "search", json!({"query": "format name"})).await;
        if result.is_error == Some(false) {
            break result.structured_content.unwrap();
        }
        assert!(
            text(&result).contains("cannot be searched yet"),
            "{}",
            text(&result)
        );
        assert!(
            std::time::Instant::now() < deadline,
            "the search index never came"
        );
        tokio::task::yield_now().await;
    };
    let id = hits["hits"][0]["id"].as_str().unwrap().to_string();
    ok(&client, "symbol", json!({"symbol": id}), "signature").await;
    ok(&client, "callers", json!({"symbol": id}), "callers").await;
    ok(&client, "callees", json!({"symbol": id}), "callees").await;
    let (body, _) = ok(&client, "impact", json!({"symbol": id}), "impact").await;
    assert!(body.contains("read in place"), "{body}");
    ok(&client, "list_docpacks", json!({}), "read in place").await;
    for (tool, args) in [
        ("architecture", json!({})),
        ("flows", json!({})),
        ("module", json!({"module": "pyapp"})),
    ] {
        refused(&client, tool, args, "is read in place").await;
    }
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_serves_the_good_docpack_beside_a_damaged_one() {
    let dir = tempfile::tempdir().unwrap();
    let good = build(&fixture("multilang"), dir.path(), "multilang");
    let bad = dir.path().join("broken.docpack");
    let mut bytes = std::fs::read(&good).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&bad, &bytes).unwrap();

    let (transport, stderr_pipe) = TokioChildProcess::builder(command(&[&bad, &good]))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let client = ().serve(transport).await.unwrap();
    let (listed, _) = ok(&client, "list_docpacks", json!({}), "multilang").await;
    assert!(!listed.contains("broken"), "{listed}");
    ok(&client, "architecture", json!({}), "multilang").await;
    client.cancel().await.unwrap();

    let mut err = String::new();
    tokio::time::timeout(
        Duration::from_secs(30),
        stderr_pipe.unwrap().read_to_string(&mut err),
    )
    .await
    .expect("the server exits when its client leaves")
    .unwrap();
    let line = err
        .lines()
        .find(|l| l.starts_with("doctown mcp: cannot serve "))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(line.contains("broken.docpack"), "{line}");
}

#[test]
fn stdio_with_only_damaged_docpacks_fails_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.docpack");
    std::fs::write(&bad, b"not a docpack").unwrap();
    let out = doctown()
        .args(["mcp", bad.to_str().unwrap()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_one_line_error(&out, "broken.docpack");
    assert!(out.stdout.is_empty());

    let missing = dir.path().join("missing.docpack");
    let out = doctown()
        .args(["mcp", bad.to_str().unwrap(), missing.to_str().unwrap()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_one_line_error(&out, "no docpack could be served");
}

/// `doctown serve` on a free loopback port, killed on drop.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(store: &Path, extra: &[&str]) -> Server {
    serve_with(store, extra, &[("DOCTOWN_LLM_BACKEND", "facts")])
}

fn serve_with(store: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = doctown()
        .args(["serve", "--addr", &addr, "--store", store.to_str().unwrap()])
        .args(extra)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        url: format!("http://{addr}"),
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let deadline = Instant::now() + Duration::from_secs(60);
    while agent.get(format!("{}/health", server.url)).call().is_err() {
        assert!(Instant::now() < deadline, "serve did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

async fn http_client(url: &str, key: Option<&str>) -> Client {
    let mut config = StreamableHttpClientTransportConfig::with_uri(format!("{url}/mcp"));
    if let Some(key) = key {
        config = config.auth_header(key);
    }
    ().serve(StreamableHttpClientTransport::from_config(config))
        .await
        .unwrap()
}

/// The key of the one docpack the store serves (its job id).
async fn job_key(client: &Client) -> String {
    let (_, listed) = ok(client, "list_docpacks", json!({}), "multilang").await;
    let docpacks = listed["docpacks"].as_array().unwrap();
    assert_eq!(docpacks.len(), 1, "{listed}");
    docpacks[0]["key"].as_str().unwrap().to_string()
}

/// `doctown serve --in-place`: a job's docpack read in place from the
/// store's file answers `/mcp` and the search and impact routes as the
/// whole docpack does, and refuses the rest naming why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_serves_the_store_in_place() {
    let dir = tempfile::tempdir().unwrap();
    build(&fixture("multilang"), dir.path(), "multilang");
    let store = dir.path().join("store");
    let (whole, in_place) = (serve(&store, &[]), serve(&store, &["--in-place"]));
    let client = http_client(&in_place.url, None).await;
    let key = job_key(&client).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while call(
        &client,
        "search",
        json!({"query": "format name", "docpack": key}),
    )
    .await
    .is_error
        != Some(false)
    {
        assert!(Instant::now() < deadline, "the search index never came");
        tokio::task::yield_now().await;
    }
    let (_, listed) = ok(&client, "list_docpacks", json!({}), "read in place").await;
    assert_eq!(listed["docpacks"][0]["key"], key.as_str());
    refused(
        &client,
        "architecture",
        json!({"docpack": key}),
        "is read in place",
    )
    .await;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let get = |server: &Server, route: &str| -> serde_json::Value {
        let mut response = agent
            .get(format!("{}/jobs/{key}/{route}", server.url))
            .call()
            .unwrap();
        assert_eq!(response.status(), 200, "{route}");
        response.body_mut().read_json().unwrap()
    };
    let search = "search?q=format%20name&mode=lexical";
    let (a, b) = (get(&in_place, search), get(&whole, search));
    let ids = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].clone())
            .collect()
    };
    assert!(!ids(&a).is_empty());
    assert_eq!(ids(&a), ids(&b));
    let symbol = ids(&a)[0].as_str().unwrap().to_string();
    let route = format!("impact?symbol={symbol}");
    let (mut a, b) = (get(&in_place, &route), get(&whole, &route));
    assert!(a["notes"][0].as_str().unwrap().contains("in place"));
    a.as_object_mut().unwrap().remove("notes");
    for key in ["importing_files", "importing_files_total"] {
        a[key] = b[key].clone();
    }
    assert_eq!(a, b);
    explorer_routes_agree(&|route| get(&in_place, route), &|route| get(&whole, route));
    client.cancel().await.unwrap();
}

/// What the explorer asks of a server that reads a docpack for it (the
/// outline, each box's members, a symbol) is answered alike by a docpack
/// read in place and by the same one held whole.
fn explorer_routes_agree(
    in_place: &dyn Fn(&str) -> serde_json::Value,
    whole: &dyn Fn(&str) -> serde_json::Value,
) {
    let (mut a, b) = (in_place("outline"), whole("outline"));
    assert_eq!(a["read_in_place"], true);
    assert_eq!(b["read_in_place"], false);
    a["read_in_place"] = false.into();
    assert_eq!(a, b);
    let modules = b["docs"]["modules"].as_array().unwrap();
    assert!(modules.len() > 2, "{}", b["docs"]);
    assert!(modules.iter().all(|m| m.get("symbols").is_none()));
    let mut boxes: Vec<String> = modules
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    boxes.push("dir:.".into());
    let mut seen = 0;
    for key in &boxes {
        let route = format!("members?box={}&limit=200", encode(key));
        let (a, b) = (in_place(&route), whole(&route));
        assert_eq!(a, b, "{key}");
        if key != "dir:." {
            seen += a["total"].as_u64().unwrap();
        }
    }
    let all = whole("members?box=dir:.&limit=3");
    assert_eq!(
        all["total"].as_u64().unwrap(),
        seen,
        "every symbol in one module"
    );
    assert_eq!(all["members"].as_array().unwrap().len(), 3);
    assert_eq!(all["next_offset"], 3);
    let central = all["members"][0]["id"].as_str().unwrap().to_string();
    let route = format!("symbol?symbol={}&lines=5", encode(&central));
    let (a, b) = (in_place(&route), whole(&route));
    for field in [
        "id",
        "name",
        "signature",
        "callers_total",
        "callees_total",
        "source",
    ] {
        assert_eq!(a[field], b[field], "{field}");
    }
}

/// A query string value, percent-encoded but for unreserved characters.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_serves_the_store_concurrently() {
    let dir = tempfile::tempdir().unwrap();
    build(&fixture("multilang"), dir.path(), "multilang");
    let server = serve(&dir.path().join("store"), &[]);
    let client = http_client(&server.url, None).await;
    let key = job_key(&client).await;
    assert!(key.starts_with("job-"), "{key}");
    // One docpack in the store: `docpack` may be left out.
    ok(&client, "architecture", json!({}), "multilang").await;
    every_tool(&client, &key, None).await;
    bad_input(&client, &key).await;
    resources(&client, &key).await;

    // Eight calls at once.
    let calls: Vec<_> = (0..8)
        .map(|n| {
            let peer = client.peer().clone();
            let (tool, args) = match n % 4 {
                0 => ("search", json!({"query": "greet store", "docpack": key})),
                1 => ("impact", json!({"symbol": "format_name", "docpack": key})),
                2 => ("flows", json!({"docpack": key})),
                _ => (
                    "ask",
                    json!({"question": "what does greet do?", "docpack": key}),
                ),
            };
            tokio::spawn(async move {
                let mut params = CallToolRequestParams::new(tool);
                params = params.with_arguments(args.as_object().unwrap().clone());
                peer.call_tool(params).await
            })
        })
        .collect();
    for call in calls {
        let result = call.await.unwrap().unwrap();
        assert_eq!(result.is_error, Some(false), "{}", text(&result));
    }

    // The server goes on answering the first client and new ones.
    ok(
        &client,
        "symbol",
        json!({"symbol": "format_name"}),
        "pyapp/models.py",
    )
    .await;
    let another = http_client(&server.url, None).await;
    ok(&another, "search", json!({"query": "server"}), "NewServer").await;
    another.cancel().await.unwrap();
    client.cancel().await.unwrap();

    // The website's search route answers from the same engine.
    let base = server.url.trim_end_matches("/mcp").to_string();
    let found = tokio::task::spawn_blocking(move || {
        let get = |path: &str| {
            let mut r = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .new_agent()
                .get(&format!("{base}{path}"))
                .call()
                .unwrap();
            let status = r.status().as_u16();
            (status, r.body_mut().read_to_string().unwrap())
        };
        let hits = get(&format!("/api/jobs/{key}/search?q=format%20name&limit=5"));
        let empty = get(&format!("/api/jobs/{key}/search?q="));
        let unknown = get("/api/jobs/job-0000000000000-00000000/search?q=x");
        let asked = get(&format!(
            "/api/jobs/{key}/ask?q=how%20is%20a%20name%20formatted"
        ));
        let impact = get(&format!("/api/jobs/{key}/impact?symbol=format_name"));
        let nobody = get(&format!("/api/jobs/{key}/impact?symbol=no_such_symbol"));
        (hits, empty, unknown, asked, impact, nobody)
    })
    .await
    .unwrap();
    // Ask and impact over HTTP answer as `doctown query ask|impact --json` do.
    assert_eq!(found.3 .0, 200, "{}", found.3 .1);
    let answer: Value = serde_json::from_str(&found.3 .1).unwrap();
    assert_eq!(answer["model"], "evidence", "{answer}");
    assert!(
        answer["cited"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "pyapp.models.format_name"),
        "{answer}"
    );
    assert_eq!(found.4 .0, 200, "{}", found.4 .1);
    let impact: Value = serde_json::from_str(&found.4 .1).unwrap();
    assert_eq!(
        impact["target"]["name"], "pyapp.models.format_name",
        "{impact}"
    );
    assert_eq!(found.5 .0, 404, "{}", found.5 .1);
    assert_eq!(found.0 .0, 200, "{}", found.0 .1);
    let result: Value = serde_json::from_str(&found.0 .1).unwrap();
    assert_eq!(
        result["hits"][0]["name"], "pyapp.models.format_name",
        "{result}"
    );
    assert_eq!(found.1 .0, 400, "{}", found.1 .1);
    assert_eq!(found.2 .0, 404, "{}", found.2 .1);
}

/// An OpenAI-compatible endpoint that reads each request, reports it on
/// the channel, and never answers: a model call in progress for as long
/// as the test wants.
fn stalling_model() -> (String, std::sync::mpsc::Receiver<std::net::TcpStream>) {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                line.clear();
            }
            // Held open, unanswered, until the receiver drops it.
            if tx.send(stream).is_err() {
                return;
            }
        }
    });
    (url, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_survives_a_client_that_leaves_mid_call() {
    let dir = tempfile::tempdir().unwrap();
    build(&fixture("multilang"), dir.path(), "multilang");
    let (model_url, calls) = stalling_model();
    let server = serve_with(
        &dir.path().join("store"),
        &[],
        &[
            ("DOCTOWN_LLM_BACKEND", "openai"),
            ("DOCTOWN_LLM_BASE_URL", &model_url),
            ("DOCTOWN_LLM_API_KEY", "test-key"),
            ("DOCTOWN_LLM_MODEL", "staller"),
        ],
    );
    let leaving = http_client(&server.url, None).await;
    let peer = leaving.peer().clone();
    let pending = tokio::spawn(async move {
        let mut params = CallToolRequestParams::new("ask");
        params = params.with_arguments(
            json!({"question": "how are users displayed?"})
                .as_object()
                .unwrap()
                .clone(),
        );
        peer.call_tool(params).await
    });
    // The call is in the middle of its work: the server is waiting on the model.
    let held = tokio::task::spawn_blocking(move || calls.recv_timeout(Duration::from_secs(60)))
        .await
        .unwrap()
        .expect("the ask call never reached the model");
    assert!(!pending.is_finished());
    pending.abort();
    drop(leaving);

    // The server goes on answering other clients while that call hangs.
    let other = http_client(&server.url, None).await;
    let started = Instant::now();
    ok(&other, "search", json!({"query": "server"}), "NewServer").await;
    ok(
        &other,
        "symbol",
        json!({"symbol": "format_name"}),
        "pyapp/models.py",
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(30));
    // And after the model finally hangs up on the abandoned call.
    drop(held);
    ok(&other, "flows", json!({}), "flows").await;
    other.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_mcp_needs_an_api_key_when_keys_are_configured() {
    let dir = tempfile::tempdir().unwrap();
    build(&fixture("multilang"), dir.path(), "multilang");
    let key = "test-key-for-mcp";
    let hash: String = doctown_trigger::hash_api_key(key)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let keys = dir.path().join("keys.txt");
    std::fs::write(&keys, format!("{hash}\n")).unwrap();
    let server = serve(
        &dir.path().join("store"),
        &["--api-keys-file", keys.to_str().unwrap()],
    );

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let initialize = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "test", "version": "1"}}
    })
    .to_string();
    for auth in [None, Some("Bearer wrong-key")] {
        let mut request = agent
            .post(format!("{}/mcp", server.url))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream");
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        let response = request.send(initialize.as_str()).unwrap();
        assert_eq!(response.status(), 401, "{auth:?}");
    }
    let response = agent.get(format!("{}/mcp", server.url)).call().unwrap();
    assert_eq!(response.status(), 401);

    let client = http_client(&server.url, Some(key)).await;
    ok(&client, "architecture", json!({}), "multilang").await;
    client.cancel().await.unwrap();
}

/// A docpack with per-symbol history: six commits each change `serve`,
/// `get` and `evict`; `serve` calls `get`, nothing calls `evict`.
fn history_docpack(dir: &Path) -> PathBuf {
    let repo = coupled_repository();
    let repo = repo.path();
    let out = dir.join("repo.docpack");
    let store = dir.join("store");
    let result = run(&[
        "build",
        repo.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--embeddings",
        "off",
        "--history",
        "symbols",
    ]);
    assert!(result.status.success(), "{}", stderr(&result));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_answers_the_history_tools() {
    let dir = tempfile::tempdir().unwrap();
    let docpack = history_docpack(dir.path());
    let transport = TokioChildProcess::new(command(&[&docpack])).unwrap();
    let client = ().serve(transport).await.unwrap();
    let c = &client;
    ok(
        c,
        "history",
        json!({}),
        "6 commits (0 merges) by 1 author, 2024-01-01 to 2024-01-06",
    )
    .await;
    ok(
        c,
        "history",
        json!({"target": "serve"}),
        "symbol src/api.rs#serve: 6 commits by 1 author",
    )
    .await;
    ok(
        c,
        "history",
        json!({"target": "src/cache.rs"}),
        "file src/cache.rs: 6 commits",
    )
    .await;
    let (_, spots) = ok(c, "hotspots", json!({"level": "symbols"}), "(structure)").await;
    assert_eq!(spots["hotspots"][0]["name"], "src/store.rs#get", "{spots}");
    assert_eq!(
        spots["hotspots"][0]["symbol"]["path"], "src/store.rs",
        "{spots}"
    );
    ok(
        c,
        "owners",
        json!({"path": "src/api.rs"}),
        "src/api.rs: 1 file, 1 author, main author Ann <ann@example.com> (100%)",
    )
    .await;
    ok(c, "owners", json!({}), "(repository): ").await;
    let (_, coupled) = ok(
        c,
        "coupled_with",
        json!({"target": "serve"}),
        "src/cache.rs#evict: 6 commits together, 100% of its commits, degree 100%; hidden coupling: no static link",
    )
    .await;
    let linked: Vec<(&str, bool)> = coupled["partners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["linked"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        linked,
        [("src/cache.rs#evict", false), ("src/store.rs#get", true)],
        "{coupled}"
    );
    let (_, hidden) = ok(
        c,
        "coupled_with",
        json!({"target": "src/api.rs", "hidden_only": true}),
        "changes together with file src/api.rs",
    )
    .await;
    assert_eq!(hidden["partners"].as_array().unwrap().len(), 1, "{hidden}");
    assert_eq!(hidden["partners"][0]["name"], "src/cache.rs", "{hidden}");
    refused(
        c,
        "coupled_with",
        json!({"target": "no_such_thing"}),
        "no symbol",
    )
    .await;
    refused(
        c,
        "owners",
        json!({"path": "nowhere/at/all"}),
        "no living file or module",
    )
    .await;
    client.cancel().await.unwrap();
}

/// `doctown serve --watch DIR` serves the working tree live at `/mcp`,
/// beside the store's jobs: an edit shows in `callers`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_serves_a_watched_working_tree_live() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("till");
    std::fs::create_dir_all(&tree).unwrap();
    let file = tree.join("till.py");
    std::fs::write(
        &file,
        "def total(xs):\n    return sum(xs)\n\n\ndef receipt(xs):\n    return str(xs)\n",
    )
    .unwrap();
    let store = dir.path().join("store");
    let server = serve_with(
        &store,
        &["--watch", tree.to_str().unwrap()],
        &[
            ("DOCTOWN_LLM_BACKEND", "facts"),
            ("DOCTOWN_EMBEDDINGS", "off"),
        ],
    );
    let client = http_client(&server.url, None).await;
    ok(&client, "list_docpacks", json!({}), "till: till, 2 symbols").await;
    std::fs::write(
        &file,
        "def total(xs):\n    return sum(xs)\n\n\ndef receipt(xs):\n    return str(total(xs))\n",
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let answer = text(
            &call(
                &client,
                "callers",
                json!({"symbol": "total", "docpack": "till"}),
            )
            .await,
        );
        if answer.contains("till.receipt") {
            break;
        }
        assert!(Instant::now() < deadline, "the edit never showed: {answer}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (listed, _) = ok(&client, "list_docpacks", json!({}), "revision 2").await;
    assert!(listed.contains("working tree"), "{listed}");
    let builds = std::fs::read_dir(store.join("jobs")).unwrap().count();
    assert!(builds >= 1, "the tree is built into the server's --store");
    client.cancel().await.unwrap();
}
