//! `doctown jobs`, `doctown stage`, `doctown resume`: work on stored jobs.

use crate::args::{JobsArgs, ResumeArgs, StageArgs};
use crate::commands::build::exit_code;
use crate::host::{Feedback, Host};
use crate::output::print_summary;
use anyhow::{Context, Result};
use doctown_core::{JobId, JobState, Stage};
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
    let job = JobId::new(id)?;
    doctown_store::load_state(store, &job)?.with_context(|| format!("job {job} not found"))?;
    Ok(job)
}

pub fn stage(args: StageArgs) -> Result<ExitCode> {
    let stage: Stage = args.stage.parse()?;
    let host = Host::open(&args.store)?;
    let job = parse_job(host.store(), &args.job)?;
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
    let state = result?;
    if !args.json {
        print_summary(&state);
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
