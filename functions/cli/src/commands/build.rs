//! `doctown build`, `doctown ingest` and `doctown estimate`: submit a job and
//! run it in-process.

use crate::args::{BuildArgs, BuildOptions, EstimateArgs, IngestArgs, OnOff, SourceArgs};
use crate::host::{job_input, new_job_id, Feedback, Host};
use crate::output::{print_summary, stage_seconds};
use anyhow::{Context, Result};
use doctown_core::{ErrorKind, JobId, JobInput, JobState, JobStatus};
use doctown_pipeline::{RunError, Runner};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn build(args: BuildArgs) -> Result<ExitCode> {
    let host = Host::open(&args.store)?.with_prefetch(args.options.embeddings_on());
    let feedback = if args.events {
        Feedback::Json
    } else {
        Feedback::Progress
    };
    let (runner, progress) = host.runner(feedback);
    // The source's older jobs are removed while this one runs.
    let jobs = host.store.path_of("jobs")?;
    let input = job_input(&args.source, &args.options);
    let (source, git_ref) = (input.source.clone(), input.git_ref.clone());
    let (result, pruned) = std::thread::scope(|scope| {
        let pruning = scope.spawn(|| {
            crate::retention::prune_beside(&jobs, &source, git_ref.as_deref(), args.keep_jobs)
        });
        let result = submit_and_run(&runner, input);
        (result, pruning.join().unwrap_or_default())
    });
    if let Some(progress) = progress {
        progress.finish();
    }
    let state = result?;
    let written = write_docpack(&host, &state, args.output.as_deref())?;
    if args.json {
        let summary = serde_json::json!({
            "job_id": state.job_id,
            "status": state.status,
            "source": state.source,
            "docpack": written,
            "stages": state.stages,
            "seconds": stage_seconds(&state),
            "jobs_removed": pruned,
        });
        println!("{summary}");
    } else if !args.events {
        print_summary(&state);
        if let Some(path) = &written {
            println!("docpack  {}", path.display());
        }
    }
    Ok(exit_code(&state))
}

/// A quiet build of a local source — a work tree, or a repository at
/// `git_ref` — for a command that serves or compares the result (`mcp DIR`,
/// `review`): its job and its docpack's path in the store. The source's
/// older builds go afterwards, as `doctown build`'s do.
pub(crate) fn build_quietly(
    host: &Host,
    source: &str,
    git_ref: Option<&str>,
    embeddings: bool,
) -> Result<(JobState, PathBuf)> {
    let source = SourceArgs {
        source: source.to_string(),
        git_ref: git_ref.map(String::from),
        max_file_bytes: None,
        max_total_bytes: None,
        scip: None,
        no_gitignore: false,
    };
    let options = BuildOptions {
        embeddings: Some(if embeddings { OnOff::On } else { OnOff::Off }),
        ..BuildOptions::default()
    };
    let input = job_input(&source, &options);
    let (runner, _) = host.runner(Feedback::Quiet);
    let state = submit_and_run(&runner, input.clone())?;
    let jobs = host.store.path_of("jobs")?;
    crate::retention::prune(
        &jobs,
        &input.source,
        input.git_ref.as_deref(),
        Default::default(),
    );
    let path = stored_docpack(host, &state).context("the build made no docpack")?;
    Ok((state, path))
}

/// The path of a job's docpack in the local store, when it is there.
pub(crate) fn stored_docpack(host: &Host, state: &JobState) -> Option<PathBuf> {
    let path = host.store.path_of(state.docpack_key()?).ok()?;
    path.is_file().then_some(path)
}

/// Copies the job's docpack out of the store to `output` (or `./NAME.docpack`),
/// file to file (in the kernel where it can).
fn write_docpack(host: &Host, state: &JobState, output: Option<&Path>) -> Result<Option<PathBuf>> {
    let Some(key) = state.docpack_key() else {
        return Ok(None);
    };
    let stored = host.store.path_of(key)?;
    if !stored.is_file() {
        anyhow::bail!("the docpack {key} is missing from the store");
    }
    let path = match output {
        Some(path) => path.to_path_buf(),
        None => PathBuf::from(key.rsplit('/').next().unwrap_or("repository.docpack")),
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write into {}", dir.display()))?;
    std::fs::copy(&stored, tmp.path())
        .with_context(|| format!("cannot write {}", tmp.path().display()))?;
    tmp.persist(&path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(Some(path))
}

pub fn ingest(args: IngestArgs) -> Result<ExitCode> {
    let host = Host::open(&args.store)?;
    let feedback = if args.json {
        Feedback::Json
    } else {
        Feedback::Progress
    };
    let (runner, progress) = host.runner_with(host.stages.first(1), feedback);
    let result = submit_and_run(&runner, job_input(&args.source, &BuildOptions::default()));
    if let Some(progress) = progress {
        progress.finish();
    }
    let state = result?;
    if !args.json {
        print_summary(&state);
    }
    Ok(exit_code(&state))
}

/// Runs ingest and a structural assemble, then prices the generate stage.
pub fn estimate(args: EstimateArgs) -> Result<ExitCode> {
    let host = Host::open(&args.store)?;
    let mut options = args.options.clone();
    options.embeddings = Some(crate::args::OnOff::Off);
    let handlers = host.stages.first(3);
    let (runner, progress) = host.runner_with(handlers, Feedback::Progress);
    let result = submit_and_run(&runner, job_input(&args.source, &options));
    if let Some(progress) = progress {
        progress.finish();
    }
    let state = result?;
    let name = state
        .source
        .as_ref()
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let input = doctown_generate::GenerateInput::load(host.store(), &state.job_id, &name)?;
    let mut config = host.stages.config().generate.clone();
    if let Some(generate) = job_input(&args.source, &args.options)
        .options
        .get("generate")
    {
        config = config.overlay_job_options(generate)?;
    }
    let estimate = doctown_generate::estimate::estimate_cached(&input, &config, host.store());
    if args.json {
        println!("{}", serde_json::to_string_pretty(&estimate)?);
    } else {
        print!("{}", estimate.render());
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn submit_and_run(runner: &Runner<'_>, input: JobInput) -> Result<JobState> {
    let state = runner.submit(new_job_id(), input)?;
    match runner.run(&state.job_id) {
        Ok(state) => Ok(state),
        Err(RunError::StageFailed { stage, failure }) => {
            anyhow::bail!(
                "{stage} failed: {failure} ({})",
                retry_hint(&state.job_id, failure.kind)
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// Names the job, and suggests `doctown resume` only where running the
/// failed stage again can succeed (a transient error: network, rate limit,
/// storage). An invalid input (a bad URL, a missing path) fails the same way
/// again, and an internal error is a bug that a retry does not fix.
fn retry_hint(job: &JobId, kind: ErrorKind) -> String {
    if kind.is_retryable() {
        format!("job {job}; `doctown resume {job}` retries")
    } else {
        format!("job {job}")
    }
}

pub fn exit_code(state: &JobState) -> ExitCode {
    match state.status {
        JobStatus::Succeeded | JobStatus::Partial => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_is_suggested_only_for_transient_errors() {
        let job = JobId::new("job-1").unwrap();
        assert_eq!(
            retry_hint(&job, ErrorKind::Transient),
            "job job-1; `doctown resume job-1` retries"
        );
        assert_eq!(retry_hint(&job, ErrorKind::Invalid), "job job-1");
        assert_eq!(retry_hint(&job, ErrorKind::Internal), "job job-1");
    }
}
