//! What a run of many texts reports of its batches, whichever backend runs
//! them: each batch ([`BatchInfo`]) before and after it runs, to the
//! caller's [`BatchHooks`], and the run's [`RunTotals`].

use crate::error::EmbedError;
use serde::{Deserialize, Serialize};

/// One batch, as reported before and after it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchInfo {
    /// 0-based, counting across windows.
    pub index: u64,
    pub texts: usize,
    pub tokens: usize,
    pub padded_tokens: usize,
}

/// Hooks around batches; the defaults do nothing.
pub trait BatchHooks {
    /// Before a batch runs; an error (e.g. cancelled) stops the run.
    fn started(&mut self, _batch: &BatchInfo) -> Result<(), EmbedError> {
        Ok(())
    }
    /// After a batch: the indices (into the input) and their vectors.
    fn completed(
        &mut self,
        batch: &BatchInfo,
        ms: u64,
        items: &[usize],
        vectors: Vec<Vec<f32>>,
    ) -> Result<(), EmbedError>;
}

/// What a run computed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunTotals {
    pub texts: u64,
    pub batches: u64,
    pub tokens: u64,
    pub padded_tokens: u64,
}

impl RunTotals {
    pub fn add(&mut self, other: RunTotals) {
        self.texts += other.texts;
        self.batches += other.batches;
        self.tokens += other.tokens;
        self.padded_tokens += other.padded_tokens;
    }
}

/// Hooks that collect vectors by input index.
pub struct Collect(pub Vec<Vec<f32>>);

impl BatchHooks for Collect {
    fn completed(
        &mut self,
        _: &BatchInfo,
        _: u64,
        items: &[usize],
        vectors: Vec<Vec<f32>>,
    ) -> Result<(), EmbedError> {
        for (&i, v) in items.iter().zip(vectors) {
            self.0[i] = v;
        }
        Ok(())
    }
}
