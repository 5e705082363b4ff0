//! Reusing the previous ingest of a source: a file whose path and content
//! (SHA-256) are unchanged takes its symbols and imports from the previous
//! job's `files.jsonl` and `symbols.jsonl` instead of being parsed again.
//!
//! The previous job is found through a small pointer object,
//! `cache/ingest/<hash of the source>.json`, written after every successful
//! ingest. Nothing else is written, so a first run costs nothing extra. The
//! pointer is only a hint: reuse is correct because it is decided per file
//! by path, content hash and [`EXTRACTOR_FINGERPRINT`] (a hash of the
//! extractor's rules, the core types and the grammars), so the output is
//! byte-for-byte what a fresh parse gives.
//!
//! Both artifacts are in path order, the order the scan asks in, so the
//! reader streams them in step with the scan: memory holds one batch of
//! entries, never the previous job's symbols.

use doctown_core::{FileRecord, JobId, Language, Symbol};
use doctown_extract::{Extraction, ProjectLayout, EXTRACTOR_FINGERPRINT};
use doctown_store::{ObjectStore, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::cmp::Ordering;
use std::io::{BufRead, BufReader, Read};

/// Where the previous ingest of a source left its artifacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReusePointer {
    pub job_id: JobId,
    /// The `files.jsonl` and `symbols.jsonl` keys.
    pub files: String,
    pub symbols: String,
    /// [`EXTRACTOR_FINGERPRINT`] of the run that wrote them.
    pub extractor: String,
    /// [`ProjectLayout::fingerprint`] of that run: qualified names depend
    /// on crate names and module roots, so a changed manifest means a
    /// full parse.
    #[serde(default)]
    pub layout: String,
}

impl ReusePointer {
    pub fn new(job_id: JobId, files: String, symbols: String, layout: &ProjectLayout) -> Self {
        ReusePointer {
            job_id,
            files,
            symbols,
            extractor: EXTRACTOR_FINGERPRINT.to_string(),
            layout: layout.fingerprint(),
        }
    }
}

/// The pointer's key for a source (what the user gave, made absolute when
/// it is a local path, and its kind).
pub fn pointer_key(source: &str, kind: &str) -> String {
    let identity = std::fs::canonicalize(source)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| source.to_string());
    let hash = Sha256::digest(format!("{kind}\n{identity}").as_bytes());
    format!("cache/ingest/{}.json", &hex::encode(hash)[..32])
}

/// One file of the previous run: its record and its symbols as stored.
#[derive(Debug)]
pub struct Previous {
    record: FileRecord,
    symbol_lines: Vec<String>,
}

impl Previous {
    /// The stored extraction, when the file is the same: same language and
    /// content hash, and every symbol line parses. Call sites come back
    /// unresolved (resolution runs over the whole repository again).
    pub fn extraction(self, language: Language, sha256: &str) -> Option<Extraction> {
        if self.record.language != language || self.record.sha256 != sha256 {
            return None;
        }
        let mut symbols = Vec::with_capacity(self.symbol_lines.len());
        for line in &self.symbol_lines {
            let mut symbol: Symbol = serde_json::from_str(line).ok()?;
            if symbol.path != self.record.path {
                return None;
            }
            for call in &mut symbol.calls {
                call.resolved = None;
            }
            symbols.push(symbol);
        }
        Some(Extraction {
            symbols,
            imports: self.record.imports,
            has_syntax_errors: self.record.has_syntax_errors,
        })
    }
}

type Lines = std::io::Lines<BufReader<Box<dyn Read + Send>>>;

/// Streams the previous run's files and symbols in path order.
pub struct PreviousReader {
    layout: String,
    files: Lines,
    symbols: Lines,
    next: Option<FileRecord>,
    done: bool,
}

impl PreviousReader {
    /// The reader for `pointer`'s artifacts, if the pointer exists, was
    /// written by this extractor, and its job's artifacts are still there.
    pub fn open(store: &dyn ObjectStore, pointer_key: &str) -> Result<Option<Self>, StoreError> {
        let Some(pointer) = store.get_bytes(pointer_key)? else {
            return Ok(None);
        };
        let Ok(pointer) = serde_json::from_slice::<ReusePointer>(&pointer) else {
            return Ok(None);
        };
        if pointer.extractor != EXTRACTOR_FINGERPRINT {
            return Ok(None);
        }
        let (Some(files), Some(symbols)) = (
            store.get_stream(&pointer.files)?,
            store.get_stream(&pointer.symbols)?,
        ) else {
            return Ok(None);
        };
        Ok(Some(PreviousReader {
            layout: pointer.layout,
            files: BufReader::new(files).lines(),
            symbols: BufReader::new(symbols).lines(),
            next: None,
            done: false,
        }))
    }

    /// The layout fingerprint the previous run extracted under.
    pub fn layout(&self) -> &str {
        &self.layout
    }

    /// The previous entry for `path`, if there is one. Paths must be asked
    /// in ascending order; entries passed over are skipped. A damaged or
    /// truncated artifact ends reuse (every later file is parsed).
    pub fn take(&mut self, path: &str) -> Option<Previous> {
        while !self.done {
            let record = match self.next.take() {
                Some(record) => record,
                None => match self.files.next() {
                    Some(Ok(line)) => match serde_json::from_str::<FileRecord>(&line) {
                        Ok(record) => record,
                        Err(_) => return self.stop(),
                    },
                    _ => return self.stop(),
                },
            };
            match record.path.as_str().cmp(path) {
                Ordering::Greater => {
                    self.next = Some(record);
                    return None;
                }
                ordering => {
                    let mut symbol_lines = Vec::with_capacity(record.symbols as usize);
                    for _ in 0..record.symbols {
                        match self.symbols.next() {
                            Some(Ok(line)) => symbol_lines.push(line),
                            _ => return self.stop(),
                        }
                    }
                    if ordering == Ordering::Equal {
                        return Some(Previous {
                            record,
                            symbol_lines,
                        });
                    }
                }
            }
        }
        None
    }

    fn stop(&mut self) -> Option<Previous> {
        self.done = true;
        self.next = None;
        None
    }
}
