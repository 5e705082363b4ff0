//! `doctown symbols`: every symbol of a repository as the ingest finds it
//! — the same files, names, qualified names, kinds, lines and signatures —
//! without what the listing does not print. No chunks, checksums, words,
//! calls, imports or call resolution: each file is read and parsed in an
//! outline that keeps signatures ([`Extractor::listing`]), in parallel.

use crate::error::IngestError;
use crate::options::IngestOptions;
use crate::scan::{read_candidate, read_layout, text_of, walk_within_limits};
use doctown_core::Symbol;
use doctown_extract::Extractor;
use rayon::prelude::*;
use std::path::Path;
use std::sync::Arc;

/// Every symbol of the files under `root`, in path order, as
/// [`crate::symbols_of`] has them but for calls (none are gathered),
/// imports and words. Files the ingest skips (unreadable, too large,
/// binary, minified) are skipped here too.
pub fn list_symbols(root: &Path, options: &IngestOptions) -> Result<Vec<Symbol>, IngestError> {
    let walked = walk_within_limits(root, options)?;
    let layout = Arc::new(read_layout(&walked.manifests));
    let per_file: Vec<Vec<Symbol>> = walked
        .candidates
        .par_iter()
        .map_init(
            || Extractor::with_layout(layout.clone()).listing(),
            |extractor, candidate| {
                let text =
                    read_candidate(candidate, options).and_then(|bytes| text_of(candidate, bytes));
                match text {
                    Ok((source, _, language)) => {
                        extractor
                            .extract(&candidate.path, language, &source)
                            .symbols
                    }
                    Err(_) => Vec::new(),
                }
            },
        )
        .collect();
    Ok(per_file.into_iter().flatten().collect())
}
