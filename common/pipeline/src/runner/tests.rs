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
