//! Compiler-grade call links from a SCIP index: the one named by the
//! `scip` option, or an `index.scip` at the repository root. A named index
//! that cannot be read is an error (the user asked for it); a found one
//! that cannot be read, or an index of another repository, is a warning
//! and the heuristic graph stays.

use crate::error::IngestError;
use crate::options::IngestOptions;
use doctown_core::Symbol;
use doctown_extract::{apply_scip, parse_scip, ScipStats};
use std::path::Path;

/// The index file conventionally written at a repository's root.
pub const DEFAULT_INDEX: &str = "index.scip";

/// Links `symbols`' calls by the SCIP index, if there is one; returns what
/// it did (all zeros without an index).
pub fn link_by_scip(
    root: &Path,
    options: &IngestOptions,
    symbols: &mut [Symbol],
) -> Result<ScipStats, IngestError> {
    let (path, explicit) = match &options.scip {
        Some(p) => (Path::new(p).to_path_buf(), true),
        None => (root.join(DEFAULT_INDEX), false),
    };
    if !explicit && !path.is_file() {
        return Ok(ScipStats::default());
    }
    let shown = path.display().to_string();
    let parsed = std::fs::read(&path)
        .map_err(|e| e.to_string())
        .and_then(|bytes| parse_scip(&bytes).map_err(|e| e.to_string()));
    let index = match parsed {
        Ok(index) => index,
        Err(message) if explicit => {
            return Err(IngestError::Scip {
                path: shown,
                message,
            })
        }
        Err(message) => {
            tracing::warn!("{shown} not used: {message}");
            return Ok(ScipStats::default());
        }
    };
    let stats = apply_scip(symbols, &index);
    if stats.documents > 0 && stats.documents_matched == 0 {
        tracing::warn!(
            "the SCIP index {shown} ({}) names no file of this repository; \
             calls are linked by the heuristic resolver only",
            index.tool
        );
    }
    Ok(stats)
}
