//! `doctown setup` against a fixture home (never the real one): five coding
//! tools installed, one malformed file, a symlinked file; a dry run
//! changes nothing, a run changes exactly those files and keeps what else
//! they hold, a second run changes nothing, and what it wrote starts an
//! MCP server that answers.

mod common;

use common::{assert_one_line_error, doctown, fixture, stderr, stdout};
use rmcp::transport::TokioChildProcess;
use rmcp::ServiceExt;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A home where Claude Code, Cursor (its file a symlink into dotfiles),
/// VS Code, Codex and Zed are installed, and Gemini CLI's file is broken.
fn fixture_home(home: &Path) {
    write(
        &home.join(".claude.json"),
        "{\n  \"numStartups\": 3,\n  \"projects\": {}\n}\n",
    );
    write(
        &home.join("dotfiles/cursor-mcp.json"),
        "{\n  \"mcpServers\": {\n    \"other\": {\"command\": \"x\"}\n  }\n}\n",
    );
    std::fs::create_dir_all(home.join(".cursor")).unwrap();
    std::os::unix::fs::symlink(
        home.join("dotfiles/cursor-mcp.json"),
        home.join(".cursor/mcp.json"),
    )
    .unwrap();
    std::fs::create_dir_all(home.join(".config/Code/User")).unwrap();
    write(
        &home.join(".codex/config.toml"),
        "# my codex\nmodel = \"o3\"\n",
    );
    write(
        &home.join(".config/zed/settings.json"),
        "// Zed settings\n{\n  \"theme\": \"One Dark\", // mine\n  \"vim_mode\": true,\n}\n",
    );
    write(&home.join(".gemini/settings.json"), "{\"a\": 1,,}");
}

fn setup(home: &Path, store: &Path, args: &[&str]) -> Output {
    doctown()
        .arg("setup")
        .args(args)
        .arg("--store")
        .arg(store)
        .env("HOME", home)
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("CODEX_HOME")
        .output()
        .unwrap()
}

/// Every file under `dir` and its bytes (links followed).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

#[test]
fn setup_writes_each_installed_tool_once_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let (home, store) = (dir.path().join("home"), dir.path().join("store"));
    fixture_home(&home);
    let before = snapshot(&home);

    let dry = setup(&home, &store, &["--dry-run"]);
    let out = stdout(&dry);
    assert_eq!(
        count(&out, "would set the doctown server") + count(&out, "would create it"),
        5,
        "{out}"
    );
    assert!(
        out.contains(
            "Gemini CLI     ~/.gemini/settings.json: left as it is: it is not valid JSON (line 1)"
        ),
        "{out}"
    );
    assert!(out.contains("Windsurf       not installed"), "{out}");
    assert!(
        out.contains("+   \"mcpServers\": {"),
        "the dry run shows the lines: {out}"
    );
    assert_eq!(
        dry.status.code(),
        Some(1),
        "a file left as it is fails the run"
    );
    assert_eq!(snapshot(&home), before, "a dry run writes nothing");
    assert!(!store.exists());

    let run = setup(&home, &store, &[]);
    let out = stdout(&run);
    assert_eq!(count(&out, ": did "), 5, "{out}\n{}", stderr(&run));
    let exe = std::fs::canonicalize(env!("CARGO_BIN_EXE_doctown")).unwrap();
    let command = Value::from(exe.display().to_string());
    let claude = json(&home.join(".claude.json"));
    assert_eq!(claude["numStartups"], 3);
    assert_eq!(claude["mcpServers"]["doctown"]["command"], command);
    assert_eq!(claude["mcpServers"]["doctown"]["type"], "stdio");
    assert_eq!(
        json(&home.join(".config/Code/User/mcp.json"))["servers"]["doctown"]["command"],
        command
    );
    let cursor = json(&home.join("dotfiles/cursor-mcp.json"));
    assert_eq!(cursor["mcpServers"]["other"]["command"], "x");
    assert_eq!(
        cursor["mcpServers"]["doctown"]["args"][2],
        Value::from(store.display().to_string())
    );
    assert!(std::fs::symlink_metadata(home.join(".cursor/mcp.json"))
        .unwrap()
        .file_type()
        .is_symlink());
    let codex = std::fs::read_to_string(home.join(".codex/config.toml")).unwrap();
    assert!(
        codex.starts_with("# my codex\nmodel = \"o3\"\n")
            && codex.contains("[mcp_servers.doctown]"),
        "{codex}"
    );
    let zed = std::fs::read_to_string(home.join(".config/zed/settings.json")).unwrap();
    assert!(
        zed.starts_with("// Zed settings\n{\n  \"theme\": \"One Dark\", // mine\n"),
        "{zed}"
    );
    assert!(
        zed.contains("\"context_servers\": {\n    \"doctown\": {"),
        "{zed}"
    );
    assert_eq!(
        std::fs::read(home.join(".gemini/settings.json")).unwrap(),
        b"{\"a\": 1,,}"
    );
    assert!(store.is_dir(), "the store the tools serve exists");

    let written = snapshot(&home);
    let again = setup(&home, &store, &[]);
    assert_eq!(
        count(&stdout(&again), "already set"),
        5,
        "{}",
        stdout(&again)
    );
    assert_eq!(snapshot(&home), written, "a second run changes nothing");

    let removed = setup(
        &home,
        &store,
        &[
            "--remove",
            "--tool",
            "cursor",
            "--tool",
            "ZED",
            "--tool",
            "claude code",
        ],
    );
    assert!(removed.status.success(), "{}", stdout(&removed));
    assert_eq!(
        std::fs::read(home.join(".claude.json")).unwrap(),
        before[&home.join(".claude.json")]
    );
    assert_eq!(
        std::fs::read(home.join(".config/zed/settings.json")).unwrap(),
        before[&home.join(".config/zed/settings.json")]
    );
    assert_eq!(
        json(&home.join("dotfiles/cursor-mcp.json"))["mcpServers"],
        serde_json::json!({"other": {"command": "x"}})
    );
    let twice = setup(&home, &store, &["--remove", "--tool", "cursor"]);
    assert!(
        stdout(&twice).contains("no doctown server to remove"),
        "{}",
        stdout(&twice)
    );
}

/// `--project` writes the files a project commits: `doctown mcp .` by the
/// program's name, for the tools the user has, and nothing in the home.
#[test]
fn setup_project_writes_the_files_a_repository_commits() {
    let dir = tempfile::tempdir().unwrap();
    let (home, project, store) = (
        dir.path().join("home"),
        dir.path().join("repo"),
        dir.path().join("store"),
    );
    fixture_home(&home);
    std::fs::create_dir_all(&project).unwrap();
    let before = snapshot(&home);
    let run = setup(
        &home,
        &store,
        &[
            "--project",
            project.to_str().unwrap(),
            "--tool",
            "claude code",
            "--tool",
            "vs code",
            "--tool",
            "zed",
            "--tool",
            "codex",
        ],
    );
    let out = stdout(&run);
    assert!(run.status.success(), "{out}\n{}", stderr(&run));
    assert!(
        out.contains("Claude Code    ./.mcp.json: did create it"),
        "{out}"
    );
    let claude = json(&project.join(".mcp.json"));
    assert_eq!(
        claude["mcpServers"]["doctown"],
        serde_json::json!({"type": "stdio", "command": "doctown", "args": ["mcp", "."]})
    );
    let vscode = json(&project.join(".vscode/mcp.json"));
    assert_eq!(
        vscode["servers"]["doctown"]["args"],
        serde_json::json!(["mcp", "${workspaceFolder}"])
    );
    assert_eq!(
        json(&project.join(".zed/settings.json"))["context_servers"]["doctown"]["command"],
        "doctown"
    );
    let codex = std::fs::read_to_string(project.join(".codex/config.toml")).unwrap();
    assert!(
        codex.contains("command = \"doctown\"\nargs = [\"mcp\", \".\"]"),
        "{codex}"
    );
    assert_eq!(
        snapshot(&home),
        before,
        "the user's own files are not touched"
    );
    assert!(!store.exists());
    let again = setup(&home, &store, &["--project", project.to_str().unwrap()]);
    let again = stdout(&again);
    assert_eq!(count(&again, "already set"), 4, "{again}");
    assert_eq!(
        count(&again, "did create it"),
        2,
        "Cursor's and Gemini's, not asked for the first time: {again}"
    );
}

#[test]
fn setup_refuses_an_unknown_tool_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = setup(dir.path(), &dir.path().join("store"), &["--tool", "emacs"]);
    assert_one_line_error(&out, "no coding tool named \"emacs\" (known: Claude Code, ");
}

/// What `setup` wrote is a server command that answers over MCP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_written_command_starts_a_server_that_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (home, store) = (dir.path().join("home"), dir.path().join("store"));
    std::fs::create_dir_all(home.join(".cursor")).unwrap();
    let built = doctown()
        .args([
            "build",
            fixture("multilang").to_str().unwrap(),
            "--embeddings",
            "off",
            "--store",
        ])
        .arg(&store)
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", stderr(&built));
    assert!(setup(&home, &store, &[]).status.success());
    let entry = json(&home.join(".cursor/mcp.json"))["mcpServers"]["doctown"].clone();
    let mut command = tokio::process::Command::new(entry["command"].as_str().unwrap());
    for arg in entry["args"].as_array().unwrap() {
        command.arg(arg.as_str().unwrap());
    }
    command
        .env("DOCTOWN_LLM_BACKEND", "facts")
        .env("DOCTOWN_LOG", "error");
    let client = ().serve(TokioChildProcess::new(command).unwrap()).await.unwrap();
    let listed = client
        .call_tool(rmcp::model::CallToolRequestParams::new(
            "list_docpacks".to_string(),
        ))
        .await
        .unwrap();
    let text = serde_json::to_string(&listed.content).unwrap();
    assert!(text.contains("multilang"), "{text}");
    client.cancel().await.unwrap();
}
