//! One item a model may be asked about: a symbol, a module or the
//! repository, with its facts block, what truncation dropped of it and the
//! cache hash of its answer. The plan makes them; batches, the cost
//! estimate and the run use them.

use crate::prompt::ItemKind;
use crate::truncate::Dropped;

/// One item a model may be asked about.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkItem {
    pub kind: ItemKind,
    /// Index into `input.symbols` or `input.modules` (0 for the architecture).
    pub index: usize,
    /// The facts block: canonical JSON, truncated, delimiters escaped.
    pub block: String,
    pub tokens: usize,
    pub dropped: Dropped,
    /// The cache hash of this item's answer.
    pub hash: String,
}
