//! `doctown jobs`, `doctown stage`, `doctown resume`: work on stored jobs.

use crate::args::{JobsArgs, ResumeArgs, StageArgs};
use crate::commands::build::exit_code;
use crate::host::{Feedback, Host};
use crate::output::print_summary;
use anyhow::{Context, Result};
use doctown_core::{JobId, JobState, Stage, StageStatus};
use doctown_store::{get_json, ObjectStore};
use std::process::ExitCode;

pub fn jobs(args: JobsArgs) -> Result<ExitCode> {
    let host = Host::open(&args.store)?;
    let mut states: Vec<JobState> = Vec::new();
    for key in host
        .store
        .list("jobs/")?
        .into_iter()
        .filter(|k| k.ends_with("/state.json") && k.matches('/').count() == 2)
    {
        match get_json::<JobState>(host.store(), &key) {
            Ok(Some(state)) => states.push(state),
            Ok(None) => {}
            Err(e) => tracing::warn!("skipping {key}: {e}"),
        }
    }
    states.sort_by(|a, b| b.created_at.cmp(&a.created_at));
    for state in &states {
        if args.json {
            let line = serde_json::json!({
                "job_id": state.job_id, "status": state.status, "created_at": state.created_at,
                "source": state.input.source, "ref": state.input.git_ref, "error": state.error,
            });
            println!("{line}");
        } else {
            let next = state.next_stage().map(|s| s.name()).unwrap_or("-");
            println!(
                "{}  {:<9}  {}  next: {next}  {}",
                state.job_id,
                state.status.name(),
                state.created_at,
                state.input.source
            );
        }
    }
    if states.is_empty() && !args.json {
        eprintln!("no jobs in {}", host.store.root().display());
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_job(store: &dyn ObjectStore, id: &str) -> Result<JobId> {
    load_job(store, id).map(|state| state.job_id)
}

fn load_job(store: &dyn ObjectStore, id: &str) -> Result<JobState> {
    let job = JobId::new(id)?;
    doctown_store::load_state(store, &job)?.with_context(|| format!("job {job} not found"))
}

/// The stages that were done before a rerun of `stage` and are pending
/// after it: the runner set them back, as made from its earlier output.
fn set_back(before: &JobState, after: &JobState, stage: Stage) -> Vec<Stage> {
    Stage::ALL
        .into_iter()
        .filter(|s| *s > stage)
        .filter(|s| before.stage(*s).status.is_done())
        .filter(|s| after.stage(*s).status == StageStatus::Pending)
        .collect()
}

pub fn stage(args: StageArgs) -> Result<ExitCode> {
    let stage: Stage = args.stage.parse()?;
    let host = Host::open(&args.store)?;
    let before = load_job(host.store(), &args.job)?;
    let job = before.job_id.clone();
    let feedback = if args.json {
        Feedback::Json
    } else {
        Feedback::Progress
    };
    let (runner, progress) = host.runner(feedback);
    let result = runner.run_stage(&job, stage);
    if let Some(progress) = progress {
        progress.finish();
    }
    let mut state = result?;
    // A rerun that leaves every stage done ends the job again; otherwise
    // the job waits for `doctown resume`, as an interrupted build does.
    if state.next_stage().is_none() {
        state = runner.complete(&job)?;
    }
    if !args.json {
        print_summary(&state);
    }
    let reset = set_back(&before, &state, stage);
    if !reset.is_empty() {
        let names: Vec<&str> = reset.iter().map(|s| s.name()).collect();
        eprintln!(
            "note: {} set back to pending (made from {stage}'s earlier output); \
             `doctown resume {job} --store {}` runs them",
            names.join(", "),
            host.store.root().display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn resume(args: ResumeArgs) -> Result<ExitCode> {
    let host = Host::open(&args.store)?;
    let job = parse_job(host.store(), &args.job)?;
    let feedback = if args.json {
        Feedback::Json
    } else {
        Feedback::Progress
    };
    let (runner, progress) = host.runner(feedback);
    let result = runner.run(&job);
    if let Some(progress) = progress {
        progress.finish();
    }
    let state = result?;
    if !args.json {
        print_summary(&state);
    }
    Ok(exit_code(&state))
}
