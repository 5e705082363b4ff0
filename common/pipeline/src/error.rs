//! Why running a job's stages stopped ([`RunError`]): the error of every
//! execution, whichever host runs it, and of the in-process runner.

use crate::handler::StageFailure;
use doctown_core::{JobId, Stage};
use doctown_store::StoreError;

/// Why a run, or one execution, stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("job {0} not found")]
    UnknownJob(JobId),
    #[error("no handler for stage {0} in this build")]
    NoHandler(Stage),
    #[error("stage {stage} failed: {failure}")]
    StageFailed { stage: Stage, failure: StageFailure },
    #[error("job {0} was cancelled")]
    Cancelled(JobId),
    #[error(transparent)]
    Store(#[from] StoreError),
}
