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
/// a ref: a build of a working tree may hold edits, so it never counts. A
/// pull request's base is built once, whatever asks for its review again.
pub fn succeeded_build(
    store: &dyn ObjectStore,
    source: &str,
    commit: &str,
    newest: usize,
) -> Option<JobState> {
    let jobs = job_ids_newest_first(store).ok()?;
    jobs.iter().take(newest).find_map(|id| {
        let state = load_state(store, id).ok()??;
        let built = state.source.as_ref()?.commit.as_deref() == Some(commit);
        let same = state.input.source == source && state.input.git_ref.is_some();
        (same && built && state.status == JobStatus::Succeeded).then_some(state)
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
