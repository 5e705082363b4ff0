//! Finding jobs in the store: every `jobs/<id>/state.json`, newest first.
//!
//! Job ids made by Doctown (`job-<creation ms, hex>-<hash>`) sort by creation
//! time, so "newest first" is "id descending" and a page cursor is the last
//! id of the previous page. This lists the `jobs/` prefix (every artifact
//! key), which is fine for a local store and modest buckets; a large
//! deployment wants an index object written at pack time instead.

use doctown_core::JobState;
use doctown_store::{job_ids_newest_first, load_state, ObjectStore, StoreError};

/// Every readable state document, newest first; unreadable ones are skipped.
pub fn all_states(store: &dyn ObjectStore) -> Result<Vec<JobState>, StoreError> {
    let mut states = Vec::new();
    for id in job_ids_newest_first(store)? {
        match load_state(store, &id) {
            Ok(Some(state)) => states.push(state),
            Ok(None) => {}
            Err(StoreError::Corrupt { key, message }) => {
                tracing::warn!(%key, "skipping an unreadable state document: {message}");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(states)
}
