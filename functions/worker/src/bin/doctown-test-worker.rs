//! A worker process for the reliability tests and the distributed
//! benchmark: the real ingest handler plus the deterministic fakes of
//! `doctown_worker::fakes`, on S3 + SQS at a local endpoint (moto).
//!
//! ```text
//! doctown-test-worker --endpoint http://127.0.0.1:5055 --bucket B --prefix P \
//!     --queues Q --stage ingest --stage embed [--concurrency 2] \
//!     [--heartbeat-ms 1000] [--visibility-ms 3000] [--slow embed=2000] [--fail pack]
//! ```
//! Runs until SIGTERM/SIGINT (then drains) or `--idle-exit-ms` without work.

use clap::Parser;
use doctown_core::Stage;
use doctown_ingest::IngestHandler;
use doctown_pipeline::{CancelToken, JitterStrategy, Machine, RetryPolicy, StageHandler};
use doctown_queue::{QueueNames, QueueSet, SqsConfig, SqsConnection};
use doctown_sources::GitHubConfig;
use doctown_store_s3::{S3Config, S3Store};
use doctown_worker::fakes::FakeStage;
use doctown_worker::{run_worker, stop_on_signals, WorkerConfig};
use std::time::Duration;
// The process's allocator (mimalloc).
use doctown_alloc as _;

#[derive(Parser, Debug)]
struct Args {
    #[arg(long)]
    endpoint: String,
    #[arg(long)]
    bucket: String,
    #[arg(long, default_value = "")]
    prefix: String,
    #[arg(long, default_value = "doctown")]
    queues: String,
    #[arg(long = "stage", required = true)]
    stages: Vec<Stage>,
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
    #[arg(long, default_value_t = 1000)]
    heartbeat_ms: u64,
    #[arg(long, default_value_t = 3000)]
    visibility_ms: u64,
    #[arg(long, default_value_t = 1000)]
    wait_ms: u64,
    #[arg(long, default_value_t = 2)]
    retries: u32,
    #[arg(long, default_value_t = 5)]
    max_receives: u32,
    /// `STAGE=MS`: the fake stage sleeps this long first.
    #[arg(long = "slow")]
    slow: Vec<String>,
    /// A stage whose fake always fails (retryably).
    #[arg(long = "fail")]
    fail: Vec<Stage>,
}

/// The machine the tests run: fast retries and heartbeats.
fn machine(args: &Args) -> Machine {
    Machine::standard()
        .with_timeouts(
            Duration::from_secs(120),
            Duration::from_millis(args.heartbeat_ms),
        )
        .with_retry_all(RetryPolicy {
            interval: Duration::from_secs(1),
            max_attempts: args.retries,
            backoff_rate: 1.0,
            max_delay: Duration::from_secs(1),
            jitter: JitterStrategy::None,
        })
}

fn main() -> anyhow::Result<()> {
    doctown_config::init()?;
    tracing_subscriber::fmt()
        .with_env_filter(
            doctown_config::var("DOCTOWN_LOG")
                .and_then(|f| tracing_subscriber::EnvFilter::try_new(f).ok())
                .unwrap_or_else(|| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let store = S3Store::connect(
        &S3Config::local(args.endpoint.clone(), args.bucket.clone())
            .with_prefix(args.prefix.clone()),
    )?;
    let conn = SqsConnection::connect(&SqsConfig::local(args.endpoint.clone()))?;
    let queues = QueueSet::sqs(
        &conn,
        &QueueNames::new(args.queues.clone()),
        args.max_receives,
        Duration::from_millis(args.visibility_ms),
    )?;
    let ingest = IngestHandler::new(GitHubConfig::default());
    let fakes: Vec<FakeStage> = FakeStage::all_after_ingest()
        .into_iter()
        .map(|mut f| {
            for spec in &args.slow {
                if let Some((stage, ms)) = spec.split_once('=') {
                    if stage == f.stage.name() {
                        f.delay = Duration::from_millis(ms.parse().unwrap_or(0));
                    }
                }
            }
            f.fail = args.fail.contains(&f.stage);
            f
        })
        .collect();
    let mut handlers: Vec<&dyn StageHandler> = vec![&ingest];
    handlers.extend(fakes.iter().map(|f| f as &dyn StageHandler));
    let mut config = WorkerConfig::new(&args.stages);
    config.concurrency = args.concurrency;
    config.wait = Duration::from_millis(args.wait_ms);
    config.visibility = Duration::from_millis(args.visibility_ms);
    config.machine = machine(&args);
    let stop = CancelToken::default();
    stop_on_signals(stop.clone())?;
    eprintln!("ready: {:?} pid {}", args.stages, std::process::id());
    run_worker(&config, &handlers, &store, &queues, &stop)?;
    Ok(())
}
