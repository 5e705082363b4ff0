//! The machine's transitions, retry arithmetic and its documentation.

use super::*;
use doctown_core::state::StageError;
use doctown_core::{JobId, JobInput};

fn job() -> JobState {
    JobState::new(JobId::new("m").unwrap(), JobInput::default(), "t".into())
}

fn done(state: &mut JobState, stage: Stage) {
    let st = state.stage_mut(stage);
    st.status = StageStatus::Succeeded;
    st.attempts = 1;
}

fn fail(state: &mut JobState, stage: Stage, attempts: u32, retryable: bool) {
    let st = state.stage_mut(stage);
    st.status = StageStatus::Failed;
    st.attempts = attempts;
    st.error = Some(StageError {
        message: "boom".into(),
        retryable,
    });
}

#[test]
fn delay_follows_step_functions() {
    let p = RetryPolicy {
        interval: Duration::from_secs(2),
        max_attempts: 5,
        backoff_rate: 3.0,
        max_delay: Duration::from_secs(40),
        jitter: JitterStrategy::None,
    };
    let delays: Vec<u64> = (1..=5).map(|n| p.delay(n).as_secs()).collect();
    assert_eq!(delays, vec![2, 6, 18, 40, 40]);
    assert_eq!(p.jittered(3, 0.9), Duration::from_secs(18));
    let full = RetryPolicy {
        jitter: JitterStrategy::Full,
        ..p
    };
    assert_eq!(full.jittered(3, 0.5), Duration::from_secs(9));
    assert_eq!(full.jittered(3, 0.0), Duration::ZERO);
    assert!(full.jittered(u32::MAX, 7.0) <= Duration::from_secs(40));
}

#[test]
fn stages_chain_in_order_and_complete() {
    let m = Machine::standard().with_fan_out(Stage::Embed, FanOut::None);
    let mut s = job();
    assert_eq!(m.after(&s, Task::whole(Stage::Ingest), 0.5), Step::Wait);
    done(&mut s, Stage::Ingest);
    assert_eq!(
        m.after(&s, Task::whole(Stage::Ingest), 0.5),
        Step::Start(vec![Task::whole(Stage::Embed)])
    );
    s.stage_mut(Stage::Embed).attempts = 1;
    s.stage_mut(Stage::Embed).status = StageStatus::Running;
    // A duplicate of ingest's message must not start embed twice.
    assert_eq!(m.after(&s, Task::whole(Stage::Ingest), 0.5), Step::Wait);
    for stage in Stage::ALL {
        done(&mut s, stage);
    }
    assert_eq!(
        m.after(&s, Task::whole(Stage::Pack), 0.5),
        Step::Complete(JobStatus::Succeeded)
    );
    s.stage_mut(Stage::Generate).status = StageStatus::Partial;
    assert_eq!(
        m.after(&s, Task::whole(Stage::Pack), 0.5),
        Step::Complete(JobStatus::Partial)
    );
    s.status = JobStatus::Cancelled;
    assert_eq!(m.after(&s, Task::whole(Stage::Pack), 0.5), Step::Wait);
}

#[test]
fn fan_out_then_fan_in() {
    let m = Machine::standard();
    let mut s = job();
    done(&mut s, Stage::Ingest);
    assert_eq!(
        m.after(&s, Task::whole(Stage::Ingest), 0.5),
        Step::FanOut(Stage::Embed)
    );
    Machine::plan_fan_out(&mut s, Stage::Embed, 3);
    Machine::plan_fan_out(&mut s, Stage::Embed, 9); // duplicate: ignored
    let shard = |i| Task {
        stage: Stage::Embed,
        shard: Some(i),
    };
    assert_eq!(
        m.after(&s, Task::whole(Stage::Ingest), 0.5),
        Step::Start(vec![shard(0), shard(1), shard(2)])
    );
    for i in 0..3 {
        let sh = s.stage_mut(Stage::Embed).shards.get_mut(&i).unwrap();
        sh.status = StageStatus::Succeeded;
        sh.attempts = 1;
        let expect = if i < 2 {
            Step::Wait
        } else {
            Step::Start(vec![Task::whole(Stage::Embed)])
        };
        assert_eq!(m.after(&s, shard(i), 0.5), expect, "shard {i}");
    }
    assert_eq!(Unit::of(&s, Stage::Embed, None), Unit::Merge);
    s.stage_mut(Stage::Embed).attempts = 1;
    assert_eq!(
        m.after(&s, shard(2), 0.5),
        Step::Wait,
        "merge already started"
    );
    done(&mut s, Stage::Embed);
    assert_eq!(
        m.after(&s, Task::whole(Stage::Embed), 0.5),
        Step::Start(vec![Task::whole(Stage::Assemble)])
    );
    let mut empty = job();
    done(&mut empty, Stage::Ingest);
    Machine::plan_fan_out(&mut empty, Stage::Embed, 0);
    assert_eq!(
        Machine::pending_tasks(&empty, Stage::Embed),
        vec![Task::whole(Stage::Embed)]
    );
}

#[test]
fn failures_retry_per_policy_then_fail() {
    let m = Machine::standard().with_retry(
        Stage::Assemble,
        RetryPolicy {
            interval: Duration::from_secs(1),
            max_attempts: 2,
            backoff_rate: 2.0,
            max_delay: Duration::from_secs(10),
            jitter: JitterStrategy::None,
        },
    );
    let mut s = job();
    let t = Task::whole(Stage::Assemble);
    fail(&mut s, Stage::Assemble, 1, true);
    assert_eq!(
        m.after(&s, t, 0.5),
        Step::Retry {
            task: t,
            retry: 1,
            delay: Duration::from_secs(1)
        }
    );
    fail(&mut s, Stage::Assemble, 2, true);
    assert!(
        matches!(m.after(&s, t, 0.5), Step::Retry { retry: 2, delay, .. } if delay == Duration::from_secs(2))
    );
    assert!(!m.attempts_exhausted(&s, t));
    fail(&mut s, Stage::Assemble, 3, true);
    assert!(m.attempts_exhausted(&s, t));
    match m.after(&s, t, 0.5) {
        Step::Fail { error } => assert_eq!(error, "assemble: boom (after 3 attempts)"),
        other => panic!("{other:?}"),
    }
    fail(&mut s, Stage::Assemble, 1, false);
    assert!(matches!(m.after(&s, t, 0.5), Step::Fail { error } if error.contains("not retryable")));
}

#[test]
fn the_documentation_shows_this_machine() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/STATE_MACHINE.md"
    ))
    .expect("docs/STATE_MACHINE.md exists");
    let table = Machine::standard().table_markdown();
    assert!(
        doc.contains(&table),
        "docs/STATE_MACHINE.md is out of date; paste this table:\n{table}"
    );
}
