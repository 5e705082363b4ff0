//! The distributed path on moto (S3 + SQS on loopback) with several worker
//! threads per stage: completion and byte-identical artifacts, concurrent
//! jobs, retries then the dead-letter queue, malformed messages, racing
//! state updates.

mod common;

use common::*;
use doctown_core::{JobId, JobStatus, Stage, StageStatus};
use doctown_pipeline::{read_events, CancelToken};
use doctown_queue::{DeadLetter, Queue};
use doctown_store::{load_state, ObjectStore};
use doctown_worker::{submit_job, wait_for_job};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(200);

fn drain(queue: &dyn Queue) -> Vec<DeadLetter> {
    let mut out = Vec::new();
    loop {
        let got = queue
            .receive(10, Duration::from_secs(1), Duration::from_secs(30))
            .unwrap();
        if got.is_empty() {
            return out;
        }
        for m in got {
            out.push(DeadLetter::parse(&m.body));
            queue.delete(&m.receipt).unwrap();
        }
    }
}

fn stop_all(stop: CancelToken, threads: Vec<std::thread::JoinHandle<()>>) {
    stop.cancel();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
#[ignore = "needs a local S3/SQS server (DOCTOWN_TEST_S3_ENDPOINT; scripts/test.sh starts moto)"]
fn a_job_completes_through_the_queues_with_the_in_process_bytes() {
    let endpoint = endpoint("byte_identical");
    let d = deployment(&endpoint, "bytes", 5, Duration::from_secs(5));
    let m = machine(2, Duration::from_secs(1));
    let stop = CancelToken::default();
    let threads = spawn_workers(d.store.clone(), &d.queues, &m, 2, None, &stop);
    let input = input(&fixture(), 4);
    let job = JobId::new("bytes").unwrap();
    submit_job(d.store.as_ref(), &d.queues, &m, job.clone(), input.clone()).unwrap();
    let state = wait_for_job(d.store.as_ref(), &job, WAIT, POLL).unwrap();
    stop_all(stop, threads);
    assert_eq!(state.status, JobStatus::Succeeded, "{:?}", state.error);
    let embed = state.stage(Stage::Embed);
    assert!(
        embed.fan_out.unwrap() > 1,
        "embed should fan out: {embed:?}"
    );
    assert!(embed
        .shards
        .values()
        .all(|s| s.status == StageStatus::Succeeded));

    let (reference, ref_state) = reference_run(&job, input);
    assert_eq!(ref_state.status, JobStatus::Succeeded);
    let ref_job = &ref_state.job_id;
    let ours: std::collections::BTreeMap<_, _> =
        artifacts(d.store.as_ref(), &job).into_iter().collect();
    let theirs = artifacts(&reference, ref_job);
    assert!(theirs.iter().any(|(k, _)| k.ends_with(".docpack")));
    for (key, bytes) in &theirs {
        let Some(mine) = ours.get(key) else {
            panic!("distributed run lacks {key}");
        };
        assert!(
            mine == bytes,
            "{key} differs between the in-process and distributed runs"
        );
    }
    let completed = read_events(d.store.as_ref(), &job, None)
        .unwrap()
        .into_iter()
        .filter(|e| e.is_terminal())
        .count();
    assert_eq!(completed, 1);
    assert!(drain(d.queues.dead_letter().as_ref()).is_empty());
}

#[test]
#[ignore = "needs a local S3/SQS server (DOCTOWN_TEST_S3_ENDPOINT; scripts/test.sh starts moto)"]
fn twenty_concurrent_jobs_complete() {
    let endpoint = endpoint("twenty_jobs");
    let d = deployment(&endpoint, "twenty", 5, Duration::from_secs(5));
    let m = machine(2, Duration::from_secs(1));
    let stop = CancelToken::default();
    let threads = spawn_workers(d.store.clone(), &d.queues, &m, 2, None, &stop);
    let jobs: Vec<JobId> = (0..20)
        .map(|i| JobId::new(format!("job-{i:02}")).unwrap())
        .collect();
    for job in &jobs {
        submit_job(
            d.store.as_ref(),
            &d.queues,
            &m,
            job.clone(),
            input(&fixture(), 8),
        )
        .unwrap();
    }
    let mut docpacks = Vec::new();
    for job in &jobs {
        let state = wait_for_job(d.store.as_ref(), job, WAIT, POLL).unwrap();
        assert_eq!(
            state.status,
            JobStatus::Succeeded,
            "{job}: {:?}",
            state.error
        );
        let key = state
            .stage(Stage::Pack)
            .artifacts
            .values()
            .next()
            .unwrap()
            .clone();
        docpacks.push(d.store.get(&key).unwrap().unwrap().bytes);
    }
    stop_all(stop, threads);
    assert!(
        docpacks.windows(2).all(|w| w[0] == w[1]),
        "same input, same docpack"
    );
    assert!(drain(d.queues.dead_letter().as_ref()).is_empty());
}

#[test]
#[ignore = "needs a local S3/SQS server (DOCTOWN_TEST_S3_ENDPOINT; scripts/test.sh starts moto)"]
fn a_failing_stage_is_retried_per_policy_then_dead_lettered() {
    let endpoint = endpoint("always_fails");
    let d = deployment(&endpoint, "fails", 10, Duration::from_secs(5));
    let m = machine(2, Duration::from_secs(1));
    let stop = CancelToken::default();
    let threads = spawn_workers(
        d.store.clone(),
        &d.queues,
        &m,
        2,
        Some(Stage::Generate),
        &stop,
    );
    let job = JobId::new("doomed").unwrap();
    submit_job(
        d.store.as_ref(),
        &d.queues,
        &m,
        job.clone(),
        input(&fixture(), 50),
    )
    .unwrap();
    let state = wait_for_job(d.store.as_ref(), &job, WAIT, POLL).unwrap();
    // Give a stray duplicate a moment to show up if there were one.
    std::thread::sleep(Duration::from_secs(2));
    stop_all(stop, threads);
    assert_eq!(state.status, JobStatus::Failed);
    let generate = state.stage(Stage::Generate);
    assert_eq!(generate.status, StageStatus::Failed);
    assert_eq!(generate.attempts, 3, "first try + 2 retries");
    assert_eq!(
        state.error.as_deref(),
        Some("generate: generate always fails (after 3 attempts)")
    );
    assert_eq!(state.stage(Stage::Pack).status, StageStatus::Pending);
    let dead = drain(d.queues.dead_letter().as_ref());
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0].job_id.as_ref(), Some(&job));
    assert!(dead[0].reason.contains("after 3 attempts"));
    assert!(dead[0].body.contains("\"attempt\":3"), "{}", dead[0].body);
}

#[test]
#[ignore = "needs a local S3/SQS server (DOCTOWN_TEST_S3_ENDPOINT; scripts/test.sh starts moto)"]
fn malformed_messages_go_to_the_dead_letter_queue_and_work_goes_on() {
    let endpoint = endpoint("malformed");
    let d = deployment(&endpoint, "junk", 5, Duration::from_secs(5));
    let m = machine(2, Duration::from_secs(1));
    let ingest = d.queues.stage(Stage::Ingest).unwrap();
    let embed = d.queues.stage(Stage::Embed).unwrap();
    for body in [
        "not json",
        r#"{"v":9,"job_id":"x","stage":"ingest","attempt":1}"#,
        r#"{"v":1,"job_id":"no-such-job","stage":"ingest","attempt":1}"#,
        &"{".repeat(30_000),
    ] {
        ingest.send(body, Duration::ZERO).unwrap();
    }
    embed.send("[1,2,3]", Duration::ZERO).unwrap();
    let stop = CancelToken::default();
    let threads = spawn_workers(d.store.clone(), &d.queues, &m, 2, None, &stop);
    let job = JobId::new("after-junk").unwrap();
    submit_job(
        d.store.as_ref(),
        &d.queues,
        &m,
        job.clone(),
        input(&fixture(), 50),
    )
    .unwrap();
    let state = wait_for_job(d.store.as_ref(), &job, WAIT, POLL).unwrap();
    std::thread::sleep(Duration::from_secs(1));
    stop_all(stop, threads);
    assert_eq!(state.status, JobStatus::Succeeded, "{:?}", state.error);
    let mut dead = drain(d.queues.dead_letter().as_ref());
    dead.sort_by_key(|d| d.body.len());
    assert_eq!(dead.len(), 5, "{dead:#?}");
    let reasons: Vec<&str> = dead.iter().map(|d| d.reason.as_str()).collect();
    assert!(
        reasons.iter().any(|r| r.contains("not a stage message")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("version 9")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("no-such-job not found")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("too large")),
        "{reasons:?}"
    );
}

#[test]
#[ignore = "needs a local S3/SQS server (DOCTOWN_TEST_S3_ENDPOINT; scripts/test.sh starts moto)"]
fn racing_workers_lose_no_state_update() {
    let endpoint = endpoint("racing");
    let d = deployment(&endpoint, "race", 5, Duration::from_secs(5));
    let m = machine(2, Duration::from_secs(1));
    let stop = CancelToken::default();
    // Four embed workers finish tiny shards at the same time, all writing
    // the same state document.
    let threads = spawn_workers(d.store.clone(), &d.queues, &m, 4, None, &stop);
    let job = JobId::new("race").unwrap();
    submit_job(
        d.store.as_ref(),
        &d.queues,
        &m,
        job.clone(),
        input(&fixture(), 1),
    )
    .unwrap();
    // A duplicate of the first message races the original.
    let dup = doctown_queue::StageMessage::new(job.clone(), Stage::Ingest, None, 1);
    d.queues
        .stage(Stage::Ingest)
        .unwrap()
        .send(&dup.to_body(), Duration::ZERO)
        .unwrap();
    let state = wait_for_job(d.store.as_ref(), &job, WAIT, POLL).unwrap();
    std::thread::sleep(Duration::from_secs(1));
    stop_all(stop, threads);
    assert_eq!(state.status, JobStatus::Succeeded, "{:?}", state.error);
    let embed = state.stage(Stage::Embed);
    let n = embed.fan_out.unwrap();
    assert!(n >= 10, "want many shards, got {n}");
    assert_eq!(embed.shards.len() as u32, n);
    for (i, shard) in &embed.shards {
        assert_eq!(shard.status, StageStatus::Succeeded, "shard {i}");
        assert_eq!(shard.artifacts.len(), 1, "shard {i}");
    }
    let events = read_events(d.store.as_ref(), &job, None).unwrap();
    let seqs: std::collections::BTreeSet<u64> = events.iter().map(|e| e.sequence).collect();
    assert_eq!(
        seqs.len(),
        events.len(),
        "event sequence numbers are unique"
    );
    let final_state = load_state(d.store.as_ref(), &job).unwrap().unwrap();
    assert_eq!(final_state.status, JobStatus::Succeeded);
}
