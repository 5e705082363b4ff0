//! `doctown review --comment` against a local server that plays GitHub's
//! REST API: the first run comments on the pull request, the next edits
//! that same comment (others' comments untouched), a read-only token (a
//! pull request from a fork) is a one-line error after the review is
//! printed, and a job without a token or a pull request says what it lacks.

mod common;

use common::{assert_one_line_error, doctown, stderr, stdout};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct GitHub {
    comments: Vec<(u64, String)>,
    /// `method path authorization` of each request.
    requests: Vec<String>,
    read_only: bool,
}

/// Serves the pull request `o/r#7`'s comments until the test ends.
fn github() -> (String, Arc<Mutex<GitHub>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let state = Arc::new(Mutex::new(GitHub {
        comments: vec![(1, "LGTM".into())],
        ..GitHub::default()
    }));
    let served = state.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            answer(stream, &served);
        }
    });
    (url, state)
}

fn answer(stream: TcpStream, state: &Mutex<GitHub>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    reader.read_line(&mut request_line).unwrap();
    let (mut length, mut auth) = (0usize, String::new());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap();
        }
        if lower.starts_with("authorization:") {
            auth = line["authorization:".len()..].trim().to_string();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let mut parts = request_line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap().to_string(),
        parts.next().unwrap().to_string(),
    );
    let mut gh = state.lock().unwrap();
    gh.requests.push(format!("{method} {path} {auth}"));
    let sent: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let comment = |id: u64, body: &str| json!({"id": id, "body": body, "html_url": format!("https://github.test/o/r/pull/7#issuecomment-{id}")});
    let (status, reply) = match (method.as_str(), path.as_str()) {
        ("GET", p) if p.starts_with("/repos/o/r/issues/7/comments?") => {
            let page = if p.ends_with("page=1") {
                gh.comments.iter().map(|(id, b)| comment(*id, b)).collect()
            } else {
                vec![]
            };
            (200, Value::Array(page))
        }
        ("POST" | "PATCH", _) if gh.read_only => (
            403,
            json!({"message": "Resource not accessible by integration"}),
        ),
        ("POST", "/repos/o/r/issues/7/comments") => {
            let id = gh.comments.len() as u64 + 1;
            gh.comments
                .push((id, sent["body"].as_str().unwrap().to_string()));
            (201, comment(id, sent["body"].as_str().unwrap()))
        }
        ("PATCH", p) if p.starts_with("/repos/o/r/issues/comments/") => {
            let id: u64 = p.rsplit('/').next().unwrap().parse().unwrap();
            let slot = gh.comments.iter_mut().find(|(i, _)| *i == id).unwrap();
            slot.1 = sent["body"].as_str().unwrap().to_string();
            (200, comment(id, &slot.1))
        }
        _ => (404, json!({"message": "Not Found"})),
    };
    let text = reply.to_string();
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
        text.len()
    );
}

fn review(pack: &Path, api: &str, event: &Path, token: Option<&str>) -> std::process::Output {
    let mut command = doctown();
    command
        .args(["review"])
        .arg(pack)
        .arg(pack)
        .arg("--comment")
        .env("GITHUB_API_URL", api)
        .env("GITHUB_REPOSITORY", "o/r")
        .env("GITHUB_EVENT_PATH", event);
    match token {
        Some(t) => command.env("GITHUB_TOKEN", t),
        None => command.env_remove("GITHUB_TOKEN"),
    };
    command.output().unwrap()
}

#[test]
fn the_review_comment_is_made_once_and_then_kept_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("shop.docpack");
    let built = doctown()
        .args([
            "build",
            common::fixture("shop").to_str().unwrap(),
            "--embeddings",
            "off",
            "-o",
        ])
        .arg(&pack)
        .arg("--store")
        .arg(dir.path().join("store"))
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", stderr(&built));
    let event = dir.path().join("event.json");
    std::fs::write(
        &event,
        json!({"action": "synchronize", "pull_request": {"number": 7}}).to_string(),
    )
    .unwrap();
    let (api, state) = github();

    let first = review(&pack, &api, &event, Some("t0ken"));
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stderr(&first)
            .contains("commented on o/r#7: https://github.test/o/r/pull/7#issuecomment-2"),
        "{}",
        stderr(&first)
    );
    let second = review(&pack, &api, &event, Some("t0ken"));
    assert!(
        stderr(&second).contains("updated the comment on o/r#7"),
        "{}",
        stderr(&second)
    );
    {
        let gh = state.lock().unwrap();
        assert_eq!(
            gh.comments.len(),
            2,
            "one comment of Doctown's, beside the other"
        );
        assert_eq!(gh.comments[0].1, "LGTM");
        assert!(
            gh.comments[1]
                .1
                .starts_with("<!-- doctown-review -->\n## Doctown review: low risk"),
            "{}",
            gh.comments[1].1
        );
        let writes: Vec<&String> = gh
            .requests
            .iter()
            .filter(|r| !r.starts_with("GET"))
            .collect();
        assert_eq!(writes.len(), 2, "{:?}", gh.requests);
        assert!(
            writes[0].starts_with("POST /repos/o/r/issues/7/comments Bearer t0ken"),
            "{writes:?}"
        );
        assert!(
            writes[1].starts_with("PATCH /repos/o/r/issues/comments/2 Bearer t0ken"),
            "{writes:?}"
        );
    }

    state.lock().unwrap().read_only = true;
    let fork = review(&pack, &api, &event, Some("read-only"));
    assert!(
        stdout(&fork).contains("## Doctown review"),
        "the review is printed first"
    );
    assert_one_line_error(&fork, "GitHub answered 403 Resource not accessible by integration (a token that may not write to this pull request: in Actions a pull request from a fork");
    assert_one_line_error(
        &review(&pack, &api, &event, None),
        "GITHUB_TOKEN is not set",
    );
    std::fs::write(&event, json!({"action": "push"}).to_string()).unwrap();
    assert_one_line_error(
        &review(&pack, &api, &event, Some("t")),
        "is not a pull request's: pass --pull N",
    );
}
