//! Runner behaviour: order, resume, failure, event numbering.

use super::*;
use crate::emitter::{read_events, MemorySink};
use doctown_core::events::ingest::IngestStarted;
use doctown_store::MemoryStore;
use std::sync::atomic::{AtomicU32, Ordering};

struct Fake {
    stage: Stage,
    fail_times: AtomicU32,
    runs: AtomicU32,
}

impl Fake {
    fn new(stage: Stage, fail_times: u32) -> Self {
        Fake {
            stage,
            fail_times: AtomicU32::new(fail_times),
            runs: AtomicU32::new(0),
        }
    }
}

impl StageHandler for Fake {
    fn stage(&self) -> Stage {
        self.stage
    }
    fn run(&self, ctx: &StageContext<'_>) -> Result<StageOutput, StageFailure> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        ctx.events.emit(&IngestStarted {
            source: self.stage.name().into(),
            git_ref: None,
            commit: None,
        });
        if self.fail_times.load(Ordering::SeqCst) > 0 {
            self.fail_times.fetch_sub(1, Ordering::SeqCst);
            if self.stage == Stage::Assemble {
                panic!("boom");
            }
            return Err(StageFailure::transient("flaky"));
        }
        let key = ctx.artifact_key(self.stage, "out.txt");
        ctx.store.put(&key, b"x")?;
        Ok(StageOutput::succeeded().with_artifact("out", key))
    }
}

#[test]
fn runs_stages_in_order_and_resumes_after_failure() {
    let store = MemoryStore::new();
    let ingest = Fake::new(Stage::Ingest, 0);
    let embed = Fake::new(Stage::Embed, 1);
    let sink = Arc::new(MemorySink::default());
    let runner = Runner::new(&store, vec![&embed, &ingest]).with_sink(sink.clone());
    let job = JobId::new("job-a").unwrap();
    runner.submit(job.clone(), JobInput::default()).unwrap();

    let err = runner.run(&job).unwrap_err();
    assert!(
        matches!(
            err,
            RunError::StageFailed {
                stage: Stage::Embed,
                ..
            }
        ),
        "{err}"
    );
    let state = load_state(&store, &job).unwrap().unwrap();
    assert_eq!(state.status, JobStatus::Failed);
    assert_eq!(state.stage(Stage::Ingest).status, StageStatus::Succeeded);
    assert_eq!(state.stage(Stage::Embed).status, StageStatus::Failed);
    assert!(state.stage(Stage::Embed).error.as_ref().unwrap().retryable);

    let state = runner.run(&job).unwrap();
    assert_eq!(state.status, JobStatus::Succeeded);
    assert_eq!(
        ingest.runs.load(Ordering::SeqCst),
        1,
        "resume must not redo finished stages"
    );
    assert_eq!(embed.runs.load(Ordering::SeqCst), 2);
    assert_eq!(state.stage(Stage::Embed).attempts, 2);

    let stored = read_events(&store, &job, None).unwrap();
    let live = sink.events();
    assert_eq!(stored, live);
    let seqs: Vec<u64> = stored.iter().map(|e| e.sequence).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(stored.last().unwrap().event_type, "job.completed.v1");
    assert_eq!(stored.last().unwrap().status, Some(JobStatus::Succeeded));
    assert_eq!(
        read_events(&store, &job, Some(seqs[1])).unwrap().len(),
        seqs.len() - 2
    );
}

#[test]
fn a_panicking_stage_fails_the_job_instead_of_the_process() {
    let store = MemoryStore::new();
    let assemble = Fake::new(Stage::Assemble, 1);
    let runner = Runner::new(&store, vec![&assemble]);
    let job = JobId::new("job-p").unwrap();
    runner.submit(job.clone(), JobInput::default()).unwrap();
    let err = runner.run(&job).unwrap_err().to_string();
    assert!(err.contains("internal error: boom"), "{err}");
}

#[test]
fn run_stage_reruns_a_finished_stage() {
    let store = MemoryStore::new();
    let ingest = Fake::new(Stage::Ingest, 0);
    let runner = Runner::new(&store, vec![&ingest]);
    let job = JobId::new("job-r").unwrap();
    runner.submit(job.clone(), JobInput::default()).unwrap();
    runner.run(&job).unwrap();
    runner.run_stage(&job, Stage::Ingest).unwrap();
    assert_eq!(ingest.runs.load(Ordering::SeqCst), 2);
    assert!(matches!(
        runner.run_stage(&job, Stage::Pack),
        Err(RunError::NoHandler(Stage::Pack))
    ));
    assert!(matches!(
        runner.run(&JobId::new("nope").unwrap()),
        Err(RunError::UnknownJob(_))
    ));
}

/// A rerun of a stage replaces what the later stages were made from: they
/// are set back to pending, so that resuming the job makes them again,
/// also after a rerun that failed (it may have written part of its
/// output); a rerun of the last stage sets nothing back.
#[test]
fn run_stage_sets_the_later_stages_back_to_pending() {
    let store = MemoryStore::new();
    let fakes: Vec<Fake> = Stage::ALL.into_iter().map(|s| Fake::new(s, 0)).collect();
    let [ingest, _, assemble, _, pack] = &fakes[..] else {
        unreachable!()
    };
    let runner = Runner::new(
        &store,
        fakes.iter().map(|f| f as &dyn StageHandler).collect(),
    );
    let job = JobId::new("job-s").unwrap();
    runner.submit(job.clone(), JobInput::default()).unwrap();
    runner.run(&job).unwrap();

    let after = runner.run_stage(&job, Stage::Pack).unwrap();
    assert_eq!(after.next_stage(), None);
    assert_eq!(runner.complete(&job).unwrap().status, JobStatus::Succeeded);

    let after = runner.run_stage(&job, Stage::Ingest).unwrap();
    assert_eq!(after.stage(Stage::Ingest).status, StageStatus::Succeeded);
    for stage in [Stage::Embed, Stage::Assemble, Stage::Generate, Stage::Pack] {
        assert_eq!(after.stage(stage).status, StageStatus::Pending, "{stage}");
        assert!(after.stage(stage).artifacts.is_empty(), "{stage}");
    }
    let done = runner.run(&job).unwrap();
    assert_eq!(done.status, JobStatus::Succeeded);
    assert_eq!(assemble.runs.load(Ordering::SeqCst), 2);
    assert_eq!(pack.runs.load(Ordering::SeqCst), 3);

    ingest.fail_times.store(1, Ordering::SeqCst);
    assert!(runner.run_stage(&job, Stage::Ingest).is_err());
    let state = load_state(&store, &job).unwrap().unwrap();
    assert_eq!(state.stage(Stage::Ingest).status, StageStatus::Failed);
    assert_eq!(state.stage(Stage::Assemble).status, StageStatus::Pending);
    assert_eq!(runner.run(&job).unwrap().status, JobStatus::Succeeded);
    assert_eq!(assemble.runs.load(Ordering::SeqCst), 3);
}

/// A queue redelivers a unit that another attempt finished meanwhile (a
/// lapsed visibility timeout under slow storage): the late attempt must
/// neither mark it running again — a fan-in reading the state would see a
/// shard not done — nor run the handler.
#[test]
fn a_unit_finished_by_another_attempt_is_not_run_again() {
    let store = MemoryStore::new();
    let ingest = Fake::new(Stage::Ingest, 0);
    let runner = Runner::new(&store, vec![&ingest]);
    let job = JobId::new("job-d").unwrap();
    runner.submit(job.clone(), JobInput::default()).unwrap();
    runner.run(&job).unwrap();
    let before = load_state(&store, &job).unwrap().unwrap();

    let exec = Execution::new(&store, &ingest, &job);
    let after = execute(&exec).unwrap();
    assert_eq!(
        ingest.runs.load(Ordering::SeqCst),
        1,
        "the handler ran again"
    );
    let st = after.stage(Stage::Ingest);
    assert_eq!(st.status, StageStatus::Succeeded);
    assert_eq!(st.attempts, before.stage(Stage::Ingest).attempts);
    assert_eq!(st.finished_at, before.stage(Stage::Ingest).finished_at);
}

/// Two attempts overlap: the second starts before the first records its
/// success, then fails. The success stands.
#[test]
fn a_late_failure_does_not_overwrite_a_success() {
    struct FinishesOtherAttempt<'a> {
        store: &'a MemoryStore,
        job: JobId,
    }
    impl StageHandler for FinishesOtherAttempt<'_> {
        fn stage(&self) -> Stage {
            Stage::Ingest
        }
        fn run(&self, _ctx: &StageContext<'_>) -> Result<StageOutput, StageFailure> {
            // The overlapping attempt records its success while this one runs.
            doctown_store::update_state(self.store, &self.job, |s| {
                s.stage_mut(Stage::Ingest).status = StageStatus::Succeeded;
            })
            .unwrap();
            Err(StageFailure::transient("lost its lease"))
        }
    }
    let store = MemoryStore::new();
    let job = JobId::new("job-o").unwrap();
    let runner = Runner::new(&store, vec![]);
    runner.submit(job.clone(), JobInput::default()).unwrap();
    let handler = FinishesOtherAttempt {
        store: &store,
        job: job.clone(),
    };
    let state = execute(&Execution::new(&store, &handler, &job)).unwrap();
    assert_eq!(state.stage(Stage::Ingest).status, StageStatus::Succeeded);
    assert!(state.stage(Stage::Ingest).error.is_none());

    // A deliberate rerun records what it got.
    let mut exec = Execution::new(&store, &handler, &job);
    exec.rerun = true;
    assert!(matches!(execute(&exec), Err(RunError::StageFailed { .. })));
}

/// A duplicate message read the job as running, and the job finished
/// before its attempt was recorded: the attempt neither runs nor sets the
/// finished job back to running.
#[test]
fn a_duplicate_does_not_reopen_a_finished_job() {
    let store = MemoryStore::new();
    let job = JobId::new("job-f").unwrap();
    let runner = Runner::new(&store, vec![]);
    runner.submit(job.clone(), JobInput::default()).unwrap();
    doctown_store::update_state(&store, &job, |s| s.status = JobStatus::Succeeded).unwrap();
    let pack = Fake::new(Stage::Pack, 0);
    let state = execute(&Execution::new(&store, &pack, &job)).unwrap();
    assert_eq!(state.status, JobStatus::Succeeded);
    assert_eq!(pack.runs.load(Ordering::SeqCst), 0, "the stage did not run");
    assert_eq!(state.stage(Stage::Pack).attempts, 0);
}
