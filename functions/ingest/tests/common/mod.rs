//! Shared test support: a tree written from (path, text) pairs, and a scan
//! of it recorded per file.
#![allow(dead_code)] // each test binary uses a different subset

use doctown_core::events::ingest::{FileSkipped, SkipReason};
use doctown_core::Language;
use doctown_ingest::scan::{scan, ParsedFile, ScanSink};
use doctown_ingest::{IngestError, IngestOptions};
use std::collections::BTreeMap;
use std::path::Path;

/// What a scan reported, by path.
#[derive(Default)]
pub struct Scanned {
    pub languages: BTreeMap<String, Language>,
    pub syntax_errors: BTreeMap<String, bool>,
    pub symbols: BTreeMap<String, Vec<String>>,
    pub skipped: BTreeMap<String, SkipReason>,
}

impl ScanSink for Scanned {
    fn skipped(&mut self, skipped: FileSkipped) -> Result<(), IngestError> {
        self.skipped.insert(skipped.path, skipped.reason);
        Ok(())
    }
    fn parsed(&mut self, file: ParsedFile) -> Result<(), IngestError> {
        let path = file.record.path;
        let names = file.symbols.iter().map(|s| s.name.clone()).collect();
        self.symbols.insert(path.clone(), names);
        self.syntax_errors
            .insert(path.clone(), file.record.has_syntax_errors);
        self.languages.insert(path, file.record.language);
        Ok(())
    }
}

/// A temporary tree holding `files`.
pub fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// Scans `root` with the default options.
pub fn scanned(root: &Path) -> Scanned {
    let mut seen = Scanned::default();
    scan(root, &IngestOptions::default(), &|| false, None, &mut seen).unwrap();
    seen
}
