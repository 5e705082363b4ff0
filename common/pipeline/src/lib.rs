//! Stage handlers and the in-process runner.
//!
//! A stage is a [`StageHandler`]: a stateless function of the job's stored
//! artifacts that writes its own artifacts and reports a [`StageOutput`].
//! Hosts (the in-process [`Runner`], queue workers, serverless adapters) only
//! decide where it runs; the handler never knows.
//!
//! Architecture invariant: no async runtime, no network clients here; the
//! object store is reached only through `doctown_store::ObjectStore`.

mod clock;
mod emitter;
mod error;
pub mod execute;
mod handler;
pub mod machine;
pub mod memo;
pub mod process;
mod runner;

pub use clock::{now_ms, now_rfc3339};
pub use emitter::{read_events, EventEmitter, EventSink, MemorySink, SEGMENT_BYTES};
pub use error::RunError;
pub use execute::{execute, execute_stage, finish_job, Execution, Unit};
pub use handler::{
    CancelToken, ChunkObserver, StageContext, StageFailure, StageHandler, StageOutput,
};
pub use machine::{FanOut, JitterStrategy, Machine, RetryPolicy, StageSpec, Step, Task};
pub use runner::Runner;

/// A new job's state document: created now, by this build of Doctown
/// ([`memo::build`]; what `doctown_store::succeeded_build` matches).
pub fn new_job(
    job_id: doctown_core::JobId,
    input: doctown_core::JobInput,
) -> doctown_core::JobState {
    let mut state = doctown_core::JobState::new(job_id, input, now_rfc3339());
    state.built_by = memo::build().map(String::from);
    state
}

/// The newest succeeded build of commit `commit` of `source` at a ref that
/// this build of Doctown made ([`new_job`]'s stamp), among the store's 200
/// newest jobs: what stands in for building that commit again.
pub fn built_here(
    store: &dyn doctown_store::ObjectStore,
    source: &str,
    commit: &str,
) -> Option<doctown_core::JobState> {
    doctown_store::succeeded_build(store, source, commit, memo::build()?, 200)
}
