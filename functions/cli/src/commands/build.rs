//! `doctown build` and `doctown ingest`: submit a job and run it in-process.

use crate::args::{BuildArgs, IngestArgs};
use crate::host::{job_input, new_job_id, Feedback, Host};
use crate::output::{print_summary, stage_seconds};
use anyhow::Result;
use doctown_core::{JobState, JobStatus};
use doctown_pipeline::{RunError, Runner};
use std::process::ExitCode;

pub fn build(args: BuildArgs) -> Result<ExitCode> {
    let host = Host::open(&args.store)?;
    let feedback = if args.events {
        Feedback::Json
    } else {
        Feedback::Progress
    };
    let (runner, progress) = host.runner(feedback);
    let result = submit_and_run(&runner, &args.source);
    if let Some(progress) = progress {
        progress.finish();
    }
    let state = result?;
    if args.json {
        let summary = serde_json::json!({
            "job_id": state.job_id,
            "status": state.status,
            "source": state.source,
            "stages": state.stages,
            "seconds": stage_seconds(&state),
        });
        println!("{summary}");
    } else if !args.events {
        print_summary(&state);
    }
    Ok(exit_code(&state))
}

pub fn ingest(args: IngestArgs) -> Result<ExitCode> {
    let host = Host::open(&args.store)?;
    let feedback = if args.json {
        Feedback::Json
    } else {
        Feedback::Progress
    };
    let (runner, progress) =
        host.runner_with(host.handlers().into_iter().take(1).collect(), feedback);
    let result = submit_and_run(&runner, &args.source);
    if let Some(progress) = progress {
        progress.finish();
    }
    let state = result?;
    if !args.json {
        print_summary(&state);
    }
    Ok(exit_code(&state))
}

fn submit_and_run(runner: &Runner<'_>, source: &crate::args::SourceArgs) -> Result<JobState> {
    let state = runner.submit(new_job_id(), job_input(source))?;
    match runner.run(&state.job_id) {
        Ok(state) => Ok(state),
        Err(RunError::StageFailed { stage, failure }) => {
            anyhow::bail!(
                "{stage} failed: {failure} (job {}; `doctown resume {}` retries)",
                state.job_id,
                state.job_id
            )
        }
        Err(e) => Err(e.into()),
    }
}

pub fn exit_code(state: &JobState) -> ExitCode {
    match state.status {
        JobStatus::Succeeded | JobStatus::Partial => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}
