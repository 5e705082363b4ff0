//! Scheduled batch runs: due entries launch, unchanged commits are skipped
//! and recorded, failed jobs are retried; the commit resolvers.

mod common;

use common::*;
use doctown_core::JobStatus;
use doctown_store::ObjectStore;
use doctown_trigger::{
    run_schedule_once, CommitResolver, GitHubResolver, LocalGitResolver, RunOutcome, Schedule,
    ScheduleRun, TriggerConfig,
};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

#[derive(Default)]
struct FakeResolver(Mutex<HashMap<String, String>>);

impl FakeResolver {
    fn set(&self, repo: &str, git_ref: Option<&str>, commit: &str) {
        self.0
            .lock()
            .unwrap()
            .insert(format!("{repo}@{git_ref:?}"), commit.to_string());
    }
}

impl CommitResolver for FakeResolver {
    fn resolve(&self, repo: &str, git_ref: Option<&str>) -> Result<String, String> {
        self.0
            .lock()
            .unwrap()
            .get(&format!("{repo}@{git_ref:?}"))
            .cloned()
            .ok_or_else(|| "unknown repository".to_string())
    }
}

const A: &str = "https://github.com/octo/a";
const B: &str = "https://github.com/octo/b";
const C: &str = "https://github.com/octo/missing";

fn at(text: &str) -> SystemTime {
    humantime::parse_rfc3339(text).unwrap()
}

fn schedule() -> Schedule {
    Schedule::parse(&format!(
        r#"
        [[schedule]]
        name = "nightly"
        cron = "0 3 * * *"
        [[schedule.repos]]
        url = "{A}"
        refs = ["main", "dev"]
        [[schedule.repos]]
        url = "{B}"
        [[schedule.repos]]
        url = "{C}"
        "#
    ))
    .unwrap()
}

fn outcomes(run: &ScheduleRun) -> Vec<(String, Option<String>, RunOutcome)> {
    run.items
        .iter()
        .map(|i| (i.repo.clone(), i.git_ref.clone(), i.outcome))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn due_entries_launch_and_unchanged_commits_are_skipped() {
    let t = test_app(TriggerConfig::default(), None);
    let resolver = FakeResolver::default();
    resolver.set(A, Some("main"), "aaa1");
    resolver.set(A, Some("dev"), "ddd1");
    resolver.set(B, None, "bbb1");
    let schedule = schedule();
    let once = |now: &str| {
        run_schedule_once(&schedule, at(now), t.store.as_ref(), &t.launcher, &resolver).unwrap()
    };

    let runs = once("2026-01-01T03:00:30Z");
    assert_eq!(runs.len(), 1);
    assert_eq!(
        outcomes(&runs[0]),
        vec![
            (A.into(), Some("main".into()), RunOutcome::Launched),
            (A.into(), Some("dev".into()), RunOutcome::Launched),
            (B.into(), None, RunOutcome::Launched),
            (C.into(), None, RunOutcome::Failed),
        ]
    );
    assert!(runs[0].items[3]
        .error
        .as_ref()
        .unwrap()
        .contains("unknown repository"));
    assert_eq!(t.job_count(), 3);
    let recorded: ScheduleRun = doctown_store::get_json(
        t.store.as_ref(),
        "schedules/nightly/runs/20260101T030030Z.json",
    )
    .unwrap()
    .unwrap();
    assert_eq!(recorded, runs[0]);
    for item in &runs[0].items[..3] {
        t.wait_terminal(item.job_id.as_ref().unwrap()).await;
    }

    // Checked again the same night: not due.
    assert!(once("2026-01-01T03:10:00Z").is_empty());
    assert_eq!(t.job_count(), 3);

    // Next night: dev moved; main and b did not.
    resolver.set(A, Some("dev"), "ddd2");
    let runs = once("2026-01-02T03:00:05Z");
    assert_eq!(
        outcomes(&runs[0])[..3],
        [
            (A.into(), Some("main".into()), RunOutcome::SkippedUnchanged),
            (A.into(), Some("dev".into()), RunOutcome::Launched),
            (B.into(), None, RunOutcome::SkippedUnchanged),
        ]
    );
    assert_eq!(runs[0].items[0].commit.as_deref(), Some("aaa1"));
    assert_eq!(t.job_count(), 4);
    assert!(t
        .store
        .exists("schedules/nightly/runs/20260102T030005Z.json")
        .unwrap());
    let dev_job = runs[0].items[1].job_id.clone().unwrap();
    t.wait_terminal(&dev_job).await;

    // A failed last job is rebuilt even though its commit did not change.
    let main_job = runs[0].items[0].job_id.clone().unwrap();
    doctown_store::update_state(t.store.as_ref(), &main_job, |s| {
        s.status = JobStatus::Failed
    })
    .unwrap();
    let runs = once("2026-01-03T03:00:00Z");
    assert_eq!(runs[0].items[0].outcome, RunOutcome::Launched);
    assert_eq!(runs[0].items[1].outcome, RunOutcome::SkippedUnchanged);
    t.launcher.wait_idle().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tick_is_claimed_by_one_instance() {
    let t = test_app(TriggerConfig::default(), None);
    let resolver = FakeResolver::default();
    resolver.set(B, None, "b");
    let schedule = Schedule::parse(&format!(
        "[[schedule]]\nname = \"often\"\ncron = \"*/5 * * * *\"\n[[schedule.repos]]\nurl = \"{B}\"\n"
    ))
    .unwrap();
    let now = at("2026-03-01T10:05:10Z");
    let first =
        run_schedule_once(&schedule, now, t.store.as_ref(), &t.launcher, &resolver).unwrap();
    let second =
        run_schedule_once(&schedule, now, t.store.as_ref(), &t.launcher, &resolver).unwrap();
    assert_eq!((first.len(), second.len()), (1, 0));
    // A slow checker (every 7 minutes) still catches the fire time in between.
    let later = run_schedule_once(
        &schedule,
        at("2026-03-01T10:12:10Z"),
        t.store.as_ref(),
        &t.launcher,
        &resolver,
    )
    .unwrap();
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].items[0].outcome, RunOutcome::SkippedUnchanged);
    t.launcher.wait_idle().await;
}

#[test]
fn local_git_resolver_reads_refs() {
    let dir = tempfile::tempdir().unwrap();
    let repo = git2::Repository::init(dir.path()).unwrap();
    std::fs::write(dir.path().join("a.txt"), "a").unwrap();
    let mut index = repo.index().unwrap();
    index.add_path(std::path::Path::new("a.txt")).unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::now("t", "t@example.com").unwrap();
    let commit = repo
        .commit(Some("HEAD"), &sig, &sig, "one", &tree, &[])
        .unwrap();
    let resolver = LocalGitResolver;
    assert_eq!(
        resolver.commit(dir.path(), None).unwrap(),
        commit.to_string()
    );
    assert!(resolver.commit(dir.path(), Some("no-such-branch")).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_resolver_asks_the_api() {
    use axum::extract::Path;
    use axum::http::HeaderMap;
    let app =
        axum::Router::new().route(
            "/repos/{owner}/{repo}/commits/{*git_ref}",
            axum::routing::get(
                |Path((owner, repo, git_ref)): Path<(String, String, String)>,
                 headers: HeaderMap| async move {
                    let wants_sha = headers
                        .get("accept")
                        .is_some_and(|v| v == "application/vnd.github.sha");
                    match (owner.as_str(), repo.as_str(), git_ref.as_str(), wants_sha) {
                        ("octo", "a", "feature/x", true) => (
                            axum::http::StatusCode::OK,
                            "0123456789abcdef0123456789abcdef01234567".to_string(),
                        ),
                        ("octo", "a", "HEAD", true) => (
                            axum::http::StatusCode::OK,
                            "fedcba9876543210fedcba9876543210fedcba98".to_string(),
                        ),
                        _ => (
                            axum::http::StatusCode::NOT_FOUND,
                            "{\"message\":\"Not Found\"}".to_string(),
                        ),
                    }
                },
            ),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let results = tokio::task::spawn_blocking(move || {
        let config = doctown_sources::GitHubConfig {
            api_base: format!("http://{addr}"),
            ..Default::default()
        };
        let resolver = doctown_trigger::SourceResolver::new(config.clone());
        let direct = GitHubResolver::new(config);
        (
            resolver.resolve("https://github.com/octo/a", Some("feature/x")),
            resolver.resolve("https://github.com/octo/a", None),
            direct.commit("octo", "b", Some("main")),
        )
    })
    .await
    .unwrap();
    assert_eq!(
        results.0.unwrap(),
        "0123456789abcdef0123456789abcdef01234567"
    );
    assert_eq!(
        results.1.unwrap(),
        "fedcba9876543210fedcba9876543210fedcba98"
    );
    assert!(results.2.unwrap_err().contains("HTTP 404"));
}
