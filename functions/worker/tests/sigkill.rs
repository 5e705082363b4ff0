//! A worker process killed with SIGKILL in the middle of a stage: its
//! message comes back after the visibility timeout, another process runs
//! the unit again, and the job completes with nothing lost or duplicated.
//! Real processes (`doctown-test-worker`) on moto.

mod common;

use common::*;
use doctown_core::{JobId, JobStatus, Stage, StageStatus};
use doctown_pipeline::read_events;
use doctown_store::load_state;
use doctown_worker::{submit_job, wait_for_job};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Workers(Vec<Child>);

impl Drop for Workers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn spawn(d: &Deployment, stages: &[Stage], extra: &[&str]) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_doctown-test-worker"));
    cmd.args([
        "--endpoint",
        &d.endpoint,
        "--bucket",
        BUCKET,
        "--prefix",
        &d.prefix,
    ])
    .args(["--queues", &d.queue_prefix, "--concurrency", "1"])
    .args([
        "--heartbeat-ms",
        "500",
        "--visibility-ms",
        "3000",
        "--wait-ms",
        "500",
    ])
    .args(extra)
    .stdout(Stdio::null())
    .stderr(Stdio::inherit());
    for s in stages {
        cmd.args(["--stage", s.name()]);
    }
    cmd.spawn().expect("start doctown-test-worker")
}

#[test]
#[ignore = "needs a local S3/SQS server (DOCTOWN_TEST_S3_ENDPOINT; scripts/test.sh starts moto)"]
fn a_worker_killed_mid_stage_loses_nothing() {
    let endpoint = endpoint("sigkill");
    let d = deployment(&endpoint, "kill", 5, Duration::from_secs(3));
    let m = machine(2, Duration::from_millis(500));
    let others = [Stage::Ingest, Stage::Assemble, Stage::Generate, Stage::Pack];
    let mut workers = Workers(vec![spawn(&d, &others, &[]), spawn(&d, &others, &[])]);
    // The only embed worker at first: slow, so it is mid-shard when killed.
    let mut victim = spawn(&d, &[Stage::Embed], &["--slow", "embed=4000"]);

    let job = JobId::new("killed").unwrap();
    let input = input(&fixture(), 1000);
    submit_job(d.store.as_ref(), &d.queues, &m, job.clone(), input.clone()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let state = load_state(d.store.as_ref(), &job).unwrap().unwrap();
        let running = state
            .stage(Stage::Embed)
            .shards
            .values()
            .any(|s| s.status == StageStatus::Running);
        if running {
            break;
        }
        assert!(Instant::now() < deadline, "embed never started: {state:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    victim.kill().unwrap(); // SIGKILL
    victim.wait().unwrap();
    let killed_at = Instant::now();

    // Two fresh embed workers take over once the message is visible again.
    workers.0.push(spawn(&d, &[Stage::Embed], &[]));
    workers.0.push(spawn(&d, &[Stage::Embed], &[]));
    let state = wait_for_job(
        d.store.as_ref(),
        &job,
        Duration::from_secs(90),
        Duration::from_millis(200),
    )
    .unwrap();
    assert_eq!(state.status, JobStatus::Succeeded, "{:?}", state.error);
    assert!(
        killed_at.elapsed() >= Duration::from_secs(1),
        "finished before the visibility timeout could pass"
    );
    let embed = state.stage(Stage::Embed);
    assert_eq!(embed.fan_out, Some(1));
    assert_eq!(embed.shards[&0].attempts, 2, "killed once, run again once");
    assert_eq!(embed.attempts, 1, "one fan-in");
    for stage in [Stage::Ingest, Stage::Assemble, Stage::Generate, Stage::Pack] {
        assert_eq!(state.stage(stage).attempts, 1, "{stage} ran once");
    }
    let (reference, _) = reference_run(&job, input);
    let ours: std::collections::BTreeMap<_, _> =
        artifacts(d.store.as_ref(), &job).into_iter().collect();
    for (key, bytes) in artifacts(&reference, &job) {
        assert!(
            ours.get(&key) == Some(&bytes),
            "{key} differs or is missing"
        );
    }
    let completed = read_events(d.store.as_ref(), &job, None)
        .unwrap()
        .into_iter()
        .filter(|e| e.is_terminal())
        .count();
    assert_eq!(completed, 1, "one job.completed event");
    let dead = d
        .queues
        .dead_letter()
        .receive(10, Duration::from_secs(1), Duration::from_secs(30))
        .unwrap();
    assert!(dead.is_empty(), "{dead:?}");
    assert_queues_drain(&d, Duration::ZERO);
}
