//! The accounts benchmark (`scripts/bench-accounts.sh`): requests per
//! second and latency percentiles of `POST /jobs` admission (API key, rate
//! limit, repository facts from the cache, plan check, the row inserted
//! with the month counted) and of the library listing (a user's docpacks
//! and the public gallery) with 100,000 docpacks in the database, on SQLite
//! and on PostgreSQL. Requests go through the real router in process (no
//! sockets); the launcher accepts jobs without running them, so what is
//! measured is the accounts layer. A `cargo bench` target (harness off):
//! `cargo test` does not run it.

use axum::body::Body;
use axum::http::Request;
use doctown_accounts::crypto::random_alnum;
use doctown_accounts::db::sqlite_url;
use doctown_accounts::{Accounts, AccountsConfig, Db, GitHubProfile, Keyring, RepoFacts, Scope};
use doctown_core::{JobId, JobInput, JobState, Stage};
use doctown_store::{MemoryStore, ObjectStore};
use doctown_trigger::{router, AppState, JobLauncher, LaunchError, TriggerConfig};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

const DOCPACKS: usize = 100_000;
const USERS: i64 = 10;

/// Accepts every job and runs none.
struct Accepting;

impl JobLauncher for Accepting {
    fn submit_as(&self, job: JobId, _input: JobInput) -> Result<JobId, LaunchError> {
        Ok(job)
    }
    fn run_stage(&self, _: &JobId, _: Stage, _: Option<u32>) -> Result<(), LaunchError> {
        Err(LaunchError::Unsupported("benchmark".into()))
    }
    fn cancel(&self, job: &JobId) -> Result<JobState, LaunchError> {
        Err(LaunchError::UnknownJob(job.clone()))
    }
    fn queue_depth(&self) -> u64 {
        0
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Users, 100,000 jobs with a docpack each (a tenth the benchmark user's,
/// half of them public), inserted in batches.
async fn seed(db: &Db, keyring: &Keyring) -> i64 {
    let mut first = 0;
    for u in 0..USERS {
        let p = GitHubProfile {
            id: 10 + u,
            login: format!("user{u}"),
            ..GitHubProfile::default()
        };
        let user = db.upsert_github_user(&p, None, keyring).await.unwrap();
        if u == 0 {
            first = user.id;
        }
    }
    let batch = 500;
    for start in (0..DOCPACKS).step_by(batch) {
        let rows = start..(start + batch).min(DOCPACKS);
        let mut jobs = String::from(
            "INSERT INTO jobs (id, owner_id, source, private, visibility, status, period, created_at, updated_at) VALUES ",
        );
        let mut packs = String::from(
            "INSERT INTO docpacks (job_id, owner_id, name, source, size_bytes, storage_key, visibility, created_at) VALUES ",
        );
        for (n, _) in rows.clone().enumerate() {
            let b = n * 4;
            if n > 0 {
                jobs.push(',');
                packs.push(',');
            }
            jobs.push_str(&format!("(${}, ${}, 'https://github.com/octo/demo', 0, ${}, 'succeeded', '2026-01', ${}, ${})", b + 1, b + 2, b + 3, b + 4, b + 4));
            packs.push_str(&format!("(${}, ${}, 'demo', 'https://github.com/octo/demo', 1234, 'jobs/x/pack/demo.docpack', ${}, ${})", b + 1, b + 2, b + 3, b + 4));
        }
        let mut tx = db.pool.begin().await.unwrap();
        for sql in [&jobs, &packs] {
            let mut q = sqlx::query(sql);
            for i in rows.clone() {
                let owner = first + (i as i64 % USERS);
                let visibility = if i % 2 == 0 { "public" } else { "private" };
                q = q
                    .bind(format!("job-{i:012}"))
                    .bind(owner)
                    .bind(visibility)
                    .bind(i as i64);
            }
            q.execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    first
}

/// `requests` requests, `concurrency` at a time: (requests/s, p50, p95, p99 in ms).
async fn measure<F, Fut>(requests: usize, concurrency: usize, make: F) -> (f64, f64, f64, f64)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = u16> + Send,
{
    let make = Arc::new(make);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (make, next) = (make.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= requests {
                    return latencies;
                }
                let t = Instant::now();
                let status = make(i).await;
                assert!(status < 300, "request {i} answered {status}");
                latencies.push(t.elapsed());
            }
        }));
    }
    let mut all: Vec<Duration> = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    let pct =
        |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)].as_secs_f64() * 1000.0;
    (requests as f64 / elapsed, pct(0.50), pct(0.95), pct(0.99))
}

async fn run(name: &str, url: &str) {
    let requests = env_usize("BENCH_REQUESTS", 2000);
    let concurrency = env_usize("BENCH_CONCURRENCY", 16);
    let mut config = AccountsConfig::default();
    for plan in [
        &mut config.plans.free,
        &mut config.plans.creator,
        &mut config.plans.team,
    ] {
        plan.jobs_per_month = u32::MAX as u64;
        plan.concurrent_jobs = u32::MAX as u64;
        plan.requests_per_minute = u32::MAX as u64;
    }
    config.max_connections = env_usize("BENCH_CONNECTIONS", 8) as u32;
    config.database_url = Some(url.to_string());
    let accounts = Arc::new(
        Accounts::open(config, std::path::Path::new("unused"))
            .await
            .unwrap(),
    );
    let t = Instant::now();
    let user = seed(&accounts.db, &accounts.config.keyring).await;
    eprintln!(
        "{name}: seeded {DOCPACKS} docpacks in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let (_, key) = accounts
        .db
        .create_key(user, "bench", &[Scope::Build])
        .await
        .unwrap();
    let facts = RepoFacts {
        full_name: "octo/demo".into(),
        github_id: Some(1),
        private: false,
        size_kb: 100,
        default_branch: None,
    };
    accounts.db.store_repo(&facts).await.unwrap();
    let store: Arc<dyn ObjectStore> = Arc::new(MemoryStore::new());
    let app = router(
        AppState::new(store, Arc::new(Accepting), TriggerConfig::default())
            .with_accounts(accounts.clone()),
    );
    let key = Arc::new(key);

    let (a, k) = (app.clone(), key.clone());
    let admit = measure(requests, concurrency, move |_| {
        let (app, key) = (a.clone(), k.clone());
        async move {
            let request = Request::post("/jobs")
                .header("authorization", format!("Bearer {key}"))
                .header("content-type", "application/json")
                .body(Body::from(r#"{"repo_url":"https://github.com/octo/demo"}"#))
                .unwrap();
            app.oneshot(request).await.unwrap().status().as_u16()
        }
    })
    .await;
    // The admitted jobs never run here: end them, as their runs would, so
    // that listings do not refresh thousands of jobs still "queued".
    sqlx::query("UPDATE jobs SET status = 'succeeded' WHERE status = 'queued'")
        .execute(&accounts.db.pool)
        .await
        .unwrap();
    let listing = |path: &'static str| {
        let (a, k) = (app.clone(), key.clone());
        move |i: usize| {
            let (app, key) = (a.clone(), k.clone());
            let uri = path.replace(
                "{cursor}",
                &format!("job-{:012}", DOCPACKS - 1 - (i * 37) % DOCPACKS),
            );
            async move {
                let request = Request::get(uri)
                    .header("authorization", format!("Bearer {key}"))
                    .body(Body::empty())
                    .unwrap();
                app.oneshot(request).await.unwrap().status().as_u16()
            }
        }
    };
    let mine = measure(requests, concurrency, listing("/docpacks?limit=20")).await;
    let gallery = measure(
        requests,
        concurrency,
        listing("/docpacks?scope=public&limit=20&cursor={cursor}"),
    )
    .await;
    for (what, (rps, p50, p95, p99)) in [
        ("POST /jobs admission", admit),
        ("GET /docpacks (mine, first page)", mine),
        ("GET /docpacks?scope=public (random cursor)", gallery),
    ] {
        println!("| {name} | {what} | {requests} | {concurrency} | {rps:.0} | {p50:.2} | {p95:.2} | {p99:.2} |");
    }
    accounts.db.pool.close().await;
}

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(bench());
}

async fn bench() {
    println!();
    println!("| database | request | requests | concurrency | req/s | p50 ms | p95 ms | p99 ms |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    let dir = tempfile::tempdir().unwrap();
    run("SQLite", &sqlite_url(&dir.path().join("bench.db"))).await;
    match std::env::var("DOCTOWN_TEST_DATABASE_URL") {
        Ok(base) => {
            let admin = Db::connect(&base, 1).await.unwrap();
            let name = format!("bench_{}", random_alnum(8));
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin.pool)
                .await
                .unwrap();
            let mut url = url::Url::parse(&base).unwrap();
            url.set_path(&format!("/{name}"));
            run("PostgreSQL", url.as_str()).await;
        }
        Err(_) => panic!(
            "DOCTOWN_TEST_DATABASE_URL is not set: scripts/bench-accounts.sh starts PostgreSQL"
        ),
    }
}
