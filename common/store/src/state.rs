//! Reading and updating the job state document by compare-and-swap.

use crate::{get_json, to_json_bytes, Condition, ObjectStore, StoreError};
use doctown_core::state::state_key;
use doctown_core::{JobId, JobState, JobStatus};

/// How many lost races an update retries before giving up.
const MAX_CAS_ATTEMPTS: u32 = 64;

/// Creates the state document; fails if the job already exists.
pub fn create_state(store: &dyn ObjectStore, state: &JobState) -> Result<(), StoreError> {
    store.put_if(
        &state_key(&state.job_id),
        &to_json_bytes(state),
        &Condition::Absent,
    )?;
    Ok(())
}

/// Every job id in the store (each `jobs/<id>/state.json`), newest first:
/// ids Doctown makes sort by creation time.
pub fn job_ids_newest_first(store: &dyn ObjectStore) -> Result<Vec<JobId>, StoreError> {
    let mut ids: Vec<JobId> = store
        .list("jobs/")?
        .iter()
        .filter_map(|key| {
            let rest = key.strip_prefix("jobs/")?;
            let (id, file) = rest.split_once('/')?;
            (file == "state.json").then(|| JobId::new(id).ok())?
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids.reverse();
    Ok(ids)
}

/// The newest succeeded job, among the store's `newest` jobs, that built
/// commit `commit` of the repository `source` (as the job was given it) at
/// a ref, made by the build of Doctown `built_by` (`JobState::built_by`):
/// a build of a working tree may hold edits, and another release may state
/// other facts of the same code, so neither counts. A pull request's base
/// is built once, whatever asks for its review again.
pub fn succeeded_build(
    store: &dyn ObjectStore,
    source: &str,
    commit: &str,
    built_by: &str,
    newest: usize,
) -> Option<JobState> {
    let jobs = job_ids_newest_first(store).ok()?;
    jobs.iter().take(newest).find_map(|id| {
        let state = load_state(store, id).ok()??;
        let built = state.source.as_ref()?.commit.as_deref() == Some(commit);
        let same = state.input.source == source && state.input.git_ref.is_some();
        let by = state.built_by.as_deref() == Some(built_by);
        (same && built && by && state.status == JobStatus::Succeeded).then_some(state)
    })
}

/// Reads the state document of a job.
pub fn load_state(store: &dyn ObjectStore, job_id: &JobId) -> Result<Option<JobState>, StoreError> {
    get_json(store, &state_key(job_id))
}

/// Applies `change` to the current state and writes it back only if nobody
/// wrote in between; on a lost race, re-reads and applies `change` again.
/// `change` may run several times, so it must be a pure edit of the state.
pub fn update_state<F>(
    store: &dyn ObjectStore,
    job_id: &JobId,
    mut change: F,
) -> Result<JobState, StoreError>
where
    F: FnMut(&mut JobState),
{
    let key = state_key(job_id);
    for attempt in 0..MAX_CAS_ATTEMPTS {
        let object = store
            .get(&key)?
            .ok_or_else(|| StoreError::NotFound { key: key.clone() })?;
        let mut state: JobState =
            serde_json::from_slice(&object.bytes).map_err(|e| StoreError::Corrupt {
                key: key.clone(),
                message: e.to_string(),
            })?;
        change(&mut state);
        match store.put_if(
            &key,
            &to_json_bytes(&state),
            &Condition::Matches(object.etag),
        ) {
            Ok(_) => return Ok(state),
            Err(StoreError::PreconditionFailed { .. }) => {
                std::thread::sleep(std::time::Duration::from_millis(
                    1 + u64::from(attempt % 8) * 3,
                ));
            }
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::PreconditionFailed { key })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStore;
    use doctown_core::{JobInput, ResolvedSource};

    /// A finished build of commit `c1` of `repo` at a ref, made by `built_by`.
    fn build(store: &MemoryStore, id: &str, built_by: Option<&str>, status: JobStatus) {
        let input = JobInput {
            source: "repo".into(),
            git_ref: Some("main".into()),
            ..JobInput::default()
        };
        let mut state = JobState::new(JobId::new(id).unwrap(), input, "t".into());
        state.source = Some(ResolvedSource {
            commit: Some("c1".into()),
            ..ResolvedSource::default()
        });
        state.status = status;
        state.built_by = built_by.map(String::from);
        create_state(store, &state).unwrap();
    }

    /// Only a succeeded build of the commit by the same Doctown stands in
    /// for a new one: not another build's, not one that says nothing of
    /// who made it (written before `built_by` was), not a failed one.
    #[test]
    fn a_build_is_reused_only_by_the_doctown_that_made_it() {
        let store = MemoryStore::new();
        build(&store, "job-1", Some("a"), JobStatus::Succeeded);
        build(&store, "job-2", Some("b"), JobStatus::Failed);
        let found = |by| succeeded_build(&store, "repo", "c1", by, 10).map(|s| s.job_id);
        assert_eq!(found("a"), Some(JobId::new("job-1").unwrap()));
        assert_eq!(found("b"), None);
        assert_eq!(succeeded_build(&store, "repo", "c2", "a", 10), None);
        build(&store, "job-3", None, JobStatus::Succeeded);
        assert_eq!(found("a"), Some(JobId::new("job-1").unwrap()));
        build(&store, "job-4", Some("b"), JobStatus::Succeeded);
        assert_eq!(found("b"), Some(JobId::new("job-4").unwrap()));
        assert_eq!(found("c"), None);
    }
}
