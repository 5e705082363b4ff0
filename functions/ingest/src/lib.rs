//! The ingest stage: a repository in; files, symbols, imports, calls and
//! chunks out.
//!
//! Data flow: [`walk`] lists candidate files (honouring `.gitignore` and the
//! default ignores, recording every skip), [`scan`] parses them in parallel
//! batches with tree-sitter (`doctown_extract`) and cuts chunks
//! ([`chunker`]), and the [`IngestHandler`] streams chunks to sharded JSON
//! Lines in the object store, then resolves calls across the repository and
//! writes symbols, files and the manifest. Files unchanged since the
//! previous ingest of the same source are not parsed again ([`reuse`]).

pub mod chunker;
pub mod detect;
mod error;
mod handler;
pub mod history;
mod lines;
pub mod listing;
pub mod options;
pub mod reuse;
pub mod scan;
pub mod scip;
pub mod spool;
pub mod walk;
mod writer;

pub use error::IngestError;
pub use handler::IngestHandler;
pub use lines::LineIndex;
pub use listing::{list_symbols, stream_symbols};
pub use options::IngestOptions;
pub use spool::resolution_view;

use doctown_core::events::ingest::FileSkipped;
use doctown_core::{Import, Symbol};
use scan::{ParsedFile, ScanSink};
use std::collections::HashMap;
use std::path::Path;

/// Every symbol of the files under `root`, calls resolved, in path order;
/// nothing is written anywhere.
pub fn symbols_of(root: &Path, options: &IngestOptions) -> Result<Vec<Symbol>, IngestError> {
    #[derive(Default)]
    struct Collect {
        symbols: Vec<Symbol>,
        imports: HashMap<String, Vec<Import>>,
    }
    impl ScanSink for Collect {
        fn skipped(&mut self, _: FileSkipped) -> Result<(), IngestError> {
            Ok(())
        }
        fn parsed(&mut self, file: ParsedFile) -> Result<(), IngestError> {
            self.imports
                .insert(file.record.path.clone(), file.record.imports);
            self.symbols.extend(file.symbols);
            Ok(())
        }
    }
    let mut collect = Collect::default();
    let layout = scan::scan(root, options, &|| false, None, &mut collect)?;
    // The list grew by doubling; resolution's tables come next.
    collect.symbols.shrink_to_fit();
    doctown_extract::resolve_calls(&mut collect.symbols, &collect.imports, &layout);
    scip::link_by_scip(root, options, &mut collect.symbols)?;
    Ok(collect.symbols)
}
