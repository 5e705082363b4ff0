//! The distributed-runtime benchmark (`scripts/bench-distributed.sh`):
//! jobs per minute and per-stage latency with 1, 2 and 4 workers per stage
//! on S3 + SQS at a local endpoint (moto), and the overhead of the
//! distributed path against the in-process `Runner` on the same repository.
//! The stage handlers are the real ingest and the deterministic fakes, so
//! the numbers measure the runtime (queues, object store, state updates),
//! not embedding or language models. Prints Markdown.
//!
//! `doctown-bench-distributed --endpoint URL --repo DIR [--jobs 12] [--workers 1,2,4]`

use clap::Parser;
use doctown_core::{JobId, JobInput, JobState, Stage};
use doctown_ingest::IngestHandler;
use doctown_pipeline::{CancelToken, JitterStrategy, Machine, RetryPolicy, Runner, StageHandler};
use doctown_queue::{QueueNames, QueueSet, SqsConfig, SqsConnection};
use doctown_sources::GitHubConfig;
use doctown_store::LocalStore;
use doctown_store_s3::{S3Config, S3Store};
use doctown_worker::fakes::FakeStage;
use doctown_worker::{run_worker, submit_job, wait_for_job, WorkerConfig};
use std::sync::Arc;
use std::time::{Duration, Instant};
// The process's allocator (mimalloc).
use doctown_alloc as _;

#[derive(Parser, Debug)]
struct Args {
    #[arg(long)]
    endpoint: String,
    #[arg(long)]
    repo: std::path::PathBuf,
    #[arg(long, default_value_t = 12)]
    jobs: usize,
    #[arg(long, value_delimiter = ',', default_value = "1,2,4")]
    workers: Vec<usize>,
    #[arg(long, default_value_t = 200)]
    shard_size: usize,
}

fn input(args: &Args) -> JobInput {
    let mut input = JobInput {
        source: args.repo.display().to_string(),
        ..JobInput::default()
    };
    input.options.insert(
        "ingest".into(),
        serde_json::json!({"shard_size": args.shard_size, "chunk_events": false}),
    );
    input
}

fn machine() -> Machine {
    Machine::standard()
        .with_timeouts(Duration::from_secs(600), Duration::from_secs(5))
        .with_retry_all(RetryPolicy {
            interval: Duration::from_secs(1),
            max_attempts: 2,
            backoff_rate: 2.0,
            max_delay: Duration::from_secs(5),
            jitter: JitterStrategy::Full,
        })
}

fn ms(t: &str) -> u64 {
    humantime::parse_rfc3339(t)
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_millis() as u64)
}

/// Per stage: (mean run ms, mean wait ms before it started); and mean job ms.
fn latencies(states: &[JobState]) -> (Vec<(Stage, f64, f64)>, f64) {
    let mut rows = Vec::new();
    let n = states.len().max(1) as f64;
    for stage in Stage::ALL {
        let (mut run, mut wait) = (0.0, 0.0);
        for s in states {
            let st = s.stage(stage);
            let start = st.started_at.as_deref().map_or(0, ms);
            let end = st.finished_at.as_deref().map_or(0, ms);
            let ready = match stage {
                Stage::Ingest => ms(&s.created_at),
                other => {
                    let prev =
                        Stage::ALL[Stage::ALL.iter().position(|x| *x == other).unwrap_or(1) - 1];
                    s.stage(prev).finished_at.as_deref().map_or(0, ms)
                }
            };
            run += end.saturating_sub(start) as f64;
            wait += start.saturating_sub(ready) as f64;
        }
        rows.push((stage, run / n, wait / n));
    }
    let job = states
        .iter()
        .map(|s| ms(&s.updated_at).saturating_sub(ms(&s.created_at)) as f64)
        .sum::<f64>()
        / n;
    (rows, job)
}

fn handlers_run<R>(f: impl FnOnce(&[&dyn StageHandler]) -> R) -> R {
    let ingest = IngestHandler::new(GitHubConfig::default());
    let fakes = FakeStage::all_after_ingest();
    let mut handlers: Vec<&dyn StageHandler> = vec![&ingest];
    handlers.extend(fakes.iter().map(|f| f as &dyn StageHandler));
    f(&handlers)
}

fn distributed(
    args: &Args,
    workers: usize,
    jobs: usize,
    tag: &str,
) -> anyhow::Result<(f64, Vec<JobState>)> {
    let name = format!("bench-{tag}-{}", doctown_pipeline::now_ms());
    let store = Arc::new(S3Store::connect(
        &S3Config::local(args.endpoint.clone(), "doctown-bench").with_prefix(name.clone()),
    )?);
    store.ensure_bucket()?;
    let conn = SqsConnection::connect(&SqsConfig::local(args.endpoint.clone()))?;
    let queues = QueueSet::sqs(
        &conn,
        &QueueNames::new(format!("q-{name}")),
        5,
        Duration::from_secs(30),
    )?;
    let m = machine();
    let stop = CancelToken::default();
    let mut threads = Vec::new();
    for stage in Stage::ALL {
        for _ in 0..workers {
            let (store, queues, stop, m) = (store.clone(), queues.clone(), stop.clone(), m.clone());
            threads.push(std::thread::spawn(move || {
                let mut config = WorkerConfig::new(&[stage]);
                config.wait = Duration::from_secs(1);
                config.visibility = Duration::from_secs(30);
                config.machine = m;
                handlers_run(|h| run_worker(&config, h, store.as_ref(), &queues, &stop).map(|_| ()))
            }));
        }
    }
    let started = Instant::now();
    let ids: Vec<JobId> = (0..jobs)
        .map(|i| JobId::new(format!("job-{i:03}")).unwrap())
        .collect();
    for id in &ids {
        submit_job(store.as_ref(), &queues, &m, id.clone(), input(args))?;
    }
    let mut states = Vec::new();
    for id in &ids {
        let s = wait_for_job(
            store.as_ref(),
            id,
            Duration::from_secs(1200),
            Duration::from_millis(100),
        )?;
        anyhow::ensure!(
            s.status.is_terminal() && s.error.is_none(),
            "job {id}: {:?} {:?}",
            s.status,
            s.error
        );
        states.push(s);
    }
    let wall = started.elapsed().as_secs_f64();
    stop.cancel();
    for t in threads {
        let _ = t.join();
    }
    Ok((wall, states))
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // In-process reference: the same handlers, one after another.
    let dir = tempfile_dir()?;
    let local = LocalStore::open(&dir)?;
    let mut in_process = Vec::new();
    for i in 0..3 {
        let t = Instant::now();
        handlers_run(|h| -> anyhow::Result<()> {
            let runner = Runner::new(&local, h.to_vec());
            let job = JobId::new(format!("local-{i}")).unwrap();
            runner.submit(job.clone(), input(&args))?;
            runner.run(&job)?;
            Ok(())
        })?;
        in_process.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let local_ms = in_process.iter().cloned().fold(f64::MAX, f64::min);
    let (_, single) = distributed(&args, 1, 1, "single")?;
    let (_, single_job) = latencies(&single);

    println!("### Overhead against the in-process runner (one job)\n");
    println!("| path | job latency |\n|---|---|");
    println!("| in-process `Runner`, local store (best of 3) | {local_ms:.0} ms |");
    println!("| distributed, 1 worker per stage, S3 + SQS on moto | {single_job:.0} ms |");
    println!(
        "| overhead | {:.0} ms ({:.1}×) |\n",
        single_job - local_ms,
        single_job / local_ms.max(1.0)
    );

    println!(
        "### Throughput and per-stage latency ({} concurrent jobs)\n",
        args.jobs
    );
    println!(
        "| workers per stage | wall | jobs/min | mean job latency | {} |",
        Stage::ALL.map(|s| format!("{s} run / wait")).join(" | ")
    );
    println!("|---|---|---|---|{}", "---|".repeat(Stage::ALL.len()));
    for &w in &args.workers {
        let (wall, states) = distributed(&args, w, args.jobs, &format!("w{w}"))?;
        let (rows, job) = latencies(&states);
        let cells: Vec<String> = rows
            .iter()
            .map(|(_, run, wait)| format!("{run:.0} / {wait:.0} ms"))
            .collect();
        println!(
            "| {w} | {wall:.1} s | {:.1} | {job:.0} ms | {} |",
            args.jobs as f64 / wall * 60.0,
            cells.join(" | ")
        );
    }
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("doctown-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
