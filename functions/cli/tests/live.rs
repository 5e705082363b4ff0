//! `doctown mcp DIR`: a working tree served live over stdio. An edit that
//! adds a call shows in `callers`; a new file's symbols appear; a burst of
//! 200 files is taken in by a few builds; a symlink loop does no harm; the
//! revision that answers is named; when the directory goes, the last
//! snapshot keeps answering and says so.

mod common;

use common::doctown;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};

type Client = RunningService<RoleClient, ()>;

async fn call(client: &Client, tool: &str, args: Value) -> String {
    let mut params = CallToolRequestParams::new(tool.to_string());
    if let Value::Object(map) = args {
        params = params.with_arguments(map);
    }
    let result: CallToolResult = client.call_tool(params).await.unwrap();
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asks `tool` until its answer holds `needle` (a rebuild is running in
/// the background); the answer, and how long it took to show.
async fn until(client: &Client, tool: &str, args: Value, needle: &str) -> (String, Duration) {
    let start = Instant::now();
    loop {
        let answer = call(client, tool, args.clone()).await;
        if answer.contains(needle) {
            return (answer, start.elapsed());
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "{needle:?} never showed in {tool}: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The revision `list_docpacks` says answers.
fn revision(listed: &str) -> u64 {
    let at = listed
        .find("revision ")
        .unwrap_or_else(|| panic!("no revision in {listed}"));
    listed[at + 9..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_working_tree_is_served_live() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("shop");
    std::fs::create_dir_all(&tree).unwrap();
    write(&tree.join(".gitignore"), "build/\n");
    // A symlink loop in the tree neither hangs the watcher nor the build.
    std::os::unix::fs::symlink(".", tree.join("self")).unwrap();
    write(
        &tree.join("cart.py"),
        "def price(items):\n    return sum(items)\n\n\ndef checkout(items):\n    return len(items)\n",
    );
    let mut command = tokio::process::Command::from(doctown());
    command
        .arg("mcp")
        .arg(&tree)
        .env("DOCTOWN_STORE", dir.path().join("store"))
        .env("DOCTOWN_EMBEDDINGS", "off")
        .env("DOCTOWN_LLM_BACKEND", "facts");
    let client = ().serve(TokioChildProcess::new(command).unwrap()).await.unwrap();

    let listed = call(&client, "list_docpacks", json!({})).await;
    assert!(
        listed.contains("shop") && listed.contains("revision 1"),
        "{listed}"
    );
    let callers = call(&client, "callers", json!({"symbol": "price"})).await;
    assert!(!callers.contains("checkout"), "{callers}");

    // An edit that adds a call.
    write(
        &tree.join("cart.py"),
        "def price(items):\n    return sum(items)\n\n\ndef checkout(items):\n    return price(items)\n",
    );
    let (_, took) = until(&client, "callers", json!({"symbol": "price"}), "checkout").await;
    eprintln!("the new call showed after {took:?}");
    let listed = call(&client, "list_docpacks", json!({})).await;
    assert!(listed.contains("revision 2"), "{listed}");

    // A new file; an ignored one is not read.
    std::fs::create_dir_all(tree.join("build")).unwrap();
    write(
        &tree.join("build/gen.py"),
        "def generated():\n    return 0\n",
    );
    write(
        &tree.join("tax.py"),
        "from cart import price\n\n\ndef with_tax(items):\n    return price(items) * 1.2\n",
    );
    until(&client, "callers", json!({"symbol": "price"}), "with_tax").await;
    let found = call(
        &client,
        "search",
        json!({"query": "generated", "mode": "lexical"}),
    )
    .await;
    assert!(!found.contains("build/gen.py"), "{found}");

    // A burst of 200 new files (a branch switch) is taken in by few builds.
    let before = revision(&call(&client, "list_docpacks", json!({})).await);
    for n in 0..200 {
        let text =
            format!("from cart import price\n\n\ndef generated_{n}():\n    return price([{n}])\n");
        write(&tree.join(format!("gen_{n}.py")), &text);
    }
    until(
        &client,
        "callers",
        json!({"symbol": "price"}),
        "(202 confident)",
    )
    .await;
    let after = revision(&call(&client, "list_docpacks", json!({})).await);
    assert!(
        after - before <= 3,
        "{before} -> {after}: one build per quiet spell, not per file"
    );

    // The directory goes: the last snapshot answers, and says so.
    std::fs::remove_dir_all(&tree).unwrap();
    let (listed, _) = until(&client, "list_docpacks", json!({}), "is gone").await;
    assert!(listed.contains("answers describe revision"), "{listed}");
    let callers = call(&client, "callers", json!({"symbol": "price"})).await;
    assert!(callers.contains("(202 confident)"), "{callers}");
    client.cancel().await.unwrap();
}
