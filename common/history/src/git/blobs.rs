//! The symbols of file versions, by blob id: each version is parsed once
//! while it stays in the cache. Two generations bound the memory: when the
//! young one fills, it becomes the old one and the old one is dropped.

use super::corrupt;
use crate::error::HistoryError;
use crate::record::SymbolSpan;
use crate::source::SymbolSource;
use git2::{Oid, Repository};
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// Versions kept per generation.
const GENERATION: usize = 4096;

#[derive(Default)]
pub struct SymbolCache {
    young: FxHashMap<Oid, Arc<Vec<SymbolSpan>>>,
    old: FxHashMap<Oid, Arc<Vec<SymbolSpan>>>,
}

impl SymbolCache {
    /// The symbols of blob `oid` (the file at `path`, in `commit`).
    pub fn spans(
        &mut self,
        repo: &Repository,
        source: &dyn SymbolSource,
        commit: Oid,
        oid: Oid,
        path: &str,
    ) -> Result<Arc<Vec<SymbolSpan>>, HistoryError> {
        if oid.is_zero() {
            return Ok(Arc::default());
        }
        if let Some(found) = self.young.get(&oid) {
            return Ok(found.clone());
        }
        let spans = match self.old.remove(&oid) {
            Some(found) => found,
            None => {
                let blob = repo
                    .find_blob(oid)
                    .map_err(|e| corrupt::blob(oid, path, commit, &e))?;
                Arc::new(source.symbols(path, blob.content()))
            }
        };
        if self.young.len() >= GENERATION {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(oid, spans.clone());
        Ok(spans)
    }
}
