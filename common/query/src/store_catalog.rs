//! The store's finished jobs as a query-engine catalog: what `doctown mcp
//! --store` and the `/mcp` endpoint of `doctown serve` answer about. The
//! key is the job id, the name the docpack's (as the library lists it).

use crate::engine::local_checkout;
use crate::{Catalog, CatalogEntry, Origin};
use doctown_core::{JobId, JobState, JobStatus};
use doctown_docpack::{read_docpack, read_docpack_bytes, Docpack, ReadLimits};
use doctown_store::{job_ids_newest_first, load_state, ObjectStore};
use std::sync::Arc;

/// The docpacks of the store's succeeded (or partial) jobs, newest first.
pub struct StoreCatalog {
    store: Arc<dyn ObjectStore>,
}

impl StoreCatalog {
    pub fn new(store: Arc<dyn ObjectStore>) -> StoreCatalog {
        StoreCatalog { store }
    }

    fn finished(&self, id: &JobId) -> Result<Option<(JobState, String)>, String> {
        let state = load_state(self.store.as_ref(), id).map_err(|e| e.to_string())?;
        Ok(state.and_then(|state| {
            if !matches!(state.status, JobStatus::Succeeded | JobStatus::Partial) {
                return None;
            }
            let key = state.docpack_key()?.to_string();
            Some((state, key))
        }))
    }
}

/// Source, ref and commit on one line.
fn detail(state: &JobState) -> String {
    let mut line = state.input.source.clone();
    let source = state.source.as_ref();
    if let Some(r) = source
        .and_then(|s| s.git_ref.clone())
        .or_else(|| state.input.git_ref.clone())
    {
        line.push_str(&format!(" @ {r}"));
    }
    if let Some(commit) = source.and_then(|s| s.commit.as_deref()) {
        line.push_str(&format!(" ({})", &commit[..commit.len().min(12)]));
    }
    line
}

impl Catalog for StoreCatalog {
    fn file(&self, key: &str) -> Option<std::path::PathBuf> {
        let id = JobId::new(key).ok()?;
        let (_, object_key) = self.finished(&id).ok()??;
        self.store.local_path(&object_key)
    }

    fn entries(&self) -> Result<Vec<CatalogEntry>, String> {
        let ids = job_ids_newest_first(self.store.as_ref()).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        for id in ids {
            // A job whose state cannot be read is not served; the others are.
            if let Ok(Some((state, _))) = self.finished(&id) {
                out.push(CatalogEntry {
                    key: id.to_string(),
                    name: state.docpack_name(),
                    detail: Some(detail(&state)),
                });
            }
        }
        Ok(out)
    }

    fn load(&self, key: &str) -> Result<(Docpack, Origin), String> {
        let id = JobId::new(key).map_err(|e| e.to_string())?;
        let (_, object_key) = self
            .finished(&id)?
            .ok_or_else(|| format!("job {key} has no finished docpack"))?;
        // A file is read as it inflates; a docpack too large to hold is
        // then refused at its manifest, before the rest is read.
        let docpack = match self.store.local_path(&object_key) {
            Some(path) => read_docpack(&path),
            None => {
                let object = self
                    .store
                    .get(&object_key)
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("{object_key} is missing from the store"))?;
                read_docpack_bytes(&object.bytes, &ReadLimits::default())
            }
        }
        .map_err(|e| format!("{object_key}: {e}"))?;
        let checkout = local_checkout(&docpack);
        Ok((
            docpack,
            Origin {
                location: object_key,
                checkout,
            },
        ))
    }
}
