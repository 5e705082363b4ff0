//! A GitHub source's history, read from a clone made with git over HTTP
//! with the job's token: against a local git server (`git http-backend`
//! behind a small HTTP server this test starts) that serves a bare
//! repository only to the right token.

use doctown_core::ResolvedSource;
use doctown_ingest::history::{clone_url, read};
use doctown_ingest::options::{HistoryConfig, HistoryMode};
use doctown_sources::{GitHubConfig, SourceSpec};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const TOKEN: &str = "ghs_test-token-123";

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Ada")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_NAME", "Ada")
        .env("GIT_COMMITTER_EMAIL", "ada@example.com")
        .env("GIT_AUTHOR_DATE", "@1704110400 +0000")
        .env("GIT_COMMITTER_DATE", "@1704110400 +0000")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `root/ada/lib.git`, three commits; returns the head commit.
fn served_repository(root: &Path) -> String {
    let work = tempfile::tempdir().unwrap();
    git(work.path(), &["init", "-q", "-b", "main"]);
    for i in 1..=3 {
        let body: String = (0..i).map(|n| format!("    let x{n} = {n};\n")).collect();
        std::fs::write(
            work.path().join("lib.rs"),
            format!("pub fn run() {{\n{body}}}\n"),
        )
        .unwrap();
        git(work.path(), &["add", "-A"]);
        git(work.path(), &["commit", "-q", "-m", &format!("edit {i}")]);
    }
    let bare = root.join("ada/lib.git");
    std::fs::create_dir_all(bare.parent().unwrap()).unwrap();
    let bare_arg = bare.to_str().unwrap();
    git(work.path(), &["clone", "-q", "--bare", ".", bare_arg]);
    git(work.path(), &["rev-parse", "HEAD"])
}

/// An HTTP server running `git http-backend` (CGI) for each request that
/// carries `Authorization: Basic base64(x-access-token:TOKEN)`, and
/// answering 401 to the others.
fn serve(root: PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            std::thread::spawn(move || {
                let _ = handle(stream, &root);
            });
        }
    });
    base
}

fn handle(mut stream: TcpStream, root: &Path) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("GET").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let mut headers: Vec<(String, String)> = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    use base64::Engine as _;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{TOKEN}"))
    );
    if header("authorization").as_deref() != Some(expected.as_str()) {
        let body = "bad credentials";
        write!(
            stream,
            "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )?;
        return Ok(());
    }
    let body = match header("content-length").and_then(|n| n.parse::<usize>().ok()) {
        Some(n) => {
            let mut body = vec![0; n];
            reader.read_exact(&mut body)?;
            body
        }
        None if header("transfer-encoding").is_some_and(|t| t.contains("chunked")) => {
            let mut body = Vec::new();
            loop {
                let mut size = String::new();
                reader.read_line(&mut size)?;
                let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
                let mut chunk = vec![0; n + 2];
                reader.read_exact(&mut chunk)?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
            body
        }
        None => Vec::new(),
    };
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut cgi = Command::new("git");
    cgi.arg("http-backend")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REQUEST_METHOD", &method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("CONTENT_TYPE", header("content-type").unwrap_or_default())
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("REMOTE_ADDR", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(encoding) = header("content-encoding") {
        cgi.env("HTTP_CONTENT_ENCODING", encoding);
    }
    if let Some(protocol) = header("git-protocol") {
        cgi.env("GIT_PROTOCOL", protocol);
    }
    let mut child = cgi.spawn()?;
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || stdin.write_all(&body));
    let output = child.wait_with_output()?;
    let _ = feeder.join();
    let out = output.stdout;
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| out.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)));
    let Some((end, skip)) = split else {
        write!(
            stream,
            "HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\n\r\n"
        )?;
        return Ok(());
    };
    let cgi_headers = String::from_utf8_lossy(&out[..end]).to_string();
    let mut status = "200 OK".to_string();
    let mut response = String::new();
    for h in cgi_headers.lines() {
        match h.split_once(':') {
            Some((k, v)) if k.eq_ignore_ascii_case("status") => status = v.trim().to_string(),
            Some(_) => response.push_str(&format!("{}\r\n", h.trim_end())),
            None => {}
        }
    }
    let payload = &out[end + skip..];
    write!(
        stream,
        "HTTP/1.1 {status}\r\n{response}Content-Length: {}\r\nConnection: close\r\n\r\n",
        payload.len()
    )?;
    stream.write_all(payload)?;
    stream.flush()
}

fn github(base: &str, token: Option<&str>) -> GitHubConfig {
    GitHubConfig {
        api_base: base.to_string(),
        token: token.map(str::to_string),
        ..GitHubConfig::default()
    }
}

fn spec() -> SourceSpec {
    SourceSpec::GitHub {
        owner: "ada".into(),
        repo: "lib".into(),
        git_ref: None,
        subpath: None,
    }
}

fn resolved(commit: &str) -> ResolvedSource {
    ResolvedSource {
        kind: "github".into(),
        name: "ada/lib".into(),
        commit: Some(commit.to_string()),
        ..ResolvedSource::default()
    }
}

fn asked() -> HistoryConfig {
    HistoryConfig {
        github: true,
        ..HistoryConfig::default()
    }
}

#[test]
fn clone_urls() {
    assert_eq!(
        clone_url("https://api.github.com", "ada", "lib"),
        "https://github.com/ada/lib.git"
    );
    assert_eq!(
        clone_url("https://git.corp.example/api/v3/", "ada", "lib"),
        "https://git.corp.example/ada/lib.git"
    );
    assert_eq!(
        clone_url("http://127.0.0.1:9", "ada", "lib"),
        "http://127.0.0.1:9/ada/lib.git"
    );
}

#[test]
fn a_github_source_asked_for_its_history_is_cloned_with_the_token() {
    let root = tempfile::tempdir().unwrap();
    let head = served_repository(root.path());
    let base = serve(root.path().to_path_buf());

    let read_with = |config: &HistoryConfig, token: Option<&str>| {
        let github = github(&base, token);
        read(&spec(), &resolved(&head), config, None, Some(&github))
    };
    let history = read_with(&asked(), Some(TOKEN))
        .history
        .expect("the history");
    assert_eq!(history.summary.commits, 3);
    assert_eq!(history.summary.head.as_deref(), Some(head.as_str()));
    assert_eq!(history.files[0].path, "lib.rs");

    // Per symbol, through the same clone.
    let symbols = HistoryConfig {
        mode: HistoryMode::Symbols,
        ..asked()
    };
    let history = read_with(&symbols, Some(TOKEN)).history.unwrap();
    assert!(history
        .symbols
        .iter()
        .any(|s| s.name == "run" && s.commits == 3));

    // Not asked: a tarball has no history, as before.
    let why = read_with(&HistoryConfig::default(), Some(TOKEN))
        .history
        .unwrap_err();
    assert!(why.contains("tarball"), "{why}");

    // A wrong token: refused, said in one line, the token not repeated.
    let why = read_with(&asked(), Some("ghs_wrong")).history.unwrap_err();
    assert!(why.contains("could not be cloned for its history"), "{why}");
    assert!(!why.contains("ghs_wrong") && !why.contains('\n'), "{why}");
    // No token at all: refused, without a prompt.
    let why = read_with(&asked(), None).history.unwrap_err();
    assert!(why.contains("could not be cloned for its history"), "{why}");
}
