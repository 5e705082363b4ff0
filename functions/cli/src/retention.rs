//! How many jobs of a source `doctown build` keeps in its local store.
//!
//! Every build stores a job: its artifacts and its docpack, 300 MB for a
//! repository of 4,000 files. A rebuild needs only the last one (the
//! ingest's pointer and the pack's block index name it), so after each
//! build the older jobs of the same source (the same input and ref) are
//! removed, but for the `keep` most recent ones and the most recent one
//! that succeeded. Jobs of other sources, and jobs not finished (another
//! process may be running one), are never touched.

use anyhow::{bail, Result};
use doctown_core::{JobId, JobState, JobStatus};
use std::path::Path;
use std::str::FromStr;

/// How many finished jobs of a source to keep (`--keep-jobs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    All,
    Last(usize),
}

impl Default for Keep {
    fn default() -> Self {
        Keep::Last(3)
    }
}

impl FromStr for Keep {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "all" => Ok(Keep::All),
            n => match n.parse::<usize>() {
                Ok(0) => bail!("keep at least 1 job (or `all`)"),
                Ok(n) => Ok(Keep::Last(n)),
                Err(_) => bail!("expected a number of jobs or `all`, not {s:?}"),
            },
        }
    }
}

/// The jobs to remove once `current` has finished: of the finished jobs of
/// its source, newest first, all but the first `keep` and the newest that
/// succeeded.
pub fn superseded(states: &[JobState], current: &JobState, keep: Keep) -> Vec<JobId> {
    let Keep::Last(keep) = keep else {
        return Vec::new();
    };
    if !current.status.is_terminal() {
        return Vec::new();
    }
    let same_source = |s: &&JobState| {
        s.input.source == current.input.source && s.input.git_ref == current.input.git_ref
    };
    let mut finished: Vec<&JobState> = states
        .iter()
        .filter(same_source)
        .filter(|s| s.status.is_terminal() && s.job_id != current.job_id)
        .collect();
    finished.sort_by(|a, b| (&b.created_at, &b.job_id).cmp(&(&a.created_at, &a.job_id)));
    let succeeded = |s: &JobState| matches!(s.status, JobStatus::Succeeded | JobStatus::Partial);
    // The current job is the newest and counts as one of those kept.
    let mut last_success_kept = succeeded(current);
    let mut removed = Vec::new();
    for (i, state) in finished.into_iter().enumerate() {
        let kept = i + 1 < keep || (!last_success_kept && succeeded(state));
        last_success_kept |= kept && succeeded(state);
        if !kept {
            removed.push(state.job_id.clone());
        }
    }
    removed
}

/// Removes the jobs [`superseded`] names from `jobs` (the store's `jobs/`
/// directory) and returns them. Only space is at stake: a job that cannot
/// be read or removed is left as it is, with a warning. A directory is
/// removed only when its state names it.
pub fn prune(jobs: &Path, current: &JobState, keep: Keep) -> Vec<JobId> {
    if keep == Keep::All {
        return Vec::new();
    }
    let Ok(entries) = std::fs::read_dir(jobs) else {
        return Vec::new();
    };
    let states: Vec<JobState> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let bytes = std::fs::read(e.path().join("state.json")).ok()?;
            let state: JobState = serde_json::from_slice(&bytes).ok()?;
            (e.file_name().to_str() == Some(state.job_id.as_str())).then_some(state)
        })
        .collect();
    let mut removed = superseded(&states, current, keep);
    removed.retain(|id| match std::fs::remove_dir_all(jobs.join(id.as_str())) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!("cannot remove the superseded job {id}: {e}");
            false
        }
    });
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use doctown_core::JobInput;

    fn job(n: u32, source: &str, status: JobStatus) -> JobState {
        let mut state = JobState::new(
            JobId::new(format!("job-{n:04}")).unwrap(),
            JobInput {
                source: source.to_string(),
                ..JobInput::default()
            },
            format!("2026-11-25T10:{n:02}:00Z"),
        );
        state.status = status;
        state
    }

    fn ids(jobs: Vec<JobId>) -> Vec<String> {
        jobs.into_iter().map(|j| j.to_string()).collect()
    }

    #[test]
    fn the_newest_jobs_of_the_source_are_kept() {
        use JobStatus::*;
        let states = vec![
            job(1, "/r", Succeeded),
            job(2, "/r", Succeeded),
            job(3, "/other", Succeeded),
            job(4, "/r", Running),
            job(5, "/r", Succeeded),
            job(6, "/r", Succeeded),
        ];
        let current = &states[5];
        assert_eq!(
            ids(superseded(&states, current, Keep::Last(2))),
            ["job-0002", "job-0001"]
        );
        assert_eq!(ids(superseded(&states, current, Keep::Last(1))).len(), 3);
        assert!(superseded(&states, current, Keep::Last(9)).is_empty());
        assert!(superseded(&states, current, Keep::All).is_empty());
        // An unfinished current job removes nothing.
        assert!(superseded(&states, &states[3], Keep::Last(1)).is_empty());
    }

    #[test]
    fn the_last_success_is_kept_behind_failures() {
        use JobStatus::*;
        let states = vec![
            job(1, "/r", Succeeded),
            job(2, "/r", Succeeded),
            job(3, "/r", Failed),
            job(4, "/r", Failed),
        ];
        assert_eq!(
            ids(superseded(&states, &states[3], Keep::Last(2))),
            ["job-0001"]
        );
        assert_eq!(
            ids(superseded(&states, &states[3], Keep::Last(1))),
            ["job-0003", "job-0001"]
        );
    }

    #[test]
    fn keep_parses_a_count_or_all() {
        assert_eq!("all".parse::<Keep>().unwrap(), Keep::All);
        assert_eq!("5".parse::<Keep>().unwrap(), Keep::Last(5));
        assert!("0".parse::<Keep>().is_err());
        assert!("-1".parse::<Keep>().is_err());
        assert!("some".parse::<Keep>().is_err());
    }
}
