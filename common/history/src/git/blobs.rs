//! The symbols of file versions, by blob id, shared by every diff thread:
//! each version is parsed about once, whichever thread meets it first.
//! Two generations bound the memory (when the young one fills, it becomes
//! the old one and the old one is dropped); the versions at HEAD are kept
//! apart and never dropped, since the end of the pass asks for them again.

use super::corrupt;
use crate::error::HistoryError;
use crate::record::SymbolSpan;
use crate::source::SymbolSource;
use git2::{Oid, Repository};
use rustc_hash::{FxHashMap, FxHashSet};
use std::sync::{Arc, Mutex};

/// Versions kept per generation.
const GENERATION: usize = 4096;

type Spans = Arc<Vec<SymbolSpan>>;

#[derive(Default)]
struct Generations {
    young: FxHashMap<Oid, Spans>,
    old: FxHashMap<Oid, Spans>,
    head: FxHashMap<Oid, Spans>,
}

#[derive(Default)]
pub struct SymbolCache {
    /// The blob ids of the files at HEAD.
    at_head: FxHashSet<Oid>,
    inner: Mutex<Generations>,
}

impl SymbolCache {
    /// A cache keeping the versions `at_head`, starting with `known`
    /// (those of them an earlier run parsed).
    pub fn new(at_head: FxHashSet<Oid>, known: FxHashMap<Oid, Vec<SymbolSpan>>) -> SymbolCache {
        let head = known
            .into_iter()
            .filter(|(oid, _)| at_head.contains(oid))
            .map(|(oid, spans)| (oid, Arc::new(spans)))
            .collect();
        SymbolCache {
            at_head,
            inner: Mutex::new(Generations {
                head,
                ..Generations::default()
            }),
        }
    }

    /// The versions at HEAD parsed (or known) so far, by blob id.
    pub fn head_spans(&self) -> Vec<(Oid, Spans)> {
        let g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<(Oid, Spans)> = g.head.iter().map(|(o, s)| (*o, s.clone())).collect();
        out.sort_by_key(|(oid, _)| *oid);
        out
    }

    /// The symbols of blob `oid` (the file at `path`, in `commit`).
    pub fn spans(
        &self,
        repo: &Repository,
        source: &dyn SymbolSource,
        commit: Oid,
        oid: Oid,
        path: &str,
    ) -> Result<Spans, HistoryError> {
        if oid.is_zero() {
            return Ok(Arc::default());
        }
        if let Some(found) = self.lookup(oid) {
            return Ok(found);
        }
        // Parsed outside the lock: two threads may meet the same version
        // at once and both parse it, which costs time, not correctness.
        let blob = repo
            .find_blob(oid)
            .map_err(|e| corrupt::blob(oid, path, commit, &e))?;
        let spans: Spans = Arc::new(source.symbols(path, blob.content()));
        self.insert(oid, spans.clone());
        Ok(spans)
    }

    fn lookup(&self, oid: Oid) -> Option<Spans> {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = g.head.get(&oid).or_else(|| g.young.get(&oid)) {
            return Some(found.clone());
        }
        let found = g.old.remove(&oid)?;
        Self::insert_young(&mut g, oid, found.clone());
        Some(found)
    }

    fn insert(&self, oid: Oid, spans: Spans) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if self.at_head.contains(&oid) {
            g.head.insert(oid, spans);
        } else {
            Self::insert_young(&mut g, oid, spans);
        }
    }

    fn insert_young(g: &mut Generations, oid: Oid, spans: Spans) {
        if g.young.len() >= GENERATION {
            g.old = std::mem::take(&mut g.young);
        }
        g.young.insert(oid, spans);
    }
}
