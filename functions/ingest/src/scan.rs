//! Parsing the walked files in parallel, in bounded batches, and handing
//! each result to a sink in path order.
//!
//! Memory stays bounded: at most two batches of files (and their chunks)
//! are alive at a time, one parsing and one in the sink; the sink decides
//! what to keep.

use crate::chunker::chunk_file;
use crate::detect::{is_binary, looks_minified};
use crate::error::IngestError;
use crate::lines::LineIndex;
use crate::options::IngestOptions;
use crate::reuse::{Previous, PreviousReader, Stored, StoredChunks};
use crate::walk::{skip, walk, Candidate, WalkResult};
use doctown_core::events::ingest::{FileSkipped, SkipReason};
use doctown_core::language_sniff::sniff;
use doctown_core::{Chunk, ChunkEntry, FileRecord, FileRole, Language, Symbol};
use doctown_extract::{file_role, Extraction, Extractor, ProjectLayout};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// One parsed file.
#[derive(Debug)]
pub struct ParsedFile {
    pub record: FileRecord,
    pub symbols: Vec<Symbol>,
    pub chunks: FileChunks,
    /// Symbols and imports came from the previous run (unchanged content).
    pub reused: bool,
    /// For reused symbols, each one's stored line (one for each of
    /// `symbols`); empty for a file parsed here.
    pub stored: Vec<Stored>,
}

/// A file's chunks with the chunk index's entry of each, in the same order.
#[derive(Debug)]
pub enum FileChunks {
    /// Cut from the file's text (the entries made here, on the parsing
    /// pool, since they count each function's decisions).
    Cut {
        chunks: Vec<Chunk>,
        entries: Vec<ChunkEntry>,
    },
    /// The previous run's lines, for a file unchanged since it: the same
    /// bytes cutting and serialising them again would give.
    Stored(StoredChunks),
}

impl FileChunks {
    pub fn len(&self) -> usize {
        match self {
            FileChunks::Cut { chunks, .. } => chunks.len(),
            FileChunks::Stored(stored) => stored.chunks.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Receives results in path order.
pub trait ScanSink {
    fn skipped(&mut self, skipped: FileSkipped) -> Result<(), IngestError>;
    fn parsed(&mut self, file: ParsedFile) -> Result<(), IngestError>;
}

enum Outcome {
    Parsed(ParsedFile),
    Skipped(FileSkipped),
}

/// Walks `root`, parses every candidate and feeds `sink`; returns the
/// layout the repository's manifests declare (qualified names start from
/// it, and call resolution needs it). With `previous`, unchanged files
/// take their extraction from the previous run instead, when it was made
/// under the same layout.
pub fn scan(
    root: &Path,
    options: &IngestOptions,
    is_cancelled: &(dyn Fn() -> bool + Sync),
    previous: Option<&mut PreviousReader<'_>>,
    sink: &mut dyn ScanSink,
) -> Result<ProjectLayout, IngestError> {
    let mut walked = walk_within_limits(root, options)?;
    let layout = Arc::new(read_layout(&walked));
    for skipped in std::mem::take(&mut walked.skipped) {
        sink.skipped(skipped)?;
    }
    let fingerprint = layout.fingerprint();
    let mut previous = previous.filter(|p| p.layout() == fingerprint);
    // Batch k+1 parses on the pool while the sink takes batch k, so the
    // sink's work (serialising, events, the store) overlaps the parsing.
    let parse = |batch: Vec<(&Candidate, Option<Previous>)>| -> Vec<Outcome> {
        batch
            .into_par_iter()
            .map_init(
                || Extractor::with_layout(layout.clone()),
                |extractor, (c, prior)| parse_one(extractor, c, prior, options),
            )
            .collect()
    };
    let joined = |handle: std::thread::ScopedJoinHandle<'_, Vec<Outcome>>| {
        handle
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    };
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        // A first ingest parses every file, so it will want every query
        // its languages run; a later one may parse none of them.
        if previous.is_none() {
            let ahead = Extractor::with_layout(layout.clone());
            let (candidates, done) = (&walked.candidates, &done);
            scope.spawn(move || compile_ahead(&ahead, candidates, done));
        }
        let mut fed = || {
            let mut pending = None;
            for batch in walked.candidates.chunks(options.batch_files.max(1)) {
                if is_cancelled() {
                    return Err(IngestError::Cancelled);
                }
                let batch: Vec<(&Candidate, Option<Previous>)> = batch
                    .iter()
                    .map(|c| (c, previous.as_mut().and_then(|p| p.take(&c.path))))
                    .collect();
                let next = scope.spawn(move || parse(batch));
                if let Some(previous) = pending.replace(next) {
                    feed(sink, joined(previous))?;
                }
            }
            match pending {
                Some(last) => feed(sink, joined(last)),
                None => Ok(()),
            }
        };
        let fed = fed();
        done.store(true, Ordering::Relaxed);
        fed
    })?;
    Ok(Arc::unwrap_or_clone(layout))
}

/// Compiles the query engine's queries that `extractor` runs, in the
/// order the candidates will want them, until `stop` (a C++ or Swift
/// query takes 0.15 s to compile): run on a thread of its own, so that no
/// parsing thread waits while another compiles the query both need.
pub(crate) fn compile_ahead(extractor: &Extractor, candidates: &[Candidate], stop: &AtomicBool) {
    let mut seen = Vec::new();
    for candidate in candidates {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        if !seen.contains(&candidate.language) {
            seen.push(candidate.language);
            extractor.prepare(candidate.language);
        }
    }
}

/// The walk of `root`, refused when its candidates together pass
/// `max_total_bytes`.
pub(crate) fn walk_within_limits(
    root: &Path,
    options: &IngestOptions,
) -> Result<WalkResult, IngestError> {
    let walked = walk(root, options).map_err(|source| IngestError::Read {
        path: root.display().to_string(),
        source,
    })?;
    let total: u64 = walked.candidates.iter().map(|c| c.size_bytes).sum();
    if total > options.max_total_bytes {
        return Err(IngestError::TooLarge {
            total,
            limit: options.max_total_bytes,
        });
    }
    Ok(walked)
}

/// The layout from the manifests the walk found, with the programs they
/// declare that start in a source file among the walk's candidates (not
/// a test fixture's or an example's); an unreadable manifest adds
/// nothing.
pub fn read_layout(walked: &WalkResult) -> ProjectLayout {
    let texts: Vec<(String, String)> = walked
        .manifests
        .iter()
        .filter_map(|(rel, abs)| Some((rel.clone(), std::fs::read_to_string(abs).ok()?)))
        .collect();
    let mut layout = ProjectLayout::default();
    for (rel, text) in &texts {
        layout.add_manifest(rel, text);
    }
    let files = walked.candidates.iter().map(|c| c.path.as_str()).collect();
    let mut programs = doctown_extract::declared_programs(&texts, &files);
    // The candidates are sorted by path: each program's start file is
    // found, and its role read, without a role for every file.
    programs.retain(|p| {
        let found = walked
            .candidates
            .binary_search_by(|c| c.path.as_str().cmp(&p.path));
        found.is_ok_and(|i| {
            let c = &walked.candidates[i];
            doctown_extract::file_role(&c.path, c.language, "") == FileRole::Source
        })
    });
    layout.set_programs(programs);
    let readme = walked
        .readme
        .as_ref()
        .and_then(|(name, abs)| Some((name.as_str(), std::fs::read_to_string(abs).ok()?)));
    layout.set_about(doctown_extract::about::about(
        readme.as_ref().map(|(n, t)| (*n, t.as_str())),
        &texts,
    ));
    layout
}

fn feed(sink: &mut dyn ScanSink, outcomes: Vec<Outcome>) -> Result<(), IngestError> {
    for outcome in outcomes {
        match outcome {
            Outcome::Parsed(file) => sink.parsed(file)?,
            Outcome::Skipped(skipped) => sink.skipped(skipped)?,
        }
    }
    Ok(())
}

fn parse_one(
    extractor: &mut Extractor,
    candidate: &Candidate,
    prior: Option<Previous>,
    options: &IngestOptions,
) -> Outcome {
    let bytes = match read_candidate(candidate, options) {
        Ok(bytes) => bytes,
        Err(skipped) => return Outcome::Skipped(skipped),
    };
    let sha256 = hex::encode(Sha256::digest(&bytes));
    // An unchanged file is what the previous run made of the same bytes.
    let prior = match prior {
        Some(p) if p.is_whole(&sha256) => match p.into_whole() {
            Some((record, symbols, chunks)) => {
                return Outcome::Parsed(ParsedFile {
                    record,
                    symbols: symbols.symbols,
                    chunks: FileChunks::Stored(chunks),
                    reused: true,
                    stored: symbols.stored,
                })
            }
            None => None,
        },
        prior => prior,
    };
    let (source, lossy, language) = match text_of(candidate, bytes) {
        Ok(text) => text,
        Err(skipped) => return Outcome::Skipped(skipped),
    };
    // Chunked another way last time, or changed: the symbols of the same
    // content are still the stored ones.
    let reused = prior.and_then(|p| p.extraction(language, &sha256));
    let (extraction, stored) = match reused {
        Some((extraction, stored)) => (extraction, Some(stored)),
        None => (extractor.extract(&candidate.path, language, &source), None),
    };
    let file = File {
        path: &candidate.path,
        language,
        source: &source,
        sha256,
        lossy_utf8: lossy,
    };
    let mut parsed = parsed_file(file, extraction, options);
    if let Some(stored) = stored {
        parsed.reused = true;
        parsed.stored = stored;
    }
    Outcome::Parsed(parsed)
}

/// A candidate's bytes, or why it is skipped: unreadable, over the file
/// size limit, binary.
pub(crate) fn read_candidate(
    candidate: &Candidate,
    options: &IngestOptions,
) -> Result<Vec<u8>, FileSkipped> {
    let Ok(bytes) = std::fs::read(&candidate.abs_path) else {
        return Err(skip(
            &candidate.path,
            SkipReason::Unreadable,
            candidate.size_bytes,
        ));
    };
    let size = bytes.len() as u64;
    if size > options.max_file_bytes {
        return Err(skip(&candidate.path, SkipReason::TooLarge, size));
    }
    if is_binary(&bytes) {
        return Err(skip(&candidate.path, SkipReason::Binary, size));
    }
    Ok(bytes)
}

/// A candidate's bytes as text (`true`: not UTF-8, decoded lossily) and
/// its language as the text tells it where the extension is shared (`.h`,
/// `.m`: [`doctown_core::language_sniff`]); or skipped as minified or as a
/// language Doctown does not read (MATLAB's `.m`).
pub(crate) fn text_of(
    candidate: &Candidate,
    bytes: Vec<u8>,
) -> Result<(String, bool, Language), FileSkipped> {
    let size = bytes.len() as u64;
    let (source, lossy) = match String::from_utf8(bytes) {
        Ok(text) => (text, false),
        Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), true),
    };
    if looks_minified(&source) {
        return Err(skip(&candidate.path, SkipReason::Minified, size));
    }
    let Some(language) = sniff(candidate.language, &candidate.path, &source) else {
        return Err(skip(&candidate.path, SkipReason::UnsupportedLanguage, size));
    };
    Ok((source, lossy, language))
}

/// A file read for parsing.
struct File<'a> {
    path: &'a str,
    language: Language,
    source: &'a str,
    sha256: String,
    /// Not UTF-8: decoded lossily.
    lossy_utf8: bool,
}

/// One file's record and chunks, cut from its text, given its extraction.
fn parsed_file(file: File<'_>, extraction: Extraction, options: &IngestOptions) -> ParsedFile {
    let File {
        path,
        language,
        source,
        sha256,
        lossy_utf8,
    } = file;
    let role = file_role(path, language, source);
    let mut chunks = chunk_file(path, language, source, &extraction.symbols, options);
    if role != FileRole::Source {
        for chunk in &mut chunks {
            chunk.role = Some(role);
        }
    }
    let record = FileRecord {
        path: path.to_string(),
        language,
        size_bytes: source.len() as u64,
        lines: LineIndex::new(source).line_count(),
        sha256,
        symbols: extraction.symbols.len() as u32,
        chunks: chunks.len() as u32,
        imports: extraction.imports,
        has_syntax_errors: extraction.has_syntax_errors,
        lossy_utf8,
        role,
        import_files: None,
    };
    let entries = chunks.iter().map(ChunkEntry::of).collect();
    ParsedFile {
        record,
        symbols: extraction.symbols,
        chunks: FileChunks::Cut { chunks, entries },
        reused: false,
        stored: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use doctown_core::Language;

    fn chunks_of(path: &str, source: &str) -> Vec<Chunk> {
        let extraction = Extractor::new().extract(path, Language::Python, source);
        let options = IngestOptions::default();
        let file = File {
            path,
            language: Language::Python,
            source,
            sha256: String::new(),
            lossy_utf8: false,
        };
        match parsed_file(file, extraction, &options).chunks {
            FileChunks::Cut { chunks, .. } => chunks,
            FileChunks::Stored(_) => unreachable!("no chunks were given"),
        }
    }

    #[test]
    fn chunks_say_when_their_file_is_not_source() {
        let source = "def check():\n    assert total([1, 2]) == 3\n";
        let tests = chunks_of("tests/test_total.py", source);
        assert!(!tests.is_empty());
        assert!(tests.iter().all(|c| c.role == Some(FileRole::Test)));
        let code = chunks_of("shop/total.py", source);
        assert!(
            code.iter().all(|c| c.role.is_none()),
            "source stays unmarked"
        );
    }
}
