//! `doctown serve` with accounts: turned on by the environment, the SQLite
//! database made in the store directory and migrated, `/me` and `/health`
//! say so; without the variables nothing of it exists (local mode).

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(store: &std::path::Path, env: &[(&str, &str)]) -> (Server, String) {
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_doctown"));
    command
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--store"])
        .arg(store)
        .env_remove("DATABASE_URL")
        .env_remove("DOCTOWN_ACCOUNTS")
        .env_remove("DOCTOWN_GITHUB_CLIENT_ID")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    (
        Server(command.spawn().unwrap()),
        format!("http://127.0.0.1:{port}"),
    )
}

fn get_json(url: &str) -> Option<serde_json::Value> {
    let mut response = ureq::get(url).call().ok()?;
    response.body_mut().read_json().ok()
}

fn wait_health(base: &str, server: &mut Server) -> serde_json::Value {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if let Some(health) = get_json(&format!("{base}/health")) {
            return health;
        }
        if let Ok(Some(status)) = server.0.try_wait() {
            let mut err = String::new();
            server
                .0
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            panic!("doctown serve exited ({status}): {err}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("doctown serve did not answer");
}

#[test]
fn accounts_come_from_the_environment_and_local_mode_needs_nothing() {
    let store = tempfile::tempdir().unwrap();
    let (mut server, base) = serve(store.path(), &[("DOCTOWN_ACCOUNTS", "1")]);
    let health = wait_health(&base, &mut server);
    assert_eq!(health["database"], "ok", "{health}");
    assert!(store.path().join("accounts.db").is_file());
    let me = get_json(&format!("{base}/me")).unwrap();
    assert_eq!(
        (me["mode"].as_str(), me["user"].is_null()),
        (Some("accounts"), true),
        "{me}"
    );
    // Signed out, building is refused (anonymous builds are off by default).
    let refused = ureq::post(&format!("{base}/jobs"))
        .send_json(serde_json::json!({"repo_url": "https://github.com/o/r"}));
    assert!(
        matches!(refused, Err(ureq::Error::StatusCode(401))),
        "{refused:?}"
    );
    drop(server);

    let local = tempfile::tempdir().unwrap();
    let (mut server, base) = serve(local.path(), &[]);
    let health = wait_health(&base, &mut server);
    assert!(health.get("database").is_none(), "{health}");
    assert!(
        !local.path().join("accounts.db").exists(),
        "no database in local mode"
    );
    assert_eq!(get_json(&format!("{base}/me")).unwrap()["mode"], "local");
}
