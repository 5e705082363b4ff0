//! Helpers shared by the CLI integration tests: run the real binary.

#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn doctown() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_doctown"));
    cmd.env_remove("DOCTOWN_STORE")
        .env("DOCTOWN_LOG", "error")
        // No resident search engines outliving the tests; the test of
        // engines turns them on in a directory of its own.
        .env("DOCTOWN_SEARCH_SERVER_IDLE_SECS", "0");
    cmd
}

pub fn run(args: &[&str]) -> Output {
    doctown().args(args).output().expect("doctown runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts failure with exactly one line on stderr that contains `needle`.
pub fn assert_one_line_error(output: &Output, needle: &str) {
    let err = stderr(output);
    assert!(
        !output.status.success(),
        "expected failure, got success; stderr: {err}"
    );
    assert_ne!(output.status.code(), Some(101), "panicked: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(needle), "{err:?} lacks {needle:?}");
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Copies a fixture into a fresh temporary directory.
pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(name), dir.path());
    dir
}

/// Copies `from` into `to` (made when missing), recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Fails unless the embedding model and ONNX Runtime are where the binary
/// will look (`scripts/fetch-model.sh` puts them there; `scripts/env.sh`
/// sets `DOCTOWN_MODEL_DIR`/`DOCTOWN_ORT_LIB`). For `#[ignore]`d tests that
/// need the model: run without it, they must fail, not pass.
pub fn require_model() {
    let config = doctown_embed::EmbedConfig::from_env().expect("embed configuration");
    let model = config.model_dir.join("model.onnx");
    assert!(
        config.enabled && model.is_file() && config.runtime_lib.is_file(),
        "this test needs the embedding model at {} and ONNX Runtime at {} \
         (run scripts/fetch-model.sh; scripts/env.sh sets DOCTOWN_MODEL_DIR and DOCTOWN_ORT_LIB), \
         with embeddings on (DOCTOWN_EMBEDDINGS is not `off`)",
        model.display(),
        config.runtime_lib.display()
    );
}

/// Reads one HTTP request from `stream` (headers, then a `content-length`
/// body) and parses its body as JSON: what the tests' local model servers
/// need of a request.
pub fn read_json_request(stream: &std::net::TcpStream) -> serde_json::Value {
    use std::io::{BufRead, BufReader, Read};
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    serde_json::from_slice(&body).unwrap()
}

/// `git` in `dir` as Ann, on day `day` of 2024 (no user or system config).
pub fn git(dir: &Path, args: &[&str], day: u32) {
    let date = format!("2024-01-{:02}T12:00:00Z", day + 1);
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Ann")
        .env("GIT_AUTHOR_EMAIL", "ann@example.com")
        .env("GIT_COMMITTER_NAME", "Ann")
        .env("GIT_COMMITTER_EMAIL", "ann@example.com")
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// Six commits that each change `serve`, `get` and `evict`; `serve`
/// calls `get`, nothing calls `evict`.
pub fn coupled_repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"], 0);
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    let write = |path: &str, text: String| std::fs::write(dir.path().join(path), text).unwrap();
    write(
        "src/lib.rs",
        "pub mod api;\npub mod cache;\npub mod store;\n".into(),
    );
    for n in 0..6 {
        write(
            "src/api.rs",
            format!(
                "use crate::store::get;\n\npub fn serve(k: u32) -> u32 {{\n    get(k) + {n}\n}}\n"
            ),
        );
        write(
            "src/store.rs",
            format!("pub fn get(k: u32) -> u32 {{\n    k + {n}\n}}\n"),
        );
        write(
            "src/cache.rs",
            format!("pub fn evict(k: u32) -> u32 {{\n    k * {n}\n}}\n"),
        );
        git(dir.path(), &["add", "-A"], n);
        git(dir.path(), &["commit", "-q", "-m", "change"], n);
    }
    dir
}
