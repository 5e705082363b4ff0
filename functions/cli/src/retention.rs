//! How many jobs of a source `doctown build` keeps in its local store.
//!
//! Every build stores a job: its artifacts and its docpack, 300 MB for a
//! repository of 4,000 files. A rebuild needs only the last success (the
//! ingest's pointer and the pack's block index name it), so each build
//! removes the older jobs of its source (the same input and ref), keeping
//! the `keep - 1` most recent finished ones, the most recent that
//! succeeded, and itself. It does so on a thread of its own while the
//! build runs, at the lowest priority ([`prune_beside`]). Jobs of other
//! sources, and jobs not finished (this build's own, or one another
//! process is running), are never touched.

use anyhow::{bail, Result};
use doctown_core::{JobId, JobState, JobStatus};
use std::path::Path;
use std::str::FromStr;

/// How many jobs of a source to keep, the running build's included
/// (`--keep-jobs`).
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

/// The jobs a new build of `source` at `git_ref` removes: of the finished
/// jobs of that source, newest first, all but the first `keep - 1` (the
/// new build is the last one kept) and the newest that succeeded.
pub fn superseded(
    states: &[JobState],
    source: &str,
    git_ref: Option<&str>,
    keep: Keep,
) -> Vec<JobId> {
    let Keep::Last(keep) = keep else {
        return Vec::new();
    };
    let mut finished: Vec<&JobState> = states
        .iter()
        .filter(|s| s.input.source == source && s.input.git_ref.as_deref() == git_ref)
        .filter(|s| s.status.is_terminal())
        .collect();
    finished.sort_by(|a, b| (&b.created_at, &b.job_id).cmp(&(&a.created_at, &a.job_id)));
    let succeeded = |s: &JobState| matches!(s.status, JobStatus::Succeeded | JobStatus::Partial);
    let mut success_kept = false;
    let mut removed = Vec::new();
    for (i, state) in finished.into_iter().enumerate() {
        let kept = i + 1 < keep || (!success_kept && succeeded(state));
        success_kept |= kept && succeeded(state);
        if !kept {
            removed.push(state.job_id.clone());
        }
    }
    removed
}

/// [`prune`] on the calling thread, which first gives itself the lowest
/// priority (Linux: the thread's nice value, 19), for a thread that runs
/// beside the build. Removing a job is the kernel's work (freeing the
/// extents and cached pages of a 4,000-file repository's 300 MB of
/// artifacts, at the start of ingest); at the build's priority it
/// competed with the stages, at the lowest it gives way to them.
pub fn prune_beside(jobs: &Path, source: &str, git_ref: Option<&str>, keep: Keep) -> Vec<JobId> {
    crate::host::lowest_priority();
    prune(jobs, source, git_ref, keep)
}

/// Removes the jobs [`superseded`] names from `jobs` (the store's `jobs/`
/// directory) and returns them. Only space is at stake: a job that cannot
/// be read or removed is left as it is, with a warning. A directory is
/// removed only when its state names it.
pub fn prune(jobs: &Path, source: &str, git_ref: Option<&str>, keep: Keep) -> Vec<JobId> {
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
    let mut removed = superseded(&states, source, git_ref, keep);
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

    fn removed(states: &[JobState], keep: Keep) -> Vec<String> {
        superseded(states, "/r", None, keep)
            .into_iter()
            .map(|j| j.to_string())
            .collect()
    }

    #[test]
    fn the_newest_jobs_of_the_source_are_kept() {
        use JobStatus::*;
        let mut states = vec![
            job(1, "/r", Succeeded),
            job(2, "/r", Succeeded),
            job(3, "/other", Succeeded),
            job(4, "/r", Running),
            job(5, "/r", Succeeded),
        ];
        let mut at_a_ref = job(6, "/r", Succeeded);
        at_a_ref.input.git_ref = Some("v1".into());
        states.push(at_a_ref);
        assert_eq!(removed(&states, Keep::Last(3)), ["job-0001"]);
        assert_eq!(removed(&states, Keep::Last(2)), ["job-0002", "job-0001"]);
        // The newest success stays even when the new build is all it keeps.
        assert_eq!(removed(&states, Keep::Last(1)), ["job-0002", "job-0001"]);
        assert!(removed(&states, Keep::Last(9)).is_empty());
        assert!(removed(&states, Keep::All).is_empty());
    }

    #[test]
    fn the_last_success_is_kept_behind_failures() {
        use JobStatus::*;
        let states = vec![
            job(1, "/r", Succeeded),
            job(2, "/r", Succeeded),
            job(3, "/r", Failed),
            job(4, "/r", Cancelled),
        ];
        assert_eq!(removed(&states, Keep::Last(3)), ["job-0001"]);
        assert_eq!(removed(&states, Keep::Last(2)), ["job-0003", "job-0001"]);
        assert_eq!(
            removed(&states, Keep::Last(1)),
            ["job-0004", "job-0003", "job-0001"]
        );
    }

    /// The nice value of a thread of this process (field 19 of its stat).
    #[cfg(target_os = "linux")]
    fn nice_of(tid: rustix::process::Pid) -> i64 {
        let stat =
            std::fs::read_to_string(format!("/proc/self/task/{}/stat", tid.as_raw_nonzero()))
                .expect("the thread's stat");
        // The command name (field 2) is in parentheses and may hold spaces.
        let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
        fields[19 - 3].parse().expect("a nice value")
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn only_the_pruning_thread_gets_the_lowest_priority() {
        let main = rustix::thread::gettid();
        let before = nice_of(main);
        let dir = tempfile::tempdir().unwrap();
        let pruner = std::thread::spawn(move || {
            let removed = prune_beside(dir.path(), "src", None, Keep::Last(1));
            (removed, nice_of(rustix::thread::gettid()))
        });
        let (removed, nice) = pruner.join().unwrap();
        assert!(removed.is_empty());
        assert_eq!(nice, 19);
        assert_eq!(
            nice_of(main),
            before,
            "the process's other threads keep theirs"
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
