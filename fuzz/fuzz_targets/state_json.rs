//! The job state document (`jobs/<job>/state.json`, read by every host from
//! the object store) and the job input inside it: `JobState` from JSON, a
//! serialise/parse round trip, then the distributed hosts' state machine
//! (`Machine::standard()`) asked what comes next for every stage and shard
//! the document names, and the trigger's reading of `input.options`.
//!
//! Checks: no panic; the round trip gives the same document back (floats
//! in summaries to within serde_json's parsing precision).

#![no_main]

use doctown_core::{JobInput, JobState, Stage};
use doctown_pipeline::{Machine, Task};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::sync::OnceLock;

/// Equal JSON, floats within a relative 1e-12.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            x == y || (x - y).abs() <= 1e-12 * x.abs().max(y.abs())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && same(vx, vy))
        }
        _ => a == b,
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(input) = serde_json::from_slice::<JobInput>(data) {
        let _ = doctown_trigger::installation_id(&input);
    }
    let Ok(state) = serde_json::from_slice::<JobState>(data) else {
        return;
    };
    let text = serde_json::to_vec(&state).expect("a parsed state serialises");
    let again: JobState = serde_json::from_slice(&text).expect("a serialised state parses");
    // serde_json (without its `float_roundtrip` feature) may read a float
    // back 1 ULP off, so numbers in the free-form summaries compare with a
    // relative tolerance; everything else must be identical.
    let (a, b) = (
        serde_json::to_value(&state).unwrap(),
        serde_json::to_value(&again).unwrap(),
    );
    assert!(same(&a, &b), "round trip changed the state:\n{a}\n{b}");

    static MACHINE: OnceLock<Machine> = OnceLock::new();
    let machine = MACHINE.get_or_init(Machine::standard);
    let _ = state.next_stage();
    for stage in Stage::ALL {
        let _ = state.stage(stage);
        let pending = Machine::pending_tasks(&state, stage);
        let mut tasks = vec![Task::whole(stage)];
        tasks.extend(pending.into_iter().take(8));
        tasks.extend((0..3).map(|shard| Task {
            stage,
            shard: Some(shard),
        }));
        for task in tasks {
            let _ = machine.attempts_exhausted(&state, task);
            let _ = machine.after(&state, task, 0.5);
        }
        let mut planned = state.clone();
        Machine::plan_fan_out(&mut planned, stage, 3);
        let _ = Machine::pending_tasks(&planned, stage);
    }
});
