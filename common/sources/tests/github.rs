//! GitHub sources against a local HTTP server (never the real network).

mod common;

use common::{is_empty_dir, list_files, tar_gz, Reply, Request, TarEntry, TestServer};
use doctown_core::ErrorKind;
use doctown_sources::{
    fetch, fetch_with, parse_source, ExtractSettings, FetchOptions, GitHubConfig, SourceError,
    SourceSpec,
};
use std::time::Duration;

const MAIN_SHA: &str = "1111111111111111111111111111111111111111";
const FEATURE_SHA: &str = "2222222222222222222222222222222222222222";

fn tarball(top: &str) -> Vec<u8> {
    let big = vec![b'b'; 3000];
    tar_gz(&[
        TarEntry::PaxGlobal(format!("52 comment={MAIN_SHA}\n").as_bytes()),
        TarEntry::Dir(&format!("{top}/")),
        TarEntry::File(&format!("{top}/README.md"), b"# hello", 0o644),
        TarEntry::File(&format!("{top}/src/lib.rs"), b"pub fn f() {}", 0o644),
        TarEntry::File(&format!("{top}/src/deep/mod.rs"), b"mod deep;", 0o644),
        TarEntry::File(&format!("{top}/big.bin"), &big, 0o644),
        TarEntry::Symlink(&format!("{top}/link"), "/etc/passwd"),
    ])
}

fn bomb() -> Vec<u8> {
    let zeros = vec![0u8; 1 << 20];
    let names: Vec<String> = (0..4).map(|i| format!("o-bomb-sha/{i}.bin")).collect();
    tar_gz(
        &names
            .iter()
            .map(|n| TarEntry::File(n, &zeros, 0o644))
            .collect::<Vec<_>>(),
    )
}

fn handler(req: &Request, base: &str) -> Option<Reply> {
    let path = req.path.as_str();
    let reply = match path {
        "/repos/o/r" | "/repos/o/bomb" => {
            Reply::json(200, r#"{"full_name":"o/r","default_branch":"main"}"#)
        }
        "/repos/o/r/commits/main" | "/repos/o/bomb/commits/main" => {
            Reply::json(200, &format!(r#"{{"sha":"{MAIN_SHA}"}}"#))
        }
        "/repos/o/r/commits/feature/x" => {
            Reply::json(200, &format!(r#"{{"sha":"{FEATURE_SHA}"}}"#))
        }
        "/repos/o/r/commits/feature" | "/repos/o/r/commits/nope" => {
            Reply::json(422, r#"{"message":"No commit found for SHA: nope"}"#)
        }
        p if p.starts_with("/repos/o/r/tarball/") => {
            let sha = &p["/repos/o/r/tarball/".len()..];
            Reply::json(302, "")
                .with_header("Location", &format!("{base}/codeload/o/r/{sha}.tar.gz"))
        }
        p if p.starts_with("/codeload/o/r/") => {
            let sha = p
                .trim_start_matches("/codeload/o/r/")
                .trim_end_matches(".tar.gz");
            Reply {
                status: 200,
                headers: vec![("Content-Type".into(), "application/x-gzip".into())],
                body: tarball(&format!("o-r-{}", &sha[..7])),
            }
        }
        p if p.starts_with("/repos/o/bomb/tarball/") => Reply {
            status: 200,
            headers: vec![],
            body: bomb(),
        },
        "/repos/o/gone" => Reply::json(404, r#"{"message":"Not Found"}"#),
        "/repos/o/limited" => Reply::json(403, r#"{"message":"API rate limit exceeded"}"#)
            .with_header("x-ratelimit-remaining", "0")
            .with_header("x-ratelimit-reset", "1700000000"),
        "/repos/o/secondary" => {
            Reply::json(429, r#"{"message":"slow down"}"#).with_header("retry-after", "60")
        }
        "/repos/o/forbidden" => Reply::json(403, r#"{"message":"Resource not accessible"}"#)
            .with_header("x-ratelimit-remaining", "42"),
        "/repos/o/broken" => Reply::json(500, "oops"),
        "/repos/o/private" if req.header("authorization") == Some("Bearer bad") => {
            Reply::json(401, r#"{"message":"Bad credentials"}"#)
        }
        "/repos/o/slow" => return None,
        _ => Reply::json(404, r#"{"message":"Not Found"}"#),
    };
    Some(reply)
}

struct Setup {
    server: TestServer,
    scratch: tempfile::TempDir,
}

impl Setup {
    fn new() -> Self {
        Setup {
            server: TestServer::start(handler),
            scratch: tempfile::tempdir().unwrap(),
        }
    }

    fn options(&self, token: Option<&str>) -> FetchOptions {
        let github = GitHubConfig {
            api_base: self.server.base.clone(),
            token: token.map(Into::into),
            timeout: Duration::from_secs(5),
            ..GitHubConfig::default()
        };
        FetchOptions {
            max_file_bytes: 1024,
            github,
            ..Default::default()
        }
    }

    fn settings(&self) -> ExtractSettings {
        ExtractSettings {
            work_dir: Some(self.scratch.path().to_path_buf()),
            ..Default::default()
        }
    }

    fn fetch(
        &self,
        input: &str,
        git_ref: Option<&str>,
        token: Option<&str>,
    ) -> Result<doctown_sources::Fetched, SourceError> {
        fetch_with(
            &parse_source(input, git_ref).unwrap(),
            &self.options(token),
            &self.settings(),
        )
    }

    fn error(&self, input: &str) -> SourceError {
        let err = self.fetch(input, None, None).unwrap_err();
        assert!(!err.to_string().contains('\n'), "{err}");
        assert!(
            is_empty_dir(self.scratch.path()),
            "temp files left behind after {err}"
        );
        err
    }
}

#[test]
fn fetches_default_branch_through_a_redirect() {
    let setup = Setup::new();
    let fetched = setup
        .fetch("https://github.com/o/r", None, Some("tok-123"))
        .unwrap();
    assert_eq!(
        list_files(&fetched.root),
        vec!["README.md", "src/deep/mod.rs", "src/lib.rs"]
    );
    assert_eq!(
        std::fs::read_to_string(fetched.root.join("README.md")).unwrap(),
        "# hello"
    );
    assert_eq!(fetched.oversized, vec![("big.bin".to_string(), 3000)]);
    let r = &fetched.resolved;
    assert_eq!((r.kind.as_str(), r.name.as_str()), ("github", "r"));
    assert_eq!(r.url.as_deref(), Some("https://github.com/o/r"));
    assert_eq!(r.git_ref.as_deref(), Some("main"));
    assert_eq!(r.commit.as_deref(), Some(MAIN_SHA));

    let requests = setup.server.requests.lock().unwrap().clone();
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "/repos/o/r".to_string(),
            "/repos/o/r/commits/main".to_string(),
            format!("/repos/o/r/tarball/{MAIN_SHA}"),
            format!("/codeload/o/r/{MAIN_SHA}.tar.gz"),
        ]
    );
    // The token is not forwarded to the redirect target.
    assert_eq!(requests[3].header("authorization"), None);
    for api in &requests[..3] {
        assert_eq!(
            api.header("authorization"),
            Some("Bearer tok-123"),
            "{}",
            api.path
        );
        assert_eq!(api.header("accept"), Some("application/vnd.github+json"));
        assert!(api.header("user-agent").unwrap().starts_with("doctown/"));
    }
    drop(fetched);
    assert!(is_empty_dir(setup.scratch.path()));
}

#[test]
fn no_token_no_authorization_header() {
    let setup = Setup::new();
    setup.fetch("github.com/o/r", Some("main"), None).unwrap();
    assert!(setup
        .server
        .requests
        .lock()
        .unwrap()
        .iter()
        .all(|r| r.header("authorization").is_none()));
}

#[test]
fn tree_subpath_becomes_root_and_slashed_refs_resolve() {
    let setup = Setup::new();
    let fetched = setup
        .fetch("https://github.com/o/r/tree/main/src", None, None)
        .unwrap();
    assert_eq!(list_files(&fetched.root), vec!["deep/mod.rs", "lib.rs"]);
    assert_eq!(fetched.resolved.git_ref.as_deref(), Some("main"));

    // `feature/x` is one ref: the parser cannot know, the API lookup can.
    let fetched = setup
        .fetch("https://github.com/o/r/tree/feature/x/src/deep", None, None)
        .unwrap();
    assert_eq!(list_files(&fetched.root), vec!["mod.rs"]);
    assert_eq!(fetched.resolved.git_ref.as_deref(), Some("feature/x"));
    assert_eq!(fetched.resolved.commit.as_deref(), Some(FEATURE_SHA));

    // A blob URL fetches the whole repository at its ref.
    let fetched = setup
        .fetch("https://github.com/o/r/blob/main/src/lib.rs", None, None)
        .unwrap();
    assert!(fetched.root.join("README.md").exists());

    let err = setup
        .fetch("https://github.com/o/r/tree/main/nowhere", None, None)
        .unwrap_err();
    assert!(matches!(err, SourceError::SubpathNotFound { .. }), "{err}");
}

#[test]
fn unknown_ref_is_named() {
    let setup = Setup::new();
    let err = setup
        .fetch("https://github.com/o/r", Some("nope"), None)
        .unwrap_err();
    assert!(matches!(err, SourceError::UnknownRef { .. }), "{err}");
    assert!(
        err.to_string().contains("\"nope\"") && err.to_string().contains("o/r"),
        "{err}"
    ); // A ref that could rewrite the API path is never sent.
    let before = setup.server.paths().len();
    let err = setup
        .fetch("https://github.com/o/r", Some("../../x"), None)
        .unwrap_err();
    assert!(matches!(err, SourceError::UnknownRef { .. }), "{err}");
    assert_eq!(setup.server.paths()[before..], ["/repos/o/r".to_string()]);
}

#[test]
fn http_errors_map_to_clear_messages() {
    let setup = Setup::new();
    let err = setup.error("https://github.com/o/gone");
    assert_eq!(
        err.to_string(),
        "repository o/gone not found (or private: set GITHUB_TOKEN)"
    );
    assert_eq!(err.kind(), ErrorKind::Invalid);

    let err = setup.error("https://github.com/o/limited");
    assert!(
        err.to_string()
            .contains("rate limit exceeded; resets at 2023-11-14T22:13:20Z"),
        "{err}"
    );
    assert!(err.to_string().contains("GITHUB_TOKEN"), "{err}");
    assert_eq!(err.kind(), ErrorKind::Transient);

    let err = setup.error("https://github.com/o/secondary");
    assert!(err.to_string().contains("retry after 60 s"), "{err}");
    assert_eq!(err.kind(), ErrorKind::Transient);

    let err = setup.error("https://github.com/o/forbidden");
    assert!(matches!(err, SourceError::Forbidden { .. }), "{err}");
    assert!(err.to_string().contains("Resource not accessible"), "{err}");

    let err = setup.error("https://github.com/o/broken");
    assert!(
        matches!(err, SourceError::Server { status: 500, .. }),
        "{err}"
    );
    assert_eq!(err.kind(), ErrorKind::Transient);

    let err = setup
        .fetch("https://github.com/o/private", None, Some("bad"))
        .unwrap_err();
    assert!(matches!(err, SourceError::Unauthorized), "{err}");
}

#[test]
fn timeouts_and_refused_connections_are_transient() {
    let setup = Setup::new();
    let mut options = setup.options(None);
    options.github.timeout = Duration::from_millis(300);
    let spec = SourceSpec::GitHub {
        owner: "o".into(),
        repo: "slow".into(),
        git_ref: None,
        subpath: None,
    };
    let err = fetch(&spec, &options).unwrap_err();
    assert!(matches!(err, SourceError::Network { .. }), "{err}");
    assert_eq!(err.kind(), ErrorKind::Transient);

    // Nothing listens on a port we just closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    options.github.api_base = format!("http://127.0.0.1:{port}");
    let err = fetch(&spec, &options).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient, "{err}");
}

#[test]
fn tarball_bomb_is_too_large_and_leaves_nothing() {
    let setup = Setup::new();
    let mut options = setup.options(None);
    options.max_total_bytes = 2 << 20;
    options.max_file_bytes = 2 << 20;
    let spec = parse_source("https://github.com/o/bomb", None).unwrap();
    let err = fetch_with(&spec, &options, &setup.settings()).unwrap_err();
    assert!(matches!(err, SourceError::TooLarge(_)), "{err}");
    assert!(is_empty_dir(setup.scratch.path()));
}

#[test]
fn config_from_environment_lookup() {
    let vars = |name: &str| match name {
        "DOCTOWN_GITHUB_API" => Some("http://127.0.0.1:9/api/".to_string()),
        "DOCTOWN_GITHUB_TOKEN" => Some("from-doctown".to_string()),
        _ => None,
    };
    let config = GitHubConfig::from_lookup(vars);
    assert_eq!(config.api_base, "http://127.0.0.1:9/api");
    assert_eq!(config.token.as_deref(), Some("from-doctown"));
    let config =
        GitHubConfig::from_lookup(|name| (name == "GITHUB_TOKEN").then(|| " gh ".to_string()));
    assert_eq!(config.api_base, "https://api.github.com");
    assert_eq!(config.token.as_deref(), Some("gh"));
}
